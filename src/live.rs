//! The live organization as fetched from the API: the other input of a plan.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::access::{Facet, Facets};
use crate::group::{DEFAULT_BOOTSTRAP_GROUP, Group};

pub mod access;

pub use access::{LiveAccess, TokenUser, Unrecognized};

/// The user groups of an organization, keyed by id, plus what the server told about them.
#[derive(Debug, Clone, PartialEq)]
pub struct Live {
    /// Every live group, keyed (and so sorted) by id.
    pub groups: BTreeMap<String, Group>,
    /// The organization's bootstrap group (always protected); `None` when the server would not
    /// say (for example the organization entity answered 403, 404 or 405); a plan then holds its
    /// deletes.
    pub bootstrap_group: Option<String>,
    /// Users per group, when the server offers the user-management action; `None` = unknown.
    pub member_counts: Option<BTreeMap<String, u64>>,
    /// Members and permissions, for the facets the file manages (spec §11); empty, with no facet
    /// read, for a file of names and parents only.
    pub access: LiveAccess,
}

/// The facets each group manages, by group id: what a live fingerprint covers besides names and
/// parents. Empty for a file of names and parents only.
pub type ManagedFacets = BTreeMap<String, Facets>;

impl Live {
    /// A live state from a list of groups, with the default bootstrap group and no member counts.
    pub fn new(groups: impl IntoIterator<Item = Group>) -> Self {
        Self {
            groups: groups.into_iter().map(|g| (g.id.clone(), g)).collect(),
            bootstrap_group: Some(DEFAULT_BOOTSTRAP_GROUP.to_string()),
            member_counts: None,
            access: LiveAccess::default(),
        }
    }

    /// sha256 over the canonical form of the groups `include` keeps: one line per group, sorted by
    /// id, with sorted parents. A saved plan stores it; apply refuses when it moved.
    pub fn fingerprint(&self, include: impl Fn(&str) -> bool) -> String {
        self.hash(include, &ManagedFacets::new(), false).0
    }

    /// [`Live::fingerprint`] covering also the managed facets of each group in `managed`, as
    /// [`Live::fingerprint_and_digests`] does.
    pub fn fingerprint_with(
        &self,
        include: impl Fn(&str) -> bool,
        managed: &ManagedFacets,
    ) -> String {
        self.hash(include, managed, false).0
    }

    /// A short hash of each group `include` keeps: enough to say which groups moved.
    pub fn digests(&self, include: impl Fn(&str) -> bool) -> BTreeMap<String, String> {
        self.hash(include, &ManagedFacets::new(), true).1
    }

    /// [`Live::fingerprint`] and [`Live::digests`] in one pass over the groups: a plan records
    /// both, and writing each group's canonical line is the costly part.
    ///
    /// `managed` adds, to each group's line, the live values of the facets the file manages for
    /// it (members, permissions): a membership changed since the plan then moves the fingerprint
    /// and that group's digest. An empty `managed` gives the bytes of a plan without facets.
    pub fn fingerprint_and_digests(
        &self,
        include: impl Fn(&str) -> bool,
        managed: &ManagedFacets,
    ) -> (String, BTreeMap<String, String>) {
        self.hash(include, managed, true)
    }

    fn hash(
        &self,
        include: impl Fn(&str) -> bool,
        managed: &ManagedFacets,
        digests: bool,
    ) -> (String, BTreeMap<String, String>) {
        let mut hasher = Sha256::new();
        let mut line = Vec::with_capacity(256);
        let mut short = Vec::new();
        for group in self.groups.values().filter(|g| include(&g.id)) {
            line.clear();
            match managed.get(&group.id) {
                Some(facets) if !facets.is_empty() => {
                    canonical_with_access(group, *facets, &self.access, &mut line);
                }
                _ => canonical(group, &mut line),
            }
            hasher.update(&line);
            hasher.update(b"\n");
            if digests {
                short.push((group.id.clone(), short_digest(&line)));
            }
        }
        // `groups` is sorted by id, so collecting sorts an already sorted run: linear.
        (hex(&hasher.finalize()), short.into_iter().collect())
    }
}

