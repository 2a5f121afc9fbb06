//! The live organization as fetched from the API: the other input of a plan.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::group::{DEFAULT_BOOTSTRAP_GROUP, Group};

/// The user groups of an organization, keyed by id, plus what the server told about them.
#[derive(Debug, Clone, PartialEq)]
pub struct Live {
    /// Every live group, keyed (and so sorted) by id.
    pub groups: BTreeMap<String, Group>,
    /// The organization's bootstrap group (always protected).
    pub bootstrap_group: String,
    /// Users per group, when the server offers the user-management action; `None` = unknown.
    pub member_counts: Option<BTreeMap<String, u64>>,
}

impl Live {
    /// A live state from a list of groups, with the default bootstrap group and no member counts.
    pub fn new(groups: impl IntoIterator<Item = Group>) -> Self {
        Self {
            groups: groups.into_iter().map(|g| (g.id.clone(), g)).collect(),
            bootstrap_group: DEFAULT_BOOTSTRAP_GROUP.to_string(),
            member_counts: None,
        }
    }

    /// sha256 over the canonical form of the groups `include` keeps: one line per group, sorted by
    /// id, with sorted parents. A saved plan stores it; apply refuses when it moved.
    pub fn fingerprint(&self, include: impl Fn(&str) -> bool) -> String {
        let mut hasher = Sha256::new();
        for group in self.groups.values().filter(|g| include(&g.id)) {
            hasher.update(canonical(group).as_bytes());
            hasher.update(b"\n");
        }
        hex(&hasher.finalize())
    }

    /// A short hash of each group `include` keeps: enough to say which groups moved.
    pub fn digests(&self, include: impl Fn(&str) -> bool) -> BTreeMap<String, String> {
        self.groups
            .values()
            .filter(|g| include(&g.id))
            .map(|g| {
                let digest = Sha256::digest(canonical(g).as_bytes());
                (g.id.clone(), hex(&digest[..6]))
            })
            .collect()
    }
}

/// One group as one unambiguous line (`serde_json` quotes and escapes), parents sorted.
fn canonical(group: &Group) -> String {
    serde_json::json!([group.id, group.name, group.parents]).to_string()
}

/// Lowercase hex of a digest.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_ignores_excluded_groups_and_parent_order() {
        let a = Live::new([
            Group::new("a").with_parents(["x", "y"]),
            Group::new("jit-1"),
        ]);
        let b = Live::new([Group::new("a").with_parents(["y", "x"])]);
        let keep = |id: &str| !id.starts_with("jit-");
        assert_eq!(a.fingerprint(keep), b.fingerprint(keep));
        assert_ne!(a.fingerprint(|_| true), b.fingerprint(|_| true));
        let renamed = Live::new([Group::new("a").with_name("A").with_parents(["x", "y"])]);
        assert_ne!(renamed.fingerprint(keep), b.fingerprint(keep));
    }
}
