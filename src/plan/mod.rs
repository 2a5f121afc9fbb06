//! The plan: a pure function of (desired, live, options). No I/O happens here, so every rule of
//! spec §3 is unit-tested without a server.

mod compute;
pub mod document;
pub mod order;
pub mod safety;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::desired::Mode;
use crate::group::Group;

pub use compute::compute;

/// What a change does to one group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// The group is absent live and is created.
    Create,
    /// The group's name or parent set differs and is replaced.
    Update,
    /// The group is not declared (or is `active: false`) and is deleted.
    Delete,
}

impl Action {
    /// The verb as shown to users.
    pub fn verb(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
        }
    }
}

/// What a delete costs: users who lose the group, and surviving groups that lose it as a parent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Impact {
    /// Users in the group; `None` when the server does not say.
    pub members: Option<u64>,
    /// Surviving child groups that lose this group as a parent, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<String>,
}

/// One change to one group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// Create, update or delete.
    pub action: Action,
    /// The group's id.
    pub id: String,
    /// The live group (absent for a create).
    pub before: Option<Group>,
    /// The group after the change (absent for a delete).
    pub after: Option<Group>,
    /// For deletes: what is lost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impact: Option<Impact>,
    /// Why the change is shown but not carried out (for example `--no-delete`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held: Option<String>,
}

/// A remark attached to a group that is not itself a change (rename hints, "nothing to delete").
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Note {
    /// The group the note is about.
    pub id: String,
    /// The remark.
    pub text: String,
}

/// Counts shown in the plan's last line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Groups to create.
    pub create: usize,
    /// Groups to update.
    pub update: usize,
    /// Groups to delete (not counting held deletes).
    pub delete: usize,
    /// Deletes shown but held back (`--no-delete`).
    pub held: usize,
    /// Declared groups equal to their live state.
    pub unchanged: usize,
    /// Live groups left alone because they match `ignore:`.
    pub ignored: usize,
    /// Live groups left alone because they are protected.
    pub protected: usize,
    /// Live groups the file manages (neither protected nor ignored): the base of
    /// `max_delete_percent`.
    pub managed: usize,
}

impl Summary {
    /// Whether applying would change anything.
    pub fn has_changes(&self) -> bool {
        self.create + self.update + self.delete > 0
    }
}

/// A computed plan: ordered changes plus what it was computed from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// The organization's URL (never credentials).
    pub host: String,
    /// Full or incremental.
    pub mode: Mode,
    /// What the plan was computed from, so a saved plan can tell when it went stale.
    pub source: Source,
    /// The changes in apply order: creates (parents first), updates, deletes (children first).
    #[serde(rename = "operations")]
    pub changes: Vec<Change>,
    /// Remarks, sorted by id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
    /// Counts.
    pub summary: Summary,
}

/// The inputs of a plan, recorded so that applying it later can check they did not move.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Source {
    /// sha256 of the desired-state file.
    pub desired_sha256: String,
    /// The bootstrap group of the organization as the server told it; `null` when it would not.
    #[serde(default)]
    pub bootstrap_group: Option<String>,
    /// The `ignore:` patterns: ignored groups are left out of the fingerprint.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignore: Vec<String>,
    /// sha256 of the canonical live groups (ignored ones left out).
    pub live_fingerprint: String,
    /// A short hash per live group, to say which ones moved when the fingerprint differs.
    pub live_groups: BTreeMap<String, String>,
    /// The file's delete thresholds, re-checked when a saved plan is applied.
    #[serde(default)]
    pub safety: crate::desired::Safety,
}

impl Plan {
    /// Holds every delete back (shown, not carried out), updating the counts.
    pub fn hold_deletes(&mut self, why: &str) {
        for change in &mut self.changes {
            if change.action == Action::Delete && change.held.is_none() {
                change.held = Some(why.to_string());
                self.summary.delete -= 1;
                self.summary.held += 1;
            }
        }
    }

    /// The changes that apply will carry out (held ones excluded).
    pub fn actionable(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.held.is_none())
    }
}

/// Options of the plan computation that do not come from the file.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// The organization's URL, recorded in the plan.
    pub host: String,
    /// Show deletes but hold them back (`--no-delete`).
    pub no_delete: bool,
    /// The organization's bootstrap group as the user names it (`--bootstrap-group`): protected,
    /// and enough to let deletes go ahead when the server does not say which group it is.
    pub bootstrap_group: Option<String>,
}

/// Why deletes are held when the bootstrap group is unknown: any of them could be it.
/// [`safety::check`] refuses a plan holding deletes for this reason.
pub const UNKNOWN_BOOTSTRAP: &str = "an unknown bootstrap group";
