//! The sandbox over real HTTP: each test starts one on a free port and talks to it with reqwest.

mod faults;
mod fidelity;
mod paging;
mod people;
mod permissions;
mod rules;

use std::net::{Ipv4Addr, SocketAddr};

use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::{Sandbox, SandboxConfig, SeedGroup};
use crate::group::Group;

/// The organization the recordings start from.
pub(super) fn recorded_seed() -> Vec<SeedGroup> {
    vec![
        SeedGroup::new(Group::new("adminGroup")),
        SeedGroup::new(Group::new("adminQA1Group").with_parents(["adminGroup"])),
        SeedGroup::new(Group::new("demoGroup").with_name("demo group")),
        SeedGroup::new(
            Group::new("visitorsGroup")
                .with_name("visitors")
                .with_parents(["demoGroup"]),
        ),
    ]
}

pub(super) async fn start(config: SandboxConfig) -> Sandbox {
    Sandbox::start(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), config)
        .await
        .expect("sandbox starts")
}

/// An organization with users, workspaces, data sources and permissions, for the tests of
/// spec §11's endpoints.
pub(super) const ORGANIZATION: &str = "\
groups:
  - id: analysts
    name: Analysts
    members: [ann, bob]
    workspaces:
      sales: [VIEW]
      finance: {permissions: [ANALYZE], hierarchy: [VIEW]}
    data_sources: {warehouse: [USE]}
  - id: juniors
    parents: [analysts]
  - id: legacy
    members: [carl]
    organization: [SELF_CREATE_TOKEN]
users:
  - {id: ann, name: Ann Analyst, email: ann@example.com, groups: [juniors]}
  - {id: dora, firstname: Dora, lastname: Ops, workspaces: {sales: [MANAGE]}}
workspaces:
  - {id: company, name: Company}
  - {id: sales, name: Sales, parent: company}
  - {id: finance, parent: company}
data_sources:
  - {id: warehouse, name: Warehouse, type: SNOWFLAKE, schema: analytics}
  - {id: lake}
";

/// A sandbox holding [`ORGANIZATION`], with `config` for the rest.
pub(super) async fn start_organization(config: SandboxConfig) -> Sandbox {
    start(SandboxConfig {
        seed: crate::parse_seed("ORGANIZATION", ORGANIZATION).expect("the seed parses"),
        ..config
    })
    .await
}

pub(super) async fn start_recorded() -> Sandbox {
    start(SandboxConfig {
        seed: recorded_seed().into(),
        ..SandboxConfig::default()
    })
    .await
}

/// One answer, with the body parsed when it is JSON.
#[derive(Debug)]
pub(super) struct Answer {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts a problem+json answer with this status and returns its detail.
    pub fn problem(&self, status: u16) -> String {
        assert_eq!(self.status.as_u16(), status, "{}", self.text);
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json")
        );
        let body = self.json();
        assert_eq!(body["status"], status);
        assert_eq!(
            body["title"],
            StatusCode::from_u16(status)
                .unwrap()
                .canonical_reason()
                .unwrap()
        );
        let trace = body["traceId"].as_str().expect("traceId");
        assert_eq!(self.header("x-gdc-trace-id"), Some(trace));
        body["detail"].as_str().expect("detail").to_string()
    }
}

/// The media type of an operation's bodies: the entities take and give JSON:API as the vendor
/// type (as gdgroups sends them), the layouts and actions only `application/json`.
pub(super) fn media_of(path: &str) -> &'static str {
    if path.starts_with("/api/v1/entities/") {
        "application/vnd.gooddata.api+json"
    } else {
        "application/json"
    }
}

/// A request with the right token, a JSON body when given.
pub(super) async fn call(
    sandbox: &Sandbox,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Answer {
    call_with(sandbox, method, path, body, Some("sandbox")).await
}

pub(super) async fn call_with(
    sandbox: &Sandbox,
    method: Method,
    path: &str,
    body: Option<Value>,
    token: Option<&str>,
) -> Answer {
    let client = reqwest::Client::new();
    let media = media_of(path);
    let mut request = client
        .request(method, format!("{}{path}", sandbox.url()))
        .header("accept", media);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.header("content-type", media).body(body.to_string());
    }
    let response = request.send().await.expect("request is answered");
    Answer {
        status: response.status(),
        headers: response.headers().clone(),
        text: response.text().await.expect("body"),
    }
}

pub(super) async fn get(sandbox: &Sandbox, path: &str) -> Answer {
    call(sandbox, Method::GET, path, None).await
}

/// A `JsonApiUserGroupInDocument`.
pub(super) fn group_doc(id: &str, name: Option<&str>, parents: Option<&[&str]>) -> Value {
    let mut data = serde_json::json!({"id": id, "type": "userGroup"});
    if let Some(name) = name {
        data["attributes"] = serde_json::json!({"name": name});
    }
    if let Some(parents) = parents {
        let linkage: Vec<Value> = parents
            .iter()
            .map(|p| serde_json::json!({"id": p, "type": "userGroup"}))
            .collect();
        data["relationships"] = serde_json::json!({"parents": {"data": linkage}});
    }
    serde_json::json!({ "data": data })
}
