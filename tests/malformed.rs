//! Malformed answers (spec §8): each is a clear error naming the request and quoting the first
//! bytes, never a panic or a hang. A tiny misbehaving server plays the proxy or the broken API.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use gdgroups::gooddata::{ApiError, Client, ClientConfig, Token};

/// Serves `answer` for every listing request on a free port; returns the base URL.
fn serve(
    answer: impl Fn(usize) -> Response + Send + Sync + 'static,
) -> (String, tokio::runtime::Runtime) {
    serve_slowly(Duration::ZERO, answer)
}

/// Like [`serve`], answering only after `delay`.
fn serve_slowly(
    delay: Duration,
    answer: impl Fn(usize) -> Response + Send + Sync + 'static,
) -> (String, tokio::runtime::Runtime) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let calls = Arc::new(AtomicUsize::new(0));
    let answer = Arc::new(answer);
    let app = Router::new().fallback(get(move || {
        let n = calls.fetch_add(1, Ordering::SeqCst);
        let answer = answer.clone();
        async move {
            tokio::time::sleep(delay).await;
            answer(n)
        }
    }));
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    runtime.spawn(async move { axum::serve(listener, app).await });
    (url, runtime)
}

fn list(url: &str) -> Result<Vec<gdgroups::group::Group>, ApiError> {
    let mut config = ClientConfig::new(url, Token::new("t"));
    config.timeout = Duration::from_secs(2);
    config.max_attempts = 2;
    let client = Client::new(&config).expect("client");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime
        .block_on(async {
            tokio::time::timeout(Duration::from_secs(20), client.list_groups()).await
        })
        .expect("no hang")
}

fn json(status: StatusCode, body: &str) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        "application/vnd.gooddata.api+json".parse().expect("header"),
    );
    (status, headers, body.to_string()).into_response()
}

#[track_caller]
fn expect_error(result: Result<Vec<gdgroups::group::Group>, ApiError>, needles: &[&str]) {
    let error = result
        .expect_err("a malformed answer must be an error")
        .to_string();
    assert!(
        error.contains("GET /api/v1/entities/userGroups"),
        "names the request: {error}"
    );
    for needle in needles {
        assert!(error.contains(needle), "{needle:?} in {error}");
    }
}

#[test]
fn html_from_a_proxy() {
    let (url, _rt) =
        serve(|_| (StatusCode::OK, "<html><body>Please log in</body></html>").into_response());
    expect_error(list(&url), &["HTML", "<html><body>Please log in"]);
}

#[test]
fn truncated_json() {
    let (url, _rt) = serve(|_| {
        json(
            StatusCode::OK,
            r#"{"data":[{"id":"a","type":"userGroup","attri"#,
        )
    });
    expect_error(list(&url), &["not the expected JSON", "{\\\"data\\\""]);
}

#[test]
fn missing_fields_and_wrong_types() {
    let (url, _rt) = serve(|_| json(StatusCode::OK, r#"{"data":[{"type":"userGroup"}]}"#));
    expect_error(list(&url), &["missing field `id`"]);
    let (url, _rt) = serve(|_| json(StatusCode::OK, r#"{"data":[{"id":7,"type":"userGroup"}]}"#));
    expect_error(list(&url), &["invalid type"]);
    let (url, _rt) = serve(|_| {
        json(
            StatusCode::OK,
            r#"{"data":[{"id":"a","type":"workspace"}]}"#,
        )
    });
    expect_error(list(&url), &["type `workspace`"]);
}

#[test]
fn an_empty_200() {
    let (url, _rt) = serve(|_| json(StatusCode::OK, ""));
    expect_error(list(&url), &["(an empty body)"]);
}

#[test]
fn a_redirect_loop_is_not_followed() {
    let (url, _rt) = serve(|_| {
        (
            StatusCode::FOUND,
            [(header::LOCATION, "/api/v1/entities/userGroups")],
        )
            .into_response()
    });
    expect_error(
        list(&url),
        &["302", "redirect to `/api/v1/entities/userGroups`"],
    );
}

#[test]
fn a_page_count_that_changes_mid_listing() {
    // Page 0 announces 3 groups in pages of 2; page 1 then holds nothing: someone deleted groups.
    let (url, _rt) = serve(|n| {
        if n == 0 {
            json(
                StatusCode::OK,
                r#"{"data":[{"id":"a","type":"userGroup"},{"id":"b","type":"userGroup"}],"meta":{"page":{"size":2,"number":0,"totalElements":3,"totalPages":2}}}"#,
            )
        } else {
            json(
                StatusCode::OK,
                r#"{"data":[],"meta":{"page":{"size":2,"number":1,"totalElements":2,"totalPages":1}}}"#,
            )
        }
    });
    expect_error(list(&url), &["announced 3 groups", "run the command again"]);
}

#[test]
fn a_server_that_never_answers_times_out() {
    let (url, _rt) = serve_slowly(Duration::from_secs(30), |_| json(StatusCode::OK, "{}"));
    expect_error(list(&url), &["no answer within 2s"]);
}
