//! Fault injection: latency, a fixed-window rate limit, random 503s, dropped connections and
//! slow write answers, all applied by one middleware in front of the API so handlers never know
//! about them.
//!
//! Randomness comes from a small seeded generator (splitmix64), so a run with `rng_seed` is
//! reproducible: every request draws exactly two numbers, in arrival order, whatever the rates.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::Shared;
use super::problem::{Problem, splitmix64};

/// What the sandbox does to requests besides answering them. The default injects nothing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Faults {
    /// Delay before every API request is handled, in milliseconds.
    pub latency_ms: u64,
    /// At most this many requests per window (a fixed window that starts with the first
    /// request); the rest get 429 with `Retry-After` and `X-RateLimit-*` headers.
    pub rate_limit: Option<(u32, Duration)>,
    /// Share of requests (0.0–1.0) answered 503 problem+json before they are handled.
    pub fail_rate: f64,
    /// Share of requests (0.0–1.0) whose connection is closed without an answer. The request
    /// *is* handled first, like a proxy that gives up after the server committed a change, so a
    /// client's retry of a POST meets a 409 and a retried DELETE a 404.
    pub drop_rate: f64,
    /// Seed of the random generator; `None` seeds from the process's randomness.
    pub rng_seed: Option<u64>,
    /// Writes (POST, PUT, PATCH, DELETE) of these group ids are refused with a 500 problem,
    /// every time: a deterministic partial failure for tests of apply's reporting. A write of a
    /// group is one to its entity, its members or permissions, or an assign, revoke or
    /// organization permission change naming it.
    pub refuse_writes: Vec<String>,
    /// Writes (POST, PUT, PATCH, DELETE) are carried out at once but answered only after this
    /// many milliseconds, while reads stay quick: changes held in flight (already visible in
    /// the sandbox) for trying what an interrupt does to a running apply.
    pub write_answer_delay_ms: u64,
}

/// Parses a rate limit written `N/WINDOW`: `100/1s`, `50/500ms`, `600/1m`, or `10/s` (a bare
/// unit means one of it). The window must be longer than zero.
pub fn parse_rate_limit(text: &str) -> Result<(u32, Duration), String> {
    let (count, window) = text
        .split_once('/')
        .ok_or_else(|| format!("`{text}` is not N/WINDOW (for example 100/1s)"))?;
    let count: u32 = count
        .trim()
        .parse()
        .map_err(|_| format!("`{count}` in `{text}` is not a whole number of requests"))?;
    let window = window.trim();
    let split = window
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("the window `{window}` has no unit (ms, s, m or h)"))?;
    let (amount, unit) = window.split_at(split);
    let amount: u64 = if amount.is_empty() {
        1
    } else {
        amount
            .parse()
            .map_err(|_| format!("`{amount}` in `{text}` is not a whole number"))?
    };
    let window = match unit {
        "ms" => Duration::from_millis(amount),
        "s" => Duration::from_secs(amount),
        "m" => Duration::from_secs(amount.saturating_mul(60)),
        "h" => Duration::from_secs(amount.saturating_mul(3600)),
        _ => {
            return Err(format!(
                "unknown unit `{unit}` in `{text}`; use ms, s, m or h"
            ));
        }
    };
    if window.is_zero() {
        return Err(format!("the window of `{text}` is zero"));
    }
    Ok((count, window))
}

impl Faults {
    fn is_active(&self) -> bool {
        self.latency_ms > 0
            || self.rate_limit.is_some()
            || self.fail_rate > 0.0
            || self.drop_rate > 0.0
            || !self.refuse_writes.is_empty()
            || self.write_answer_delay_ms > 0
    }
}

/// The mutable side of fault injection.
#[derive(Debug)]
pub(crate) struct FaultState {
    faults: Faults,
    rng: Mutex<u64>,
    window: Mutex<Option<Window>>,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    start: Instant,
    count: u32,
}

/// What the rate limiter decided for one request.
struct Quota {
    limit: u32,
    remaining: u32,
    reset: Duration,
    allowed: bool,
}

impl FaultState {
    pub(crate) fn new(faults: Faults) -> Self {
        let seed = faults.rng_seed.unwrap_or_else(random_seed);
        Self {
            faults,
            rng: Mutex::new(seed),
            window: Mutex::new(None),
        }
    }

    /// Two uniform numbers in `[0, 1)`: one for failing, one for dropping.
    fn draw(&self) -> (f64, f64) {
        let mut state = super::lock(&self.rng);
        let mut next = || {
            *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            // The top 32 bits, exactly representable: plenty of resolution for a rate.
            let bits = u32::try_from(splitmix64(*state) >> 32).unwrap_or(u32::MAX);
            f64::from(bits) / 4_294_967_296.0
        };
        (next(), next())
    }

