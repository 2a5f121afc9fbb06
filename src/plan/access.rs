//! Members and permissions in a plan (spec §11): what changes in each managed facet of a group,
//! with its live and desired values, and the lock-out guard that reads the plan's after-state.
//!
//! A change's [`AccessChange`] holds, per facet that differs, the **whole** live value
//! (`before`) and the **whole** desired value (`after`), as the saved plan promises. Apply turns
//! them into requests without reading anything else:
//!
//! - `members`: `addMembers` with [`Delta::added`], `removeMembers` with [`Delta::removed`];
//! - `workspaces`, `data_sources`: for each entry of [`Delta::entries`], an entry whose `after`
//!   is `Some` is **assigned** whole (assign sets a workspace's permissions and hierarchy
//!   permissions, so it carries the new set, not the difference), an entry whose `after` is
//!   `None` is **revoked** with its `before` set (no access left). Groups whose assigned entries
//!   are equal share one `assignPermissions` request;
//! - `organization`: `managePermissions` with `after` (an empty set removes them); `MANAGE`
//!   grants before any `MANAGE` revocation.
//!
//! [`grants`] does the batching: one `assignPermissions` per distinct set of assignments, one
//! `revokePermissions` per distinct set of revocations, each listing every group that needs it.
//! An update whose [`super::Change::group_changed`] is false needs no `PUT` of the group; a
//! create's facets are written after the create, and a delete has none. Apply
//! (`crate::apply::grants`) sends each grant in requests of at most
//! [`MAX_ASSIGNEES`](crate::apply::grants::MAX_ASSIGNEES) groups, and orders them.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::{Action, Plan};
use crate::access::{
    DataSourceAccess, Facet, OrganizationPermission, PermissionGrant, SetDelta, WorkspaceAccess,
    map_changes,
};
use crate::desired::{Access, Managed};
use crate::diagnostic::Diagnostic;
use crate::live::LiveAccess;

/// The live (`before`) and desired (`after`) value of one managed facet of one group. An absent
/// entry or an empty set means none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delta<T> {
    /// The live value (empty for a group being created).
    pub before: T,
    /// The value the file declares.
    pub after: T,
}

impl<T: PartialEq> Delta<T> {
    /// `Some` when the values differ: a facet that does not change is not in the plan.
    pub fn of(before: T, after: T) -> Option<Self> {
        (before != after).then_some(Self { before, after })
    }
}

impl<T: Ord + Clone> Delta<BTreeSet<T>> {
    /// What is added and removed, both sorted.
    pub fn set_delta(&self) -> SetDelta<T> {
        SetDelta::between(&self.after, &self.before)
    }

    /// In `after`, not in `before`.
    pub fn added(&self) -> Vec<T> {
        self.set_delta().added
    }

    /// In `before`, not in `after`.
    pub fn removed(&self) -> Vec<T> {
        self.set_delta().removed
    }
}

impl<V: PartialEq> Delta<BTreeMap<String, V>> {
    /// The entries whose value differs, sorted by id: `(id, before, after)`, `None` meaning no
    /// entry (no direct access). An entry with `after == None` loses all access: a revoke.
    pub fn entries(&self) -> Vec<(&str, Option<&V>, Option<&V>)> {
        map_changes(&self.after, &self.before)
    }
}

/// The managed facets of one group that differ, each with its before and after value. Every field
/// is absent when its facet is not managed by the file or does not change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessChange {
    /// The group's direct members (user ids).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members: Option<Delta<BTreeSet<String>>>,
    /// Direct workspace permissions, per workspace id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspaces: Option<Delta<WorkspaceAccess>>,
    /// Direct data-source permissions, per data source id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_sources: Option<Delta<DataSourceAccess>>,
    /// Organization permissions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<Delta<BTreeSet<OrganizationPermission>>>,
}

