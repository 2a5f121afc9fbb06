//! The sandbox's conformance table (`crates/gdgroups-sandbox/README.md`) against the GoodData
//! OpenAPI subsets in `tests/fixtures/gooddata/openapi/` and against the sandbox itself, so the
//! table cannot rot:
//! - every operation of the subsets has its row, and every query parameter its row, and the
//!   table has no row the subsets lack;
//! - an operation the table calls "not simulated (501)" answers 501 problem+json saying so, with
//!   or without its parameters;
//! - on every other operation, a parameter the spec does not define is 400, a parameter the
//!   table calls "not simulated (501)" is 501, and every other parameter is taken with each
//!   value its schema allows: a GET answers it (2xx or 3xx), or, for a value its row names as
//!   not simulated, 501; a write gets past the parameter check to the body check (415 for a
//!   request without a body).

use std::collections::{BTreeMap, BTreeSet};

use gdgroups_sandbox::{Sandbox, SandboxConfig, parse_seed};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::conformance::RECORDED_ORGANIZATION;
use super::start;

const SUBSETS: [&str; 3] = [
    "usergroups-subset.openapi.json",
    "members-permissions-subset.openapi.json",
    "sandbox-extra-subset.openapi.json",
];
const README: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/crates/gdgroups-sandbox/README.md"
);
const NOT_SIMULATED: &str = "not simulated (501)";

/// One query parameter of the spec: its name and schema.
#[derive(Debug, Clone)]
struct Parameter {
    name: String,
    schema: Value,
}

