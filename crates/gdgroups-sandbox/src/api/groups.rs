//! `/api/v1/entities/userGroups`: the JSON:API entity endpoints, with the bodies shaped as the
//! recordings show them (`attributes: {}` for an unnamed group, `relationships` only with
//! `include` and only on groups that have parents, `links.next` on every page).

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::http::{Exchange, check_path_id, entity_document, list_document, store_problem};
use super::media::VND_JSON;
use super::query::{
    Fields, Include, IncludeKind, ListQuery, Listing, PAGE_META, Params, includes, params,
};
use crate::group::{Group, ID_PATTERN, MAX_NAME_CHARS, is_valid_id};
use crate::problem::Problem;
use crate::store::{NameChange, Patch, Store};
use crate::{Shared, lock};

const INCLUDES: &[Include] = &[
    ("userGroups", IncludeKind::Collection),
    ("parents", IncludeKind::Relationship),
    ("ALL", IncludeKind::All),
];

/// `GET /api/v1/entities/userGroups`: its includes, metas and the fields `filter` and `sort`
/// take.
const LISTING: Listing = Listing {
    includes: INCLUDES,
    meta: PAGE_META,
    fields: Fields {
        own: &["id", "name"],
        related: &["parents.id"],
    },
};

/// The only relationship of a user group is `parents`, so any accepted include asks for it.
fn wants_parents(params: &Params) -> Result<bool, Problem> {
    Ok(!includes(params, INCLUDES)?.is_empty())
}

/// One user group as a JSON:API resource. `links_base` adds `links.self` (list items and
/// `included` have it, the primary resource of a single-entity document does not).
pub(crate) fn resource(group: &Group, with_parents: bool, links_base: Option<&str>) -> Value {
    let mut object = Map::new();
    object.insert("id".into(), json!(group.id));
    object.insert("type".into(), json!("userGroup"));
    let mut attributes = Map::new();
    if let Some(name) = &group.name {
        attributes.insert("name".into(), json!(name));
    }
    object.insert("attributes".into(), Value::Object(attributes));
    if with_parents && !group.parents.is_empty() {
        let data: Vec<Value> = group
            .parents
            .iter()
            .map(|p| json!({"id": p, "type": "userGroup"}))
            .collect();
        object.insert("relationships".into(), json!({"parents": {"data": data}}));
    }
    if let Some(base) = links_base {
        object.insert(
            "links".into(),
            json!({"self": format!("{base}/api/v1/entities/userGroups/{}", group.id)}),
        );
    }
    Value::Object(object)
}

/// The groups `ids` as `included` resources: de-duplicated and sorted by id, each with links
/// and without relationships. A group is listed even when it is also in `data`, as the real
/// server does.
pub(crate) fn included<'a>(
    store: &Store,
    ids: impl IntoIterator<Item = &'a String>,
    base: &str,
) -> Vec<Value> {
    let ids: BTreeSet<&String> = ids.into_iter().collect();
    ids.into_iter()
        .filter_map(|id| store.get(id))
        .map(|g| resource(&g, false, Some(base)))
        .collect()
}

/// A single-entity document: `data` without links, the parents in `included` when asked for,
/// `links.self`.
fn document(
    shared: &Shared,
    exchange: &Exchange,
    group: &Group,
    with_parents: bool,
    self_url: &str,
) -> Value {
    let included = if with_parents {
        included(&lock(&shared.store), &group.parents, &exchange.base)
    } else {
        Vec::new()
    };
    entity_document(resource(group, with_parents, None), included, self_url)
}

/// `GET /api/v1/entities/userGroups`: see [`ListQuery`] for what it takes.
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
        let (total, groups) = match query.id_order() {
            Some(descending) => (
                store.len(),
                store.page(query.paging.offset(), query.paging.size, descending),
            ),
            None => query.select(store.all()),
        };
        let data: Vec<Value> = groups
            .iter()
            .map(|g| resource(g, query.include, Some(&exchange.base)))
            .collect();
        let included = if query.include {
            included(
                &store,
                groups.iter().flat_map(|g| &g.parents),
                &exchange.base,
            )
        } else {
            Vec::new()
        };
        (total, data, included)
    };
    let body = list_document(&exchange, &uri, &query, total, data, included);
    Ok(exchange.json(StatusCode::OK, &body))
}

/// `GET /api/v1/entities/userGroups/{id}`.
pub(crate) async fn get_one(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
    query: Result<Query<Params>, QueryRejection>,
) -> Result<Response, Problem> {
    let params = params(query)?;
    let with_parents = wants_parents(&params)?;
    check_path_id(&id)?;
    let group = lock(&shared.store)
        .get(&id)
        .ok_or_else(Problem::not_found)?;
    let exchange = Exchange::new(&shared, &headers, &uri);
    let body = document(&shared, &exchange, &group, with_parents, &exchange.self_url);
    Ok(exchange.json(StatusCode::OK, &body))
}

