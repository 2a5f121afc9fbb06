//! The shape of a seed file, with the location of every value a check may point at.
//!
//! ```yaml
//! groups:                              # or the whole file is a bare list of groups
//!   - id: analysts                     # gooddata-pipelines names work too (user_group_id, …)
//!     name: Data Analysts
//!     parents: [everyone]
//!     members: [alice]                 # user ids; a user named only here has just its id
//!     workspaces:                      # direct permissions, as in groups.yaml
//!       sales: [VIEW, EXPORT]          # permissions only
//!       finance: {permissions: [ANALYZE], hierarchy: [VIEW]}
//!     data_sources: {warehouse: [USE]}
//!     organization: [SELF_CREATE_TOKEN]
//! users:
//!   - id: alice
//!     name: Alice Liddell              # also firstname, lastname, email, authentication_id
//!     groups: [analysts]
//!     workspaces: {sales: [VIEW]}      # the user's own permissions, same keys as a group's
//! workspaces:
//!   - {id: sales, name: Sales, parent: company}
//! data_sources:
//!   - {id: warehouse, name: Warehouse, type: SNOWFLAKE, schema: analytics}
//! ```
//!
//! Other top-level keys (`protected`, `ignore`, `safety`, `mode`, …) are meaningful to a plan,
//! not to a seed, and are skipped, so the `groups.yaml` a team keeps in git seeds the sandbox
//! as it is.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

/// The whole file.
#[derive(Default)]
pub(super) struct Document {
    pub groups: Vec<Spanned<GroupEntry>>,
    pub users: Vec<UserEntry>,
    pub workspaces: Vec<WorkspaceEntry>,
    pub data_sources: Vec<DataSourceEntry>,
}

impl<'de> Deserialize<'de> for Document {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(DocumentVisitor)
    }
}

struct DocumentVisitor;

impl<'de> Visitor<'de> for DocumentVisitor {
    type Value = Document;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mapping with a `groups:` list, or a list of groups")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut groups = Vec::new();
        while let Some(entry) = seq.next_element::<Spanned<GroupEntry>>()? {
            groups.push(entry);
        }
        Ok(Document {
            groups,
            ..Document::default()
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        fn once<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
            map: &mut A,
            slot: &mut Option<Vec<T>>,
            key: &'static str,
        ) -> Result<(), A::Error> {
            if slot.is_some() {
                return Err(de::Error::duplicate_field(key));
            }
            *slot = Some(map.next_value::<Option<Vec<T>>>()?.unwrap_or_default());
            Ok(())
        }
        let (mut groups, mut users, mut workspaces, mut data_sources) = (None, None, None, None);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "groups" => once(&mut map, &mut groups, "groups")?,
                "users" => once(&mut map, &mut users, "users")?,
                "workspaces" => once(&mut map, &mut workspaces, "workspaces")?,
                "data_sources" => once(&mut map, &mut data_sources, "data_sources")?,
                // protected, ignore, safety, mode…: meaningful to plan, not to a seed.
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Document {
            groups: groups.ok_or_else(|| de::Error::missing_field("groups"))?,
            users: users.unwrap_or_default(),
            workspaces: workspaces.unwrap_or_default(),
            data_sources: data_sources.unwrap_or_default(),
        })
    }
}

/// One group.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct GroupEntry {
    #[serde(alias = "user_group_id")]
    pub id: Spanned<String>,
    #[serde(default, alias = "user_group_name")]
    pub name: Option<Spanned<String>>,
    #[serde(default, alias = "parent_user_groups")]
    pub parents: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    pub members: Option<Vec<Spanned<String>>>,
    #[serde(default, alias = "is_active")]
    pub active: Option<bool>,
    #[serde(default)]
    pub workspaces: Option<Keyed<WorkspaceGrant>>,
    #[serde(default)]
    pub data_sources: Option<Keyed<Vec<Spanned<String>>>>,
    #[serde(default)]
    pub organization: Option<Vec<Spanned<String>>>,
}

/// One user.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct UserEntry {
    pub id: Spanned<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub firstname: Option<String>,
    #[serde(default)]
    pub lastname: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub authentication_id: Option<String>,
    #[serde(default)]
    pub groups: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    pub workspaces: Option<Keyed<WorkspaceGrant>>,
    #[serde(default)]
    pub data_sources: Option<Keyed<Vec<Spanned<String>>>>,
    #[serde(default)]
    pub organization: Option<Vec<Spanned<String>>>,
}

/// One workspace.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WorkspaceEntry {
    pub id: Spanned<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub parent: Option<Spanned<String>>,
}

/// One data source.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DataSourceEntry {
    pub id: Spanned<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub schema: Option<String>,
}

/// The permissions on one workspace: a list (permissions only) or
/// `{permissions: [...], hierarchy: [...]}`.
#[derive(Default)]
pub(super) struct WorkspaceGrant {
    pub permissions: Vec<Spanned<String>>,
    pub hierarchy: Vec<Spanned<String>>,
}

impl<'de> Deserialize<'de> for WorkspaceGrant {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(GrantVisitor)
    }
}

struct GrantVisitor;

impl<'de> Visitor<'de> for GrantVisitor {
    type Value = WorkspaceGrant;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of permissions, or a mapping with `permissions` and `hierarchy`")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut permissions = Vec::new();
        while let Some(p) = seq.next_element::<Spanned<String>>()? {
            permissions.push(p);
        }
        Ok(WorkspaceGrant {
            permissions,
            hierarchy: Vec::new(),
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut grant = WorkspaceGrant::default();
        let (mut permissions, mut hierarchy) = (false, false);
        while let Some(key) = map.next_key::<String>()? {
            let (seen, slot) = match key.as_str() {
                "permissions" => (&mut permissions, &mut grant.permissions),
                "hierarchy" => (&mut hierarchy, &mut grant.hierarchy),
                other => {
                    return Err(de::Error::unknown_field(
                        other,
                        &["permissions", "hierarchy"],
                    ));
                }
            };
            if *seen {
                return Err(de::Error::custom(format!("duplicate field `{key}`")));
            }
            *seen = true;
            *slot = map
                .next_value::<Option<Vec<Spanned<String>>>>()?
                .unwrap_or_default();
        }
        Ok(grant)
    }
}

/// A mapping from ids to values, in file order, each id with its location.
pub(super) struct Keyed<V>(pub Vec<(Spanned<String>, V)>);

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Keyed<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyedVisitor<V>(std::marker::PhantomData<V>);

        impl<'de, V: Deserialize<'de>> Visitor<'de> for KeyedVisitor<V> {
            type Value = Keyed<V>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping from ids to permissions")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    entries.push((key, map.next_value::<V>()?));
                }
                Ok(Keyed(entries))
            }
        }

        deserializer.deserialize_map(KeyedVisitor(std::marker::PhantomData))
    }
}
