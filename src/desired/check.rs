//! The checks across entries: duplicate ids, parents (duplicate, self, unknown, deleted),
//! `ignore` patterns that hit declared groups, cycles, and the empty file in full mode.
//!
//! Everything here is linear or near-linear in the number of groups (hash lookups, one
//! strongly-connected-components pass of [`crate::graph`]), so 100,000 groups check in
//! milliseconds and a 100,000-deep chain cannot overflow the stack.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use foldhash::{HashMap, HashMapExt, HashSet};

use super::suggest;
use super::{Access, DesiredGroup, LoadOptions, Mode, ParentRef, Pattern, Safety};
use crate::access::Facet;
use crate::diagnostic::{Diagnostic, Span};
use crate::graph::Graph;
use crate::group::{DEFAULT_BOOTSTRAP_GROUP, Group, MAX_NAME_CHARS, is_valid_id};

/// One group as read from the file, before the checks across entries.
#[derive(Debug, Clone)]
pub(super) struct Entry {
    pub(super) id: String,
    /// The id's value.
    pub(super) span: Span,
    pub(super) name: Option<String>,
    pub(super) parents: Vec<ParentRef>,
    /// The parents' ids as the group will hold them.
    pub(super) parent_ids: BTreeSet<String>,
    pub(super) active: bool,
    /// The facets it manages; `None` for the common group of id, name and parents only.
    pub(super) access: Option<Box<Access>>,
}

impl Entry {
    /// Built as each group is read, while the parser is still busy with the rest of the file.
    pub(super) fn new(
        id: String,
        span: Span,
        name: Option<String>,
        parents: Vec<ParentRef>,
        active: bool,
        access: Option<Box<Access>>,
    ) -> Self {
        Self {
            parent_ids: parents.iter().map(|p| p.id.clone()).collect(),
            id,
            span,
            name,
            parents,
            active,
            access,
        }
    }

    /// The facets it manages.
    fn access(&self) -> &Access {
        self.access.as_deref().unwrap_or(&Access::NONE)
    }
}

/// Limits the work spent on "did you mean" for unknown parents: comparisons of one unknown id
/// against all declared ids, summed over distinct unknown ids.
const SUGGESTION_BUDGET: usize = 2_000_000;

/// Runs the checks; the groups that pass (every one, when nothing is reported) are moved out
/// of `file.entries` into the result.
pub(super) fn run(
    file: &mut File,
    options: LoadOptions,
    diags: &mut Vec<Diagnostic>,
) -> Vec<DesiredGroup> {
    let kept = check(file, options, diags);
    if !diags.is_empty() {
        return Vec::new();
    }
    // `kept` is ascending: walk the entries once, moving each kept one into its group.
    let mut kept = kept.into_iter().peekable();
    let mut groups = Vec::with_capacity(file.entries.len());
    for (i, e) in std::mem::take(&mut file.entries).into_iter().enumerate() {
        if kept.next_if_eq(&i).is_none() {
            continue;
        }
        groups.push(DesiredGroup {
            group: Group {
                id: e.id,
                name: e.name,
                parents: e.parent_ids,
            },
            active: e.active,
            span: e.span,
            parents: e.parents,
            access: e.access,
        });
    }
    groups
}

/// Every check across entries; returns the indexes of the entries that stay (the first of
/// each id), in file order.
fn check(file: &File, options: LoadOptions, diags: &mut Vec<Diagnostic>) -> Vec<usize> {
    let mode = file.mode;
    let entries = &file.entries;

    if mode == Mode::Full
        && file.group_items == 0
        && !file.groups_unreadable
        && !options.allow_empty
    {
        let message = "no groups declared: in full mode this would delete every group that is not protected or ignored";
        let hint = "declare the groups under `groups:`; to really delete everything, pass `--allow-empty`; to change only some groups, use `mode: incremental`";
        diags.push(match file.groups_span {
            Some(span) => Diagnostic::at(span, message).with_hint(hint),
            None => Diagnostic::whole_file(message).with_hint(hint),
        });
    }

    // The declared ids: the first entry of each.
    let (kept, declared) = dedupe(entries, mode, diags);

    let protected: HashSet<&str> = file.protected.iter().map(|(id, _)| id.as_str()).collect();
    let mut suggestions = Suggestions::new(&kept, entries);

    // Parents resolved to declared entries: the graph's edges.
    let mut edges = Edges {
        start: Vec::with_capacity(entries.len() + 1),
        targets: Vec::with_capacity(entries.len()),
    };
    let mut next_kept = kept.iter().copied().peekable();
    for (i, entry) in entries.iter().enumerate() {
        edges.start.push(edges.targets.len());
        // A group being deleted keeps no parents; nothing to check about them.
        if next_kept.next_if_eq(&i).is_none() {
            continue;
        }
        if !entry.active {
            check_deleted_access(entry, diags);
            continue;
        }
        check_parents(
            entry,
            mode,
            &declared,
            entries,
            &protected,
            file,
            &mut suggestions,
            &mut edges.targets,
            diags,
        );
    }
    edges.start.push(edges.targets.len());

    check_ignore(file, &kept, entries, diags);
    check_cycles(&kept, entries, &edges, diags);
    kept
}

