//! Who is in a group and what it can reach (spec §11): the vocabulary both sides of a plan share,
//! as `group.rs` is for names and parents.
//!
//! A group's access is split into **facets** (members, workspaces, data sources, organization).
//! A file manages a facet of a group by writing its key; an absent key leaves the live value
//! alone. Every facet's value is a set, or a map whose values are sets, so the plan diffs all
//! of them the same way ([`SetDelta`]). The permission names are the API's enums: their serde
//! names and [`Permission::as_str`] are the strings the API sends and accepts.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

/// A permission name of one kind (workspace, data source, organization): a closed set of the
/// API's enum values.
pub trait Permission: Copy + Ord + fmt::Debug + fmt::Display + 'static {
    /// Every value, in the API's order.
    const ALL: &'static [Self];
    /// What the permissions apply to, for messages: `workspace`, `data source`, `organization`.
    const KIND: &'static str;
    /// The API's name, for example `VIEW`.
    fn as_str(self) -> &'static str;
    /// The value with exactly this API name (case-sensitive, as the API is).
    fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|p| p.as_str() == name)
    }
    /// Every API name, in the API's order.
    fn names() -> impl Iterator<Item = &'static str> {
        Self::ALL.iter().map(|p| p.as_str())
    }
}

macro_rules! permission_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $kind:literal, { $($(#[$vmeta:meta])* $variant:ident = $api:literal,)+ }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $api)] $variant,)+
        }

        impl Permission for $name {
            const ALL: &'static [Self] = &[$(Self::$variant,)+];
            const KIND: &'static str = $kind;
            fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $api,)+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

permission_enum! {
    /// A permission on a workspace (and, as a hierarchy permission, on its child workspaces).
    WorkspacePermission, "workspace", {
        /// Manage the workspace, its content and its permissions.
        Manage = "MANAGE",
        /// Create and edit analytical content.
        Analyze = "ANALYZE",
        /// Export (every format).
        Export = "EXPORT",
        /// Export tables (CSV, XLSX).
        ExportTabular = "EXPORT_TABULAR",
        /// Export PDF.
        ExportPdf = "EXPORT_PDF",
        /// Create automations (schedules, alerts).
        CreateAutomation = "CREATE_AUTOMATION",
        /// Use the AI assistant.
        UseAiAssistant = "USE_AI_ASSISTANT",
        /// Write knowledge documents.
        WriteKnowledgeDocuments = "WRITE_KNOWLEDGE_DOCUMENTS",
        /// Read knowledge documents.
        ReadKnowledgeDocuments = "READ_KNOWLEDGE_DOCUMENTS",
        /// Create filter views.
        CreateFilterView = "CREATE_FILTER_VIEW",
        /// View dashboards and insights.
        View = "VIEW",
    }
}

permission_enum! {
    /// A permission on a data source.
    DataSourcePermission, "data source", {
        /// Manage the data source.
        Manage = "MANAGE",
        /// Use it in workspaces.
        Use = "USE",
    }
}

permission_enum! {
    /// A permission on the organization. `MANAGE` makes the group's members administrators.
    OrganizationPermission, "organization", {
        /// Administer the organization (users, groups, permissions, workspaces).
        Manage = "MANAGE",
        /// Create API tokens for oneself.
        SelfCreateToken = "SELF_CREATE_TOKEN",
        /// Basic access to the UI.
        BaseUiAccess = "BASE_UI_ACCESS",
    }
}

/// A group's direct permissions on one workspace: on the workspace itself, and on its child
/// workspaces (`hierarchy`). The API writes both together (`assignPermissions` sets them), so
/// they are one value. Both empty means no direct access.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct WorkspacePermissions {
    /// Permissions on the workspace.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub permissions: BTreeSet<WorkspacePermission>,
    /// Permissions on every workspace below it (the API's `hierarchyPermissions`).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub hierarchy: BTreeSet<WorkspacePermission>,
}

impl WorkspacePermissions {
    /// Permissions on the workspace only, none on its children (the file's shorthand list).
    pub fn only(permissions: impl IntoIterator<Item = WorkspacePermission>) -> Self {
        Self {
            permissions: permissions.into_iter().collect(),
            hierarchy: BTreeSet::new(),
        }
    }

    /// No permission at all: the same as no entry for the workspace.
    pub fn is_empty(&self) -> bool {
        self.permissions.is_empty() && self.hierarchy.is_empty()
    }
}

/// A group's direct permissions per workspace id; a workspace without access has no entry.
pub type WorkspaceAccess = BTreeMap<String, WorkspacePermissions>;

/// A group's direct permissions per data source id; a data source without access has no entry.
pub type DataSourceAccess = BTreeMap<String, BTreeSet<DataSourcePermission>>;

/// One group's members and direct permissions, each empty when it has none: what `dump` writes
/// for a group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupAccess {
    /// Direct members (user ids).
    pub members: BTreeSet<String>,
    /// Direct workspace permissions.
    pub workspaces: WorkspaceAccess,
    /// Direct data-source permissions.
    pub data_sources: DataSourceAccess,
    /// Organization permissions.
    pub organization: BTreeSet<OrganizationPermission>,
}

