//! The plan's graphs keyed by group id: a deterministic dependency order and cycle detection,
//! mapped onto [`crate::graph`], which does the walking over indices.

use std::collections::{BTreeMap, BTreeSet};

use foldhash::HashMap;

/// Orders `nodes` so that every node comes after the nodes it depends on (dependencies outside
/// `nodes` are ignored). Ties are broken by id, so the order is deterministic. Nodes on a cycle
/// (which validation rules out) are appended in id order rather than dropped.
pub fn dependencies_first<'a>(
    nodes: &BTreeSet<&'a str>,
    deps_of: impl Fn(&'a str) -> Vec<&'a str>,
) -> Vec<&'a str> {
    // Indices in id order, so the graph's "smallest index first" is "smallest id first".
    let ids: Vec<&str> = nodes.iter().copied().collect();
    let index: HashMap<&str, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let graph = crate::graph::Graph::from_rows(ids.iter().enumerate().map(|(i, &node)| {
        let deps: BTreeSet<usize> = deps_of(node)
            .into_iter()
            .filter_map(|d| index.get(d).copied())
            .filter(|&d| d != i)
            .collect();
        deps
    }));
    let mut order = graph.dependencies_first();
    if order.len() < ids.len() {
        let mut placed = vec![false; ids.len()];
        for &i in &order {
            placed[i] = true;
        }
        order.extend((0..ids.len()).filter(|&i| !placed[i]));
    }
    order.into_iter().map(|i| ids[i]).collect()
}

/// Every loop in the graph `node → parents`, each once, as the path `a, b, …` (closing back to
/// `a`) of its shortest cycle through its smallest id. Edges to nodes outside the graph are
/// ignored.
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

    /// See [`find_cycles`]; each cycle starts at its smallest id, and cycles come in id order.
    pub fn cycles(&self) -> Vec<Vec<&'a str>> {
        let ends = self
            .start
            .iter()
            .skip(1)
            .copied()
            .chain([self.targets.len()]);
        let graph =
            crate::graph::Graph::from_rows(self.start.iter().zip(ends).map(|(&from, to)| {
                self.targets[from..to]
                    .iter()
                    .filter_map(|t| self.index.get(t).copied())
            }));
        let mut cycles: Vec<Vec<&str>> = graph
            .cycles()
            .into_iter()
            .map(|cycle| {
                let mut ids: Vec<&str> = cycle.into_iter().map(|i| self.ids[i]).collect();
                // Nodes were added in any order: the smallest id leads, as users read it.
                let min = ids
                    .iter()
                    .enumerate()
                    .min_by_key(|(_, id)| **id)
                    .map_or(0, |(i, _)| i);
                ids.rotate_left(min);
                ids
            })
            .collect();
        cycles.sort_unstable();
        cycles
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
