//! Query parameters, checked against their OpenAPI definitions: `include` (its enum, and the
//! spec's rule that collection, relationship and `ALL` includes cannot be combined),
//! `metaInclude`, `page`/`size` (32-bit, not negative), `sort` and the RSQL `filter` of the
//! entity listings, and the selection of one page of a listing.
//!
//! Which parameters a route takes at all is checked before the handler runs (see
//! `conformance`); here each handler reads the values it serves.

use std::cmp::Ordering;

use axum::extract::Query;
use axum::extract::rejection::QueryRejection;

use crate::Shared;
use crate::catalog::{DataSource, Workspace};
use crate::group::Group;
use crate::problem::Problem;
use crate::rsql::{self, Filter};
use crate::store::UserRow;

/// Query parameters as a list, so repeated keys (`include=a&include=b`) are all seen.
pub(crate) type Params = Vec<(String, String)>;

pub(crate) fn params(query: Result<Query<Params>, QueryRejection>) -> Result<Params, Problem> {
    query
        .map(|Query(p)| p)
        .map_err(|e| Problem::bad_request(format!("Malformed query string: {e}")))
}

/// The value of a parameter that takes one value; given twice, it is refused rather than one
/// of them silently dropped.
pub(crate) fn single<'a>(params: &'a Params, key: &str) -> Result<Option<&'a str>, Problem> {
    let mut values = params.iter().filter(|(k, _)| k == key).map(|(_, v)| v);
    let first = values.next();
    if values.next().is_some() {
        return Err(Problem::bad_request(format!(
            "The `{key}` parameter is given more than once; it takes one value."
        )));
    }
    Ok(first.map(String::as_str))
}

/// Every value of a comma-separated list parameter (`style: form, explode: false`), repeated
/// keys included.
fn list_param<'a>(params: &'a Params, key: &str) -> Vec<&'a str> {
    params
        .iter()
        .filter(|(k, _)| k == key)
        .flat_map(|(_, v)| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect()
}

/// What an `include` value names: a collection (every relationship to entities of that type),
/// one relationship, or `ALL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IncludeKind {
    Collection,
    Relationship,
    All,
}

impl IncludeKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Collection => "a collection",
            Self::Relationship => "a relationship",
            Self::All => "`ALL`",
        }
    }
}

/// One value of an `include` enum.
pub(crate) type Include = (&'static str, IncludeKind);

/// The `include` values given, checked against the enum and the spec's warning on the
/// parameter: "Individual include types (collection, relationship or ALL) cannot be combined
/// together." Every value of one request must be of one kind.
pub(crate) fn includes<'a>(
    params: &'a Params,
    allowed: &[Include],
) -> Result<Vec<&'a str>, Problem> {
    let values = list_param(params, "include");
    let mut first: Option<(&str, IncludeKind)> = None;
    for value in &values {
        let Some((_, kind)) = allowed.iter().find(|(name, _)| name == value) else {
            let names: Vec<&str> = allowed.iter().map(|(name, _)| *name).collect();
            return Err(Problem::bad_request(format!(
                "Invalid value `{value}` of the `include` parameter; allowed values: {}.",
                names.join(", ")
            )));
        };
        match first {
            None => first = Some((value, *kind)),
            Some((other, other_kind)) if other_kind != *kind => {
                return Err(Problem::bad_request(format!(
                    "Individual include types cannot be combined: `{other}` is {}, `{value}` is {}. Ask for collections, relationships or `ALL`.",
                    other_kind.as_str(),
                    kind.as_str()
                )));
            }
            Some(_) => {}
        }
    }
    Ok(values)
}

/// The `metaInclude` values of one route: those the sandbox serves, and those the spec defines
/// that it does not simulate (answered 501).
pub(crate) struct MetaValues {
    pub served: &'static [&'static str],
    pub not_simulated: &'static [&'static str],
}

/// `page`, `all` and `ALL`: listings whose only meta is the page.
pub(crate) const PAGE_META: MetaValues = MetaValues {
    served: &["page", "all", "ALL"],
    not_simulated: &[],
};

/// The `metaInclude` values given: outside the enum or repeated (`uniqueItems`) is 400, defined
/// but not simulated is 501.
pub(crate) fn meta_includes<'a>(
    params: &'a Params,
    meta: &MetaValues,
) -> Result<Vec<&'a str>, Problem> {
    let values = list_param(params, "metaInclude");
    for (i, value) in values.iter().enumerate() {
        if meta.not_simulated.contains(value) {
            return Err(Problem::not_simulated(format!(
                "`metaInclude={value}` is defined by the GoodData API but not simulated by the sandbox; it serves: {}.",
                meta.served.join(", ")
            )));
        }
        if !meta.served.contains(value) {
            let allowed: Vec<&str> = meta
                .served
                .iter()
                .chain(meta.not_simulated)
                .copied()
                .collect();
            return Err(Problem::bad_request(format!(
                "Invalid value `{value}` of the `metaInclude` parameter; allowed values: {}.",
                allowed.join(", ")
            )));
        }
        if values[..i].contains(value) {
            return Err(Problem::bad_request(format!(
                "`{value}` is given twice in `metaInclude`; its items are unique."
            )));
        }
    }
    Ok(values)
}