    fn take_quota(&self, limit: u32, window: Duration, now: Instant) -> Quota {
        let mut slot = super::lock(&self.window);
        let current = slot.get_or_insert(Window {
            start: now,
            count: 0,
        });
        let elapsed = now.saturating_duration_since(current.start);
        if elapsed >= window && !window.is_zero() {
            // Windows stay aligned to the first one, so a client that waits for the reset is
            // never off by its own latency.
            let windows_passed = elapsed.as_nanos() / window.as_nanos();
            let advance = window.saturating_mul(u32::try_from(windows_passed).unwrap_or(u32::MAX));
            current.start += advance;
            current.count = 0;
        }
        current.count = current.count.saturating_add(1);
        let reset = (current.start + window).saturating_duration_since(now);
        Quota {
            limit,
            remaining: limit.saturating_sub(current.count),
            reset,
            allowed: current.count <= limit,
        }
    }
}

fn random_seed() -> u64 {
    use std::hash::{BuildHasher as _, RandomState};
    RandomState::new().hash_one(Instant::now())
}

/// Marks a response whose connection is to be closed without an answer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dropped;

/// The middleware: latency, then the rate limit, then injected failures, then the handler,
/// then (for a write) the answer's delay, then (maybe) the lost answer.
pub(crate) async fn inject(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let state = &shared.faults;
    let faults = &state.faults;
    if !faults.is_active() {
        return next.run(request).await;
    }
    let (fail_roll, drop_roll) = state.draw();
    if faults.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(faults.latency_ms)).await;
    }
    let request = if faults.refuse_writes.is_empty() {
        request
    } else {
        match refused_write(request, &faults.refuse_writes).await {
            Ok(request) => request,
            Err(refusal) => return refusal,
        }
    };
    let quota = faults
        .rate_limit
        .map(|(limit, window)| state.take_quota(limit, window, Instant::now()));
    if let Some(quota) = &quota
        && !quota.allowed
    {
        return too_many_requests(quota, faults.rate_limit.map_or(Duration::ZERO, |r| r.1));
    }
    let mut response = if fail_roll < faults.fail_rate {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "Injected failure: the sandbox answers this share of requests with 503 (--fail-rate).",
        )
        .into_response()
    } else {
        let writes = is_write(request.method());
        let response = next.run(request).await;
        if writes && faults.write_answer_delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(faults.write_answer_delay_ms)).await;
        }
        if drop_roll < faults.drop_rate {
            return dropped();
        }
        response
    };
    if let Some(quota) = &quota {
        rate_limit_headers(response.headers_mut(), quota);
    }
    response
}

fn is_write(method: &Method) -> bool {
    matches!(
        *method,
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    )
}

/// Passes the request on, or answers 500 when it writes a group listed in `refuse_writes`: the
/// group entity, its members or permissions, or an assign, revoke or organization permission
/// change that names it as an assignee.
async fn refused_write(request: Request, refused: &[String]) -> Result<Request, Response> {
    const GROUPS: &str = "/api/v1/entities/userGroups";
    const MANAGEMENT: &str = "/api/v1/actions/userManagement/userGroups/";
    const BULK: [&str; 3] = [
        "/api/v1/actions/userManagement/assignPermissions",
        "/api/v1/actions/userManagement/revokePermissions",
        "/api/v1/actions/organization/managePermissions",
    ];
    if !is_write(request.method()) {
        return Ok(request);
    }
    let path = request.uri().path().to_string();
    let in_path = path
        .strip_prefix(GROUPS)
        .and_then(|rest| rest.strip_prefix('/'))
        .or_else(|| path.strip_prefix(MANAGEMENT))
        .map(|rest| rest.split('/').next().unwrap_or(rest).to_string());
    let (request, ids) = if let Some(id) = in_path {
        (request, vec![id])
    } else if path == GROUPS || BULK.contains(&path.as_str()) {
        // The body names the groups: read it, then hand the same bytes on.
        let (parts, body) = request.into_parts();
        let bytes = axum::body::to_bytes(body, 16 * 1024 * 1024)
            .await
            .unwrap_or_default();
        let ids = serde_json::from_slice::<serde_json::Value>(&bytes)
            .map(|body| written_groups(&body))
            .unwrap_or_default();
        (Request::from_parts(parts, Body::from(bytes)), ids)
    } else {
        (request, Vec::new())
    };
    match ids.into_iter().find(|id| refused.contains(id)) {
        Some(id) => Err(Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("Injected refusal: writes of `{id}` fail in this sandbox (refuse_writes)."),
        )
        .into_response()),
        None => Ok(request),
    }
}

