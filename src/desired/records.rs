//! Desired states built from records in code (the library API, CSV rows) rather than a file.
//! They go through the same checks as a file; a problem's "line" is the record's position.

use std::collections::BTreeSet;

use super::check::File;
use super::check::{self, Entry};
use super::{Access, Desired, LoadOptions, Managed, Mode, ParentRef, Safety};
use crate::access::{DataSourceAccess, OrganizationPermission, WorkspaceAccess};
use crate::diagnostic::{Diagnostics, Span};
use crate::group::Group;

/// What a record manages besides its group's name and parents (spec §11): `None` leaves the
/// live value alone, `Some` of an empty value means none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordAccess {
    /// The users in the group.
    pub members: Option<BTreeSet<String>>,
    /// Direct permissions per workspace.
    pub workspaces: Option<WorkspaceAccess>,
    /// Direct permissions per data source.
    pub data_sources: Option<DataSourceAccess>,
    /// Organization permissions.
    pub organization: Option<BTreeSet<OrganizationPermission>>,
}

impl RecordAccess {
    /// Whether it manages nothing.
    pub fn is_empty(&self) -> bool {
        self.members.is_none()
            && self.workspaces.is_none()
            && self.data_sources.is_none()
            && self.organization.is_none()
    }

    /// The located form the checks and the plan read, every place being the record's.
    fn located(&self, at: Span) -> Option<Box<Access>> {
        fn managed<T: Clone>(
            value: &T,
            ids: impl IntoIterator<Item = String>,
            at: Span,
        ) -> Managed<T> {
            Managed {
                value: value.clone(),
                key: at,
                ids: ids.into_iter().map(|id| (id, at)).collect(),
            }
        }
        if self.is_empty() {
            return None;
        }
        Some(Box::new(Access {
            members: self
                .members
                .as_ref()
                .map(|m| managed(m, m.iter().cloned(), at)),
            workspaces: self
                .workspaces
                .as_ref()
                .map(|w| managed(w, w.keys().cloned(), at)),
            data_sources: self
                .data_sources
                .as_ref()
                .map(|d| managed(d, d.keys().cloned(), at)),
            organization: self
                .organization
                .as_ref()
                .map(|o| managed(o, Vec::new(), at)),
        }))
    }
}

/// Checks `(group, active)` records as a desired state in `mode`; `protected` ids are kept.
/// A diagnostic's line is the 1-based position of the record.
pub fn from_groups(
    groups: Vec<(Group, bool)>,
    mode: Mode,
    protected: &[String],
) -> Result<Desired, Diagnostics> {
    from_records(
        groups
            .into_iter()
            .map(|(group, active)| (group, active, RecordAccess::default()))
            .collect(),
        mode,
        protected,
    )
}

/// [`from_groups`] for records that may manage members and permissions too.
pub fn from_records(
    groups: Vec<(Group, bool, RecordAccess)>,
    mode: Mode,
    protected: &[String],
) -> Result<Desired, Diagnostics> {
    let at = |i: usize, len: usize| Span {
        line: i + 1,
        col: 1,
        len,
    };
    let entries: Vec<Entry> = groups
        .into_iter()
        .enumerate()
        .map(|(i, (group, active, access))| Entry {
            span: at(i, group.id.len()),
            parents: group
                .parents
                .iter()
                .map(|p| ParentRef {
                    id: p.clone(),
                    span: at(i, p.len()),
                })
                .collect(),
            parent_ids: group.parents,
            id: group.id,
            name: group.name,
            active,
            access: access.located(at(i, 1)),
        })
        .collect();
    let mut file = File {
        mode,
        protected: protected
            .iter()
            .map(|p| (p.clone(), Span::default()))
            .collect(),
        ignore: Vec::new(),
        safety: Safety::default(),
        group_items: entries.len(),
        entries,
        groups_span: None,
        groups_unreadable: false,
    };
    // An empty full load is a safety decision for the caller, not a validation error.
    let options = LoadOptions {
        incremental: mode == Mode::Incremental,
        allow_empty: true,
    };
    let mut diags = Vec::new();
    let groups = check::run(&mut file, options, &mut diags);
    if !diags.is_empty() {
        return Err(Diagnostics {
            path: "records".into(),
            source: String::new(),
            items: diags,
        });
    }
    Ok(Desired {
        path: "records".into(),
        source: String::new(),
        sha256: String::new(),
        mode,
        protected: protected.to_vec(),
        ignore: Vec::new(),
        safety: Safety::default(),
        groups,
    })
}
