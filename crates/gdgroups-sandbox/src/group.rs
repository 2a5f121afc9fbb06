//! The sandbox's own user group and the schema rules the server applies to it, written from
//! GoodData's OpenAPI spec (`JsonApiUserGroupIn`: `id` matches `^(?!\.)[.A-Za-z0-9_-]{1,255}$`,
//! `attributes.name` has `maxLength: 255`), not shared with gdgroups: the sandbox stands for
//! the real server, so a mistake in the client's rules must not be repeated here unnoticed.

use std::collections::BTreeSet;

/// The pattern of every entity id in the API, quoted in error details.
pub const ID_PATTERN: &str = "^(?!\\.)[.A-Za-z0-9_-]{1,255}$";

/// The longest name a user group may have, in characters (`maxLength: 255`).
pub const MAX_NAME_CHARS: usize = 255;

/// The bootstrap group of an organization unless configured otherwise (the recordings'
/// `adminGroup`).
pub const DEFAULT_BOOTSTRAP_GROUP: &str = "adminGroup";

/// A user group as the server stores it: an id, an optional name, and a set of parent ids (the
/// server keeps no order among parents).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Group {
    /// The immutable identifier.
    pub id: String,
    /// The display name; `None` when the group has none (the API then omits the key).
    pub name: Option<String>,
    /// Ids of the parent groups.
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

/// Whether `id` matches [`ID_PATTERN`]: one to 255 of `.`, ASCII letters, digits, `_` and `-`,
/// the first not a `.`. (Every allowed character is one byte, so bytes count characters.)
pub fn is_valid_id(id: &str) -> bool {
    let allowed = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-');
    (1..=255).contains(&id.len()) && !id.starts_with('.') && id.bytes().all(allowed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_rule_is_the_pattern_of_the_spec() {
        for good in [
            "adminGroup",
            "a",
            "a.b-c_D9",
            "9",
            "-",
            "_x",
            "a.",
            &"x".repeat(255),
        ] {
            assert!(is_valid_id(good), "{good:?}");
        }
        let too_long = "x".repeat(256);
        for bad in [
            "", ".", ".a", "a b", "a/b", "ümlaut", "a\n", "a:b", &too_long,
        ] {
            assert!(!is_valid_id(bad), "{bad:?}");
        }
    }
}
