//! Members and permissions over the API (spec §11): the reads a plan needs, only for the facets
//! the file manages and all in paged listings fetched side by side, and the writes apply makes.
//!
//! Reads:
//! - members: `GET /api/v1/entities/users?include=userGroups` (one pass gives every user and
//!   every membership);
//! - direct group permissions: `GET /api/v1/actions/userManagement/userGroups`, or where a
//!   server lacks it, `GET …/userGroups/{id}/permissions` for each group asked about;
//! - `GET /api/v1/entities/workspaces`, `GET /api/v1/entities/dataSources` (ids);
//! - `GET /api/v1/layout/organization/permissions`; `GET /api/v1/profile` (the token's user).
//!
//! Writes: `addMembers`/`removeMembers` per group, `assignPermissions`/`revokePermissions`
//! (answered 200 with an **empty** body: never parsed), `organization/managePermissions` (204).

use std::collections::{BTreeMap, BTreeSet};

use futures::{StreamExt, TryStreamExt};
use reqwest::Method;

use super::access_model::{
    self as wire, EntityId, MembersBody, OrganizationAssignmentIn, OrganizationPermissionRow,
    PermissionAssignments, PermissionsBody, Profile, USER_GROUP, UserDocument, UserResource,
};
use super::client::{Answer, Media, parse};
use super::error::snippet;
use super::paging::{Entity, USER_GROUPS_ACTION};
use super::{ApiError, Client};
use crate::access::{
    DataSourceAccess, DataSourcePermission, Facet, Facets, OrganizationPermission, Permission,
    PermissionGrant, WorkspaceAccess, WorkspacePermission, WorkspacePermissions,
};
use crate::group::is_valid_id;
use crate::live::{LiveAccess, TokenUser, Unrecognized};

const USERS: &str = "/api/v1/entities/users";
const WORKSPACES: &str = "/api/v1/entities/workspaces";
const DATA_SOURCES: &str = "/api/v1/entities/dataSources";
const ORGANIZATION_PERMISSIONS: &str = "/api/v1/layout/organization/permissions";
const PROFILE: &str = "/api/v1/profile";
const ASSIGN: &str = "/api/v1/actions/userManagement/assignPermissions";
const REVOKE: &str = "/api/v1/actions/userManagement/revokePermissions";
const MANAGE_ORGANIZATION: &str = "/api/v1/actions/organization/managePermissions";

/// What to read about members and permissions besides the groups.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessQuery {
    /// The facets the file manages (`Desired::managed_facets`): each costs its listings.
    pub facets: Facets,
    /// Also read the token's user, its groups and who holds organization permissions: what the
    /// lock-out guard needs (a plan that manages members or organization permissions).
    pub token_user: bool,
    /// Groups whose direct permissions are needed, for a server without the user-management
    /// listing: only then is each one read on its own (a group that does not exist yet has none).
    pub permission_groups: Vec<String>,
}

impl AccessQuery {
    /// The reads for a file managing `facets`, with the lock-out guard's when members or
    /// organization permissions are managed (either can take `MANAGE` away).
    pub fn for_facets(facets: Facets) -> Self {
        Self {
            facets,
            token_user: facets.contains(Facet::Members) || facets.contains(Facet::Organization),
            permission_groups: Vec::new(),
        }
    }

    /// Whether it reads nothing: a file of names and parents only costs no request here.
    pub fn is_empty(&self) -> bool {
        self.facets.is_empty() && !self.token_user
    }
}

/// Direct workspace and data-source permissions of every group.
#[derive(Debug, Default)]
struct GroupPermissions {
    workspaces: BTreeMap<String, WorkspaceAccess>,
    data_sources: BTreeMap<String, DataSourceAccess>,
    unrecognized: Vec<Unrecognized>,
    /// Users per group, when the user-management listing was read and gave every group's.
    member_counts: Option<BTreeMap<String, u64>>,
}