impl AccessChange {
    /// What an `assignPermissions` must set for this group: every workspace and data source
    /// whose set changes and where the group keeps some access, each with its **whole** new set.
    pub fn assignments(&self) -> (WorkspaceAccess, DataSourceAccess) {
        let workspaces = self.workspaces.as_ref().map_or_else(BTreeMap::new, |d| {
            d.entries()
                .into_iter()
                .filter_map(|(id, _, after)| Some((id.to_string(), after?.clone())))
                .collect()
        });
        let data_sources = self.data_sources.as_ref().map_or_else(BTreeMap::new, |d| {
            d.entries()
                .into_iter()
                .filter_map(|(id, _, after)| Some((id.to_string(), after?.clone())))
                .collect()
        });
        (workspaces, data_sources)
    }

    /// What a `revokePermissions` must take away: every workspace and data source where the
    /// group keeps no access, each with the set it has now.
    pub fn revocations(&self) -> (WorkspaceAccess, DataSourceAccess) {
        let workspaces = self.workspaces.as_ref().map_or_else(BTreeMap::new, |d| {
            d.entries()
                .into_iter()
                .filter(|(_, _, after)| after.is_none())
                .filter_map(|(id, before, _)| Some((id.to_string(), before?.clone())))
                .collect()
        });
        let data_sources = self.data_sources.as_ref().map_or_else(BTreeMap::new, |d| {
            d.entries()
                .into_iter()
                .filter(|(_, _, after)| after.is_none())
                .filter_map(|(id, before, _)| Some((id.to_string(), before?.clone())))
                .collect()
        });
        (workspaces, data_sources)
    }
}

/// The permission writes of a plan, batched: groups that need the same assignments share one
/// `assignPermissions` request, groups that lose the same access share one `revokePermissions`.
/// Held changes and deletes are left out. Both lists are sorted (by their sets, then groups), so
/// the requests are the same for the same plan.
pub fn grants(plan: &Plan) -> (Vec<PermissionGrant>, Vec<PermissionGrant>) {
    type Key = (WorkspaceAccess, DataSourceAccess);
    let mut assign: BTreeMap<Key, BTreeSet<String>> = BTreeMap::new();
    let mut revoke: BTreeMap<Key, BTreeSet<String>> = BTreeMap::new();
    for change in plan.actionable().filter(|c| c.action != Action::Delete) {
        let Some(access) = &change.access else {
            continue;
        };
        for (batches, key) in [
            (&mut assign, access.assignments()),
            (&mut revoke, access.revocations()),
        ] {
            if key.0.is_empty() && key.1.is_empty() {
                continue;
            }
            batches.entry(key).or_default().insert(change.id.clone());
        }
    }
    let batch = |batches: BTreeMap<Key, BTreeSet<String>>| {
        batches
            .into_iter()
            .map(|((workspaces, data_sources), groups)| PermissionGrant {
                groups,
                workspaces,
                data_sources,
            })
            .collect()
    };
    (batch(assign), batch(revoke))
}

/// Permissions granted and revoked by one change, counted one per name and target.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Users added.
    pub members_added: usize,
    /// Users removed.
    pub members_removed: usize,
    /// Permission names granted (per workspace, hierarchy, data source, organization).
    pub granted: usize,
    /// Permission names revoked.
    pub revoked: usize,
}

impl AccessChange {
    /// Whether nothing differs.
    pub fn is_empty(&self) -> bool {
        self.members.is_none()
            && self.workspaces.is_none()
            && self.data_sources.is_none()
            && self.organization.is_none()
    }

    /// `Some(self)` unless empty: how a change stores it.
    pub fn non_empty(self) -> Option<Self> {
        (!self.is_empty()).then_some(self)
    }

    /// What it adds and removes, for the summary and the thresholds.
    pub fn counts(&self) -> Counts {
        fn sets<T: Ord>(before: &BTreeSet<T>, after: &BTreeSet<T>) -> (usize, usize) {
            (
                after.difference(before).count(),
                before.difference(after).count(),
            )
        }
        let mut counts = Counts::default();
        let mut add = |(granted, revoked): (usize, usize)| {
            counts.granted += granted;
            counts.revoked += revoked;
        };
        let no_access = crate::access::WorkspacePermissions::default();
        if let Some(ws) = &self.workspaces {
            for (_, before, after) in ws.entries() {
                let (b, a) = (before.unwrap_or(&no_access), after.unwrap_or(&no_access));
                add(sets(&b.permissions, &a.permissions));
                add(sets(&b.hierarchy, &a.hierarchy));
            }
        }
        let no_permissions = BTreeSet::new();
        if let Some(ds) = &self.data_sources {
            for (_, before, after) in ds.entries() {
                add(sets(
                    before.unwrap_or(&no_permissions),
                    after.unwrap_or(&no_permissions),
                ));
            }
        }
        if let Some(org) = &self.organization {
            add(sets(&org.before, &org.after));
        }
        if let Some(members) = &self.members {
            (counts.members_added, counts.members_removed) = sets(&members.before, &members.after);
        }
        counts
    }
}

