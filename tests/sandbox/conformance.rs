//! Replays the recorded interactions of a real GoodData.CN (`tests/fixtures/gooddata/cassettes/`)
//! against a sandbox seeded with the organization they start from, and compares status, content
//! type and body (as JSON values, so key order does not matter).
//!
//! Normalised: the `traceId` in problem bodies (the recorder replaced it), and the order of
//! arrays directly under `userGroups` in the layout documents (the recorder re-sorted them; see
//! the cassettes' README). Links are compared verbatim: requests carry the recorded host
//! (`Host: localhost:3000`), and the sandbox builds links from the request's host as the real
//! server does.

use reqwest::Method;
use serde_json::Value;

use super::start_recorded;

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

/// Replays every interaction whose path passes `only`; `token` replaces the right one.
async fn replay(name: &str, only: fn(&str) -> bool, token: &str) -> usize {
    let sandbox = start_recorded().await;
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
        if !only(path_and_query) {
            continue;
        }
        let context = format!("{name} #{i}: {} {path_and_query}", request["method"]);
        let method = Method::from_bytes(request["method"].as_str().expect("method").as_bytes())
            .expect("method");
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

fn every(_: &str) -> bool {
    true
}

/// The layout cassettes also restore users; the sandbox serves user groups only.
fn user_group_layout(path: &str) -> bool {
    path.starts_with("/api/v1/layout/userGroups")
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
    fn organization_or_layout(path: &str) -> bool {
        path.starts_with("/api/v1/entities/organization")
            || path.starts_with("/api/v1/entities/admin/organizations/")
            || user_group_layout(path)
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
    let sandbox = start_recorded().await;
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
