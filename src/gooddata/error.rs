//! Errors of API calls: every one names the request, and what the server said about it.

use std::fmt;
use std::time::Duration;

/// A failed API call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// The server answered with an error status.
    #[error("{request} → {status}{}{}", fmt_detail(detail.as_deref(), *status), fmt_trace(trace_id.as_deref()))]
    Status {
        /// `METHOD path`.
        request: String,
        /// The HTTP status.
        status: u16,
        /// The problem's `detail` (or `message` of a 429 body), if any.
        detail: Option<String>,
        /// The problem's `traceId`, or the `X-GDC-TRACE-ID` header.
        trace_id: Option<String>,
    },
    /// No answer within the timeout.
    #[error("{request}: no answer within {}s (raise --timeout if the server is slow)", .after.as_secs_f64())]
    Timeout {
        /// `METHOD path`.
        request: String,
        /// The timeout that ran out.
        after: Duration,
    },
    /// The server could not be reached at all: the connection was refused, the host name does
    /// not resolve, the network is down. The transport's own error chain is logged at `-v`.
    #[error("could not reach {host}: {cause} ({request}); {check}")]
    Unreachable {
        /// `METHOD path`.
        request: String,
        /// The base URL that was tried.
        host: String,
        /// What went wrong, in a few words.
        cause: String,
        /// What to check.
        check: String,
    },
    /// The connection was closed without an answer.
    #[error("{request}: {message}")]
    Transport {
        /// `METHOD path`.
        request: String,
        /// What the transport said.
        message: String,
    },
    /// TLS refused the server's certificate (untrusted issuer, wrong name, expired).
    #[error("{request}: {message}")]
    Certificate {
        /// `METHOD path`.
        request: String,
        /// What TLS said, with what to do.
        message: String,
    },
    /// The server speaks another protocol than the URL's scheme says: `https://` to a server
    /// that answers in plain HTTP, or `http://` to one that speaks TLS. Retrying cannot help.
    #[error("{request}: {message}")]
    WrongScheme {
        /// `METHOD path`.
        request: String,
        /// What the server speaks, and the URL to write instead.
        message: String,
    },
    /// Retrying stopped: another wait would pass the request's deadline.
    #[error("{request}: gave up after {:.0} s of retries (raise --request-deadline to wait longer){}", .after.as_secs_f64(), fmt_last(last.as_deref()))]
    Deadline {
        /// `METHOD path`.
        request: String,
        /// How long the request had been tried.
        after: Duration,
        /// What the last attempt met, if one was made.
        last: Option<Box<ApiError>>,
    },
    /// The server answered something that is not what the API returns.
    #[error("{request} → {status}: {reason}; the answer starts with: {snippet}")]
    Malformed {
        /// `METHOD path`.
        request: String,
        /// The HTTP status.
        status: u16,
        /// What is wrong with it.
        reason: String,
        /// The first bytes of the body, quoted.
        snippet: String,
    },
    /// An id that breaks the API's id rule was to go into a URL; nothing was sent.
    #[error(
        "{request}: `{id}` is not a valid id (1 to 255 letters, digits, `.`, `_` or `-`, not starting with `.`), so nothing was sent"
    )]
    InvalidId {
        /// `METHOD path`, with `{id}` where the id would go.
        request: String,
        /// The id as given.
        id: String,
    },
}

impl ApiError {
    /// The HTTP status, when the server answered (the last answer, after retries).
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Status { status, .. } | ApiError::Malformed { status, .. } => Some(*status),
            ApiError::Deadline {
                last: Some(last), ..
            } => last.status(),
            _ => None,
        }
    }

    /// The server's trace id, when it gave one.
    pub fn trace_id(&self) -> Option<&str> {
        match self {
            ApiError::Status { trace_id, .. } => trace_id.as_deref(),
            ApiError::Deadline {
                last: Some(last), ..
            } => last.trace_id(),
            _ => None,
        }
    }

    /// The problem detail, when the server gave one.
    pub fn detail(&self) -> Option<&str> {
        match self {
            ApiError::Status { detail, .. } => detail.as_deref(),
            ApiError::Deadline {
                last: Some(last), ..
            } => last.detail(),
            _ => None,
        }
    }

    /// Whether trying again may succeed: rate limits, gateway errors, timeouts, dropped connections.
    pub(crate) fn is_transient(&self) -> bool {
        match self {
            ApiError::Status { status, .. } => matches!(status, 429 | 502 | 503 | 504),
            ApiError::Timeout { .. }
            | ApiError::Transport { .. }
            | ApiError::Unreachable { .. } => true,
            ApiError::Malformed { .. }
            | ApiError::Certificate { .. }
            | ApiError::WrongScheme { .. }
            | ApiError::InvalidId { .. }
            | ApiError::Deadline { .. } => false,
        }
    }
}

fn fmt_detail(detail: Option<&str>, status: u16) -> String {
    let advice = match status {
        401 => " (the token was rejected: check GDGROUPS_TOKEN or the profile's token)",
        403 => {
            " (the token's user may not manage user groups: it needs the organization MANAGE permission)"
        }
        404 => " (the path does not exist or you do not have permission: check --host)",
        _ => "",
    };
    match detail {
        Some(d) if !d.is_empty() => format!(": {d}{advice}"),
        _ if !advice.is_empty() => format!(":{advice}"),
        _ => String::new(),
    }
}

fn fmt_last(last: Option<&ApiError>) -> String {
    last.map_or_else(String::new, |e| format!("; the last attempt: {e}"))
}

fn fmt_trace(trace_id: Option<&str>) -> String {
    trace_id.map_or_else(String::new, |t| format!(" (traceId {t})"))
}

/// Quotes at most the first 200 characters of a body, on one line.
pub(crate) fn snippet(body: &[u8]) -> String {
    struct Quoted<'a>(&'a str);
    impl fmt::Display for Quoted<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "{:?}", self.0)
        }
    }
    if body.is_empty() {
        return "(an empty body)".to_string();
    }
    let text = String::from_utf8_lossy(body);
    let cut: String = text.chars().take(200).collect();
    let more = if text.chars().count() > 200 {
        "…"
    } else {
        ""
    };
    format!("{}{more}", Quoted(&cut))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_errors_name_request_status_detail_and_trace() {
        let e = ApiError::Status {
            request: "PUT /api/v1/entities/userGroups/x".into(),
            status: 400,
            detail: Some("cycle".into()),
            trace_id: Some("abc".into()),
        };
        assert_eq!(
            e.to_string(),
            "PUT /api/v1/entities/userGroups/x → 400: cycle (traceId abc)"
        );
        let e = ApiError::Status {
            request: "GET /x".into(),
            status: 401,
            detail: None,
            trace_id: None,
        };
        assert!(e.to_string().contains("token was rejected"));
    }

    #[test]
    fn snippets_are_short_and_quoted() {
        assert_eq!(snippet(b""), "(an empty body)");
        assert_eq!(snippet(b"<html>"), "\"<html>\"");
        assert!(snippet("x".repeat(500).as_bytes()).ends_with('…'));
    }
}