/// What the lock-out guard found: the plan would leave nobody able to administer the
/// organization through gdgroups' token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LockOut {
    /// The token's own user would lose organization `MANAGE`; `through` lists the groups
    /// (or `directly`) it holds it through today.
    TokenUser {
        /// The token's user id.
        user: String,
        /// Where it holds `MANAGE` now and loses it.
        through: Vec<String>,
    },
    /// No group would hold organization `MANAGE` any more; `lost` are the groups that do now.
    NoManagingGroup {
        /// The groups that hold it now.
        lost: Vec<String>,
    },
}

impl LockOut {
    /// The refusal, saying what would be lost and what to do.
    pub fn message(&self) -> String {
        match self {
            LockOut::TokenUser { user, through } => format!(
                "refusing a plan that locks the token's own user `{user}` out: after it, `{user}` no longer holds organization MANAGE (it does now through {}), so gdgroups and this token could not manage the organization any more. Keep `{user}` in a group with organization MANAGE, or keep MANAGE on that group",
                crate::plan::document::list(through, 10)
            ),
            LockOut::NoManagingGroup { lost } => format!(
                "refusing a plan that leaves no group with organization MANAGE (held now by {}): nobody could administer the organization through a group. Keep MANAGE on at least one group",
                crate::plan::document::list(lost, 10)
            ),
        }
    }
}

/// The lock-out guard (spec §11): `Err` when, after `plan`, the token's user (as `live` read it)
/// no longer holds organization `MANAGE` directly, through a group it is in, or through an
/// ancestor of such a group, while it does now; or when no group holds `MANAGE` any more while
/// one does now. The after-state is the live state with the plan's member and organization
/// changes and group deletes and parent changes applied. Without organization permissions read
/// (a file that manages neither members nor organization permissions) there is nothing to
/// check.
pub fn lock_out(plan: &Plan, live: &crate::live::Live) -> Result<(), LockOut> {
    let access = &live.access;
    let Some(me) = &access.token_user else {
        return Ok(());
    };
    let after = After::of(plan, live);
    let before = Before { live };
    let before_managing: Vec<String> = holders(&before, access);
    let after_managing: Vec<String> = holders(&after, access);
    if !before_managing.is_empty() && after_managing.is_empty() {
        return Err(LockOut::NoManagingGroup {
            lost: before_managing,
        });
    }
    let direct = access
        .user_organization
        .get(&me.id)
        .is_some_and(|p| p.contains(&OrganizationPermission::Manage));
    if direct {
        return Ok(());
    }
    let now = user_holds(&before, &me.groups, access);
    if now.is_empty() {
        // It does not administer through a group today: nothing this plan takes away.
        return Ok(());
    }
    let groups_after = after.groups_of(&me.id, &me.groups);
    if user_holds(&after, &groups_after, access).is_empty() {
        return Err(LockOut::TokenUser {
            user: me.id.clone(),
            through: now,
        });
    }
    Ok(())
}

/// Through which groups the token's user holds organization `MANAGE`, before and during a plan's
/// apply: what apply orders its writes by, so that no write takes `MANAGE` from the token's user
/// before every write that gives it has succeeded (a user without `MANAGE` meets 403 on every
/// write after). The lock-out guard ([`lock_out`]) checks the end state; this is about the way
/// there.
pub(crate) struct ManagePaths<'a> {
    me: &'a str,
    access: &'a LiveAccess,
    before: Before<'a>,
    after: After<'a>,
    /// The groups the user is in before the plan, directly or through a child group.
    in_before: BTreeSet<String>,
    /// The same after the plan.
    in_after: BTreeSet<String>,
}

