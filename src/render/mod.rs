//! Renderers of plans: human (terminal), and the shared wording they use.

pub mod human;
pub mod markdown;

use std::fmt::Write as _;

use crate::plan::{Impact, NextStep, Plan};

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
    let access = access_summary(summary);
    if !access.is_empty() {
        let _ = write!(line, ". {access}");
    }
    let _ = write!(
        line,
        ". {} unchanged, {} ignored, {} protected.",
        summary.unchanged, summary.ignored, summary.protected
    );
    line
}

/// The next step in words, one line, after `Next step: `: what `apply` will need (see
/// [`NextStep`]). With a saved plan, the command that carries it out.
pub fn next_step_text(next: &NextStep, plan: &Plan, saved_plan: Option<&str>) -> String {
    let text = match next {
        NextStep::NothingToApply => match plan.summary.held {
            0 => "nothing to apply.".to_string(),
            1 => "nothing to apply; the held delete is not carried out.".to_string(),
            n => format!("nothing to apply; the {n} held deletes are not carried out."),
        },
        NextStep::ApplyReady => match saved_plan {
            Some(path) => format!("apply is ready: `gdgroups apply {path}`."),
            None => "apply is ready; no safety flag is needed.".to_string(),
        },
        NextStep::ApplyNeedsFlags { flags, rules } => {
            let flags: Vec<String> = flags.iter().map(ToString::to_string).collect();
            let flags = flags.join(" ");
            let rules: Vec<&str> = rules.iter().map(|r| r.label()).collect();
            let over = rules.join(" and ");
            match saved_plan {
                Some(path) => format!(
                    "apply needs `{flags}`, as the plan goes over {over}: `gdgroups apply {path} {flags}`."
                ),
                None => format!("apply needs `{flags}`, as the plan goes over {over}."),
            }
        }
        NextStep::Refused { rule, reason } => {
            let reason = reason.trim_end_matches('.');
            match rule {
                crate::plan::safety::Rule::LockOut => {
                    format!("refused by the lock-out guard, which no flag overrides: {reason}.")
                }
                rule => format!("refused by {}: {reason}.", rule.label()),
            }
        }
        NextStep::BootstrapUnknown { held } => {
            let deletes = if *held == 1 {
                "the delete is".to_string()
            } else {
                format!("the {held} deletes are")
            };
            format!(
                "held: the organization's bootstrap group is unknown, so {deletes} held and apply refuses the plan. Plan again with `--bootstrap-group ID` (or list the group under `protected:`), or with `--no-delete`."
            )
        }
    };
    // One line, whatever a reason holds: it ends a plan and fills a summary file.
    text.replace('\n', " ")
}

/// The `--summary-file` line: the plan's summary and its next step, one line.
pub fn summary_file_line(plan: &Plan, next: &NextStep, files: Files<'_>) -> String {
    format!(
        "{} Next step: {}\n",
        human::summary(plan, files.groups),
        next_step_text(next, plan, files.saved_plan)
    )
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

/// One line of a change's members or permissions: the facet's label and its entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessLine {
    /// `members`, `workspaces`, `data_sources`, `organization`.
    pub label: &'static str,
    /// One entry per changed workspace or data source; one entry without a target for members
    /// and organization.
    pub entries: Vec<AccessEntry>,
}

/// What changes on one target (a workspace, a data source) or in one set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessEntry {
    /// The workspace or data source id; `None` for members and organization.
    pub target: Option<String>,
    /// Added (granted) items, sorted; hierarchy permissions read `VIEW (hierarchy)`.
    pub added: Vec<String>,
    /// Removed (revoked) items, sorted.
    pub removed: Vec<String>,
    /// The group keeps no direct access to the target.
    pub gone: bool,
}

impl AccessEntry {
    /// Whether it removes or revokes anything: a destructive line.
    pub fn is_destructive(&self) -> bool {
        !self.removed.is_empty() || self.gone
    }
}