/// Organization permissions by assignee.
#[derive(Debug, Default)]
struct OrganizationPermissions {
    groups: BTreeMap<String, BTreeSet<OrganizationPermission>>,
    users: BTreeMap<String, BTreeSet<OrganizationPermission>>,
    unrecognized: Vec<Unrecognized>,
}

impl Client {
    /// What `query` asks for, every listing side by side: the wall time of the longest one.
    /// An empty query sends nothing.
    pub async fn fetch_access(&self, query: &AccessQuery) -> Result<LiveAccess, ApiError> {
        let facets = query.facets;
        let wants = |f: Facet| facets.contains(f);
        let needs_permissions = wants(Facet::Workspaces) || wants(Facet::DataSources);
        let needs_organization = wants(Facet::Organization) || query.token_user;
        let (users, workspaces, data_sources, permissions, organization, token_user) = tokio::try_join!(
            when(wants(Facet::Members), || self.users_and_memberships()),
            when(wants(Facet::Workspaces), || self.list_workspace_ids()),
            when(wants(Facet::DataSources), || self.list_data_source_ids()),
            when(needs_permissions, || self
                .group_permissions(&query.permission_groups)),
            when(needs_organization, || self.organization_permissions()),
            when(query.token_user, || self.token_user(!wants(Facet::Members))),
        )?;
        let mut live = LiveAccess {
            facets,
            ..LiveAccess::default()
        };
        if let Some((users, members)) = users {
            live.users = users;
            live.members = members;
        }
        live.workspaces = workspaces.unwrap_or_default();
        live.data_sources = data_sources.unwrap_or_default();
        if let Some(p) = permissions {
            if wants(Facet::Workspaces) {
                live.workspace_access = p.workspaces;
            }
            if wants(Facet::DataSources) {
                live.data_source_access = p.data_sources;
            }
            live.unrecognized
                .extend(p.unrecognized.into_iter().filter(|u| wants(u.facet)));
            live.member_counts = p.member_counts;
        }
        if let Some(o) = organization {
            live.organization = o.groups;
            live.user_organization = o.users;
            live.unrecognized.extend(o.unrecognized);
        }
        if let Some(mut me) = token_user {
            if me.groups.is_empty() {
                // Read with the users listing: its memberships say the same.
                me.groups = live
                    .members
                    .iter()
                    .filter(|(_, users)| users.contains(&me.id))
                    .map(|(group, _)| group.clone())
                    .collect();
            }
            live.token_user = Some(me);
        }
        live.unrecognized.sort();
        Ok(live)
    }

    /// Every user id, and the direct members of every group, from one paged listing.
    async fn users_and_memberships(
        &self,
    ) -> Result<(BTreeSet<String>, BTreeMap<String, BTreeSet<String>>), ApiError> {
        let users: Vec<UserResource> = self
            .list_entities(USERS, "include=userGroups&", "user")
            .await?;
        Ok(memberships(&users))
    }

    /// Every workspace id.
    pub async fn list_workspace_ids(&self) -> Result<BTreeSet<String>, ApiError> {
        let all: Vec<EntityId> = self.list_entities(WORKSPACES, "", "workspace").await?;
        Ok(all.into_iter().map(|w| w.id).collect())
    }

    /// Every data source id.
    pub async fn list_data_source_ids(&self) -> Result<BTreeSet<String>, ApiError> {
        let all: Vec<EntityId> = self.list_entities(DATA_SOURCES, "", "dataSource").await?;
        Ok(all.into_iter().map(|d| d.id).collect())
    }

