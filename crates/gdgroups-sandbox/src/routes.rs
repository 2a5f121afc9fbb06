//! The HTTP surface: the router, the middleware every API request passes (counting, trace ids,
//! problem rendering, fault injection, bearer auth), and the endpoints other than the
//! user-group entities (layout, organization, user management, `/_sandbox/*`).

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use super::entities;
use super::faults::{self, Dropped};
use super::problem::{Problem, new_trace_id};
use super::{Shared, lock};
use crate::group::Group;

/// The media type GoodData uses for JSON:API.
pub(crate) const VND_JSON: &str = "application/vnd.gooddata.api+json";

/// Large layouts (100,000 groups) exceed axum's 2 MB default.
const BODY_LIMIT: usize = 64 * 1024 * 1024;

/// Every API route; stats count requests by these templates.
const ROUTES: &[&str] = &[
    "/api/v1/entities/userGroups",
    "/api/v1/entities/userGroups/{id}",
    "/api/v1/layout/userGroups",
    "/api/v1/entities/organization",
    "/api/v1/entities/admin/organizations/{id}",
    "/api/v1/actions/userManagement/userGroups",
    "/api/v1/actions/userManagement/userGroups/{id}/members",
];

/// The template a path matches (`{…}` is one segment), or the path itself.
fn route_template(path: &str) -> String {
    let segments: Vec<&str> = path.split('/').collect();
    ROUTES
        .iter()
        .find(|template| {
            let parts: Vec<&str> = template.split('/').collect();
            parts.len() == segments.len()
                && parts
                    .iter()
                    .zip(&segments)
                    .all(|(t, s)| t == s || (t.starts_with('{') && !s.is_empty()))
        })
        .map_or_else(|| path.to_string(), |t| (*t).to_string())
}

/// The whole application.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let api = Router::new()
        .route(ROUTES[0], get(entities::list).post(entities::create))
        .route(
            ROUTES[1],
            get(entities::get_one)
                .put(entities::put)
                .patch(entities::patch)
                .delete(entities::delete),
        )
        .route(ROUTES[2], get(layout_get).put(layout_put))
        .route(ROUTES[3], get(organization_redirect))
        .route(ROUTES[4], get(organization_get));
    // An older server has no user-management actions: left out, they fall to `unknown_route`
    // and answer exactly as any route the server does not know.
    let api = if shared.user_management {
        api.route(ROUTES[5], get(management_list))
            .route(ROUTES[6], get(management_members))
    } else {
        api
    };
    let api = api
        .fallback(unknown_route)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        // Layers run outside-in in the reverse order they are added: edge → faults → auth.
        .layer(middleware::from_fn_with_state(shared.clone(), authenticate))
        .layer(middleware::from_fn_with_state(
            shared.clone(),
            faults::inject,
        ))
        .layer(middleware::from_fn_with_state(shared.clone(), edge));
    let control = Router::new()
        .route("/_sandbox/stats", get(stats))
        .route("/_sandbox/reset-stats", post(reset_stats));
    api.merge(control).with_state(shared)
}

/// What every answer needs to know about its request: the base URL to build links from (the
/// request's own host, as the real server does) and the media type to answer in.
pub(crate) struct Exchange {
    pub base: String,
    pub self_url: String,
    pub media: &'static str,
}

impl Exchange {
    pub(crate) fn new(shared: &Shared, headers: &HeaderMap, uri: &Uri) -> Self {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .filter(|h| is_plausible_host(h))
            .map_or_else(|| shared.listen.to_string(), str::to_string);
        let base = format!("{}://{host}", shared.scheme);
        let self_url = format!(
            "{base}{}",
            uri.path_and_query().map_or(uri.path(), |pq| pq.as_str())
        );
        Self {
            base,
            self_url,
            media: negotiate(headers),
        }
    }

    /// A JSON answer in the negotiated media type.
    pub(crate) fn json(&self, status: StatusCode, body: &Value) -> Response {
        json_response(status, self.media, body)
    }
}

pub(crate) fn json_response(status: StatusCode, media: &'static str, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    response
}