/// The groups a create, assign, revoke or organization permission body names.
fn written_groups(body: &serde_json::Value) -> Vec<String> {
    use serde_json::Value;
    let group_id = |assignee: &Value| {
        (assignee["type"] == "userGroup")
            .then(|| assignee["id"].as_str().map(str::to_string))
            .flatten()
    };
    let mut ids: Vec<String> = body["data"]["id"]
        .as_str()
        .map(str::to_string)
        .into_iter()
        .collect();
    if let Some(assignees) = body["assignees"].as_array() {
        ids.extend(assignees.iter().filter_map(group_id));
    }
    if let Some(items) = body.as_array() {
        ids.extend(
            items
                .iter()
                .filter_map(|item| group_id(&item["assigneeIdentifier"])),
        );
    }
    ids
}

fn too_many_requests(quota: &Quota, window: Duration) -> Response {
    let retry_after = whole_seconds(quota.reset);
    let body = serde_json::json!({
        "error": "Too Many Requests",
        "message": format!(
            "Rate limit of {} requests per {} exceeded; retry after {retry_after} s.",
            quota.limit,
            humanize(window),
        ),
    });
    let mut response = (StatusCode::TOO_MANY_REQUESTS, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    rate_limit_headers(headers, quota);
    response
}

/// `X-RateLimit-Reset` is the number of seconds until the window resets (the IETF draft's
/// delta form), rounded up like `Retry-After`.
fn rate_limit_headers(headers: &mut HeaderMap, quota: &Quota) {
    headers.insert("x-ratelimit-limit", HeaderValue::from(quota.limit));
    headers.insert("x-ratelimit-remaining", HeaderValue::from(quota.remaining));
    headers.insert(
        "x-ratelimit-reset",
        HeaderValue::from(whole_seconds(quota.reset)),
    );
}

/// Header values are whole seconds; rounding up never invites a retry before the reset.
fn whole_seconds(d: Duration) -> u64 {
    let secs = d.as_secs();
    if d.subsec_nanos() > 0 { secs + 1 } else { secs }
}

fn humanize(window: Duration) -> String {
    if window.subsec_nanos() == 0 {
        format!("{} s", window.as_secs())
    } else {
        format!("{} ms", window.as_millis())
    }
}

/// A response whose body fails before its first byte: hyper then closes the connection
/// instead of finishing the answer.
fn dropped() -> Response {
    let stream = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "connection dropped by the sandbox's fault injection (--drop-rate)",
        ))
    });
    let mut response = Response::new(Body::from_stream(stream));
    response.extensions_mut().insert(Dropped);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_are_reproducible_with_a_seed() {
        let seeded = |seed| {
            let state = FaultState::new(Faults {
                rng_seed: Some(seed),
                ..Faults::default()
            });
            (0..5).map(|_| state.draw()).collect::<Vec<_>>()
        };
        assert_eq!(seeded(7), seeded(7));
        assert_ne!(seeded(7), seeded(8));
        assert!(
            seeded(7)
                .iter()
                .all(|&(a, b)| (0.0..1.0).contains(&a) && (0.0..1.0).contains(&b))
        );
    }

    #[test]
    fn rate_limits_parse_with_units() {
        assert_eq!(
            parse_rate_limit("100/1s"),
            Ok((100, Duration::from_secs(1)))
        );
        assert_eq!(
            parse_rate_limit("50/500ms"),
            Ok((50, Duration::from_millis(500)))
        );
        assert_eq!(
            parse_rate_limit("600/m"),
            Ok((600, Duration::from_secs(60)))
        );
        assert_eq!(
            parse_rate_limit(" 7 / 2h "),
            Ok((7, Duration::from_secs(7200)))
        );
        for bad in ["100", "x/1s", "100/1", "100/1d", "100/0s", "-1/s"] {
            assert!(parse_rate_limit(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn fixed_window_counts_and_resets_aligned() {
        let state = FaultState::new(Faults::default());
        let t0 = Instant::now();
        let window = Duration::from_secs(10);
        assert!(state.take_quota(2, window, t0).allowed);
        let second = state.take_quota(2, window, t0 + Duration::from_secs(1));
        assert!(second.allowed);
        assert_eq!(second.remaining, 0);
        let third = state.take_quota(2, window, t0 + Duration::from_secs(2));
        assert!(!third.allowed);
        assert_eq!(third.reset, Duration::from_secs(8));
        // 25 s in: the third window, which started at 20 s.
        let later = state.take_quota(2, window, t0 + Duration::from_secs(25));
        assert!(later.allowed);
        assert_eq!(later.reset, Duration::from_secs(5));
        assert_eq!(whole_seconds(Duration::from_millis(1500)), 2);
        assert_eq!(whole_seconds(Duration::from_secs(3)), 3);
    }
}
