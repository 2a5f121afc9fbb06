//! `/api/v1/entities/users`, read-only: the listing (paged like the groups, `links.next` on every
//! page) and one user, with each user's groups in `relationships.userGroups` and the groups in
//! `included` when `include` asks (`list_users.yaml`, `get_user.yaml`).
//!
//! The writes of the user entity (POST, PUT, PATCH, DELETE) are not simulated: gdgroups never
//! creates, changes or deletes users, and the sandbox's users come from its seed. They answer
//! 501 problem+json (see `conformance`).

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::groups::included;
use super::http::{Exchange, check_path_id, entity_document, list_document};
use super::query::{
    Fields, Include, IncludeKind, ListQuery, Listing, PAGE_META, Params, includes, params,
};
use crate::problem::Problem;
use crate::user::User;
use crate::{Shared, lock};

const INCLUDES: &[Include] = &[
    ("userGroups", IncludeKind::Collection),
    ("ALL", IncludeKind::All),
];

const LISTING: Listing = Listing {
    includes: INCLUDES,
    meta: PAGE_META,
    fields: Fields {
        own: &["id", "authenticationId", "email", "firstname", "lastname"],
        related: &["userGroups.id"],
    },
};

/// One user as a JSON:API resource: `attributes` as far as the user has them (`{}` otherwise),
/// `relationships.userGroups` when `groups` is given and not empty, and `links.self` with a
/// base.
pub(crate) fn resource(user: &User, groups: Option<&[String]>, links_base: Option<&str>) -> Value {
    let mut object = Map::new();
    object.insert("id".into(), json!(user.id));
    object.insert("type".into(), json!("user"));
    let mut attributes = Map::new();
    for (key, value) in [
        ("authenticationId", &user.authentication_id),
        ("email", &user.email),
        ("firstname", &user.firstname),
        ("lastname", &user.lastname),
    ] {
        if let Some(value) = value {
            attributes.insert(key.into(), json!(value));
        }
    }
    object.insert("attributes".into(), Value::Object(attributes));
    if let Some(groups) = groups.filter(|g| !g.is_empty()) {
        let data: Vec<Value> = groups
            .iter()
            .map(|g| json!({"id": g, "type": "userGroup"}))
            .collect();
        object.insert(
            "relationships".into(),
            json!({"userGroups": {"data": data}}),
        );
    }
    if let Some(base) = links_base {
        object.insert(
            "links".into(),
            json!({"self": format!("{base}/api/v1/entities/users/{}", user.id)}),
        );
    }
    Value::Object(object)
}

/// `GET /api/v1/entities/users`: see [`ListQuery`] for what it takes.
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: Uri,
    query: Result<Query<Params>, QueryRejection>,
) -> Result<Response, Problem> {
    let params = params(query)?;
    let query = ListQuery::new(&shared, &params, &LISTING)?;
    let exchange = Exchange::new(&shared, &headers, &uri);
    let (total, data, included) = {
        let mut store = lock(&shared.store);
        let (total, rows) = match query.id_order() {
            Some(descending) => (
                store.users_len(),
                store.users_page(query.paging.offset(), query.paging.size, descending),
            ),
            None => query.select(store.all_users()),
        };
        let groups = query.include.then_some(());
        let data: Vec<Value> = rows
            .iter()
            .map(|row| {
                resource(
                    &row.user,
                    groups.map(|()| row.groups.as_slice()),
                    Some(&exchange.base),
                )
            })
            .collect();
        let included = if query.include {
            included(&store, rows.iter().flat_map(|r| &r.groups), &exchange.base)
        } else {
            Vec::new()
        };
        (total, data, included)
    };
    let body = list_document(&exchange, &uri, &query, total, data, included);
    Ok(exchange.json(StatusCode::OK, &body))
}

/// `GET /api/v1/entities/users/{id}`: 404 problem+json for an unknown user.
pub(crate) async fn get_one(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
    query: Result<Query<Params>, QueryRejection>,
) -> Result<Response, Problem> {
    let params = params(query)?;
    let with_groups = !includes(&params, INCLUDES)?.is_empty();
    check_path_id(&id)?;
    let exchange = Exchange::new(&shared, &headers, &uri);
    let body = {
        let store = lock(&shared.store);
        let row = store.user(&id).ok_or_else(Problem::not_found)?;
        let groups = with_groups.then_some(row.groups.as_slice());
        let included = if with_groups {
            included(&store, &row.groups, &exchange.base)
        } else {
            Vec::new()
        };
        entity_document(
            resource(&row.user, groups, None),
            included,
            &exchange.self_url,
        )
    };
    Ok(exchange.json(StatusCode::OK, &body))
}
