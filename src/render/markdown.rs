//! The Markdown rendering of a plan (spec §4), for a pull-request comment or a CI job summary.
//! It fits a byte budget by degrading: full diff → one line per change → one line per update
//! and delete → counts plus the ids of every update and delete. Counts, deletes, the ids of
//! updated groups, member removals and permission revocations are never dropped, and a
//! shortened rendering says so and how to see it all.

use std::fmt::Write as _;

use super::{AccessEntry, Files, access_lines, impact_text, name_text};
use crate::plan::document::PlanDocument;
use crate::plan::{Action, Change, Summary};

/// The hidden marker CI uses to find and update its one comment.
pub const MARKER: &str = "<!-- gdgroups-plan -->";

/// The GitHub comment limit.
pub const DEFAULT_MAX_BYTES: usize = 65_536;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Detail {
    Full,
    OneLine,
    Destructive,
    Counts,
}

/// The heading of a Markdown plan: what the text is for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Heading {
    /// `gdgroups plan for <host>`: a plan under review (a pull-request comment).
    #[default]
    Plan,
    /// `Live groups drifted from groups.yaml`: a scheduled run found the live groups changed
    /// outside gdgroups (an issue opened by CI).
    Drift,
}

/// Renders the plan within `max_bytes` (unless even the counts and ids exceed it). A shortened
/// rendering points to `files.saved_plan` for the whole plan. Every level ends with the plan's
/// next step, when it has one.
pub fn render(doc: &PlanDocument, max_bytes: usize, files: Files<'_>, heading: Heading) -> String {
    let mut text = String::new();
    for detail in [
        Detail::Full,
        Detail::OneLine,
        Detail::Destructive,
        Detail::Counts,
    ] {
        text = render_at(doc, detail, files, heading);
        if text.len() <= max_bytes {
            break;
        }
    }
    text
}

/// `3 memberships are lost`; when the server does not report members (an older server without
/// the user-management action), the count is unknown and saying 0 would understate the delete.
fn memberships_lost(deletes: &[&Change]) -> String {
    let (mut known, mut unknown) = (0_u64, false);
    for change in deletes.iter().filter(|c| c.held.is_none()) {
        match change.impact.as_ref().and_then(|i| i.members) {
            Some(n) => known += n,
            None => unknown = true,
        }
    }
    let plural = |n: u64| {
        if n == 1 {
            "1 membership is lost".to_string()
        } else {
            format!("{n} memberships are lost")
        }
    };
    match (unknown, known) {
        (false, n) => plural(n),
        (true, 0) => "memberships lost: unknown, the server does not report members".to_string(),
        (true, n) => format!(
            "at least {}; the server does not report members of every group",
            plural(n)
        ),
    }
}

