//! Tests of the members-and-permissions layer: recorded answers parse into the live model,
//! request bodies follow the OpenAPI spec and the recordings, listings are complete whatever the
//! server's page size, and malformed answers are errors that name the request.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::super::fake::{Fake, Reply, Request, recorded};
use super::super::model::tests::validate;
use super::*;
use crate::access::{
    DataSourcePermission as D, OrganizationPermission as O, WorkspacePermission as W,
};

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_string()).collect()
}

fn query(facets: &[Facet]) -> AccessQuery {
    AccessQuery {
        facets: facets.iter().copied().collect(),
        ..AccessQuery::default()
    }
}

/// The recorded answer body of an interaction, as JSON.
fn answer_body(interaction: &Value) -> Value {
    interaction["response"]["body"]["string"].clone()
}

fn empty_page() -> Reply {
    Reply::json(&json!({"data": [], "links": {"next": "always there"}}))
}

fn not_found() -> Reply {
    Reply::status(
        404,
        r#"{"title":"Not Found","status":404,"detail":"no such path","traceId":"t404"}"#,
    )
}

fn paths(requests: &[Request]) -> Vec<String> {
    requests
        .iter()
        .map(|r| format!("{} {}", r.method, r.target))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Recorded answers

#[tokio::test]
async fn members_come_from_the_recorded_users_listing() {
    let body = answer_body(&recorded("list_users", "GET", "/api/v1/entities/users"));
    let fake = Fake::start(move |r| match r.query("page") {
        Some("0") => Reply::json(&body),
        // The recording has no `meta.page`: the walk goes on to a short page.
        _ => empty_page(),
    })
    .await;
    let live = fake
        .client()
        .fetch_access(&query(&[Facet::Members]))
        .await
        .expect("reads");
    assert_eq!(live.users, set(&["admin", "demo", "demo2"]));
    assert_eq!(live.members_of("adminGroup"), &set(&["admin", "demo"]));
    assert_eq!(live.members_of("demoGroup"), &set(&["demo2"]));
    assert!(live.members_of("visitorsGroup").is_empty());
    assert!(live.has(Facet::Members) && !live.has(Facet::Workspaces));
    let requests = fake.requests();
    assert_eq!(
        paths(&requests),
        [
            "GET /api/v1/entities/users?include=userGroups&page=0&size=500&metaInclude=page",
            "GET /api/v1/entities/users?include=userGroups&page=1&size=500&metaInclude=page",
        ]
    );
    assert_eq!(
        requests[0].header("accept"),
        Some("application/vnd.gooddata.api+json")
    );
}

#[tokio::test]
async fn group_permissions_fall_back_to_the_recorded_per_group_answer() {
    let body = answer_body(&recorded(
        "test_get_user_group_permissions",
        "GET",
        "/api/v1/actions/userManagement/userGroups/demoGroup/permissions",
    ));
    let fake = Fake::start(move |r| match r.path() {
        "/api/v1/actions/userManagement/userGroups/demoGroup/permissions" => Reply::json(&body),
        "/api/v1/entities/workspaces" => {
            Reply::json(&json!({"data": [{"id": "demo", "type": "workspace"}], "meta": {"page": {"totalElements": 1}}}))
        }
        // An older server without the listing; a group that does not exist yet.
        _ => not_found(),
    })
    .await;
    let mut q = query(&[Facet::Workspaces, Facet::DataSources]);
    q.permission_groups = vec!["demoGroup".into(), "newGroup".into()];
    let err = fake
        .client()
        .fetch_access(&q)
        .await
        .expect_err("no data source listing");
    assert_eq!(err.status(), Some(404));
    q.facets = Facets::NONE.with(Facet::Workspaces);
    let live = fake.client().fetch_access(&q).await.expect("reads");
    assert_eq!(live.workspaces, set(&["demo"]));
    assert_eq!(
        live.workspaces_of("demoGroup"),
        &BTreeMap::from([(
            "demo".to_string(),
            WorkspacePermissions {
                permissions: BTreeSet::from([W::View]),
                hierarchy: BTreeSet::from([W::Analyze]),
            }
        )])
    );
    assert!(live.workspaces_of("newGroup").is_empty());
    assert!(
        live.data_source_access.is_empty(),
        "data sources were not asked for"
    );
    let per_group = fake
        .requests()
        .into_iter()
        .find(|r| r.path().ends_with("/demoGroup/permissions"))
        .expect("asked");
    assert_eq!(per_group.header("accept"), Some("application/json"));
}

#[test]
fn recorded_data_source_permissions_parse() {
    let body = answer_body(&recorded(
        "test_get_user_group_permissions",
        "GET",
        "/api/v1/actions/userManagement/userGroups/demoGroup/permissions",
    ));
    let answer: PermissionAssignments = serde_json::from_value(body).expect("parses");
    let mut out = GroupPermissions::default();
    add_assignments(&mut out, "demoGroup".into(), answer);
    assert_eq!(
        out.data_sources["demoGroup"],
        BTreeMap::from([("demo-test-ds".to_string(), BTreeSet::from([D::Use]))])
    );
    assert!(out.unrecognized.is_empty());
}

#[tokio::test]
async fn organization_permissions_come_from_the_recorded_layout() {
    let body = answer_body(&recorded(
        "manage_organization_permissions",
        "GET",
        "/api/v1/layout/organization/permissions",
    ));
    let fake = Fake::start(move |r| match r.path() {
        "/api/v1/layout/organization/permissions" => Reply::json(&body),
        _ => not_found(),
    })
    .await;
    let live = fake
        .client()
        .fetch_access(&query(&[Facet::Organization]))
        .await
        .expect("reads");
    assert_eq!(
        live.organization_of("adminGroup"),
        &BTreeSet::from([O::Manage, O::SelfCreateToken])
    );
    assert_eq!(
        paths(&fake.requests()),
        ["GET /api/v1/layout/organization/permissions"],
        "only what the facet needs"
    );
}

#[tokio::test]
async fn the_token_user_and_its_groups_for_the_lockout_guard() {
    let user = answer_body(&recorded("get_user", "GET", "/api/v1/entities/users/demo2"));
    let fake = Fake::start(move |r| match r.path() {
        "/api/v1/profile" => Reply::json(&json!({"userId": "demo2", "organizationId": "default"})),
        "/api/v1/entities/users/demo2" => Reply::json(&user),
        "/api/v1/layout/organization/permissions" => Reply::json(&json!([
            {"assignee": {"id": "demo2", "type": "user"}, "name": "MANAGE"},
            {"assignee": {"id": "demoGroup", "type": "userGroup"}, "name": "BASE_UI_ACCESS"},
            {"assignee": {"id": "demoGroup", "type": "userGroup"}, "name": "FUTURE_THING"}
        ])),
        _ => not_found(),
    })
    .await;
    let q = AccessQuery {
        token_user: true,
        ..AccessQuery::default()
    };
    let live = fake.client().fetch_access(&q).await.expect("reads");
    assert_eq!(
        live.token_user,
        Some(TokenUser {
            id: "demo2".into(),
            groups: set(&["demoGroup"])
        })
    );
    assert_eq!(live.user_organization["demo2"], BTreeSet::from([O::Manage]));
    assert_eq!(
        live.organization_of("demoGroup"),
        &BTreeSet::from([O::BaseUiAccess])
    );
    assert_eq!(
        live.unrecognized,
        [Unrecognized {
            assignee: "demoGroup".into(),
            facet: Facet::Organization,
            target: None,
            name: "FUTURE_THING".into()
        }],
        "an unknown name is kept aside, not a failure"
    );
    assert_eq!(
        AccessQuery::for_facets(Facets::NONE.with(Facet::Members)),
        AccessQuery {
            facets: Facets::NONE.with(Facet::Members),
            token_user: true,
            permission_groups: Vec::new()
        }
    );
    assert!(!AccessQuery::for_facets(Facets::NONE.with(Facet::Workspaces)).token_user);
}

#[tokio::test]
async fn nothing_managed_sends_nothing() {
    let fake = Fake::start(|_| not_found()).await;
    let q = AccessQuery::for_facets(Facets::NONE);
    assert!(q.is_empty());
    let live = fake
        .client()
        .fetch_access(&q)
        .await
        .expect("nothing to read");
    assert_eq!(live, LiveAccess::default());
    assert!(fake.requests().is_empty());
}

// ---------------------------------------------------------------------------------------------
// Complete listings

/// `n` users `u{n-1}` … `u0` (the server's order is not alphabetical), each in group
/// `g{i % 3}`, served `cap` per page whatever size is asked, with `announce` as the total.
fn capped_users(n: usize, cap: usize, announce: usize) -> impl Fn(&Request) -> Reply {
    move |r| {
        let page: usize = r.query("page").and_then(|p| p.parse().ok()).unwrap_or(0);
        let data: Vec<Value> = (0..n)
            .rev()
            .skip(page * cap)
            .take(cap)
            .map(|i| {
                json!({"id": format!("u{i}"), "type": "user", "attributes": {},
                    "relationships": {"userGroups": {"data": [{"id": format!("g{}", i % 3), "type": "userGroup"}]}}})
            })
            .collect();
        Reply::json(&json!({
            "data": data,
            "meta": {"page": {"number": page, "size": cap, "totalElements": announce}},
            "links": {"next": "present even on the last page"}
        }))
    }
}

#[tokio::test]
async fn a_capped_page_size_still_gives_every_user() {
    let fake = Fake::start(capped_users(7, 3, 7)).await;
    let live = fake
        .client()
        .fetch_access(&query(&[Facet::Members]))
        .await
        .expect("complete");
    assert_eq!(live.users.len(), 7);
    assert_eq!(live.members_of("g0"), &set(&["u0", "u3", "u6"]));
    let mut pages: Vec<String> = fake
        .requests()
        .iter()
        .filter_map(|r| r.query("page").map(str::to_string))
        .collect();
    pages.sort();
    assert_eq!(pages, ["0", "1", "2"], "the total says 3 pages, no more");
}

#[tokio::test]
async fn a_listing_short_of_its_total_is_an_error() {
    let fake = Fake::start(capped_users(7, 3, 8)).await;
    let err = fake
        .client()
        .fetch_access(&query(&[Facet::Members]))
        .await
        .expect_err("incomplete");
    let text = err.to_string();
    assert!(
        text.starts_with(
            "GET /api/v1/entities/users → 200: the server announced 8 entries but the pages held 7"
        ),
        "{text}"
    );
}

/// The user-management listing: `total` groups `grp-{i}`, `cap` per page, each with a direct
/// permission on `ws` plus one inherited from a parent group, and a name from a newer server.
fn capped_groups(total: usize, cap: usize, with_permissions: bool) -> impl Fn(&Request) -> Reply {
    move |r| match r.path() {
        "/api/v1/actions/userManagement/userGroups" => {
            let page: usize = r.query("page").and_then(|p| p.parse().ok()).unwrap_or(0);
            let groups: Vec<Value> = (0..total)
                .skip(page * cap)
                .take(cap)
                .map(|i| {
                    let mut g = json!({"id": format!("grp-{i}"), "userCount": 1, "organizationAdmin": false});
                    if with_permissions {
                        g["workspaces"] = json!([
                            {"id": "ws", "permissions": ["VIEW", "NEW_ONE"], "hierarchyPermissions": []},
                            {"id": "parent-ws", "permissions": ["MANAGE"], "hierarchyPermissions": [], "accessSource": "GROUP"}
                        ]);
                        g["dataSources"] = json!([{"id": "dw", "permissions": ["USE"], "accessSource": "DIRECT"}]);
                    }
                    g
                })
                .collect();
            Reply::json(&json!({"totalCount": total, "userGroups": groups}))
        }
        "/api/v1/entities/workspaces" | "/api/v1/entities/dataSources" => empty_page(),
        path if path.ends_with("/permissions") => Reply::json(&json!({
            "workspaces": [{"id": "ws", "permissions": ["ANALYZE"], "hierarchyPermissions": ["VIEW"]}],
            "dataSources": []
        })),
        _ => not_found(),
    }
}

#[tokio::test]
async fn the_user_management_listing_is_read_in_parallel_pages_and_direct_only() {
    let fake = Fake::start(capped_groups(5, 2, true)).await;
    let live = fake
        .client()
        .fetch_access(&query(&[Facet::Workspaces, Facet::DataSources]))
        .await
        .expect("reads");
    assert_eq!(live.workspace_access.len(), 5);
    assert_eq!(
        live.workspaces_of("grp-4"),
        &BTreeMap::from([("ws".to_string(), WorkspacePermissions::only([W::View]))]),
        "the inherited `parent-ws` is not the group's own"
    );
    assert_eq!(
        live.data_sources_of("grp-0")["dw"],
        BTreeSet::from([D::Use])
    );
    assert_eq!(live.unrecognized.len(), 5, "NEW_ONE once per group");
    assert_eq!(live.unrecognized[0].target.as_deref(), Some("ws"));
    let listing: Vec<Request> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path() == "/api/v1/actions/userManagement/userGroups")
        .collect();
    assert_eq!(listing.len(), 3, "pages 0, 1, 2");
    assert!(
        listing
            .iter()
            .all(|r| r.query("size") == Some("500")
                && r.header("accept") == Some("application/json"))
    );
}

