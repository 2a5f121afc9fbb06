//! The HTTP surface: the router, the middleware every API request passes (counting, trace ids,
//! problem rendering, fault injection, bearer auth) and `/_sandbox/*`. The endpoints live in one
//! module per part of the API; what they share is in `http`.

mod catalog;
mod conformance;
mod groups;
mod http;
mod layout;
mod management;
mod media;
mod organization;
mod query;
mod users;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, delete, get, patch, post, put};
use serde_json::Value;

use http::json_response;

use crate::faults::{self, Dropped};
use crate::problem::{Problem, new_trace_id};
use crate::{Shared, lock};

/// Large layouts (100,000 groups) exceed axum's 2 MB default.
const BODY_LIMIT: usize = 64 * 1024 * 1024;

const GROUPS: &str = "/api/v1/entities/userGroups";
const GROUP: &str = "/api/v1/entities/userGroups/{id}";
const GROUPS_LAYOUT: &str = "/api/v1/layout/userGroups";
const ORGANIZATION: &str = "/api/v1/entities/organization";
const ORGANIZATION_ENTITY: &str = "/api/v1/entities/admin/organizations/{id}";
const MANAGEMENT_GROUPS: &str = "/api/v1/actions/userManagement/userGroups";
const MANAGEMENT_MEMBERS: &str = "/api/v1/actions/userManagement/userGroups/{id}/members";
const ADD_MEMBERS: &str = "/api/v1/actions/userManagement/userGroups/{id}/addMembers";
const REMOVE_MEMBERS: &str = "/api/v1/actions/userManagement/userGroups/{id}/removeMembers";
const GROUP_PERMISSIONS: &str = "/api/v1/actions/userManagement/userGroups/{id}/permissions";
const USER_PERMISSIONS: &str = "/api/v1/actions/userManagement/users/{id}/permissions";
const ASSIGN: &str = "/api/v1/actions/userManagement/assignPermissions";
const REVOKE: &str = "/api/v1/actions/userManagement/revokePermissions";
const USERS: &str = "/api/v1/entities/users";
const USER: &str = "/api/v1/entities/users/{id}";
const WORKSPACES: &str = "/api/v1/entities/workspaces";
const DATA_SOURCES: &str = "/api/v1/entities/dataSources";
const PROFILE: &str = "/api/v1/profile";
const MANAGE_ORGANIZATION: &str = "/api/v1/actions/organization/managePermissions";
const ORGANIZATION_LAYOUT: &str = "/api/v1/layout/organization/permissions";

/// The template a path matches (`{…}` is one segment): that of an operation of
/// [`conformance::OPERATIONS`], or the path itself.
fn route_template(path: &str) -> String {
    conformance::OPERATIONS
        .iter()
        .find(|op| conformance::matches(op.path, path, |segment| !segment.is_empty()))
        .map_or_else(|| path.to_string(), |op| conformance::template(op.path))
}

/// The whole application.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let api = Router::new()
        .route(GROUPS, get(groups::list).post(groups::create))
        .route(
            GROUP,
            get(groups::get_one)
                .put(groups::put)
                .patch(groups::patch)
                .delete(groups::delete),
        )
        .route(
            GROUPS_LAYOUT,
            get(layout::get_groups).put(layout::put_groups),
        )
        .route(ORGANIZATION, get(organization::redirect))
        .route(ORGANIZATION_ENTITY, get(organization::entity))
        .route(USERS, get(users::list))
        .route(USER, get(users::get_one))
        .route(WORKSPACES, get(catalog::workspaces))
        .route(DATA_SOURCES, get(catalog::data_sources))
        .route(PROFILE, get(organization::profile))
        .route(ADD_MEMBERS, post(management::add_members))
        .route(REMOVE_MEMBERS, post(management::remove_members))
        .route(
            GROUP_PERMISSIONS,
            get(management::group_permissions).post(management::set_group_permissions),
        )
        .route(
            USER_PERMISSIONS,
            get(management::user_permissions).post(management::set_user_permissions),
        )
        .route(ASSIGN, post(management::assign))
        .route(REVOKE, post(management::revoke))
        .route(MANAGE_ORGANIZATION, post(organization::manage_permissions))
        .route(
            ORGANIZATION_LAYOUT,
            get(organization::get_permissions).put(organization::put_permissions),
        );
    // An older server has no user-management listings: left out, they fall to `unknown_route`
    // and answer exactly as any route the server does not know.
    let api = if shared.user_management {
        api.route(MANAGEMENT_GROUPS, get(management::list_groups))
            .route(MANAGEMENT_MEMBERS, get(management::members))
    } else {
        api
    };
    // The operations of the spec the sandbox does not simulate answer 501, not 404 or 405.
    let api = conformance::OPERATIONS
        .iter()
        .filter(|op| op.support == conformance::Support::NotSimulated)
        .fold(api, |api, op| {
            api.route(
                &conformance::template(op.path),
                on_method(op.method, conformance::not_simulated_operation),
            )
        });
    let api = api
        // Only on matched routes, inside authentication: a request without the token is 401
        // whatever its parameters.
        .route_layer(middleware::from_fn(conformance::conform))
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

/// A method router for one method of the spec.
fn on_method<H, T>(method: &str, handler: H) -> MethodRouter<Arc<Shared>>
where
    H: axum::handler::Handler<T, Arc<Shared>>,
    T: 'static,
{
    match method {
        "POST" => post(handler),
        "PUT" => put(handler),
        "PATCH" => patch(handler),
        "DELETE" => delete(handler),
        _ => get(handler),
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
        crate::stats::DROPPED.to_string()
    } else {
        if let Some(problem) = response.extensions().get::<Problem>().cloned() {
            response = problem.render(&trace_id);
        } else if needs_problem_body(&response) {
            response = framework_error_to_problem(response).await.render(&trace_id);
        }
        // The recorded 401 (`is_available_no_access.yaml`) carries no trace id.
        let traced = response.status() != StatusCode::UNAUTHORIZED;
        let headers = response.headers_mut();
        if traced && let Ok(value) = HeaderValue::from_str(&trace_id) {
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

/// 401 with an empty body, no trace id and the challenge the real server sends
/// (`is_available_no_access.yaml`), unless the request carries exactly `Bearer <token>`.
///
/// Strict: the recordings show only that form, so the scheme is matched case-sensitively and
/// the token as it comes (`bearer sandbox`, `Bearer  sandbox` and two `Authorization` headers
/// are 401). A client that passes here sends what every server takes. Whitespace after the
/// token never gets here: it is not part of the header's value (RFC 9110 §5.5).
async fn authenticate(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let authorized = request
        .headers()
        .get_all(header::AUTHORIZATION)
        .iter()
        .map(HeaderValue::as_bytes)
        .eq([format!("Bearer {}", shared.token).as_bytes()]);
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

async fn stats(State(shared): State<Arc<Shared>>) -> Response {
    let snapshot = lock(&shared.stats).clone();
    let body = serde_json::to_value(&snapshot).unwrap_or(Value::Null);
    json_response(StatusCode::OK, "application/json", &body)
}

async fn reset_stats(State(shared): State<Arc<Shared>>) -> Response {
    *lock(&shared.stats) = crate::Stats::default();
    StatusCode::NO_CONTENT.into_response()
}