    /// Direct permissions of every group from the user-management listing; where the server
    /// lacks it, of each group in `fallback` on its own.
    async fn group_permissions(&self, fallback: &[String]) -> Result<GroupPermissions, ApiError> {
        let listed = self.list_user_management_groups().await?;
        let member_counts = listed.as_ref().and_then(|items| {
            items
                .iter()
                .map(|g| Some((g.id.clone(), g.user_count?)))
                .collect::<Option<BTreeMap<String, u64>>>()
        });
        // A server whose listing leaves the permissions out is asked group by group too.
        let complete = listed.filter(|items| {
            items
                .iter()
                .all(|g| g.workspaces.is_some() && g.data_sources.is_some())
        });
        let mut out = GroupPermissions {
            member_counts,
            ..GroupPermissions::default()
        };
        if let Some(items) = complete {
            for item in items {
                let assignments = PermissionAssignments {
                    workspaces: item.workspaces.unwrap_or_default(),
                    data_sources: item.data_sources.unwrap_or_default(),
                };
                add_assignments(&mut out, item.id, assignments);
            }
            return Ok(out);
        }
        let answers: Vec<(String, Option<PermissionAssignments>)> =
            futures::stream::iter(fallback.iter().cloned())
                .map(|group| async move {
                    let answer = self.permissions_of(&group).await?;
                    Ok::<_, ApiError>((group, answer))
                })
                .buffer_unordered(self.parallelism())
                .try_collect()
                .await?;
        for (group, assignments) in answers {
            if let Some(assignments) = assignments {
                add_assignments(&mut out, group, assignments);
            }
        }
        Ok(out)
    }

