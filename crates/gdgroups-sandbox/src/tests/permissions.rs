//! Permissions over HTTP: the user-management listing with direct permissions, the per-group
//! and per-user reads and writes, assign and revoke, the organization's permissions, the
//! workspace and data source listings, and that all of them are counted and fault-injected like
//! the rest.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use super::{call, get, start_organization};
use crate::{
    Assignee, DataSourcePermission, Faults, SandboxConfig, WorkspaceAccess, WorkspacePermission,
};

const MANAGEMENT: &str = "/api/v1/actions/userManagement";
const ASSIGN: &str = "/api/v1/actions/userManagement/assignPermissions";
const REVOKE: &str = "/api/v1/actions/userManagement/revokePermissions";
const ORGANIZATION: &str = "/api/v1/actions/organization/managePermissions";
const ORGANIZATION_LAYOUT: &str = "/api/v1/layout/organization/permissions";

fn assignment(assignees: &[(&str, &str)], workspaces: Value, data_sources: Value) -> Value {
    let assignees: Vec<Value> = assignees
        .iter()
        .map(|(id, kind)| json!({"id": id, "type": kind}))
        .collect();
    let mut body = serde_json::Map::new();
    body.insert("assignees".into(), Value::Array(assignees));
    body.insert("workspaces".into(), workspaces);
    body.insert("dataSources".into(), data_sources);
    Value::Object(body)
}

