//! Request counters: how many API requests arrived, by method and route template, and how they
//! were answered. Tests and benchmarks read them to assert how many requests a command made.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A snapshot of the sandbox's request counters, the body of `GET /_sandbox/stats`.
///
/// Every request to the API is counted, whatever its outcome (401, 404, an injected 429 or a
/// dropped connection too); the `/_sandbox/*` routes are not.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// All counted requests.
    pub total: u64,
    /// By `"METHOD /route/{template}"`, e.g. `"PUT /api/v1/entities/userGroups/{id}"`; a request
    /// that matched no route is counted under its literal path.
    pub requests: BTreeMap<String, u64>,
    /// By answer: the status code (`"200"`, `"429"`, …) or `"dropped"` for a connection closed
    /// without an answer.
    pub statuses: BTreeMap<String, u64>,
}

impl Stats {
    /// All counted requests.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Requests with this method to this route template
    /// (`count("GET", "/api/v1/entities/userGroups")`).
    pub fn count(&self, method: &str, route: &str) -> u64 {
        self.requests
            .get(&format!("{method} {route}"))
            .copied()
            .unwrap_or(0)
    }

    /// Requests answered with this status code.
    pub fn status(&self, code: u16) -> u64 {
        self.statuses.get(&code.to_string()).copied().unwrap_or(0)
    }

    /// Requests whose connection was closed without an answer.
    pub fn dropped(&self) -> u64 {
        self.statuses.get(DROPPED).copied().unwrap_or(0)
    }

    pub(crate) fn record(&mut self, method: &str, route: &str, outcome: &str) {
        self.total += 1;
        *self
            .requests
            .entry(format!("{method} {route}"))
            .or_default() += 1;
        *self.statuses.entry(outcome.to_string()).or_default() += 1;
    }
}

/// The outcome key of a dropped connection.
pub(crate) const DROPPED: &str = "dropped";
