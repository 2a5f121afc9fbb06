//! The organization: its entity (and the redirect to it), the token user's profile, and the
//! organization permissions (`organization/managePermissions` and their layout,
//! `manage_organization_permissions.yaml`).

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::http::{Exchange, json_body, no_content, plain_json, store_problem};
use super::media::VND_JSON;
use super::query::{IncludeKind, MetaValues, Params, includes, meta_includes, params};
use crate::access::{Assignee, AssigneeKind, OrganizationPermission};
use crate::group::{ID_PATTERN, is_valid_id};
use crate::problem::Problem;
use crate::user::User;
use crate::{Shared, lock};

/// The organization's id and name in a fresh GoodData.CN (the recordings' `default`).
const ORGANIZATION_ID: &str = "default";
const ORGANIZATION_NAME: &str = "Default Organization";

/// The early-access flags of the recorded organization.
const EARLY_ACCESS: [&str; 8] = [
    "enableAlerting",
    "enableSmtp",
    "enablePreAggregationDatasets",
    "enableScheduling",
    "enableCompositeGrain",
    "enableUserManagement",
    "enableRawExports",
    "enableFlexibleDashboardLayout",
];

/// `GET /api/v1/entities/organization` redirects to the organization entity
/// (`load_and_put_declarative_user_groups.yaml`), its `metaInclude` passed on in the query (the
/// recording has none; dropping it would ignore it).
pub(crate) async fn redirect(
    uri: Uri,
    query: Result<Query<Params>, QueryRejection>,
) -> Result<Response, Problem> {
    let params = params(query)?;
    meta_includes(
        &params,
        &MetaValues {
            served: &["permissions", "all"],
            not_simulated: &[],
        },
    )?;
    let mut location = format!("/api/v1/entities/admin/organizations/{ORGANIZATION_ID}");
    if let Some(query) = uri.query().filter(|q| !q.is_empty()) {
        location.push('?');
        location.push_str(query);
    }
    let mut response = StatusCode::FOUND.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::LOCATION,
        HeaderValue::from_str(&location).map_err(|_| Problem::bad_request("Malformed query."))?,
    );
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(VND_JSON));
    Ok(response)
}

/// The organization `default`. Its relationships follow the JSON:API rule the user-group
/// recordings show: the recorded organization GET had no `include` and no `relationships`, and
/// user groups carry `relationships` only when an `include` asks for them. So
/// `bootstrapUser`/`bootstrapUserGroup` appear when `include` names them, names their collection
/// (`users`/`userGroups`), or is `ALL`, together with the entities in `included`.
pub(crate) async fn entity(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
    query: Result<Query<Params>, QueryRejection>,
) -> Result<Response, Problem> {
    let params = params(query)?;
    let include = includes(
        &params,
        &[
            ("users", IncludeKind::Collection),
            ("userGroups", IncludeKind::Collection),
            ("identityProviders", IncludeKind::Collection),
            ("bootstrapUser", IncludeKind::Relationship),
            ("bootstrapUserGroup", IncludeKind::Relationship),
            ("identityProvider", IncludeKind::Relationship),
            ("ALL", IncludeKind::All),
        ],
    )?;
    let meta = meta_includes(
        &params,
        &MetaValues {
            served: &["permissions", "all", "ALL"],
            not_simulated: &[],
        },
    )?;
    if id != ORGANIZATION_ID {
        return Err(Problem::not_found());
    }
    let exchange = Exchange::new(&shared, &headers, &uri);
    let authority = exchange
        .base
        .split_once("://")
        .map_or(exchange.base.as_str(), |(_, authority)| authority);
    let hostname = authority
        .rsplit_once(':')
        .map_or(authority, |(host, _)| host)
        .to_string();
    let bootstrap = lock(&shared.store).bootstrap().to_string();
    let wants = |names: &[&str]| include.iter().any(|i| *i == "ALL" || names.contains(i));
    let mut data = json!({
        "id": "default",
        "type": "organization",
        // The attributes of the recorded all-in-one GoodData.CN, with the request's host.
        "attributes": {
            "name": ORGANIZATION_NAME,
            "hostname": hostname,
            "allowedOrigins": [],
            "earlyAccess": EARLY_ACCESS[0],
            "earlyAccessValues": EARLY_ACCESS,
            "dataCenter": "",
            "region": "",
        },
    });
    let mut relationships = serde_json::Map::new();
    let mut included = Vec::new();
    if wants(&["bootstrapUser", "users"]) {
        relationships.insert(
            "bootstrapUser".into(),
            json!({"data": {"id": BOOTSTRAP_USER, "type": "user"}}),
        );
        let user = lock(&shared.store)
            .user(BOOTSTRAP_USER)
            .map_or_else(|| User::new(BOOTSTRAP_USER), |row| row.user);
        included.push(super::users::resource(&user, None, Some(&exchange.base)));
    }
    if wants(&["bootstrapUserGroup", "userGroups"]) {
        relationships.insert(
            "bootstrapUserGroup".into(),
            json!({"data": {"id": bootstrap, "type": "userGroup"}}),
        );
        if let Some(group) = lock(&shared.store).get(&bootstrap) {
            included.push(super::groups::resource(&group, false, Some(&exchange.base)));
        }
    }
    if !relationships.is_empty() {
        data["relationships"] = Value::Object(relationships);
    }
    if !meta.is_empty() {
        // The permissions of the token's user on the organization.
        let permissions: Vec<&str> = lock(&shared.store)
            .user_organization(&shared.token_user)
            .iter()
            .map(|p| p.as_str())
            .collect();
        data["meta"] = json!({ "permissions": permissions });
    }
    let mut body = json!({ "data": data });
    if !included.is_empty() {
        body["included"] = Value::Array(included);
    }
    body["links"] = json!({ "self": exchange.self_url });
    Ok(exchange.json(StatusCode::OK, &body))
}