#[tokio::test]
async fn a_listing_without_permissions_is_completed_group_by_group() {
    let fake = Fake::start(capped_groups(3, 10, false)).await;
    let mut q = query(&[Facet::Workspaces]);
    q.permission_groups = vec!["grp-1".into()];
    let live = fake.client().fetch_access(&q).await.expect("reads");
    assert_eq!(
        live.workspace_access.keys().collect::<Vec<_>>(),
        ["grp-1"],
        "only the groups asked about"
    );
    assert_eq!(
        live.workspaces_of("grp-1")["ws"].hierarchy,
        BTreeSet::from([W::View])
    );
}

// ---------------------------------------------------------------------------------------------
// Malformed answers

#[tokio::test]
async fn an_html_listing_is_an_error_quoting_it() {
    let fake = Fake::start(|_| Reply {
        status: 200,
        content_type: Some("text/html"),
        body: b"<html><body>Sign in</body></html>".to_vec(),
    })
    .await;
    let err = fake.client().list_workspace_ids().await.expect_err("HTML");
    let text = err.to_string();
    assert!(
        text.starts_with("GET /api/v1/entities/workspaces → 200: HTML, not JSON"),
        "{text}"
    );
    assert!(text.contains("<html><body>Sign in"), "{text}");
}

#[tokio::test]
async fn an_entry_of_another_type_is_an_error() {
    let fake = Fake::start(|r| match r.path() {
        "/api/v1/entities/dataSources" => Reply::json(&json!({
            "data": [{"id": "x", "type": "workspace"}],
            "meta": {"page": {"totalElements": 1}}
        })),
        _ => not_found(),
    })
    .await;
    let err = fake
        .client()
        .list_data_source_ids()
        .await
        .expect_err("wrong type");
    assert!(
        err.to_string()
            .contains("an entry of type `workspace` in a listing of `dataSource`"),
        "{err}"
    );
}

