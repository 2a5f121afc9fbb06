//! `/api/v1/actions/userManagement`: the groups with their user counts and direct permissions,
//! members (list, add, remove), the direct permissions of one group or user (read and set), and
//! the bulk `assignPermissions` / `revokePermissions`, answered as the recordings show them
//! (`test_*_permissions*.yaml`): JSON bodies as `application/json`, 204 without a body for the
//! per-assignee writes and members, 200 with an empty body for assign and revoke.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::http::{json_body, no_content, plain_json, store_problem};
use super::organization::AssigneeIdentifier;
use super::query::{Params, bool_param, paging, params, single};
use crate::access::{Access, Assignee, DataSourcePermission, WorkspaceAccess, WorkspacePermission};
use crate::group::{ID_PATTERN, is_valid_id};
use crate::problem::Problem;
use crate::store::{Grants, Store};
use crate::{Shared, lock};

/// `GET /api/v1/actions/userManagement/userGroups` (`UserManagementUserGroups`): one page of
/// groups (zero-based `page`, `size`) with `totalCount`, each with its user count, whether it is
/// an organization admin (holds organization `MANAGE`, directly or through a parent group), and
/// its direct workspace and data source permissions.
///
/// The filters the spec defines, all of which a group must pass: `name` ("Filter by user name.
/// Note that user name is case insensitive.": the groups whose name contains it, ignoring
/// case), `workspace` and `dataSource` (the groups with a direct permission on that workspace,
/// hierarchy permissions included, or data source). `totalCount` counts the groups that pass.
pub(crate) async fn list_groups(
    State(shared): State<Arc<Shared>>,
    query: Result<Query<Params>, QueryRejection>,
) -> Result<Response, Problem> {
    let params = params(query)?;
    let paging = paging(&shared, &params)?;
    let name = single(&params, "name")?.map(str::to_lowercase);
    let workspace = single(&params, "workspace")?;
    let data_source = single(&params, "dataSource")?;
    let mut store = lock(&shared.store);
    let (total, rows) = if name.is_none() && workspace.is_none() && data_source.is_none() {
        let rows = store.management_page(paging.offset(), paging.size);
        (store.len(), rows)
    } else {
        let ids = store.group_ids_where(|group_name, access| {
            name.as_deref()
                .is_none_or(|wanted| group_name.is_some_and(|n| n.to_lowercase().contains(wanted)))
                && workspace.is_none_or(|w| access.workspaces.contains_key(w))
                && data_source.is_none_or(|d| access.data_sources.contains_key(d))
        });
        let page: Vec<String> = ids
            .iter()
            .skip(paging.offset())
            .take(paging.size)
            .cloned()
            .collect();
        (ids.len(), store.management_rows(&page))
    };
    let items: Vec<Value> = rows
        .into_iter()
        .map(|row| {
            let mut item = Map::new();
            item.insert("id".into(), json!(row.group.id));
            if let Some(name) = row.group.name {
                item.insert("name".into(), json!(name));
            }
            item.insert("organizationAdmin".into(), json!(row.organization_admin));
            item.insert("userCount".into(), json!(row.user_count));
            let assignments = assignments(&store, &row.access);
            item.insert("workspaces".into(), assignments["workspaces"].clone());
            item.insert("dataSources".into(), assignments["dataSources"].clone());
            Value::Object(item)
        })
        .collect();
    let body = json!({ "totalCount": total, "userGroups": items });
    Ok(plain_json(&body))
}

/// `UserManagementPermissionAssignments`: the direct permissions as `{workspaces, dataSources}`,
/// each item with the target's `name` (read-only in the schema) when it has one, sorted by id.
fn assignments(store: &Store, access: &Access) -> Value {
    let workspaces: Vec<Value> = access
        .workspaces
        .iter()
        .map(|(id, workspace)| {
            let mut item = Map::new();
            item.insert("id".into(), json!(id));
            if let Some(name) = store.workspace(id).and_then(|w| w.name.as_ref()) {
                item.insert("name".into(), json!(name));
            }
            item.insert("permissions".into(), names(&workspace.permissions));
            item.insert("hierarchyPermissions".into(), names(&workspace.hierarchy));
            Value::Object(item)
        })
        .collect();
    let data_sources: Vec<Value> = access
        .data_sources
        .iter()
        .map(|(id, permissions)| {
            let mut item = Map::new();
            item.insert("id".into(), json!(id));
            if let Some(data_source) = store.data_source(id) {
                item.insert("name".into(), json!(data_source.name));
            }
            item.insert("permissions".into(), names(permissions));
            Value::Object(item)
        })
        .collect();
    json!({ "workspaces": workspaces, "dataSources": data_sources })
}