/// Every operation of the subsets, by `(METHOD, path)`, with its query parameters.
fn spec_operations() -> BTreeMap<(String, String), Vec<Parameter>> {
    let mut operations = BTreeMap::new();
    for file in SUBSETS {
        let path = format!(
            "{}/tests/fixtures/gooddata/openapi/{file}",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = fs_err::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
        let spec: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
        let components = &spec["components"]["parameters"];
        for (route, item) in spec["paths"].as_object().expect("paths") {
            for (method, operation) in item.as_object().expect("a path item") {
                let mut parameters = Vec::new();
                for parameter in operation["parameters"].as_array().into_iter().flatten() {
                    let parameter = match parameter["$ref"].as_str() {
                        Some(reference) => {
                            let name = reference
                                .strip_prefix("#/components/parameters/")
                                .expect("a parameter reference");
                            &components[name]
                        }
                        None => parameter,
                    };
                    if parameter["in"] == "query" {
                        parameters.push(Parameter {
                            name: parameter["name"].as_str().expect("a name").to_string(),
                            schema: parameter["schema"].clone(),
                        });
                    }
                }
                operations.insert((method.to_uppercase(), route.clone()), parameters);
            }
        }
    }
    operations
}

/// One row of the table.
#[derive(Debug, Clone)]
struct Row {
    answer: String,
    notes: String,
}

/// The table: the operations' rows by `(METHOD, path)`, the parameters' by
/// `(METHOD, path, name)`.
type Table = (
    BTreeMap<(String, String), Row>,
    BTreeMap<(String, String, String), Row>,
);

fn readme_table() -> Table {
    let readme = fs_err::read_to_string(README).unwrap_or_else(|e| panic!("{e}"));
    let start = readme
        .find("<!-- conformance table: start -->")
        .expect("the table's start marker");
    let end = readme
        .find("<!-- conformance table: end -->")
        .expect("the table's end marker");
    let mut operations = BTreeMap::new();
    let mut parameters = BTreeMap::new();
    for line in readme[start..end]
        .lines()
        .filter(|l| l.starts_with("| "))
        .skip(2)
    {
        let cells: Vec<&str> = line
            .trim_matches('|')
            .split(" | ")
            .map(|c| c.trim().trim_matches('`'))
            .collect();
        let [method, path, parameter, answer, notes] = cells[..] else {
            panic!("a row of five cells: {line}");
        };
        assert!(
            ["served", "simplified", NOT_SIMULATED].contains(&answer),
            "{line}"
        );
        let row = Row {
            answer: answer.to_string(),
            notes: notes.to_string(),
        };
        let previous = if parameter == "—" {
            operations.insert((method.to_string(), path.to_string()), row)
        } else {
            parameters.insert(
                (method.to_string(), path.to_string(), parameter.to_string()),
                row,
            )
        };
        assert!(previous.is_none(), "a row twice: {line}");
    }
    (operations, parameters)
}

#[test]
fn the_table_has_a_row_for_each_operation_and_parameter_of_the_spec() {
    let spec = spec_operations();
    let (operations, parameters) = readme_table();
    let spec_keys: BTreeSet<&(String, String)> = spec.keys().collect();
    let table_keys: BTreeSet<&(String, String)> = operations.keys().collect();
    assert_eq!(
        table_keys
            .symmetric_difference(&spec_keys)
            .collect::<Vec<_>>(),
        Vec::<&&(String, String)>::new(),
        "operations in one of the table and the spec only"
    );
    let spec_parameters: BTreeSet<(String, String, String)> = spec
        .iter()
        .flat_map(|((method, path), params)| {
            params
                .iter()
                .map(move |p| (method.clone(), path.clone(), p.name.clone()))
        })
        .collect();
    let table_parameters: BTreeSet<(String, String, String)> = parameters.keys().cloned().collect();
    assert_eq!(
        table_parameters
            .symmetric_difference(&spec_parameters)
            .collect::<Vec<_>>(),
        Vec::<&(String, String, String)>::new(),
        "parameters in one of the table and the spec only"
    );
}

/// The path with its parameters filled with ids the seed has.
fn concrete(path: &str) -> String {
    let segments: Vec<&str> = path.split('/').collect();
    segments
        .iter()
        .enumerate()
        .map(|(i, segment)| {
            if !segment.starts_with('{') {
                return (*segment).to_string();
            }
            match segments[i - 1] {
                "users" => "demo2".to_string(),
                "organizations" => "default".to_string(),
                _ => "demoGroup".to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The values to try for a parameter: each of its enum, or one its type allows.
fn values(parameter: &Parameter) -> Vec<String> {
    let schema = &parameter.schema;
    let items = if schema["type"] == "array" {
        &schema["items"]
    } else {
        schema
    };
    if let Some(options) = items["enum"].as_array() {
        return options
            .iter()
            .map(|v| v.as_str().expect("a string enum").to_string())
            .collect();
    }
    match (items["type"].as_str(), parameter.name.as_str()) {
        (Some("boolean"), _) => vec!["false".into(), "true".into()],
        (Some("integer"), _) => vec![schema["default"].as_i64().unwrap_or(1).to_string()],
        (_, "filter") => vec!["id==demoGroup".into()],
        (_, "sort") => vec!["id".into(), "id,desc".into()],
        _ => vec!["demo".into()],
    }
}

async fn send(sandbox: &Sandbox, method: &str, path: &str, query: &str) -> (StatusCode, String) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client");
    let url = if query.is_empty() {
        format!("{}{path}", sandbox.url())
    } else {
        format!("{}{path}?{query}", sandbox.url())
    };
    let response = client
        .request(
            Method::from_bytes(method.as_bytes()).expect("a method"),
            url,
        )
        .bearer_auth("sandbox")
        .header("accept", "application/json")
        .send()
        .await
        .expect("answered");
    let status = response.status();
    let text = response.text().await.expect("a body");
    (status, text)
}

/// Each request on a fresh sandbox, so a write does not change what the next one finds.
async fn fresh() -> Sandbox {
    start(SandboxConfig {
        seed: parse_seed("RECORDED_ORGANIZATION", RECORDED_ORGANIZATION).expect("the seed parses"),
        ..SandboxConfig::default()
    })
    .await
}

fn assert_not_simulated(status: StatusCode, text: &str, what: &str) {
    assert_eq!(status, StatusCode::NOT_IMPLEMENTED, "{what}: {text}");
    assert!(text.contains("not simulated"), "{what}: {text}");
}

#[tokio::test]
async fn every_operation_and_parameter_is_answered_as_the_table_says() {
    let spec = spec_operations();
    let (operations, parameters) = readme_table();
    let mut checked = 0;
    for ((method, route), params) in &spec {
        let row = &operations[&(method.clone(), route.clone())];
        let path = concrete(route);
        let what = format!("{method} {route}");
        if row.answer == NOT_SIMULATED {
            let (status, text) = send(&fresh().await, method, &path, "").await;
            assert_not_simulated(status, &text, &what);
            for parameter in params {
                for value in values(parameter) {
                    let query = format!("{}={value}", parameter.name);
                    let (status, text) = send(&fresh().await, method, &path, &query).await;
                    assert_not_simulated(status, &text, &format!("{what}?{query}"));
                    checked += 1;
                }
            }
            continue;
        }
        // A parameter the spec does not define.
        let (status, text) = send(&fresh().await, method, &path, "sandboxBogus=1").await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "{what}?sandboxBogus=1: {text}"
        );
        assert!(text.contains("Unknown query parameter"), "{what}: {text}");
        // Without parameters, the operation is served.
        let (status, text) = send(&fresh().await, method, &path, "").await;
        assert_ne!(status, StatusCode::NOT_IMPLEMENTED, "{what}: {text}");
        for parameter in params {
            let param_row = &parameters[&(method.clone(), route.clone(), parameter.name.clone())];
            for value in values(parameter) {
                let query = format!("{}={value}", parameter.name);
                let (status, text) = send(&fresh().await, method, &path, &query).await;
                let what = format!("{what}?{query}");
                checked += 1;
                if param_row.answer == NOT_SIMULATED {
                    assert_not_simulated(status, &text, &what);
                } else if method != "GET" {
                    // Past the parameter check, the missing body is what is refused.
                    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{what}: {text}");
                } else if status == StatusCode::NOT_IMPLEMENTED {
                    assert_eq!(param_row.answer, "simplified", "{what}: {text}");
                    assert!(
                        param_row.notes.contains(&format!("`{value}`")),
                        "{what} is 501: its row's notes must name `{value}`: {}",
                        param_row.notes
                    );
                    assert!(text.contains("not simulated"), "{what}: {text}");
                } else {
                    assert!(
                        status.is_success() || status.is_redirection(),
                        "{what}: {status} {text}"
                    );
                }
            }
        }
    }
    assert!(checked > 60, "only {checked} parameter values were tried");
}
