//! The sandbox's in-memory organization: user groups with their parents, users and their
//! memberships, workspaces (with parents), data sources, and what each user and group may reach
//! directly; plus the rules the real server enforces on every change (ids, existing parents, no
//! cycles, a read-only bootstrap group, existing assignees and targets).
//!
//! The HTTP layer only translates requests into calls here and [`StoreError`]s into problems,
//! so every rule lives in one place and the direct test edits of [`crate::Sandbox`] share it.
//! Memberships are kept on both sides (a group's members, a user's groups) and changed only
//! together, so both listings stay cheap and agree.

mod access;
mod people;
mod table;

pub(crate) use access::Grants;
pub(crate) use people::UserRow;

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use crate::access::{Access, OrganizationPermission};
use crate::catalog::{DataSource, Workspace};
use crate::group::{Group, ID_PATTERN, MAX_NAME_CHARS, is_valid_id};
use crate::user::User;
use table::Table;

/// Why a change was refused; the HTTP layer maps each kind to its status code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StoreError {
    /// 404 with the server's generic detail: the group does not exist.
    NotFound,
    /// 404 naming what is missing (a user, workspace or data source in a request body).
    Missing(String),
    /// 409: a group with this id already exists.
    Conflict(String),
    /// 400: the change breaks a rule (missing parent, cycle, bad id, bootstrap group).
    Invalid(String),
}

/// One stored group.
#[derive(Debug, Clone, Default)]
struct Stored {
    name: Option<String>,
    parents: BTreeSet<String>,
    /// User ids; each of these users lists this group among its groups.
    members: BTreeSet<String>,
    /// What the group may reach directly.
    access: Access,
}

/// One stored user.
#[derive(Debug, Clone, Default)]
struct StoredUser {
    user: User,
    /// Group ids; each of these groups lists this user among its members.
    groups: BTreeSet<String>,
    /// What the user may reach directly.
    access: Access,
}

/// A change of some fields of a group (PATCH semantics).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Patch {
    pub name: NameChange,
    /// The new parent set; `None` keeps the current one.
    pub parents: Option<BTreeSet<String>>,
}

/// What a PATCH does to the name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) enum NameChange {
    #[default]
    Keep,
    Remove,
    Set(String),
}

/// One row of the `userManagement/userGroups` action.
#[derive(Debug, Clone)]
pub(crate) struct ManagementRow {
    pub group: Group,
    pub user_count: usize,
    pub organization_admin: bool,
    pub access: Access,
}

/// The organization.
#[derive(Debug)]
pub(crate) struct Store {
    groups: Table<Stored>,
    users: Table<StoredUser>,
    workspaces: Table<Workspace>,
    data_sources: Table<DataSource>,
    bootstrap: String,
}

impl Store {
    /// An organization holding only the bootstrap group, which holds organization `MANAGE`.
    pub(crate) fn new(bootstrap: &str) -> Self {
        let mut groups = Table::default();
        let mut stored = Stored::default();
        stored
            .access
            .organization
            .insert(OrganizationPermission::Manage);
        groups.insert(bootstrap.to_string(), stored);
        Self {
            groups,
            users: Table::default(),
            workspaces: Table::default(),
            data_sources: Table::default(),
            bootstrap: bootstrap.to_string(),
        }
    }

    /// The id of the group no request may change.
    pub(crate) fn bootstrap(&self) -> &str {
        &self.bootstrap
    }

    /// Inserts or replaces a group without any check. `members: None` keeps the members of an
    /// existing group; `Some` sets them (creating users that do not exist yet).
    pub(crate) fn upsert_unchecked(&mut self, group: Group, members: Option<BTreeSet<String>>) {
        let id = group.id;
        let entry = self.groups.entry_or_default(&id);
        entry.name = group.name;
        entry.parents = group.parents;
        if let Some(members) = members {
            self.set_members(&id, &members);
        }
    }

    /// Removes a group and every reference to it (its children's parent, its members' group),
    /// with its permissions, without the bootstrap rule.
    pub(crate) fn remove_unchecked(&mut self, id: &str) -> bool {
        let Some(removed) = self.groups.remove(id) else {
            return false;
        };
        // Children lose the parent: the one O(n) step, acceptable for a delete.
        for stored in self.groups.values_mut() {
            stored.parents.remove(id);
        }
        for member in &removed.members {
            if let Some(user) = self.users.get_mut(member) {
                user.groups.remove(id);
            }
        }
        true
    }

