//! The one shape a user group has on both sides of a plan: what the file declares and what the
//! server holds are compared as values of this type.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// A user group as gdgroups compares it: parents are a set, because the server does not keep
/// their order and a reordered list is not a change.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Group {
    /// The immutable identifier (`^(?!\.)[.A-Za-z0-9_-]{1,255}$`).
    pub id: String,
    /// The display name; `None` when the group has none (the API then omits the key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Ids of the parent groups.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub parents: BTreeSet<String>,
}

impl Group {
    /// A group with the given id, no name and no parents.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            name: None,
            parents: BTreeSet::new(),
        }
    }

    /// Sets the name.
    #[must_use]
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the parents.
    #[must_use]
    pub fn with_parents<I, S>(mut self, parents: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.parents = parents.into_iter().map(Into::into).collect();
        self
    }
}

/// The id rule of the GoodData API: 1–255 characters of `[.A-Za-z0-9_-]`, not starting with a dot.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 255
        && !id.starts_with('.')
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// The bootstrap group of every organization unless the server names another one.
pub const DEFAULT_BOOTSTRAP_GROUP: &str = "adminGroup";

/// The longest name the API accepts, in characters.
pub const MAX_NAME_CHARS: usize = 255;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_rule_matches_the_api_pattern() {
        assert!(is_valid_id("adminGroup"));
        assert!(is_valid_id("a.b-c_d9"));
        assert!(is_valid_id(&"x".repeat(255)));
        assert!(!is_valid_id(""));
        assert!(!is_valid_id(".hidden"));
        assert!(!is_valid_id("with space"));
        assert!(!is_valid_id("ümlaut"));
        assert!(!is_valid_id(&"x".repeat(256)));
    }
}
