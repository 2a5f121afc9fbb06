//! `/api/v1/entities/workspaces` and `/api/v1/entities/dataSources`, read-only listings paged
//! like the groups. A workspace's parent is in `relationships.parent` when `include` asks (and it
//! has one), with the parents in `included`. Data sources carry the attributes the spec
//! requires (`name`, `schema`, `type`) and no connection details. The sandbox creates neither
//! through the API; both come from its seed.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::http::{Exchange, list_document};
use super::query::{Fields, Include, IncludeKind, ListQuery, Listing, MetaValues, Params, params};
use crate::catalog::{DataSource, Workspace};
use crate::problem::Problem;
use crate::{Shared, lock};

/// Only `meta.page` is computed; the other meta objects of the spec are not simulated.
const WORKSPACES: Listing = Listing {
    includes: &[
        ("workspaces", IncludeKind::Collection),
        ("parent", IncludeKind::Relationship),
        ("ALL", IncludeKind::All),
    ],
    meta: MetaValues {
        served: &["page"],
        not_simulated: &[
            "config",
            "permissions",
            "hierarchy",
            "dataModelDatasets",
            "all",
            "ALL",
        ],
    },
    fields: Fields {
        own: &["id", "name"],
        related: &["parent.id"],
    },
};

const DATA_SOURCES: Listing = Listing {
    includes: &[] as &[Include],
    meta: MetaValues {
        served: &["page"],
        not_simulated: &["permissions", "all", "ALL"],
    },
    fields: Fields {
        own: &["id", "name", "schema", "type"],
        related: &[],
    },
};

fn workspace_resource(workspace: &Workspace, with_parent: bool, base: &str) -> Value {
    let mut object = Map::new();
    object.insert("id".into(), json!(workspace.id));
    object.insert("type".into(), json!("workspace"));
    let mut attributes = Map::new();
    if let Some(name) = &workspace.name {
        attributes.insert("name".into(), json!(name));
    }
    object.insert("attributes".into(), Value::Object(attributes));
    if with_parent && let Some(parent) = &workspace.parent {
        object.insert(
            "relationships".into(),
            json!({"parent": {"data": {"id": parent, "type": "workspace"}}}),
        );
    }
    object.insert(
        "links".into(),
        json!({"self": format!("{base}/api/v1/entities/workspaces/{}", workspace.id)}),
    );
    Value::Object(object)
}

/// `GET /api/v1/entities/workspaces`: see [`ListQuery`] for what it takes.
pub(crate) async fn workspaces(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: Uri,
    query: Result<Query<Params>, QueryRejection>,
) -> Result<Response, Problem> {
    let params = params(query)?;
    let query = ListQuery::new(&shared, &params, &WORKSPACES)?;
    let exchange = Exchange::new(&shared, &headers, &uri);
    let (total, data, included) = {
        let mut store = lock(&shared.store);
        let (total, page) = match query.id_order() {
            Some(descending) => (
                store.workspaces_len(),
                store.workspaces_page(query.paging.offset(), query.paging.size, descending),
            ),
            None => query.select(store.all_workspaces()),
        };
        let data: Vec<Value> = page
            .iter()
            .map(|w| workspace_resource(w, query.include, &exchange.base))
            .collect();
        let parents: BTreeSet<&String> = if query.include {
            page.iter().filter_map(|w| w.parent.as_ref()).collect()
        } else {
            BTreeSet::new()
        };
        let included: Vec<Value> = parents
            .into_iter()
            .filter_map(|id| store.workspace(id))
            .map(|w| workspace_resource(w, false, &exchange.base))
            .collect();
        (total, data, included)
    };
    let body = list_document(&exchange, &uri, &query, total, data, included);
    Ok(exchange.json(StatusCode::OK, &body))
}

fn data_source_resource(data_source: &DataSource, base: &str) -> Value {
    json!({
        "id": data_source.id,
        "type": "dataSource",
        "attributes": {
            "name": data_source.name,
            "schema": data_source.schema,
            "type": data_source.kind,
        },
        "links": {"self": format!("{base}/api/v1/entities/dataSources/{}", data_source.id)},
    })
}

/// `GET /api/v1/entities/dataSources`: see [`ListQuery`] for what it takes.
pub(crate) async fn data_sources(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: Uri,
    query: Result<Query<Params>, QueryRejection>,
) -> Result<Response, Problem> {
    let params = params(query)?;
    let query = ListQuery::new(&shared, &params, &DATA_SOURCES)?;
    let exchange = Exchange::new(&shared, &headers, &uri);
    let (total, data) = {
        let mut store = lock(&shared.store);
        let (total, page) = match query.id_order() {
            Some(descending) => (
                store.data_sources_len(),
                store.data_sources_page(query.paging.offset(), query.paging.size, descending),
            ),
            None => query.select(store.all_data_sources()),
        };
        let data: Vec<Value> = page
            .iter()
            .map(|d| data_source_resource(d, &exchange.base))
            .collect();
        (total, data)
    };
    let body = list_document(&exchange, &uri, &query, total, data, Vec::new());
    Ok(exchange.json(StatusCode::OK, &body))
}