    /// Checks that every parent exists and that there is no cycle; for seeding and tests.
    pub(crate) fn check_consistency(&self) -> Result<(), String> {
        for (id, stored) in self.groups.iter() {
            for parent in &stored.parents {
                if !self.groups.contains(parent) {
                    return Err(format!(
                        "group `{id}` has parent `{parent}`, which does not exist"
                    ));
                }
            }
            if let Some(path) = self.cycle_through(id, &stored.parents) {
                return Err(format!("the parents form a cycle: {}", path.join(" → ")));
            }
        }
        Ok(())
    }

    pub(crate) fn len(&self) -> usize {
        self.groups.len()
    }

    pub(crate) fn get(&self, id: &str) -> Option<Group> {
        self.groups.get(id).map(|stored| to_group(id, stored))
    }

    /// Every group, ascending by id.
    pub(crate) fn all(&self) -> Vec<Group> {
        self.groups
            .iter()
            .map(|(id, stored)| to_group(id, stored))
            .collect()
    }

    /// The groups at positions `offset..offset + len` of the ascending (or, with `descending`,
    /// descending) id order.
    pub(crate) fn page(&mut self, offset: usize, len: usize, descending: bool) -> Vec<Group> {
        let ids = self.groups.page(offset, len, descending);
        ids.iter().filter_map(|id| self.get(id)).collect()
    }

    /// Rows of the user-management listing for one page.
    pub(crate) fn management_page(&mut self, offset: usize, len: usize) -> Vec<ManagementRow> {
        let ids = self.groups.page(offset, len, false);
        self.management_rows(&ids)
    }

