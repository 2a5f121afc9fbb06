//! Graph helpers for plans: a deterministic dependency order and cycle detection.
//! Both are iterative, so a chain 100,000 deep cannot overflow the stack.

use std::collections::{BTreeMap, BTreeSet, HashMap};

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
    // The search runs on indices: with string keys, looking up the state of every edge's
    // target was a fifth of a 100,000-group plan.
    let ids: Vec<&'a str> = graph.keys().copied().collect();
    let index: HashMap<&str, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let edges: Vec<Vec<usize>> = graph
        .values()
        .map(|targets| {
            targets
                .iter()
                .filter_map(|t| index.get(t).copied())
                .collect()
        })
        .collect();
    let mut state = vec![State::New; ids.len()];
    let mut cycles: BTreeSet<Vec<&str>> = BTreeSet::new();
    for root in 0..ids.len() {
        if state[root] != State::New {
            continue;
        }
        // Each frame: the node and the index of the next edge to follow.
        let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
        state[root] = State::OnPath;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            let out = &edges[node];
            if *next < out.len() {
                let target = out[*next];
                *next += 1;
                match state[target] {
                    State::New => {
                        state[target] = State::OnPath;
                        stack.push((target, 0));
                    }
                    State::OnPath => {
                        let start = stack.iter().position(|(n, _)| *n == target).unwrap_or(0);
                        let mut cycle: Vec<&str> =
                            stack[start..].iter().map(|(n, _)| ids[*n]).collect();
                        let min = cycle
                            .iter()
                            .enumerate()
                            .min_by_key(|(_, id)| **id)
                            .map_or(0, |(i, _)| i);
                        cycle.rotate_left(min);
                        cycles.insert(cycle);
                    }
                    State::Done => {}
                }
            } else {
                state[node] = State::Done;
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

    #[test]
    fn edges_leaving_the_graph_are_ignored_and_rotation_starts_at_the_smallest_id() {
        let graph: BTreeMap<&str, Vec<&str>> = [
            ("x", vec!["outside", "y"]),
            ("y", vec!["w"]),
            ("w", vec!["x", "gone"]),
            ("v", vec!["outside"]),
        ]
        .into();
        assert_eq!(find_cycles(&graph), vec![vec!["w", "x", "y"]]);
    }
}