/// `POST /api/v1/entities/userGroups`: 201 with the new entity.
pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: Uri,
    query: Result<Query<Params>, QueryRejection>,
    body: Bytes,
) -> Result<Response, Problem> {
    let params = params(query)?;
    let with_parents = wants_parents(&params)?;
    let input = Input::parse(&body)?;
    let group = Group {
        id: input.id,
        name: input.name.into_value(),
        parents: input.parents.unwrap_or_default(),
    };
    let group = lock(&shared.store).create(group).map_err(store_problem)?;
    let exchange = Exchange::new(&shared, &headers, &uri);
    let self_url = entity_url(&exchange, &group.id, uri.query());
    let body = document(&shared, &exchange, &group, with_parents, &self_url);
    Ok(exchange.json(StatusCode::CREATED, &body))
}

fn entity_url(exchange: &Exchange, id: &str, query: Option<&str>) -> String {
    let mut url = format!("{}/api/v1/entities/userGroups/{id}", exchange.base);
    if let Some(q) = query.filter(|q| !q.is_empty()) {
        url.push('?');
        url.push_str(q);
    }
    url
}

/// `PUT /api/v1/entities/userGroups/{id}`: a full replace; what the body leaves out (the name,
/// the parents) the group no longer has.
pub(crate) async fn put(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
    query: Result<Query<Params>, QueryRejection>,
    body: Bytes,
) -> Result<Response, Problem> {
    let params = params(query)?;
    let with_parents = wants_parents(&params)?;
    check_path_id(&id)?;
    let input = Input::parse(&body)?;
    input.check_path(&id)?;
    let group = Group {
        id: input.id,
        name: input.name.into_value(),
        parents: input.parents.unwrap_or_default(),
    };
    let group = lock(&shared.store).replace(group).map_err(store_problem)?;
    let exchange = Exchange::new(&shared, &headers, &uri);
    let body = document(&shared, &exchange, &group, with_parents, &exchange.self_url);
    Ok(exchange.json(StatusCode::OK, &body))
}

/// `PATCH /api/v1/entities/userGroups/{id}`: only the fields in the body change; a `null` name
/// removes the name.
pub(crate) async fn patch(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
    query: Result<Query<Params>, QueryRejection>,
    body: Bytes,
) -> Result<Response, Problem> {
    let params = params(query)?;
    let with_parents = wants_parents(&params)?;
    check_path_id(&id)?;
    let input = Input::parse(&body)?;
    input.check_path(&id)?;
    let patch = Patch {
        name: match input.name {
            Field::Absent => NameChange::Keep,
            Field::Null => NameChange::Remove,
            Field::Value(name) => NameChange::Set(name),
        },
        parents: input.parents,
    };
    let group = lock(&shared.store)
        .patch(&id, patch)
        .map_err(store_problem)?;
    let exchange = Exchange::new(&shared, &headers, &uri);
    let body = document(&shared, &exchange, &group, with_parents, &exchange.self_url);
    Ok(exchange.json(StatusCode::OK, &body))
}

/// `DELETE /api/v1/entities/userGroups/{id}`: 204 with an empty body.
pub(crate) async fn delete(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    check_path_id(&id)?;
    lock(&shared.store).delete(&id).map_err(store_problem)?;
    // The recording answers 204 with the vendor content type although the body is empty.
    Ok((StatusCode::NO_CONTENT, [(header::CONTENT_TYPE, VND_JSON)]).into_response())
}

/// A JSON field that may be absent, `null`, or set.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Field {
    Absent,
    Null,
    Value(String),
}

impl Field {
    fn into_value(self) -> Option<String> {
        match self {
            Field::Value(v) => Some(v),
            Field::Absent | Field::Null => None,
        }
    }
}

/// A `JsonApiUserGroupIn`/`Patch` document, checked against the schema with messages that name
/// the offending member.
#[derive(Debug)]
struct Input {
    id: String,
    name: Field,
    parents: Option<BTreeSet<String>>,
}

impl Input {
    fn parse(body: &[u8]) -> Result<Self, Problem> {
        let document: Value = serde_json::from_slice(body)
            .map_err(|e| Problem::bad_request(format!("The body is not valid JSON: {e}.")))?;
        let data = document
            .as_object()
            .ok_or_else(|| {
                Problem::bad_request("The body must be a JSON object with a `data` member.")
            })?
            .get("data")
            .ok_or_else(|| Problem::bad_request("The body has no `data` member."))?
            .as_object()
            .ok_or_else(|| Problem::bad_request("`data` must be an object."))?;
        for key in data.keys() {
            if !matches!(
                key.as_str(),
                "id" | "type" | "attributes" | "relationships" | "links" | "meta"
            ) {
                return Err(Problem::bad_request(format!(
                    "Unknown member `data.{key}`; a user group has `id`, `type`, `attributes` and `relationships`."
                )));
            }
        }
        match data.get("type") {
            Some(Value::String(t)) if t == "userGroup" => {}
            Some(other) => {
                return Err(Problem::bad_request(format!(
                    "`data.type` must be \"userGroup\", not {other}."
                )));
            }
            None => {
                return Err(Problem::bad_request(
                    "`data.type` is required (\"userGroup\").",
                ));
            }
        }
        let id = match data.get("id") {
            Some(Value::String(id)) if is_valid_id(id) => id.clone(),
            Some(Value::String(id)) => {
                return Err(Problem::bad_request(format!(
                    "`data.id` `{id}` is invalid: it must match {ID_PATTERN}."
                )));
            }
            Some(other) => {
                return Err(Problem::bad_request(format!(
                    "`data.id` must be a string, not {other}."
                )));
            }
            None => return Err(Problem::bad_request("`data.id` is required.")),
        };
        let name = Self::name(data.get("attributes"))?;
        let parents = Self::parents(data.get("relationships"))?;
        Ok(Self { id, name, parents })
    }

