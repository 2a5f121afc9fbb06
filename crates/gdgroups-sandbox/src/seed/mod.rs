//! The organization a sandbox starts with ([`Seed`]): groups with their members and
//! permissions, users, workspaces and data sources; read from a file by [`load_seed`], and
//! turned into the store with the same rules the API enforces.

mod check;
mod file;
mod format;

use std::collections::BTreeSet;

pub use file::{SeedError, load_seed, parse_seed};

use crate::access::{Access, Assignee, OrganizationPermission};
use crate::catalog::{DataSource, Workspace};
use crate::group::{Group, is_valid_id};
use crate::store::Store;
use crate::user::User;

/// Everything a sandbox starts with. The bootstrap group and the token's user are added when
/// missing (see [`crate::SandboxConfig`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Seed {
    /// The groups, with their members and direct permissions.
    pub groups: Vec<SeedGroup>,
    /// The users, with their groups and direct permissions. A user named only as a group's
    /// member exists too, with just its id.
    pub users: Vec<SeedUser>,
    /// The workspaces. One that a permission names without it being listed exists too, with
    /// just its id.
    pub workspaces: Vec<Workspace>,
    /// The data sources. One that a permission names without it being listed exists too,
    /// named like its id.
    pub data_sources: Vec<DataSource>,
}

impl From<Vec<SeedGroup>> for Seed {
    fn from(groups: Vec<SeedGroup>) -> Self {
        Self {
            groups,
            ..Self::default()
        }
    }
}

impl FromIterator<SeedGroup> for Seed {
    fn from_iter<I: IntoIterator<Item = SeedGroup>>(groups: I) -> Self {
        Self::from(groups.into_iter().collect::<Vec<_>>())
    }
}

/// One seeded group: the group, the ids of its members and what it may reach directly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedGroup {
    /// The group.
    pub group: Group,
    /// User ids; they feed `userCount`, the members action and the users' `userGroups`.
    pub members: Vec<String>,
    /// Direct permissions. The bootstrap group holds organization `MANAGE` in any case.
    pub access: Access,
}

impl SeedGroup {
    /// A seeded group without members or permissions.
    pub fn new(group: Group) -> Self {
        Self {
            group,
            members: Vec::new(),
            access: Access::default(),
        }
    }

    /// Sets the members.
    #[must_use]
    pub fn with_members<I, S>(mut self, members: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.members = members.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the direct permissions.
    #[must_use]
    pub fn with_access(mut self, access: Access) -> Self {
        self.access = access;
        self
    }
}

/// One seeded user: the user, the ids of its groups and what it may reach directly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedUser {
    /// The user.
    pub user: User,
    /// Group ids; each must be a seeded group (or the bootstrap group).
    pub groups: Vec<String>,
    /// Direct permissions of the user itself.
    pub access: Access,
}

impl SeedUser {
    /// A seeded user without groups or permissions.
    pub fn new(user: User) -> Self {
        Self {
            user,
            groups: Vec::new(),
            access: Access::default(),
        }
    }

    /// Sets the groups.
    #[must_use]
    pub fn with_groups<I, S>(mut self, groups: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.groups = groups.into_iter().map(Into::into).collect();
        self
    }
}

impl Seed {
    /// The store this seed describes, checked like the API checks changes. `token_user` exists
    /// afterwards: when the seed names it nowhere, as a member of the bootstrap group.
    pub(crate) fn build(&self, bootstrap: &str, token_user: &str) -> Result<Store, String> {
        for (what, id) in [("bootstrap group", bootstrap), ("token user", token_user)] {
            if !is_valid_id(id) {
                return Err(format!("the {what} id `{id}` is invalid"));
            }
        }
        let mut store = Store::new(bootstrap);
        let mut seen = BTreeSet::new();
        for workspace in &self.workspaces {
            check_id("workspace", &workspace.id, &mut seen)?;
            store.insert_workspace(workspace.clone());
        }
        let mut seen = BTreeSet::new();
        for data_source in &self.data_sources {
            check_id("data source", &data_source.id, &mut seen)?;
            store.insert_data_source(data_source.clone());
        }
        let mut seen = BTreeSet::new();
        for seed in &self.groups {
            check_id("group", &seed.group.id, &mut seen)?;
            for member in &seed.members {
                if !is_valid_id(member) {
                    return Err(format!(
                        "the member id `{member}` of group `{}` is invalid",
                        seed.group.id
                    ));
                }
            }
            store.upsert_unchecked(
                seed.group.clone(),
                Some(seed.members.iter().cloned().collect()),
            );
        }
        store.check_consistency()?;
        store.check_workspaces()?;
        let mut seen = BTreeSet::new();
        for seed in &self.users {
            check_id("user", &seed.user.id, &mut seen)?;
            store.upsert_user_unchecked(seed.user.clone(), None);
            store
                .join_groups(&seed.user.id, &seed.groups)
                .map_err(|e| format!("user `{}`: {e}", seed.user.id))?;
        }
        if store.user(token_user).is_none() {
            store.ensure_user(token_user);
            store
                .join_groups(token_user, &[bootstrap.to_string()])
                .map_err(|e| format!("token user `{token_user}`: {e}"))?;
        }
        let grants = self
            .groups
            .iter()
            .map(|g| (Assignee::group(&g.group.id), &g.access))
            .chain(
                self.users
                    .iter()
                    .map(|u| (Assignee::user(&u.user.id), &u.access)),
            );
        for (assignee, access) in grants {
            check_access(&assignee, access)?;
            for id in access.workspaces.keys() {
                if store.workspace(id).is_none() {
                    store.insert_workspace(Workspace::new(id));
                }
            }
            for id in access.data_sources.keys() {
                if store.data_source(id).is_none() {
                    store.insert_data_source(DataSource::new(id));
                }
            }
            let mut access = access.clone().normalized();
            if assignee == Assignee::group(bootstrap) {
                access.organization.insert(OrganizationPermission::Manage);
            }
            store.set_access(&assignee, access);
        }
        Ok(store)
    }
}

fn check_id<'a>(what: &str, id: &'a str, seen: &mut BTreeSet<&'a str>) -> Result<(), String> {
    if !is_valid_id(id) {
        return Err(format!("the seed {what} id `{id}` is invalid"));
    }
    if !seen.insert(id) {
        return Err(format!("the seed declares {what} `{id}` twice"));
    }
    Ok(())
}

/// Every workspace and data source a permission names has a valid id.
fn check_access(assignee: &Assignee, access: &Access) -> Result<(), String> {
    let ids = access.workspaces.keys().chain(access.data_sources.keys());
    if let Some(bad) = ids.into_iter().find(|id| !is_valid_id(id)) {
        return Err(format!(
            "the permissions of `{}` name the invalid id `{bad}`",
            assignee.id
        ));
    }
    Ok(())
}
