//! The server's rules: conflicts, validation, the bootstrap group, auth, cascading deletes,
//! PUT/PATCH semantics, the other endpoints, and request counting.

use reqwest::Method;
use serde_json::{Value, json};

use super::{call, call_with, get, group_doc, start, start_recorded};
use crate::group::Group;
use crate::{Sandbox, SandboxConfig, SeedGroup};

const GROUPS: &str = "/api/v1/entities/userGroups";

fn entity(id: &str) -> String {
    format!("{GROUPS}/{id}")
}

#[tokio::test]
async fn create_conflict_and_validation() {
    let sandbox = start_recorded().await;
    let created = call(
        &sandbox,
        Method::POST,
        GROUPS,
        Some(group_doc("ops", Some("Ops"), Some(&["demoGroup"]))),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(
        created.header("content-type"),
        Some("application/vnd.gooddata.api+json")
    );
    assert_eq!(
        created.json(),
        json!({
            "data": {"id": "ops", "type": "userGroup", "attributes": {"name": "Ops"}},
            "links": {"self": format!("{}{GROUPS}/ops", sandbox.url())},
        })
    );
    let with_include = call(
        &sandbox,
        Method::POST,
        &format!("{GROUPS}?include=parents"),
        Some(group_doc("ops2", None, Some(&["demoGroup"]))),
    )
    .await
    .json();
    assert_eq!(
        with_include["data"]["relationships"]["parents"]["data"],
        json!([{"id": "demoGroup", "type": "userGroup"}])
    );
    assert_eq!(with_include["data"]["attributes"], json!({}));
    assert_eq!(with_include["included"][0]["id"], "demoGroup");
    assert_eq!(
        with_include["links"]["self"],
        format!("{}{GROUPS}/ops2?include=parents", sandbox.url())
    );

    let dup = call(
        &sandbox,
        Method::POST,
        GROUPS,
        Some(group_doc("ops", None, None)),
    )
    .await;
    assert!(dup.problem(409).contains("ops"));
    let admin = call(
        &sandbox,
        Method::POST,
        GROUPS,
        Some(group_doc("adminGroup", None, None)),
    )
    .await;
    admin.problem(409);

    for (body, needle) in [
        (group_doc(".hidden", None, None), "data.id"),
        (group_doc("with space", None, None), "data.id"),
        (group_doc(&"x".repeat(256), None, None), "data.id"),
        (
            group_doc("a", Some(&"n".repeat(256)), None),
            "256 characters",
        ),
        (group_doc("a", None, Some(&["nope"])), "nope"),
        (group_doc("self", None, Some(&["self"])), "own parent"),
        (json!({"data": {"id": "a", "type": "user"}}), "data.type"),
        (json!({"data": {"id": "a"}}), "data.type"),
        (json!({"id": "a", "type": "userGroup"}), "data"),
        (json!([]), "data"),
    ] {
        let answer = call(&sandbox, Method::POST, GROUPS, Some(body.clone())).await;
        let detail = answer.problem(400);
        assert!(detail.contains(needle), "{body}: {detail}");
    }
    let malformed = call_raw(
        &sandbox,
        Method::POST,
        GROUPS,
        "application/json",
        "{\"data\":",
    )
    .await;
    assert!(malformed.problem(400).contains("not valid JSON"));
    let wrong_type = call_raw(&sandbox, Method::POST, GROUPS, "text/plain", "{}").await;
    wrong_type.problem(415);
    // A 255-character name and id are fine.
    let long = call(
        &sandbox,
        Method::POST,
        GROUPS,
        Some(group_doc(&"y".repeat(255), Some(&"ü".repeat(255)), None)),
    )
    .await;
    assert_eq!(long.status, 201, "{}", long.text);
}

async fn call_raw(
    sandbox: &Sandbox,
    method: Method,
    path: &str,
    content_type: &str,
    body: &str,
) -> super::Answer {
    let response = reqwest::Client::new()
        .request(method, format!("{}{path}", sandbox.url()))
        .bearer_auth("sandbox")
        .header("content-type", content_type)
        .body(body.to_string())
        .send()
        .await
        .expect("answered");
    super::Answer {
        status: response.status(),
        headers: response.headers().clone(),
        text: response.text().await.expect("body"),
    }
}

#[tokio::test]
async fn put_replaces_fully_and_patch_partially() {
    let sandbox = start_recorded().await;
    let put = call(
        &sandbox,
        Method::PUT,
        &entity("visitorsGroup"),
        Some(group_doc("visitorsGroup", None, None)),
    )
    .await;
    assert_eq!(put.status, 200, "{}", put.text);
    assert_eq!(put.json()["data"]["attributes"], json!({}));
    assert_eq!(
        group(&sandbox, "visitorsGroup"),
        Group::new("visitorsGroup")
    );

    let patch = call(
        &sandbox,
        Method::PATCH,
        &entity("visitorsGroup"),
        Some(group_doc("visitorsGroup", Some("Visitors"), None)),
    )
    .await;
    assert_eq!(patch.status, 200, "{}", patch.text);
    let patch = call(
        &sandbox,
        Method::PATCH,
        &entity("visitorsGroup"),
        Some(group_doc(
            "visitorsGroup",
            None,
            Some(&["demoGroup", "adminQA1Group"]),
        )),
    )
    .await;
    assert_eq!(patch.status, 200, "{}", patch.text);
    assert_eq!(
        group(&sandbox, "visitorsGroup"),
        Group::new("visitorsGroup")
            .with_name("Visitors")
            .with_parents(["demoGroup", "adminQA1Group"])
    );
    let mut clear = group_doc("visitorsGroup", None, None);
    clear["data"]["attributes"] = json!({"name": null});
    let patch = call(
        &sandbox,
        Method::PATCH,
        &entity("visitorsGroup"),
        Some(clear),
    )
    .await;
    assert_eq!(patch.status, 200, "{}", patch.text);
    assert_eq!(group(&sandbox, "visitorsGroup").name, None);

    let mismatch = call(
        &sandbox,
        Method::PUT,
        &entity("visitorsGroup"),
        Some(group_doc("demoGroup", None, None)),
    )
    .await;
    assert!(mismatch.problem(400).contains("differs"));
    let missing = call(
        &sandbox,
        Method::PUT,
        &entity("ghost"),
        Some(group_doc("ghost", None, None)),
    )
    .await;
    missing.problem(404);
    let missing = call(
        &sandbox,
        Method::PATCH,
        &entity("ghost"),
        Some(group_doc("ghost", None, None)),
    )
    .await;
    missing.problem(404);
    let dangling = call(
        &sandbox,
        Method::PUT,
        &entity("demoGroup"),
        Some(group_doc("demoGroup", None, Some(&["ghost"]))),
    )
    .await;
    assert!(dangling.problem(400).contains("ghost"));
}

fn group(sandbox: &Sandbox, id: &str) -> Group {
    sandbox
        .groups()
        .into_iter()
        .find(|g| g.id == id)
        .unwrap_or_else(|| panic!("{id} exists"))
}

#[tokio::test]
async fn cycles_and_self_parents_are_refused() {
    let sandbox = start_recorded().await;
    // demoGroup ← visitorsGroup; making visitorsGroup a parent of demoGroup closes a loop.
    let cycle = call(
        &sandbox,
        Method::PUT,
        &entity("demoGroup"),
        Some(group_doc("demoGroup", None, Some(&["visitorsGroup"]))),
    )
    .await;
    let detail = cycle.problem(400);
    assert!(
        detail.contains("demoGroup → visitorsGroup → demoGroup"),
        "{detail}"
    );
    let patch_cycle = call(
        &sandbox,
        Method::PATCH,
        &entity("demoGroup"),
        Some(group_doc("demoGroup", None, Some(&["visitorsGroup"]))),
    )
    .await;
    patch_cycle.problem(400);
    let own = call(
        &sandbox,
        Method::PUT,
        &entity("demoGroup"),
        Some(group_doc("demoGroup", None, Some(&["demoGroup"]))),
    )
    .await;
    assert!(own.problem(400).contains("own parent"));
    assert_eq!(
        group(&sandbox, "demoGroup"),
        Group::new("demoGroup").with_name("demo group")
    );
}

#[tokio::test]
async fn bootstrap_group_is_read_only() {
    let sandbox = start_recorded().await;
    for (method, body) in [
        (
            Method::PUT,
            Some(group_doc("adminGroup", Some("Admins"), None)),
        ),
        (
            Method::PATCH,
            Some(group_doc("adminGroup", Some("Admins"), None)),
        ),
        (Method::DELETE, None),
    ] {
        let answer = call(&sandbox, method.clone(), &entity("adminGroup"), body).await;
        assert!(answer.problem(400).contains("bootstrap"), "{method}");
    }
    assert_eq!(group(&sandbox, "adminGroup"), Group::new("adminGroup"));

    let custom = start(SandboxConfig {
        bootstrap_group: "root".into(),
        ..SandboxConfig::default()
    })
    .await;
    assert_eq!(custom.groups(), [Group::new("root")]);
    call(&custom, Method::DELETE, &entity("root"), None)
        .await
        .problem(400);
}

#[tokio::test]
async fn delete_cascades_to_children_and_members() {
    let sandbox = start(SandboxConfig {
        seed: vec![
            SeedGroup::new(Group::new("parent")).with_members(["alice", "bob"]),
            SeedGroup::new(Group::new("child").with_parents(["parent", "adminGroup"])),
        ]
        .into(),
        ..SandboxConfig::default()
    })
    .await;
    let usage = get(&sandbox, "/api/v1/actions/userManagement/userGroups").await;
    assert_eq!(usage.header("content-type"), Some("application/json"));
    assert_eq!(
        usage.json(),
        // The token's user (`admin`) is in the bootstrap group, which holds organization
        // MANAGE, and so does `child`, through its parent.
        json!({"totalCount": 3, "userGroups": [
            {"id": "adminGroup", "organizationAdmin": true, "userCount": 1, "workspaces": [], "dataSources": []},
            {"id": "child", "organizationAdmin": true, "userCount": 0, "workspaces": [], "dataSources": []},
            {"id": "parent", "organizationAdmin": false, "userCount": 2, "workspaces": [], "dataSources": []},
        ]})
    );
    assert_eq!(
        get(
            &sandbox,
            "/api/v1/actions/userManagement/userGroups/parent/members"
        )
        .await
        .json(),
        json!({"members": [{"id": "alice"}, {"id": "bob"}]})
    );

    let deleted = call(&sandbox, Method::DELETE, &entity("parent"), None).await;
    assert_eq!(deleted.status, 204);
    assert_eq!(deleted.text, "");
    assert_eq!(
        group(&sandbox, "child").parents,
        ["adminGroup".to_string()].into()
    );
    assert_eq!(sandbox.members("parent"), None);
    get(
        &sandbox,
        "/api/v1/actions/userManagement/userGroups/parent/members",
    )
    .await
    .problem(404);
    call(&sandbox, Method::DELETE, &entity("parent"), None)
        .await
        .problem(404);
    let detail = get(&sandbox, &entity("parent")).await.problem(404);
    assert_eq!(
        detail,
        "The requested endpoint does not exist or you do not have permission to access it."
    );
    // Recreating the id does not bring the members back.
    call(
        &sandbox,
        Method::POST,
        GROUPS,
        Some(group_doc("parent", None, None)),
    )
    .await;
    assert_eq!(sandbox.members("parent"), Some(vec![]));
}

#[tokio::test]
async fn without_user_management_its_actions_answer_like_an_unknown_route() {
    let sandbox = start(SandboxConfig {
        seed: vec![SeedGroup::new(Group::new("parent")).with_members(["alice"])].into(),
        user_management: false,
        ..SandboxConfig::default()
    })
    .await;
    let unknown = get(&sandbox, "/api/v1/actions/nothing-here").await;
    let expected = unknown.problem(404);
    for (method, path) in [
        (Method::GET, "/api/v1/actions/userManagement/userGroups"),
        (
            Method::GET,
            "/api/v1/actions/userManagement/userGroups?page=0&size=100",
        ),
        (
            Method::GET,
            "/api/v1/actions/userManagement/userGroups/parent/members",
        ),
        (Method::POST, "/api/v1/actions/userManagement/userGroups"),
    ] {
        let answer = call(&sandbox, method.clone(), path, None).await;
        assert_eq!(answer.problem(404), expected, "{method} {path}");
        let mut keys: Vec<String> = answer
            .json()
            .as_object()
            .expect("object")
            .keys()
            .cloned()
            .collect();
        keys.sort();
        assert_eq!(keys, ["detail", "status", "title", "traceId"], "{path}");
    }
    // The rest of the API is unchanged, and a token is still required.
    assert_eq!(get(&sandbox, GROUPS).await.status, 200);
    let anonymous = call_with(
        &sandbox,
        Method::GET,
        "/api/v1/actions/userManagement/userGroups",
        None,
        None,
    )
    .await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(
        sandbox
            .stats()
            .count("GET", "/api/v1/actions/userManagement/userGroups"),
        3
    );
}

#[tokio::test]
async fn auth_is_required_everywhere_but_control_routes() {
    let sandbox = start_recorded().await;
    for token in [None, Some("wrong"), Some("")] {
        for path in [GROUPS, "/api/v1/layout/userGroups", "/api/v1/nothing-here"] {
            let answer = call_with(&sandbox, Method::GET, path, None, token).await;
            assert_eq!(answer.status, 401, "{path} {token:?}");
            assert_eq!(answer.text, "");
            assert!(
                answer
                    .header("www-authenticate")
                    .is_some_and(|h| h.starts_with("Bearer error=\"invalid_token\"")),
                "{path}"
            );
        }
    }
    let basic = reqwest::Client::new()
        .get(format!("{}{GROUPS}", sandbox.url()))
        .basic_auth("sandbox", Some("sandbox"))
        .send()
        .await
        .expect("answered");
    assert_eq!(basic.status(), 401);
    let stats = reqwest::get(format!("{}/_sandbox/stats", sandbox.url()))
        .await
        .expect("answered");
    assert_eq!(stats.status(), 200);
    let unknown = get(&sandbox, "/api/v1/nothing-here").await;
    unknown.problem(404);
    let wrong_method = call(&sandbox, Method::DELETE, GROUPS, None).await;
    wrong_method.problem(405);
}

#[tokio::test]
async fn stats_count_by_route_template() {
    let sandbox = start_recorded().await;
    get(&sandbox, GROUPS).await;
    get(&sandbox, &format!("{GROUPS}?page=1")).await;
    get(&sandbox, &entity("demoGroup")).await;
    get(&sandbox, &entity("ghost")).await;
    call(
        &sandbox,
        Method::PUT,
        &entity("demoGroup"),
        Some(group_doc("demoGroup", None, None)),
    )
    .await;
    call_with(&sandbox, Method::GET, GROUPS, None, Some("wrong")).await;
    get(&sandbox, "/api/v1/unknown").await;

    let stats = sandbox.stats();
    assert_eq!(stats.total(), 7);
    assert_eq!(stats.count("GET", GROUPS), 3);
    assert_eq!(stats.count("GET", "/api/v1/entities/userGroups/{id}"), 2);
    assert_eq!(stats.count("PUT", "/api/v1/entities/userGroups/{id}"), 1);
    assert_eq!(stats.count("GET", "/api/v1/unknown"), 1);
    assert_eq!(stats.status(401), 1);
    assert_eq!(stats.status(404), 2);

    let over_http: Value = reqwest::get(format!("{}/_sandbox/stats", sandbox.url()))
        .await
        .expect("answered")
        .json()
        .await
        .expect("json");
    assert_eq!(over_http["total"], 7, "control routes are not counted");
    assert_eq!(over_http["requests"]["GET /api/v1/entities/userGroups"], 3);

    let reset = reqwest::Client::new()
        .post(format!("{}/_sandbox/reset-stats", sandbox.url()))
        .send()
        .await
        .expect("answered");
    assert_eq!(reset.status(), 204);
    assert_eq!(sandbox.stats().total(), 0);
    get(&sandbox, GROUPS).await;
    assert_eq!(sandbox.stats().total(), 1);
    sandbox.reset_stats();
    assert_eq!(sandbox.stats(), crate::Stats::default());
}

#[tokio::test]
async fn organization_names_the_bootstrap_group_when_included() {
    let sandbox = start_recorded().await;
    let redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .get(format!("{}/api/v1/entities/organization", sandbox.url()))
        .bearer_auth("sandbox")
        .send()
        .await
        .expect("answered");
    assert_eq!(redirect.status(), 302);
    let plain = get(&sandbox, "/api/v1/entities/admin/organizations/default")
        .await
        .json();
    assert!(plain["data"].get("relationships").is_none());
    for include in ["bootstrapUserGroup", "userGroups", "ALL"] {
        let body = get(
            &sandbox,
            &format!("/api/v1/entities/admin/organizations/default?include={include}"),
        )
        .await
        .json();
        assert_eq!(
            body["data"]["relationships"]["bootstrapUserGroup"],
            json!({"data": {"id": "adminGroup", "type": "userGroup"}}),
            "{include}"
        );
        assert!(
            body["included"]
                .as_array()
                .expect("included")
                .iter()
                .any(|i| i["id"] == "adminGroup" && i["type"] == "userGroup")
        );
    }
    let user_only = get(
        &sandbox,
        "/api/v1/entities/admin/organizations/default?include=bootstrapUser",
    )
    .await
    .json();
    assert_eq!(
        user_only["data"]["relationships"],
        json!({"bootstrapUser": {"data": {"id": "admin", "type": "user"}}})
    );
    get(&sandbox, "/api/v1/entities/admin/organizations/other")
        .await
        .problem(404);
    get(
        &sandbox,
        "/api/v1/entities/admin/organizations/default?include=bogus",
    )
    .await
    .problem(400);
}

#[tokio::test]
async fn layout_put_is_a_full_replace() {
    let sandbox = start_recorded().await;
    sandbox.set_members("demoGroup", ["demo2"]);
    let layout = json!({"userGroups": [
        {"id": "adminGroup"},
        {"id": "demoGroup", "permissions": []},
        {"id": "new", "name": "New", "parents": [{"id": "demoGroup", "type": "userGroup"}]},
    ]});
    let answer = call(
        &sandbox,
        Method::PUT,
        "/api/v1/layout/userGroups",
        Some(layout),
    )
    .await;
    assert_eq!(answer.status, 204, "{}", answer.text);
    assert_eq!(
        sandbox.groups(),
        [
            Group::new("adminGroup"),
            Group::new("demoGroup"),
            Group::new("new")
                .with_name("New")
                .with_parents(["demoGroup"]),
        ]
    );
    assert_eq!(
        sandbox.members("demoGroup"),
        Some(vec!["demo2".to_string()])
    );
    for bad in [
        json!({"userGroups": [{"id": "adminGroup"}, {"id": "a", "parents": [{"id": "b", "type": "userGroup"}]}]}),
        json!({"userGroups": [{"id": "adminGroup"}, {"id": "a", "parents": [{"id": "a", "type": "userGroup"}]}]}),
        json!({"userGroups": [{"id": "adminGroup"}, {"id": "a"}, {"id": "a"}]}),
        json!({"groups": []}),
    ] {
        call(
            &sandbox,
            Method::PUT,
            "/api/v1/layout/userGroups",
            Some(bad.clone()),
        )
        .await
        .problem(400);
    }
    assert_eq!(
        sandbox.groups().len(),
        3,
        "a refused layout changes nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_creates_all_land() {
    let sandbox = start(SandboxConfig::default()).await;
    let futures = (0..64).map(|i| {
        let sandbox = &sandbox;
        async move {
            call(
                sandbox,
                Method::POST,
                GROUPS,
                Some(group_doc(&format!("p{i:02}"), None, None)),
            )
            .await
            .status
        }
    });
    let statuses = futures::future::join_all(futures).await;
    assert!(statuses.iter().all(|s| *s == 201));
    assert_eq!(sandbox.groups().len(), 65);
}

#[test]
fn spawn_serves_sync_callers_and_checks_the_seed() {
    let sandbox = Sandbox::spawn(SandboxConfig {
        seed: super::recorded_seed().into(),
        ..SandboxConfig::default()
    })
    .expect("spawned");
    assert!(sandbox.url().starts_with("http://127.0.0.1:"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let status = runtime.block_on(async { get(&sandbox, GROUPS).await.status });
    assert_eq!(status, 200);
    assert_eq!(sandbox.stats().count("GET", GROUPS), 1);

    let broken = Sandbox::spawn(SandboxConfig {
        seed: vec![SeedGroup::new(Group::new("a").with_parents(["missing"]))].into(),
        ..SandboxConfig::default()
    });
    assert!(broken.is_err());
    let cyclic = Sandbox::spawn(SandboxConfig {
        seed: vec![
            SeedGroup::new(Group::new("a").with_parents(["b"])),
            SeedGroup::new(Group::new("b").with_parents(["a"])),
        ]
        .into(),
        ..SandboxConfig::default()
    });
    assert!(cyclic.unwrap_err().to_string().contains("cycle"));
}
