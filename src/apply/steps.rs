//! The step graph: a plan's changes turned into requests with the requests each must wait for.
//!
//! Built from the whole plan at once, in two passes: first every step is placed, then each
//! step's dependencies are looked up among all of them. So the graph is the same whatever order
//! the plan lists its changes in (`Plan` is public, and `Provisioner::apply` takes any plan).

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::grants;
use super::request::{Request, Step, push};
use crate::access::OrganizationPermission;
use crate::group::Group;
use crate::live::Live;
use crate::plan::{Action, Change, ManagePaths, Plan};

/// Turns the plan's changes into steps with their dependencies:
/// creates wait for created parents; an update that adds a parent which could close a cycle
/// with edges still to be removed waits for those removals (and, if it removes parents itself,
/// is split: first a `PUT` with the kept parents, then the final one); a delete waits for the
/// updates that detach its surviving children and for the deletes of its deleted children.
///
/// A group's members and permissions (spec §11) come after: see [`grants`] for how they are
/// batched and ordered. An update that changes only members or permissions sends no `PUT`.
///
/// Steps come in the order creates, updates, the first halves of split updates, the updates
/// that wait for removals, deletes, then members and permissions; within each kind, in plan
/// order.
pub fn steps(plan: &Plan, live: &Live) -> Vec<Step> {
    let union = UnionGraph::new(plan, live);
    let changes: Vec<(usize, &Change)> = plan.actionable_indexed().collect();
    let of = |action: Action| {
        changes
            .iter()
            .copied()
            .filter(move |(_, c)| c.action == action)
    };
    let mut steps: Vec<Step> = Vec::new();

    // Pass 1: place every step, and index them by group.
    let mut creates: Vec<(usize, &Group)> = Vec::new();
    let mut create_step: BTreeMap<&str, usize> = BTreeMap::new();
    for (index, change) in of(Action::Create) {
        let Some(after) = &change.after else { continue };
        let step = push(&mut steps, index, Request::Create(after.clone()));
        create_step.insert(&change.id, step);
        creates.push((step, after));
    }
    // Steps that remove parent edges, keyed by the child whose edges they remove.
    let mut removing: BTreeMap<&str, (usize, BTreeSet<&str>)> = BTreeMap::new();
    let mut updates: Vec<(usize, Vec<&str>)> = Vec::new();
    let mut risky: Vec<(usize, &Group, &Group)> = Vec::new();
    for (index, change) in of(Action::Update) {
        let (Some(before), Some(after)) = (&change.before, &change.after) else {
            continue;
        };
        if !change.group_changed() {
            continue;
        }
        let added: Vec<&str> = after
            .parents
            .difference(&before.parents)
            .map(String::as_str)
            .collect();
        if added.iter().any(|p| union.reaches(p, &change.id)) {
            risky.push((index, before, after));
            continue;
        }
        let step = push(&mut steps, index, Request::Update(after.clone()));
        let removed = removed_parents(before, after);
        if !removed.is_empty() {
            removing.insert(&change.id, (step, removed));
        }
        updates.push((step, added));
    }
    // The detaching halves of risky updates, before anything waits on them.
    let mut detach_of: BTreeMap<usize, usize> = BTreeMap::new();
    for &(index, before, after) in &risky {
        let removed = removed_parents(before, after);
        if removed.is_empty() {
            continue;
        }
        let mut kept = after.clone();
        kept.parents = before
            .parents
            .intersection(&after.parents)
            .cloned()
            .collect();
        let step = push(&mut steps, index, Request::Update(kept));
        removing.insert(&after.id, (step, removed));
        detach_of.insert(index, step);
    }
    let mut finals: Vec<(usize, usize, &Group, &Group)> = Vec::new();
    for &(index, before, after) in &risky {
        let step = push(&mut steps, index, Request::Update(after.clone()));
        finals.push((step, index, before, after));
    }
    let mut delete_step: BTreeMap<&str, usize> = BTreeMap::new();
    for (index, change) in of(Action::Delete) {
        let step = push(&mut steps, index, Request::Delete(change.id.clone()));
        delete_step.insert(&change.id, step);
    }

    // Pass 2: dependencies, looked up among all the steps.
    for (step, after) in creates {
        steps[step].deps = create_steps(&create_step, after.parents.iter().map(String::as_str));
    }
    for (step, added) in updates {
        steps[step].deps = create_steps(&create_step, added);
    }
    for (step, index, before, after) in finals {
        let added: Vec<&str> = after
            .parents
            .difference(&before.parents)
            .map(String::as_str)
            .collect();
        let mut deps = create_steps(&create_step, added.iter().copied());
        deps.extend(detach_of.get(&index));
        for parent in added {
            deps.extend(union.removals_on_paths(parent, &after.id, &removing));
        }
        deps.remove(&step);
        steps[step].deps = deps;
    }
    for (&id, &step) in &delete_step {
        let mut deps = BTreeSet::new();
        for &child in union.live_children.get(id).into_iter().flatten() {
            if let Some(&child_delete) = delete_step.get(child) {
                deps.insert(child_delete);
            } else if let Some((detach, removed)) = removing.get(child)
                && removed.contains(id)
            {
                deps.insert(*detach);
            }
        }
        deps.remove(&step);
        steps[step].deps = deps;
    }
    grants::steps(plan, &create_step, &mut steps);
    order_manage(plan, live, &mut steps);
    steps
}

