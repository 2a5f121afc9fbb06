//! Renderers of plans: human (terminal), and the shared wording they use.

pub mod human;
pub mod markdown;

use std::fmt::Write as _;

use crate::plan::{Impact, Plan};

/// Files a rendering can name, so the reader knows where the plan came from and where to see all
/// of it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Files<'a> {
    /// The groups file the plan was made from (a saved plan does not record it).
    pub groups: Option<&'a str>,
    /// Where the plan is saved, if it is.
    pub saved_plan: Option<&'a str>,
}

/// `Plan: 1 to create, 1 to update, 1 to delete. 12 unchanged, 2 ignored, 1 protected.`
pub fn summary_line(plan: &Plan) -> String {
    let summary = &plan.summary;
    let mut line = format!(
        "Plan: {} to create, {} to update, {} to delete",
        summary.create, summary.update, summary.delete
    );
    if summary.held > 0 {
        // Deletes are held for one reason at a time: `--no-delete`, or an unknown bootstrap group.
        let why = plan.changes.iter().find_map(|c| c.held.as_deref());
        let _ = write!(
            line,
            ", {} held by {}",
            summary.held,
            why.unwrap_or("--no-delete")
        );
    }
    let _ = write!(
        line,
        ". {} unchanged, {} ignored, {} protected.",
        summary.unchanged, summary.ignored, summary.protected
    );
    line
}

/// What a delete costs, in words: `3 members lose this group; a, b lose it as a parent`.
pub fn impact_text(impact: Option<&Impact>) -> String {
    let Some(impact) = impact else {
        return String::new();
    };
    let mut parts = Vec::new();
    match impact.members {
        Some(0) => parts.push("no members".to_string()),
        Some(1) => parts.push("1 member loses this group".to_string()),
        Some(n) => parts.push(format!("{n} members lose this group")),
        None => parts.push("impact unknown (the server does not report members)".to_string()),
    }
    if !impact.children.is_empty() {
        parts.push(format!("{} lose it as a parent", list(&impact.children, 5)));
    }
    parts.join("; ")
}

pub use crate::plan::document::list;

/// A name as shown: quoted, or `(no name)`.
pub fn name_text(name: Option<&str>) -> String {
    name.map_or_else(|| "(no name)".to_string(), |n| format!("{n:?}"))
}
