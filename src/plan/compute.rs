//! Diffing the desired state against the live one (spec §3).

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use foldhash::{HashMap, HashMapExt};

use super::access::{self, AccessChange};
use super::order::{Graph, dependencies_first};
use super::{Action, Change, Impact, Note, Plan, PlanOptions, Source, Summary};
use crate::access::Facet;
use crate::desired::{Desired, DesiredGroup, Mode};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::group::Group;
use crate::live::{Live, ManagedFacets};

/// Computes the plan that makes `live` equal to `desired`. Fails, with located diagnostics, when
/// the desired state only turns out invalid against the live one: a parent that is neither
/// declared nor a live group that stays, or a cycle through groups the file does not manage.
///
/// Members and permissions (spec §11) are compared for the facets each declared group manages,
/// against `live.access`; a user, workspace or data source that does not exist live is an error
/// at the place it was written.
pub fn compute(desired: &Desired, live: &Live, options: &PlanOptions) -> Result<Plan, Diagnostics> {
    let managed = managed_facets(desired, live, options);
    // Fingerprinting the live state needs only the live state: it runs on a thread of its own
    // beside the diff, or after it when no thread can be started. A panic on either side is
    // passed on, as if both had run here.
    let fingerprint = || live.fingerprint_and_digests(|id: &str| !desired.is_ignored(id), &managed);
    let (hashes, plan) = std::thread::scope(|scope| {
        let beside = std::thread::Builder::new()
            .name("gdgroups-fingerprint".into())
            .spawn_scoped(scope, fingerprint);
        let plan = diff(desired, live, options);
        let hashes = match beside {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            // The closure only borrows, so it is `Copy`: the failed spawn did not take it.
            Err(_) => fingerprint(),
        };
        (hashes, plan)
    });
    let mut plan = plan?;
    (plan.source.live_fingerprint, plan.source.live_groups) = hashes;
    plan.source.managed = managed
        .iter()
        .map(|(id, facets)| {
            let keys = facets.iter().map(|f| f.key().to_string()).collect();
            (id.clone(), keys)
        })
        .collect();
    Ok(plan)
}

/// The facets each declared active group manages, leaving out protected groups (never
/// touched, so their live values do not matter to the plan).
fn managed_facets(desired: &Desired, live: &Live, options: &PlanOptions) -> ManagedFacets {
    desired
        .groups
        .iter()
        .filter(|dg| dg.active && !dg.access().is_empty())
        .filter(|dg| {
            let id = Some(dg.group.id.as_str());
            id != live.bootstrap_group.as_deref()
                && id != options.bootstrap_group.as_deref()
                && !desired.protected.iter().any(|p| Some(p.as_str()) == id)
        })
        .map(|dg| (dg.group.id.clone(), dg.access().facets()))
        .collect()
}

