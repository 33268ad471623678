//! Import cycles between units. Layers alone do not forbid them (two units of one layer may
//! import each other), yet a cycle makes its units one unit in all but name: none can be
//! understood, tested or moved without the others.
//!
//! A large knot of units has more simple cycles than anyone could read, so each knot (a
//! strongly connected component) is reported as its members and, for each member, the shortest
//! cycle through it: a short list in which every unit of the knot shows up in a concrete loop.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

#[derive(Debug, PartialEq, Eq)]
pub(super) struct Knot {
    /// Its units, sorted.
    pub(super) members: Vec<String>,
    /// Distinct cycles, each starting at its smallest unit, without repeating it at the end.
    pub(super) cycles: Vec<Vec<String>>,
}

pub(super) fn knots<'a>(edges: impl IntoIterator<Item = (&'a str, &'a str)>) -> Vec<Knot> {
    let mut graph: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (from, to) in edges {
        graph.entry(from).or_default().insert(to);
        graph.entry(to).or_default();
    }
    let mut knots: Vec<Knot> = components(&graph)
        .into_iter()
        .filter(|component| component.len() > 1)
        .map(|members| {
            let cycles: BTreeSet<Vec<String>> = members
                .iter()
                .filter_map(|start| shortest_cycle(&graph, &members, start))
                .collect();
            Knot {
                members: members.iter().map(|unit| (*unit).to_owned()).collect(),
                cycles: cycles.into_iter().collect(),
            }
        })
        .collect();
    knots.sort_by(|a, b| a.members.cmp(&b.members));
    knots
}

/// Tarjan's strongly connected components, each sorted.
fn components<'a>(graph: &BTreeMap<&'a str, BTreeSet<&'a str>>) -> Vec<BTreeSet<&'a str>> {
    struct Search<'g, 'a> {
        graph: &'g BTreeMap<&'a str, BTreeSet<&'a str>>,
        next: usize,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        found: Vec<BTreeSet<&'a str>>,
    }

    impl<'a> Search<'_, 'a> {
        fn visit(&mut self, unit: &'a str) {
            self.index.insert(unit, self.next);
            self.low.insert(unit, self.next);
            self.next += 1;
            self.stack.push(unit);
            self.on_stack.insert(unit);
            let successors = self.graph.get(unit).into_iter().flatten().copied();
            for next in successors.collect::<Vec<_>>() {
                if !self.index.contains_key(next) {
                    self.visit(next);
                    let low = self.low[unit].min(self.low[next]);
                    self.low.insert(unit, low);
                } else if self.on_stack.contains(next) {
                    let low = self.low[unit].min(self.index[next]);
                    self.low.insert(unit, low);
                }
            }
            if self.low[unit] == self.index[unit] {
                let mut component = BTreeSet::new();
                while let Some(member) = self.stack.pop() {
                    self.on_stack.remove(member);
                    component.insert(member);
                    if member == unit {
                        break;
                    }
                }
                self.found.push(component);
            }
        }
    }

    let mut search = Search {
        graph,
        next: 0,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for &unit in graph.keys() {
        if !search.index.contains_key(unit) {
            search.visit(unit);
        }
    }
    search.found
}

/// The shortest way from `start` back to itself inside `members` (breadth first), rotated to
/// begin at its smallest unit so that one cycle found from two of its units is one cycle.
fn shortest_cycle(
    graph: &BTreeMap<&str, BTreeSet<&str>>,
    members: &BTreeSet<&str>,
    start: &str,
) -> Option<Vec<String>> {
    let mut parent: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(unit) = queue.pop_front() {
        for &next in graph.get(unit).into_iter().flatten() {
            if next == start {
                let mut cycle = vec![unit.to_owned()];
                let mut at = unit;
                while at != start {
                    at = parent[at];
                    cycle.push(at.to_owned());
                }
                cycle.reverse();
                let smallest = (0..cycle.len()).min_by_key(|&i| &cycle[i]).unwrap_or(0);
                cycle.rotate_left(smallest);
                return Some(cycle);
            }
            if members.contains(next) && !parent.contains_key(next) {
                parent.insert(next, unit);
                queue.push_back(next);
            }
        }
    }
    None
}
