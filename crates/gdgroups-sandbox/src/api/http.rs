//! What every endpoint shares: the request's base URL and media type ([`Exchange`]), query
//! parameters checked against the OpenAPI enums, paging with the server's size cap, JSON bodies,
//! the JSON:API list document (`links.next` on every page, `meta.page` when asked), and the
//! mapping of store errors to problems.

use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::Shared;
use crate::group::{ID_PATTERN, is_valid_id};
use crate::problem::Problem;
use crate::store::StoreError;

/// The media type GoodData uses for JSON:API.
pub(crate) const VND_JSON: &str = "application/vnd.gooddata.api+json";

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

pub(crate) fn sort_descending(params: &Params) -> Result<bool, Problem> {
    let mut descending = false;
    for (_, value) in params.iter().filter(|(k, _)| k == "sort") {
        let mut parts = value.split(',').map(str::trim);
        let property = parts.next().unwrap_or("");
        let direction = parts.next().unwrap_or("asc");
        if property != "id" || parts.next().is_some() {
            return Err(Problem::bad_request(format!(
                "The sandbox sorts only by `id` (`sort=id,asc` or `sort=id,desc`), not `{value}`."
            )));
        }
        descending = match direction.to_ascii_lowercase().as_str() {
            "asc" => false,
            "desc" => true,
            _ => {
                return Err(Problem::bad_request(format!(
                    "Invalid sort direction `{direction}`: expected `asc` or `desc`."
                )));
            }
        };
    }
    Ok(descending)
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

/// Bodies must be JSON (`application/json` or the vendor type), as the server's
/// `requestBody.content` declares; anything else is 415.
pub(crate) fn require_json(headers: &HeaderMap) -> Result<(), Problem> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    match content_type.as_deref() {
        Some("application/json" | VND_JSON) => Ok(()),
        Some(other) => Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "Content type `{other}` is not supported; send application/json or {VND_JSON}."
            ),
        )),
        None => Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "The request has a body but no Content-Type; send application/json or {VND_JSON}."
            ),
        )),
    }
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

/// The `metaInclude` values of one listing: those the sandbox serves (each gives `meta.page`,
/// the only meta it computes), and those the spec allows that it refuses rather than ignore.
pub(crate) struct MetaValues {
    pub served: &'static [&'static str],
    pub refused: &'static [&'static str],
}

/// `page`, `all` and `ALL`: listings whose only meta is the page.
pub(crate) const PAGE_META: MetaValues = MetaValues {
    served: &["page", "all", "ALL"],
    refused: &[],
};

/// The common parameters of a JSON:API listing, checked.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ListQuery {
    /// An accepted `include` was given.
    pub include: bool,
    /// `meta.page` was asked for.
    pub meta: bool,
    pub descending: bool,
    pub paging: Paging,
}

/// Checks `include` against `includes` (the OpenAPI enum; empty for a listing without one),
/// `metaInclude`, `sort` (by `id` only) and paging, and refuses `filter` with 400 rather than
/// ignore it, so a client that relies on it notices.
pub(crate) fn list_query(
    shared: &Shared,
    params: &Params,
    includes: &[&str],
    meta: &MetaValues,
) -> Result<ListQuery, Problem> {
    let include = !checked_list(params, "include", includes)?.is_empty();
    let allowed: Vec<&str> = meta.served.iter().chain(meta.refused).copied().collect();
    let metas = checked_list(params, "metaInclude", &allowed)?;
    if let Some(refused) = metas.iter().find(|m| meta.refused.contains(m)) {
        return Err(Problem::bad_request(format!(
            "The sandbox does not serve `metaInclude={refused}`; it serves: {}.",
            meta.served.join(", ")
        )));
    }
    let descending = sort_descending(params)?;
    if params.iter().any(|(k, _)| k == "filter") {
        return Err(Problem::bad_request(
            "The sandbox does not support the `filter` parameter.",
        ));
    }
    Ok(ListQuery {
        include,
        meta: !metas.is_empty(),
        descending,
        paging: paging(shared, params)?,
    })
}

/// A JSON:API list document: `data`, `included` when there is any, `links.self` and a
/// `links.next` on every page (even the last, as the server does), and `meta.page` when asked.
pub(crate) fn list_document(
    exchange: &Exchange,
    uri: &Uri,
    query: ListQuery,
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

/// The boolean query parameter `key`, `default` when absent.
pub(crate) fn bool_param(params: &Params, key: &str, default: bool) -> Result<bool, Problem> {
    match params.iter().rev().find(|(k, _)| k == key) {
        None => Ok(default),
        Some((_, raw)) => match raw.trim() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(Problem::bad_request(format!(
                "Invalid value `{raw}` of the `{key}` parameter: expected `true` or `false`."
            ))),
        },
    }
}

/// Parses a JSON body into `T`; any mismatch with the schema (a missing member, an unknown
/// one, a wrong type, a value outside an enum) is a 400 that quotes the parser.
pub(crate) fn json_body<T: serde::de::DeserializeOwned>(
    headers: &HeaderMap,
    body: &[u8],
) -> Result<T, Problem> {
    require_json(headers)?;
    serde_json::from_slice(body).map_err(|e| Problem::bad_request(format!("Malformed body: {e}.")))
}

/// 204 with no body and no content type, as the actions answer.
pub(crate) fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

/// A JSON answer of the actions and layouts, which always answer `application/json`.
pub(crate) fn plain_json(body: &Value) -> Response {
    json_response(StatusCode::OK, "application/json", body)
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
