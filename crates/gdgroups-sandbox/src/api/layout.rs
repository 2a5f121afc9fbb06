//! `/api/v1/layout/userGroups`: every group in one document, and the destructive full replace
//! (`put_declarative_user_groups.yaml`).

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::http::{json_response, store_problem};
use crate::group::Group;
use crate::problem::Problem;
use crate::{Shared, lock};

pub(crate) async fn get_groups(State(shared): State<Arc<Shared>>) -> Response {
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
/// deleted, and a group listed without a name loses its name. The bootstrap group must be
/// listed unchanged (400 otherwise, see `Store::replace_all`).
pub(crate) async fn put_groups(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> Result<Response, Problem> {
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
        .map_err(store_problem)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
