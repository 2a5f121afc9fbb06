//! What an apply did: one outcome per operation, serialized as `apply --report` writes it.
//!
//! An operation is one request, or the two `PUT`s of a split update: a group's create, update or
//! delete, its members added or removed, or a permission change for one group or, batched, for
//! several groups that need the same sets.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::plan::Action;

/// What an operation does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Operation {
    /// `POST` a group.
    Create,
    /// `PUT` a group's name and parents.
    Update,
    /// `DELETE` a group.
    Delete,
    /// `addMembers`: users join the group.
    AddMembers,
    /// `removeMembers`: users leave the group.
    RemoveMembers,
    /// `assignPermissions`: the whole new sets on workspaces and data sources, for one or more
    /// groups.
    AssignPermissions,
    /// `revokePermissions`: all access to workspaces or data sources taken away.
    RevokePermissions,
    /// `organization/managePermissions`: each group's whole new organization permissions.
    OrganizationPermissions,
}

impl Operation {
    /// The verb as shown to users: `create`, `add members`, `assign`, …
    pub fn verb(self) -> &'static str {
        match self {
            Operation::Create => "create",
            Operation::Update => "update",
            Operation::Delete => "delete",
            Operation::AddMembers => "add members",
            Operation::RemoveMembers => "remove members",
            Operation::AssignPermissions => "assign",
            Operation::RevokePermissions => "revoke",
            Operation::OrganizationPermissions => "set organization permissions",
        }
    }

    /// The verb in the past tense, for an operation that is done.
    pub fn past(self) -> &'static str {
        match self {
            Operation::Create => "created",
            Operation::Update => "updated",
            Operation::Delete => "deleted",
            Operation::AddMembers => "added members",
            Operation::RemoveMembers => "removed members",
            Operation::AssignPermissions => "assigned",
            Operation::RevokePermissions => "revoked",
            Operation::OrganizationPermissions => "set organization permissions",
        }
    }

    /// Whether it writes members or permissions rather than the group itself.
    pub fn is_access(self) -> bool {
        !matches!(
            self,
            Operation::Create | Operation::Update | Operation::Delete
        )
    }
}

impl From<Action> for Operation {
    fn from(action: Action) -> Self {
        match action {
            Action::Create => Operation::Create,
            Action::Update => Operation::Update,
            Action::Delete => Operation::Delete,
        }
    }
}

/// How one operation ended.
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
    /// Not attempted because an operation it depends on failed.
    Skipped {
        /// Which operation failed.
        reason: String,
    },
    /// Not started because the run was interrupted.
    Interrupted,
}

/// The result of one operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeReport {
    /// What the operation does.
    pub action: Operation,
    /// The group; for an operation on several groups (a batched permission change), the first of
    /// them, and [`ChangeReport::groups`] lists them all.
    pub id: String,
    /// Every group of an operation on more than one group, sorted; empty otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    /// The users added or removed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<String>,
    /// The workspaces whose permissions are assigned or revoked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub workspaces: Vec<String>,
    /// The data sources whose permissions are assigned or revoked.
    #[serde(default, rename = "dataSources", skip_serializing_if = "Vec::is_empty")]
    pub data_sources: Vec<String>,
    /// How it ended.
    #[serde(flatten)]
    pub outcome: Outcome,
}

impl ChangeReport {
    /// The create, update or delete of group `id`.
    pub fn group(action: Action, id: impl Into<String>, outcome: Outcome) -> Self {
        Self {
            action: action.into(),
            id: id.into(),
            groups: Vec::new(),
            users: Vec::new(),
            workspaces: Vec::new(),
            data_sources: Vec::new(),
            outcome,
        }
    }

    /// How many groups the operation is for.
    pub fn group_count(&self) -> usize {
        self.groups.len().max(1)
    }

    /// What it does, readably: `create analysts`, `add members analysts (+3)`,
    /// `assign workspace sales to 12 groups`.
    pub fn label(&self) -> String {
        self.describe(self.action.verb())
    }

    /// The same in the past tense, for an operation that is done: `added members analysts (+3)`.
    pub fn done_label(&self) -> String {
        self.describe(self.action.past())
    }