    /// The ids of the groups `keep` takes (given each group's name and direct permissions),
    /// ascending.
    pub(crate) fn group_ids_where(
        &self,
        keep: impl Fn(Option<&str>, &Access) -> bool,
    ) -> Vec<String> {
        self.groups
            .iter()
            .filter(|(_, stored)| keep(stored.name.as_deref(), &stored.access))
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// Rows of the user-management listing for these groups.
    pub(crate) fn management_rows(&self, ids: &[String]) -> Vec<ManagementRow> {
        ids.iter()
            .filter_map(|id| {
                let stored = self.groups.get(id)?;
                Some(ManagementRow {
                    group: to_group(id, stored),
                    user_count: stored.members.len(),
                    organization_admin: self
                        .group_organization(id)
                        .contains(&OrganizationPermission::Manage),
                    access: stored.access.clone(),
                })
            })
            .collect()
    }

    /// POST: a new group.
    pub(crate) fn create(&mut self, group: Group) -> Result<Group, StoreError> {
        check_fields(&group)?;
        if self.groups.contains(&group.id) {
            return Err(StoreError::Conflict(format!(
                "A user group with id `{}` already exists.",
                group.id
            )));
        }
        if group.parents.contains(&group.id) {
            return Err(self_parent(&group.id));
        }
        self.check_parents_exist(&group.parents)?;
        self.upsert_unchecked(group.clone(), None);
        Ok(group)
    }

    /// PUT: replaces name and parents of an existing group.
    pub(crate) fn replace(&mut self, group: Group) -> Result<Group, StoreError> {
        check_fields(&group)?;
        self.check_writable(&group.id)?;
        self.check_parents(&group.id, &group.parents)?;
        self.upsert_unchecked(group.clone(), None);
        Ok(group)
    }

    /// PATCH: changes only the given fields.
    pub(crate) fn patch(&mut self, id: &str, patch: Patch) -> Result<Group, StoreError> {
        self.check_writable(id)?;
        let mut group = self.get(id).ok_or(StoreError::NotFound)?;
        match patch.name {
            NameChange::Keep => {}
            NameChange::Remove => group.name = None,
            NameChange::Set(name) => group.name = Some(name),
        }
        if let Some(parents) = patch.parents {
            group.parents = parents;
        }
        check_fields(&group)?;
        self.check_parents(id, &group.parents)?;
        self.upsert_unchecked(group.clone(), None);
        Ok(group)
    }

    /// DELETE: removes the group, from its children's parents, with its memberships and its
    /// permissions.
    pub(crate) fn delete(&mut self, id: &str) -> Result<(), StoreError> {
        self.check_writable(id)?;
        self.remove_unchecked(id);
        Ok(())
    }

    /// PUT of the layout: the given groups become the whole organization. Groups left out are
    /// deleted (with their memberships and permissions). The bootstrap group must be listed
    /// with its name and parents unchanged, as for every other change of it (spec §3: the
    /// server answers 400 to any change of it; leaving it out would delete it). Groups that
    /// stay keep their members and permissions.
    pub(crate) fn replace_all(&mut self, groups: Vec<Group>) -> Result<(), StoreError> {
        let mut next: BTreeMap<String, Group> = BTreeMap::new();
        for group in groups {
            check_fields(&group)?;
            if group.parents.contains(&group.id) {
                return Err(self_parent(&group.id));
            }
            if next.contains_key(&group.id) {
                return Err(StoreError::Invalid(format!(
                    "The user group `{}` is listed more than once.",
                    group.id
                )));
            }
            next.insert(group.id.clone(), group);
        }
        match (next.get(&self.bootstrap), self.get(&self.bootstrap)) {
            (None, _) => {
                return Err(StoreError::Invalid(format!(
                    "The layout leaves out the user group `{}`, the organization's bootstrap group; it must list it unchanged.",
                    self.bootstrap
                )));
            }
            (Some(listed), Some(current)) if *listed != current => {
                return Err(StoreError::Invalid(format!(
                    "The layout changes the user group `{}`, the organization's bootstrap group; it cannot be changed or deleted.",
                    self.bootstrap
                )));
            }
            _ => {}
        }
        // The rules are checked on the parent graph alone before anything changes.
        let mut candidate = Self::new(&self.bootstrap);
        for group in next.values() {
            candidate.upsert_unchecked(group.clone(), None);
        }
        candidate.check_consistency().map_err(StoreError::Invalid)?;
        let gone: Vec<String> = self
            .groups
            .iter()
            .map(|(id, _)| id.clone())
            .filter(|id| !next.contains_key(id))
            .collect();
        for id in gone {
            self.remove_unchecked(&id);
        }
        for group in next.into_values() {
            self.upsert_unchecked(group, None);
        }
        Ok(())
    }

    fn check_writable(&self, id: &str) -> Result<(), StoreError> {
        if !self.groups.contains(id) {
            return Err(StoreError::NotFound);
        }
        if id == self.bootstrap {
            return Err(StoreError::Invalid(format!(
                "The user group `{id}` is the organization's bootstrap group; it cannot be changed or deleted."
            )));
        }
        Ok(())
    }

    fn check_parents_exist(&self, parents: &BTreeSet<String>) -> Result<(), StoreError> {
        let missing: Vec<&str> = parents
            .iter()
            .filter(|p| !self.groups.contains(p))
            .map(String::as_str)
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(StoreError::Invalid(format!(
                "Parent user group(s) not found: {}.",
                missing.join(", ")
            )))
        }
    }

    fn check_parents(&self, id: &str, parents: &BTreeSet<String>) -> Result<(), StoreError> {
        if parents.contains(id) {
            return Err(self_parent(id));
        }
        self.check_parents_exist(parents)?;
        if let Some(path) = self.cycle_through(id, parents) {
            return Err(StoreError::Invalid(format!(
                "Setting these parents would create a cycle: {}.",
                path.join(" → ")
            )));
        }
        Ok(())
    }

    /// `id` and every group above it, each once.
    fn with_ancestors<'a>(&'a self, id: &'a str) -> BTreeSet<&'a str> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![id];
        while let Some(current) = stack.pop() {
            if !seen.insert(current) {
                continue;
            }
            if let Some(stored) = self.groups.get(current) {
                stack.extend(stored.parents.iter().map(String::as_str));
            }
        }
        seen
    }

    /// If `id` is an ancestor of one of `parents` (following the stored parent edges), giving
    /// `id` those parents closes a cycle; returns it as `id → parent → … → id`.
    fn cycle_through(&self, id: &str, parents: &BTreeSet<String>) -> Option<Vec<String>> {
        let mut came_from: HashMap<&str, &str> = HashMap::new();
        let mut queue: VecDeque<&str> = VecDeque::new();
        for parent in parents {
            if parent == id {
                return Some(vec![id.to_string(), id.to_string()]);
            }
            if came_from.insert(parent.as_str(), id).is_none() {
                queue.push_back(parent.as_str());
            }
        }
        while let Some(current) = queue.pop_front() {
            let Some(stored) = self.groups.get(current) else {
                continue;
            };
            for next in &stored.parents {
                if next == id {
                    // Walk back from `current` to `id` to print the loop in order.
                    let mut path = vec![id.to_string()];
                    let mut back = vec![current];
                    let mut at = current;
                    while let Some(&prev) = came_from.get(at) {
                        if prev == id {
                            break;
                        }
                        back.push(prev);
                        at = prev;
                    }
                    path.extend(back.into_iter().rev().map(str::to_string));
                    path.push(id.to_string());
                    return Some(path);
                }
                if !came_from.contains_key(next.as_str()) {
                    came_from.insert(next.as_str(), current);
                    queue.push_back(next.as_str());
                }
            }
        }
        None
    }
}