fn render_at(doc: &PlanDocument, detail: Detail, files: Files<'_>, heading: Heading) -> String {
    let saved_plan = files.saved_plan;
    let plan = &doc.plan;
    let s = &plan.summary;
    let mut out = String::new();
    let _ = writeln!(out, "{MARKER}");
    let changed = s.has_changes() || s.held > 0;
    match heading {
        Heading::Plan => {
            let _ = writeln!(out, "### gdgroups plan for `{}`\n", plan.host);
        }
        Heading::Drift => {
            let file = files.groups.unwrap_or("the groups file");
            if changed {
                let _ = writeln!(out, "### Live groups drifted from {file}\n");
                let _ = writeln!(
                    out,
                    "The user groups of `{}` differ from {file}: someone changed them outside gdgroups, or a merged change was not applied. Applying this plan puts them back as {file} says; to keep a change instead, add it to {file}.\n",
                    plan.host
                );
            } else {
                let _ = writeln!(out, "### Live groups match {file}\n");
            }
        }
    }
    if !changed {
        let _ = writeln!(out, "**No changes.** Live groups match the groups file.\n");
    }
    let _ = writeln!(
        out,
        "| create | update | delete | held | unchanged | ignored | protected |"
    );
    let _ = writeln!(out, "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} | {} | {} | {} |\n",
        s.create, s.update, s.delete, s.held, s.unchanged, s.ignored, s.protected
    );
    if s.members_added + s.members_removed + s.permissions_granted + s.permissions_revoked > 0 {
        let _ = writeln!(
            out,
            "| members added | members removed | permissions granted | permissions revoked |"
        );
        let _ = writeln!(out, "| ---: | ---: | ---: | ---: |");
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |\n",
            s.members_added, s.members_removed, s.permissions_granted, s.permissions_revoked
        );
    }
    let deletes: Vec<&Change> = plan
        .changes
        .iter()
        .filter(|c| c.action == Action::Delete)
        .collect();
    if s.delete > 0 {
        let _ = writeln!(
            out,
            "> [!WARNING]\n> This plan **deletes {} group{}** ({}). Check every `-` line below.\n",
            s.delete,
            if s.delete == 1 { "" } else { "s" },
            memberships_lost(&deletes)
        );
    }
    if s.members_removed + s.permissions_revoked > 0 {
        let _ = writeln!(
            out,
            "> [!WARNING]\n> This plan **removes {} from groups** and **revokes {}**. Check every `-` line below.\n",
            plural(s.members_removed, "member", "members"),
            plural(s.permissions_revoked, "permission", "permissions"),
        );
    }
    // Deletes and changes that remove members or revoke permissions: never dropped.
    let destructive: Vec<&Change> = plan
        .changes
        .iter()
        .filter(|c| c.action == Action::Delete || has_destructive_access(c))
        .collect();
    match detail {
        Detail::Full | Detail::OneLine => {
            if !plan.changes.is_empty() {
                let _ = writeln!(
                    out,
                    "<details><summary>Plan: {} changes</summary>\n",
                    plan.changes.len()
                );
                let _ = writeln!(out, "```diff");
                for change in &plan.changes {
                    diff_lines(change, detail == Detail::Full, &mut out);
                }
                let _ = writeln!(out, "```\n\n</details>\n");
            }
            notes(doc, &mut out);
        }
        Detail::Destructive => {
            let listed: Vec<&Change> = plan
                .changes
                .iter()
                .filter(|c| c.action != Action::Create)
                .collect();
            if !listed.is_empty() {
                let _ = writeln!(out, "```diff");
                for change in listed {
                    diff_lines(change, false, &mut out);
                }
                let _ = writeln!(out, "```\n");
            }
        }
        Detail::Counts => {
            for (label, action) in [("Updated", Action::Update), ("Deleted", Action::Delete)] {
                let ids: Vec<&str> = plan
                    .changes
                    .iter()
                    .filter(|c| c.action == action)
                    .map(|c| c.id.as_str())
                    .collect();
                if !ids.is_empty() {
                    let _ = writeln!(out, "{label}: `{}`\n", ids.join("`, `"));
                }
            }
            let removals: Vec<String> = destructive
                .iter()
                .filter_map(|c| Some((c, c.access.as_ref()?)))
                .map(|(c, access)| {
                    let parts: Vec<String> = access_lines(access)
                        .iter()
                        .flat_map(|line| {
                            line.entries
                                .iter()
                                .filter(|e| e.is_destructive())
                                .map(|e| format!("{} {}", line.label, removal_text(e)))
                        })
                        .collect();
                    format!("`{}`: {}", c.id, parts.join("; "))
                })
                .collect();
            if !removals.is_empty() {
                let _ = writeln!(out, "Removed or revoked: {}\n", removals.join(" · "));
            }
        }
    }
    if detail != Detail::Full && !plan.changes.is_empty() {
        shortened(detail, s, saved_plan, &mut out);
    }
    if let Some(next) = &doc.next_step {
        let _ = writeln!(
            out,
            "**Next step:** {}\n",
            super::next_step_text(next, plan, saved_plan)
        );
    }
    let _ = writeln!(
        out,
        "<sub>Plan hash `{}` · gdgroups {}</sub>",
        doc.plan_hash, doc.gdgroups_version
    );
    out
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

fn has_destructive_access(change: &Change) -> bool {
    change.access.as_ref().is_some_and(|access| {
        access_lines(access)
            .iter()
            .any(|line| line.entries.iter().any(AccessEntry::is_destructive))
    })
}

/// `sales + EXPORT + VIEW`: an entry's additions.
fn addition_text(entry: &AccessEntry) -> String {
    let mut parts: Vec<String> = entry.target.iter().cloned().collect();
    parts.extend(entry.added.iter().map(|a| format!("+ {a}")));
    parts.join(" ")
}

/// `finance - ANALYZE (no access left)`: an entry's removals.
fn removal_text(entry: &AccessEntry) -> String {
    let mut parts: Vec<String> = entry.target.iter().cloned().collect();
    parts.extend(entry.removed.iter().map(|r| format!("- {r}")));
    if entry.gone {
        parts.push("(no access left)".into());
    }
    parts.join(" ")
}

