//! Users, memberships and the profile over HTTP: the users listing and entity, the members
//! action and its writes, and whose profile the token shows.

use reqwest::Method;
use serde_json::{Value, json};

use super::{call, get, start_organization};
use crate::{Assignee, OrganizationPermission, SandboxConfig};

const USERS: &str = "/api/v1/entities/users";
const MANAGEMENT: &str = "/api/v1/actions/userManagement/userGroups";

fn ids(body: &Value) -> Vec<&str> {
    body["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|item| item["id"].as_str().expect("id"))
        .collect()
}

fn members(ids: &[&str]) -> Value {
    json!({"members": ids.iter().map(|id| json!({"id": id})).collect::<Vec<_>>()})
}

#[tokio::test]
async fn users_are_listed_in_pages_with_their_groups() {
    let sandbox = start_organization(SandboxConfig {
        max_page_size: Some(2),
        ..SandboxConfig::default()
    })
    .await;
    // admin (the token's user, in the bootstrap group), ann, bob, carl (named only as members),
    // dora (no group).
    let first = get(
        &sandbox,
        &format!("{USERS}?include=userGroups&size=3&metaInclude=page"),
    )
    .await;
    assert_eq!(first.status, 200);
    assert_eq!(
        first.header("content-type"),
        Some("application/vnd.gooddata.api+json")
    );
    let body = first.json();
    assert_eq!(ids(&body), ["admin", "ann"], "the size is capped at 2");
    assert_eq!(
        body["meta"]["page"],
        json!({"size": 2, "number": 0, "totalElements": 5, "totalPages": 3})
    );
    assert_eq!(
        body["data"][1],
        json!({
            "id": "ann",
            "type": "user",
            "attributes": {"email": "ann@example.com"},
            "relationships": {"userGroups": {"data": [
                {"id": "analysts", "type": "userGroup"},
                {"id": "juniors", "type": "userGroup"},
            ]}},
            "links": {"self": format!("{}{USERS}/ann", sandbox.url())},
        })
    );
    let included: Vec<&str> = body["included"]
        .as_array()
        .expect("included")
        .iter()
        .map(|g| g["id"].as_str().expect("id"))
        .collect();
    assert_eq!(included, ["adminGroup", "analysts", "juniors"]);
    assert!(body["included"][2].get("relationships").is_none());

    let last = get(
        &sandbox,
        &format!("{USERS}?include=userGroups&page=2&size=2"),
    )
    .await
    .json();
    assert_eq!(ids(&last), ["dora"]);
    assert!(
        last["data"][0].get("relationships").is_none(),
        "dora has no group"
    );
    assert!(last.get("included").is_none());
    assert_eq!(
        last["links"]["next"],
        format!("{}{USERS}?include=userGroups&page=3&size=2", sandbox.url()),
        "links.next is always there"
    );
    let beyond = get(&sandbox, &format!("{USERS}?page=9")).await.json();
    assert_eq!(beyond["data"], json!([]));

    // Without include, no relationships; descending order; bad parameters are 400.
    let plain = get(&sandbox, &format!("{USERS}?sort=id,desc")).await.json();
    assert_eq!(ids(&plain), ["dora", "carl"]);
    assert!(plain["data"][0].get("relationships").is_none());
    for bad in [
        "include=parents",
        "metaInclude=everything",
        "size=0",
        "filter=name==ann",
        "sort=userGroups.id",
    ] {
        get(&sandbox, &format!("{USERS}?{bad}")).await.problem(400);
    }
}

#[tokio::test]
async fn one_user_and_an_unknown_one() {
    let sandbox = start_organization(SandboxConfig::default()).await;
    let dora = get(&sandbox, &format!("{USERS}/dora?include=userGroups")).await;
    assert_eq!(
        dora.json(),
        json!({
            "data": {"id": "dora", "type": "user", "attributes": {"firstname": "Dora", "lastname": "Ops"}},
            "links": {"self": format!("{}{USERS}/dora?include=userGroups", sandbox.url())},
        })
    );
    let detail = get(&sandbox, &format!("{USERS}/nobody")).await.problem(404);
    assert!(detail.contains("does not exist"), "{detail}");
    get(&sandbox, &format!("{USERS}/.bad")).await.problem(400);
    // The user entity's writes are not simulated.
    call(&sandbox, Method::DELETE, &format!("{USERS}/dora"), None)
        .await
        .problem(501);
    call(
        &sandbox,
        Method::POST,
        USERS,
        Some(json!({"data": {"id": "x", "type": "user"}})),
    )
    .await
    .problem(501);
}

#[tokio::test]
async fn members_are_added_and_removed_on_both_sides() {
    let sandbox = start_organization(SandboxConfig::default()).await;
    let listed = get(&sandbox, &format!("{MANAGEMENT}/analysts/members")).await;
    assert_eq!(listed.header("content-type"), Some("application/json"));
    assert_eq!(
        listed.json(),
        json!({"members": [{"id": "ann", "name": "Ann Analyst"}, {"id": "bob"}]})
    );

    let added = call(
        &sandbox,
        Method::POST,
        &format!("{MANAGEMENT}/legacy/addMembers"),
        Some(members(&["dora", "carl"])),
    )
    .await;
    assert_eq!(added.status, 204, "{}", added.text);
    assert_eq!(added.text, "");
    assert_eq!(added.header("content-type"), None);
    assert_eq!(sandbox.members("legacy").unwrap(), ["carl", "dora"]);
    assert_eq!(sandbox.user_groups("dora").unwrap(), ["legacy"]);

    let removed = call(
        &sandbox,
        Method::POST,
        &format!("{MANAGEMENT}/analysts/removeMembers"),
        Some(members(&["ann", "dora"])),
    )
    .await;
    assert_eq!(removed.status, 204);
    assert_eq!(sandbox.members("analysts").unwrap(), ["bob"]);
    assert_eq!(sandbox.user_groups("ann").unwrap(), ["juniors"]);
    let user = get(&sandbox, &format!("{USERS}/ann?include=userGroups"))
        .await
        .json();
    assert_eq!(
        user["data"]["relationships"]["userGroups"]["data"],
        json!([{"id": "juniors", "type": "userGroup"}])
    );

    // The listing counts direct members only.
    let usage = get(&sandbox, MANAGEMENT).await.json();
    let count = |id: &str| {
        usage["userGroups"]
            .as_array()
            .expect("userGroups")
            .iter()
            .find(|g| g["id"] == id)
            .map(|g| g["userCount"].clone())
    };
    assert_eq!(count("analysts"), Some(json!(1)));
    assert_eq!(count("juniors"), Some(json!(1)));
    assert_eq!(count("legacy"), Some(json!(2)));
}

#[tokio::test]
async fn member_changes_refuse_unknown_ids_and_bad_bodies_without_changing_anything() {
    let sandbox = start_organization(SandboxConfig::default()).await;
    let add = |group: &str| format!("{MANAGEMENT}/{group}/addMembers");
    let detail = call(
        &sandbox,
        Method::POST,
        &add("legacy"),
        Some(members(&["dora", "ghost"])),
    )
    .await
    .problem(404);
    assert_eq!(detail, "User(s) not found: ghost.");
    assert_eq!(
        sandbox.members("legacy").unwrap(),
        ["carl"],
        "dora was not added"
    );
    call(
        &sandbox,
        Method::POST,
        &add("ghosts"),
        Some(members(&["dora"])),
    )
    .await
    .problem(404);
    get(&sandbox, &format!("{MANAGEMENT}/ghosts/members"))
        .await
        .problem(404);
    for bad in [
        json!({}),
        json!({"members": "dora"}),
        json!({"members": [{"name": "dora"}]}),
        json!({"members": [{"id": "dora", "role": "x"}]}),
        json!({"members": [{"id": ".dora"}]}),
        json!([1, 2]),
    ] {
        call(&sandbox, Method::POST, &add("legacy"), Some(bad.clone()))
            .await
            .problem(400);
    }
    let raw = reqwest::Client::new()
        .post(format!("{}{}", sandbox.url(), add("legacy")))
        .bearer_auth("sandbox")
        .header("content-type", "application/json")
        .body("{\"members\": [")
        .send()
        .await
        .expect("answered");
    assert_eq!(raw.status(), 400);
    let text = reqwest::Client::new()
        .post(format!("{}{}", sandbox.url(), add("legacy")))
        .bearer_auth("sandbox")
        .header("content-type", "text/plain")
        .body("dora")
        .send()
        .await
        .expect("answered");
    assert_eq!(text.status(), 415);
    assert_eq!(sandbox.members("legacy").unwrap(), ["carl"]);
}

#[tokio::test]
async fn deleting_a_group_drops_its_memberships_and_permissions() {
    let sandbox = start_organization(SandboxConfig::default()).await;
    let deleted = call(
        &sandbox,
        Method::DELETE,
        "/api/v1/entities/userGroups/legacy",
        None,
    )
    .await;
    assert_eq!(deleted.status, 204);
    assert_eq!(sandbox.user_groups("carl").unwrap(), Vec::<String>::new());
    let layout = get(&sandbox, "/api/v1/layout/organization/permissions")
        .await
        .json();
    assert_eq!(
        layout,
        json!([{"assignee": {"id": "adminGroup", "type": "userGroup"}, "name": "MANAGE"}]),
        "legacy's SELF_CREATE_TOKEN went with it"
    );
    assert!(sandbox.access(&Assignee::group("legacy")).is_none());
    // A group made again under the same id starts empty.
    let created = call(
        &sandbox,
        Method::POST,
        "/api/v1/entities/userGroups",
        Some(super::group_doc("legacy", None, None)),
    )
    .await;
    assert_eq!(created.status, 201);
    assert_eq!(sandbox.members("legacy").unwrap(), Vec::<String>::new());
    assert!(
        sandbox
            .access(&Assignee::group("legacy"))
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn the_profile_is_the_token_users() {
    let sandbox = start_organization(SandboxConfig::default()).await;
    let profile = get(&sandbox, "/api/v1/profile").await;
    assert_eq!(profile.status, 200);
    assert_eq!(profile.header("content-type"), Some("application/json"));
    let body = profile.json();
    assert_eq!(body["userId"], "admin");
    assert_eq!(body["organizationId"], "default");
    assert_eq!(body["permissions"], json!(["MANAGE"]));
    assert_eq!(
        body["links"],
        json!({
            "self": format!("{}/api/v1/profile", sandbox.url()),
            "organization": format!("{}/api/v1/entities/admin/organizations/default", sandbox.url()),
            "user": format!("{}/api/v1/entities/users/admin", sandbox.url()),
        })
    );
    // Every member the spec requires is there.
    for key in [
        "entitlements",
        "features",
        "links",
        "organizationId",
        "organizationName",
        "permissions",
        "telemetryConfig",
        "userId",
    ] {
        assert!(body.get(key).is_some(), "{key}");
    }
    assert_eq!(sandbox.user_groups("admin").unwrap(), ["adminGroup"]);

    // Another token user, named by the seed: its permissions come through its groups and their
    // parents, and follow changes.
    let ann = start_organization(SandboxConfig {
        token_user: "ann".into(),
        ..SandboxConfig::default()
    })
    .await;
    let profile = get(&ann, "/api/v1/profile").await.json();
    assert_eq!(profile["userId"], "ann");
    assert_eq!(profile["name"], "Ann Analyst");
    assert_eq!(profile["permissions"], json!([]));
    assert!(ann.user_groups("admin").is_none(), "no admin user was made");
    let granted = call(
        &ann,
        Method::POST,
        "/api/v1/actions/organization/managePermissions",
        Some(json!([{"assigneeIdentifier": {"id": "analysts", "type": "userGroup"}, "permissions": ["MANAGE"]}])),
    )
    .await;
    assert_eq!(granted.status, 204, "{}", granted.text);
    let profile = get(&ann, "/api/v1/profile").await.json();
    assert_eq!(
        profile["permissions"],
        json!(["MANAGE"]),
        "juniors → analysts"
    );
    assert_eq!(
        ann.access(&Assignee::group("analysts"))
            .unwrap()
            .organization,
        [OrganizationPermission::Manage].into()
    );
}