impl<'a> ManagePaths<'a> {
    /// `None` when the token's user was not read (nothing was read that could say), or holds
    /// `MANAGE` itself rather than through a group (no group write takes that away).
    pub(crate) fn of(plan: &'a Plan, live: &'a crate::live::Live) -> Option<Self> {
        let access = &live.access;
        let me = access.token_user.as_ref()?;
        if access
            .user_organization
            .get(&me.id)
            .is_some_and(|p| p.contains(&OrganizationPermission::Manage))
        {
            return None;
        }
        let before = Before { live };
        let after = After::of(plan, live);
        let in_before = ancestry(&before, &me.groups);
        let in_after = ancestry(&after, &after.groups_of(&me.id, &me.groups));
        Some(Self {
            me: &me.id,
            access,
            before,
            after,
            in_before,
            in_after,
        })
    }

    /// The token's user.
    pub(crate) fn me(&self) -> &str {
        self.me
    }

    /// Whether a member of `group` holds `MANAGE` through it (the group or one of its ancestors
    /// holds it), before the plan or after it: adding the user to it gives `MANAGE`, removing
    /// it can take `MANAGE` away.
    pub(crate) fn membership_gives(&self, group: &str) -> bool {
        let one = BTreeSet::from([group.to_string()]);
        !user_holds(&self.before, &one, self.access).is_empty()
            || !user_holds(&self.after, &one, self.access).is_empty()
    }

    /// Whether the user holds `MANAGE` through `group` before the plan: it is one of the user's
    /// groups or an ancestor of one, and it or one of its ancestors holds `MANAGE`. Deleting it,
    /// or revoking its `MANAGE`, can take `MANAGE` away.
    pub(crate) fn holds_through(&self, group: &str) -> bool {
        self.in_before.contains(group) && self.membership_gives_before(group)
    }

    /// Whether `group` is one of the user's groups after the plan, or an ancestor of one:
    /// granting it `MANAGE`, or giving it a parent, can give the user `MANAGE`.
    pub(crate) fn reaches_after(&self, group: &str) -> bool {
        self.in_after.contains(group)
    }

    fn membership_gives_before(&self, group: &str) -> bool {
        let one = BTreeSet::from([group.to_string()]);
        !user_holds(&self.before, &one, self.access).is_empty()
    }
}

/// `groups` and all their ancestors that exist in `state`.
fn ancestry(state: &impl State, groups: &BTreeSet<String>) -> BTreeSet<String> {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut queue: Vec<String> = groups.iter().filter(|g| state.exists(g)).cloned().collect();
    while let Some(group) = queue.pop() {
        if !seen.insert(group.clone()) {
            continue;
        }
        queue.extend(
            state
                .parents(&group)
                .into_iter()
                .filter(|p| state.exists(p)),
        );
    }
    seen
}

/// A state of the organization as the guard needs it: which groups exist, their parents, their
/// organization permissions.
trait State {
    fn exists(&self, group: &str) -> bool;
    fn parents(&self, group: &str) -> Vec<String>;
    fn manages(&self, group: &str, access: &LiveAccess) -> bool;
    fn groups(&self) -> Vec<String>;
}

struct Before<'a> {
    live: &'a crate::live::Live,
}

impl State for Before<'_> {
    fn exists(&self, group: &str) -> bool {
        self.live.groups.contains_key(group)
    }
    fn parents(&self, group: &str) -> Vec<String> {
        self.live
            .groups
            .get(group)
            .map(|g| g.parents.iter().cloned().collect())
            .unwrap_or_default()
    }
    fn manages(&self, group: &str, access: &LiveAccess) -> bool {
        access
            .organization_of(group)
            .contains(&OrganizationPermission::Manage)
    }
    fn groups(&self) -> Vec<String> {
        self.live.groups.keys().cloned().collect()
    }
}

/// The organization once the plan is applied (held changes are not carried out).
struct After<'a> {
    live: &'a crate::live::Live,
    deleted: BTreeSet<&'a str>,
    parents: BTreeMap<&'a str, &'a BTreeSet<String>>,
    organization: BTreeMap<&'a str, &'a BTreeSet<OrganizationPermission>>,
    members: BTreeMap<&'a str, &'a Delta<BTreeSet<String>>>,
}

