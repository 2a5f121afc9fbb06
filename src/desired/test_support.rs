//! Helpers the tests of the YAML and the CSV reader share: read a text in either mode, and
//! expect success or located problems. The file name picks the format.

use super::{Desired, LoadOptions};
use crate::diagnostic::{Diagnostic, Diagnostics, Span};

/// Reads `text` as the file `path` in full mode.
pub(super) fn full(path: &str, text: &str) -> Result<Desired, Diagnostics> {
    super::parse(path, text, LoadOptions::default())
}

/// Reads `text` as the file `path` with `--incremental`.
pub(super) fn incremental(path: &str, text: &str) -> Result<Desired, Diagnostics> {
    super::parse(
        path,
        text,
        LoadOptions {
            incremental: true,
            ..LoadOptions::default()
        },
    )
}

#[track_caller]
pub(super) fn ok(result: Result<Desired, Diagnostics>) -> Desired {
    match result {
        Ok(d) => d,
        Err(e) => panic!("expected success, got:\n{}", e.render()),
    }
}

/// The problems of a failed read, which must name `path`.
#[track_caller]
pub(super) fn errors(path: &str, result: Result<Desired, Diagnostics>) -> Vec<Diagnostic> {
    match result {
        Ok(d) => panic!("expected errors, got {:?}", d.groups),
        Err(e) => {
            assert_eq!(e.path, path);
            e.items
        }
    }
}

/// The only problem of a failed read.
#[track_caller]
pub(super) fn one(path: &str, result: Result<Desired, Diagnostics>) -> Diagnostic {
    let mut items = errors(path, result);
    assert_eq!(items.len(), 1, "expected one diagnostic, got {items:#?}");
    items.remove(0)
}

#[track_caller]
pub(super) fn assert_at(d: &Diagnostic, line: usize, col: usize, len: usize) {
    assert_eq!(
        d.span,
        Some(Span { line, col, len }),
        "position of {:?}",
        d.message
    );
}

#[track_caller]
pub(super) fn hint(d: &Diagnostic) -> &str {
    d.hint
        .as_deref()
        .unwrap_or_else(|| panic!("no hint on {:?}", d.message))
}
