//! The desired state: `groups.yaml` (or a groups CSV) parsed with locations, checked, and
//! turned into [`Desired`].
//!
//! Everything here is offline. Checks that need the live organization (a parent that is only a
//! live kept group) are finished by the plan, which reports through the same spans.

use std::path::Path;

pub use access::{Access, Managed};

use crate::access::Facets;
use crate::diagnostic::{Diagnostics, Span};
use crate::group::Group;

/// How the file's groups relate to the live organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// What the file does not declare is deleted (unless protected or ignored).
    #[default]
    Full,
    /// Only listed groups are touched; `active: false` deletes.
    Incremental,
}

/// Delete and member-removal thresholds from the file's `safety:` section.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Safety {
    /// Absolute cap on deletes per apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_deletes: Option<u64>,
    /// Cap as a percentage of live managed groups (default 30 when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_delete_percent: Option<f64>,
    /// Absolute cap on members removed from groups per apply (default: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_member_removals: Option<u64>,
    /// Cap on the members one group loses, as a percentage of its live members (default 30
    /// when absent; not applied to groups of fewer than 5 members).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_member_removal_percent: Option<f64>,
}

/// A `*`/`?` glob from the `ignore:` list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    /// The pattern as written.
    pub glob: String,
    /// Where it was written.
    pub span: Span,
}

impl Pattern {
    /// Whether `id` matches: `*` is any run of characters, `?` exactly one; everything else is literal.
    pub fn matches(&self, id: &str) -> bool {
        glob_match(self.glob.as_bytes(), id.as_bytes())
    }
}

fn glob_match(pattern: &[u8], text: &[u8]) -> bool {
    // Iterative matcher with one backtrack point: linear in practice, no recursion blow-up.
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == b'?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// A parent reference with the place it was written, so late checks can point at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParentRef {
    /// The parent's id.
    pub id: String,
    /// Where it was written.
    pub span: Span,
}

/// One declared group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredGroup {
    /// The group as it should be.
    pub group: Group,
    /// `false` only in incremental mode: delete it if it exists.
    pub active: bool,
    /// Where the entry starts (its `id`).
    pub span: Span,
    /// The parents as written, with locations.
    pub parents: Vec<ParentRef>,
    /// The facets it manages (members, workspaces, data sources, organization), with
    /// locations; `None` when it manages none of them, as most groups (it keeps them small).
    /// Read it through [`DesiredGroup::access`].
    pub access: Option<Box<Access>>,
}

impl DesiredGroup {
    /// What the group manages besides its name and parents ([`Access::NONE`] when nothing).
    pub fn access(&self) -> &Access {
        self.access.as_deref().unwrap_or(&Access::NONE)
    }
}

/// A parsed and checked `groups.yaml`.
#[derive(Debug, Clone)]
pub struct Desired {
    /// The path as the user gave it.
    pub path: String,
    /// The file's text, kept for late diagnostics.
    pub source: String,
    /// sha256 of the file's bytes, lowercase hex.
    pub sha256: String,
    /// Full or incremental.
    pub mode: Mode,
    /// Ids never changed or deleted (the bootstrap group is added by the plan).
    pub protected: Vec<String>,
    /// Live groups matching any of these are left alone.
    pub ignore: Vec<Pattern>,
    /// Delete thresholds.
    pub safety: Safety,
    /// The declared groups, in file order.
    pub groups: Vec<DesiredGroup>,
}

impl Desired {
    /// Whether a live id is matched by an `ignore:` pattern.
    pub fn is_ignored(&self, id: &str) -> bool {
        self.ignore.iter().any(|p| p.matches(id))
    }

    /// The facets any group that stays (is not deleted) manages: what a plan must read from the
    /// server besides the groups. [`Facets::NONE`] for a file of names and parents only, which
    /// then costs no extra request.
    pub fn managed_facets(&self) -> Facets {
        self.groups
            .iter()
            .filter(|g| g.active)
            .filter_map(|g| g.access.as_deref())
            .fold(Facets::NONE, |set, access| set.union(access.facets()))
    }
}

/// Options that change what the loader accepts.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadOptions {
    /// Force incremental mode (`--incremental`), whatever the file says.
    pub incremental: bool,
    /// Accept an empty `groups` list in full mode (`--allow-empty`).
    pub allow_empty: bool,
}

/// Reads, parses and checks a desired-state file: CSV when its extension is `.csv` (in any
/// case), otherwise YAML or JSON. Every problem is reported, not just the first.
pub fn load(path: &Path, options: LoadOptions) -> Result<Desired, Diagnostics> {
    parse::load(path, options)
}

/// Parses and checks desired-state text: CSV when `path`'s extension is `.csv` (in any case),
/// otherwise YAML or JSON. `path` only picks the format and names the file in messages.
pub fn parse(path: &str, text: &str, options: LoadOptions) -> Result<Desired, Diagnostics> {
    parse::check_text(path, text)?;
    if csv::is_csv(path) {
        csv::parse(path, text, options)
    } else {
        parse::parse(path, text, options)
    }
}

/// The hex sha256 of a file's text, recorded in plans as `desired_sha256`.
fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    use std::fmt::Write as _;
    let digest = sha2::Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for b in &digest {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

pub use parse::MAX_FILE_BYTES;

mod access;
mod check;
mod csv;
pub mod dump;
mod node;
mod parse;
mod records;
pub mod schema;
mod suggest;

pub use records::{RecordAccess, from_groups, from_records};
pub use suggest::closest;

#[cfg(test)]
mod tests {
    use super::*;

    fn pat(glob: &str) -> Pattern {
        Pattern {
            glob: glob.into(),
            span: Span::default(),
        }
    }

    #[test]
    fn globs_match_like_a_shell() {
        assert!(pat("jit-*").matches("jit-123"));
        assert!(pat("jit-*").matches("jit-"));
        assert!(!pat("jit-*").matches("xjit-1"));
        assert!(pat("*-tmp").matches("a-tmp"));
        assert!(pat("a?c").matches("abc"));
        assert!(!pat("a?c").matches("ac"));
        assert!(pat("*").matches(""));
        assert!(pat("a*b*c").matches("axxbyyc"));
        assert!(!pat("a*b*c").matches("axxbyy"));
        assert!(pat("exact").matches("exact"));
        assert!(!pat("exact").matches("exactly"));
    }
}

#[cfg(test)]
mod parse_tests;
#[cfg(test)]
mod test_support;
