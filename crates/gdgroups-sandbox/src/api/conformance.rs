//! What the sandbox does with each operation and query parameter the GoodData OpenAPI spec
//! defines for the routes it knows: served as specified, served with a simplification (said
//! here), or refused with 501 problem+json because it is not simulated. The README's
//! conformance table is rendered from [`OPERATIONS`] (a unit test keeps them equal), and
//! gdgroups' tests walk the OpenAPI subsets in its repository to check that every operation and
//! parameter there is in it and answered as it says.
//!
//! [`conform`] enforces it before a handler runs: a query parameter the operation does not
//! define is 400 (the real server ignores it; a misspelt parameter silently ignored is what
//! this table exists to prevent), one it defines but the sandbox does not simulate is 501, a
//! body in a media type the operation does not consume is 415, and an `Accept` that none of its
//! answer types satisfies is 406.

use axum::extract::{MatchedPath, Request};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::IntoResponse;
use axum::response::Response;

use super::media::{self, JSON, VND_JSON};
use super::query::params;
use crate::problem::Problem;

/// How the sandbox answers an operation or a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Support {
    /// As the spec and the recordings say.
    Served,
    /// Served, with the simplification its note names.
    Simplified,
    /// 501 problem+json: defined by the spec, not simulated.
    NotSimulated,
}

impl Support {
    /// The label in the README's table.
    #[cfg(test)]
    pub(crate) fn label(self) -> &'static str {
        match self {
            Self::Served => "served",
            Self::Simplified => "simplified",
            Self::NotSimulated => "not simulated (501)",
        }
    }
}

/// A query parameter of an operation.
#[derive(Debug)]
pub(crate) struct Param {
    pub name: &'static str,
    pub support: Support,
    pub note: &'static str,
}

/// An operation of the spec.
#[derive(Debug)]
pub(crate) struct Operation {
    pub method: &'static str,
    /// The path as the spec writes it (`{userGroupId}` and all).
    pub path: &'static str,
    pub support: Support,
    pub note: &'static str,
    /// Its query parameters, every one the spec defines.
    pub params: &'static [Param],
    /// The media types its request body may have (`requestBody.content`); empty without one.
    pub consumes: &'static [&'static str],
    /// The media types of its success answer, preferred first; empty when it has no body.
    pub produces: &'static [&'static str],
}

const fn served(name: &'static str, note: &'static str) -> Param {
    Param {
        name,
        support: Support::Served,
        note,
    }
}

const fn simplified(name: &'static str, note: &'static str) -> Param {
    Param {
        name,
        support: Support::Simplified,
        note,
    }
}

const fn not_simulated(name: &'static str, note: &'static str) -> Param {
    Param {
        name,
        support: Support::NotSimulated,
        note,
    }
}

const ENTITY: &[&str] = &[VND_JSON, JSON];
const PLAIN: &[&str] = &[JSON];
const NONE: &[&str] = &[];

const PAGE: Param = served("page", "zero-based; a 32-bit integer ≥ 0, else 400");
const SIZE: Param = simplified(
    "size",
    "a 32-bit integer ≥ 1, else 400; cut to `--max-page-size` when one is set",
);
const SORT: Param = simplified(
    "sort",
    "`property[,property…][,direction]`, the direction `asc` or `desc`, by the fields the filter takes but relationships; a missing value sorts last ascending, first descending; ties in id order; strings by code point",
);
const FILTER: Param = simplified(
    "filter",
    "RSQL `==`, `!=`, `=in=`, `=out=` with `;`/`and`, `,`/`or` and parentheses, on the fields listed for the operation; other operators, other fields and `*` wildcards are 400; a missing value matches no comparison; a to-many field matches when any value does",
);
const ONE_FILTER: Param =
    not_simulated("filter", "what a filter does to one entity is not recorded");
const PAGE_META: Param = served("metaInclude", "`page`, `all`, `ALL` give `meta.page`");
/// The note of a parameter of an operation that is not simulated.
const AS_THE_OPERATION: &str = "the operation is not simulated";