/// Parent links between entries in compressed rows: the parents of entry `i` are
/// `targets[start[i]..start[i + 1]]`. One allocation instead of one per group.
struct Edges {
    start: Vec<usize>,
    targets: Vec<(usize, Span)>,
}

impl Edges {
    fn of(&self, i: usize) -> &[(usize, Span)] {
        match (self.start.get(i), self.start.get(i + 1)) {
            (Some(&a), Some(&b)) => &self.targets[a..b],
            _ => &[],
        }
    }
}

/// Keeps the first entry of each id. A second one is an error, except in incremental mode
/// when it says exactly the same as the first.
fn dedupe<'e>(
    entries: &'e [Entry],
    mode: Mode,
    diags: &mut Vec<Diagnostic>,
) -> (Vec<usize>, HashMap<&'e str, usize>) {
    let mut first: HashMap<&str, usize> = HashMap::with_capacity(entries.len());
    let mut kept = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        let Some(&f) = first.get(entry.id.as_str()) else {
            first.insert(entry.id.as_str(), i);
            kept.push(i);
            continue;
        };
        let earlier = &entries[f];
        let line = earlier.span.line;
        if mode == Mode::Full {
            diags.push(
                Diagnostic::at(
                    entry.span,
                    format!(
                        "duplicate id `{}` (first declared on line {line})",
                        entry.id
                    ),
                )
                .with_hint("declare each group once: merge the two entries or rename one"),
            );
            continue;
        }
        let mut differs = Vec::new();
        if earlier.name != entry.name {
            differs.push("name");
        }
        if earlier.parent_ids != entry.parent_ids {
            differs.push("parents");
        }
        if earlier.active != entry.active {
            differs.push("active");
        }
        differs.extend(
            earlier
                .access()
                .differing(entry.access())
                .into_iter()
                .map(Facet::key),
        );
        if !differs.is_empty() {
            diags.push(
                Diagnostic::at(
                    entry.span,
                    format!(
                        "conflicting entries for `{}`: the {} differ from line {line}",
                        entry.id,
                        differs.join(" and ")
                    ),
                )
                .with_hint("list a group once, or repeat it only with identical values"),
            );
        }
    }
    (kept, first)
}

/// A group deleted with `active: false` loses its members and permissions with it: managing them
/// too says two contradicting things, so each facet key is reported.
fn check_deleted_access(entry: &Entry, diags: &mut Vec<Diagnostic>) {
    let access = entry.access();
    for facet in access.facets().iter() {
        let Some(span) = access.key_span(facet) else {
            continue;
        };
        diags.push(
            Diagnostic::at(
                span,
                format!(
                    "`{facet}` on `{}`, which `active: false` deletes",
                    entry.id
                ),
            )
            .with_hint(format!(
                "deleting a group drops its members and permissions: remove `{facet}`, or keep the group with `active: true`"
            )),
        );
    }
}