/// The member and permission lines of a change: every one in full detail, the destructive ones
/// (removals, revocations) always, each on a `-` line so a reviewer's eye catches it.
fn access_diff_lines(change: &Change, full: bool, out: &mut String) {
    let Some(access) = &change.access else {
        return;
    };
    for line in access_lines(access) {
        for entry in &line.entries {
            if full && !entry.added.is_empty() {
                let _ = writeln!(out, "+     {:<13} {}", line.label, addition_text(entry));
            }
            if entry.is_destructive() {
                let _ = writeln!(out, "-     {:<13} {}", line.label, removal_text(entry));
            }
        }
    }
}

/// Says what a shortened rendering left out, and how to see the whole plan.
fn shortened(detail: Detail, s: &Summary, saved_plan: Option<&str>, out: &mut String) {
    let left_out = match detail {
        Detail::Full => return,
        Detail::OneLine => "names and parents of each change are not shown".to_string(),
        Detail::Destructive => format!(
            "{} creates are not listed, and updates and deletes are shown without details",
            s.create
        ),
        Detail::Counts => format!(
            "{} creates are not listed, and updates and deletes by id only",
            s.create
        ),
    };
    let see = match saved_plan {
        Some(path) => format!("`gdgroups show {path}`"),
        None => "`gdgroups show plan.json` after `gdgroups plan --out plan.json`".to_string(),
    };
    let _ = writeln!(
        out,
        "> [!NOTE]\n> Shortened to fit the size limit: {left_out}. See the whole plan with {see}.\n"
    );
}

fn diff_lines(change: &Change, full: bool, out: &mut String) {
    let sign = match change.action {
        Action::Create => '+',
        Action::Update => '!',
        Action::Delete => '-',
    };
    let verb = match &change.held {
        Some(why) => format!("would delete (held by {why})"),
        None => change.action.verb().to_string(),
    };
    // A held delete is not carried out, so it is not shown as a red line.
    let sign = if change.held.is_some() { '#' } else { sign };
    let impact = impact_text(change.impact.as_ref());
    let _ = writeln!(
        out,
        "{sign} {:<24} {verb}{}{impact}",
        change.id,
        if impact.is_empty() { "" } else { "  " }
    );
    if !full {
        access_diff_lines(change, false, out);
        return;
    }
    // One column for the values under a group, as in the human format.
    let w = if change.access.is_some() { 13 } else { 8 };
    match (&change.before, &change.after) {
        (None, Some(after)) => {
            if let Some(name) = &after.name {
                let _ = writeln!(out, "{sign}     {:<w$} {}", "name", name_text(Some(name)));
            }
            if !after.parents.is_empty() {
                let parents: Vec<&str> = after.parents.iter().map(String::as_str).collect();
                let _ = writeln!(out, "{sign}     {:<w$} {}", "parents", parents.join(", "));
            }
        }
        (Some(before), Some(after)) => {
            if before.name != after.name {
                let (old, new) = (before.name.as_deref(), after.name.as_deref());
                let _ = writeln!(out, "-     {:<w$} {}", "name", name_text(old));
                let _ = writeln!(out, "+     {:<w$} {}", "name", name_text(new));
            }
            for p in before.parents.difference(&after.parents) {
                let _ = writeln!(out, "-     {:<w$} {p}", "parent");
            }
            for p in after.parents.difference(&before.parents) {
                let _ = writeln!(out, "+     {:<w$} {p}", "parent");
            }
        }
        _ => {}
    }
    access_diff_lines(change, true, out);
}