impl<'a> After<'a> {
    fn of(plan: &'a Plan, live: &'a crate::live::Live) -> Self {
        let mut state = After {
            live,
            deleted: BTreeSet::new(),
            parents: BTreeMap::new(),
            organization: BTreeMap::new(),
            members: BTreeMap::new(),
        };
        for change in plan.actionable() {
            if change.action == Action::Delete {
                state.deleted.insert(&change.id);
                continue;
            }
            if let Some(after) = &change.after {
                state.parents.insert(&change.id, &after.parents);
            }
            if let Some(access) = &change.access {
                if let Some(org) = &access.organization {
                    state.organization.insert(&change.id, &org.after);
                }
                if let Some(members) = &access.members {
                    state.members.insert(&change.id, members);
                }
            }
        }
        state
    }

    /// The groups `user` is a direct member of afterwards, from those it is in now.
    fn groups_of(&self, user: &str, now: &BTreeSet<String>) -> BTreeSet<String> {
        let mut groups: BTreeSet<String> = now
            .iter()
            .filter(|g| !self.deleted.contains(g.as_str()))
            .filter(|g| {
                self.members
                    .get(g.as_str())
                    .is_none_or(|d| d.after.contains(user))
            })
            .cloned()
            .collect();
        groups.extend(
            self.members
                .iter()
                .filter(|(_, d)| d.after.contains(user))
                .map(|(g, _)| (*g).to_string()),
        );
        groups
    }
}

impl State for After<'_> {
    fn exists(&self, group: &str) -> bool {
        !self.deleted.contains(group)
            && (self.live.groups.contains_key(group) || self.parents.contains_key(group))
    }
    fn parents(&self, group: &str) -> Vec<String> {
        match self.parents.get(group) {
            Some(parents) => parents.iter().cloned().collect(),
            None => Before { live: self.live }.parents(group),
        }
    }
    fn manages(&self, group: &str, access: &LiveAccess) -> bool {
        match self.organization.get(group) {
            Some(after) => after.contains(&OrganizationPermission::Manage),
            None => access
                .organization_of(group)
                .contains(&OrganizationPermission::Manage),
        }
    }
    fn groups(&self) -> Vec<String> {
        let mut all: BTreeSet<String> = self.live.groups.keys().cloned().collect();
        all.extend(self.parents.keys().map(|g| (*g).to_string()));
        all.into_iter().filter(|g| self.exists(g)).collect()
    }
}

/// The existing groups that hold organization `MANAGE` themselves, sorted.
fn holders(state: &impl State, access: &LiveAccess) -> Vec<String> {
    state
        .groups()
        .into_iter()
        .filter(|g| state.manages(g, access))
        .collect()
}

/// The groups among `groups` and their ancestors through which a member holds `MANAGE`.
fn user_holds(state: &impl State, groups: &BTreeSet<String>, access: &LiveAccess) -> Vec<String> {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut queue: Vec<String> = groups.iter().filter(|g| state.exists(g)).cloned().collect();
    let mut through = Vec::new();
    while let Some(group) = queue.pop() {
        if !seen.insert(group.clone()) {
            continue;
        }
        if state.manages(&group, access) {
            through.push(group.clone());
        }
        queue.extend(
            state
                .parents(&group)
                .into_iter()
                .filter(|p| state.exists(p)),
        );
    }
    through.sort();
    through
}

/// What the declared `access` of group `id` changes against the live one. A group that does not
/// exist live (`exists == false`) has nothing yet: every declared facet starts empty.
pub(super) fn diff(id: &str, access: &Access, live: &LiveAccess, exists: bool) -> AccessChange {
    let on = |present: bool| exists && present;
    AccessChange {
        members: access.members.as_ref().and_then(|m| {
            let before = if on(true) {
                live.members_of(id).clone()
            } else {
                BTreeSet::new()
            };
            Delta::of(before, m.value.clone())
        }),
        workspaces: access.workspaces.as_ref().and_then(|m| {
            let before = if on(true) {
                live.workspaces_of(id).clone()
            } else {
                BTreeMap::new()
            };
            Delta::of(before, m.value.clone())
        }),
        data_sources: access.data_sources.as_ref().and_then(|m| {
            let before = if on(true) {
                live.data_sources_of(id).clone()
            } else {
                BTreeMap::new()
            };
            Delta::of(before, m.value.clone())
        }),
        organization: access.organization.as_ref().and_then(|m| {
            let before = if on(true) {
                live.organization_of(id).clone()
            } else {
                BTreeSet::new()
            };
            Delta::of(before, m.value.clone())
        }),
    }
}