/// One facet of a group that a file may manage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Facet {
    /// The users in the group (`members:`).
    Members,
    /// Direct workspace permissions (`workspaces:`).
    Workspaces,
    /// Direct data-source permissions (`data_sources:`).
    DataSources,
    /// Organization permissions (`organization:`).
    Organization,
}

impl Facet {
    /// Every facet, in the order the file and the plan show them.
    pub const ALL: [Facet; 4] = [
        Facet::Members,
        Facet::Workspaces,
        Facet::DataSources,
        Facet::Organization,
    ];

    /// The file's key for it.
    pub fn key(self) -> &'static str {
        match self {
            Facet::Members => "members",
            Facet::Workspaces => "workspaces",
            Facet::DataSources => "data_sources",
            Facet::Organization => "organization",
        }
    }
}

impl fmt::Display for Facet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// A set of facets: which ones a file manages, and so which live data a plan must read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Facets(u8);

impl Facets {
    /// No facet: a file of names and parents only.
    pub const NONE: Facets = Facets(0);
    /// Every facet.
    pub const ALL: Facets = Facets(0b1111);

    fn bit(facet: Facet) -> u8 {
        1 << (facet as u8)
    }

    /// Whether `facet` is in the set.
    pub fn contains(self, facet: Facet) -> bool {
        self.0 & Self::bit(facet) != 0
    }

    /// Adds `facet`.
    pub fn insert(&mut self, facet: Facet) {
        self.0 |= Self::bit(facet);
    }

    /// The set with `facet` added.
    #[must_use]
    pub fn with(mut self, facet: Facet) -> Self {
        self.insert(facet);
        self
    }

    /// Every facet in either set.
    #[must_use]
    pub fn union(self, other: Facets) -> Self {
        Facets(self.0 | other.0)
    }

    /// Whether no facet is in the set.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The facets in the set, in [`Facet::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Facet> {
        Facet::ALL.into_iter().filter(move |f| self.contains(*f))
    }
}

impl FromIterator<Facet> for Facets {
    fn from_iter<I: IntoIterator<Item = Facet>>(iter: I) -> Self {
        let mut set = Facets::NONE;
        for facet in iter {
            set.insert(facet);
        }
        set
    }
}

/// What turns one set into another: the elements to add and those to remove, both sorted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetDelta<T> {
    /// In the desired set, not in the live one.
    pub added: Vec<T>,
    /// In the live set, not in the desired one.
    pub removed: Vec<T>,
}

impl<T: Ord + Clone> SetDelta<T> {
    /// The change from `live` to `desired`.
    pub fn between(desired: &BTreeSet<T>, live: &BTreeSet<T>) -> Self {
        Self {
            added: desired.difference(live).cloned().collect(),
            removed: live.difference(desired).cloned().collect(),
        }
    }

    /// Nothing to change.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty()
    }
}

/// What a map of sets needs per key to become another: the keys whose value differs, each with
/// its live value (`None`: no entry) and desired value (`None`: no entry left), sorted by key.
pub fn map_changes<'a, V: PartialEq>(
    desired: &'a BTreeMap<String, V>,
    live: &'a BTreeMap<String, V>,
) -> Vec<(&'a str, Option<&'a V>, Option<&'a V>)> {
    let keys: BTreeSet<&str> = desired
        .keys()
        .chain(live.keys())
        .map(String::as_str)
        .collect();
    keys.into_iter()
        .filter_map(|key| {
            let (before, after) = (live.get(key), desired.get(key));
            (before != after).then_some((key, before, after))
        })
        .collect()
}

