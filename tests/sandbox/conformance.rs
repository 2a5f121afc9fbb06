//! Replays the recorded interactions of a real GoodData.CN (`tests/fixtures/gooddata/cassettes/`)
//! against a sandbox seeded with the organization they start from ([`RECORDED_ORGANIZATION`]),
//! and compares status, content type and body (as JSON values, so key order does not matter).
//!
//! Normalised: the `traceId` in problem bodies (the recorder replaced it), the order of arrays
//! directly under `userGroups` in the layout documents (the recorder re-sorted them; see the
//! cassettes' README), and the order of `included` (a JSON:API set, which the server lists in
//! no particular order: `update_user.yaml` #6 has `visitorsGroup` before `demoGroup`). Links are
//! compared verbatim: requests carry the recorded host (`Host: localhost:3000`), and the sandbox
//! builds links from the request's host as the real server does.
//!
//! Not replayed, because the sandbox deliberately does not serve them (gdgroups never uses
//! them): the layouts of users and of users with groups (`get_declarative_users*.yaml`,
//! `put_declarative_users_user_groups.yaml`, and those requests inside the user-group layout
//! cassettes) and the per-workspace permission layouts (`get/put_declarative_permissions.yaml`).
//! The user entity's writes (POST, PUT, DELETE in `create_delete_user.yaml` and
//! `update_user.yaml`) are not served either: their recorded effect is made directly on the
//! sandbox ([`stand_in_user_write`]) and every read around them is compared.

use gdgroups_sandbox::{Sandbox, SandboxConfig, User, parse_seed};
use reqwest::Method;
use serde_json::Value;

use super::start;

const CASSETTES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/gooddata/cassettes/"
);
const RECORDED_ORIGIN: &str = "http://localhost:3000";
const NORMALIZED_TRACE_ID: &str = "NORMALIZED_TRACE_ID_000000000000";

fn cassette(name: &str) -> Vec<Value> {
    let path = format!("{CASSETTES}{name}.yaml");
    let text = fs_err::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
    let document: Value = serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    document["interactions"]
        .as_array()
        .unwrap_or_else(|| panic!("{path}: no interactions"))
        .clone()
}

/// The first value of a recorded header (header names vary in case across recordings).
fn recorded_header<'a>(headers: &'a Value, name: &str) -> Option<&'a str> {
    headers
        .as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .and_then(|(_, v)| v.as_array()?.first()?.as_str())
}

/// Sorts arrays directly under keys named `userGroups` by their `id`, the recorder's rewrite.
fn sort_user_group_arrays(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if key == "userGroups"
                    && let Value::Array(items) = child
                {
                    items.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
                }
                sort_user_group_arrays(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(sort_user_group_arrays),
        _ => {}
    }
}

/// The organization of the recordings, as a seed: the groups of the user-group cassettes, the
/// users of `list_users.yaml`, and the workspace, data source and direct permissions that
/// `test_get_user_group_permissions.yaml`, `get_declarative_permissions.yaml` and the first
/// reads of the bulk cassettes show (`demo_west`, a child of `demo`, has none yet).
pub const RECORDED_ORGANIZATION: &str = "\
groups:
  - id: adminGroup
  - id: adminQA1Group
    parents: [adminGroup]
  - id: demoGroup
    name: demo group
    workspaces:
      demo: {permissions: [VIEW], hierarchy: [ANALYZE]}
    data_sources:
      demo-test-ds: [USE]
  - id: visitorsGroup
    name: visitors
    parents: [demoGroup]
users:
  - id: admin
    groups: [adminGroup]
  - id: demo
    authentication_id: NORMALIZED_AUTH_ID
    email: demo@example.com
    firstname: Demo
    lastname: User
    groups: [adminGroup]
  - id: demo2
    authentication_id: NORMALIZED_AUTH_ID
    groups: [demoGroup]
    workspaces:
      demo: {permissions: [ANALYZE], hierarchy: [MANAGE]}
    data_sources:
      demo-test-ds: [MANAGE]
workspaces:
  - {id: demo, name: Demo}
  - {id: demo_west, name: Demo West, parent: demo}
data_sources:
  - {id: demo-test-ds, name: demo-test-ds}
";

/// A sandbox holding [`RECORDED_ORGANIZATION`].
pub async fn start_recorded_organization() -> Sandbox {
    start(SandboxConfig {
        seed: parse_seed("RECORDED_ORGANIZATION", RECORDED_ORGANIZATION).expect("the seed parses"),
        ..SandboxConfig::default()
    })
    .await
}

/// What the replay does with one recorded interaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Send it and compare the answer.
    Compare,
    /// Make its recorded effect directly (a write the sandbox does not serve).
    StandIn,
    /// Leave it out (an endpoint the sandbox does not serve, with no effect that matters).
    Skip,
}