/// Every operation of the spec on the routes the sandbox knows, in the order of the README.
pub(crate) const OPERATIONS: &[Operation] = &[
    Operation {
        method: "GET",
        path: "/api/v1/entities/userGroups",
        support: Support::Served,
        note: "filter and sort fields: `id`, `name`, `parents.id` (filter only)",
        params: &[
            FILTER,
            served(
                "include",
                "`userGroups`, `parents`, `ALL`; kinds cannot be combined (400)",
            ),
            PAGE,
            SIZE,
            SORT,
            PAGE_META,
        ],
        consumes: NONE,
        produces: ENTITY,
    },
    Operation {
        method: "POST",
        path: "/api/v1/entities/userGroups",
        support: Support::Served,
        note: "409 for an existing id, 400 for a missing parent or a bad id",
        params: &[served("include", "as for the listing")],
        consumes: ENTITY,
        produces: ENTITY,
    },
    Operation {
        method: "GET",
        path: "/api/v1/entities/userGroups/{id}",
        support: Support::Served,
        note: "",
        params: &[ONE_FILTER, served("include", "as for the listing")],
        consumes: NONE,
        produces: ENTITY,
    },
    Operation {
        method: "PUT",
        path: "/api/v1/entities/userGroups/{id}",
        support: Support::Served,
        note: "a full replace; 400 for the bootstrap group, a cycle or a missing parent",
        params: &[ONE_FILTER, served("include", "as for the listing")],
        consumes: ENTITY,
        produces: ENTITY,
    },
    Operation {
        method: "PATCH",
        path: "/api/v1/entities/userGroups/{id}",
        support: Support::Served,
        note: "only the members given change; 400 as for PUT",
        params: &[ONE_FILTER, served("include", "as for the listing")],
        consumes: ENTITY,
        produces: ENTITY,
    },
    Operation {
        method: "DELETE",
        path: "/api/v1/entities/userGroups/{id}",
        support: Support::Served,
        note: "children lose the parent; memberships and permissions go with it",
        params: &[],
        consumes: NONE,
        produces: NONE,
    },
    Operation {
        method: "GET",
        path: "/api/v1/layout/userGroups",
        support: Support::Simplified,
        note: "every group's `permissions` (who may see the group) is `[]`: not modelled",
        params: &[],
        consumes: NONE,
        produces: PLAIN,
    },
    Operation {
        method: "PUT",
        path: "/api/v1/layout/userGroups",
        support: Support::Simplified,
        note: "a full replace; the bootstrap group must be listed unchanged (400); groups' `permissions` are accepted and not kept",
        params: &[],
        consumes: PLAIN,
        produces: NONE,
    },
    Operation {
        method: "GET",
        path: "/api/v1/layout/userGroups/{userGroupId}/permissions",
        support: Support::NotSimulated,
        note: "permissions on a group are not modelled",
        params: &[],
        consumes: NONE,
        produces: PLAIN,
    },
    Operation {
        method: "PUT",
        path: "/api/v1/layout/userGroups/{userGroupId}/permissions",
        support: Support::NotSimulated,
        note: "permissions on a group are not modelled",
        params: &[],
        consumes: PLAIN,
        produces: NONE,
    },
    Operation {
        method: "GET",
        path: "/api/v1/layout/usersAndUserGroups",
        support: Support::NotSimulated,
        note: "gdgroups does not use the user layouts",
        params: &[],
        consumes: NONE,
        produces: PLAIN,
    },
    Operation {
        method: "PUT",
        path: "/api/v1/layout/usersAndUserGroups",
        support: Support::NotSimulated,
        note: "gdgroups does not use the user layouts",
        params: &[],
        consumes: PLAIN,
        produces: NONE,
    },
    Operation {
        method: "GET",
        path: "/api/v1/entities/users",
        support: Support::Served,
        note: "filter and sort fields: `id`, `authenticationId`, `email`, `firstname`, `lastname`, `userGroups.id` (filter only)",
        params: &[
            FILTER,
            served("include", "`userGroups`, `ALL`"),
            PAGE,
            SIZE,
            SORT,
            PAGE_META,
        ],
        consumes: NONE,
        produces: ENTITY,
    },
    Operation {
        method: "POST",
        path: "/api/v1/entities/users",
        support: Support::NotSimulated,
        note: "users come from the seed; gdgroups never writes them",
        params: &[not_simulated("include", AS_THE_OPERATION)],
        consumes: ENTITY,
        produces: ENTITY,
    },
    Operation {
        method: "GET",
        path: "/api/v1/entities/users/{id}",
        support: Support::Served,
        note: "",
        params: &[ONE_FILTER, served("include", "`userGroups`, `ALL`")],
        consumes: NONE,
        produces: ENTITY,
    },
    Operation {
        method: "PUT",
        path: "/api/v1/entities/users/{id}",
        support: Support::NotSimulated,
        note: "users come from the seed; gdgroups never writes them",
        params: &[
            not_simulated("filter", AS_THE_OPERATION),
            not_simulated("include", AS_THE_OPERATION),
        ],
        consumes: ENTITY,
        produces: ENTITY,
    },
    Operation {
        method: "PATCH",
        path: "/api/v1/entities/users/{id}",
        support: Support::NotSimulated,
        note: "users come from the seed; gdgroups never writes them",
        params: &[
            not_simulated("filter", AS_THE_OPERATION),
            not_simulated("include", AS_THE_OPERATION),
        ],
        consumes: ENTITY,
        produces: ENTITY,
    },
    Operation {
        method: "DELETE",
        path: "/api/v1/entities/users/{id}",
        support: Support::NotSimulated,
        note: "users come from the seed; gdgroups never writes them",
        params: &[],
        consumes: NONE,
        produces: NONE,
    },
    Operation {
        method: "GET",
        path: "/api/v1/entities/workspaces",
        support: Support::Simplified,
        note: "a workspace has `name` and `parent` only; filter and sort fields: `id`, `name`, `parent.id` (filter only)",
        params: &[
            FILTER,
            served(
                "include",
                "`workspaces`, `parent`, `ALL`; kinds cannot be combined (400)",
            ),
            PAGE,
            SIZE,
            SORT,
            simplified(
                "metaInclude",
                "`page` only; `config`, `permissions`, `hierarchy`, `dataModelDatasets`, `all`, `ALL` are 501",
            ),
        ],
        consumes: NONE,
        produces: ENTITY,
    },
    Operation {
        method: "POST",
        path: "/api/v1/entities/workspaces",
        support: Support::NotSimulated,
        note: "workspaces come from the seed",
        params: &[
            not_simulated("include", AS_THE_OPERATION),
            not_simulated("metaInclude", AS_THE_OPERATION),
        ],
        consumes: ENTITY,
        produces: ENTITY,
    },
    Operation {
        method: "GET",
        path: "/api/v1/entities/dataSources",
        support: Support::Simplified,
        note: "a data source has `name`, `schema` and `type` only; filter and sort fields: `id`, `name`, `schema`, `type`",
        params: &[
            FILTER,
            PAGE,
            SIZE,
            SORT,
            simplified(
                "metaInclude",
                "`page` only; `permissions`, `all`, `ALL` are 501",
            ),
        ],
        consumes: NONE,
        produces: ENTITY,
    },
    Operation {
        method: "POST",
        path: "/api/v1/entities/dataSources",
        support: Support::NotSimulated,
        note: "data sources come from the seed",
        params: &[not_simulated("metaInclude", AS_THE_OPERATION)],
        consumes: ENTITY,
        produces: ENTITY,
    },
    Operation {
        method: "GET",
        path: "/api/v1/entities/organization",
        support: Support::Served,
        note: "302 to `/api/v1/entities/admin/organizations/default`",
        params: &[simplified(
            "metaInclude",
            "`permissions`, `all`: passed on in the redirect's query",
        )],
        consumes: NONE,
        produces: NONE,
    },
    Operation {
        method: "GET",
        path: "/api/v1/entities/admin/organizations/{id}",
        support: Support::Simplified,
        note: "only `default` exists; the attributes are those of the recorded GoodData.CN with the request's host",
        params: &[
            ONE_FILTER,
            simplified(
                "include",
                "`bootstrapUser`/`users`, `bootstrapUserGroup`/`userGroups`, `ALL`; kinds cannot be combined (400); there is no identity provider, so `identityProviders`/`identityProvider` add nothing",
            ),
            simplified(
                "metaInclude",
                "`permissions`, `all`, `ALL`: the organization permissions of the token's user",
            ),
        ],
        consumes: NONE,
        produces: ENTITY,
    },
    Operation {
        method: "PUT",
        path: "/api/v1/entities/admin/organizations/{id}",
        support: Support::NotSimulated,
        note: "the organization is fixed",
        params: &[
            not_simulated("filter", AS_THE_OPERATION),
            not_simulated("include", AS_THE_OPERATION),
        ],
        consumes: ENTITY,
        produces: ENTITY,
    },
    Operation {
        method: "PATCH",
        path: "/api/v1/entities/admin/organizations/{id}",
        support: Support::NotSimulated,
        note: "the organization is fixed",
        params: &[
            not_simulated("filter", AS_THE_OPERATION),
            not_simulated("include", AS_THE_OPERATION),
        ],
        consumes: ENTITY,
        produces: ENTITY,
    },
    Operation {
        method: "GET",
        path: "/api/v1/profile",
        support: Support::Simplified,
        note: "the token's user; entitlements, features and telemetry carry neutral values",
        params: &[],
        consumes: NONE,
        produces: PLAIN,
    },
    Operation {
        method: "GET",
        path: "/api/v1/actions/userManagement/userGroups",
        support: Support::Served,
        note: "user counts, `organizationAdmin` and direct permissions; 404 like an unknown route when the sandbox stands for an older server",
        params: &[
            PAGE,
            SIZE,
            simplified(
                "name",
                "case-insensitive: groups whose name contains it (a group without a name never matches)",
            ),
            simplified(
                "workspace",
                "groups with a direct permission or hierarchy permission on that workspace",
            ),
            simplified(
                "dataSource",
                "groups with a direct permission on that data source",
            ),
        ],
        consumes: NONE,
        produces: PLAIN,
    },
    Operation {
        method: "GET",
        path: "/api/v1/actions/userManagement/userGroups/{userGroupId}/members",
        support: Support::Served,
        note: "direct members, by id; 404 like an unknown route on an older server",
        params: &[],
        consumes: NONE,
        produces: PLAIN,
    },
    Operation {
        method: "POST",
        path: "/api/v1/actions/userManagement/userGroups/{userGroupId}/addMembers",
        support: Support::Served,
        note: "204; 404 (nothing added) for an unknown group or user",
        params: &[],
        consumes: PLAIN,
        produces: NONE,
    },
    Operation {
        method: "POST",
        path: "/api/v1/actions/userManagement/userGroups/{userGroupId}/removeMembers",
        support: Support::Served,
        note: "204; users who are not members are left alone",
        params: &[],
        consumes: PLAIN,
        produces: NONE,
    },
    Operation {
        method: "POST",
        path: "/api/v1/actions/userManagement/removeUsersUserGroups",
        support: Support::NotSimulated,
        note: "deletes users and groups in bulk; gdgroups never uses it",
        params: &[],
        consumes: PLAIN,
        produces: NONE,
    },
    Operation {
        method: "GET",
        path: "/api/v1/actions/userManagement/userGroups/{userGroupId}/permissions",
        support: Support::Served,
        note: "direct permissions",
        params: &[simplified(
            "includeInherited",
            "`false` (the default) served; `true` is 501: only direct permissions are kept",
        )],
        consumes: NONE,
        produces: PLAIN,
    },
    Operation {
        method: "POST",
        path: "/api/v1/actions/userManagement/userGroups/{userGroupId}/permissions",
        support: Support::Simplified,
        note: "204; sets what it lists, like an assign to that one group (whether it drops what it leaves out is not recorded)",
        params: &[],
        consumes: PLAIN,
        produces: NONE,
    },
    Operation {
        method: "GET",
        path: "/api/v1/actions/userManagement/users/{userId}/permissions",
        support: Support::Served,
        note: "direct permissions",
        params: &[simplified(
            "includeInherited",
            "`false` (the default) served; `true` is 501: only direct permissions are kept",
        )],
        consumes: NONE,
        produces: PLAIN,
    },
    Operation {
        method: "POST",
        path: "/api/v1/actions/userManagement/users/{userId}/permissions",
        support: Support::Simplified,
        note: "204; as for a group",
        params: &[],
        consumes: PLAIN,
        produces: NONE,
    },
    Operation {
        method: "POST",
        path: "/api/v1/actions/userManagement/assignPermissions",
        support: Support::Served,
        note: "200, empty body; sets each listed workspace's and data source's permissions",
        params: &[],
        consumes: PLAIN,
        produces: NONE,
    },
    Operation {
        method: "POST",
        path: "/api/v1/actions/userManagement/revokePermissions",
        support: Support::Served,
        note: "200, empty body; removes what it lists",
        params: &[],
        consumes: PLAIN,
        produces: NONE,
    },
    Operation {
        method: "POST",
        path: "/api/v1/actions/organization/managePermissions",
        support: Support::Served,
        note: "204; each listed assignee's organization permissions become the given ones",
        params: &[],
        consumes: PLAIN,
        produces: NONE,
    },
    Operation {
        method: "GET",
        path: "/api/v1/layout/organization/permissions",
        support: Support::Served,
        note: "users first, then groups, each by id",
        params: &[],
        consumes: NONE,
        produces: PLAIN,
    },
    Operation {
        method: "PUT",
        path: "/api/v1/layout/organization/permissions",
        support: Support::Served,
        note: "204; the list becomes every organization permission there is",
        params: &[],
        consumes: PLAIN,
        produces: NONE,
    },
];