/// A host header goes into links verbatim, so anything that could break a URL is replaced by
/// the listen address.
fn is_plausible_host(host: &str) -> bool {
    !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'))
}

/// The recordings show `application/json` answers when the request's `Accept` asked for it,
/// and `application/vnd.gooddata.api+json` when there was no `Accept` (the DELETE and the
/// organization requests), so the vendor type is the default.
fn negotiate(headers: &HeaderMap) -> &'static str {
    let accept = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .collect::<Vec<_>>();
    if accept.iter().any(|a| a == VND_JSON) {
        VND_JSON
    } else if accept.iter().any(|a| a == "application/json") {
        "application/json"
    } else {
        VND_JSON
    }
}

/// Counting, trace ids, problem rendering and the headers every answer of the real server
/// carries.
async fn edge(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let route = route_template(request.uri().path());
    let trace_id = new_trace_id();
    let mut response = next.run(request).await;
    let outcome = if response.extensions().get::<Dropped>().is_some() {
        super::stats::DROPPED.to_string()
    } else {
        if let Some(problem) = response.extensions().get::<Problem>().cloned() {
            response = problem.render(&trace_id);
        } else if needs_problem_body(&response) {
            response = framework_error_to_problem(response).await.render(&trace_id);
        }
        let headers = response.headers_mut();
        if let Ok(value) = HeaderValue::from_str(&trace_id) {
            headers.insert("x-gdc-trace-id", value);
        }
        headers.insert(header::EXPIRES, HeaderValue::from_static("0"));
        headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        response.status().as_str().to_string()
    };
    lock(&shared.stats).record(method.as_str(), &route, &outcome);
    response
}

/// Errors produced by the framework itself (a body over the limit, say) come as plain text;
/// the server's clients expect problem+json for every error but the 401 and the 429.
fn needs_problem_body(response: &Response) -> bool {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    (status.is_client_error() || status.is_server_error())
        && status != StatusCode::UNAUTHORIZED
        && !is_json
}

async fn framework_error_to_problem(response: Response) -> Problem {
    let status = response.status();
    let text = axum::body::to_bytes(response.into_body(), 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let detail = if text.is_empty() {
        status.canonical_reason().unwrap_or("Error").to_string()
    } else {
        text
    };
    Problem::new(status, detail)
}

/// 401 with an empty body and the challenge the real server sends
/// (`is_available_no_access.yaml`), for a missing or wrong bearer token.
async fn authenticate(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let authorized = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .is_some_and(|(scheme, token)| {
            scheme.eq_ignore_ascii_case("bearer") && token.trim() == shared.token
        });
    if authorized {
        return next.run(request).await;
    }
    let mut response = StatusCode::UNAUTHORIZED.into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(
            "Bearer error=\"invalid_token\", error_description=\"Unable to lookup user details for provided Bearer token\", error_uri=\"https://tools.ietf.org/html/rfc6750#section-3.1\"",
        ),
    );
    response
}

async fn unknown_route() -> Problem {
    Problem::not_found()
}

async fn method_not_allowed(method: Method, uri: Uri) -> Problem {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!(
            "Request method '{method}' is not supported for {}.",
            uri.path()
        ),
    )
}

/// Query parameters as a list, so repeated keys (`include=a&include=b`) are all seen.
pub(crate) type Params = Vec<(String, String)>;

pub(crate) fn params(query: Result<Query<Params>, QueryRejection>) -> Result<Params, Problem> {
    query
        .map(|Query(p)| p)
        .map_err(|e| Problem::bad_request(format!("Malformed query string: {e}")))
}

/// Every value of a comma-separated list parameter.
pub(crate) fn list_param<'a>(params: &'a Params, key: &str) -> Vec<&'a str> {
    params
        .iter()
        .filter(|(k, _)| k == key)
        .flat_map(|(_, v)| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect()
}

/// Checks a list parameter against its allowed values (the OpenAPI enum).
pub(crate) fn checked_list<'a>(
    params: &'a Params,
    key: &str,
    allowed: &[&str],
) -> Result<Vec<&'a str>, Problem> {
    let values = list_param(params, key);
    if let Some(bad) = values.iter().find(|v| !allowed.contains(v)) {
        return Err(Problem::bad_request(format!(
            "Invalid value `{bad}` of the `{key}` parameter; allowed values: {}.",
            allowed.join(", ")
        )));
    }
    Ok(values)
}

