//! The API's documents for users, memberships and permissions (spec §11), as in the OpenAPI spec
//! (`tests/fixtures/gooddata/openapi/members-permissions-subset.openapi.json`) and the recordings.
//!
//! Answers keep permission names as strings: a name this version does not know is reported
//! (`LiveAccess::unrecognized`), not a reason to refuse the whole listing.

use serde::{Deserialize, Serialize};

use super::model::{ListMeta, ToMany};
use crate::access::{
    DataSourcePermission, OrganizationPermission, PermissionGrant, WorkspacePermission,
};

/// The assignee type of a user group in permission bodies.
pub(crate) const USER_GROUP: &str = "userGroup";

/// One page of a JSON:API entity listing.
#[derive(Debug, Deserialize)]
pub(crate) struct EntityPage<T> {
    pub data: Vec<T>,
    #[serde(default)]
    pub meta: Option<ListMeta>,
}

/// An entity of which only the id matters (workspaces, data sources).
#[derive(Debug, Deserialize)]
pub(crate) struct EntityId {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
}

/// A user with its groups: `GET /api/v1/entities/users?include=userGroups`.
#[derive(Debug, Deserialize)]
pub(crate) struct UserResource {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub relationships: Option<UserRelationships>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserRelationships {
    #[serde(default)]
    pub user_groups: Option<ToMany>,
}

impl UserResource {
    /// The ids of the user's groups (direct memberships).
    pub(crate) fn group_ids(&self) -> impl Iterator<Item = &str> {
        self.relationships
            .iter()
            .filter_map(|r| r.user_groups.as_ref())
            .flat_map(|m| m.data.iter().map(|l| l.id.as_str()))
    }
}

/// `GET /api/v1/entities/users/{id}?include=userGroups`.
#[derive(Debug, Deserialize)]
pub(crate) struct UserDocument {
    pub data: UserResource,
}

/// `GET /api/v1/actions/userManagement/userGroups?page&size`: zero-based pages, `totalCount`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserGroupsPage {
    pub total_count: u64,
    pub user_groups: Vec<UserGroupItem>,
}

/// One group of that listing. The spec requires `workspaces` and `dataSources`; a server
/// that leaves them out does not report permissions here (the per-group GET is used instead).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserGroupItem {
    pub id: String,
    /// How many users belong to the group: the member counts of deletes, so a plan that needs
    /// both reads the listing once.
    #[serde(default)]
    pub user_count: Option<u64>,
    #[serde(default)]
    pub workspaces: Option<Vec<WorkspaceAssignment>>,
    #[serde(default)]
    pub data_sources: Option<Vec<DataSourceAssignment>>,
}

/// `GET /api/v1/actions/userManagement/userGroups/{id}/permissions`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PermissionAssignments {
    #[serde(default)]
    pub workspaces: Vec<WorkspaceAssignment>,
    #[serde(default)]
    pub data_sources: Vec<DataSourceAssignment>,
}

/// A workspace with the permissions on it, as answered.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WorkspaceAssignment {
    pub id: String,
    #[serde(default)]
    pub permissions: Vec<String>,
    #[serde(default)]
    pub hierarchy_permissions: Vec<String>,
    /// `DIRECT`, `GROUP` or `HIERARCHY`; absent in direct-only answers.
    #[serde(default)]
    pub access_source: Option<String>,
}

/// A data source with the permissions on it, as answered.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DataSourceAssignment {
    pub id: String,
    #[serde(default)]
    pub permissions: Vec<String>,
    #[serde(default)]
    pub access_source: Option<String>,
}

/// Whether an answer's `accessSource` says the assignment is the group's own.
pub(crate) fn is_direct(access_source: Option<&str>) -> bool {
    access_source.is_none_or(|s| s == "DIRECT")
}

/// One row of `GET /api/v1/layout/organization/permissions`.
#[derive(Debug, Deserialize)]
pub(crate) struct OrganizationPermissionRow {
    pub assignee: Assignee,
    pub name: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Assignee {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
}

/// `GET /api/v1/profile`: only who the token belongs to.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Profile {
    pub user_id: String,
}

// ---------------------------------------------------------------------------------------------
// Request bodies

/// `POST …/userGroups/{id}/addMembers` and `removeMembers`: `{members: [{id}]}`.
#[derive(Debug, Serialize)]
pub(crate) struct MembersBody<'a> {
    pub members: Vec<MemberRef<'a>>,
}

#[derive(Debug, Serialize)]
pub(crate) struct MemberRef<'a> {
    pub id: &'a str,
}

impl<'a> MembersBody<'a> {
    pub(crate) fn new(users: impl IntoIterator<Item = &'a str>) -> Self {
        Self {
            members: users.into_iter().map(|id| MemberRef { id }).collect(),
        }
    }
}

/// `POST /api/v1/actions/userManagement/assignPermissions` and `revokePermissions`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PermissionsBody<'a> {
    pub assignees: Vec<AssigneeRef<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub workspaces: Vec<WorkspaceAssignmentIn<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub data_sources: Vec<DataSourceAssignmentIn<'a>>,
}

#[derive(Debug, Serialize)]
pub(crate) struct AssigneeRef<'a> {
    pub id: &'a str,
    #[serde(rename = "type")]
    pub kind: &'static str,
}

impl<'a> AssigneeRef<'a> {
    fn group(id: &'a str) -> Self {
        Self {
            id,
            kind: USER_GROUP,
        }
    }
}

/// The spec requires `hierarchyPermissions`; it is always sent, empty when there are none.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WorkspaceAssignmentIn<'a> {
    pub id: &'a str,
    pub permissions: Vec<WorkspacePermission>,
    pub hierarchy_permissions: Vec<WorkspacePermission>,
}

#[derive(Debug, Serialize)]
pub(crate) struct DataSourceAssignmentIn<'a> {
    pub id: &'a str,
    pub permissions: Vec<DataSourcePermission>,
}

impl<'a> PermissionsBody<'a> {
    pub(crate) fn new(grant: &'a PermissionGrant) -> Self {
        Self {
            assignees: grant.groups.iter().map(|g| AssigneeRef::group(g)).collect(),
            workspaces: grant
                .workspaces
                .iter()
                .map(|(id, p)| WorkspaceAssignmentIn {
                    id,
                    permissions: p.permissions.iter().copied().collect(),
                    hierarchy_permissions: p.hierarchy.iter().copied().collect(),
                })
                .collect(),
            data_sources: grant
                .data_sources
                .iter()
                .map(|(id, p)| DataSourceAssignmentIn {
                    id,
                    permissions: p.iter().copied().collect(),
                })
                .collect(),
        }
    }
}

/// One element of the `POST /api/v1/actions/organization/managePermissions` array: it sets
/// that group's organization permissions (an empty list removes them).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OrganizationAssignmentIn<'a> {
    pub assignee_identifier: AssigneeRef<'a>,
    pub permissions: Vec<OrganizationPermission>,
}

impl<'a> OrganizationAssignmentIn<'a> {
    pub(crate) fn group(
        id: &'a str,
        permissions: impl IntoIterator<Item = OrganizationPermission>,
    ) -> Self {
        Self {
            assignee_identifier: AssigneeRef::group(id),
            permissions: permissions.into_iter().collect(),
        }
    }
}