fn to_group(id: &str, stored: &Stored) -> Group {
    Group {
        id: id.to_string(),
        name: stored.name.clone(),
        parents: stored.parents.clone(),
    }
}

fn self_parent(id: &str) -> StoreError {
    StoreError::Invalid(format!("The user group `{id}` cannot be its own parent."))
}

/// The schema rules of one group: id pattern, name length, parent id pattern.
fn check_fields(group: &Group) -> Result<(), StoreError> {
    if !is_valid_id(&group.id) {
        return Err(StoreError::Invalid(format!(
            "The id `{}` is invalid: it must match {ID_PATTERN}.",
            group.id
        )));
    }
    if let Some(name) = &group.name {
        let chars = name.chars().count();
        if chars > MAX_NAME_CHARS {
            return Err(StoreError::Invalid(format!(
                "The name of `{}` is {chars} characters long; at most {MAX_NAME_CHARS} are allowed.",
                group.id
            )));
        }
    }
    if let Some(bad) = group.parents.iter().find(|p| !is_valid_id(p)) {
        return Err(StoreError::Invalid(format!(
            "The parent id `{bad}` is invalid: it must match {ID_PATTERN}."
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> Store {
        let mut s = Store::new("adminGroup");
        s.create(Group::new("a")).unwrap();
        s.create(Group::new("b").with_parents(["a"])).unwrap();
        s.create(Group::new("c").with_parents(["b"])).unwrap();
        s
    }

    #[test]
    fn cycle_is_reported_with_its_path() {
        let mut s = store();
        let err = s.replace(Group::new("a").with_parents(["c"])).unwrap_err();
        assert_eq!(
            err,
            StoreError::Invalid(
                "Setting these parents would create a cycle: a → c → b → a.".into()
            )
        );
        let err = s.replace(Group::new("a").with_parents(["a"])).unwrap_err();
        assert!(matches!(err, StoreError::Invalid(m) if m.contains("its own parent")));
    }

    #[test]
    fn paging_is_positional_in_both_directions() {
        let mut s = store();
        let ids = |v: Vec<Group>| v.into_iter().map(|g| g.id).collect::<Vec<_>>();
        assert_eq!(ids(s.page(0, 2, false)), ["a", "adminGroup"]);
        assert_eq!(ids(s.page(2, 2, false)), ["b", "c"]);
        assert_eq!(ids(s.page(0, 3, true)), ["c", "b", "adminGroup"]);
        assert!(s.page(4, 2, false).is_empty());
        s.create(Group::new("aa")).unwrap();
        assert_eq!(ids(s.page(1, 2, false)), ["aa", "adminGroup"]);
    }

    #[test]
    fn layout_replace_keeps_members_of_survivors() {
        let mut s = store();
        s.upsert_unchecked(
            Group::new("a"),
            Some(["u1".to_string()].into_iter().collect()),
        );
        s.replace_all(vec![
            Group::new("a").with_name("A"),
            Group::new("adminGroup"),
        ])
        .unwrap();
        let ids: Vec<_> = s.all().into_iter().map(|g| g.id).collect();
        assert_eq!(ids, ["a", "adminGroup"]);
        assert_eq!(s.members("a").unwrap(), [crate::user::User::new("u1")]);
        let err = s
            .replace_all(vec![
                Group::new("x").with_parents(["y"]),
                Group::new("adminGroup"),
            ])
            .unwrap_err();
        assert!(matches!(err, StoreError::Invalid(m) if m.contains("does not exist")));
    }
}