#[allow(clippy::too_many_arguments)] // one call site; a struct would only rename the list
fn check_parents(
    entry: &Entry,
    mode: Mode,
    declared: &HashMap<&str, usize>,
    entries: &[Entry],
    protected: &HashSet<&str>,
    file: &File,
    suggestions: &mut Suggestions<'_>,
    edges: &mut Vec<(usize, Span)>,
    diags: &mut Vec<Diagnostic>,
) {
    let parents = &entry.parents;
    // Lists are short; a map only pays off for long ones.
    let mut seen: HashMap<&str, Span> = HashMap::new();
    for (k, parent) in parents.iter().enumerate() {
        let earlier = if parents.len() > 16 {
            match seen.entry(parent.id.as_str()) {
                std::collections::hash_map::Entry::Occupied(o) => Some(*o.get()),
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(parent.span);
                    None
                }
            }
        } else {
            parents[..k]
                .iter()
                .find(|p| p.id == parent.id)
                .map(|p| p.span)
        };
        if let Some(first) = earlier {
            diags.push(
                Diagnostic::at(
                    parent.span,
                    format!(
                        "parent `{}` is listed twice (also at line {}, column {})",
                        parent.id, first.line, first.col
                    ),
                )
                .with_hint("parents are a set: remove the repeated one"),
            );
            continue;
        }
        if !is_valid_id(&parent.id) {
            diags.push(
                Diagnostic::at(parent.span, format!("invalid parent id `{}`", parent.id))
                    .with_hint(id_rule_hint(&parent.id)),
            );
            continue;
        }
        if parent.id == entry.id {
            diags.push(
                Diagnostic::at(
                    parent.span,
                    format!("group `{}` lists itself as a parent", entry.id),
                )
                .with_hint("remove it from its own `parents`"),
            );
            continue;
        }
        if let Some(&p) = declared.get(parent.id.as_str()) {
            let target = &entries[p];
            if target.active {
                edges.push((p, parent.span));
            } else {
                diags.push(
                    Diagnostic::at(
                        parent.span,
                        format!(
                            "parent `{}` is deleted by this file (`active: false` on line {})",
                            parent.id, target.span.line
                        ),
                    )
                    .with_hint(
                        "keep the parent (`active: true`) or remove it from this group's parents",
                    ),
                );
            }
            continue;
        }
        // Not declared. In incremental mode any live group may be a parent (the plan checks it);
        // in full mode only groups the file keeps alive on the server.
        if mode == Mode::Incremental
            || protected.contains(parent.id.as_str())
            || parent.id == DEFAULT_BOOTSTRAP_GROUP
            || file.ignore.iter().any(|p| p.matches(&parent.id))
        {
            continue;
        }
        let hint = match suggestions.closest(&parent.id) {
            Some(best) => format!("did you mean `{best}`?"),
            None => format!(
                "declare a group `{}` in this file, or add it to `protected:` if it exists on the server and is kept as it is",
                parent.id
            ),
        };
        diags.push(
            Diagnostic::at(parent.span, format!("unknown parent `{}`", parent.id)).with_hint(hint),
        );
    }
}

/// "Did you mean" over the declared ids, cached per unknown id and bounded in total work.
struct Suggestions<'a> {
    ids: Vec<&'a str>,
    cache: HashMap<String, Option<&'a str>>,
    spent: usize,
}

impl<'a> Suggestions<'a> {
    fn new(kept: &[usize], entries: &'a [Entry]) -> Self {
        Self {
            ids: kept
                .iter()
                .filter(|&&i| entries[i].active)
                .map(|&i| entries[i].id.as_str())
                .collect(),
            cache: HashMap::new(),
            spent: 0,
        }
    }

    fn closest(&mut self, word: &str) -> Option<&'a str> {
        if let Some(hit) = self.cache.get(word) {
            return *hit;
        }
        if self.spent + self.ids.len() > SUGGESTION_BUDGET {
            return None;
        }
        self.spent += self.ids.len();
        let best = suggest::closest(word, self.ids.iter().copied());
        self.cache.insert(word.to_string(), best);
        best
    }
}

/// An `ignore` pattern that matches a declared group contradicts it: is the group managed or
/// left alone? Reported once per pattern, at the pattern.
fn check_ignore(file: &File, kept: &[usize], entries: &[Entry], diags: &mut Vec<Diagnostic>) {
    for pattern in &file.ignore {
        let mut hits = kept
            .iter()
            .map(|&i| &entries[i])
            .filter(|e| pattern.matches(&e.id));
        let Some(first) = hits.next() else { continue };
        let more = hits.count();
        let also = match more {
            0 => String::new(),
            1 => " and 1 more".to_string(),
            n => format!(" and {n} more"),
        };
        diags.push(
            Diagnostic::at(
                pattern.span,
                format!(
                    "ignore pattern `{}` matches the declared group `{}` (line {}){also}",
                    pattern.glob, first.id, first.span.line
                ),
            )
            .with_hint(
                "ignored groups are left alone and declared groups are managed, so a group cannot be both: narrow the pattern or remove the group",
            ),
        );
    }
}