/// A path with every `{…}` segment written `{id}`: the router's and the stats' template.
pub(crate) fn template(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                "{id}"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The operation of a method on a route template (`HEAD` as `GET`).
pub(crate) fn operation(method: &Method, route: &str) -> Option<&'static Operation> {
    let method = if method == Method::HEAD {
        "GET"
    } else {
        method.as_str()
    };
    OPERATIONS
        .iter()
        .find(|op| op.method == method && matches(op.path, route, |s| s.starts_with('{')))
}

/// Whether `path` (the spec's) matches `other` segment by segment, a `{…}` segment of `path`
/// matching any segment `wildcard` accepts.
pub(crate) fn matches(path: &str, other: &str, wildcard: impl Fn(&str) -> bool) -> bool {
    let mut ours = path.split('/');
    let mut theirs = other.split('/');
    loop {
        match (ours.next(), theirs.next()) {
            (None, None) => return true,
            (Some(a), Some(b)) if a == b || (a.starts_with('{') && wildcard(b)) => {}
            _ => return false,
        }
    }
}

/// The README's conformance table.
#[cfg(test)]
fn table() -> String {
    use std::fmt::Write as _;
    let mut out = String::from(
        "| Method | Path | Parameter | Answer | Notes |\n| --- | --- | --- | --- | --- |\n",
    );
    for op in OPERATIONS {
        let _ = writeln!(
            out,
            "| {} | `{}` | — | {} | {} |",
            op.method,
            op.path,
            op.support.label(),
            op.note
        );
        for param in op.params {
            let _ = writeln!(
                out,
                "| {} | `{}` | `{}` | {} | {} |",
                op.method,
                op.path,
                param.name,
                param.support.label(),
                param.note
            );
        }
    }
    out
}