/// One `assignPermissions` or `revokePermissions` request: the same workspace and data-source
/// sets for every group in `groups`. As recorded, an assign **sets** each listed workspace's
/// permissions and hierarchy permissions (and each data source's permissions) for each group, so
/// a changed set is sent whole; a revoke removes what it lists. Groups that need the same sets
/// share one grant.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermissionGrant {
    /// The groups (assignees of type `userGroup`).
    pub groups: BTreeSet<String>,
    /// Per workspace id, the permissions to set (assign) or take away (revoke).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub workspaces: WorkspaceAccess,
    /// Per data source id, the permissions to set (assign) or take away (revoke).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub data_sources: DataSourceAccess,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_api_enums_in_the_api_order() {
        let workspace: Vec<&str> = WorkspacePermission::names().collect();
        assert_eq!(
            workspace,
            [
                "MANAGE",
                "ANALYZE",
                "EXPORT",
                "EXPORT_TABULAR",
                "EXPORT_PDF",
                "CREATE_AUTOMATION",
                "USE_AI_ASSISTANT",
                "WRITE_KNOWLEDGE_DOCUMENTS",
                "READ_KNOWLEDGE_DOCUMENTS",
                "CREATE_FILTER_VIEW",
                "VIEW"
            ]
        );
        assert_eq!(
            DataSourcePermission::names().collect::<Vec<_>>(),
            ["MANAGE", "USE"]
        );
        assert_eq!(
            OrganizationPermission::names().collect::<Vec<_>>(),
            ["MANAGE", "SELF_CREATE_TOKEN", "BASE_UI_ACCESS"]
        );
        // Serde speaks the same names, both ways.
        for p in WorkspacePermission::ALL {
            let json = serde_json::to_string(p).expect("serializes");
            assert_eq!(json, format!("\"{}\"", p.as_str()));
            let back: WorkspacePermission = serde_json::from_str(&json).expect("parses");
            assert_eq!(back, *p);
        }
        assert_eq!(
            serde_json::to_string(&OrganizationPermission::SelfCreateToken).expect("json"),
            "\"SELF_CREATE_TOKEN\""
        );
        assert_eq!(
            OrganizationPermission::from_name("BASE_UI_ACCESS"),
            Some(OrganizationPermission::BaseUiAccess)
        );
        assert_eq!(WorkspacePermission::from_name("view"), None);
        assert_eq!(DataSourcePermission::from_name("VIEW"), None);
    }

    #[test]
    fn facet_sets_hold_what_was_inserted() {
        let mut set = Facets::NONE;
        assert!(set.is_empty());
        set.insert(Facet::Organization);
        set.insert(Facet::Members);
        assert!(set.contains(Facet::Members) && set.contains(Facet::Organization));
        assert!(!set.contains(Facet::Workspaces) && !set.contains(Facet::DataSources));
        assert_eq!(
            set.iter().collect::<Vec<_>>(),
            [Facet::Members, Facet::Organization]
        );
        assert_eq!(Facets::ALL.iter().count(), 4);
        assert_eq!(
            Facet::ALL.into_iter().collect::<Facets>(),
            Facets::ALL,
            "every facet has its own bit"
        );
        assert_eq!(
            Facets::NONE
                .with(Facet::DataSources)
                .union(set)
                .iter()
                .count(),
            3
        );
        let keys: Vec<&str> = Facet::ALL.iter().map(|f| f.key()).collect();
        assert_eq!(
            keys,
            ["members", "workspaces", "data_sources", "organization"]
        );
    }

    #[test]
    fn set_deltas_and_map_changes_say_what_moves() {
        let set = |items: &[&str]| items.iter().map(|s| (*s).to_string()).collect();
        let delta = SetDelta::between(&set(&["zoe", "bob"]), &set(&["bob", "amy"]));
        assert_eq!(delta.added, ["zoe"]);
        assert_eq!(delta.removed, ["amy"]);
        assert!(SetDelta::between(&set(&["a"]), &set(&["a"])).is_empty());

        let ws = |p: &[WorkspacePermission]| WorkspacePermissions::only(p.iter().copied());
        let desired: WorkspaceAccess = [
            ("sales".to_string(), ws(&[WorkspacePermission::View])),
            ("beta".to_string(), ws(&[WorkspacePermission::Analyze])),
        ]
        .into();
        let live: WorkspaceAccess = [
            ("sales".to_string(), ws(&[WorkspacePermission::View])),
            ("alpha".to_string(), ws(&[WorkspacePermission::Manage])),
        ]
        .into();
        let changes = map_changes(&desired, &live);
        let keys: Vec<&str> = changes.iter().map(|(k, _, _)| *k).collect();
        assert_eq!(
            keys,
            ["alpha", "beta"],
            "sorted, unchanged `sales` left out"
        );
        assert_eq!(changes[0].2, None, "alpha loses its entry");
        assert_eq!(changes[1].1, None, "beta gains one");
    }

    #[test]
    fn workspace_permissions_serialize_without_empty_sets() {
        let only = WorkspacePermissions::only([WorkspacePermission::View]);
        assert_eq!(
            serde_json::to_string(&only).expect("json"),
            r#"{"permissions":["VIEW"]}"#
        );
        assert!(WorkspacePermissions::default().is_empty());
        assert!(!only.is_empty());
    }
}