#[tokio::test]
async fn a_write_answered_with_html_did_not_happen() {
    let fake = Fake::start(|_| Reply {
        status: 200,
        content_type: Some("text/html"),
        body: b"<!DOCTYPE html><title>proxy</title>".to_vec(),
    })
    .await;
    let err = fake
        .client()
        .add_members("sales", &set(&["zoe"]))
        .await
        .expect_err("HTML");
    let text = err.to_string();
    assert!(
        text.starts_with("POST /api/v1/actions/userManagement/userGroups/sales/addMembers → 200"),
        "{text}"
    );
    assert!(text.contains("\"<!DOCTYPE html>"), "{text}");
}

#[tokio::test]
async fn an_id_that_could_leave_its_path_is_never_sent() {
    let fake = Fake::start(|_| Reply::status(204, "")).await;
    let err = fake
        .client()
        .add_members("../entities/users", &set(&["zoe"]))
        .await
        .expect_err("refused");
    assert!(
        err.to_string().starts_with(
            "POST …/userManagement/userGroups/{id}/addMembers: `../entities/users` is not a valid id"
        ),
        "{err}"
    );
    assert!(fake.requests().is_empty());
}

// ---------------------------------------------------------------------------------------------
// Writes

fn grant() -> PermissionGrant {
    PermissionGrant {
        groups: set(&["demoGroup"]),
        workspaces: BTreeMap::from([(
            "demo".to_string(),
            WorkspacePermissions {
                permissions: BTreeSet::from([W::View]),
                hierarchy: BTreeSet::from([W::Analyze]),
            },
        )]),
        data_sources: BTreeMap::from([("demo-test-ds".to_string(), BTreeSet::from([D::Manage]))]),
    }
}