/// Compares every interaction; `fn(method, path_and_query)`.
fn every(_: &str, _: &str) -> Step {
    Step::Compare
}

/// The user entity's writes are stood in for; everything else is compared.
fn user_writes_stood_in(method: &str, path: &str) -> Step {
    if method != "GET" && path.starts_with("/api/v1/entities/users") {
        Step::StandIn
    } else {
        Step::Compare
    }
}

/// The recorded effect of a user write, made directly: POST and PUT make the user what the body
/// says (attributes and groups), DELETE removes it.
fn stand_in_user_write(sandbox: &Sandbox, method: &str, path: &str, body: &Value) {
    if method == "DELETE" {
        let id = path.rsplit('/').next().expect("an id");
        sandbox.remove_user(id);
        return;
    }
    let data = &body["data"];
    let text = |key: &str| data["attributes"][key].as_str().map(str::to_string);
    let user = User {
        firstname: text("firstname"),
        lastname: text("lastname"),
        email: text("email"),
        authentication_id: text("authenticationId"),
        ..User::new(data["id"].as_str().expect("data.id"))
    };
    let groups: Vec<String> = data["relationships"]["userGroups"]["data"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|g| g["id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    sandbox.upsert_user(user, groups);
}

/// Sorts every `included` array by type and id (a set in JSON:API).
fn sort_included(value: &mut Value) {
    if let Some(Value::Array(items)) = value.get_mut("included") {
        items.sort_by(|a, b| {
            (a["type"].as_str(), a["id"].as_str()).cmp(&(b["type"].as_str(), b["id"].as_str()))
        });
    }
}

/// Replays a cassette against a sandbox holding [`RECORDED_ORGANIZATION`]: each interaction
/// as `plan` says; `token` replaces the right one. Returns how many were compared.
async fn replay(name: &str, plan: fn(&str, &str) -> Step, token: &str) -> usize {
    let sandbox = start_recorded_organization().await;
    // Redirects are part of what was recorded, so they are compared, not followed.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let mut replayed = 0;
    for (i, interaction) in cassette(name).iter().enumerate() {
        let request = &interaction["request"];
        let response = &interaction["response"];
        let uri = request["uri"].as_str().expect("uri");
        let path_and_query = uri.strip_prefix(RECORDED_ORIGIN).expect("recorded origin");
        let method = request["method"].as_str().expect("method");
        match plan(method, path_and_query) {
            Step::Compare => {}
            Step::Skip => continue,
            Step::StandIn => {
                stand_in_user_write(&sandbox, method, path_and_query, &request["body"]);
                continue;
            }
        }
        let context = format!("{name} #{i}: {method} {path_and_query}");
        let method = Method::from_bytes(method.as_bytes()).expect("method");
        let mut outgoing = client
            .request(method, format!("{}{path_and_query}", sandbox.url()))
            .header("host", "localhost:3000")
            .bearer_auth(token);
        for name in ["accept", "content-type"] {
            if let Some(value) = recorded_header(&request["headers"], name) {
                outgoing = outgoing.header(name, value);
            }
        }
        if !request["body"].is_null() {
            outgoing = outgoing.body(request["body"].to_string());
        }
        let answer = outgoing.send().await.expect("answered");
        let status = answer.status().as_u16();
        let headers = answer.headers().clone();
        let text = answer.text().await.expect("body");

        assert_eq!(
            u64::from(status),
            response["status"]["code"].as_u64().expect("status"),
            "{context}: {text}"
        );
        let content_type = headers.get("content-type").and_then(|v| v.to_str().ok());
        assert_eq!(
            content_type,
            recorded_header(&response["headers"], "content-type"),
            "{context}"
        );
        if let Some(expected) = recorded_header(&response["headers"], "location") {
            assert_eq!(
                headers.get("location").and_then(|v| v.to_str().ok()),
                Some(expected),
                "{context}"
            );
        }
        if let Some(expected) = recorded_header(&response["headers"], "www-authenticate") {
            assert_eq!(
                headers
                    .get("www-authenticate")
                    .and_then(|v| v.to_str().ok()),
                Some(expected),
                "{context}"
            );
        }
        let recorded_body = &response["body"]["string"];
        if recorded_body.as_str() == Some("") {
            assert_eq!(text, "", "{context}");
        } else {
            let mut actual: Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{context}: not JSON ({e}): {text}"));
            let mut expected = recorded_body.clone();
            if actual.get("traceId").is_some() {
                actual["traceId"] = Value::from(NORMALIZED_TRACE_ID);
            }
            sort_user_group_arrays(&mut actual);
            sort_user_group_arrays(&mut expected);
            sort_included(&mut actual);
            sort_included(&mut expected);
            assert_eq!(
                actual,
                expected,
                "{context}\nactual:   {}\nexpected: {}",
                serde_json::to_string_pretty(&actual).unwrap_or_default(),
                serde_json::to_string_pretty(&expected).unwrap_or_default()
            );
        }
        replayed += 1;
    }
    replayed
}

/// The layout cassettes also restore users; the sandbox serves the user-group layout only.
fn user_group_layout(_: &str, path: &str) -> Step {
    if path.starts_with("/api/v1/layout/userGroups") {
        Step::Compare
    } else {
        Step::Skip
    }
}

#[tokio::test]
async fn list_user_groups() {
    assert_eq!(replay("list_user_groups", every, "sandbox").await, 1);
}

#[tokio::test]
async fn get_user_group() {
    assert_eq!(replay("get_user_group", every, "sandbox").await, 1);
}

#[tokio::test]
async fn create_delete_user_group() {
    assert_eq!(
        replay("create_delete_user_group", every, "sandbox").await,
        6
    );
}

#[tokio::test]
async fn update_user_group() {
    assert_eq!(replay("update_user_group", every, "sandbox").await, 6);
}

#[tokio::test]
async fn get_declarative_user_groups() {
    assert_eq!(
        replay("get_declarative_user_groups", every, "sandbox").await,
        2
    );
}

#[tokio::test]
async fn put_declarative_user_groups() {
    assert_eq!(
        replay("put_declarative_user_groups", user_group_layout, "sandbox").await,
        5
    );
}

#[tokio::test]
async fn load_and_put_declarative_user_groups_with_organization() {
    fn organization_or_layout(method: &str, path: &str) -> Step {
        if path.starts_with("/api/v1/entities/organization")
            || path.starts_with("/api/v1/entities/admin/organizations/")
        {
            Step::Compare
        } else {
            user_group_layout(method, path)
        }
    }
    assert_eq!(
        replay(
            "load_and_put_declarative_user_groups",
            organization_or_layout,
            "sandbox"
        )
        .await,
        7
    );
}

/// `is_available_no_access.yaml` recorded a bad token on `/api/v1/options`; the same answer
/// comes from a user-group route.
#[tokio::test]
async fn wrong_token_is_401_with_the_recorded_challenge() {
    let recorded = cassette("is_available_no_access")[0]["response"].clone();
    assert_eq!(
        replay("is_available_no_access", every, "wrong-token").await,
        1
    );
    let sandbox = start_recorded_organization().await;
    let answer = reqwest::Client::new()
        .get(format!("{}/api/v1/entities/userGroups", sandbox.url()))
        .bearer_auth("wrong-token")
        .send()
        .await
        .expect("answered");
    assert_eq!(
        u64::from(answer.status().as_u16()),
        recorded["status"]["code"].as_u64().expect("code")
    );
    assert_eq!(
        answer
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok()),
        recorded_header(&recorded["headers"], "www-authenticate")
    );
    assert_eq!(answer.text().await.expect("body"), "");
}

#[tokio::test]
async fn list_users() {
    assert_eq!(replay("list_users", every, "sandbox").await, 1);
}

#[tokio::test]
async fn get_user() {
    assert_eq!(replay("get_user", every, "sandbox").await, 1);
    assert_eq!(
        replay("test_user_replace_user_groups", every, "sandbox").await,
        1
    );
}

/// The reads around a user's create and delete, and a missing user's 404.
#[tokio::test]
async fn create_delete_user() {
    assert_eq!(
        replay("create_delete_user", user_writes_stood_in, "sandbox").await,
        4
    );
}

/// The reads around a user's create, replace (of its groups too) and delete.
#[tokio::test]
async fn update_user() {
    assert_eq!(
        replay("update_user", user_writes_stood_in, "sandbox").await,
        5
    );
}

#[tokio::test]
async fn get_user_group_permissions() {
    assert_eq!(
        replay("test_get_user_group_permissions", every, "sandbox").await,
        1
    );
}

/// The per-group permission write replaces the data source permission (USE → MANAGE).
#[tokio::test]
async fn manage_user_group_permissions() {
    assert_eq!(
        replay("test_manage_user_group_permissions", every, "sandbox").await,
        4
    );
}

/// assignPermissions answers 200 with an empty body and sets the listed sets (ANALYZE → VIEW);
/// the per-user permission reads and writes around it.
#[tokio::test]
async fn assign_permissions_bulk() {
    assert_eq!(
        replay("test_assign_permissions_bulk", every, "sandbox").await,
        7
    );
}

/// revokePermissions answers 200 with an empty body and leaves nothing of what it names.
#[tokio::test]
async fn revoke_permissions_bulk() {
    assert_eq!(
        replay("test_revoke_permissions_bulk", every, "sandbox").await,
        4
    );
}

/// managePermissions (204) sets a group's organization permissions; the layout reads them back
/// and its PUT replaces them all.
#[tokio::test]
async fn manage_organization_permissions() {
    assert_eq!(
        replay("manage_organization_permissions", every, "sandbox").await,
        4
    );
}