/// Organization `MANAGE` is given before it is taken away (spec §11), as dependencies: a user
/// who loses it meets 403 on every write after, so a write that could take it from the token's
/// own user waits until every write that could give it succeeded (and is skipped when one
/// failed, rather than lock the rest of the apply out).
///
/// - Take: `removeMembers` of the token's user from a group it holds `MANAGE` through (before or
///   after the plan), a `managePermissions` that revokes `MANAGE` from a group it holds it
///   through, the delete of such a group (or of an ancestor of one).
/// - Give: `addMembers` of the token's user to such a group, a `managePermissions` that grants
///   `MANAGE` to one of the user's groups (after the plan) or an ancestor of one, a `PUT` that
///   gives one of those a parent.
///
/// Also, whoever the token's user is, the delete of a group holding `MANAGE` waits for every
/// request that grants `MANAGE`, as a revocation does (see [`grants`]): the organization never
/// loses the groups it is administered through before it has the new ones.
///
/// - Take, too: a `PUT` that removes, from one of the user's groups (or an ancestor of one), the
///   parent it holds `MANAGE` through.
///
/// No cycle can come of it: a take waits for a give only where the give does not already wait
/// for that take.
fn order_manage(plan: &Plan, live: &Live, steps: &mut [Step]) {
    let manage = OrganizationPermission::Manage;
    let had = |group: &str| live.access.organization_of(group).contains(&manage);
    let grants_manage = |request: &Request, to: &dyn Fn(&str) -> bool| {
        matches!(request, Request::Organization(groups)
            if groups.iter().any(|(g, after)| after.contains(&manage) && !had(g) && to(g)))
    };
    let any_grant: BTreeSet<usize> = (0..steps.len())
        .filter(|&i| grants_manage(&steps[i].request, &|_| true))
        .collect();
    let (mut giving, mut taking) = (BTreeSet::new(), BTreeSet::new());
    if let Some(paths) = ManagePaths::of(plan, live) {
        let me = paths.me();
        for (i, step) in steps.iter().enumerate() {
            let gives = match &step.request {
                Request::AddMembers { group, users } => {
                    users.contains(me) && paths.membership_gives(group)
                }
                Request::Update(group) => {
                    paths.reaches_after(&group.id)
                        && live
                            .groups
                            .get(&group.id)
                            .is_none_or(|before| !group.parents.is_subset(&before.parents))
                }
                request => grants_manage(request, &|g| paths.reaches_after(g)),
            };
            let takes = match &step.request {
                Request::RemoveMembers { group, users } => {
                    users.contains(me) && paths.membership_gives(group)
                }
                Request::Delete(id) => paths.holds_through(id),
                // A `PUT` that cuts the user's group off the ancestor it holds `MANAGE` through.
                Request::Update(group) => {
                    paths.holds_through(&group.id)
                        && live.groups.get(&group.id).is_some_and(|before| {
                            before
                                .parents
                                .difference(&group.parents)
                                .any(|p| paths.holds_through(p))
                        })
                }
                Request::Organization(groups) => groups
                    .iter()
                    .any(|(g, after)| !after.contains(&manage) && had(g) && paths.holds_through(g)),
                _ => false,
            };
            // A `PUT` that swaps parents can do both: it waits for the other gives, and the
            // other takes wait for it.
            if gives {
                giving.insert(i);
            }
            if takes {
                taking.insert(i);
            }
        }
    }
    for step in steps.iter_mut() {
        if matches!(&step.request, Request::Delete(id) if had(id)) {
            step.deps.extend(&any_grant);
        }
    }
    // A take waits for every give, except a give that itself waits for the take (a parent
    // removed before another group may take a parent that would close a cycle): the server's
    // rule comes first, and such an edge would stall both.
    for &take in &taking {
        for &give in &giving {
            if !depends_on(steps, give, take) {
                steps[take].deps.insert(give);
            }
        }
    }
}