/// Checks a declared group's facets against the live organization: every user, workspace and
/// data source it names must exist (gdgroups never creates them), and a set the plan rewrites
/// must not hold a permission name this version does not know (writing the whole set would drop
/// it). Problems are located at the id, with the closest live id as a hint.
pub(super) fn check(
    id: &str,
    access: &Access,
    change: &AccessChange,
    live: &LiveAccess,
    items: &mut Vec<Diagnostic>,
) {
    if let Some(members) = &access.members
        && live.has(Facet::Members)
    {
        unknown_ids(id, "members", "user", members, &live.users, items);
    }
    if let Some(workspaces) = &access.workspaces
        && live.has(Facet::Workspaces)
    {
        unknown_ids(
            id,
            "workspaces",
            "workspace",
            workspaces,
            &live.workspaces,
            items,
        );
    }
    if let Some(data_sources) = &access.data_sources
        && live.has(Facet::DataSources)
    {
        unknown_ids(
            id,
            "data_sources",
            "data source",
            data_sources,
            &live.data_sources,
            items,
        );
    }
    for unknown in live.unrecognized.iter().filter(|u| u.assignee == id) {
        let (rewritten, span) = match (unknown.facet, unknown.target.as_deref()) {
            (Facet::Workspaces, Some(target)) => (
                change
                    .workspaces
                    .as_ref()
                    .is_some_and(|d| d.entries().iter().any(|(w, _, _)| *w == target)),
                access.workspaces.as_ref().map(|m| m.span_of(target)),
            ),
            (Facet::DataSources, Some(target)) => (
                change
                    .data_sources
                    .as_ref()
                    .is_some_and(|d| d.entries().iter().any(|(w, _, _)| *w == target)),
                access.data_sources.as_ref().map(|m| m.span_of(target)),
            ),
            (Facet::Organization, _) => (
                change.organization.is_some(),
                access.organization.as_ref().map(|m| m.key),
            ),
            _ => (false, None),
        };
        let (true, Some(span)) = (rewritten, span) else {
            continue;
        };
        let place = match &unknown.target {
            Some(target) => format!("{} `{target}`", unknown.facet.key()),
            None => unknown.facet.key().to_string(),
        };
        items.push(
            Diagnostic::at(
                span,
                format!(
                    "group `{id}` holds permission `{}` on {place}, which this version of gdgroups does not know; changing that set would drop it",
                    unknown.name
                ),
            )
            .with_hint(format!(
                "upgrade gdgroups, or leave this set as it is live (declare it unchanged, or stop managing `{}` for `{id}`) and change `{}` in GoodData",
                unknown.facet.key(),
                unknown.name
            )),
        );
    }
}

fn unknown_ids<T>(
    group: &str,
    key: &str,
    noun: &str,
    managed: &Managed<T>,
    live: &BTreeSet<String>,
    items: &mut Vec<Diagnostic>,
) {
    for (id, span) in &managed.ids {
        if live.contains(id) {
            continue;
        }
        let hint = match crate::desired::closest(id, live.iter().map(String::as_str)) {
            Some(best) => format!("did you mean `{best}`?"),
            None if noun == "user" => {
                "gdgroups never creates users: create the user in GoodData first, or fix the id"
                    .to_string()
            }
            None => format!("gdgroups never creates a {noun}: create it first, or fix the id"),
        };
        items.push(
            Diagnostic::at(
                *span,
                format!("unknown {noun} `{id}` in `{key}` of group `{group}`: no such {noun} in the organization"),
            )
            .with_hint(hint),
        );
    }
}
