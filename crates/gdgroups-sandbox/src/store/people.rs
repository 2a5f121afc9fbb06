//! Users and memberships. A membership is recorded on both sides (the group's members, the
//! user's groups) and only these functions change it.

use std::collections::BTreeSet;

use super::{Store, StoreError, StoredUser};
use crate::access::Access;
use crate::user::User;

/// A user with the ids of its groups, ascending.
#[derive(Debug, Clone)]
pub(crate) struct UserRow {
    pub user: User,
    pub groups: Vec<String>,
}

impl Store {
    /// Inserts or replaces a user's details without any check (its groups must exist; others
    /// are ignored). `groups: None` keeps the memberships of an existing user.
    pub(crate) fn upsert_user_unchecked(&mut self, user: User, groups: Option<BTreeSet<String>>) {
        let id = user.id.clone();
        self.users.entry_or_default(&id).user = user;
        if let Some(groups) = groups {
            let current = self
                .users
                .get(&id)
                .map(|stored| stored.groups.clone())
                .unwrap_or_default();
            for group in current.difference(&groups) {
                self.leave(&id, group);
            }
            for group in groups.difference(&current) {
                self.join(&id, group);
            }
        }
    }

    /// Removes a user with its memberships and permissions; `false` when there is none.
    pub(crate) fn remove_user_unchecked(&mut self, id: &str) -> bool {
        let Some(removed) = self.users.remove(id) else {
            return false;
        };
        for group in &removed.groups {
            if let Some(stored) = self.groups.get_mut(group) {
                stored.members.remove(id);
            }
        }
        true
    }

    /// Creates the user `id`, with only its id, when it does not exist.
    pub(crate) fn ensure_user(&mut self, id: &str) {
        let stored = self.users.entry_or_default(id);
        if stored.user.id.is_empty() {
            stored.user.id = id.to_string();
        }
    }

    /// Sets the members of an existing group, creating users that do not exist.
    pub(crate) fn set_members(&mut self, group: &str, members: &BTreeSet<String>) {
        let Some(current) = self.groups.get(group).map(|g| g.members.clone()) else {
            return;
        };
        for user in current.difference(members) {
            self.leave(user, group);
        }
        for user in members.difference(&current) {
            self.ensure_user(user);
            self.join(user, group);
        }
    }

    fn join(&mut self, user: &str, group: &str) {
        let (Some(stored_user), true) = (self.users.get_mut(user), self.groups.contains(group))
        else {
            return;
        };
        stored_user.groups.insert(group.to_string());
        if let Some(stored) = self.groups.get_mut(group) {
            stored.members.insert(user.to_string());
        }
    }

    fn leave(&mut self, user: &str, group: &str) {
        if let Some(stored_user) = self.users.get_mut(user) {
            stored_user.groups.remove(group);
        }
        if let Some(stored) = self.groups.get_mut(group) {
            stored.members.remove(user);
        }
    }

    pub(crate) fn users_len(&self) -> usize {
        self.users.len()
    }

    pub(crate) fn user(&self, id: &str) -> Option<UserRow> {
        self.users.get(id).map(row)
    }

    /// Every user, ascending by id.
    pub(crate) fn all_users(&self) -> Vec<UserRow> {
        self.users.iter().map(|(_, stored)| row(stored)).collect()
    }

    /// The users at positions `offset..offset + len` of the id order.
    pub(crate) fn users_page(
        &mut self,
        offset: usize,
        len: usize,
        descending: bool,
    ) -> Vec<UserRow> {
        let ids = self.users.page(offset, len, descending);
        ids.iter().filter_map(|id| self.user(id)).collect()
    }

    /// The direct members of a group, ascending by id; `None` when the group does not exist.
    pub(crate) fn members(&self, group: &str) -> Option<Vec<User>> {
        let stored = self.groups.get(group)?;
        Some(
            stored
                .members
                .iter()
                .filter_map(|id| self.users.get(id).map(|u| u.user.clone()))
                .collect(),
        )
    }

    /// `addMembers`: every user must exist; then all join at once (members already in stay).
    pub(crate) fn add_members(&mut self, group: &str, users: &[String]) -> Result<(), StoreError> {
        self.check_membership_change(group, users)?;
        for user in users {
            self.join(user, group);
        }
        Ok(())
    }

    /// `removeMembers`: every user must exist; users who are not members are left as they are.
    pub(crate) fn remove_members(
        &mut self,
        group: &str,
        users: &[String],
    ) -> Result<(), StoreError> {
        self.check_membership_change(group, users)?;
        for user in users {
            self.leave(user, group);
        }
        Ok(())
    }

    /// Makes an existing user a member of each of `groups`; fails on the first group that does
    /// not exist (for seeding).
    pub(crate) fn join_groups(&mut self, user: &str, groups: &[String]) -> Result<(), String> {
        if let Some(missing) = groups.iter().find(|g| !self.groups.contains(g)) {
            return Err(format!("the group `{missing}` is not seeded"));
        }
        for group in groups {
            self.join(user, group);
        }
        Ok(())
    }

    fn check_membership_change(&self, group: &str, users: &[String]) -> Result<(), StoreError> {
        if !self.groups.contains(group) {
            return Err(StoreError::NotFound);
        }
        let missing: Vec<&str> = users
            .iter()
            .filter(|u| !self.users.contains(u))
            .map(String::as_str)
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(StoreError::Missing(format!(
                "User(s) not found: {}.",
                missing.join(", ")
            )))
        }
    }

    /// The direct permissions of a user.
    pub(crate) fn user_access(&self, id: &str) -> Option<&Access> {
        self.users.get(id).map(|stored| &stored.access)
    }

    pub(crate) fn user_access_mut(&mut self, id: &str) -> Option<&mut Access> {
        self.users.get_mut(id).map(|stored| &mut stored.access)
    }
}

fn row(stored: &StoredUser) -> UserRow {
    UserRow {
        user: stored.user.clone(),
        groups: stored.groups.iter().cloned().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::group::Group;

    #[test]
    fn memberships_stay_the_same_from_both_sides() {
        let mut store = Store::new("adminGroup");
        store.create(Group::new("a")).unwrap();
        store.create(Group::new("b")).unwrap();
        store.set_members("a", &["ann".to_string(), "bob".to_string()].into());
        store.add_members("b", &["ann".to_string()]).unwrap();
        assert_eq!(store.user("ann").unwrap().groups, ["a", "b"]);
        let ids = |users: Vec<User>| users.into_iter().map(|u| u.id).collect::<Vec<_>>();
        assert_eq!(ids(store.members("a").unwrap()), ["ann", "bob"]);

        // An unknown user refuses the whole change.
        let err = store
            .add_members("b", &["bob".to_string(), "nobody".to_string()])
            .unwrap_err();
        assert_eq!(
            err,
            StoreError::Missing("User(s) not found: nobody.".into())
        );
        assert_eq!(ids(store.members("b").unwrap()), ["ann"]);
        assert_eq!(store.add_members("zz", &[]), Err(StoreError::NotFound));

        store.remove_members("a", &["ann".to_string()]).unwrap();
        assert_eq!(store.user("ann").unwrap().groups, ["b"]);
        store.delete("b").unwrap();
        assert!(store.user("ann").unwrap().groups.is_empty());

        store.upsert_user_unchecked(User::new("bob"), Some(["adminGroup".to_string()].into()));
        assert_eq!(store.user("bob").unwrap().groups, ["adminGroup"]);
        assert!(store.members("a").unwrap().is_empty());
        assert!(store.remove_user_unchecked("bob"));
        assert!(store.members("adminGroup").unwrap().is_empty());
    }
}
