//! Directed graphs over indices `0..n`: the one place that orders dependencies and finds
//! cycles, for validation (parent cycles in the file), planning (parents before children, cycles
//! through live groups) and apply (which step waits for which). An edge `i → j` means `i`
//! depends on `j` (a group on its parent, a step on the step that must succeed first).
//!
//! Every walk is iterative, so a chain 100,000 deep cannot overflow the stack.

use std::collections::{BTreeSet, VecDeque};

/// Edges in compressed rows: the targets of node `i` are `targets[start[i]..start[i + 1]]`.
/// One allocation for all edges instead of one per node, which matters at 100,000 groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Graph {
    start: Vec<usize>,
    targets: Vec<usize>,
}

impl Default for Graph {
    fn default() -> Self {
        Self::with_capacity(0, 0)
    }
}

impl Graph {
    /// An empty graph with room for `nodes` nodes and `edges` edges.
    pub fn with_capacity(nodes: usize, edges: usize) -> Self {
        let mut start = Vec::with_capacity(nodes + 1);
        start.push(0);
        Self {
            start,
            targets: Vec::with_capacity(edges),
        }
    }

    /// A graph whose node `i` has the edges of the `i`-th row.
    pub fn from_rows<R: IntoIterator<Item = usize>>(rows: impl IntoIterator<Item = R>) -> Self {
        let mut graph = Self::default();
        for row in rows {
            graph.push(row);
        }
        graph
    }

    /// Adds the next node with its edges and returns its index. Edges may point at nodes added
    /// later; every target must be a node by the time the graph is walked.
    pub fn push(&mut self, targets: impl IntoIterator<Item = usize>) -> usize {
        self.targets.extend(targets);
        self.start.push(self.targets.len());
        self.start.len() - 2
    }

    /// The number of nodes.
    pub fn len(&self) -> usize {
        self.start.len() - 1
    }

    /// Whether there are no nodes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The targets of `node`'s edges, as added.
    pub fn edges(&self, node: usize) -> &[usize] {
        &self.targets[self.start[node]..self.start[node + 1]]
    }

    /// The same nodes with every edge turned around: who depends on each node.
    #[must_use]
    pub fn reversed(&self) -> Self {
        let n = self.len();
        let mut count = vec![0_usize; n + 1];
        for &t in &self.targets {
            count[t + 1] += 1;
        }
        for i in 0..n {
            count[i + 1] += count[i];
        }
        let start = count.clone();
        let mut next = count;
        let mut targets = vec![0; self.targets.len()];
        for from in 0..n {
            for &to in self.edges(from) {
                targets[next[to]] = from;
                next[to] += 1;
            }
        }
        Self { start, targets }
    }

    /// Every node after the nodes it depends on (Kahn's algorithm); among nodes that are ready
    /// together, the smallest index first, so the order is deterministic. Nodes on a cycle, or
    /// depending on one, are left out: a result shorter than [`Graph::len`] means a cycle.
    pub fn dependencies_first(&self) -> Vec<usize> {
        let dependants = self.reversed();
        let mut waiting: Vec<usize> = (0..self.len()).map(|i| self.edges(i).len()).collect();
        let mut ready: BTreeSet<usize> = (0..self.len()).filter(|&i| waiting[i] == 0).collect();
        let mut order = Vec::with_capacity(self.len());
        while let Some(node) = ready.pop_first() {
            order.push(node);
            for &d in dependants.edges(node) {
                waiting[d] -= 1;
                if waiting[d] == 0 {
                    ready.insert(d);
                }
            }
        }
        order
    }

    /// The strongly connected components reachable from `roots`, visited in that order
    /// (Tarjan's algorithm with an explicit stack). Each component lists its nodes; a node
    /// alone is a component of one.
    pub fn strongly_connected(&self, roots: impl IntoIterator<Item = usize>) -> Vec<Vec<usize>> {
        const UNSEEN: usize = usize::MAX;
        let n = self.len();
        let mut index = vec![UNSEEN; n];
        let mut low = vec![0; n];
        let mut on_stack = vec![false; n];
        let mut stack = Vec::new();
        let mut components = Vec::new();
        let mut next = 0;
        // (node, position in its edge list)
        let mut calls: Vec<(usize, usize)> = Vec::new();
        for root in roots {
            if index[root] != UNSEEN {
                continue;
            }
            calls.push((root, 0));
            index[root] = next;
            low[root] = next;
            next += 1;
            stack.push(root);
            on_stack[root] = true;
            while let Some(&mut (v, ref mut pos)) = calls.last_mut() {
                if let Some(&w) = self.edges(v).get(*pos) {
                    *pos += 1;
                    if index[w] == UNSEEN {
                        index[w] = next;
                        low[w] = next;
                        next += 1;
                        stack.push(w);
                        on_stack[w] = true;
                        calls.push((w, 0));
                    } else if on_stack[w] {
                        low[v] = low[v].min(index[w]);
                    }
                    continue;
                }
                calls.pop();
                if let Some(&(parent, _)) = calls.last() {
                    low[parent] = low[parent].min(low[v]);
                }
                if low[v] == index[v] {
                    let mut component = Vec::new();
                    while let Some(w) = stack.pop() {
                        on_stack[w] = false;
                        component.push(w);
                        if w == v {
                            break;
                        }
                    }
                    components.push(component);
                }
            }
        }
        components
    }