#[tokio::test]
async fn the_listing_shows_each_groups_direct_permissions() {
    let sandbox = start_organization(SandboxConfig::default()).await;
    let listing = get(&sandbox, &format!("{MANAGEMENT}/userGroups?page=0&size=2")).await;
    assert_eq!(listing.header("content-type"), Some("application/json"));
    assert_eq!(
        listing.json(),
        json!({"totalCount": 4, "userGroups": [
            {"id": "adminGroup", "organizationAdmin": true, "userCount": 1,
             "workspaces": [], "dataSources": []},
            {"id": "analysts", "name": "Analysts", "organizationAdmin": false, "userCount": 2,
             "workspaces": [
                {"id": "finance", "permissions": ["ANALYZE"], "hierarchyPermissions": ["VIEW"]},
                {"id": "sales", "name": "Sales", "permissions": ["VIEW"], "hierarchyPermissions": []},
             ],
             "dataSources": [{"id": "warehouse", "name": "Warehouse", "permissions": ["USE"]}]},
        ]})
    );
    let second = get(&sandbox, &format!("{MANAGEMENT}/userGroups?page=1&size=2"))
        .await
        .json();
    let ids: Vec<&str> = second["userGroups"]
        .as_array()
        .expect("userGroups")
        .iter()
        .map(|g| g["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, ["juniors", "legacy"]);
    assert_eq!(second["totalCount"], 4);
    for refused in ["size=0", "page=-1", "name=a&name=b", "sort=id"] {
        get(&sandbox, &format!("{MANAGEMENT}/userGroups?{refused}"))
            .await
            .problem(400);
    }
}

#[tokio::test]
async fn one_groups_or_users_permissions_are_read_and_set() {
    let sandbox = start_organization(SandboxConfig::default()).await;
    let path = format!("{MANAGEMENT}/userGroups/analysts/permissions");
    let read = get(&sandbox, &path).await;
    assert_eq!(read.header("content-type"), Some("application/json"));
    assert_eq!(
        read.json()["dataSources"],
        json!([{"id": "warehouse", "name": "Warehouse", "permissions": ["USE"]}])
    );
    assert_eq!(
        get(&sandbox, &format!("{path}?includeInherited=false"))
            .await
            .status,
        200
    );
    get(&sandbox, &format!("{path}?includeInherited=true"))
        .await
        .problem(501);
    get(&sandbox, &format!("{path}?includeInherited=maybe"))
        .await
        .problem(400);

    // A write sets what it lists and leaves the rest (sales, warehouse) alone.
    let written = call(
        &sandbox,
        Method::POST,
        &path,
        Some(json!({
            "workspaces": [{"id": "finance", "name": "ignored", "permissions": ["VIEW", "EXPORT"], "hierarchyPermissions": []}],
            "dataSources": [{"id": "lake", "permissions": ["MANAGE"]}],
        })),
    )
    .await;
    assert_eq!(written.status, 204, "{}", written.text);
    assert_eq!(written.header("content-type"), None);
    let access = sandbox.access(&Assignee::group("analysts")).unwrap();
    assert_eq!(
        access.workspaces["finance"],
        WorkspaceAccess::new([WorkspacePermission::Export, WorkspacePermission::View])
    );
    assert_eq!(
        access.workspaces["sales"],
        WorkspaceAccess::new([WorkspacePermission::View])
    );
    assert_eq!(
        access.data_sources["lake"],
        [DataSourcePermission::Manage].into()
    );
    // Answers list permissions in the spec's enum order.
    assert_eq!(
        get(&sandbox, &path).await.json()["workspaces"][0]["permissions"],
        json!(["EXPORT", "VIEW"])
    );

    let dora = get(&sandbox, &format!("{MANAGEMENT}/users/dora/permissions"))
        .await
        .json();
    assert_eq!(
        dora,
        json!({"workspaces": [{"id": "sales", "name": "Sales", "permissions": ["MANAGE"], "hierarchyPermissions": []}], "dataSources": []})
    );
    get(&sandbox, &format!("{MANAGEMENT}/users/nobody/permissions"))
        .await
        .problem(404);
    get(
        &sandbox,
        &format!("{MANAGEMENT}/userGroups/nobody/permissions"),
    )
    .await
    .problem(404);
    // Both members are required (`UserManagementPermissionAssignments`).
    call(
        &sandbox,
        Method::POST,
        &path,
        Some(json!({"workspaces": []})),
    )
    .await
    .problem(400);
}

#[tokio::test]
async fn assign_sets_and_revoke_removes_for_every_assignee() {
    let sandbox = start_organization(SandboxConfig::default()).await;
    let assigned = call(
        &sandbox,
        Method::POST,
        ASSIGN,
        Some(assignment(
            &[
                ("juniors", "userGroup"),
                ("legacy", "userGroup"),
                ("bob", "user"),
            ],
            json!([{"id": "sales", "permissions": ["ANALYZE"], "hierarchyPermissions": ["VIEW"]}]),
            json!([]),
        )),
    )
    .await;
    assert_eq!(assigned.status, 200, "{}", assigned.text);
    assert_eq!(assigned.text, "");
    assert_eq!(assigned.header("content-type"), None);
    let expected = WorkspaceAccess::new([WorkspacePermission::Analyze])
        .with_hierarchy([WorkspacePermission::View]);
    for assignee in [
        Assignee::group("juniors"),
        Assignee::group("legacy"),
        Assignee::user("bob"),
    ] {
        assert_eq!(
            sandbox.access(&assignee).unwrap().workspaces["sales"],
            expected,
            "{assignee:?}"
        );
    }
    // Listed again with another set: the set is replaced, not merged.
    call(
        &sandbox,
        Method::POST,
        ASSIGN,
        Some(assignment(
            &[("legacy", "userGroup")],
            json!([{"id": "sales", "permissions": ["VIEW"], "hierarchyPermissions": []}]),
            json!([{"id": "lake", "permissions": ["USE"]}]),
        )),
    )
    .await;
    let legacy = sandbox.access(&Assignee::group("legacy")).unwrap();
    assert_eq!(
        legacy.workspaces["sales"],
        WorkspaceAccess::new([WorkspacePermission::View])
    );
    assert_eq!(
        legacy.data_sources["lake"],
        [DataSourcePermission::Use].into()
    );

    let revoked = call(
        &sandbox,
        Method::POST,
        REVOKE,
        Some(assignment(
            &[("legacy", "userGroup"), ("juniors", "userGroup")],
            json!([{"id": "sales", "permissions": ["VIEW", "ANALYZE"], "hierarchyPermissions": ["VIEW"]}]),
            json!([{"id": "lake", "permissions": ["USE"]}]),
        )),
    )
    .await;
    assert_eq!(revoked.status, 200, "{}", revoked.text);
    assert_eq!(revoked.text, "");
    let legacy = sandbox.access(&Assignee::group("legacy")).unwrap();
    assert!(
        legacy.workspaces.is_empty() && legacy.data_sources.is_empty(),
        "{legacy:?}"
    );
    assert!(
        sandbox
            .access(&Assignee::group("juniors"))
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        sandbox.access(&Assignee::user("bob")).unwrap().workspaces["sales"],
        expected,
        "bob was not named"
    );
}

#[tokio::test]
async fn assign_and_revoke_refuse_bad_bodies_and_unknown_ids_changing_nothing() {
    let sandbox = start_organization(SandboxConfig::default()).await;
    let before = sandbox.access(&Assignee::group("analysts")).unwrap();
    let sales = json!([{"id": "sales", "permissions": ["VIEW"], "hierarchyPermissions": []}]);
    let cases = [
        // 400: enums, required members, types, the id pattern, empty or repeated lists.
        (
            assignment(
                &[("analysts", "userGroup")],
                json!([{"id": "sales", "permissions": ["VIEWER"], "hierarchyPermissions": []}]),
                json!([]),
            ),
            400,
        ),
        (
            assignment(
                &[("analysts", "userGroup")],
                json!([]),
                json!([{"id": "lake", "permissions": ["READ"]}]),
            ),
            400,
        ),
        (
            assignment(&[("analysts", "group")], sales.clone(), json!([])),
            400,
        ),
        (
            assignment(&[(".analysts", "userGroup")], sales.clone(), json!([])),
            400,
        ),
        (assignment(&[], sales.clone(), json!([])), 400),
        (
            assignment(
                &[("analysts", "userGroup"), ("analysts", "userGroup")],
                sales.clone(),
                json!([]),
            ),
            400,
        ),
        (
            assignment(
                &[("analysts", "userGroup")],
                json!([{"id": "sales", "permissions": ["VIEW"]}]),
                json!([]),
            ),
            400,
        ),
        (
            assignment(
                &[("analysts", "userGroup")],
                json!([{"id": "sales", "permissions": [], "hierarchyPermissions": []}, {"id": "sales", "permissions": [], "hierarchyPermissions": []}]),
                json!([]),
            ),
            400,
        ),
        (json!({"workspaces": []}), 400),
        (
            json!({"assignees": [{"id": "analysts", "type": "userGroup"}], "extra": 1}),
            400,
        ),
        (json!("assign"), 400),
        // 404: an assignee, workspace or data source that does not exist.
        (
            assignment(
                &[("analysts", "userGroup"), ("ghosts", "userGroup")],
                sales.clone(),
                json!([]),
            ),
            404,
        ),
        (
            assignment(
                &[("analysts", "userGroup"), ("ghost", "user")],
                sales.clone(),
                json!([]),
            ),
            404,
        ),
        (
            assignment(
                &[("analysts", "userGroup")],
                json!([{"id": "nowhere", "permissions": ["VIEW"], "hierarchyPermissions": []}]),
                json!([]),
            ),
            404,
        ),
        (
            assignment(
                &[("analysts", "userGroup")],
                sales.clone(),
                json!([{"id": "nothing", "permissions": ["USE"]}]),
            ),
            404,
        ),
    ];
    for path in [ASSIGN, REVOKE] {
        for (body, status) in &cases {
            let answer = call(&sandbox, Method::POST, path, Some(body.clone())).await;
            let detail = answer.problem(*status);
            assert!(!detail.is_empty(), "{path} {body}");
        }
    }
    assert_eq!(
        sandbox.access(&Assignee::group("analysts")).unwrap(),
        before
    );
}

#[tokio::test]
async fn organization_permissions_are_set_per_assignee_and_read_as_a_layout() {
    let sandbox = start_organization(SandboxConfig::default()).await;
    let layout = get(&sandbox, ORGANIZATION_LAYOUT).await;
    assert_eq!(layout.header("content-type"), Some("application/json"));
    assert_eq!(
        layout.json(),
        json!([
            {"assignee": {"id": "adminGroup", "type": "userGroup"}, "name": "MANAGE"},
            {"assignee": {"id": "legacy", "type": "userGroup"}, "name": "SELF_CREATE_TOKEN"},
        ])
    );
    let managed = call(
        &sandbox,
        Method::POST,
        ORGANIZATION,
        Some(json!([
            {"assigneeIdentifier": {"id": "legacy", "type": "userGroup"}, "permissions": []},
            {"assigneeIdentifier": {"id": "dora", "type": "user"}, "permissions": ["BASE_UI_ACCESS", "SELF_CREATE_TOKEN"]},
        ])),
    )
    .await;
    assert_eq!(managed.status, 204, "{}", managed.text);
    assert_eq!(managed.header("content-type"), None);
    assert_eq!(
        get(&sandbox, ORGANIZATION_LAYOUT).await.json(),
        json!([
            {"assignee": {"id": "dora", "type": "user"}, "name": "SELF_CREATE_TOKEN"},
            {"assignee": {"id": "dora", "type": "user"}, "name": "BASE_UI_ACCESS"},
            {"assignee": {"id": "adminGroup", "type": "userGroup"}, "name": "MANAGE"},
        ])
    );
    for (body, status) in [
        (
            json!([{"assigneeIdentifier": {"id": "legacy", "type": "userGroup"}, "permissions": ["ADMIN"]}]),
            400,
        ),
        (
            json!([{"assigneeIdentifier": {"id": "legacy"}, "permissions": []}]),
            400,
        ),
        (
            json!({"assigneeIdentifier": {"id": "legacy", "type": "userGroup"}, "permissions": []}),
            400,
        ),
        (
            json!([{"assigneeIdentifier": {"id": "ghosts", "type": "userGroup"}, "permissions": ["MANAGE"]}]),
            404,
        ),
    ] {
        call(&sandbox, Method::POST, ORGANIZATION, Some(body))
            .await
            .problem(status);
    }
    let put = call(
        &sandbox,
        Method::PUT,
        ORGANIZATION_LAYOUT,
        Some(json!([{"assignee": {"id": "analysts", "type": "userGroup"}, "name": "MANAGE"}])),
    )
    .await;
    assert_eq!(put.status, 204);
    assert_eq!(
        get(&sandbox, ORGANIZATION_LAYOUT).await.json(),
        json!([{"assignee": {"id": "analysts", "type": "userGroup"}, "name": "MANAGE"}])
    );
    let admin = get(&sandbox, "/api/v1/profile").await.json();
    assert_eq!(admin["permissions"], json!([]), "admin's group lost MANAGE");
}

#[tokio::test]
async fn workspaces_and_data_sources_are_listed_in_pages() {
    let sandbox = start_organization(SandboxConfig::default()).await;
    let base = sandbox.url();
    let workspaces = get(
        &sandbox,
        "/api/v1/entities/workspaces?include=parent&size=2&metaInclude=page",
    )
    .await;
    assert_eq!(
        workspaces.header("content-type"),
        Some("application/vnd.gooddata.api+json")
    );
    assert_eq!(
        workspaces.json(),
        json!({
            "data": [
                {"id": "company", "type": "workspace", "attributes": {"name": "Company"},
                 "links": {"self": format!("{base}/api/v1/entities/workspaces/company")}},
                {"id": "finance", "type": "workspace", "attributes": {},
                 "relationships": {"parent": {"data": {"id": "company", "type": "workspace"}}},
                 "links": {"self": format!("{base}/api/v1/entities/workspaces/finance")}},
            ],
            "included": [
                {"id": "company", "type": "workspace", "attributes": {"name": "Company"},
                 "links": {"self": format!("{base}/api/v1/entities/workspaces/company")}},
            ],
            "links": {
                "self": format!("{base}/api/v1/entities/workspaces?include=parent&size=2&metaInclude=page"),
                "next": format!("{base}/api/v1/entities/workspaces?include=parent&size=2&metaInclude=page&page=1"),
            },
            "meta": {"page": {"size": 2, "number": 0, "totalElements": 3, "totalPages": 2}},
        })
    );
    let plain = get(&sandbox, "/api/v1/entities/workspaces?page=1&size=2")
        .await
        .json();
    assert_eq!(plain["data"][0]["id"], "sales");
    assert!(plain["data"][0].get("relationships").is_none());

    let data_sources = get(&sandbox, "/api/v1/entities/dataSources?sort=id,desc")
        .await
        .json();
    assert_eq!(
        data_sources["data"],
        json!([
            {"id": "warehouse", "type": "dataSource",
             "attributes": {"name": "Warehouse", "schema": "analytics", "type": "SNOWFLAKE"},
             "links": {"self": format!("{base}/api/v1/entities/dataSources/warehouse")}},
            {"id": "lake", "type": "dataSource",
             "attributes": {"name": "lake", "schema": "public", "type": "POSTGRESQL"},
             "links": {"self": format!("{base}/api/v1/entities/dataSources/lake")}},
        ])
    );
    for bad in [
        "/api/v1/entities/workspaces?include=users",
        "/api/v1/entities/workspaces?include=parent,workspaces",
        "/api/v1/entities/dataSources?include=workspaces",
        "/api/v1/entities/dataSources?sort=url",
    ] {
        get(&sandbox, bad).await.problem(400);
    }
    for not_simulated in [
        "/api/v1/entities/workspaces?metaInclude=hierarchy",
        "/api/v1/entities/workspaces?metaInclude=ALL",
        "/api/v1/entities/dataSources?metaInclude=permissions",
    ] {
        let detail = get(&sandbox, not_simulated).await.problem(501);
        assert!(detail.contains("not simulated"), "{detail}");
    }
}

#[tokio::test]
async fn the_new_routes_are_counted_and_fault_injected() {
    let sandbox = start_organization(SandboxConfig {
        faults: Faults {
            refuse_writes: vec!["legacy".into()],
            ..Faults::default()
        },
        ..SandboxConfig::default()
    })
    .await;
    let members = json!({"members": [{"id": "dora"}]});
    let refused = [
        (
            format!("{MANAGEMENT}/userGroups/legacy/addMembers"),
            members.clone(),
        ),
        (
            format!("{MANAGEMENT}/userGroups/legacy/removeMembers"),
            members.clone(),
        ),
        (
            format!("{MANAGEMENT}/userGroups/legacy/permissions"),
            json!({"workspaces": [], "dataSources": []}),
        ),
        (
            ASSIGN.to_string(),
            assignment(
                &[("analysts", "userGroup"), ("legacy", "userGroup")],
                json!([]),
                json!([]),
            ),
        ),
        (
            REVOKE.to_string(),
            assignment(&[("legacy", "userGroup")], json!([]), json!([])),
        ),
        (
            ORGANIZATION.to_string(),
            json!([{"assigneeIdentifier": {"id": "legacy", "type": "userGroup"}, "permissions": []}]),
        ),
    ];
    for (path, body) in refused {
        let detail = call(&sandbox, Method::POST, &path, Some(body))
            .await
            .problem(500);
        assert!(detail.contains("`legacy`"), "{path}: {detail}");
    }
    let other = call(
        &sandbox,
        Method::POST,
        &format!("{MANAGEMENT}/userGroups/analysts/addMembers"),
        Some(members),
    )
    .await;
    assert_eq!(other.status, 204, "other groups are written");
    assert_eq!(sandbox.members("legacy").unwrap(), ["carl"]);

    let stats = sandbox.stats();
    assert_eq!(
        stats.count(
            "POST",
            "/api/v1/actions/userManagement/userGroups/{id}/addMembers"
        ),
        2
    );
    assert_eq!(stats.count("POST", ASSIGN), 1);
    assert_eq!(stats.count("POST", ORGANIZATION), 1);
    get(&sandbox, "/api/v1/entities/users/ann").await;
    get(&sandbox, "/api/v1/profile").await;
    let stats = sandbox.stats();
    assert_eq!(stats.count("GET", "/api/v1/entities/users/{id}"), 1);
    assert_eq!(stats.count("GET", "/api/v1/profile"), 1);
    assert_eq!(stats.status(500), 6);

    // The rate limit covers them like every API route.
    let limited = start_organization(SandboxConfig {
        faults: Faults {
            rate_limit: Some((1, Duration::from_secs(60))),
            ..Faults::default()
        },
        ..SandboxConfig::default()
    })
    .await;
    assert_eq!(get(&limited, "/api/v1/entities/users").await.status, 200);
    assert_eq!(get(&limited, "/api/v1/profile").await.status, 429);
}

#[tokio::test]
async fn without_user_management_only_its_listings_are_missing() {
    let sandbox = start_organization(SandboxConfig {
        user_management: false,
        ..SandboxConfig::default()
    })
    .await;
    get(&sandbox, &format!("{MANAGEMENT}/userGroups"))
        .await
        .problem(404);
    get(
        &sandbox,
        &format!("{MANAGEMENT}/userGroups/analysts/members"),
    )
    .await
    .problem(404);
    // The per-group fallback of spec §11 stays, and so do the writes.
    assert_eq!(
        get(
            &sandbox,
            &format!("{MANAGEMENT}/userGroups/analysts/permissions")
        )
        .await
        .status,
        200
    );
    let added = call(
        &sandbox,
        Method::POST,
        &format!("{MANAGEMENT}/userGroups/legacy/addMembers"),
        Some(json!({"members": [{"id": "dora"}]})),
    )
    .await;
    assert_eq!(added.status, 204);
}
