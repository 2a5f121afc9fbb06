//! What every endpoint shares: the request's base URL and media type ([`Exchange`]), JSON
//! bodies, the JSON:API list document (`links.next` on every page, `meta.page` when asked), and
//! the mapping of store errors to problems.

use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::media::{self, JSON, VND_JSON};
use super::query::ListQuery;
use crate::Shared;
use crate::group::{ID_PATTERN, is_valid_id};
use crate::problem::Problem;
use crate::store::StoreError;

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
            // `conformance` has answered 406 to an `Accept` that allows neither.
            media: media::negotiate(headers, &[VND_JSON, JSON]).unwrap_or(VND_JSON),
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

/// The request's query string with `page` set to `page` (in place when present, appended
/// otherwise), the way the server builds `links.next`.
fn with_page(query: &str, page: usize) -> String {
    let mut replaced = false;
    let mut parts: Vec<String> = Vec::new();
    for part in query.split('&').filter(|p| !p.is_empty()) {
        if part.split('=').next() == Some("page") {
            if !replaced {
                parts.push(format!("page={page}"));
                replaced = true;
            }
        } else {
            parts.push(part.to_string());
        }
    }
    if !replaced {
        parts.push(format!("page={page}"));
    }
    parts.join("&")
}

pub(crate) fn store_problem(error: StoreError) -> Problem {
    match error {
        StoreError::NotFound => Problem::not_found(),
        StoreError::Missing(detail) => Problem::new(StatusCode::NOT_FOUND, detail),
        StoreError::Conflict(detail) => Problem::new(StatusCode::CONFLICT, detail),
        StoreError::Invalid(detail) => Problem::bad_request(detail),
    }
}

pub(crate) fn check_path_id(id: &str) -> Result<(), Problem> {
    if is_valid_id(id) {
        Ok(())
    } else {
        Err(Problem::bad_request(format!(
            "The id `{id}` in the path is invalid: it must match {ID_PATTERN}."
        )))
    }
}

/// A JSON:API list document: `data`, `included` when there is any, `links.self` and a
/// `links.next` on every page (even the last, as the server does), and `meta.page` when asked.
pub(crate) fn list_document(
    exchange: &Exchange,
    uri: &Uri,
    query: &ListQuery,
    total: usize,
    data: Vec<Value>,
    included: Vec<Value>,
) -> Value {
    let mut body = Map::new();
    body.insert("data".into(), Value::Array(data));
    if !included.is_empty() {
        body.insert("included".into(), Value::Array(included));
    }
    let next = format!(
        "{}{}?{}",
        exchange.base,
        uri.path(),
        with_page(
            uri.query().unwrap_or(""),
            query.paging.page.saturating_add(1)
        )
    );
    body.insert(
        "links".into(),
        json!({ "self": exchange.self_url, "next": next }),
    );
    if query.meta {
        body.insert(
            "meta".into(),
            json!({"page": {
                "size": query.paging.size,
                "number": query.paging.page,
                "totalElements": total,
                "totalPages": query.paging.total_pages(total),
            }}),
        );
    }
    Value::Object(body)
}

/// A single-entity document: `data` (without links), `included` when there is any, and
/// `links.self`.
pub(crate) fn entity_document(data: Value, included: Vec<Value>, self_url: &str) -> Value {
    let mut body = Map::new();
    body.insert("data".into(), data);
    if !included.is_empty() {
        body.insert("included".into(), Value::Array(included));
    }
    body.insert("links".into(), json!({ "self": self_url }));
    Value::Object(body)
}

/// Parses a JSON body into `T`; any mismatch with the schema (a missing member, an unknown
/// one, a wrong type, a value outside an enum) is a 400 that quotes the parser. Its media type
/// has been checked against the operation's by `conformance`.
pub(crate) fn json_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Problem> {
    serde_json::from_slice(body).map_err(|e| Problem::bad_request(format!("Malformed body: {e}.")))
}

/// 204 with no body and no content type, as the actions answer.
pub(crate) fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

/// A JSON answer of the actions and layouts, which always answer `application/json`.
pub(crate) fn plain_json(body: &Value) -> Response {
    json_response(StatusCode::OK, JSON, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_link_replaces_page_in_place_or_appends_it() {
        assert_eq!(
            with_page("include=userGroups&page=0&size=500", 1),
            "include=userGroups&page=1&size=500"
        );
        assert_eq!(with_page("size=5", 3), "size=5&page=3");
        assert_eq!(with_page("", 1), "page=1");
    }
}