    /// A group's direct permissions, `None` when the group does not exist.
    async fn permissions_of(&self, group: &str) -> Result<Option<PermissionAssignments>, ApiError> {
        let id = checked("GET …/userManagement/userGroups/{id}/permissions", group)?;
        let path = format!("{USER_GROUPS_ACTION}/{id}/permissions");
        match self
            .send_as(Media::Json, Method::GET, &path, None)
            .await
            .result
        {
            Ok(answer) => parse(&answer).map(Some),
            Err(e) if e.status() == Some(404) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn organization_permissions(&self) -> Result<OrganizationPermissions, ApiError> {
        let answer = self
            .send_as(Media::Json, Method::GET, ORGANIZATION_PERMISSIONS, None)
            .await
            .result?;
        let rows: Vec<OrganizationPermissionRow> = parse(&answer)?;
        Ok(organization_from(rows))
    }

    /// The id of the user the token belongs to.
    pub async fn profile_user_id(&self) -> Result<String, ApiError> {
        let answer = self
            .send_as(Media::Json, Method::GET, PROFILE, None)
            .await
            .result?;
        let profile: Profile = parse(&answer)?;
        Ok(profile.user_id)
    }

    /// The token's user; its groups too when `with_groups` (otherwise the users listing gives
    /// them).
    async fn token_user(&self, with_groups: bool) -> Result<TokenUser, ApiError> {
        let id = self.profile_user_id().await?;
        let groups = if with_groups {
            self.groups_of_user(&id).await?.unwrap_or_default()
        } else {
            BTreeSet::new()
        };
        Ok(TokenUser { id, groups })
    }

    /// The groups a user is a direct member of; `None` when the user does not exist.
    pub async fn groups_of_user(&self, user: &str) -> Result<Option<BTreeSet<String>>, ApiError> {
        let id = checked("GET /api/v1/entities/users/{id}", user)?;
        let path = format!("{USERS}/{id}?include=userGroups");
        match self
            .send_as(Media::JsonApi, Method::GET, &path, None)
            .await
            .result
        {
            Ok(answer) => {
                let doc: UserDocument = parse(&answer)?;
                Ok(Some(doc.data.group_ids().map(str::to_string).collect()))
            }
            Err(e) if e.status() == Some(404) => Ok(None),
            Err(e) => Err(e),
        }
    }

    // -----------------------------------------------------------------------------------------
    // Writes

    /// Adds users to a group (`POST …/userGroups/{id}/addMembers`, 204).
    pub async fn add_members(&self, group: &str, users: &BTreeSet<String>) -> Result<(), ApiError> {
        self.members_call(group, "addMembers", users).await
    }

    /// Removes users from a group (`POST …/userGroups/{id}/removeMembers`, 204).
    pub async fn remove_members(
        &self,
        group: &str,
        users: &BTreeSet<String>,
    ) -> Result<(), ApiError> {
        self.members_call(group, "removeMembers", users).await
    }

    async fn members_call(
        &self,
        group: &str,
        action: &str,
        users: &BTreeSet<String>,
    ) -> Result<(), ApiError> {
        let id = checked(
            &format!("POST …/userManagement/userGroups/{{id}}/{action}"),
            group,
        )?;
        let path = format!("{USER_GROUPS_ACTION}/{id}/{action}");
        let body = MembersBody::new(users.iter().map(String::as_str));
        self.write(&path, &body).await
    }

    /// Sets, for every group of the grant, each listed workspace's permissions and hierarchy
    /// permissions and each listed data source's permissions (`assignPermissions`).
    pub async fn assign_permissions(&self, grant: &PermissionGrant) -> Result<(), ApiError> {
        self.write(ASSIGN, &PermissionsBody::new(grant)).await
    }

    /// Takes the listed permissions away from every group of the grant (`revokePermissions`):
    /// used to remove all of a group's access to a workspace or data source.
    pub async fn revoke_permissions(&self, grant: &PermissionGrant) -> Result<(), ApiError> {
        self.write(REVOKE, &PermissionsBody::new(grant)).await
    }

    /// Sets the organization permissions of each group listed (an empty set removes them), in
    /// one `organization/managePermissions` request.
    pub async fn set_organization_permissions(
        &self,
        groups: &BTreeMap<String, BTreeSet<OrganizationPermission>>,
    ) -> Result<(), ApiError> {
        let body: Vec<OrganizationAssignmentIn<'_>> = groups
            .iter()
            .map(|(id, permissions)| {
                OrganizationAssignmentIn::group(id, permissions.iter().copied())
            })
            .collect();
        self.write(MANAGE_ORGANIZATION, &body).await
    }

    /// A JSON POST whose answer carries nothing (204, or 200 with an empty body). The body is
    /// not parsed; an answer that is not empty and not JSON (a proxy's HTML page answering 200)
    /// is an error, since then the write did not reach the API.
    async fn write<B: serde::Serialize>(&self, path: &str, body: &B) -> Result<(), ApiError> {
        let bytes = serde_json::to_vec(body).map_err(|e| ApiError::Malformed {
            request: format!("POST {path}"),
            status: 0,
            reason: format!("the request body could not be written: {e}"),
            snippet: String::new(),
        })?;
        let answer = self
            .send_as(Media::Json, Method::POST, path, Some(bytes))
            .await
            .result?;
        expect_no_content(&answer)
    }
}

/// Runs the future `start` makes only when `wanted`. It is boxed: the listings' futures are
/// large, and six of them side by side would make the caller's future huge.
async fn when<T, F>(wanted: bool, start: impl FnOnce() -> F) -> Result<Option<T>, ApiError>
where
    F: Future<Output = Result<T, ApiError>>,
{
    if wanted {
        Box::pin(start()).await.map(Some)
    } else {
        Ok(None)
    }
}

/// An id taken into the URL path of `request` (`METHOD /path/{id}…`): it must have the API's
/// id shape, so it needs no escaping and cannot reach another path.
fn checked<'a>(request: &str, id: &'a str) -> Result<&'a str, ApiError> {
    if is_valid_id(id) {
        return Ok(id);
    }
    Err(ApiError::InvalidId {
        request: request.to_string(),
        id: id.to_string(),
    })
}