fn names<T: std::fmt::Display>(set: &BTreeSet<T>) -> Value {
    set.iter().map(ToString::to_string).collect()
}

/// `GET …/userGroups/{id}/members` (`UserManagementUserGroupMembers`): the direct members,
/// `{members: [{id, name?}]}` sorted by id.
pub(crate) async fn members(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let members = lock(&shared.store)
        .members(&id)
        .ok_or_else(Problem::not_found)?;
    let members: Vec<Value> = members
        .into_iter()
        .map(|user| match user.display_name() {
            Some(name) => json!({ "id": user.id, "name": name }),
            None => json!({ "id": user.id }),
        })
        .collect();
    Ok(plain_json(&json!({ "members": members })))
}

/// `UserManagementUserGroupMembers` as a request body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MembersBody {
    members: Vec<Member>,
}

/// `UserManagementUserGroupMember`; `name` is read-only and ignored.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Member {
    id: String,
    #[serde(default, rename = "name")]
    _name: Option<String>,
}

fn member_ids(body: &[u8]) -> Result<Vec<String>, Problem> {
    let body: MembersBody = json_body(body)?;
    body.members
        .into_iter()
        .map(|m| {
            if is_valid_id(&m.id) {
                Ok(m.id)
            } else {
                Err(Problem::bad_request(format!(
                    "The member id `{}` is invalid: it must match {ID_PATTERN}.",
                    m.id
                )))
            }
        })
        .collect()
}

/// `POST …/userGroups/{id}/addMembers`: 204; 404 when the group or a user does not exist (and
/// then nobody is added).
pub(crate) async fn add_members(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, Problem> {
    let users = member_ids(&body)?;
    lock(&shared.store)
        .add_members(&id, &users)
        .map_err(store_problem)?;
    Ok(no_content())
}

/// `POST …/userGroups/{id}/removeMembers`: 204; users who are not members are left alone.
pub(crate) async fn remove_members(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, Problem> {
    let users = member_ids(&body)?;
    lock(&shared.store)
        .remove_members(&id, &users)
        .map_err(store_problem)?;
    Ok(no_content())
}

/// `UserManagementWorkspacePermissionAssignment` in a request; `name` and `accessSource` are
/// read-only and ignored.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct WorkspaceItem {
    id: String,
    permissions: BTreeSet<WorkspacePermission>,
    hierarchy_permissions: BTreeSet<WorkspacePermission>,
    #[serde(default, rename = "name")]
    _name: Option<String>,
    #[serde(default, rename = "accessSource")]
    _access_source: Option<String>,
}

/// `UserManagementDataSourcePermissionAssignment` in a request.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DataSourceItem {
    id: String,
    permissions: BTreeSet<DataSourcePermission>,
    #[serde(default, rename = "name")]
    _name: Option<String>,
    #[serde(default, rename = "accessSource")]
    _access_source: Option<String>,
}

/// `UserManagementPermissionAssignments` (the per-assignee body), or the targets of a
/// `PermissionsAssignment`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Targets {
    workspaces: Vec<WorkspaceItem>,
    data_sources: Vec<DataSourceItem>,
}

impl From<Targets> for Grants {
    fn from(targets: Targets) -> Self {
        Grants {
            workspaces: targets
                .workspaces
                .into_iter()
                .map(|w| {
                    let access = WorkspaceAccess {
                        permissions: w.permissions,
                        hierarchy: w.hierarchy_permissions,
                    };
                    (w.id, access)
                })
                .collect(),
            data_sources: targets
                .data_sources
                .into_iter()
                .map(|d| (d.id, d.permissions))
                .collect(),
        }
    }
}