/// The boolean query parameter `key`, `default` when absent.
pub(crate) fn bool_param(params: &Params, key: &str, default: bool) -> Result<bool, Problem> {
    match single(params, key)? {
        None => Ok(default),
        Some("true") => Ok(true),
        Some("false") => Ok(false),
        Some(raw) => Err(Problem::bad_request(format!(
            "Invalid value `{raw}` of the `{key}` parameter: expected `true` or `false`."
        ))),
    }
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

/// `page` (default 0) and `size` (default 20): 32-bit integers (the action declares
/// `format: int32`, and the entities' pageable binds to Java `int`), `page` at least 0 and
/// `size` at least 1. Anything else is 400, not a silent clamp.
pub(crate) fn paging(shared: &Shared, params: &Params) -> Result<Paging, Problem> {
    let number = |key: &str, default: usize, min: i32| -> Result<usize, Problem> {
        match single(params, key)? {
            None => Ok(default),
            Some(raw) => raw
                .parse::<i32>()
                .ok()
                .filter(|n| *n >= min)
                .and_then(|n| usize::try_from(n).ok())
                .ok_or_else(|| {
                    Problem::bad_request(format!(
                        "Invalid value `{raw}` of the `{key}` parameter: expected a 32-bit integer of at least {min}."
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

/// The fields of one kind of entity that `filter` and `sort` may name: its own attributes
/// (and `id`), which both take, and the ids of related entities (`parents.id`), which only
/// `filter` takes.
pub(crate) struct Fields {
    pub own: &'static [&'static str],
    pub related: &'static [&'static str],
}

/// The values of a field of one entity: none when it lacks the field, several for a to-many
/// relationship.
pub(crate) trait Entity {
    fn values(&self, field: &str) -> Vec<&str>;
}

impl Entity for Group {
    fn values(&self, field: &str) -> Vec<&str> {
        match field {
            "id" => vec![self.id.as_str()],
            "name" => self.name.as_deref().into_iter().collect(),
            "parents.id" => self.parents.iter().map(String::as_str).collect(),
            _ => Vec::new(),
        }
    }
}

impl Entity for UserRow {
    fn values(&self, field: &str) -> Vec<&str> {
        let user = &self.user;
        match field {
            "id" => vec![user.id.as_str()],
            "authenticationId" => user.authentication_id.as_deref().into_iter().collect(),
            "email" => user.email.as_deref().into_iter().collect(),
            "firstname" => user.firstname.as_deref().into_iter().collect(),
            "lastname" => user.lastname.as_deref().into_iter().collect(),
            "userGroups.id" => self.groups.iter().map(String::as_str).collect(),
            _ => Vec::new(),
        }
    }
}

impl Entity for Workspace {
    fn values(&self, field: &str) -> Vec<&str> {
        match field {
            "id" => vec![self.id.as_str()],
            "name" => self.name.as_deref().into_iter().collect(),
            "parent.id" => self.parent.as_deref().into_iter().collect(),
            _ => Vec::new(),
        }
    }
}

impl Entity for DataSource {
    fn values(&self, field: &str) -> Vec<&str> {
        match field {
            "id" => vec![self.id.as_str()],
            "name" => vec![self.name.as_str()],
            "schema" => vec![self.schema.as_str()],
            "type" => vec![self.kind.as_str()],
            _ => Vec::new(),
        }
    }
}

/// What an entity listing takes besides paging.
pub(crate) struct Listing {
    pub includes: &'static [Include],
    pub meta: MetaValues,
    pub fields: Fields,
}

/// One `sort` criterion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SortKey {
    pub field: &'static str,
    pub descending: bool,
}

/// `sort` as Spring's pageable reads it: each value is `property[,property…][,asc|desc]`, the
/// direction applying to every property of that value; repeated values add criteria.
fn sort_keys(params: &Params, fields: &Fields) -> Result<Vec<SortKey>, Problem> {
    let mut keys = Vec::new();
    for (_, value) in params.iter().filter(|(k, _)| k == "sort") {
        let mut parts: Vec<&str> = value.split(',').collect();
        let descending = match parts.last().map(|p| p.to_ascii_lowercase()) {
            Some(last) if last == "desc" => {
                parts.pop();
                true
            }
            Some(last) if last == "asc" => {
                parts.pop();
                false
            }
            _ => false,
        };
        if parts.is_empty() {
            return Err(Problem::bad_request(format!(
                "`sort={value}` names no property; write `sort=property[,asc|desc]`."
            )));
        }
        for part in parts {
            let Some(field) = fields.own.iter().find(|f| **f == part) else {
                return Err(Problem::bad_request(format!(
                    "The sandbox cannot sort by `{part}`; it sorts by: {}.",
                    fields.own.join(", ")
                )));
            };
            keys.push(SortKey { field, descending });
        }
    }
    Ok(keys)
}

/// `filter`, parsed and checked against the fields the entity has.
fn filter(params: &Params, fields: &Fields) -> Result<Option<Filter>, Problem> {
    let Some(raw) = single(params, "filter")? else {
        return Ok(None);
    };
    let filter = rsql::parse(raw).map_err(|e| {
        Problem::bad_request(format!(
            "Invalid RSQL in `filter={raw}` {e}. The sandbox supports {} on {}, combined with `;` (and) and `,` (or).",
            rsql::Operator::SUPPORTED,
            supported_fields(fields)
        ))
    })?;
    if let Some(unknown) = filter
        .selectors()
        .into_iter()
        .find(|s| !fields.own.contains(s) && !fields.related.contains(s))
    {
        return Err(Problem::bad_request(format!(
            "The sandbox cannot filter on `{unknown}`; it filters on {}.",
            supported_fields(fields)
        )));
    }
    Ok(Some(filter))
}

fn supported_fields(fields: &Fields) -> String {
    let names: Vec<String> = fields
        .own
        .iter()
        .chain(fields.related)
        .map(|f| format!("`{f}`"))
        .collect();
    names.join(", ")
}

/// The checked parameters of an entity listing.
#[derive(Debug, Clone)]
pub(crate) struct ListQuery {
    /// An `include` was given (every include of a listing adds its one relationship).
    pub include: bool,
    /// `meta.page` was asked for.
    pub meta: bool,
    pub sort: Vec<SortKey>,
    pub filter: Option<Filter>,
    pub paging: Paging,
}

impl ListQuery {
    pub(crate) fn new(
        shared: &Shared,
        params: &Params,
        listing: &Listing,
    ) -> Result<Self, Problem> {
        let include = !includes(params, listing.includes)?.is_empty();
        let meta = !meta_includes(params, &listing.meta)?.is_empty();
        Ok(Self {
            include,
            meta,
            sort: sort_keys(params, &listing.fields)?,
            filter: filter(params, &listing.fields)?,
            paging: paging(shared, params)?,
        })
    }

    /// `Some(descending)` when the page is a slice of the id order, which the store serves
    /// without reading the whole collection: no filter and no sort but by `id`.
    pub(crate) fn id_order(&self) -> Option<bool> {
        if self.filter.is_some() {
            return None;
        }
        match self.sort.as_slice() {
            [] => Some(false),
            [
                SortKey {
                    field: "id",
                    descending,
                },
            ] => Some(*descending),
            _ => None,
        }
    }

    /// The total after the filter and the page after sorting, from every entity in id order.
    /// A missing value sorts after every present one ascending and before them descending
    /// (the default of the `PostgreSQL` database); ties keep the id order.
    pub(crate) fn select<T: Entity>(&self, all: Vec<T>) -> (usize, Vec<T>) {
        let rows: Vec<T> = match &self.filter {
            Some(filter) => all
                .into_iter()
                .filter(|row| filter.matches(&|field: &str| row.values(field)))
                .collect(),
            None => all,
        };
        let total = rows.len();
        let (offset, size) = (self.paging.offset(), self.paging.size);
        if self.sort.is_empty() {
            return (total, rows.into_iter().skip(offset).take(size).collect());
        }
        // Each row's sort key is read once, then the positions are sorted (stable: ties keep
        // the id order).
        let page: Vec<usize> = {
            let keys: Vec<Vec<Option<&str>>> = rows
                .iter()
                .map(|row| {
                    self.sort
                        .iter()
                        .map(|key| row.values(key.field).first().copied())
                        .collect()
                })
                .collect();
            let mut order: Vec<usize> = (0..rows.len()).collect();
            order.sort_by(|&a, &b| {
                self.sort
                    .iter()
                    .zip(keys[a].iter().zip(&keys[b]))
                    .map(|(key, (x, y))| {
                        let order = match (x, y) {
                            (Some(x), Some(y)) => x.cmp(y),
                            (Some(_), None) => Ordering::Less,
                            (None, Some(_)) => Ordering::Greater,
                            (None, None) => Ordering::Equal,
                        };
                        if key.descending {
                            order.reverse()
                        } else {
                            order
                        }
                    })
                    .find(|o| o.is_ne())
                    .unwrap_or(Ordering::Equal)
            });
            order.into_iter().skip(offset).take(size).collect()
        };
        let mut slots: Vec<Option<T>> = rows.into_iter().map(Some).collect();
        let page = page.into_iter().filter_map(|i| slots[i].take()).collect();
        (total, page)
    }
}