/// The plan without the live fingerprint, which [`compute`] fills in.
fn diff(desired: &Desired, live: &Live, options: &PlanOptions) -> Result<Plan, Diagnostics> {
    let ctx = Context::new(desired, live, options);
    ctx.check()?;

    let mut creates: BTreeMap<&str, (Group, Option<AccessChange>)> = BTreeMap::new();
    let mut problems = Vec::new();
    let mut updates: Vec<Change> = Vec::new();
    let mut deletes: BTreeSet<&str> = BTreeSet::new();
    let mut notes: Vec<Note> = Vec::new();
    let mut summary = Summary::default();

    for (id, declared, before) in ctx.side_by_side() {
        if let Some(dg) = declared {
            match (dg.active, before) {
                (true, None) => {
                    let change = access::diff(id, dg.access(), &live.access, false);
                    access::check(id, dg.access(), &change, &live.access, &mut problems);
                    creates.insert(id, (dg.group.clone(), change.non_empty()));
                }
                (true, Some(before)) if ctx.is_protected(id) => {
                    if before != &dg.group {
                        notes.push(Note {
                            id: id.to_string(),
                            text: "protected: the declared name or parents differ from the live group and are not applied".into(),
                        });
                    }
                    let facets = dg.access().facets();
                    if !facets.is_empty() {
                        let keys: Vec<&str> = facets.iter().map(Facet::key).collect();
                        notes.push(Note {
                            id: id.to_string(),
                            text: format!(
                                "protected: its {} are declared but never applied; gdgroups leaves a protected group's members and permissions alone",
                                keys.join(", ")
                            ),
                        });
                    }
                }
                (true, Some(before)) => {
                    let change = access::diff(id, dg.access(), &live.access, true);
                    access::check(id, dg.access(), &change, &live.access, &mut problems);
                    if before == &dg.group && change.is_empty() {
                        summary.unchanged += 1;
                    } else {
                        updates.push(Change {
                            action: Action::Update,
                            id: id.to_string(),
                            before: Some(before.clone()),
                            after: Some(dg.group.clone()),
                            access: change.non_empty().map(Box::new),
                            impact: None,
                            held: None,
                        });
                    }
                }
                (false, None) => notes.push(Note {
                    id: id.to_string(),
                    text: "active: false, and no such live group: nothing to delete".into(),
                }),
                (false, Some(_)) if ctx.is_protected(id) => notes.push(Note {
                    id: id.to_string(),
                    text: "active: false, but the group is protected: not deleted".into(),
                }),
                (false, Some(_)) => {
                    deletes.insert(id);
                }
            }
        }
        if before.is_none() {
            continue;
        }
        if ctx.is_protected(id) {
            summary.protected += 1;
        } else if desired.is_ignored(id) {
            summary.ignored += 1;
        } else {
            summary.managed += 1;
            if desired.mode == Mode::Full && declared.is_none() {
                deletes.insert(id);
            }
        }
    }

    if !problems.is_empty() {
        problems.sort_by_key(|d| d.span);
        return Err(Diagnostics {
            path: desired.path.clone(),
            source: desired.source.clone(),
            items: problems,
        });
    }

    let create_ids: BTreeSet<&str> = creates.keys().copied().collect();
    let create_order = dependencies_first(&create_ids, |id| {
        creates[id].0.parents.iter().map(String::as_str).collect()
    });
    // Children first: a group is deleted after the deleted groups that have it as a parent.
    let delete_order = dependencies_first(&deletes, |id| {
        ctx.live_children
            .get(id)
            .map(|c| c.iter().copied().filter(|c| deletes.contains(c)).collect())
            .unwrap_or_default()
    });

    let mut changes: Vec<Change> =
        Vec::with_capacity(creates.len() + updates.len() + deletes.len());
    changes.extend(create_order.into_iter().map(|id| Change {
        action: Action::Create,
        id: id.to_string(),
        before: None,
        after: Some(creates[id].0.clone()),
        access: creates[id].1.clone().map(Box::new),
        impact: None,
        held: None,
    }));
    changes.extend(updates);
    changes.extend(delete_order.into_iter().map(|id| {
        Change {
            action: Action::Delete,
            id: id.to_string(),
            before: live.groups.get(id).cloned(),
            after: None,
            access: None,
            impact: Some(Impact {
                // A group the listing does not show is unknown, not empty.
                members: live.member_counts.as_ref().and_then(|m| m.get(id).copied()),
                children: ctx
                    .live_children
                    .get(id)
                    .map(|c| {
                        c.iter()
                            .filter(|c| !deletes.contains(*c))
                            .map(|c| (*c).to_string())
                            .collect()
                    })
                    .unwrap_or_default(),
            }),
            held: if options.no_delete {
                Some("--no-delete".to_string())
            } else if ctx.bootstrap_unknown() {
                Some(super::UNKNOWN_BOOTSTRAP.to_string())
            } else {
                None
            },
        }
    }));

    notes.extend(rename_hints(&changes));
    notes.sort();

    for change in &changes {
        match (change.action, &change.held) {
            (Action::Create, _) => summary.create += 1,
            (Action::Update, _) => summary.update += 1,
            (Action::Delete, None) => summary.delete += 1,
            (Action::Delete, Some(_)) => summary.held += 1,
        }
        if let Some(access) = &change.access {
            let counts = access.counts();
            summary.members_added += counts.members_added;
            summary.members_removed += counts.members_removed;
            summary.permissions_granted += counts.granted;
            summary.permissions_revoked += counts.revoked;
        }
    }

    Ok(Plan {
        host: options.host.clone(),
        mode: desired.mode,
        source: Source {
            desired_sha256: desired.sha256.clone(),
            bootstrap_group: live.bootstrap_group.clone(),
            ignore: desired.ignore.iter().map(|p| p.glob.clone()).collect(),
            live_fingerprint: String::new(),
            live_groups: BTreeMap::new(),
            safety: desired.safety,
            managed: BTreeMap::new(),
        },
        changes,
        notes,
        summary,
    })
}

