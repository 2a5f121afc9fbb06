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

use super::http::{Exchange, MetaValues, Params, list_document, list_query, params};
use crate::catalog::{DataSource, Workspace};
use crate::problem::Problem;
use crate::{Shared, lock};

const WORKSPACE_INCLUDES: &[&str] = &["workspaces", "parent", "ALL"];

/// Only `meta.page` is computed; the other meta objects of the spec are refused.
const WORKSPACE_META: MetaValues = MetaValues {
    served: &["page"],
    refused: &[
        "config",
        "permissions",
        "hierarchy",
        "dataModelDatasets",
        "all",
        "ALL",
    ],
};

const DATA_SOURCE_META: MetaValues = MetaValues {
    served: &["page"],
    refused: &["permissions", "all", "ALL"],
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

/// `GET /api/v1/entities/workspaces`: `include`, `page`, `size`, `metaInclude=page`, `sort` by
/// `id`.
pub(crate) async fn workspaces(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: Uri,
    query: Result<Query<Params>, QueryRejection>,
) -> Result<Response, Problem> {
    let params = params(query)?;
    let query = list_query(&shared, &params, WORKSPACE_INCLUDES, &WORKSPACE_META)?;
    let exchange = Exchange::new(&shared, &headers, &uri);
    let (total, data, included) = {
        let mut store = lock(&shared.store);
        let page =
            store.workspaces_page(query.paging.offset(), query.paging.size, query.descending);
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
        (store.workspaces_len(), data, included)
    };
    let body = list_document(&exchange, &uri, query, total, data, included);
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

/// `GET /api/v1/entities/dataSources`: `page`, `size`, `metaInclude=page`, `sort` by `id`.
pub(crate) async fn data_sources(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: Uri,
    query: Result<Query<Params>, QueryRejection>,
) -> Result<Response, Problem> {
    let params = params(query)?;
    let query = list_query(&shared, &params, &[], &DATA_SOURCE_META)?;
    let exchange = Exchange::new(&shared, &headers, &uri);
    let (total, data) = {
        let mut store = lock(&shared.store);
        let page =
            store.data_sources_page(query.paging.offset(), query.paging.size, query.descending);
        let data: Vec<Value> = page
            .iter()
            .map(|d| data_source_resource(d, &exchange.base))
            .collect();
        (store.data_sources_len(), data)
    };
    let body = list_document(&exchange, &uri, query, total, data, Vec::new());
    Ok(exchange.json(StatusCode::OK, &body))
}