/// 501 for an operation of the spec the sandbox does not simulate.
pub(crate) async fn not_simulated_operation(method: Method, path: MatchedPath) -> Problem {
    let (path, note) =
        operation(&method, path.as_str()).map_or((path.as_str(), ""), |op| (op.path, op.note));
    Problem::not_simulated(format!(
        "`{method} {path}` is defined by the GoodData API but not simulated by the sandbox{}.",
        because(note)
    ))
}

/// A note as the end of a sentence: ` (note)`, or nothing.
fn because(note: &str) -> String {
    if note.is_empty() {
        String::new()
    } else {
        format!(" ({note})")
    }
}

/// The checks of the operation's parameters and media types (see the module docs).
pub(crate) async fn conform(request: Request, next: Next) -> Response {
    let Some(op) = request
        .extensions()
        .get::<MatchedPath>()
        .and_then(|matched| operation(request.method(), matched.as_str()))
    else {
        return next.run(request).await;
    };
    if op.support == Support::NotSimulated {
        return next.run(request).await;
    }
    match check(op, &request) {
        Ok(()) => next.run(request).await,
        Err(problem) => problem.into_response(),
    }
}

fn check(op: &Operation, request: &Request) -> Result<(), Problem> {
    let query = axum::extract::Query::try_from_uri(request.uri());
    for (key, _) in params(query)? {
        match op.params.iter().find(|p| p.name == key) {
            Some(param) if param.support == Support::NotSimulated => {
                return Err(Problem::not_simulated(format!(
                    "The `{key}` parameter of `{} {}` is defined by the GoodData API but not simulated by the sandbox{}.",
                    op.method,
                    op.path,
                    because(param.note)
                )));
            }
            Some(_) => {}
            None => {
                let known: Vec<&str> = op.params.iter().map(|p| p.name).collect();
                return Err(Problem::bad_request(if known.is_empty() {
                    format!(
                        "Unknown query parameter `{key}`: `{} {}` takes none.",
                        op.method, op.path
                    )
                } else {
                    format!(
                        "Unknown query parameter `{key}`: `{} {}` takes {}.",
                        op.method,
                        op.path,
                        known.join(", ")
                    )
                }));
            }
        }
    }
    let headers = request.headers();
    if !op.consumes.is_empty() {
        let given = media::content_type(headers);
        if !given
            .as_deref()
            .is_some_and(|given| op.consumes.contains(&given))
        {
            return Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!(
                    "Content type `{}` is not supported by `{} {}`; send {}.",
                    given.as_deref().unwrap_or("(none)"),
                    op.method,
                    op.path,
                    op.consumes.join(" or ")
                ),
            ));
        }
    }
    if !op.produces.is_empty() && media::negotiate(headers, op.produces).is_none() {
        return Err(Problem::new(
            StatusCode::NOT_ACCEPTABLE,
            format!(
                "`{} {}` answers in {}, which the request's Accept does not allow.",
                op.method,
                op.path,
                op.produces.join(" or ")
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The README's table is this module's: rendered from [`OPERATIONS`], so it cannot drift.
    /// `GDGROUPS_SANDBOX_BLESS=1` rewrites it.
    #[test]
    fn the_readme_table_is_rendered_from_the_operations() {
        const START: &str = "<!-- conformance table: start -->\n";
        const END: &str = "<!-- conformance table: end -->";
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
        let readme = fs_err::read_to_string(path).expect("the README is readable");
        let start = readme.find(START).expect("the start marker") + START.len();
        let end = readme.find(END).expect("the end marker");
        let table = table();
        if readme[start..end] != table {
            if std::env::var_os("GDGROUPS_SANDBOX_BLESS").is_some() {
                let updated = format!("{}{table}{}", &readme[..start], &readme[end..]);
                fs_err::write(path, updated).expect("the README is writable");
            } else {
                panic!(
                    "README.md's conformance table is stale; run the test with GDGROUPS_SANDBOX_BLESS=1. It should be:\n{table}"
                );
            }
        }
    }

    #[test]
    fn each_operation_is_listed_once_with_unique_parameters() {
        for (i, op) in OPERATIONS.iter().enumerate() {
            assert!(
                !OPERATIONS[..i]
                    .iter()
                    .any(|o| o.method == op.method && o.path == op.path),
                "{} {} twice",
                op.method,
                op.path
            );
            for (j, param) in op.params.iter().enumerate() {
                assert!(
                    !op.params[..j].iter().any(|p| p.name == param.name),
                    "{} {} lists `{}` twice",
                    op.method,
                    op.path,
                    param.name
                );
            }
        }
    }
}