/// A delete and a create that share a name, or a non-empty parent set, look like a rename.
///
/// One note per delete at most, so a plan's notes grow with its deletes and not with deletes
/// times creates: creates with the same name are the candidates; without any, creates with the
/// same parents, but only a few of them (a restructure that replaces many groups under one
/// parent says nothing about which is which).
fn rename_hints(changes: &[Change]) -> Vec<Note> {
    /// More candidates than this are not listed one by one.
    const LISTED: usize = 3;
    // Creates indexed by name and by parent set, in plan order: comparing every delete with
    // every create took 15 s for a plan of 30,000 deletes and 40,000 creates.
    let mut by_name: HashMap<&str, Vec<&str>> = HashMap::new();
    let mut by_parents: HashMap<&BTreeSet<String>, Vec<&str>> = HashMap::new();
    for new in changes
        .iter()
        .filter(|c| c.action == Action::Create)
        .filter_map(|c| c.after.as_ref())
    {
        if let Some(name) = &new.name {
            by_name.entry(name).or_default().push(&new.id);
        }
        if !new.parents.is_empty() {
            by_parents.entry(&new.parents).or_default().push(&new.id);
        }
    }
    let mut notes = Vec::new();
    for deleted in changes
        .iter()
        .filter(|c| c.action == Action::Delete)
        .filter_map(|c| c.before.as_ref())
    {
        let same_name = deleted.name.as_deref().and_then(|n| by_name.get(n));
        let (candidates, why) = match (same_name, by_parents.get(&deleted.parents)) {
            (Some(ids), _) => (ids, "the same name"),
            (None, Some(ids)) if ids.len() <= LISTED => (ids, "the same parents"),
            _ => continue,
        };
        let quoted: Vec<String> = candidates
            .iter()
            .take(LISTED)
            .map(|id| format!("`{id}`"))
            .collect();
        let target = match (candidates.len(), quoted.as_slice()) {
            (1, _) => quoted.concat(),
            (n, [first @ .., last]) if n <= LISTED => format!("{} or {last}", first.join(", ")),
            (n, _) => format!(
                "one of {} and {} more",
                quoted.join(", "),
                n.saturating_sub(LISTED)
            ),
        };
        notes.push(Note {
            id: deleted.id.clone(),
            text: format!(
                "looks like a rename to {target} ({why}): ids are immutable, so members and permissions of `{}` will be lost",
                deleted.id
            ),
        });
    }
    notes
}

/// What the diff and its checks need to know, computed once.
struct Context<'a> {
    desired: &'a Desired,
    live: &'a Live,
    options: &'a PlanOptions,
    /// Declared groups sorted by id (the file was checked for duplicates already).
    declared: Vec<&'a DesiredGroup>,
    /// Live parent → live children (in id order); only ever looked up.
    live_children: HashMap<&'a str, Vec<&'a str>>,
    protected: BTreeSet<&'a str>,
}