/// Reports each parent cycle once, at the parent entry of the cycle's first group in the file.
fn check_cycles(kept: &[usize], entries: &[Entry], edges: &Edges, diags: &mut Vec<Diagnostic>) {
    let graph = Graph::from_rows((0..entries.len()).map(|i| edges.of(i).iter().map(|(to, _)| *to)));
    let mut component_of = vec![usize::MAX; entries.len()];
    for (c, component) in graph
        .strongly_connected(kept.iter().copied())
        .into_iter()
        .enumerate()
    {
        if component.len() < 2 {
            continue;
        }
        // The first member in file order; entry indexes are file order.
        let Some(&start) = component.iter().min() else {
            continue;
        };
        for &member in &component {
            component_of[member] = c;
        }
        let Some(mut path) = graph.shortest_cycle(start, |w| component_of[w] == c) else {
            continue;
        };
        path.push(start);
        let first_edge = path[1];
        let span = edges
            .of(start)
            .iter()
            .find(|(to, _)| *to == first_edge)
            .map_or(entries[start].span, |(_, s)| *s);
        let ids: Vec<&str> = path.iter().map(|&i| entries[i].id.as_str()).collect();
        // A long loop is shown by its ends, so the message stays one readable line.
        let shown = if ids.len() > 11 {
            format!(
                "{} → … → {} ({} groups)",
                ids[..5].join(" → "),
                ids[ids.len() - 5..].join(" → "),
                ids.len() - 1
            )
        } else {
            ids.join(" → ")
        };
        let mut hint =
            "a group cannot be its own ancestor: remove one of these parent links".to_string();
        let on_path: HashSet<usize> = path.iter().copied().collect();
        let others: BTreeSet<usize> = component
            .iter()
            .copied()
            .filter(|m| !on_path.contains(m))
            .collect();
        if !others.is_empty() {
            let names: Vec<String> = others
                .iter()
                .take(5)
                .map(|&i| format!("`{}`", entries[i].id))
                .collect();
            let rest = others.len().saturating_sub(5);
            let tail = if rest > 0 {
                format!(" and {rest} more")
            } else {
                String::new()
            };
            let verb = if others.len() == 1 {
                "is also"
            } else {
                "are also"
            };
            let _ = write!(hint, "; {}{tail} {verb} in the same loop", names.join(", "));
        }
        diags.push(Diagnostic::at(span, format!("parent cycle: {shown}")).with_hint(hint));
    }
}

/// What the reader made of the file, before the checks across entries.
pub(super) struct File {
    pub(super) mode: Mode,
    pub(super) protected: Vec<(String, Span)>,
    pub(super) ignore: Vec<Pattern>,
    pub(super) safety: Safety,
    pub(super) entries: Vec<Entry>,
    /// The `groups` key, or the root list of a bare-list file; `None` when absent.
    pub(super) groups_span: Option<Span>,
    /// How many items the groups list has, readable or not.
    pub(super) group_items: usize,
    /// The groups could not be read at all (already reported), so "no groups" would be noise.
    pub(super) groups_unreadable: bool,
}

/// The message for a name longer than the API allows, if it is.
pub(super) fn name_too_long(group: &str, name: &str) -> Option<String> {
    // The API counts UTF-16 units (a Java String), so an emoji counts twice.
    let units = name.encode_utf16().count();
    if units <= MAX_NAME_CHARS {
        return None;
    }
    let chars = name.chars().count();
    let counted = if chars == units {
        String::new()
    } else {
        format!(", {units} as the API counts them")
    };
    Some(format!(
        "name of `{group}` is too long: {chars} characters{counted}, at most {MAX_NAME_CHARS}"
    ))
}

/// Says which part of the id rule an id breaks.
pub(super) fn id_rule_hint(id: &str) -> String {
    let rule = "ids are 1 to 255 letters, digits, `.`, `_` or `-`, not starting with `.`";
    if id.is_empty() {
        format!("the id is empty; {rule}")
    } else if id.len() > 255 {
        format!("the id is {} characters long; {rule}", id.chars().count())
    } else if id.starts_with('.') {
        format!("the id starts with `.`; {rule}")
    } else if let Some(c) = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        let shown = if c == ' ' {
            "a space".to_string()
        } else {
            format!("`{}`", c.escape_debug())
        };
        format!("{shown} is not allowed; {rule}")
    } else {
        rule.to_string()
    }
}