    fn describe(&self, verb: &str) -> String {
        let who = if self.groups.len() > 1 {
            format!("{} groups", self.groups.len())
        } else {
            self.id.clone()
        };
        match self.action {
            Operation::Create | Operation::Update | Operation::Delete => {
                format!("{verb} {}", self.id)
            }
            Operation::AddMembers => format!("{verb} {} (+{})", self.id, self.users.len()),
            Operation::RemoveMembers => format!("{verb} {} (-{})", self.id, self.users.len()),
            Operation::AssignPermissions => format!("{verb} {} to {who}", self.targets()),
            Operation::RevokePermissions => format!("{verb} {} from {who}", self.targets()),
            Operation::OrganizationPermissions => format!("{verb} of {who}"),
        }
    }

    /// `workspace sales`, `workspaces sales, finance and data source warehouse`.
    fn targets(&self) -> String {
        let mut text = String::new();
        for (noun, ids) in [
            ("workspace", &self.workspaces),
            ("data source", &self.data_sources),
        ] {
            if ids.is_empty() {
                continue;
            }
            if !text.is_empty() {
                text.push_str(" and ");
            }
            let plural = if ids.len() > 1 { "s" } else { "" };
            let _ = write!(
                text,
                "{noun}{plural} {}",
                crate::plan::document::list(ids, 5)
            );
        }
        text
    }

    /// Permission sets the operation writes: one per group and workspace or data source, or per
    /// group for organization permissions.
    fn permission_sets(&self) -> usize {
        match self.action {
            Operation::AssignPermissions | Operation::RevokePermissions => {
                self.group_count() * (self.workspaces.len() + self.data_sources.len())
            }
            Operation::OrganizationPermissions => self.group_count(),
            _ => 0,
        }
    }
}

/// What an apply did, operation by operation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// One entry per operation, in plan order: the groups' creates, updates and deletes, then
    /// their members, then their permissions.
    pub changes: Vec<ChangeReport>,
    /// Whether the run was interrupted.
    pub interrupted: bool,
}

/// What the done member and permission operations of a report changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AccessDone {
    /// Users added to groups (one per user and group).
    pub members_added: usize,
    /// Users removed from groups.
    pub members_removed: usize,
    /// Permission sets assigned (one per group and workspace or data source, or per group for
    /// the organization).
    pub assigned: usize,
    /// Permission sets revoked.
    pub revoked: usize,
}

impl Report {
    /// How many operations of this kind are done (`Action::Create` or `Operation::AddMembers`).
    pub fn done(&self, action: impl Into<Operation>) -> usize {
        let action = action.into();
        self.changes
            .iter()
            .filter(|c| c.action == action && c.outcome == Outcome::Done)
            .count()
    }

    /// What the done member and permission operations changed.
    pub fn access_done(&self) -> AccessDone {
        let mut done = AccessDone::default();
        for c in self.changes.iter().filter(|c| c.outcome == Outcome::Done) {
            match c.action {
                Operation::AddMembers => done.members_added += c.users.len(),
                Operation::RemoveMembers => done.members_removed += c.users.len(),
                Operation::RevokePermissions => done.revoked += c.permission_sets(),
                _ => done.assigned += c.permission_sets(),
            }
        }
        done
    }

    /// Whether any operation writes members or permissions.
    pub fn has_access(&self) -> bool {
        self.changes.iter().any(|c| c.action.is_access())
    }

    /// The operations that failed.
    pub fn failed(&self) -> impl Iterator<Item = &ChangeReport> {
        self.changes
            .iter()
            .filter(|c| matches!(c.outcome, Outcome::Failed { .. }))
    }

    /// The operations that were not attempted (skipped or interrupted).
    pub fn not_attempted(&self) -> impl Iterator<Item = &ChangeReport> {
        self.changes
            .iter()
            .filter(|c| matches!(c.outcome, Outcome::Skipped { .. } | Outcome::Interrupted))
    }

    /// Whether every operation is done.
    pub fn is_complete(&self) -> bool {
        self.changes.iter().all(|c| c.outcome == Outcome::Done)
    }
}