/// The recorded request body without what gdgroups does not send: read-only `name`s and
/// assignees other than groups.
fn recorded_request(cassette: &str, path: &str) -> Value {
    let mut body = recorded(cassette, "POST", path)["request"]["body"].clone();
    if let Some(assignees) = body["assignees"].as_array_mut() {
        assignees.retain(|a| a["type"] == "userGroup");
    }
    for key in ["workspaces", "dataSources"] {
        for item in body[key].as_array_mut().into_iter().flatten() {
            item.as_object_mut().map(|o| o.remove("name"));
        }
    }
    body
}

#[tokio::test]
async fn writes_send_the_recorded_bodies_and_accept_empty_answers() {
    let fake = Fake::start(|r| match r.path() {
        // As recorded: 200 with an empty body (no content type), 204 for the others.
        "/api/v1/actions/userManagement/assignPermissions"
        | "/api/v1/actions/userManagement/revokePermissions" => Reply {
            status: 200,
            content_type: None,
            body: Vec::new(),
        },
        _ => Reply::status(204, ""),
    })
    .await;
    let client = fake.client();
    client.assign_permissions(&grant()).await.expect("assigned");
    client.revoke_permissions(&grant()).await.expect("revoked");
    client
        .set_organization_permissions(&BTreeMap::from([(
            "adminGroup".to_string(),
            BTreeSet::from([O::SelfCreateToken, O::Manage]),
        )]))
        .await
        .expect("set");
    client
        .add_members("sales", &set(&["zoe", "amy"]))
        .await
        .expect("added");
    client
        .remove_members("sales", &set(&["bob"]))
        .await
        .expect("removed");

    let requests = fake.requests();
    assert_eq!(
        paths(&requests),
        [
            "POST /api/v1/actions/userManagement/assignPermissions",
            "POST /api/v1/actions/userManagement/revokePermissions",
            "POST /api/v1/actions/organization/managePermissions",
            "POST /api/v1/actions/userManagement/userGroups/sales/addMembers",
            "POST /api/v1/actions/userManagement/userGroups/sales/removeMembers",
        ]
    );
    assert!(
        requests
            .iter()
            .all(|r| r.header("content-type") == Some("application/json"))
    );
    assert_eq!(
        requests[0].json(),
        recorded_request(
            "test_assign_permissions_bulk",
            "/api/v1/actions/userManagement/assignPermissions"
        )
    );
    // The recorded revoke took away ANALYZE on `demo` only; the body has the same shape.
    let mut revoke = recorded_request(
        "test_revoke_permissions_bulk",
        "/api/v1/actions/userManagement/revokePermissions",
    );
    assert_eq!(
        revoke["assignees"],
        json!([]),
        "the recording revoked a user's"
    );
    revoke["assignees"] = json!([{"id": "demoGroup", "type": "userGroup"}]);
    let ours = requests[1].json();
    assert_eq!(ours["assignees"], revoke["assignees"]);
    let keys = |v: &Value| {
        v.as_object()
            .map(|o| o.keys().cloned().collect::<BTreeSet<_>>())
    };
    assert_eq!(keys(&ours["workspaces"][0]), keys(&revoke["workspaces"][0]));
    assert_eq!(
        requests[2].json(),
        recorded(
            "manage_organization_permissions",
            "POST",
            "/api/v1/actions/organization/managePermissions"
        )["request"]["body"],
        "MANAGE before SELF_CREATE_TOKEN, as the API lists them"
    );
    assert_eq!(
        requests[3].json(),
        json!({"members": [{"id": "amy"}, {"id": "zoe"}]})
    );
}