impl<'a> Context<'a> {
    fn new(desired: &'a Desired, live: &'a Live, options: &'a PlanOptions) -> Self {
        let mut live_children: HashMap<&str, Vec<&str>> = HashMap::new();
        for group in live.groups.values() {
            for parent in &group.parents {
                live_children
                    .entry(parent.as_str())
                    .or_default()
                    .push(group.id.as_str());
            }
        }
        let protected = desired
            .protected
            .iter()
            .map(String::as_str)
            .chain(live.bootstrap_group.as_deref())
            .chain(options.bootstrap_group.as_deref())
            .collect();
        Self {
            desired,
            live,
            options,
            declared: {
                let mut declared: Vec<&DesiredGroup> = desired.groups.iter().collect();
                declared.sort_unstable_by(|a, b| a.group.id.cmp(&b.group.id));
                declared
            },
            live_children,
            protected,
        }
    }

    fn declared(&self, id: &str) -> Option<&'a DesiredGroup> {
        let at = self
            .declared
            .binary_search_by(|dg| dg.group.id.as_str().cmp(id))
            .ok()?;
        Some(self.declared[at])
    }

    fn is_protected(&self, id: &str) -> bool {
        self.protected.contains(id)
    }

    /// Whether no one knows which group is the bootstrap group: the server did not say, the
    /// user did not name it (`--bootstrap-group`), and `protected:` lists no live group (it is
    /// where `dump` puts the bootstrap group, and where the user is told to list it).
    fn bootstrap_unknown(&self) -> bool {
        self.live.bootstrap_group.is_none()
            && self.options.bootstrap_group.is_none()
            && !self
                .desired
                .protected
                .iter()
                .any(|id| self.live.groups.contains_key(id))
    }

    /// Every id that is declared or live, in id order, with its declared and its live group.
    /// Both maps are sorted by id, so walking them side by side replaces a lookup per group in
    /// the other map, which was most of the time of a 100,000-group plan.
    fn side_by_side(
        &self,
    ) -> impl Iterator<Item = (&'a str, Option<&'a DesiredGroup>, Option<&'a Group>)> + '_ {
        let live: &'a BTreeMap<String, Group> = &self.live.groups;
        let mut declared = self
            .declared
            .iter()
            .map(|dg| (dg.group.id.as_str(), *dg))
            .peekable();
        let mut live = live.iter().map(|(id, g)| (id.as_str(), g)).peekable();
        std::iter::from_fn(move || {
            let order = match (declared.peek(), live.peek()) {
                (None, None) => return None,
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (Some((d, _)), Some((l, _))) => d.cmp(l),
            };
            match order {
                Ordering::Less => declared.next().map(|(id, dg)| (id, Some(dg), None)),
                Ordering::Greater => live.next().map(|(id, g)| (id, None, Some(g))),
                Ordering::Equal => {
                    let (id, dg) = declared.next()?;
                    let (_, g) = live.next()?;
                    Some((id, Some(dg), Some(g)))
                }
            }
        })
    }

    /// Whether a live group stays after the plan (and so may be a parent); `declared` is its
    /// entry in the file, if any.
    fn live_survives(&self, id: &str, declared: Option<&DesiredGroup>) -> bool {
        if self.is_protected(id) || self.desired.is_ignored(id) {
            return true;
        }
        match declared {
            Some(dg) => dg.active,
            None => self.desired.mode == Mode::Incremental,
        }
    }

    /// The parents each group will have once the plan is applied: a declared active group's
    /// declared parents, except that a protected live group keeps its live ones; otherwise a
    /// surviving live group's live parents.
    fn final_graph(&self) -> Graph<'a> {
        let mut graph = Graph::with_capacity(self.declared.len().max(self.live.groups.len()));
        for (id, declared, live) in self.side_by_side() {
            let parents = match (declared, live) {
                (Some(dg), live) if dg.active && !(live.is_some() && self.is_protected(id)) => {
                    &dg.group.parents
                }
                (declared, Some(group)) if self.live_survives(id, declared) => &group.parents,
                _ => continue,
            };
            graph.push(id, parents.iter().map(String::as_str));
        }
        graph
    }

    fn check(&self) -> Result<(), Diagnostics> {
        let graph = self.final_graph();
        let mut items = Vec::new();
        for dg in self.declared.iter().filter(|dg| dg.active) {
            for parent in &dg.parents {
                if graph.contains(parent.id.as_str()) {
                    continue;
                }
                items.push(self.missing_parent(parent.id.as_str(), parent.span));
            }
        }
        for cycle in graph.cycles() {
            let Some(dg) = cycle.iter().find_map(|id| self.declared(id)) else {
                continue;
            };
            let mut path: Vec<&str> = cycle.clone();
            path.push(cycle[0]);
            items.push(
                Diagnostic::at(
                    dg.span,
                    format!(
                        "parents form a cycle with live groups: {}",
                        path.join(" → ")
                    ),
                )
                .with_hint("a group cannot be its own ancestor; remove one of these parent links"),
            );
        }
        if items.is_empty() {
            return Ok(());
        }
        items.sort_by_key(|d| d.span);
        Err(Diagnostics {
            path: self.desired.path.clone(),
            source: self.desired.source.clone(),
            items,
        })
    }

    fn missing_parent(&self, id: &str, span: crate::diagnostic::Span) -> Diagnostic {
        let exists = self.live.groups.contains_key(id);
        if let Some(dg) = self.declared(id) {
            debug_assert!(!dg.active);
            return Diagnostic::at(
                span,
                format!("parent `{id}` is marked `active: false` and would be deleted"),
            )
            .with_hint(format!(
                "keep `{id}` active, or remove it from these parents"
            ));
        }
        if exists {
            return Diagnostic::at(
                span,
                format!("parent `{id}` is a live group that this plan deletes"),
            )
            .with_hint(format!(
                "declare `{id}` under groups, or list it under protected: or ignore:"
            ));
        }
        if self.is_protected(id) || self.desired.is_ignored(id) {
            return Diagnostic::at(
                span,
                format!("parent `{id}` is not declared and does not exist on the server"),
            )
            .with_hint(format!("declare `{id}` under groups, or fix the id"));
        }
        Diagnostic::at(
            span,
            format!("unknown parent `{id}`: not declared and not a live group"),
        )
        .with_hint(format!("declare `{id}` under groups, or fix the id"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desired::{ParentRef, Safety};
    use crate::diagnostic::Span;

    fn declared(groups: &[Group]) -> Desired {
        Desired {
            path: "groups.yaml".into(),
            source: String::new(),
            sha256: String::new(),
            mode: Mode::Full,
            protected: vec![],
            ignore: vec![],
            safety: Safety::default(),
            groups: groups
                .iter()
                .enumerate()
                .map(|(i, g)| DesiredGroup {
                    group: g.clone(),
                    active: true,
                    span: Span {
                        line: i + 1,
                        col: 7,
                        len: g.id.len(),
                    },
                    parents: g
                        .parents
                        .iter()
                        .map(|p| ParentRef {
                            id: p.clone(),
                            span: Span {
                                line: i + 1,
                                col: 20,
                                len: p.len(),
                            },
                        })
                        .collect(),
                    access: None,
                })
                .collect(),
        }
    }

    fn plan_of(desired: &Desired, live: &Live) -> Plan {
        compute(desired, live, &PlanOptions::default()).expect("valid plan")
    }

    fn actions(plan: &Plan) -> Vec<(Action, &str)> {
        plan.changes
            .iter()
            .map(|c| (c.action, c.id.as_str()))
            .collect()
    }

    #[test]
    fn creates_updates_and_deletes_in_dependency_order() {
        // Ids whose alphabetical order is the opposite of the dependency order, so an order
        // that merely sorts by id fails: `analysts` is a child of `staff`, `old` of `legacy`.
        let desired = declared(&[
            Group::new("analysts")
                .with_name("Data Analysts")
                .with_parents(["staff"]),
            Group::new("staff").with_name("Staff"),
            Group::new("zeta"),
        ]);
        let live = Live::new([
            Group::new("adminGroup"),
            Group::new("zeta").with_name("Zeta"),
            Group::new("old").with_parents(["legacy"]),
            Group::new("legacy"),
        ]);
        let plan = plan_of(&desired, &live);
        assert_eq!(
            actions(&plan),
            [
                (Action::Create, "staff"),
                (Action::Create, "analysts"),
                (Action::Update, "zeta"),
                (Action::Delete, "old"),
                (Action::Delete, "legacy"),
            ]
        );
        assert_eq!(plan.summary.protected, 1);
        assert_eq!(plan.summary.unchanged, 0);
    }

    #[test]
    fn parents_are_compared_as_sets() {
        let desired = declared(&[
            Group::new("p1"),
            Group::new("p2"),
            Group::new("c").with_parents(["p2", "p1"]),
        ]);
        let live = Live::new([
            Group::new("p1"),
            Group::new("p2"),
            Group::new("c").with_parents(["p1", "p2"]),
        ]);
        let plan = plan_of(&desired, &live);
        assert!(plan.changes.is_empty());
        assert_eq!(plan.summary.unchanged, 3);
    }

    #[test]
    fn bootstrap_and_protected_groups_are_never_touched() {
        let mut desired = declared(&[
            Group::new("adminGroup").with_name("Renamed"),
            Group::new("a"),
        ]);
        desired.protected = vec!["keep".into()];
        let live = Live::new([
            Group::new("adminGroup"),
            Group::new("keep"),
            Group::new("a"),
        ]);
        let plan = plan_of(&desired, &live);
        assert!(plan.changes.is_empty(), "{:?}", plan.changes);
        assert_eq!(plan.summary.protected, 2);
        assert_eq!(plan.notes.len(), 1);
        assert!(plan.notes[0].text.starts_with("protected"));
    }

    #[test]
    fn an_unknown_bootstrap_group_holds_every_delete_until_it_is_named() {
        let desired = declared(&[Group::new("a")]);
        let mut live = Live::new([Group::new("rootGroup"), Group::new("old"), Group::new("a")]);
        live.bootstrap_group = None;
        let held = |plan: &Plan| -> Vec<(String, Option<String>)> {
            plan.changes
                .iter()
                .filter(|c| c.action == Action::Delete)
                .map(|c| (c.id.clone(), c.held.clone()))
                .collect()
        };
        let unknown = Some(crate::plan::UNKNOWN_BOOTSTRAP.to_string());
        let plan = plan_of(&desired, &live);
        assert_eq!(
            held(&plan),
            [
                ("old".into(), unknown.clone()),
                ("rootGroup".into(), unknown)
            ]
        );
        assert_eq!((plan.summary.delete, plan.summary.held), (0, 2));
        let refusal =
            crate::plan::safety::check(&plan, &crate::plan::safety::Thresholds::default())
                .expect_err("refused");
        assert!(refusal.contains("--bootstrap-group"), "{refusal}");

        let named = PlanOptions {
            bootstrap_group: Some("rootGroup".into()),
            ..PlanOptions::default()
        };
        let plan = compute(&desired, &live, &named).expect("plan");
        assert_eq!(held(&plan), [("old".into(), None)]);
        assert_eq!(plan.summary.protected, 1);
        assert_eq!(
            plan.source.bootstrap_group, None,
            "the server's answer is recorded"
        );

        let mut listed = declared(&[Group::new("a")]);
        listed.protected = vec!["rootGroup".into()];
        assert_eq!(held(&plan_of(&listed, &live)), [("old".into(), None)]);
        listed.protected = vec!["not-live".into()];
        assert_eq!(
            held(&plan_of(&listed, &live)).len(),
            2,
            "a protected id that is not live names nothing"
        );

        let no_delete = PlanOptions {
            no_delete: true,
            ..PlanOptions::default()
        };
        let plan = compute(&desired, &live, &no_delete).expect("plan");
        assert!(
            plan.changes
                .iter()
                .all(|c| c.action != Action::Delete || c.held.as_deref() == Some("--no-delete"))
        );
        assert!(
            crate::plan::safety::check(&plan, &crate::plan::safety::Thresholds::default()).is_ok()
        );
    }

    #[test]
    fn ignored_live_groups_stay_and_may_be_parents() {
        let mut desired = declared(&[Group::new("a").with_parents(["jit-1"])]);
        desired.ignore = vec![crate::desired::Pattern {
            glob: "jit-*".into(),
            span: Span::default(),
        }];
        let live = Live::new([Group::new("jit-1"), Group::new("jit-2")]);
        let plan = plan_of(&desired, &live);
        assert_eq!(actions(&plan), [(Action::Create, "a")]);
        assert_eq!(plan.summary.ignored, 2);
    }

    #[test]
    fn a_parent_that_would_be_deleted_is_an_error_at_its_location() {
        let desired = declared(&[Group::new("a").with_parents(["legacy"])]);
        let live = Live::new([Group::new("legacy")]);
        let err = compute(&desired, &live, &PlanOptions::default()).unwrap_err();
        assert_eq!(err.items.len(), 1);
        assert_eq!(
            err.items[0].message,
            "parent `legacy` is a live group that this plan deletes"
        );
        assert_eq!(
            err.items[0].span,
            Some(Span {
                line: 1,
                col: 20,
                len: 6
            })
        );
    }

    #[test]
    fn a_cycle_through_a_kept_live_group_is_an_error() {
        let mut desired = declared(&[Group::new("a").with_parents(["jit-1"])]);
        desired.ignore = vec![crate::desired::Pattern {
            glob: "jit-*".into(),
            span: Span::default(),
        }];
        let live = Live::new([Group::new("jit-1").with_parents(["a"]), Group::new("a")]);
        let err = compute(&desired, &live, &PlanOptions::default()).unwrap_err();
        assert!(
            err.items[0].message.contains("a → jit-1 → a"),
            "{}",
            err.items[0].message
        );
    }

    #[test]
    fn deletes_show_impact_and_can_be_held() {
        let desired = declared(&[Group::new("child")]);
        let mut live = Live::new([Group::new("child").with_parents(["old"]), Group::new("old")]);
        live.member_counts = Some([("old".to_string(), 3)].into());
        let options = PlanOptions {
            no_delete: true,
            ..PlanOptions::default()
        };
        let plan = compute(&desired, &live, &options).expect("plan");
        let delete = plan
            .changes
            .iter()
            .find(|c| c.action == Action::Delete)
            .expect("delete");
        assert_eq!(
            delete.impact,
            Some(Impact {
                members: Some(3),
                children: vec!["child".into()]
            })
        );
        assert_eq!(delete.held.as_deref(), Some("--no-delete"));
        assert_eq!((plan.summary.delete, plan.summary.held), (0, 1));
        assert!(!plan.summary.has_changes() || plan.summary.update == 1);
    }

    #[test]
    fn a_group_missing_from_the_member_counts_has_an_unknown_impact_not_zero() {
        let desired = declared(&[Group::new("keep")]);
        let mut live = Live::new([
            Group::new("keep"),
            Group::new("counted"),
            Group::new("missing"),
        ]);
        live.member_counts = Some([("counted".to_string(), 0), ("keep".to_string(), 4)].into());
        let plan = plan_of(&desired, &live);
        let members = |id: &str| {
            plan.changes
                .iter()
                .find(|c| c.id == id)
                .and_then(|c| c.impact.as_ref())
                .map(|i| i.members)
        };
        assert_eq!(members("counted"), Some(Some(0)));
        assert_eq!(members("missing"), Some(None));
    }

    #[test]
    fn rename_hint_fires_on_same_name_or_parents_only() {
        let desired = declared(&[Group::new("p"), Group::new("new").with_name("Sales")]);
        let live = Live::new([Group::new("p"), Group::new("old").with_name("Sales")]);
        let plan = plan_of(&desired, &live);
        assert_eq!(plan.notes.len(), 1);
        assert!(
            plan.notes[0]
                .text
                .contains("looks like a rename to `new` (the same name)")
        );

        let desired = declared(&[Group::new("p"), Group::new("new").with_parents(["p"])]);
        let live = Live::new([Group::new("p"), Group::new("old").with_parents(["p"])]);
        assert!(
            plan_of(&desired, &live).notes[0]
                .text
                .contains("(the same parents)")
        );

        let desired = declared(&[Group::new("p"), Group::new("new").with_name("A")]);
        let live = Live::new([Group::new("p"), Group::new("old").with_name("B")]);
        assert!(plan_of(&desired, &live).notes.is_empty());
    }

    #[test]
    fn rename_hints_prefer_the_same_name_and_stay_one_note_per_delete() {
        let desired = declared(&[
            Group::new("p"),
            Group::new("n1").with_name("A").with_parents(["p"]),
            Group::new("n2").with_name("B").with_parents(["p"]),
            Group::new("n3").with_name("A"),
            Group::new("n4").with_name("C"),
        ]);
        let live = Live::new([
            Group::new("p"),
            Group::new("old").with_name("A").with_parents(["p"]),
        ]);
        let notes: Vec<String> = plan_of(&desired, &live)
            .notes
            .into_iter()
            .map(|n| format!("{}: {}", n.id, n.text))
            .collect();
        assert_eq!(
            notes,
            [
                "old: looks like a rename to `n1` or `n3` (the same name): ids are immutable, so members and permissions of `old` will be lost"
            ]
        );
    }

    #[test]
    fn many_candidates_are_summed_up_or_left_out() {
        // 1,000 groups replaced by 1,000 others under the same parent: no note says which is
        // which (before, that was 1,000,000 notes).
        let mut desired: Vec<Group> = vec![Group::new("p")];
        desired.extend((0..1000).map(|i| Group::new(format!("new-{i:04}")).with_parents(["p"])));
        let mut live: Vec<Group> = vec![Group::new("p")];
        live.extend((0..1000).map(|i| Group::new(format!("old-{i:04}")).with_parents(["p"])));
        let plan = plan_of(&declared(&desired), &Live::new(live));
        assert_eq!((plan.summary.create, plan.summary.delete), (1000, 1000));
        assert!(plan.notes.is_empty(), "{:?}", &plan.notes[..3]);

        // Five new groups with the old one's name: one note, three listed.
        let desired = declared(
            &(1..=5)
                .map(|i| Group::new(format!("n{i}")).with_name("Sales"))
                .collect::<Vec<_>>(),
        );
        let live = Live::new([Group::new("old").with_name("Sales")]);
        let notes = plan_of(&desired, &live).notes;
        assert_eq!(notes.len(), 1);
        assert!(
            notes[0].text.starts_with(
                "looks like a rename to one of `n1`, `n2`, `n3` and 2 more (the same name)"
            ),
            "{}",
            notes[0].text
        );
    }

    #[test]
    fn incremental_touches_only_listed_groups() {
        let mut desired = declared(&[
            Group::new("gone"),
            Group::new("missing"),
            Group::new("new").with_parents(["other"]),
        ]);
        desired.mode = Mode::Incremental;
        desired.groups[0].active = false;
        desired.groups[1].active = false;
        let live = Live::new([Group::new("gone"), Group::new("other")]);
        let plan = plan_of(&desired, &live);
        assert_eq!(
            actions(&plan),
            [(Action::Create, "new"), (Action::Delete, "gone")]
        );
        assert_eq!(plan.notes.len(), 1);
        assert!(plan.notes[0].text.contains("nothing to delete"));
    }

    #[test]
    fn same_inputs_give_the_same_plan() {
        let desired = declared(&[
            Group::new("b").with_parents(["z"]),
            Group::new("z"),
            Group::new("c").with_parents(["z"]),
        ]);
        let live = Live::new([Group::new("x"), Group::new("y").with_parents(["x"])]);
        assert_eq!(plan_of(&desired, &live), plan_of(&desired, &live));
        // Parents first, then ties by id: `z` before its children, `y` before its parent `x`.
        assert_eq!(
            actions(&plan_of(&desired, &live)),
            [
                (Action::Create, "z"),
                (Action::Create, "b"),
                (Action::Create, "c"),
                (Action::Delete, "y"),
                (Action::Delete, "x")
            ]
        );
    }
}