/// The member and permission lines of a change, in the file's key order, deterministic.
pub fn access_lines(access: &crate::plan::AccessChange) -> Vec<AccessLine> {
    use std::collections::BTreeSet;

    use crate::access::WorkspacePermissions;

    fn names<T: std::fmt::Display>(items: impl Iterator<Item = T>, suffix: &str) -> Vec<String> {
        items.map(|p| format!("{p}{suffix}")).collect()
    }
    fn diff<T: Ord + std::fmt::Display>(
        before: &BTreeSet<T>,
        after: &BTreeSet<T>,
        suffix: &str,
    ) -> (Vec<String>, Vec<String>) {
        (
            names(after.difference(before), suffix),
            names(before.difference(after), suffix),
        )
    }
    let mut lines = Vec::new();
    if let Some(members) = &access.members {
        let (added, removed) = diff(&members.before, &members.after, "");
        lines.push(AccessLine {
            label: "members",
            entries: vec![AccessEntry {
                target: None,
                added,
                removed,
                gone: false,
            }],
        });
    }
    if let Some(workspaces) = &access.workspaces {
        let empty = WorkspacePermissions::default();
        let entries = workspaces
            .entries()
            .into_iter()
            .map(|(id, before, after)| {
                let (b, a) = (before.unwrap_or(&empty), after.unwrap_or(&empty));
                let (mut added, mut removed) = diff(&b.permissions, &a.permissions, "");
                let (h_added, h_removed) = diff(&b.hierarchy, &a.hierarchy, " (hierarchy)");
                added.extend(h_added);
                removed.extend(h_removed);
                AccessEntry {
                    target: Some(id.to_string()),
                    added,
                    removed,
                    gone: after.is_none(),
                }
            })
            .collect();
        lines.push(AccessLine {
            label: "workspaces",
            entries,
        });
    }
    if let Some(data_sources) = &access.data_sources {
        let empty = BTreeSet::new();
        let entries = data_sources
            .entries()
            .into_iter()
            .map(|(id, before, after)| {
                let (added, removed) = diff(before.unwrap_or(&empty), after.unwrap_or(&empty), "");
                AccessEntry {
                    target: Some(id.to_string()),
                    added,
                    removed,
                    gone: after.is_none(),
                }
            })
            .collect();
        lines.push(AccessLine {
            label: "data_sources",
            entries,
        });
    }
    if let Some(organization) = &access.organization {
        let (added, removed) = diff(&organization.before, &organization.after, "");
        lines.push(AccessLine {
            label: "organization",
            entries: vec![AccessEntry {
                target: None,
                added,
                removed,
                gone: false,
            }],
        });
    }
    lines
}

/// `2 members added, 1 removed; 3 permissions granted, 1 revoked`, the halves with nothing
/// left out; empty when the plan changes no members or permissions.
pub fn access_summary(summary: &crate::plan::Summary) -> String {
    let plural = |n: usize, one: &str, many: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {many}")
        }
    };
    let mut parts = Vec::new();
    if summary.members_added + summary.members_removed > 0 {
        parts.push(format!(
            "{} added, {} removed",
            plural(summary.members_added, "member", "members"),
            summary.members_removed
        ));
    }
    if summary.permissions_granted + summary.permissions_revoked > 0 {
        parts.push(format!(
            "{} granted, {} revoked",
            plural(summary.permissions_granted, "permission", "permissions"),
            summary.permissions_revoked
        ));
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::safety::{Flag, Rule};

    fn plan(held: usize) -> Plan {
        let mut plan = crate::render::human::tests::access_plan();
        plan.summary.held = held;
        plan
    }

    #[test]
    fn each_next_step_in_words() {
        let flags = NextStep::ApplyNeedsFlags {
            flags: vec![
                Flag {
                    flag: "--allow-delete".into(),
                    value: "a".into(),
                },
                Flag {
                    flag: "--allow-removal".into(),
                    value: "b".into(),
                },
            ],
            rules: vec![Rule::MaxDeletes, Rule::MaxMemberRemovalPercent],
        };
        let cases = [
            (NextStep::NothingToApply, 0, None, "nothing to apply."),
            (
                NextStep::NothingToApply,
                2,
                None,
                "nothing to apply; the 2 held deletes are not carried out.",
            ),
            (
                NextStep::ApplyReady,
                0,
                Some("out/plan.json"),
                "apply is ready: `gdgroups apply out/plan.json`.",
            ),
            (
                NextStep::ApplyReady,
                0,
                None,
                "apply is ready; no safety flag is needed.",
            ),
            (
                flags.clone(),
                0,
                None,
                "apply needs `--allow-delete a --allow-removal b`, as the plan goes over safety.max_deletes / --max-deletes and safety.max_member_removal_percent / --max-member-removal-percent.",
            ),
            (
                flags,
                0,
                Some("plan.json"),
                "apply needs `--allow-delete a --allow-removal b`, as the plan goes over safety.max_deletes / --max-deletes and safety.max_member_removal_percent / --max-member-removal-percent: `gdgroups apply plan.json --allow-delete a --allow-removal b`.",
            ),
            (
                NextStep::Refused {
                    rule: Rule::LockOut,
                    reason: "refusing a plan that\nlocks you out.".into(),
                },
                0,
                None,
                "refused by the lock-out guard, which no flag overrides: refusing a plan that locks you out.",
            ),
            (
                NextStep::Refused {
                    rule: Rule::MaxDeletes,
                    reason: "refusing to delete 4 groups".into(),
                },
                0,
                None,
                "refused by safety.max_deletes / --max-deletes: refusing to delete 4 groups.",
            ),
            (
                NextStep::BootstrapUnknown { held: 1 },
                1,
                None,
                "held: the organization's bootstrap group is unknown, so the delete is held and apply refuses the plan. Plan again with `--bootstrap-group ID` (or list the group under `protected:`), or with `--no-delete`.",
            ),
        ];
        for (next, held, saved, words) in cases {
            assert_eq!(next_step_text(&next, &plan(held), saved), words, "{next:?}");
        }
    }
}