#[test]
fn an_empty_grant_part_is_left_out_of_the_body() {
    let only_data_sources = PermissionGrant {
        workspaces: BTreeMap::new(),
        ..grant()
    };
    let body = serde_json::to_value(PermissionsBody::new(&only_data_sources)).expect("json");
    assert!(body.get("workspaces").is_none(), "{body}");
    assert_eq!(body["dataSources"][0]["permissions"], json!(["MANAGE"]));
    let no_hierarchy = PermissionGrant {
        workspaces: BTreeMap::from([("w".to_string(), WorkspacePermissions::only([W::View]))]),
        ..grant()
    };
    let body = serde_json::to_value(PermissionsBody::new(&no_hierarchy)).expect("json");
    assert_eq!(
        body["workspaces"][0]["hierarchyPermissions"],
        json!([]),
        "always sent: it is required, and an assign sets it"
    );
}

// ---------------------------------------------------------------------------------------------
// Request bodies against the OpenAPI spec

fn spec() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/gooddata/openapi/members-permissions-subset.openapi.json"
    );
    serde_json::from_str(&fs_err::read_to_string(path).expect("the OpenAPI subset")).expect("JSON")
}

fn request_schema<'a>(spec: &'a Value, path: &str) -> &'a Value {
    let schema =
        &spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"];
    assert!(schema.is_object(), "no request schema for {path}");
    schema
}