fn expect_no_content(answer: &Answer) -> Result<(), ApiError> {
    let body = answer.body.trim_ascii();
    if body.is_empty() || serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok() {
        return Ok(());
    }
    let looks_like = if body.first() == Some(&b'<') {
        "HTML, not the API's answer (a proxy or login page?): the change was probably not made"
    } else {
        "not the empty answer the API gives"
    };
    Err(ApiError::Malformed {
        request: answer.request.clone(),
        status: answer.status.as_u16(),
        reason: looks_like.to_string(),
        snippet: snippet(&answer.body),
    })
}

impl Entity for UserResource {
    fn id(&self) -> &str {
        &self.id
    }
    fn kind(&self) -> &str {
        &self.kind
    }
}

impl Entity for EntityId {
    fn id(&self) -> &str {
        &self.id
    }
    fn kind(&self) -> &str {
        &self.kind
    }
}

/// Every user, and the direct members of each group (groups without members have no entry).
fn memberships(users: &[UserResource]) -> (BTreeSet<String>, BTreeMap<String, BTreeSet<String>>) {
    let mut members: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for user in users {
        for group in user.group_ids() {
            members
                .entry(group.to_string())
                .or_default()
                .insert(user.id.clone());
        }
    }
    (users.iter().map(|u| u.id.clone()).collect(), members)
}

/// Adds one group's direct assignments (inherited ones, where tagged, are skipped).
fn add_assignments(out: &mut GroupPermissions, group: String, answer: PermissionAssignments) {
    let mut workspaces = WorkspaceAccess::new();
    for w in answer.workspaces {
        if !wire::is_direct(w.access_source.as_deref()) {
            continue;
        }
        let mut note = |facet, name: String| {
            out.unrecognized.push(Unrecognized {
                assignee: group.clone(),
                facet,
                target: Some(w.id.clone()),
                name,
            });
        };
        let entry = WorkspacePermissions {
            permissions: typed::<WorkspacePermission>(w.permissions, |n| {
                note(Facet::Workspaces, n);
            }),
            hierarchy: typed::<WorkspacePermission>(w.hierarchy_permissions, |n| {
                note(Facet::Workspaces, n);
            }),
        };
        if !entry.is_empty() {
            workspaces.insert(w.id, entry);
        }
    }
    let mut data_sources = DataSourceAccess::new();
    for d in answer.data_sources {
        if !wire::is_direct(d.access_source.as_deref()) {
            continue;
        }
        let set = typed::<DataSourcePermission>(d.permissions, |name| {
            out.unrecognized.push(Unrecognized {
                assignee: group.clone(),
                facet: Facet::DataSources,
                target: Some(d.id.clone()),
                name,
            });
        });
        if !set.is_empty() {
            data_sources.insert(d.id, set);
        }
    }
    if !workspaces.is_empty() {
        out.workspaces.insert(group.clone(), workspaces);
    }
    if !data_sources.is_empty() {
        out.data_sources.insert(group, data_sources);
    }
}

/// The organization permissions of groups and of users.
fn organization_from(rows: Vec<OrganizationPermissionRow>) -> OrganizationPermissions {
    let mut out = OrganizationPermissions::default();
    for row in rows {
        let Some(permission) = OrganizationPermission::from_name(&row.name) else {
            out.unrecognized.push(Unrecognized {
                assignee: row.assignee.id,
                facet: Facet::Organization,
                target: None,
                name: row.name,
            });
            continue;
        };
        let by = if row.assignee.kind == USER_GROUP {
            &mut out.groups
        } else {
            &mut out.users
        };
        by.entry(row.assignee.id).or_default().insert(permission);
    }
    out
}

/// The names this version knows, as a set; the others go to `unknown`.
fn typed<P: Permission>(names: Vec<String>, mut unknown: impl FnMut(String)) -> BTreeSet<P> {
    let mut set = BTreeSet::new();
    for name in names {
        match P::from_name(&name) {
            Some(p) => {
                set.insert(p);
            }
            None => unknown(name),
        }
    }
    set
}

#[cfg(test)]
#[path = "access_tests.rs"]
mod tests;
