//! Member and permission steps (spec §11): the requests that carry out each change's
//! [`AccessChange`](crate::plan::AccessChange), batched and ordered.
//!
//! - Members: one `addMembers` and one `removeMembers` per group that needs it, after the
//!   group's create.
//! - Workspaces and data sources: [`crate::plan::grants`] — a group's entries that keep some
//!   access are **assigned** whole (assign sets a workspace's permissions and hierarchy
//!   permissions, so it carries the new set, not the difference), and groups whose assigned
//!   entries are equal share one grant; an entry that loses all access is **revoked** with the
//!   group's current set there, batched the same way. Each grant is sent in requests of up to
//!   [`MAX_ASSIGNEES`] groups: granting one set on one workspace to 1,000 groups is 4 requests.
//! - Organization: each group's whole new set through `managePermissions`, batched (the body
//!   lists a set per group). Groups that lose `MANAGE` are in requests that start only once every
//!   other organization request succeeded, so the organization is never left without the
//!   administrators the plan keeps or adds.
//!
//! A request for several groups waits for the creates of those being created; when one fails,
//! that group alone is left out of it (see [`Step::creates`]). Deleted groups get nothing: the
//! delete drops their members and permissions.

use std::collections::{BTreeMap, BTreeSet};

use super::request::{Request, Step, push};
use crate::access::{OrganizationPermission, PermissionGrant};
use crate::plan::{Action, Plan};

/// The most groups one `assignPermissions`, `revokePermissions` or `managePermissions` request
/// names. Large enough that granting one set to 1,000 groups takes 4 requests, small enough that
/// a body stays far below any proxy's limit (250 assignees of the longest ids are about 75 kB)
/// and one refused request does not hold up many more groups than it must.
pub const MAX_ASSIGNEES: usize = 250;

/// Adds the member and permission steps of `plan` to `steps`; `create_step` gives the create
/// step of each group the plan creates. Their operation indices follow every change's.
pub(super) fn steps(plan: &Plan, create_step: &BTreeMap<&str, usize>, steps: &mut Vec<Step>) {
    let mut op = plan.changes.len();
    let mut next_op = || {
        op += 1;
        op - 1
    };
    let mut organization: BTreeMap<String, BTreeSet<OrganizationPermission>> = BTreeMap::new();
    let mut loses_manage: BTreeMap<String, BTreeSet<OrganizationPermission>> = BTreeMap::new();
    let mut members: Vec<(String, BTreeSet<String>, BTreeSet<String>)> = Vec::new();
    for (_, change) in plan.actionable_indexed() {
        if change.action == Action::Delete {
            continue;
        }
        let Some(access) = &change.access else {
            continue;
        };
        let group = &change.id;
        if let Some(delta) = &access.members {
            let added = delta.after.difference(&delta.before).cloned().collect();
            let removed = delta.before.difference(&delta.after).cloned().collect();
            members.push((group.clone(), added, removed));
        }
        if let Some(delta) = &access.organization {
            let manage = OrganizationPermission::Manage;
            let to = if delta.before.contains(&manage) && !delta.after.contains(&manage) {
                &mut loses_manage
            } else {
                &mut organization
            };
            to.insert(group.clone(), delta.after.clone());
        }
    }

    let waits_for_create = |group: &str| create_step.get(group).copied();
    for (group, added, removed) in members {
        let deps: BTreeSet<usize> = waits_for_create(&group).into_iter().collect();
        for (users, add) in [(added, true), (removed, false)] {
            if users.is_empty() {
                continue;
            }
            let request = if add {
                Request::AddMembers {
                    group: group.clone(),
                    users,
                }
            } else {
                Request::RemoveMembers {
                    group: group.clone(),
                    users,
                }
            };
            let step = push(steps, next_op(), request);
            steps[step].deps.clone_from(&deps);
        }
    }
    let mut batch = |steps: &mut Vec<Step>, request: Request| {
        let step = push(steps, next_op(), request);
        let creates: BTreeMap<usize, String> = steps[step]
            .request
            .groups()
            .into_iter()
            .filter_map(|g| waits_for_create(g).map(|s| (s, g.to_string())))
            .collect();
        steps[step].creates = creates;
        step
    };
    let (assigns, revokes) = crate::plan::grants(plan);
    for (make, grants) in [
        (Request::Assign as fn(PermissionGrant) -> Request, assigns),
        (Request::Revoke, revokes),
    ] {
        for grant in grants {
            for groups in chunks(grant.groups) {
                batch(
                    steps,
                    make(PermissionGrant {
                        groups,
                        workspaces: grant.workspaces.clone(),
                        data_sources: grant.data_sources.clone(),
                    }),
                );
            }
        }
    }
    let mut grants = BTreeSet::new();
    for chunk in chunks(organization) {
        grants.insert(batch(steps, Request::Organization(chunk)));
    }
    for chunk in chunks(loses_manage) {
        let step = batch(steps, Request::Organization(chunk));
        steps[step].deps.clone_from(&grants);
    }
}

/// `items` in chunks of at most [`MAX_ASSIGNEES`], in order.
fn chunks<C>(items: C) -> Vec<C>
where
    C: IntoIterator + FromIterator<C::Item>,
{
    let mut out = Vec::new();
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        out.push(items.by_ref().take(MAX_ASSIGNEES).collect());
    }
    out
}
