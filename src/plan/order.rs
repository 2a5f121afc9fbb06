//! Graph helpers for plans: a deterministic dependency order and cycle detection.
//! Both are iterative, so a chain 100,000 deep cannot overflow the stack.

use std::collections::{BTreeMap, BTreeSet};

/// Orders `nodes` so that every node comes after the nodes it depends on (dependencies outside
/// `nodes` are ignored). Ties are broken by id, so the order is deterministic. Nodes on a cycle
/// (which validation rules out) are appended in id order rather than dropped.
pub fn dependencies_first<'a>(
    nodes: &BTreeSet<&'a str>,
    deps_of: impl Fn(&'a str) -> Vec<&'a str>,
) -> Vec<&'a str> {
    let mut waiting_on: BTreeMap<&str, usize> = BTreeMap::new();
    let mut dependants: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for &node in nodes {
        let deps: BTreeSet<&str> = deps_of(node)
            .into_iter()
            .filter(|d| nodes.contains(d) && *d != node)
            .collect();
        waiting_on.insert(node, deps.len());
        for dep in deps {
            dependants.entry(dep).or_default().push(node);
        }
    }
    let mut ready: BTreeSet<&str> = waiting_on
        .iter()
        .filter(|(_, n)| **n == 0)
        .map(|(id, _)| *id)
        .collect();
    let mut order = Vec::with_capacity(nodes.len());
    while let Some(node) = ready.pop_first() {
        order.push(node);
        for &dependant in dependants.get(node).map_or(&[][..], Vec::as_slice) {
            if let Some(n) = waiting_on.get_mut(dependant) {
                *n -= 1;
                if *n == 0 {
                    ready.insert(dependant);
                }
            }
        }
    }
    if order.len() < nodes.len() {
        let placed: BTreeSet<&str> = order.iter().copied().collect();
        order.extend(nodes.iter().filter(|n| !placed.contains(*n)));
    }
    order
}

/// Every cycle in the graph `node → parents`, each once, as the path `a, b, …` (closing back to
/// `a`), rotated so the smallest id comes first. Edges to nodes outside the graph are ignored.
pub fn find_cycles<'a>(graph: &BTreeMap<&'a str, Vec<&'a str>>) -> Vec<Vec<&'a str>> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        New,
        OnPath,
        Done,
    }
    let mut state: BTreeMap<&str, State> = graph.keys().map(|k| (*k, State::New)).collect();
    let mut cycles: BTreeSet<Vec<&str>> = BTreeSet::new();
    for &root in graph.keys() {
        if state[root] != State::New {
            continue;
        }
        // Each frame: the node and the index of the next edge to follow.
        let mut stack: Vec<(&str, usize)> = vec![(root, 0)];
        state.insert(root, State::OnPath);
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            let edges = &graph[node];
            if *next < edges.len() {
                let target = edges[*next];
                *next += 1;
                match state.get(target) {
                    Some(State::New) => {
                        state.insert(target, State::OnPath);
                        stack.push((target, 0));
                    }
                    Some(State::OnPath) => {
                        let start = stack.iter().position(|(n, _)| *n == target).unwrap_or(0);
                        let mut cycle: Vec<&str> = stack[start..].iter().map(|(n, _)| *n).collect();
                        let min = cycle
                            .iter()
                            .enumerate()
                            .min_by_key(|(_, id)| **id)
                            .map_or(0, |(i, _)| i);
                        cycle.rotate_left(min);
                        cycles.insert(cycle);
                    }
                    _ => {}
                }
            } else {
                state.insert(node, State::Done);
                stack.pop();
            }
        }
    }
    cycles.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_come_first_and_ties_break_by_id() {
        let nodes: BTreeSet<&str> = ["c", "b", "a", "d"].into();
        let order = dependencies_first(&nodes, |n| match n {
            "a" => vec!["c"],
            "b" => vec!["a", "outside"],
            _ => vec![],
        });
        assert_eq!(order, ["c", "a", "b", "d"]);
    }

    #[test]
    fn deep_chain_does_not_overflow() {
        let ids: Vec<String> = (0..100_000).map(|i| format!("g{i:06}")).collect();
        let nodes: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
        let order = dependencies_first(&nodes, |n| {
            let i: usize = n[1..].parse().unwrap_or(0);
            if i == 0 {
                vec![]
            } else {
                vec![ids[i - 1].as_str()]
            }
        });
        assert_eq!(order.first(), Some(&"g000000"));
        assert_eq!(order.last(), Some(&"g099999"));
        let graph: BTreeMap<&str, Vec<&str>> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let parents = if i == 0 {
                    vec![]
                } else {
                    vec![ids[i - 1].as_str()]
                };
                (id.as_str(), parents)
            })
            .collect();
        assert!(find_cycles(&graph).is_empty());
    }

    #[test]
    fn cycles_are_found_once_each() {
        let graph: BTreeMap<&str, Vec<&str>> = [
            ("a", vec!["b"]),
            ("b", vec!["c"]),
            ("c", vec!["a"]),
            ("d", vec!["d"]),
            ("e", vec!["a"]),
        ]
        .into();
        assert_eq!(find_cycles(&graph), vec![vec!["a", "b", "c"], vec!["d"]]);
    }
}