    /// The shortest cycle through `start` that stays on nodes `within` accepts, by
    /// breadth-first search: `start, a, b, …`, the edge back to `start` implied.
    pub fn shortest_cycle(
        &self,
        start: usize,
        within: impl Fn(usize) -> bool,
    ) -> Option<Vec<usize>> {
        let mut came_from = vec![usize::MAX; self.len()];
        let mut queue = VecDeque::from([start]);
        while let Some(v) = queue.pop_front() {
            for &w in self.edges(v) {
                if w == start {
                    // Walk back from `v` to `start`, then read it forwards.
                    let mut path = vec![v];
                    let mut cur = v;
                    while cur != start {
                        cur = came_from[cur];
                        path.push(cur);
                    }
                    path.reverse();
                    return Some(path);
                }
                if came_from[w] == usize::MAX && w != start && within(w) {
                    came_from[w] = v;
                    queue.push_back(w);
                }
            }
        }
        None
    }

    /// One cycle per loop: for every strongly connected component with more than one node (or
    /// a node with an edge to itself), the shortest cycle through its smallest node, starting
    /// there. Sorted by that node.
    pub fn cycles(&self) -> Vec<Vec<usize>> {
        let mut in_component = vec![usize::MAX; self.len()];
        let mut cycles = Vec::new();
        for (c, component) in self
            .strongly_connected(0..self.len())
            .into_iter()
            .enumerate()
        {
            let Some(&first) = component.iter().min() else {
                continue;
            };
            if component.len() == 1 && !self.edges(first).contains(&first) {
                continue;
            }
            for &node in &component {
                in_component[node] = c;
            }
            cycles.extend(self.shortest_cycle(first, |w| in_component[w] == c));
        }
        cycles.sort_unstable();
        cycles
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dependencies_come_first_and_ties_break_by_index() {
        // 0 → 2, 1 → 0, 3 alone.
        let graph = Graph::from_rows([vec![2], vec![0], vec![], vec![]]);
        assert_eq!(graph.dependencies_first(), [2, 0, 1, 3]);
        assert_eq!(graph.reversed().edges(2), [0]);
        assert_eq!(graph.reversed().edges(0), [1]);
    }

    #[test]
    fn a_cycle_and_what_depends_on_it_are_left_out_of_the_order() {
        // 0 ⇄ 1, 2 → 0, 3 alone.
        let graph = Graph::from_rows([vec![1], vec![0], vec![0], vec![]]);
        assert_eq!(graph.dependencies_first(), [3]);
        assert_eq!(graph.cycles(), [vec![0, 1]]);
    }

    #[test]
    fn a_deep_chain_neither_overflows_nor_crawls() {
        let n = 100_000;
        let graph = Graph::from_rows((0..n).map(|i| if i == 0 { None } else { Some(i - 1) }));
        let order = graph.dependencies_first();
        assert_eq!(order.len(), n);
        assert_eq!((order[0], order[n - 1]), (0, n - 1));
        assert!(graph.cycles().is_empty());
        let closed = Graph::from_rows((0..n).map(|i| [if i == 0 { n - 1 } else { i - 1 }]));
        assert_eq!(closed.cycles().first().map(Vec::len), Some(n));
    }

    #[test]
    fn each_loop_is_one_shortest_cycle_from_its_smallest_node() {
        // 0 → 1 → 2 → 0 and 1 → 0 (a shorter loop inside); 3 → 3; 4 → 0 (outside any loop).
        let graph = Graph::from_rows([vec![1], vec![2, 0], vec![0], vec![3], vec![0]]);
        assert_eq!(graph.cycles(), [vec![0, 1], vec![3]]);
        // From 4: the loop 0-1-2 and 4 itself; 3 is not reachable.
        let mut components = graph.strongly_connected([4]);
        for component in &mut components {
            component.sort_unstable();
        }
        assert_eq!(components, [vec![0, 1, 2], vec![4]]);
        assert_eq!(graph.shortest_cycle(0, |_| true), Some(vec![0, 1]));
        assert_eq!(graph.shortest_cycle(4, |_| true), None);
    }
}
