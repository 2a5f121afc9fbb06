//! What an assignee (a user or a user group) may reach directly: permissions on workspaces (with
//! the hierarchy permissions that also cover child workspaces), on data sources, and on the
//! organization. The permission names are the enums of GoodData's OpenAPI spec
//! (`UserManagementWorkspacePermissionAssignment`, `UserManagementDataSourcePermissionAssignment`,
//! `OrganizationPermissionAssignment`).
//!
//! Sets keep the order in which the spec declares each enum (derived `Ord`), the order a Java
//! `EnumSet` on the server iterates in, so answers list permissions in one stable order.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Defines a permission enum with its wire names, in the spec's order.
macro_rules! permission_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum $name {
            $(
                #[doc = concat!("`", $wire, "`")]
                #[serde(rename = $wire)]
                $variant,
            )+
        }

        impl $name {
            /// Every value, in the spec's order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The name on the wire.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire),+
                }
            }

            /// The allowed names, for messages: `MANAGE, USE`.
            pub fn names() -> String {
                Self::ALL.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", ")
            }
        }

        impl FromStr for $name {
            type Err = String;

            fn from_str(text: &str) -> Result<Self, String> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|p| p.as_str() == text)
                    .ok_or_else(|| format!("`{text}` is not one of {}", Self::names()))
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
    /// A permission on a workspace.
    WorkspacePermission {
        Manage = "MANAGE",
        Analyze = "ANALYZE",
        Export = "EXPORT",
        ExportTabular = "EXPORT_TABULAR",
        ExportPdf = "EXPORT_PDF",
        CreateAutomation = "CREATE_AUTOMATION",
        UseAiAssistant = "USE_AI_ASSISTANT",
        WriteKnowledgeDocuments = "WRITE_KNOWLEDGE_DOCUMENTS",
        ReadKnowledgeDocuments = "READ_KNOWLEDGE_DOCUMENTS",
        CreateFilterView = "CREATE_FILTER_VIEW",
        View = "VIEW",
    }
}

permission_enum! {
    /// A permission on a data source.
    DataSourcePermission {
        Manage = "MANAGE",
        Use = "USE",
    }
}

permission_enum! {
    /// A permission on the organization.
    OrganizationPermission {
        Manage = "MANAGE",
        SelfCreateToken = "SELF_CREATE_TOKEN",
        BaseUiAccess = "BASE_UI_ACCESS",
    }
}

/// The two kinds of assignee (`AssigneeIdentifier.type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum AssigneeKind {
    /// `user`
    #[serde(rename = "user")]
    User,
    /// `userGroup`
    #[serde(rename = "userGroup")]
    UserGroup,
}

impl AssigneeKind {
    /// The name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            AssigneeKind::User => "user",
            AssigneeKind::UserGroup => "userGroup",
        }
    }
}

/// Who permissions are assigned to (`AssigneeIdentifier`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Assignee {
    /// A user or a user group.
    pub kind: AssigneeKind,
    /// Its id.
    pub id: String,
}

impl Assignee {
    /// A user group.
    pub fn group(id: impl Into<String>) -> Self {
        Self {
            kind: AssigneeKind::UserGroup,
            id: id.into(),
        }
    }

    /// A user.
    pub fn user(id: impl Into<String>) -> Self {
        Self {
            kind: AssigneeKind::User,
            id: id.into(),
        }
    }
}

/// The direct permissions of an assignee on one workspace.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkspaceAccess {
    /// On the workspace itself.
    pub permissions: BTreeSet<WorkspacePermission>,
    /// On the workspace and every workspace below it.
    pub hierarchy: BTreeSet<WorkspacePermission>,
}

impl WorkspaceAccess {
    /// Permissions on the workspace only.
    pub fn new(permissions: impl IntoIterator<Item = WorkspacePermission>) -> Self {
        Self {
            permissions: permissions.into_iter().collect(),
            hierarchy: BTreeSet::new(),
        }
    }

    /// Adds hierarchy permissions.
    #[must_use]
    pub fn with_hierarchy(
        mut self,
        hierarchy: impl IntoIterator<Item = WorkspacePermission>,
    ) -> Self {
        self.hierarchy = hierarchy.into_iter().collect();
        self
    }

