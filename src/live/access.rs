//! The live side of members and permissions (spec §11): what the server holds for the facets a
//! file manages, read in a few paged listings (`Client::fetch_access`), never per group unless
//! the server lacks the listing.

use std::collections::{BTreeMap, BTreeSet};

use crate::access::{DataSourceAccess, Facet, Facets, OrganizationPermission, WorkspaceAccess};

static NO_USERS: BTreeSet<String> = BTreeSet::new();
static NO_WORKSPACES: WorkspaceAccess = BTreeMap::new();
static NO_DATA_SOURCES: DataSourceAccess = BTreeMap::new();
static NO_PERMISSIONS: BTreeSet<OrganizationPermission> = BTreeSet::new();

/// Users, workspaces and data sources of the organization, and every group's direct members and
/// permissions, for the facets in [`LiveAccess::facets`]. The fields of a facet that was not read
/// are empty and mean nothing. Per-group values have the shape of `desired::Access`'s, so the plan
/// compares them directly: a group with no members or no direct access has no entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveAccess {
    /// The facets read.
    pub facets: Facets,
    /// Every user id (read with [`Facet::Members`]).
    pub users: BTreeSet<String>,
    /// Direct members per group id ([`Facet::Members`]).
    pub members: BTreeMap<String, BTreeSet<String>>,
    /// Every workspace id ([`Facet::Workspaces`]).
    pub workspaces: BTreeSet<String>,
    /// Every data source id ([`Facet::DataSources`]).
    pub data_sources: BTreeSet<String>,
    /// Direct workspace permissions per group id ([`Facet::Workspaces`]); what a group
    /// inherits (from parent groups, down the workspace hierarchy) is not here.
    pub workspace_access: BTreeMap<String, WorkspaceAccess>,
    /// Direct data-source permissions per group id ([`Facet::DataSources`]).
    pub data_source_access: BTreeMap<String, DataSourceAccess>,
    /// Organization permissions per group id ([`Facet::Organization`], or read for the
    /// lock-out guard).
    pub organization: BTreeMap<String, BTreeSet<OrganizationPermission>>,
    /// Organization permissions assigned to users themselves, not through a group (read with
    /// `organization`).
    pub user_organization: BTreeMap<String, BTreeSet<OrganizationPermission>>,
    /// The token's own user and its groups, when asked for (the lock-out guard).
    pub token_user: Option<TokenUser>,
    /// Users per group from the user-management listing, when it was read for workspace or
    /// data-source permissions and counted every group: the member counts of deletes
    /// ([`crate::live::Live::member_counts`]), so a plan that needs both reads the listing once.
    pub member_counts: Option<BTreeMap<String, u64>>,
    /// Permission names the server reported that this version of gdgroups does not know. They are
    /// left out of the sets above; writing a whole set where one sits would drop it, so the plan
    /// must not change such a set without saying so.
    pub unrecognized: Vec<Unrecognized>,
}

impl LiveAccess {
    /// The group's direct members (empty when it has none, or members were not read).
    pub fn members_of(&self, group: &str) -> &BTreeSet<String> {
        self.members.get(group).unwrap_or(&NO_USERS)
    }

    /// The group's direct workspace permissions.
    pub fn workspaces_of(&self, group: &str) -> &WorkspaceAccess {
        self.workspace_access.get(group).unwrap_or(&NO_WORKSPACES)
    }

    /// The group's direct data-source permissions.
    pub fn data_sources_of(&self, group: &str) -> &DataSourceAccess {
        self.data_source_access
            .get(group)
            .unwrap_or(&NO_DATA_SOURCES)
    }

    /// The group's organization permissions.
    pub fn organization_of(&self, group: &str) -> &BTreeSet<OrganizationPermission> {
        self.organization.get(group).unwrap_or(&NO_PERMISSIONS)
    }

    /// Everything the group has, in one value (empty where a facet was not read).
    pub fn group_access(&self, group: &str) -> crate::access::GroupAccess {
        crate::access::GroupAccess {
            members: self.members_of(group).clone(),
            workspaces: self.workspaces_of(group).clone(),
            data_sources: self.data_sources_of(group).clone(),
            organization: self.organization_of(group).clone(),
        }
    }

    /// Whether the facet was read, so its fields can be trusted.
    pub fn has(&self, facet: Facet) -> bool {
        self.facets.contains(facet)
    }
}

/// The user an API token belongs to (`GET /api/v1/profile`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenUser {
    /// The user's id.
    pub id: String,
    /// The groups it is a direct member of.
    pub groups: BTreeSet<String>,
}

/// A permission name the server reported and gdgroups does not know.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Unrecognized {
    /// The assignee: a group id (or a user id, for organization permissions of users).
    pub assignee: String,
    /// Where the name was: workspace, hierarchy, data source or organization permissions.
    pub facet: Facet,
    /// The workspace or data source it applies to (`None` for the organization).
    pub target: Option<String>,
    /// The name as the server wrote it.
    pub name: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::{WorkspacePermission, WorkspacePermissions};

    #[test]
    fn per_group_values_default_to_none() {
        let mut live = LiveAccess::default();
        live.members
            .insert("sales".into(), BTreeSet::from(["zoe".to_string()]));
        live.workspace_access.insert(
            "sales".into(),
            BTreeMap::from([(
                "w".to_string(),
                WorkspacePermissions::only([WorkspacePermission::View]),
            )]),
        );
        assert_eq!(live.members_of("sales").len(), 1);
        assert!(live.members_of("other").is_empty());
        assert_eq!(live.workspaces_of("sales").len(), 1);
        assert!(live.workspaces_of("other").is_empty());
        assert!(live.data_sources_of("sales").is_empty());
        assert!(live.organization_of("sales").is_empty());
        assert!(!live.has(Facet::Members), "nothing was read");
    }
}
