//! What an apply did: one outcome per change, serialized as `apply --report` writes it.

use serde::{Deserialize, Serialize};

use crate::plan::Action;

/// How one change ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum Outcome {
    /// Carried out.
    Done,
    /// The server refused or could not be reached.
    Failed {
        /// The full error message.
        error: String,
        /// HTTP status, when there was an answer.
        #[serde(skip_serializing_if = "Option::is_none")]
        http_status: Option<u16>,
        /// The problem detail.
        #[serde(skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
        /// The server's trace id.
        #[serde(rename = "traceId", skip_serializing_if = "Option::is_none")]
        trace_id: Option<String>,
    },
    /// Not attempted because a change it depends on failed.
    Skipped {
        /// Which change failed.
        reason: String,
    },
    /// Not started because the run was interrupted.
    Interrupted,
}

/// The result of one change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeReport {
    /// Create, update or delete.
    pub action: Action,
    /// The group.
    pub id: String,
    /// How it ended.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// What an apply did, change by change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// One entry per carried-out change, in plan order.
    pub changes: Vec<ChangeReport>,
    /// Whether the run was interrupted.
    pub interrupted: bool,
}

impl Report {
    /// How many changes of `action` are done.
    pub fn done(&self, action: Action) -> usize {
        self.changes
            .iter()
            .filter(|c| c.action == action && c.outcome == Outcome::Done)
            .count()
    }

    /// The changes that failed.
    pub fn failed(&self) -> impl Iterator<Item = &ChangeReport> {
        self.changes
            .iter()
            .filter(|c| matches!(c.outcome, Outcome::Failed { .. }))
    }

    /// The changes that were not attempted (skipped or interrupted).
    pub fn not_attempted(&self) -> impl Iterator<Item = &ChangeReport> {
        self.changes
            .iter()
            .filter(|c| matches!(c.outcome, Outcome::Skipped { .. } | Outcome::Interrupted))
    }

    /// Whether every change is done.
    pub fn is_complete(&self) -> bool {
        self.changes.iter().all(|c| c.outcome == Outcome::Done)
    }
}
