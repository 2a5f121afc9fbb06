//! Error answers in the server's format, `application/problem+json`
//! `{title, status, detail, traceId}`, and the trace ids that tie them to the
//! `X-GDC-TRACE-ID` header.
//!
//! Handlers return a [`Problem`] without a trace id; the edge middleware (see `api/mod.rs`)
//! renders it, so the id in the body and the header are the same fresh value.

use std::hash::{BuildHasher as _, RandomState};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The detail the real server gives for a missing entity or an unknown route (recorded in
/// `create_delete_user_group.yaml`).
pub(crate) const NOT_FOUND_DETAIL: &str =
    "The requested endpoint does not exist or you do not have permission to access it.";

/// An error answer waiting for its trace id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub status: StatusCode,
    pub detail: String,
}

impl Problem {
    pub(crate) fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            status,
            detail: detail.into(),
        }
    }

    pub(crate) fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, detail)
    }

    /// 501: the GoodData API defines it, the sandbox does not simulate it.
    pub(crate) fn not_simulated(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_IMPLEMENTED, detail)
    }

    pub(crate) fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, NOT_FOUND_DETAIL)
    }

    /// The final response: the JSON body and the content type.
    pub(crate) fn render(&self, trace_id: &str) -> Response {
        let body = serde_json::json!({
            "title": self.status.canonical_reason().unwrap_or("Error"),
            "status": self.status.as_u16(),
            "detail": self.detail,
            "traceId": trace_id,
        });
        let mut response = (self.status, body.to_string()).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        response
    }
}

impl IntoResponse for Problem {
    /// A placeholder carrying the problem as an extension; the edge middleware replaces it.
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}

/// A fresh 32-hex-digit trace id: a per-process random base mixed with a counter, so ids never
/// repeat within a run and differ between runs.
pub(crate) fn new_trace_id() -> String {
    static BASE: OnceLock<u64> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let base = *BASE.get_or_init(|| RandomState::new().hash_one(std::process::id()));
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let a = splitmix64(base ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let b = splitmix64(a);
    format!("{a:016x}{b:016x}")
}

/// The splitmix64 finalizer: a cheap, well-mixed bijection on `u64`.
pub(crate) fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_ids_are_fresh_hex() {
        let a = new_trace_id();
        let b = new_trace_id();
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
    }
}