/// `PermissionsAssignment`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct AssignmentBody {
    assignees: Vec<AssigneeIdentifier>,
    #[serde(default)]
    workspaces: Vec<WorkspaceItem>,
    #[serde(default)]
    data_sources: Vec<DataSourceItem>,
}

impl AssignmentBody {
    fn parse(body: &[u8]) -> Result<(Vec<Assignee>, Grants), Problem> {
        let body: AssignmentBody = json_body(body)?;
        let assignees = body
            .assignees
            .into_iter()
            .map(AssigneeIdentifier::checked)
            .collect::<Result<Vec<_>, Problem>>()?;
        let grants = Grants::from(Targets {
            workspaces: body.workspaces,
            data_sources: body.data_sources,
        });
        Ok((assignees, grants))
    }
}

/// 200 with an empty body and no content type, as `test_assign_permissions_bulk.yaml` shows.
fn empty_ok() -> Response {
    StatusCode::OK.into_response()
}

/// `POST /api/v1/actions/userManagement/assignPermissions`: sets each listed workspace's and
/// data source's permissions for each assignee (see [`Store::assign`]).
pub(crate) async fn assign(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> Result<Response, Problem> {
    let (assignees, grants) = AssignmentBody::parse(&body)?;
    lock(&shared.store)
        .assign(&assignees, &grants)
        .map_err(store_problem)?;
    Ok(empty_ok())
}

/// `POST /api/v1/actions/userManagement/revokePermissions`: removes the listed permissions from
/// each assignee (see [`Store::revoke`]).
pub(crate) async fn revoke(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> Result<Response, Problem> {
    let (assignees, grants) = AssignmentBody::parse(&body)?;
    lock(&shared.store)
        .revoke(&assignees, &grants)
        .map_err(store_problem)?;
    Ok(empty_ok())
}

/// The direct permissions of one assignee. `includeInherited=true` (permissions through parent
/// groups and down the workspace hierarchy, each tagged with `accessSource`) is not simulated
/// (501): the sandbox serves direct assignments only, which is what its default means.
fn permissions_of(
    shared: &Shared,
    assignee: &Assignee,
    query: Result<Query<Params>, QueryRejection>,
) -> Result<Response, Problem> {
    let params = params(query)?;
    if bool_param(&params, "includeInherited", false)? {
        return Err(Problem::not_simulated(
            "`includeInherited=true` is defined by the GoodData API but not simulated by the sandbox; it keeps direct assignments only.",
        ));
    }
    let store = lock(&shared.store);
    let access = store.access(assignee).ok_or_else(Problem::not_found)?;
    Ok(plain_json(&assignments(&store, access)))
}

/// Sets the listed workspaces' and data sources' permissions of one assignee, like an assign
/// with that one assignee: the references do not record whether this write also drops what
/// its body leaves out, and the sandbox does not guess that it does.
fn set_permissions_of(
    shared: &Shared,
    assignee: Assignee,
    body: &[u8],
) -> Result<Response, Problem> {
    let targets: Targets = json_body(body)?;
    let mut store = lock(&shared.store);
    if store.access(&assignee).is_none() {
        return Err(Problem::not_found());
    }
    store
        .assign(&[assignee], &Grants::from(targets))
        .map_err(store_problem)?;
    Ok(no_content())
}

/// `GET …/userGroups/{id}/permissions`.
pub(crate) async fn group_permissions(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    query: Result<Query<Params>, QueryRejection>,
) -> Result<Response, Problem> {
    permissions_of(&shared, &Assignee::group(id), query)
}

/// `POST …/userGroups/{id}/permissions`: 204.
pub(crate) async fn set_group_permissions(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, Problem> {
    set_permissions_of(&shared, Assignee::group(id), &body)
}

/// `GET …/users/{id}/permissions`.
pub(crate) async fn user_permissions(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    query: Result<Query<Params>, QueryRejection>,
) -> Result<Response, Problem> {
    permissions_of(&shared, &Assignee::user(id), query)
}

/// `POST …/users/{id}/permissions`: 204.
pub(crate) async fn set_user_permissions(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, Problem> {
    set_permissions_of(&shared, Assignee::user(id), &body)
}
