//! Graph helpers for plans: a deterministic dependency order and cycle detection.
//! Both are iterative, so a chain 100,000 deep cannot overflow the stack.

use std::collections::{BTreeMap, BTreeSet};

use foldhash::HashMap;

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
    let mut built = Graph::with_capacity(graph.len());
    for (id, parents) in graph {
        built.push(id, parents.iter().copied());
    }
    built.cycles()
}

/// A graph `node → parents` over string ids, stored as indices: one index map and one edge
/// list for the whole graph instead of a map of vectors. With string keys, looking up every
/// edge's target was a fifth of a 100,000-group plan.
#[derive(Debug, Default)]
pub struct Graph<'a> {
    ids: Vec<&'a str>,
    index: HashMap<&'a str, usize>,
    /// The targets of node `i` are `targets[start[i]..start[i + 1]]`, as written; resolved to
    /// indices (and edges to unknown nodes dropped) by [`Graph::cycles`].
    start: Vec<usize>,
    targets: Vec<&'a str>,
}

impl<'a> Graph<'a> {
    /// An empty graph with room for `nodes` nodes.
    pub fn with_capacity(nodes: usize) -> Self {
        Self {
            ids: Vec::with_capacity(nodes),
            index: HashMap::with_capacity_and_hasher(nodes, foldhash::fast::RandomState::default()),
            start: Vec::with_capacity(nodes + 1),
            targets: Vec::with_capacity(nodes),
        }
    }

    /// Adds a node with its parents; a node added twice keeps its first parents.
    pub fn push(&mut self, id: &'a str, parents: impl IntoIterator<Item = &'a str>) {
        if self.index.contains_key(id) {
            return;
        }
        self.index.insert(id, self.ids.len());
        self.ids.push(id);
        self.start.push(self.targets.len());
        self.targets.extend(parents);
    }

    /// Whether `id` is a node.
    pub fn contains(&self, id: &str) -> bool {
        self.index.contains_key(id)
    }

    /// See [`find_cycles`]; cycles come in id order.
    pub fn cycles(&self) -> Vec<Vec<&'a str>> {
        #[derive(Clone, Copy, PartialEq)]
        enum State {
            New,
            OnPath,
            Done,
        }
        let ids = &self.ids;
        // The edges as indices, in the same compressed rows; edges to unknown nodes dropped.
        let mut start = Vec::with_capacity(ids.len() + 1);
        let mut edges = Vec::with_capacity(self.targets.len());
        for (i, &from) in self.start.iter().enumerate() {
            let to = self.start.get(i + 1).copied().unwrap_or(self.targets.len());
            start.push(edges.len());
            edges.extend(
                self.targets[from..to]
                    .iter()
                    .filter_map(|t| self.index.get(t)),
            );
        }
        start.push(edges.len());
        let out = |node: usize| &edges[start[node]..start[node + 1]];

        // Roots in id order, so the search (and so the cycles it reports) is deterministic.
        let mut roots: Vec<usize> = (0..ids.len()).collect();
        roots.sort_unstable_by_key(|&i| ids[i]);
        let mut state = vec![State::New; ids.len()];
        let mut cycles: BTreeSet<Vec<&str>> = BTreeSet::new();
        for root in roots {
            if state[root] != State::New {
                continue;
            }
            // Each frame: the node and the index of the next edge to follow.
            let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
            state[root] = State::OnPath;
            while let Some(&mut (node, ref mut next)) = stack.last_mut() {
                let Some(&target) = out(node).get(*next) else {
                    state[node] = State::Done;
                    stack.pop();
                    continue;
                };
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
            }
        }
        cycles.into_iter().collect()
    }
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