    /// No permission at all: the assignee has no direct access to the workspace.
    pub fn is_empty(&self) -> bool {
        self.permissions.is_empty() && self.hierarchy.is_empty()
    }
}

/// Everything one assignee may reach directly.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Access {
    /// By workspace id; never holds an empty entry.
    pub workspaces: BTreeMap<String, WorkspaceAccess>,
    /// By data source id; never holds an empty set.
    pub data_sources: BTreeMap<String, BTreeSet<DataSourcePermission>>,
    /// On the organization.
    pub organization: BTreeSet<OrganizationPermission>,
}

impl Access {
    /// No direct permission anywhere.
    pub fn is_empty(&self) -> bool {
        self.workspaces.is_empty() && self.data_sources.is_empty() && self.organization.is_empty()
    }

    /// The same permissions without entries that hold none (the API keeps no such entry).
    #[must_use]
    pub(crate) fn normalized(mut self) -> Self {
        self.workspaces.retain(|_, access| !access.is_empty());
        self.data_sources
            .retain(|_, permissions| !permissions.is_empty());
        self
    }

    /// Sets the permissions on one workspace (removing the entry when both sets are empty).
    pub(crate) fn set_workspace(&mut self, id: &str, access: WorkspaceAccess) {
        if access.is_empty() {
            self.workspaces.remove(id);
        } else {
            self.workspaces.insert(id.to_string(), access);
        }
    }

    /// Removes the given permissions from one workspace (the entry goes when nothing is left).
    pub(crate) fn revoke_workspace(&mut self, id: &str, revoked: &WorkspaceAccess) {
        if let Some(access) = self.workspaces.get_mut(id) {
            access
                .permissions
                .retain(|p| !revoked.permissions.contains(p));
            access.hierarchy.retain(|p| !revoked.hierarchy.contains(p));
            if access.is_empty() {
                self.workspaces.remove(id);
            }
        }
    }

    /// Sets the permissions on one data source (removing the entry when the set is empty).
    pub(crate) fn set_data_source(
        &mut self,
        id: &str,
        permissions: BTreeSet<DataSourcePermission>,
    ) {
        if permissions.is_empty() {
            self.data_sources.remove(id);
        } else {
            self.data_sources.insert(id.to_string(), permissions);
        }
    }

    /// Removes the given permissions from one data source.
    pub(crate) fn revoke_data_source(
        &mut self,
        id: &str,
        revoked: &BTreeSet<DataSourcePermission>,
    ) {
        if let Some(permissions) = self.data_sources.get_mut(id) {
            permissions.retain(|p| !revoked.contains(p));
            if permissions.is_empty() {
                self.data_sources.remove(id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_in_the_spec_order() {
        assert_eq!(WorkspacePermission::ALL.len(), 11);
        for p in WorkspacePermission::ALL {
            assert_eq!(p.as_str().parse::<WorkspacePermission>(), Ok(*p));
        }
        assert!(WorkspacePermission::Manage < WorkspacePermission::View);
        assert_eq!(DataSourcePermission::names(), "MANAGE, USE");
        assert_eq!(
            "VIEWER".parse::<OrganizationPermission>(),
            Err("`VIEWER` is not one of MANAGE, SELF_CREATE_TOKEN, BASE_UI_ACCESS".to_string())
        );
        assert_eq!(
            serde_json::to_string(&OrganizationPermission::SelfCreateToken).unwrap(),
            "\"SELF_CREATE_TOKEN\""
        );
    }

    #[test]
    fn setting_or_revoking_everything_drops_the_entry() {
        use WorkspacePermission::{Analyze, View};
        let mut access = Access::default();
        access.set_workspace("w", WorkspaceAccess::new([View]).with_hierarchy([Analyze]));
        access.revoke_workspace("w", &WorkspaceAccess::new([View]));
        assert_eq!(
            access.workspaces["w"],
            WorkspaceAccess::default().with_hierarchy([Analyze])
        );
        access.revoke_workspace("w", &WorkspaceAccess::default().with_hierarchy([Analyze]));
        assert!(access.is_empty());
        access.set_data_source("d", [DataSourcePermission::Use].into());
        access.set_data_source("d", BTreeSet::new());
        assert!(access.is_empty());
    }
}
