//! The sandbox answers as GoodData does, including where it says no (issue 17): one test per
//! item, each citing the spec path and parameter, or the recording, that decides the answer.
//! The OpenAPI paths are those of `tests/fixtures/gooddata/openapi/` in the gdgroups
//! repository, the recordings those of `tests/fixtures/gooddata/cassettes/`.

use reqwest::Method;
use serde_json::{Value, json};

use super::{Answer, call, get, start_organization, start_recorded};
use crate::access::{Access, Assignee, DataSourcePermission, WorkspaceAccess, WorkspacePermission};
use crate::group::Group;
use crate::{Sandbox, SandboxConfig};

const GROUPS: &str = "/api/v1/entities/userGroups";
const LAYOUT: &str = "/api/v1/layout/userGroups";
const MANAGEMENT: &str = "/api/v1/actions/userManagement/userGroups";

/// A request with exactly these headers (and no others but reqwest's own).
async fn raw(
    sandbox: &Sandbox,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Answer {
    let mut request = reqwest::Client::new().request(method, format!("{}{path}", sandbox.url()));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request.body(body.to_string());
    }
    let response = request.send().await.expect("answered");
    Answer {
        status: response.status(),
        headers: response.headers().clone(),
        text: response.text().await.expect("body"),
    }
}

const AUTH: (&str, &str) = ("authorization", "Bearer sandbox");

/// The status of a GET of the groups with this `Authorization` value written byte for byte on
/// the connection (an HTTP client may tidy a header value; this does not).
async fn raw_status(sandbox: &Sandbox, authorization: &str) -> u16 {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut stream = tokio::net::TcpStream::connect(sandbox.addr())
        .await
        .expect("connects");
    let request = format!(
        "GET {GROUPS} HTTP/1.1\r\nHost: localhost\r\nAuthorization: {authorization}\r\nConnection: close\r\n\r\n"
    );
    stream
        .write_all(request.as_bytes())
        .await
        .expect("request written");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.expect("answer read");
    let answer = String::from_utf8_lossy(&answer);
    answer
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {answer:?}"))
}