fn notes(doc: &PlanDocument, out: &mut String) {
    if doc.plan.notes.is_empty() {
        return;
    }
    let _ = writeln!(out, "**Notes**\n");
    for note in &doc.plan.notes {
        let _ = writeln!(out, "- `{}`: {}", note.id, note.text);
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::group::Group;
    use crate::live::Live;
    use crate::plan::{PlanOptions, compute};

    fn doc(live: &[Group], want: &[Group]) -> PlanDocument {
        let records = want.iter().map(|g| (g.clone(), true)).collect();
        let desired =
            crate::desired::from_groups(records, crate::desired::Mode::Full, &[]).expect("valid");
        let mut live = Live::new(live.iter().cloned());
        live.member_counts = Some(live.groups.keys().map(|k| (k.clone(), 2)).collect());
        PlanDocument::new(
            compute(
                &desired,
                &live,
                &PlanOptions {
                    host: "https://acme.example.com".into(),
                    ..PlanOptions::default()
                },
            )
            .expect("plan"),
        )
    }

    #[test]
    fn small_plan_in_full() {
        let d = doc(
            &[
                Group::new("analysts").with_name("Analysts"),
                Group::new("legacy"),
            ],
            &[
                Group::new("analysts").with_name("Data Analysts"),
                Group::new("marketing")
                    .with_name("Marketing")
                    .with_parents(["analysts"]),
            ],
        );
        let mut text = render(&d, DEFAULT_MAX_BYTES, Files::default(), Heading::Plan);
        text = text.replace(&d.plan_hash, "HASH");
        insta::assert_snapshot!(text);
    }

    #[test]
    fn a_large_plan_degrades_within_budget_keeping_counts_and_deletes() {
        let live: Vec<Group> = (0..1000)
            .map(|i| Group::new(format!("old-{i:04}")).with_name(format!("Old group number {i}")))
            .collect();
        let want: Vec<Group> = (0..1000)
            .map(|i| Group::new(format!("new-{i:04}")).with_name(format!("New group number {i}")))
            .collect();
        let d = doc(&live, &want);
        assert_eq!(d.plan.changes.len(), 2000);
        for budget in [DEFAULT_MAX_BYTES, 40_000] {
            let text = render(&d, budget, Files::default(), Heading::Plan);
            assert!(text.len() <= budget, "{} > {budget}", text.len());
            assert!(text.starts_with(MARKER));
            assert!(
                text.contains("| 1000 | 0 | 1000 | 0 | 0 | 0 | 0 |"),
                "counts"
            );
            for i in 0..1000 {
                assert!(
                    text.contains(&format!("old-{i:04}")),
                    "delete old-{i:04} dropped at {budget}"
                );
            }
        }
        let tight = render(&d, 40_000, Files::default(), Heading::Plan);
        assert!(
            tight.contains("Deleted: `old-0000`"),
            "degrades to counts and delete ids"
        );
        let full = render(&d, 10_000_000, Files::default(), Heading::Plan);
        assert!(full.contains("+     name     \"New group number 999\""));
    }

    #[test]
    fn members_and_permissions_in_full_and_their_removals_at_every_level() {
        let plan = crate::render::human::tests::access_plan();
        let d = PlanDocument::new(plan);
        let full = render(&d, DEFAULT_MAX_BYTES, Files::default(), Heading::Plan)
            .replace(&d.plan_hash, "HASH");
        insta::assert_snapshot!(full);
        let destructive = [
            "-     members       - dave",
            "-     workspaces    finance - ANALYZE (no access left)",
        ];
        for line in destructive {
            assert!(full.contains(&format!("{line}\n")), "{line} in\n{full}");
        }
        assert!(full.contains("| 2 | 1 | 4 | 1 |"), "{full}");
        for detail in [Detail::OneLine, Detail::Destructive] {
            let text = render_at(&d, detail, Files::default(), Heading::Plan);
            for line in destructive {
                assert!(text.contains(line), "{line} dropped at {detail:?}:\n{text}");
            }
            assert!(!text.contains("+     members"), "additions go first");
        }
        let counts = render_at(&d, Detail::Counts, Files::default(), Heading::Plan);
        assert!(
            counts.contains(
                "Removed or revoked: `analysts`: members - dave; workspaces finance - ANALYZE (no access left)"
            ),
            "{counts}"
        );
        assert!(counts.contains("| 2 | 1 | 4 | 1 |"));
    }

    #[test]
    fn every_shortened_level_says_so_and_keeps_the_ids_of_updates_and_deletes() {
        let live: Vec<Group> = (0..300)
            .flat_map(|i| {
                [
                    Group::new(format!("kept-{i:03}")).with_name(format!("Old name {i}")),
                    Group::new(format!("gone-{i:03}")),
                ]
            })
            .collect();
        let want: Vec<Group> = (0..300)
            .flat_map(|i| {
                [
                    Group::new(format!("kept-{i:03}")).with_name(format!("New name {i}")),
                    Group::new(format!("new-{i:03}")).with_name(format!("Brand new {i}")),
                ]
            })
            .collect();
        let d = doc(&live, &want);
        let saved = Files {
            groups: None,
            saved_plan: Some("out/plan.json"),
        };
        let full = render(&d, usize::MAX, saved, Heading::Plan);
        assert!(!full.contains("Shortened"), "nothing was left out");
        let mut budget = full.len();
        for detail in [Detail::OneLine, Detail::Destructive, Detail::Counts] {
            let text = render_at(&d, detail, saved, Heading::Plan);
            assert!(
                text.len() < budget,
                "{detail:?} is shorter than the level before"
            );
            assert_eq!(
                render(&d, text.len(), saved, Heading::Plan),
                text,
                "{detail:?} is chosen"
            );
            budget = text.len();
            assert!(
                text.contains("> Shortened to fit the size limit: ")
                    && text.contains("See the whole plan with `gdgroups show out/plan.json`."),
                "{detail:?}:\n{text}"
            );
            for i in 0..300 {
                for id in [format!("kept-{i:03}"), format!("gone-{i:03}")] {
                    assert!(text.contains(&id), "{detail:?} dropped {id}");
                }
            }
        }
        let unsaved = render_at(&d, Detail::Counts, Files::default(), Heading::Plan);
        assert!(
            unsaved.contains("`gdgroups show plan.json` after `gdgroups plan --out plan.json`"),
            "{unsaved}"
        );
    }

    #[test]
    fn every_level_ends_with_the_next_step_and_the_drift_title_keeps_the_budget() {
        use crate::plan::NextStep;
        use crate::plan::safety::{Flag, Rule};
        let live: Vec<Group> = (0..400)
            .map(|i| Group::new(format!("old-{i:03}")).with_name(format!("Old group {i}")))
            .collect();
        let d = doc(&live, &[Group::new("keep")]).with_next_step(NextStep::ApplyNeedsFlags {
            flags: vec![Flag {
                flag: "--max-delete-percent".into(),
                value: "100".into(),
            }],
            rules: vec![Rule::MaxDeletePercent],
        });
        let files = Files {
            groups: Some("groups.yaml"),
            saved_plan: Some("plan.json"),
        };
        let next = "**Next step:** apply needs `--max-delete-percent 100`, as the plan goes over safety.max_delete_percent / --max-delete-percent: `gdgroups apply plan.json --max-delete-percent 100`.\n\n<sub>Plan hash";
        for detail in [
            Detail::Full,
            Detail::OneLine,
            Detail::Destructive,
            Detail::Counts,
        ] {
            for heading in [Heading::Plan, Heading::Drift] {
                let text = render_at(&d, detail, files, heading);
                assert!(text.contains(next), "{detail:?} {heading:?}:\n{text}");
            }
        }
        let drift = render(&d, 8_000, files, Heading::Drift);
        assert!(drift.len() <= 8_000, "{}", drift.len());
        assert!(
            drift.starts_with(&format!(
                "{MARKER}\n### Live groups drifted from groups.yaml\n\nThe user groups of `https://acme.example.com` differ from groups.yaml"
            )),
            "{drift}"
        );
        assert!(drift.contains(next) && drift.contains("old-399"), "{drift}");
        // Without a next step (a plan saved before there was one) nothing is made up.
        let old = doc(&live, &[Group::new("keep")]);
        assert!(!render(&old, DEFAULT_MAX_BYTES, files, Heading::Plan).contains("Next step"));
    }

    #[test]
    fn unknown_member_counts_are_not_shown_as_zero() {
        let mut d = doc(&[Group::new("a"), Group::new("b")], &[]);
        let warning = |d: &PlanDocument| {
            render(d, DEFAULT_MAX_BYTES, Files::default(), Heading::Plan)
                .lines()
                .find(|l| l.contains("This plan **deletes"))
                .expect("warning")
                .to_string()
        };
        assert!(
            warning(&d).contains("(4 memberships are lost)"),
            "{}",
            warning(&d)
        );
        let impact = |d: &mut PlanDocument, id: &str, members: Option<u64>| {
            let change = d.plan.changes.iter_mut().find(|c| c.id == id).expect(id);
            change.impact.as_mut().expect("impact").members = members;
        };
        impact(&mut d, "a", Some(1));
        impact(&mut d, "b", Some(0));
        assert!(
            warning(&d).contains("(1 membership is lost)"),
            "{}",
            warning(&d)
        );
        impact(&mut d, "b", None);
        assert!(
            warning(&d).contains(
                "(at least 1 membership is lost; the server does not report members of every group)"
            ),
            "{}",
            warning(&d)
        );
        impact(&mut d, "a", None);
        assert!(
            warning(&d).contains("(memberships lost: unknown, the server does not report members)"),
            "{}",
            warning(&d)
        );
    }
}
