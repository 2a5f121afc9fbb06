//! The plan: a pure function of (desired, live, options). No I/O happens here, so every rule of
//! spec §3 is unit-tested without a server.

mod access;
mod compute;
pub mod document;
mod next;
pub mod order;
pub mod safety;
pub mod schema;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::desired::Mode;
use crate::group::Group;

pub(crate) use access::ManagePaths;
pub use access::{AccessChange, Counts, Delta, LockOut, grants, lock_out};
pub use compute::compute;
pub use next::{NextStep, next_step};

/// What a change does to one group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// The group is absent live and is created.
    Create,
    /// The group's name or parent set differs (and is replaced), or a facet it manages
    /// (members, permissions) differs, or both: [`Change::group_changed`] and
    /// [`Change::access`] say which.
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
    /// The managed facets (members, permissions) that differ, each with its live and desired
    /// value; absent when none differs (always for a delete: the delete drops them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access: Option<Box<AccessChange>>,
    /// For deletes: what is lost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impact: Option<Impact>,
    /// Why the change is shown but not carried out (for example `--no-delete`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held: Option<String>,
}

impl Change {
    /// Whether the group itself (its name or parents) is written: always for a create or
    /// delete, for an update only when the name or parent set differs. An update of members or
    /// permissions alone needs no `PUT` of the group.
    pub fn group_changed(&self) -> bool {
        match (self.action, &self.before, &self.after) {
            (Action::Update, Some(before), Some(after)) => before != after,
            _ => true,
        }
    }
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
    /// Users added to groups (one per user and group).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub members_added: usize,
    /// Users removed from groups.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub members_removed: usize,
    /// Permissions granted: one per permission name and target (a workspace, its hierarchy, a
    /// data source, the organization) and group.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub permissions_granted: usize,
    /// Permissions revoked, counted the same way.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub permissions_revoked: usize,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Summary {
    /// Whether applying would change anything.
    pub fn has_changes(&self) -> bool {
        self.create
            + self.update
            + self.delete
            + self.members_added
            + self.members_removed
            + self.permissions_granted
            + self.permissions_revoked
            > 0
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
    /// The bootstrap group of the organization as the server told it; `null` when it would not,
    /// or was not asked because the plan creates at most (no change could touch it).
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
    /// The facets each declared group manages (`members`, `workspaces`, …, the file's key
    /// names), by group id: the live fingerprint and digests cover their live values too, and
    /// apply reads them again for the stale check. Empty (and left out) for a file of names and
    /// parents only, whose fingerprint is then what it always was.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub managed: BTreeMap<String, Vec<String>>,
}

impl Source {
    /// [`Source::managed`] as facet sets; names this version does not know are left out.
    pub fn managed_facets(&self) -> crate::live::ManagedFacets {
        self.managed
            .iter()
            .map(|(id, keys)| {
                let facets = crate::access::Facet::ALL
                    .into_iter()
                    .filter(|f| keys.iter().any(|k| k == f.key()))
                    .collect();
                (id.clone(), facets)
            })
            .collect()
    }

    /// Every facet some group manages: what the stale check reads again.
    pub fn facets(&self) -> crate::access::Facets {
        self.managed_facets()
            .values()
            .fold(crate::access::Facets::NONE, |all, f| all.union(*f))
    }
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

    /// The changes that add or remove members or permissions (held ones excluded).
    pub fn access_changes(&self) -> impl Iterator<Item = &Change> {
        self.actionable().filter(|c| c.access.is_some())
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

#[cfg(test)]
mod access_tests;