fn ids(body: &Value) -> Vec<&str> {
    body["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|item| item["id"].as_str().expect("id"))
        .collect()
}

fn management_ids(body: &Value) -> Vec<&str> {
    body["userGroups"]
        .as_array()
        .expect("userGroups")
        .iter()
        .map(|item| item["id"].as_str().expect("id"))
        .collect()
}

/// Item 1. OpenAPI `GET /api/v1/entities/userGroups` (and every `include` of the entities),
/// parameter `include`: "__WARNING:__ Individual include types (collection, relationship or
/// ALL) cannot be combined together." `userGroups` is a collection, `parents` a relationship.
#[tokio::test]
async fn include_kinds_cannot_be_combined() {
    let sandbox = start_recorded().await;
    for path in [
        format!("{GROUPS}?include=parents,userGroups"),
        format!("{GROUPS}?include=parents&include=userGroups"),
        format!("{GROUPS}?include=ALL,parents"),
        format!("{GROUPS}/demoGroup?include=userGroups,parents"),
        "/api/v1/entities/users?include=userGroups,ALL".to_string(),
        "/api/v1/entities/workspaces?include=workspaces,parent".to_string(),
        "/api/v1/entities/admin/organizations/default?include=bootstrapUserGroup,userGroups"
            .to_string(),
    ] {
        let detail = get(&sandbox, &path).await.problem(400);
        assert!(detail.contains("cannot be combined"), "{path}: {detail}");
    }
    let created = call(
        &sandbox,
        Method::POST,
        &format!("{GROUPS}?include=userGroups,parents"),
        Some(super::group_doc("ops", None, None)),
    )
    .await;
    created.problem(400);
    assert!(
        !sandbox.groups().iter().any(|g| g.id == "ops"),
        "a refused create creates nothing"
    );
    // One kind at a time is fine, repeated or not.
    for path in [
        format!("{GROUPS}?include=parents"),
        format!("{GROUPS}?include=userGroups"),
        format!("{GROUPS}?include=parents,parents"),
        format!("{GROUPS}?include=ALL"),
        "/api/v1/entities/admin/organizations/default?include=bootstrapUser,bootstrapUserGroup"
            .to_string(),
    ] {
        assert_eq!(get(&sandbox, &path).await.status, 200, "{path}");
    }
}

/// Item 2. Spec §3: "The server answers 400 to any change of [the bootstrap group]", and a
/// layout that leaves it out would delete it. Every layout PUT recorded
/// (`put_declarative_user_groups.yaml`, `load_and_put_declarative_user_groups.yaml`) lists
/// `adminGroup` unchanged.
#[tokio::test]
async fn the_layout_must_list_the_bootstrap_group_unchanged() {
    let sandbox = start_recorded().await;
    let before = sandbox.groups();
    for (layout, needle) in [
        (
            json!({"userGroups": [{"id": "adminGroup", "name": "Admins"}, {"id": "demoGroup"}]}),
            "changes",
        ),
        (
            json!({"userGroups": [
                {"id": "adminGroup", "parents": [{"id": "demoGroup", "type": "userGroup"}]},
                {"id": "demoGroup"},
            ]}),
            "changes",
        ),
        (json!({"userGroups": [{"id": "demoGroup"}]}), "leaves out"),
        (json!({"userGroups": []}), "leaves out"),
    ] {
        let detail = call(&sandbox, Method::PUT, LAYOUT, Some(layout.clone()))
            .await
            .problem(400);
        assert!(detail.contains(needle), "{layout}: {detail}");
        assert!(detail.contains("adminGroup"), "{detail}");
        assert_eq!(sandbox.groups(), before, "a refused layout changes nothing");
    }
    // The recorded shape: the bootstrap group listed as it is.
    let recorded = json!({"userGroups": [
        {"id": "adminGroup", "permissions": []},
        {"id": "demoGroup", "permissions": []},
    ]});
    let answer = call(&sandbox, Method::PUT, LAYOUT, Some(recorded)).await;
    assert_eq!(answer.status, 204, "{}", answer.text);
    assert_eq!(
        sandbox.groups(),
        [Group::new("adminGroup"), Group::new("demoGroup")]
    );
}

/// Item 3. OpenAPI `PUT /api/v1/layout/userGroups`: `requestBody.content` lists
/// `application/json` only (as do the actions'), while the entities' writes list both
/// `application/json` and `application/vnd.gooddata.api+json`.
#[tokio::test]
async fn bodies_come_in_the_media_types_the_spec_lists() {
    let sandbox = start_recorded().await;
    let layout = r#"{"userGroups": [{"id": "adminGroup"}]}"#;
    for content_type in [
        "application/vnd.gooddata.api+json",
        "text/plain",
        "application/x-www-form-urlencoded",
    ] {
        let answer = raw(
            &sandbox,
            Method::PUT,
            LAYOUT,
            &[AUTH, ("content-type", content_type)],
            Some(layout),
        )
        .await;
        let detail = answer.problem(415);
        assert!(detail.contains("application/json"), "{detail}");
    }
    assert_eq!(
        sandbox.groups().len(),
        4,
        "a refused layout changes nothing"
    );
    let vendor_members = raw(
        &sandbox,
        Method::POST,
        &format!("{MANAGEMENT}/demoGroup/addMembers"),
        &[AUTH, ("content-type", "application/vnd.gooddata.api+json")],
        Some(r#"{"members": []}"#),
    )
    .await;
    vendor_members.problem(415);
    let no_type = raw(&sandbox, Method::PUT, LAYOUT, &[AUTH], Some(layout)).await;
    no_type.problem(415);
    let json = raw(
        &sandbox,
        Method::PUT,
        LAYOUT,
        &[AUTH, ("content-type", "application/json; charset=utf-8")],
        Some(layout),
    )
    .await;
    assert_eq!(json.status, 204, "{}", json.text);
    // The entity takes both types.
    for (id, content_type) in [
        ("viaVendor", "application/vnd.gooddata.api+json"),
        ("viaJson", "application/json"),
    ] {
        let body = super::group_doc(id, None, None).to_string();
        let created = raw(
            &sandbox,
            Method::POST,
            GROUPS,
            &[AUTH, ("content-type", content_type)],
            Some(&body),
        )
        .await;
        assert_eq!(created.status, 201, "{content_type}: {}", created.text);
    }
}

/// Item 4. OpenAPI `GET /api/v1/actions/userManagement/userGroups`, parameters `name` ("Filter
/// by user name. Note that user name is case insensitive."), `workspace` ("Filter by
/// workspaceId.") and `dataSource` ("Filter by dataSourceId.").
#[tokio::test]
async fn the_user_management_listing_filters_by_name_workspace_and_data_source() {
    let sandbox = start_organization(SandboxConfig::default()).await;
    // analysts: Analysts, sales (VIEW), finance, warehouse. juniors (unnamed): sales through
    // hierarchy only, lake. legacy: "Legacy Analysts", no workspace or data source.
    let juniors = Access {
        workspaces: [(
            "sales".to_string(),
            WorkspaceAccess::default().with_hierarchy([WorkspacePermission::View]),
        )]
        .into(),
        data_sources: [("lake".to_string(), [DataSourcePermission::Use].into())].into(),
        ..Access::default()
    };
    assert!(sandbox.set_access(&Assignee::group("juniors"), juniors));
    sandbox.upsert_group(Group::new("legacy").with_name("Legacy Analysts"));
    for (query, expected) in [
        ("", vec!["adminGroup", "analysts", "juniors", "legacy"]),
        ("name=analysts", vec!["analysts", "legacy"]),
        ("name=ANALYSTS", vec!["analysts", "legacy"]),
        ("name=legacy%20an", vec!["legacy"]),
        ("name=zzz", vec![]),
        ("workspace=sales", vec!["analysts", "juniors"]),
        ("workspace=finance", vec!["analysts"]),
        ("workspace=company", vec![]),
        ("dataSource=lake", vec!["juniors"]),
        ("dataSource=warehouse", vec!["analysts"]),
        ("workspace=sales&dataSource=lake", vec!["juniors"]),
        ("name=analysts&workspace=sales", vec!["analysts"]),
        ("workspace=sales&size=1&page=1", vec!["juniors"]),
    ] {
        let body = get(&sandbox, &format!("{MANAGEMENT}?{query}")).await.json();
        assert_eq!(management_ids(&body), expected, "{query}");
        let total = if query.contains("size=1") {
            2
        } else {
            expected.len()
        };
        assert_eq!(body["totalCount"], total, "{query}");
    }
    // One value each.
    get(&sandbox, &format!("{MANAGEMENT}?workspace=a&workspace=b"))
        .await
        .problem(400);
}

/// Item 5. OpenAPI: the success answers of the entities list `application/json` and
/// `application/vnd.gooddata.api+json`, those of the layouts, actions and the profile
/// `application/json` only; an `Accept` none of them satisfies is 406.
#[tokio::test]
async fn accept_must_allow_a_json_type_the_operation_answers_in() {
    let sandbox = start_organization(SandboxConfig::default()).await;
    for path in [
        GROUPS,
        "/api/v1/entities/userGroups/analysts",
        "/api/v1/entities/users",
        LAYOUT,
        MANAGEMENT,
        "/api/v1/actions/userManagement/userGroups/analysts/permissions",
        "/api/v1/profile",
        "/api/v1/layout/organization/permissions",
    ] {
        let html = raw(
            &sandbox,
            Method::GET,
            path,
            &[AUTH, ("accept", "text/html")],
            None,
        )
        .await;
        let detail = html.problem(406);
        assert!(detail.contains("application/json"), "{path}: {detail}");
        let any = raw(
            &sandbox,
            Method::GET,
            path,
            &[AUTH, ("accept", "*/*")],
            None,
        )
        .await;
        assert_eq!(any.status, 200, "{path}");
        let json = raw(
            &sandbox,
            Method::GET,
            path,
            &[AUTH, ("accept", "text/html, application/json;q=0.5")],
            None,
        )
        .await;
        assert_eq!(json.status, 200, "{path}");
        assert_eq!(
            json.header("content-type"),
            Some("application/json"),
            "{path}"
        );
    }
    // The layouts and actions do not answer in the vendor type.
    for path in [LAYOUT, MANAGEMENT, "/api/v1/profile"] {
        let vendor = raw(
            &sandbox,
            Method::GET,
            path,
            &[AUTH, ("accept", "application/vnd.gooddata.api+json")],
            None,
        )
        .await;
        vendor.problem(406);
    }
    let refused = raw(
        &sandbox,
        Method::GET,
        GROUPS,
        &[
            AUTH,
            (
                "accept",
                "application/json;q=0, application/vnd.gooddata.api+json;q=0",
            ),
        ],
        None,
    )
    .await;
    refused.problem(406);
    // A DELETE answers without a body, so any Accept will do.
    let deleted = raw(
        &sandbox,
        Method::DELETE,
        "/api/v1/entities/userGroups/legacy",
        &[AUTH, ("accept", "text/html")],
        None,
    )
    .await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
}

/// Item 6. `is_available_no_access.yaml`: the recorded 401 carries `Expires`, `Pragma`,
/// `WWW-Authenticate` and `X-Content-Type-Options`, an empty body and no `X-GDC-TRACE-ID`.
#[tokio::test]
async fn the_401_carries_no_trace_id() {
    let sandbox = start_recorded().await;
    for headers in [vec![], vec![("authorization", "Bearer wrong")]] {
        let answer = raw(&sandbox, Method::GET, GROUPS, &headers, None).await;
        assert_eq!(answer.status, 401);
        assert_eq!(answer.header("x-gdc-trace-id"), None, "{headers:?}");
        assert_eq!(answer.text, "");
        assert_eq!(answer.header("expires"), Some("0"));
        assert_eq!(answer.header("pragma"), Some("no-cache"));
        assert_eq!(answer.header("x-content-type-options"), Some("nosniff"));
        assert!(answer.header("www-authenticate").is_some());
    }
    // Every other answer has one.
    for path in [GROUPS, "/api/v1/entities/userGroups/nobody"] {
        let answer = get(&sandbox, path).await;
        assert!(answer.header("x-gdc-trace-id").is_some(), "{path}");
    }
}

/// Item 7. OpenAPI `GET /api/v1/entities/userGroups` (and the other entity listings):
/// parameter `sort` (`#/components/parameters/sort`: "Sorting criteria in the format:
/// property,(asc|desc). Default sort order is ascending. Multiple sort criteria are
/// supported.") and `filter` ("Filtering parameter in RSQL. See
/// <https://github.com/jirutka/rsql-parser>. You can specify any object parameter and parameter
/// of related entity", example `name==someString`).
#[tokio::test]
async fn entity_listings_sort_and_filter() {
    let sandbox = start_recorded().await;
    // adminGroup, adminQA1Group (parent adminGroup), demoGroup "demo group", visitorsGroup
    // "visitors" (parent demoGroup), plus:
    sandbox.upsert_group(Group::new("sales").with_name("Sales"));
    sandbox.upsert_group(
        Group::new("salesEu")
            .with_name("Sales")
            .with_parents(["sales", "demoGroup"]),
    );
    let listed = |query: &'static str| {
        let sandbox = &sandbox;
        async move {
            let answer = get(sandbox, &format!("{GROUPS}?{query}")).await;
            assert_eq!(answer.status, 200, "{query}: {}", answer.text);
            answer.json()
        }
    };
    for (query, expected) in [
        (
            "sort=name",
            vec![
                "sales",
                "salesEu",
                "demoGroup",
                "visitorsGroup",
                "adminGroup",
                "adminQA1Group",
            ],
        ),
        (
            "sort=name,desc",
            vec![
                "adminGroup",
                "adminQA1Group",
                "visitorsGroup",
                "demoGroup",
                "sales",
                "salesEu",
            ],
        ),
        (
            "sort=name,asc&sort=id,desc",
            vec![
                "salesEu",
                "sales",
                "demoGroup",
                "visitorsGroup",
                "adminQA1Group",
                "adminGroup",
            ],
        ),
        (
            "sort=name,id,DESC&size=2",
            vec!["adminQA1Group", "adminGroup"],
        ),
        ("filter=name==Sales", vec!["sales", "salesEu"]),
        ("filter=name=='demo group'", vec!["demoGroup"]),
        ("filter=name==\"demo group\"", vec!["demoGroup"]),
        (
            "filter=id=in=(sales,demoGroup,nobody)",
            vec!["demoGroup", "sales"],
        ),
        (
            "filter=id=out=(sales,demoGroup)",
            vec!["adminGroup", "adminQA1Group", "salesEu", "visitorsGroup"],
        ),
        // A missing name matches no comparison, not even `!=`.
        ("filter=name!=Sales", vec!["demoGroup", "visitorsGroup"]),
        (
            "filter=parents.id==demoGroup",
            vec!["salesEu", "visitorsGroup"],
        ),
        ("filter=parents.id==demoGroup;name==Sales", vec!["salesEu"]),
        (
            "filter=parents.id==adminGroup,name==visitors",
            vec!["adminQA1Group", "visitorsGroup"],
        ),
        (
            "filter=name==Sales;(id==sales,parents.id==nobody)",
            vec!["sales"],
        ),
        (
            "filter=name==Sales and id!=sales or id==adminGroup",
            vec!["adminGroup", "salesEu"],
        ),
        ("filter=name==Sales&sort=id,desc", vec!["salesEu", "sales"]),
        ("filter=name==nobody", vec![]),
    ] {
        let body = listed(query).await;
        assert_eq!(ids(&body), expected, "{query}");
    }
    // The page counts what the filter keeps; `links.next` keeps the filter.
    let page = listed("filter=name==Sales&size=1&page=1&metaInclude=page").await;
    assert_eq!(ids(&page), ["salesEu"]);
    assert_eq!(
        page["meta"]["page"],
        json!({"size": 1, "number": 1, "totalElements": 2, "totalPages": 2})
    );
    assert!(
        page["links"]["next"]
            .as_str()
            .is_some_and(|next| next.contains("filter=name==Sales") && next.contains("&page=2&")),
        "{}",
        page["links"]
    );
    // With include, the parents of what the filter kept.
    let included = listed("filter=id==salesEu&include=parents").await;
    let included_ids: Vec<&str> = included["included"]
        .as_array()
        .expect("included")
        .iter()
        .map(|g| g["id"].as_str().expect("id"))
        .collect();
    assert_eq!(included_ids, ["demoGroup", "sales"]);

    // What is not supported says what is.
    let operators =
        "The sandbox supports `==`, `!=`, `=in=`, `=out=` on `id`, `name`, `parents.id`";
    for (query, needle, also) in [
        ("filter=name=lt=S", "`=lt=` is not simulated", operators),
        ("filter=name=like=S", "`=like=` is not simulated", operators),
        ("filter=name==Sal*", "wildcards", operators),
        ("filter=name==a;", "Invalid RSQL", operators),
        ("filter=", "Invalid RSQL", operators),
        (
            "filter=title==x",
            "cannot filter on `title`",
            "`id`, `name`, `parents.id`",
        ),
        ("filter=name==a&filter=id==b", "more than once", ""),
        (
            "sort=title",
            "cannot sort by `title`",
            "it sorts by: id, name",
        ),
        (
            "sort=parents.id",
            "cannot sort by `parents.id`",
            "it sorts by: id, name",
        ),
        ("sort=desc", "names no property", ""),
    ] {
        let detail = get(&sandbox, &format!("{GROUPS}?{query}"))
            .await
            .problem(400);
        assert!(detail.contains(needle), "{query}: {detail}");
        assert!(detail.contains(also), "{query}: {detail}");
    }
}

/// Item 7, the other listings: their own fields and relationships.
#[tokio::test]
async fn users_workspaces_and_data_sources_sort_and_filter_on_their_fields() {
    let sandbox = start_organization(SandboxConfig::default()).await;
    for (path, expected) in [
        (
            "/api/v1/entities/users?filter=userGroups.id==analysts",
            vec!["ann", "bob"],
        ),
        (
            "/api/v1/entities/users?filter=firstname==Dora",
            vec!["dora"],
        ),
        (
            "/api/v1/entities/users?filter=email=in=(ann@example.com)",
            vec!["ann"],
        ),
        (
            "/api/v1/entities/users?sort=email&size=2",
            vec!["ann", "admin"],
        ),
        (
            "/api/v1/entities/workspaces?filter=parent.id==company",
            vec!["finance", "sales"],
        ),
        (
            "/api/v1/entities/workspaces?sort=name,desc",
            vec!["finance", "sales", "company"],
        ),
        (
            "/api/v1/entities/dataSources?filter=type==SNOWFLAKE",
            vec!["warehouse"],
        ),
        (
            "/api/v1/entities/dataSources?sort=schema",
            vec!["warehouse", "lake"],
        ),
    ] {
        let answer = get(&sandbox, path).await;
        assert_eq!(answer.status, 200, "{path}: {}", answer.text);
        assert_eq!(ids(&answer.json()), expected, "{path}");
    }
    for path in [
        "/api/v1/entities/users?filter=name==Ann",
        "/api/v1/entities/users?filter=systemAccount==false",
        "/api/v1/entities/workspaces?filter=description==x",
        "/api/v1/entities/dataSources?filter=url==x",
        "/api/v1/entities/dataSources?sort=url",
    ] {
        get(&sandbox, path).await.problem(400);
    }
}

/// Item 8. Authentication: the only recorded form is `Authorization: Bearer <token>` (every
/// recorded request; the 401 of `is_available_no_access.yaml` answers the rest). Paging: the
/// action's `page` and `size` are `format: int32`, the entities' bind to a Java `int`, and
/// `page` is "Zero-based page index (0..N)".
#[tokio::test]
async fn authentication_and_paging_are_strict() {
    let sandbox = start_organization(SandboxConfig::default()).await;
    for authorization in [
        "bearer sandbox",
        "BEARER sandbox",
        "Bearer  sandbox",
        "Bearer sandbox  x",
        "Bearer\tsandbox",
        "Bearer sandboxx",
        "Bearer",
        "sandbox",
    ] {
        let answer = raw(
            &sandbox,
            Method::GET,
            GROUPS,
            &[("authorization", authorization)],
            None,
        )
        .await;
        assert_eq!(answer.status, 401, "{authorization:?}");
    }
    // Whitespace after the token is not part of the header's value (RFC 9110 §5.5): HTTP
    // parsing drops it before any server, GoodData's included, reads the token.
    for trailing in ["Bearer sandbox   ", "Bearer sandbox\t"] {
        assert_eq!(raw_status(&sandbox, trailing).await, 200, "{trailing:?}");
    }
    assert_eq!(raw_status(&sandbox, "Bearer  sandbox").await, 401);
    let twice = raw(
        &sandbox,
        Method::GET,
        GROUPS,
        &[AUTH, ("authorization", "Bearer other")],
        None,
    )
    .await;
    assert_eq!(twice.status, 401, "two Authorization headers");
    assert_eq!(
        raw(&sandbox, Method::GET, GROUPS, &[AUTH], None)
            .await
            .status,
        200
    );

    for path in [GROUPS, "/api/v1/entities/users", MANAGEMENT] {
        for query in [
            "page=2147483648",
            "size=2147483648",
            "page=99999999999999999999",
            "page=-1",
            "size=-1",
            "size=0",
            "page=-2147483649",
            "page=1e3",
            "page=%201",
            "page=1&page=2",
        ] {
            let detail = get(&sandbox, &format!("{path}?{query}")).await.problem(400);
            assert!(detail.contains("parameter"), "{path}?{query}: {detail}");
        }
        for query in ["page=2147483647", "size=2147483647", "page=0&size=1"] {
            let answer = get(&sandbox, &format!("{path}?{query}")).await;
            assert_eq!(answer.status, 200, "{path}?{query}: {}", answer.text);
        }
    }
}

/// The conformance table's rule: a query parameter the operation does not define is 400, one
/// it defines that the sandbox does not simulate is 501, and so is an operation it does not
/// simulate (`README.md`, table rows "not simulated (501)").
#[tokio::test]
async fn unknown_parameters_are_400_and_unsimulated_ones_501() {
    let sandbox = start_organization(SandboxConfig::default()).await;
    for path in [
        format!("{GROUPS}?pageSize=5"),
        format!("{GROUPS}?Include=parents"),
        format!("{MANAGEMENT}?filter=name==x"),
        "/api/v1/profile?userId=x".to_string(),
        "/api/v1/layout/userGroups?include=parents".to_string(),
    ] {
        let detail = get(&sandbox, &path).await.problem(400);
        assert!(
            detail.contains("Unknown query parameter"),
            "{path}: {detail}"
        );
    }
    for (method, path) in [
        (Method::GET, format!("{GROUPS}/analysts?filter=name==x")),
        (
            Method::GET,
            "/api/v1/entities/users/ann?filter=id==ann".to_string(),
        ),
        (Method::POST, "/api/v1/entities/users".to_string()),
        (Method::PATCH, "/api/v1/entities/users/ann".to_string()),
        (Method::POST, "/api/v1/entities/workspaces".to_string()),
        (Method::GET, "/api/v1/layout/usersAndUserGroups".to_string()),
        (
            Method::PUT,
            "/api/v1/layout/userGroups/analysts/permissions".to_string(),
        ),
        (
            Method::POST,
            "/api/v1/actions/userManagement/removeUsersUserGroups".to_string(),
        ),
        (
            Method::PUT,
            "/api/v1/entities/admin/organizations/default".to_string(),
        ),
    ] {
        let detail = call(&sandbox, method.clone(), &path, None)
            .await
            .problem(501);
        assert!(
            detail.contains("not simulated"),
            "{method} {path}: {detail}"
        );
    }
    // Refused parameters change nothing and are counted like any request.
    let stats = sandbox.stats();
    assert_eq!(stats.count("POST", "/api/v1/entities/users"), 1);
    assert_eq!(
        stats.count("PUT", "/api/v1/layout/userGroups/{id}/permissions"),
        1
    );
    // Without the token, a 501 route is 401 like any other.
    let anonymous = raw(
        &sandbox,
        Method::GET,
        "/api/v1/layout/usersAndUserGroups",
        &[],
        None,
    )
    .await;
    assert_eq!(anonymous.status, 401);
}

/// OpenAPI `GET /api/v1/entities/organization`, parameter `metaInclude` (`permissions`, `all`):
/// the redirect of `load_and_put_declarative_user_groups.yaml` passes it on rather than drop it.
#[tokio::test]
async fn the_organization_redirect_passes_its_meta_include_on() {
    let sandbox = start_recorded().await;
    let followed = get(
        &sandbox,
        "/api/v1/entities/organization?metaInclude=permissions",
    )
    .await;
    assert_eq!(followed.status, 200, "{}", followed.text);
    assert_eq!(
        followed.json()["data"]["meta"]["permissions"],
        json!(["MANAGE"])
    );
    let plain = get(&sandbox, "/api/v1/entities/organization").await.json();
    assert!(plain["data"].get("meta").is_none());
    get(&sandbox, "/api/v1/entities/organization?metaInclude=ALL")
        .await
        .problem(400);
}