/// Whether step `from` waits, directly or through other steps, for step `on`.
fn depends_on(steps: &[Step], from: usize, on: usize) -> bool {
    let mut seen = BTreeSet::new();
    let mut queue = vec![from];
    while let Some(i) = queue.pop() {
        if i == on {
            return true;
        }
        if seen.insert(i) {
            queue.extend(steps[i].deps.iter().copied());
        }
    }
    false
}

/// The create steps of those of `ids` that the plan creates.
fn create_steps<'a>(
    create_step: &BTreeMap<&str, usize>,
    ids: impl IntoIterator<Item = &'a str>,
) -> BTreeSet<usize> {
    ids.into_iter()
        .filter_map(|id| create_step.get(id).copied())
        .collect()
}

/// The parents `after` no longer has.
fn removed_parents<'a>(before: &'a Group, after: &'a Group) -> BTreeSet<&'a str> {
    before
        .parents
        .difference(&after.parents)
        .map(String::as_str)
        .collect()
}

/// Every parent edge that exists before or after the plan: any state an apply passes through
/// has a subset of these edges, so an added edge `g → p` can only close a cycle if `p` reaches
/// `g` here.
struct UnionGraph<'a> {
    parents: BTreeMap<&'a str, BTreeSet<&'a str>>,
    children: BTreeMap<&'a str, BTreeSet<&'a str>>,
    live_children: BTreeMap<&'a str, BTreeSet<&'a str>>,
}

impl<'a> UnionGraph<'a> {
    fn new(plan: &'a Plan, live: &'a Live) -> Self {
        let mut graph = Self {
            parents: BTreeMap::new(),
            children: BTreeMap::new(),
            live_children: BTreeMap::new(),
        };
        let before = live.groups.values().map(|g| (g, true));
        let after = plan
            .changes
            .iter()
            .filter_map(|c| c.after.as_ref())
            .map(|g| (g, false));
        for (group, live) in before.chain(after) {
            for parent in &group.parents {
                graph.parents.entry(&group.id).or_default().insert(parent);
                graph.children.entry(parent).or_default().insert(&group.id);
                if live {
                    graph
                        .live_children
                        .entry(parent)
                        .or_default()
                        .insert(&group.id);
                }
            }
        }
        graph
    }

    fn walk(map: &BTreeMap<&'a str, BTreeSet<&'a str>>, from: &'a str) -> BTreeSet<&'a str> {
        let mut seen = BTreeSet::from([from]);
        let mut queue = VecDeque::from([from]);
        while let Some(node) = queue.pop_front() {
            for &next in map.get(node).into_iter().flatten() {
                if seen.insert(next) {
                    queue.push_back(next);
                }
            }
        }
        seen
    }

    /// Whether `from` reaches `to` following parent edges.
    fn reaches(&self, from: &str, to: &str) -> bool {
        let Some((&from, _)) = self.parents.get_key_value(from) else {
            return false;
        };
        Self::walk(&self.parents, from).contains(to)
    }

    /// Removal steps whose removed edge `x → y` lies on a path `from ⇝ x → y ⇝ to`.
    fn removals_on_paths(
        &self,
        from: &str,
        to: &str,
        removing: &BTreeMap<&str, (usize, BTreeSet<&str>)>,
    ) -> Vec<usize> {
        let (Some((&from, _)), Some((&to, _))) = (
            self.parents.get_key_value(from),
            self.children
                .get_key_value(to)
                .or_else(|| self.parents.get_key_value(to)),
        ) else {
            return Vec::new();
        };
        let forward = Self::walk(&self.parents, from);
        let backward = Self::walk(&self.children, to);
        removing
            .iter()
            .filter(|(x, (_, removed))| {
                forward.contains(**x) && removed.iter().any(|y| backward.contains(y))
            })
            .map(|(_, (step, _))| *step)
            .collect()
    }
}

impl Plan {
    /// The changes apply carries out, with their index in `changes`.
    pub fn actionable_indexed(&self) -> impl Iterator<Item = (usize, &Change)> {
        self.changes
            .iter()
            .enumerate()
            .filter(|(_, c)| c.held.is_none())
    }
}