#[test]
fn request_bodies_validate_against_the_openapi_schema() {
    let spec = spec();
    let members = request_schema(
        &spec,
        "/api/v1/actions/userManagement/userGroups/{userGroupId}/addMembers",
    );
    let remove = request_schema(
        &spec,
        "/api/v1/actions/userManagement/userGroups/{userGroupId}/removeMembers",
    );
    let body = serde_json::to_value(MembersBody::new(["zoe", "amy.b"])).expect("json");
    validate(&spec, members, &body, "addMembers").expect("valid");
    validate(&spec, remove, &body, "removeMembers").expect("valid");

    let every = PermissionGrant {
        groups: set(&["g1", "g.2"]),
        workspaces: BTreeMap::from([(
            "w".to_string(),
            WorkspacePermissions {
                permissions: W::ALL.iter().copied().collect(),
                hierarchy: W::ALL.iter().copied().collect(),
            },
        )]),
        data_sources: BTreeMap::from([("d".to_string(), D::ALL.iter().copied().collect())]),
    };
    for path in [
        "/api/v1/actions/userManagement/assignPermissions",
        "/api/v1/actions/userManagement/revokePermissions",
    ] {
        let schema = request_schema(&spec, path);
        for g in [grant(), every.clone()] {
            let body = serde_json::to_value(PermissionsBody::new(&g)).expect("json");
            validate(&spec, schema, &body, path).unwrap_or_else(|e| panic!("{body}: {e}"));
        }
    }
    let organization = request_schema(&spec, "/api/v1/actions/organization/managePermissions");
    let body = serde_json::to_value(vec![
        OrganizationAssignmentIn::group("a", O::ALL.iter().copied()),
        OrganizationAssignmentIn::group("b", []),
    ])
    .expect("json");
    validate(&spec, organization, &body, "managePermissions").expect("valid");

    // The validator is not vacuous here either.
    let assign = request_schema(&spec, "/api/v1/actions/userManagement/assignPermissions");
    for bad in [
        json!({"assignees": []}),
        json!({"assignees": [{"id": "g", "type": "group"}]}),
        json!({"assignees": [{"id": "g", "type": "userGroup"}], "workspaces": [{"id": "w", "permissions": ["READ"], "hierarchyPermissions": []}]}),
        json!({"assignees": [{"id": "g", "type": "userGroup"}], "workspaces": [{"id": "w", "permissions": []}]}),
    ] {
        assert!(
            validate(&spec, assign, &bad, "bad").is_err(),
            "accepted {bad}"
        );
    }
    let bad =
        json!([{"assigneeIdentifier": {"id": "a", "type": "userGroup"}, "permissions": ["USE"]}]);
    assert!(validate(&spec, organization, &bad, "bad").is_err());
}