    fn name(attributes: Option<&Value>) -> Result<Field, Problem> {
        let attributes = match attributes {
            None | Some(Value::Null) => return Ok(Field::Absent),
            Some(Value::Object(map)) => map,
            Some(other) => {
                return Err(Problem::bad_request(format!(
                    "`data.attributes` must be an object, not {other}."
                )));
            }
        };
        if let Some(key) = attributes.keys().find(|k| *k != "name") {
            return Err(Problem::bad_request(format!(
                "Unknown attribute `data.attributes.{key}`; a user group has only `name`."
            )));
        }
        match attributes.get("name") {
            None => Ok(Field::Absent),
            Some(Value::Null) => Ok(Field::Null),
            Some(Value::String(name)) => {
                let chars = name.chars().count();
                if chars > MAX_NAME_CHARS {
                    Err(Problem::bad_request(format!(
                        "`data.attributes.name` is {chars} characters long; at most {MAX_NAME_CHARS} are allowed."
                    )))
                } else {
                    Ok(Field::Value(name.clone()))
                }
            }
            Some(other) => Err(Problem::bad_request(format!(
                "`data.attributes.name` must be a string, not {other}."
            ))),
        }
    }

    fn parents(relationships: Option<&Value>) -> Result<Option<BTreeSet<String>>, Problem> {
        let relationships = match relationships {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Object(map)) => map,
            Some(other) => {
                return Err(Problem::bad_request(format!(
                    "`data.relationships` must be an object, not {other}."
                )));
            }
        };
        if let Some(key) = relationships.keys().find(|k| *k != "parents") {
            return Err(Problem::bad_request(format!(
                "Unknown relationship `data.relationships.{key}`; a user group has only `parents`."
            )));
        }
        let Some(parents) = relationships.get("parents") else {
            return Ok(None);
        };
        let linkage = parents
            .as_object()
            .and_then(|p| p.get("data"))
            .and_then(Value::as_array)
            .ok_or_else(|| {
                Problem::bad_request(
                    "`data.relationships.parents` must be {\"data\": [{\"id\": …, \"type\": \"userGroup\"}, …]}.",
                )
            })?;
        let mut ids = BTreeSet::new();
        for (i, item) in linkage.iter().enumerate() {
            let at = format!("data.relationships.parents.data[{i}]");
            let object = item
                .as_object()
                .ok_or_else(|| Problem::bad_request(format!("`{at}` must be an object.")))?;
            match object.get("type") {
                Some(Value::String(t)) if t == "userGroup" => {}
                _ => {
                    return Err(Problem::bad_request(format!(
                        "`{at}.type` must be \"userGroup\"."
                    )));
                }
            }
            let id = object
                .get("id")
                .and_then(Value::as_str)
                .ok_or_else(|| Problem::bad_request(format!("`{at}.id` must be a string.")))?;
            if !is_valid_id(id) {
                return Err(Problem::bad_request(format!(
                    "`{at}.id` `{id}` is invalid: it must match {ID_PATTERN}."
                )));
            }
            ids.insert(id.to_string());
        }
        Ok(Some(ids))
    }

    fn check_path(&self, path_id: &str) -> Result<(), Problem> {
        if self.id == path_id {
            Ok(())
        } else {
            Err(Problem::bad_request(format!(
                "The id in the body (`{}`) differs from the id in the path (`{path_id}`).",
                self.id
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_messages_name_the_member() {
        let err = |body: &str| Input::parse(body.as_bytes()).unwrap_err().detail;
        assert!(err("{").contains("not valid JSON"));
        assert!(err(r#"{"data":{"id":"a","type":"user"}}"#).contains("`data.type`"));
        assert!(
            err(r#"{"data":{"id":".a","type":"userGroup"}}"#).contains("`data.id` `.a` is invalid")
        );
        assert!(
            err(r#"{"data":{"id":"a","type":"userGroup","attributes":{"title":"x"}}}"#)
                .contains("data.attributes.title")
        );
        assert!(
            err(r#"{"data":{"id":"a","type":"userGroup","relationships":{"parents":{"data":[{"id":"b"}]}}}}"#)
                .contains("data.relationships.parents.data[0].type")
        );
        let ok = Input::parse(
            br#"{"data":{"id":"a","type":"userGroup","attributes":{"name":null},"relationships":{"parents":{"data":[]}}}}"#,
        )
        .unwrap();
        assert_eq!(ok.name, Field::Null);
        assert_eq!(ok.parents, Some(BTreeSet::new()));
    }
}