/// A page request after defaults, validation and the server's size cap.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Paging {
    pub page: usize,
    pub size: usize,
}

impl Paging {
    pub(crate) fn offset(self) -> usize {
        self.page.saturating_mul(self.size)
    }

    pub(crate) fn total_pages(self, total: usize) -> usize {
        total.div_ceil(self.size)
    }
}

pub(crate) fn paging(shared: &Shared, params: &Params) -> Result<Paging, Problem> {
    let number = |key: &str, default: usize, min: usize| -> Result<usize, Problem> {
        match params.iter().rev().find(|(k, _)| k == key) {
            None => Ok(default),
            Some((_, raw)) => raw
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|n| *n >= min)
                .ok_or_else(|| {
                    Problem::bad_request(format!(
                        "Invalid value `{raw}` of the `{key}` parameter: expected an integer of at least {min}."
                    ))
                }),
        }
    };
    let page = number("page", 0, 0)?;
    let requested = number("size", 20, 1)?;
    let size = shared
        .max_page_size
        .map_or(requested, |cap| requested.min(cap.max(1)));
    Ok(Paging { page, size })
}

async fn layout_get(State(shared): State<Arc<Shared>>) -> Response {
    let groups = lock(&shared.store).all();
    let items: Vec<Value> = groups
        .iter()
        .map(|g| {
            let mut item = serde_json::Map::new();
            item.insert("id".into(), json!(g.id));
            if let Some(name) = &g.name {
                item.insert("name".into(), json!(name));
            }
            if !g.parents.is_empty() {
                let parents: Vec<Value> = g
                    .parents
                    .iter()
                    .map(|p| json!({"id": p, "type": "userGroup"}))
                    .collect();
                item.insert("parents".into(), Value::Array(parents));
            }
            item.insert("permissions".into(), json!([]));
            Value::Object(item)
        })
        .collect();
    json_response(
        StatusCode::OK,
        "application/json",
        &json!({ "userGroups": items }),
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LayoutDocument {
    #[serde(rename = "userGroups")]
    user_groups: Vec<LayoutGroup>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LayoutGroup {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    parents: Option<Vec<LayoutParent>>,
    /// Accepted and not kept: the sandbox does not model permissions.
    #[serde(default, rename = "permissions")]
    _permissions: Option<Vec<Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LayoutParent {
    id: String,
    #[serde(rename = "type")]
    kind: String,
}

/// The destructive full replace of `put_declarative_user_groups.yaml`: groups left out are
/// deleted, and a group listed without a name loses its name.
async fn layout_put(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    entities::require_json(&headers)?;
    let document: LayoutDocument = serde_json::from_slice(&body)
        .map_err(|e| Problem::bad_request(format!("Malformed layout body: {e}.")))?;
    let mut groups = Vec::with_capacity(document.user_groups.len());
    for item in document.user_groups {
        let mut parents = BTreeSet::new();
        for parent in item.parents.unwrap_or_default() {
            if parent.kind != "userGroup" {
                return Err(Problem::bad_request(format!(
                    "The parent `{}` of `{}` has type `{}`; only `userGroup` is allowed.",
                    parent.id, item.id, parent.kind
                )));
            }
            parents.insert(parent.id);
        }
        groups.push(Group {
            id: item.id,
            name: item.name,
            parents,
        });
    }
    lock(&shared.store)
        .replace_all(groups)
        .map_err(entities::store_problem)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /api/v1/entities/organization` redirects to the organization entity
/// (`load_and_put_declarative_user_groups.yaml`).
async fn organization_redirect() -> Response {
    let mut response = StatusCode::FOUND.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::LOCATION,
        HeaderValue::from_static("/api/v1/entities/admin/organizations/default"),
    );
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(VND_JSON));
    response
}

/// The organization `default`. Its relationships follow the JSON:API rule the user-group
/// recordings show: the recorded organization GET had no `include` and no `relationships`, and
/// user groups carry `relationships` only when an `include` asks for them. So
/// `bootstrapUser`/`bootstrapUserGroup` appear when `include` names them, names their collection
/// (`users`/`userGroups`), or is `ALL`, together with the entities in `included`.
async fn organization_get(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
    query: Result<Query<Params>, QueryRejection>,
) -> Result<Response, Problem> {
    let params = params(query)?;
    let include = checked_list(
        &params,
        "include",
        &[
            "users",
            "userGroups",
            "identityProviders",
            "bootstrapUser",
            "bootstrapUserGroup",
            "identityProvider",
            "ALL",
        ],
    )?;
    let meta = checked_list(&params, "metaInclude", &["permissions", "all", "ALL"])?;
    if id != "default" {
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
            "name": "Default Organization",
            "hostname": hostname,
            "allowedOrigins": [],
            "earlyAccess": "enableAlerting",
            "earlyAccessValues": [
                "enableAlerting",
                "enableSmtp",
                "enablePreAggregationDatasets",
                "enableScheduling",
                "enableCompositeGrain",
                "enableUserManagement",
                "enableRawExports",
                "enableFlexibleDashboardLayout",
            ],
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
        included.push(json!({
            "id": BOOTSTRAP_USER,
            "type": "user",
            "attributes": {},
            "links": {"self": format!("{}/api/v1/entities/users/{BOOTSTRAP_USER}", exchange.base)},
        }));
    }
    if wants(&["bootstrapUserGroup", "userGroups"]) {
        relationships.insert(
            "bootstrapUserGroup".into(),
            json!({"data": {"id": bootstrap, "type": "userGroup"}}),
        );
        if let Some(group) = lock(&shared.store).get(&bootstrap) {
            included.push(entities::resource(&group, false, Some(&exchange.base)));
        }
    }
    if !relationships.is_empty() {
        data["relationships"] = Value::Object(relationships);
    }
    if !meta.is_empty() {
        data["meta"] = json!({"permissions": ["MANAGE", "SELF_CREATE_TOKEN", "BASE_UI_ACCESS"]});
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

/// `UserManagementUserGroups`: one page of groups with their user counts.
async fn management_list(
    State(shared): State<Arc<Shared>>,
    query: Result<Query<Params>, QueryRejection>,
) -> Result<Response, Problem> {
    let params = params(query)?;
    let paging = paging(&shared, &params)?;
    let (total, rows) = {
        let mut store = lock(&shared.store);
        (
            store.len(),
            store.management_page(paging.offset(), paging.size),
        )
    };
    let items: Vec<Value> = rows
        .into_iter()
        .map(|row| {
            let mut item = serde_json::Map::new();
            item.insert("id".into(), json!(row.group.id));
            if let Some(name) = row.group.name {
                item.insert("name".into(), json!(name));
            }
            item.insert("organizationAdmin".into(), json!(row.organization_admin));
            item.insert("userCount".into(), json!(row.user_count));
            item.insert("workspaces".into(), json!([]));
            item.insert("dataSources".into(), json!([]));
            Value::Object(item)
        })
        .collect();
    Ok(json_response(
        StatusCode::OK,
        "application/json",
        &json!({ "totalCount": total, "userGroups": items }),
    ))
}

/// `UserManagementUserGroupMembers`: `{members: [{id}]}`, as the schema names it.
async fn management_members(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let members = lock(&shared.store)
        .members(&id)
        .ok_or_else(Problem::not_found)?;
    let members: Vec<Value> = members.into_iter().map(|m| json!({ "id": m })).collect();
    Ok(json_response(
        StatusCode::OK,
        "application/json",
        &json!({ "members": members }),
    ))
}

async fn stats(State(shared): State<Arc<Shared>>) -> Response {
    let snapshot = lock(&shared.stats).clone();
    let body = serde_json::to_value(&snapshot).unwrap_or(Value::Null);
    json_response(StatusCode::OK, "application/json", &body)
}

async fn reset_stats(State(shared): State<Arc<Shared>>) -> Response {
    *lock(&shared.stats) = super::Stats::default();
    StatusCode::NO_CONTENT.into_response()
}
