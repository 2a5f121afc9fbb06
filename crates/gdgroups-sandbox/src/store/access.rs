//! Workspaces, data sources, and the direct permissions of users and groups on them and on the
//! organization. Every change checks that each assignee and each target exists before anything
//! changes, so a refused request changes nothing.

use std::collections::BTreeSet;

use super::{Store, StoreError};
use crate::access::{
    Access, Assignee, AssigneeKind, DataSourcePermission, OrganizationPermission, WorkspaceAccess,
};
use crate::catalog::{DataSource, Workspace};

/// The targets of one permission change: workspaces with their permissions and data sources
/// with theirs (`PermissionsAssignment` without the assignees).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Grants {
    pub workspaces: Vec<(String, WorkspaceAccess)>,
    pub data_sources: Vec<(String, BTreeSet<DataSourcePermission>)>,
}

impl Store {
    pub(crate) fn insert_workspace(&mut self, workspace: Workspace) {
        self.workspaces.insert(workspace.id.clone(), workspace);
    }

    pub(crate) fn insert_data_source(&mut self, data_source: DataSource) {
        self.data_sources
            .insert(data_source.id.clone(), data_source);
    }

    pub(crate) fn workspace(&self, id: &str) -> Option<&Workspace> {
        self.workspaces.get(id)
    }

    pub(crate) fn workspaces_len(&self) -> usize {
        self.workspaces.len()
    }

    pub(crate) fn workspaces_page(
        &mut self,
        offset: usize,
        len: usize,
        descending: bool,
    ) -> Vec<Workspace> {
        let ids = self.workspaces.page(offset, len, descending);
        ids.iter()
            .filter_map(|id| self.workspaces.get(id).cloned())
            .collect()
    }

    /// Every workspace, ascending by id.
    pub(crate) fn all_workspaces(&self) -> Vec<Workspace> {
        self.workspaces.iter().map(|(_, w)| w.clone()).collect()
    }

    /// Every data source, ascending by id.
    pub(crate) fn all_data_sources(&self) -> Vec<DataSource> {
        self.data_sources.iter().map(|(_, d)| d.clone()).collect()
    }

    pub(crate) fn data_source(&self, id: &str) -> Option<&DataSource> {
        self.data_sources.get(id)
    }

    pub(crate) fn data_sources_len(&self) -> usize {
        self.data_sources.len()
    }

    pub(crate) fn data_sources_page(
        &mut self,
        offset: usize,
        len: usize,
        descending: bool,
    ) -> Vec<DataSource> {
        let ids = self.data_sources.page(offset, len, descending);
        ids.iter()
            .filter_map(|id| self.data_sources.get(id).cloned())
            .collect()
    }

    /// Checks that every workspace parent exists and that the parents form no cycle.
    pub(crate) fn check_workspaces(&self) -> Result<(), String> {
        for (id, workspace) in self.workspaces.iter() {
            let mut seen = BTreeSet::from([id.as_str()]);
            let mut path = vec![id.as_str()];
            let mut at = workspace;
            while let Some(parent) = at.parent.as_deref() {
                path.push(parent);
                let Some(next) = self.workspaces.get(parent) else {
                    return Err(format!(
                        "workspace `{}` has parent `{parent}`, which does not exist",
                        at.id
                    ));
                };
                if !seen.insert(parent) {
                    return Err(format!(
                        "the workspace parents form a cycle: {}",
                        path.join(" → ")
                    ));
                }
                at = next;
            }
        }
        Ok(())
    }

    /// The direct permissions of a user or group; `None` when it does not exist.
    pub(crate) fn access(&self, assignee: &Assignee) -> Option<&Access> {
        match assignee.kind {
            AssigneeKind::User => self.user_access(&assignee.id),
            AssigneeKind::UserGroup => self.groups.get(&assignee.id).map(|g| &g.access),
        }
    }

    fn access_mut(&mut self, assignee: &Assignee) -> Option<&mut Access> {
        match assignee.kind {
            AssigneeKind::User => self.user_access_mut(&assignee.id),
            AssigneeKind::UserGroup => self.groups.get_mut(&assignee.id).map(|g| &mut g.access),
        }
    }

    /// Replaces everything an existing assignee may reach directly (a direct test edit).
    pub(crate) fn set_access(&mut self, assignee: &Assignee, access: Access) -> bool {
        match self.access_mut(assignee) {
            Some(slot) => {
                *slot = access;
                true
            }
            None => false,
        }
    }

    /// `assignPermissions`: for each assignee, each listed workspace's permissions and hierarchy
    /// permissions and each listed data source's permissions become exactly the given ones
    /// (`test_assign_permissions_bulk.yaml`: ANALYZE was replaced by VIEW); what is not listed
    /// stays. An entry left with no permission is removed.
    pub(crate) fn assign(
        &mut self,
        assignees: &[Assignee],
        grants: &Grants,
    ) -> Result<(), StoreError> {
        self.check_change(assignees, grants)?;
        for assignee in assignees {
            if let Some(access) = self.access_mut(assignee) {
                for (id, workspace) in &grants.workspaces {
                    access.set_workspace(id, workspace.clone());
                }
                for (id, permissions) in &grants.data_sources {
                    access.set_data_source(id, permissions.clone());
                }
            }
        }
        Ok(())
    }

