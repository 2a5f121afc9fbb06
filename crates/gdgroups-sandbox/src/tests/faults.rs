//! Fault injection over HTTP: the rate limit's 429, injected 503s, dropped connections,
//! latency, and reproducibility with a seed.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;

use super::{call, get, group_doc, start};
use crate::{Faults, Sandbox, SandboxConfig};

const GROUPS: &str = "/api/v1/entities/userGroups";

async fn with_faults(faults: Faults) -> Sandbox {
    start(SandboxConfig {
        faults,
        ..SandboxConfig::default()
    })
    .await
}

#[tokio::test]
async fn rate_limit_answers_429_with_headers_and_plain_json() {
    let sandbox = with_faults(Faults {
        rate_limit: Some((3, Duration::from_secs(10))),
        ..Faults::default()
    })
    .await;
    for remaining in ["2", "1", "0"] {
        let ok = get(&sandbox, GROUPS).await;
        assert_eq!(ok.status, 200);
        assert_eq!(ok.header("x-ratelimit-limit"), Some("3"));
        assert_eq!(ok.header("x-ratelimit-remaining"), Some(remaining));
    }
    let limited = get(&sandbox, GROUPS).await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.header("content-type"), Some("application/json"));
    let retry_after: u64 = limited
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("whole seconds");
    assert!((1..=10).contains(&retry_after), "{retry_after}");
    assert_eq!(limited.header("x-ratelimit-limit"), Some("3"));
    assert_eq!(limited.header("x-ratelimit-remaining"), Some("0"));
    assert_eq!(
        limited.header("x-ratelimit-reset"),
        Some(retry_after.to_string().as_str())
    );
    let body = limited.json();
    assert_eq!(body["error"], "Too Many Requests");
    assert!(
        body["message"]
            .as_str()
            .expect("message")
            .contains("3 requests per 10 s")
    );
    assert_eq!(body.as_object().expect("object").len(), 2);
    let stats = sandbox.stats();
    assert_eq!(stats.status(429), 1);
    assert_eq!(stats.count("GET", GROUPS), 4);
}

#[tokio::test]
async fn rate_limit_window_resets() {
    let sandbox = with_faults(Faults {
        rate_limit: Some((2, Duration::from_secs(1))),
        ..Faults::default()
    })
    .await;
    assert_eq!(get(&sandbox, GROUPS).await.status, 200);
    assert_eq!(get(&sandbox, GROUPS).await.status, 200);
    let limited = get(&sandbox, GROUPS).await;
    assert_eq!(limited.status, 429);
    // Waiting as long as Retry-After says is always enough.
    let retry_after: u64 = limited
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("whole seconds");
    assert_eq!(retry_after, 1);
    tokio::time::sleep(Duration::from_secs(retry_after)).await;
    let again = get(&sandbox, GROUPS).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.header("x-ratelimit-remaining"), Some("1"));
}

#[tokio::test]
async fn fail_rate_answers_503_before_handling() {
    let sandbox = with_faults(Faults {
        fail_rate: 1.0,
        ..Faults::default()
    })
    .await;
    let answer = call(
        &sandbox,
        Method::POST,
        GROUPS,
        Some(group_doc("x", None, None)),
    )
    .await;
    assert!(answer.problem(503).contains("fail-rate"));
    assert_eq!(sandbox.groups().len(), 1, "the failed POST changed nothing");
}

#[tokio::test]
async fn drop_rate_closes_the_connection_after_handling() {
    let sandbox = with_faults(Faults {
        drop_rate: 1.0,
        ..Faults::default()
    })
    .await;
    let outcome = reqwest::Client::new()
        .post(format!("{}{GROUPS}", sandbox.url()))
        .bearer_auth("sandbox")
        .header("content-type", "application/json")
        .body(group_doc("x", None, None).to_string())
        .send()
        .await;
    let error = outcome.expect_err("no answer arrives");
    assert!(!error.is_status(), "{error}");
    assert!(
        sandbox.groups().iter().any(|g| g.id == "x"),
        "the request was carried out before the answer was lost"
    );
    assert_eq!(sandbox.stats().dropped(), 1);
}

#[tokio::test]
async fn latency_delays_every_request() {
    let sandbox = with_faults(Faults {
        latency_ms: 150,
        ..Faults::default()
    })
    .await;
    for token in ["sandbox", "wrong"] {
        let started = Instant::now();
        super::call_with(&sandbox, Method::GET, GROUPS, None, Some(token)).await;
        assert!(started.elapsed() >= Duration::from_millis(150), "{token}");
    }
}

#[tokio::test]
async fn write_answer_delay_holds_the_answer_not_the_change() {
    let sandbox = with_faults(Faults {
        write_answer_delay_ms: 5_000,
        ..Faults::default()
    })
    .await;
    let url = sandbox.url();
    let post = tokio::spawn(async move {
        reqwest::Client::new()
            .post(format!("{url}{GROUPS}"))
            .bearer_auth("sandbox")
            .header("content-type", "application/json")
            .body(group_doc("x", None, None).to_string())
            .send()
            .await
            .map(|r| r.status().as_u16())
    });
    let started = Instant::now();
    while !sandbox.groups().iter().any(|g| g.id == "x") {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the write takes effect before its answer"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Ordered, not timed: a read sent while the write's answer is held is answered first.
    assert_eq!(get(&sandbox, GROUPS).await.status, 200);
    assert!(
        !post.is_finished(),
        "the write's answer is held back, and reads are not held behind it"
    );
    assert_eq!(post.await.expect("joined").expect("answered"), 201);
    assert!(started.elapsed() >= Duration::from_millis(1_500));
}

async fn outcomes(seed: u64) -> Vec<u16> {
    let sandbox = with_faults(Faults {
        fail_rate: 0.5,
        rng_seed: Some(seed),
        ..Faults::default()
    })
    .await;
    let mut out = Vec::new();
    for _ in 0..40 {
        out.push(get(&sandbox, GROUPS).await.status.as_u16());
    }
    out
}

#[tokio::test]
async fn a_seed_makes_faults_reproducible() {
    let first = outcomes(42).await;
    assert_eq!(first, outcomes(42).await);
    assert!(first.contains(&200) && first.contains(&503), "{first:?}");
    assert_ne!(first, outcomes(43).await);
}

#[tokio::test]
async fn control_routes_escape_faults() {
    let sandbox = with_faults(Faults {
        fail_rate: 1.0,
        rate_limit: Some((0, Duration::from_secs(60))),
        ..Faults::default()
    })
    .await;
    let stats = reqwest::get(format!("{}/_sandbox/stats", sandbox.url()))
        .await
        .expect("answered");
    assert_eq!(stats.status(), 200);
    assert_eq!(
        stats.json::<serde_json::Value>().await.expect("json"),
        json!({"total": 0, "requests": {}, "statuses": {}})
    );
}
