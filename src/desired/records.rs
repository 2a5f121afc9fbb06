//! Desired states built from records in code (the library API, CSV rows) rather than a file.
//! They go through the same checks as a file; a problem's "line" is the record's position.

use super::check::File;
use super::check::{self, Entry};
use super::{Desired, LoadOptions, Mode, ParentRef, Safety};
use crate::diagnostic::{Diagnostics, Span};
use crate::group::Group;

/// Checks `(group, active)` records as a desired state in `mode`; `protected` ids are kept.
/// A diagnostic's line is the 1-based position of the record.
pub fn from_groups(
    groups: Vec<(Group, bool)>,
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
        .map(|(i, (group, active))| Entry {
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
            access: None,
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