    /// `revokePermissions`: removes the listed permissions (and hierarchy permissions) from each
    /// assignee; an entry left with none is removed (`test_revoke_permissions_bulk.yaml`).
    pub(crate) fn revoke(
        &mut self,
        assignees: &[Assignee],
        grants: &Grants,
    ) -> Result<(), StoreError> {
        self.check_change(assignees, grants)?;
        for assignee in assignees {
            if let Some(access) = self.access_mut(assignee) {
                for (id, workspace) in &grants.workspaces {
                    access.revoke_workspace(id, workspace);
                }
                for (id, permissions) in &grants.data_sources {
                    access.revoke_data_source(id, permissions);
                }
            }
        }
        Ok(())
    }

    fn check_change(&self, assignees: &[Assignee], grants: &Grants) -> Result<(), StoreError> {
        if assignees.is_empty() {
            return Err(StoreError::Invalid(
                "`assignees` must name at least one user or user group.".into(),
            ));
        }
        self.check_assignees(assignees.iter())?;
        let mut seen = BTreeSet::new();
        for (id, _) in &grants.workspaces {
            if !seen.insert(id) {
                return Err(StoreError::Invalid(format!(
                    "The workspace `{id}` is listed more than once."
                )));
            }
            if !self.workspaces.contains(id) {
                return Err(StoreError::Missing(format!("Workspace `{id}` not found.")));
            }
        }
        let mut seen = BTreeSet::new();
        for (id, _) in &grants.data_sources {
            if !seen.insert(id) {
                return Err(StoreError::Invalid(format!(
                    "The data source `{id}` is listed more than once."
                )));
            }
            if !self.data_sources.contains(id) {
                return Err(StoreError::Missing(format!(
                    "Data source `{id}` not found."
                )));
            }
        }
        Ok(())
    }