/// The id of the organization's bootstrap user in a fresh GoodData.CN (`admin`, as in the
/// recorded user layout).
const BOOTSTRAP_USER: &str = "admin";

/// `GET /api/v1/profile`: the `Profile` of the token's user. Its `permissions` are the
/// organization permissions the user holds, directly or through its groups and their parents;
/// entitlements, feature flags and telemetry carry the required members with neutral values.
pub(crate) async fn profile(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    let exchange = Exchange::new(&shared, &headers, &uri);
    let user_id = shared.token_user.as_str();
    let (name, permissions) = {
        let store = lock(&shared.store);
        let name = store.user(user_id).and_then(|row| row.user.display_name());
        let permissions: Vec<&str> = store
            .user_organization(user_id)
            .iter()
            .map(|p| p.as_str())
            .collect();
        (name, permissions)
    };
    let mut body = json!({
        "organizationId": ORGANIZATION_ID,
        "organizationName": ORGANIZATION_NAME,
        "userId": user_id,
        "permissions": permissions,
        "entitlements": [],
        "features": {
            "context": {"earlyAccess": EARLY_ACCESS[0], "earlyAccessValues": EARLY_ACCESS},
            "items": {},
        },
        "telemetryConfig": {
            "context": {"deploymentId": "sandbox", "organizationHash": "sandbox", "userHash": "sandbox"},
            "services": {},
        },
        "links": {
            "self": format!("{}/api/v1/profile", exchange.base),
            "organization": format!("{}/api/v1/entities/admin/organizations/{ORGANIZATION_ID}", exchange.base),
            "user": format!("{}/api/v1/entities/users/{user_id}", exchange.base),
        },
    });
    if let Some(name) = name {
        body["name"] = json!(name);
    }
    plain_json(&body)
}

/// `AssigneeIdentifier`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AssigneeIdentifier {
    id: String,
    #[serde(rename = "type")]
    kind: AssigneeKind,
}

impl AssigneeIdentifier {
    /// The assignee, once its id matches the pattern.
    pub(crate) fn checked(self) -> Result<Assignee, Problem> {
        if is_valid_id(&self.id) {
            Ok(Assignee {
                kind: self.kind,
                id: self.id,
            })
        } else {
            Err(Problem::bad_request(format!(
                "The assignee id `{}` is invalid: it must match {ID_PATTERN}.",
                self.id
            )))
        }
    }
}

/// `OrganizationPermissionAssignment`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct OrganizationAssignment {
    assignee_identifier: AssigneeIdentifier,
    permissions: BTreeSet<OrganizationPermission>,
}

/// `POST /api/v1/actions/organization/managePermissions`: each listed assignee's organization
/// permissions become the given ones (an empty list removes them); 204.
pub(crate) async fn manage_permissions(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> Result<Response, Problem> {
    let body: Vec<OrganizationAssignment> = json_body(&body)?;
    let assignments = body
        .into_iter()
        .map(|a| Ok((a.assignee_identifier.checked()?, a.permissions)))
        .collect::<Result<Vec<_>, Problem>>()?;
    lock(&shared.store)
        .manage_organization(&assignments)
        .map_err(store_problem)?;
    Ok(no_content())
}

/// `DeclarativeOrganizationPermission`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeclarativePermission {
    assignee: AssigneeIdentifier,
    name: OrganizationPermission,
}

/// `GET /api/v1/layout/organization/permissions`: every organization permission as
/// `{assignee: {id, type}, name}`; users first, then groups, each by id and permission.
pub(crate) async fn get_permissions(State(shared): State<Arc<Shared>>) -> Response {
    let items: Vec<Value> = lock(&shared.store)
        .organization_permissions()
        .into_iter()
        .map(|(assignee, permission)| {
            json!({
                "assignee": {"id": assignee.id, "type": assignee.kind.as_str()},
                "name": permission.as_str(),
            })
        })
        .collect();
    plain_json(&Value::Array(items))
}

/// `PUT /api/v1/layout/organization/permissions`: the list becomes every organization
/// permission there is; 204.
pub(crate) async fn put_permissions(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> Result<Response, Problem> {
    let body: Vec<DeclarativePermission> = json_body(&body)?;
    let permissions = body
        .into_iter()
        .map(|p| Ok((p.assignee.checked()?, p.name)))
        .collect::<Result<Vec<_>, Problem>>()?;
    lock(&shared.store)
        .replace_organization_permissions(&permissions)
        .map_err(store_problem)?;
    Ok(no_content())
}