/// The short hash [`Live::digests`] gives `group`: what a group that a plan creates or updates
/// will look like in the live digests once the plan is applied.
pub fn digest(group: &Group) -> String {
    let mut line = Vec::with_capacity(256);
    canonical(group, &mut line);
    short_digest(&line)
}

/// [`digest`] of a group whose `facets` are managed, with their values in `access`: what
/// [`Live::fingerprint_and_digests`] gives it once a plan is applied.
pub fn digest_with_access(group: &Group, facets: Facets, access: &LiveAccess) -> String {
    let mut line = Vec::with_capacity(256);
    canonical_with_access(group, facets, access, &mut line);
    short_digest(&line)
}

fn short_digest(line: &[u8]) -> String {
    hex(&Sha256::digest(line)[..6])
}

/// One group as one unambiguous line (`serde_json` quotes and escapes), parents sorted:
/// `["id","name",["p1","p2"]]`, or `null` for a group without a name. Written straight into
/// `out`: the bytes are those of `json!([id, name, parents]).to_string()`, without building the
/// value first.
fn canonical(group: &Group, out: &mut Vec<u8>) {
    let line = (&group.id, &group.name, &group.parents);
    // Writing strings and sets of strings into a Vec cannot fail.
    let _ = serde_json::to_writer(out, &line);
}

/// A group managing facets as one line: `["id","name",["p"],{"members":["u"],…}]`, the facets
/// it manages only, each with its live value.
fn canonical_with_access(group: &Group, facets: Facets, access: &LiveAccess, out: &mut Vec<u8>) {
    let mut values = serde_json::Map::new();
    for facet in facets.iter() {
        let value = match facet {
            Facet::Members => serde_json::to_value(access.members_of(&group.id)),
            Facet::Workspaces => serde_json::to_value(access.workspaces_of(&group.id)),
            Facet::DataSources => serde_json::to_value(access.data_sources_of(&group.id)),
            Facet::Organization => serde_json::to_value(access.organization_of(&group.id)),
        };
        values.insert(
            facet.key().to_string(),
            value.unwrap_or(serde_json::Value::Null),
        );
    }
    let line = (&group.id, &group.name, &group.parents, values);
    // Writing these values into a Vec cannot fail.
    let _ = serde_json::to_writer(out, &line);
}

/// Lowercase hex of a digest.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
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

    #[test]
    fn canonical_lines_are_the_json_array_saved_plans_were_hashed_with() {
        // Saved plans store fingerprints and digests: the bytes must never change.
        for group in [
            Group::new("a"),
            Group::new("b").with_name("Quote \" and \\ and ü and \u{1}"),
            Group::new("c").with_name("C").with_parents(["z", "x"]),
        ] {
            let mut line = Vec::new();
            canonical(&group, &mut line);
            let old = serde_json::json!([group.id, group.name, group.parents]).to_string();
            assert_eq!(String::from_utf8(line).expect("utf-8"), old);
        }
        let live = Live::new([Group::new("a").with_name("A"), Group::new("b")]);
        let (fingerprint, digests) = live.fingerprint_and_digests(|_| true, &ManagedFacets::new());
        assert_eq!(fingerprint, live.fingerprint(|_| true));
        assert_eq!(digests, live.digests(|_| true));
        assert_eq!(digests["a"].len(), 12);
        assert_eq!(digests["a"], digest(&Group::new("a").with_name("A")));
        let mut old = Sha256::new();
        for g in live.groups.values() {
            old.update(serde_json::json!([g.id, g.name, g.parents]).to_string());
            old.update(b"\n");
        }
        assert_eq!(fingerprint, hex(&old.finalize()));
        assert_eq!(hex(&[0x00, 0x7f, 0xff]), "007fff");
    }
}