    fn check_assignees<'a>(
        &self,
        assignees: impl Iterator<Item = &'a Assignee>,
    ) -> Result<(), StoreError> {
        let mut seen = BTreeSet::new();
        for assignee in assignees {
            if !seen.insert(assignee) {
                return Err(StoreError::Invalid(format!(
                    "The assignee `{}` ({}) is listed more than once.",
                    assignee.id,
                    assignee.kind.as_str()
                )));
            }
            if self.access(assignee).is_none() {
                return Err(StoreError::Missing(match assignee.kind {
                    AssigneeKind::User => format!("User `{}` not found.", assignee.id),
                    AssigneeKind::UserGroup => format!("User group `{}` not found.", assignee.id),
                }));
            }
        }
        Ok(())
    }

    /// `organization/managePermissions`: each listed assignee's organization permissions become
    /// exactly the given ones; an empty list removes them.
    pub(crate) fn manage_organization(
        &mut self,
        assignments: &[(Assignee, BTreeSet<OrganizationPermission>)],
    ) -> Result<(), StoreError> {
        self.check_assignees(assignments.iter().map(|(a, _)| a))?;
        for (assignee, permissions) in assignments {
            if let Some(access) = self.access_mut(assignee) {
                access.organization.clone_from(permissions);
            }
        }
        Ok(())
    }

    /// Every organization permission as `(assignee, permission)`: users before groups, then by
    /// id and permission.
    pub(crate) fn organization_permissions(&self) -> Vec<(Assignee, OrganizationPermission)> {
        let users = self
            .users
            .iter()
            .map(|(id, u)| (Assignee::user(id), &u.access));
        let groups = self
            .groups
            .iter()
            .map(|(id, g)| (Assignee::group(id), &g.access));
        users
            .chain(groups)
            .flat_map(|(assignee, access)| {
                access
                    .organization
                    .iter()
                    .map(move |p| (assignee.clone(), *p))
            })
            .collect()
    }

    /// The layout PUT of organization permissions: the given list becomes every organization
    /// permission there is; assignees left out lose theirs.
    pub(crate) fn replace_organization_permissions(
        &mut self,
        permissions: &[(Assignee, OrganizationPermission)],
    ) -> Result<(), StoreError> {
        for (assignee, _) in permissions {
            self.check_assignees(std::iter::once(assignee))?;
        }
        for stored in self.users.values_mut() {
            stored.access.organization.clear();
        }
        for stored in self.groups.values_mut() {
            stored.access.organization.clear();
        }
        for (assignee, permission) in permissions {
            if let Some(access) = self.access_mut(assignee) {
                access.organization.insert(*permission);
            }
        }
        Ok(())
    }

    /// The organization permissions a group holds, its own and those of every group above it.
    pub(crate) fn group_organization(&self, group: &str) -> BTreeSet<OrganizationPermission> {
        self.with_ancestors(group)
            .into_iter()
            .filter_map(|id| self.groups.get(id))
            .flat_map(|stored| stored.access.organization.iter().copied())
            .collect()
    }

    /// The organization permissions a user holds: its own and those of its groups (with their
    /// parents). Empty for an unknown user.
    pub(crate) fn user_organization(&self, user: &str) -> BTreeSet<OrganizationPermission> {
        let Some(stored) = self.users.get(user) else {
            return BTreeSet::new();
        };
        let mut permissions = stored.access.organization.clone();
        for group in &stored.groups {
            permissions.extend(self.group_organization(group));
        }
        permissions
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::WorkspacePermission::{Analyze, Manage, View};
    use crate::group::Group;

    fn store() -> Store {
        let mut store = Store::new("adminGroup");
        store.create(Group::new("g")).unwrap();
        store.create(Group::new("kid").with_parents(["g"])).unwrap();
        store.insert_workspace(Workspace::new("w"));
        store.insert_data_source(DataSource::new("d"));
        store.set_members("kid", &["ann".to_string()].into());
        store
    }

    fn grants(workspace: WorkspaceAccess) -> Grants {
        Grants {
            workspaces: vec![("w".into(), workspace)],
            data_sources: vec![("d".into(), [DataSourcePermission::Use].into())],
        }
    }

    #[test]
    fn assign_sets_revoke_subtracts_and_refusals_change_nothing() {
        let mut store = store();
        let both = [Assignee::group("g"), Assignee::user("ann")];
        store
            .assign(
                &both,
                &grants(WorkspaceAccess::new([Analyze]).with_hierarchy([Manage])),
            )
            .unwrap();
        store
            .assign(&both[..1], &grants(WorkspaceAccess::new([View])))
            .unwrap();
        let group = store.access(&both[0]).unwrap();
        assert_eq!(group.workspaces["w"], WorkspaceAccess::new([View]));
        let user = store.access(&both[1]).unwrap().clone();
        assert_eq!(
            user.workspaces["w"],
            WorkspaceAccess::new([Analyze]).with_hierarchy([Manage])
        );

        for (bad, expected) in [
            (
                vec![Assignee::group("g"), Assignee::group("nope")],
                StoreError::Missing("User group `nope` not found.".into()),
            ),
            (
                vec![Assignee::user("g")],
                StoreError::Missing("User `g` not found.".into()),
            ),
            (
                vec![],
                StoreError::Invalid(
                    "`assignees` must name at least one user or user group.".into(),
                ),
            ),
        ] {
            assert_eq!(
                store.revoke(&bad, &grants(WorkspaceAccess::new([View]))),
                Err(expected)
            );
        }
        let mut missing = grants(WorkspaceAccess::new([View]));
        missing
            .workspaces
            .push(("elsewhere".into(), WorkspaceAccess::new([View])));
        assert_eq!(
            store.assign(&both, &missing),
            Err(StoreError::Missing(
                "Workspace `elsewhere` not found.".into()
            ))
        );
        assert_eq!(store.access(&both[1]).unwrap(), &user, "nothing changed");

        store
            .revoke(
                &both[1..],
                &grants(WorkspaceAccess::new([Analyze]).with_hierarchy([Manage])),
            )
            .unwrap();
        assert!(store.access(&both[1]).unwrap().is_empty());
    }

    #[test]
    fn organization_permissions_flow_to_members_and_child_groups() {
        let mut store = store();
        assert!(store.user_organization("ann").is_empty());
        store
            .manage_organization(&[(
                Assignee::group("g"),
                [OrganizationPermission::Manage].into(),
            )])
            .unwrap();
        assert!(
            store
                .group_organization("kid")
                .contains(&OrganizationPermission::Manage)
        );
        assert!(
            store
                .user_organization("ann")
                .contains(&OrganizationPermission::Manage)
        );
        assert_eq!(
            store.organization_permissions(),
            [
                (
                    Assignee::group("adminGroup"),
                    OrganizationPermission::Manage
                ),
                (Assignee::group("g"), OrganizationPermission::Manage),
            ]
        );
        store
            .replace_organization_permissions(&[(
                Assignee::user("ann"),
                OrganizationPermission::BaseUiAccess,
            )])
            .unwrap();
        assert_eq!(
            store.organization_permissions(),
            [(Assignee::user("ann"), OrganizationPermission::BaseUiAccess)]
        );
        store.delete("g").unwrap();
        assert!(store.group_organization("kid").is_empty());
    }

    #[test]
    fn workspace_parents_must_exist_without_a_cycle() {
        let mut store = store();
        store.insert_workspace(Workspace::new("child").with_parent("w"));
        assert_eq!(store.check_workspaces(), Ok(()));
        store.insert_workspace(Workspace::new("w").with_parent("child"));
        assert_eq!(
            store.check_workspaces(),
            Err("the workspace parents form a cycle: child → w → child".into())
        );
        store.insert_workspace(Workspace::new("w").with_parent("gone"));
        assert!(store.check_workspaces().unwrap_err().contains("`gone`"));
    }
}
