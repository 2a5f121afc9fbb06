//! The terminal rendering of a plan (spec §4): a coloured diff, one block per change.

use std::fmt::Write as _;

use console::Style;

use super::{AccessEntry, access_lines, impact_text, name_text, summary_line};
use crate::group::Group;
use crate::plan::{Action, Change, Plan};

/// Names longer than this get an inline character diff under the `old → new` line.
const INLINE_DIFF_MIN: usize = 24;

/// Renders the plan for a terminal `width` columns wide: longer lines wrap at spaces, indented
/// under their start. `None` (a pipe, a file, CI) leaves lines whole. `file` is the groups
/// file the plan was made from, when known. `next_step` (the words of
/// [`super::next_step_text`]) ends the plan on a `Next step:` line.
pub fn render_fitted(
    plan: &Plan,
    color: bool,
    width: Option<usize>,
    file: Option<&str>,
    next_step: Option<&str>,
) -> String {
    let mut text = render(plan, color, file);
    if let Some(next) = next_step {
        let _ = writeln!(
            text,
            "{} {next}",
            Styles::new(color).bold.apply_to("Next step:")
        );
    }
    match width {
        Some(width) if width >= 40 => fit(&text, width),
        _ => text,
    }
}

/// Wraps every line wider than `width` (ANSI styles not counted) at spaces; continuation lines
/// are indented four columns past the line's own indent.
fn fit(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        if console::measure_text_width(line) <= width {
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let continuation = " ".repeat((indent + 4).min(width / 2));
        let mut current = String::new();
        for word in line.trim_start().split(' ') {
            let prefix = if current.is_empty() {
                " ".repeat(indent)
            } else {
                String::new()
            };
            let candidate = if current.is_empty() {
                format!("{prefix}{word}")
            } else {
                format!("{current} {word}")
            };
            if console::measure_text_width(&candidate) > width && !current.trim().is_empty() {
                out.push_str(current.trim_end());
                out.push('\n');
                current = format!("{continuation}{word}");
            } else {
                current = candidate;
            }
        }
        out.push_str(current.trim_end());
        out.push('\n');
    }
    out
}

/// Renders the plan for a terminal. `color` turns ANSI styles on. `file`, the groups file the
/// plan was made from, is named when nothing changes (a saved plan does not record it).
pub fn render(plan: &Plan, color: bool, file: Option<&str>) -> String {
    let styles = Styles::new(color);
    let mut out = String::new();
    if !plan.summary.has_changes() && plan.summary.held == 0 {
        let _ = writeln!(out, "{}", summary(plan, file));
        let s = &plan.summary;
        let _ = writeln!(
            out,
            "{} unchanged, {} ignored, {} protected.",
            s.unchanged, s.ignored, s.protected
        );
        render_notes(plan, &styles, &mut out);
        return out;
    }
    let _ = writeln!(out, "gdgroups will change {}:\n", plan.host);
    let width = plan
        .changes
        .iter()
        .map(|c| c.id.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(22, 48);
    for change in &plan.changes {
        render_change(change, width, &styles, &mut out);
    }
    render_notes(plan, &styles, &mut out);
    render_adopt(plan, &mut out);
    let _ = writeln!(out, "\n{}", styles.bold.apply_to(summary_line(plan)));
    out
}

/// The plan in one line, what `-q` leaves of it: `No changes. Live groups match groups.yaml.`,
/// or `Plan: 1 to create, …`.
pub fn summary(plan: &Plan, file: Option<&str>) -> String {
    if !plan.summary.has_changes() && plan.summary.held == 0 {
        format!(
            "No changes. Live groups match {}.",
            file.unwrap_or("the groups file")
        )
    } else {
        summary_line(plan)
    }
}

fn render_change(change: &Change, width: usize, s: &Styles, out: &mut String) {
    let (sign, style) = match change.action {
        Action::Create => ("+", &s.create),
        Action::Update => ("~", &s.update),
        Action::Delete => ("-", &s.delete),
    };
    let id = format!("{:<width$}", change.id);
    let verb = match (&change.held, change.action) {
        (Some(why), _) => format!("would delete (held by {why})"),
        (None, action) => action.verb().to_string(),
    };
    let head = format!("  {sign} {id} {verb}");
    match change.action {
        Action::Delete => {
            let impact = impact_text(change.impact.as_ref());
            let gap = if impact.is_empty() { "" } else { "    " };
            let _ = writeln!(
                out,
                "{}{gap}{}",
                style.apply_to(head),
                s.dim.apply_to(impact)
            );
        }
        _ => {
            let _ = writeln!(out, "{}", style.apply_to(head));
        }
    }
    // One column for the values under a group: as wide as its longest label (`organization`
    // when members or permissions are shown, `parents` otherwise).
    let w = if change.access.is_some() { 13 } else { 8 };
    match (change.action, &change.before, &change.after) {
        (Action::Create, _, Some(after)) => {
            if let Some(name) = &after.name {
                let _ = writeln!(out, "        {:<w$} {}", "name", name_text(Some(name)));
            }
            if !after.parents.is_empty() {
                let parents: Vec<&str> = after.parents.iter().map(String::as_str).collect();
                let _ = writeln!(out, "        {:<w$} {}", "parents", parents.join(", "));
            }
        }
        (Action::Update, Some(before), Some(after)) => {
            if before.name != after.name {
                let _ = writeln!(
                    out,
                    "        {:<w$} {} → {}",
                    "name",
                    name_text(before.name.as_deref()),
                    name_text(after.name.as_deref())
                );
                if let (Some(old), Some(new)) = (&before.name, &after.name)
                    && old.chars().count().max(new.chars().count()) >= INLINE_DIFF_MIN
                {
                    let _ = writeln!(out, "        {:<w$} {}", "", inline_diff(old, new, s));
                }
            }
            if before.parents != after.parents {
                let removed = before
                    .parents
                    .difference(&after.parents)
                    .map(|p| s.delete.apply_to(format!("- {p}")).to_string());
                let added = after
                    .parents
                    .difference(&before.parents)
                    .map(|p| s.create.apply_to(format!("+ {p}")).to_string());
                let parts: Vec<String> = removed.chain(added).collect();
                let _ = writeln!(out, "        {:<w$} {}", "parents", parts.join("  "));
            }
        }
        _ => {}
    }
    if let Some(access) = &change.access {
        for line in access_lines(access) {
            let entries: Vec<String> = line.entries.iter().map(|e| entry_text(e, s)).collect();
            let _ = writeln!(out, "        {:<w$} {}", line.label, entries.join("   "));
        }
    }
}

/// `sales + EXPORT - VIEW`, additions green, removals red; `(no access left)` when the group
/// keeps none.
fn entry_text(entry: &AccessEntry, s: &Styles) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(target) = &entry.target {
        parts.push(target.clone());
    }
    parts.extend(
        entry
            .added
            .iter()
            .map(|a| s.create.apply_to(format!("+ {a}")).to_string()),
    );
    parts.extend(
        entry
            .removed
            .iter()
            .map(|r| s.delete.apply_to(format!("- {r}")).to_string()),
    );
    if entry.gone {
        parts.push(s.delete.apply_to("(no access left)").to_string());
    }
    // A set's items stand apart (`+ carol  - dave`); a target's read as one phrase.
    parts.join(if entry.target.is_some() { " " } else { "  " })
}

/// `Data Analysts [-EMEA-]{+APAC+}` without colour, red and green segments with it; word by
/// word, since a character diff of two words reads as noise.
fn inline_diff(old: &str, new: &str, s: &Styles) -> String {
    let diff = similar::TextDiff::from_words(old, new);
    let mut out = String::new();
    for change in diff.iter_all_changes() {
        let text = change.value();
        match change.tag() {
            similar::ChangeTag::Equal => out.push_str(text),
            similar::ChangeTag::Delete => out.push_str(&s.removed_text(text)),
            similar::ChangeTag::Insert => out.push_str(&s.added_text(text)),
        }
    }
    // Merge adjacent markers so `[-a-][-b-]` reads `[-ab-]`.
    out.replace("-][-", "").replace("+}{+", "")
}

/// Shown at most, so a plan that deletes thousands stays readable; `gdgroups dump` has them all.
const ADOPT_MAX: usize = 20;

/// A full-mode plan deletes what the file does not declare: show the lines that would keep them.
fn render_adopt(plan: &Plan, out: &mut String) {
    if plan.mode != crate::desired::Mode::Full {
        return;
    }
    let deleted: Vec<Group> = plan
        .changes
        .iter()
        .filter(|c| c.action == Action::Delete)
        .filter_map(|c| c.before.clone())
        .collect();
    if deleted.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\nTo keep the groups this plan deletes, add them under `groups:`:\n"
    );
    out.push_str(&crate::desired::dump::group_items(
        &deleted[..deleted.len().min(ADOPT_MAX)],
    ));
    if deleted.len() > ADOPT_MAX {
        let _ = writeln!(
            out,
            "  # … and {} more: `gdgroups dump` writes every live group",
            deleted.len() - ADOPT_MAX
        );
    }
}

fn render_notes(plan: &Plan, s: &Styles, out: &mut String) {
    if plan.notes.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nNotes:");
    for note in &plan.notes {
        let _ = writeln!(out, "  {} {}: {}", s.note.apply_to("!"), note.id, note.text);
    }
}

struct Styles {
    color: bool,
    create: Style,
    update: Style,
    delete: Style,
    dim: Style,
    bold: Style,
    note: Style,
}

impl Styles {
    fn new(color: bool) -> Self {
        let base = Style::new().force_styling(color);
        Self {
            color,
            create: base.clone().green(),
            update: base.clone().yellow(),
            delete: base.clone().red(),
            dim: base.clone().dim(),
            bold: base.clone().bold(),
            note: base.cyan(),
        }
    }

    fn removed_text(&self, text: &str) -> String {
        if self.color {
            self.delete.clone().underlined().apply_to(text).to_string()
        } else {
            format!("[-{text}-]")
        }
    }

    fn added_text(&self, text: &str) -> String {
        if self.color {
            self.create.clone().underlined().apply_to(text).to_string()
        } else {
            format!("{{+{text}+}}")
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::group::Group;
    use crate::plan::{Impact, Note, Summary};

    fn example() -> Plan {
        Plan {
            host: "https://acme.cloud.gooddata.com".into(),
            mode: crate::desired::Mode::Full,
            source: crate::plan::Source::default(),
            changes: vec![
                Change {
                    action: Action::Create,
                    id: "marketing".into(),
                    before: None,
                    after: Some(
                        Group::new("marketing")
                            .with_name("Marketing")
                            .with_parents(["analysts"]),
                    ),
                    access: None,
                    impact: None,
                    held: None,
                },
                Change {
                    action: Action::Update,
                    id: "analysts".into(),
                    before: Some(
                        Group::new("analysts")
                            .with_name("Analysts")
                            .with_parents(["everyone"]),
                    ),
                    after: Some(
                        Group::new("analysts")
                            .with_name("Data Analysts")
                            .with_parents(["sales"]),
                    ),
                    access: None,
                    impact: None,
                    held: None,
                },
                Change {
                    action: Action::Delete,
                    id: "legacy".into(),
                    before: Some(Group::new("legacy")),
                    after: None,
                    access: None,
                    impact: Some(Impact {
                        members: Some(3),
                        children: vec![],
                    }),
                    held: None,
                },
            ],
            notes: vec![],
            summary: Summary {
                create: 1,
                update: 1,
                delete: 1,
                held: 0,
                unchanged: 12,
                ignored: 2,
                protected: 1,
                managed: 13,
                ..Summary::default()
            },
        }
    }

    #[test]
    fn renders_the_spec_example() {
        insta::assert_snapshot!(render(&example(), false, None));
    }

    #[test]
    fn colours_only_when_asked() {
        assert!(!render(&example(), false, None).contains('\u{1b}'));
        let coloured = render(&example(), true, None);
        assert!(coloured.contains("\u{1b}[32m"), "green create");
        assert!(coloured.contains("\u{1b}[33m"), "yellow update");
        assert!(coloured.contains("\u{1b}[31m"), "red delete");
    }

    #[test]
    fn long_names_get_an_inline_diff() {
        let mut plan = example();
        plan.changes[1].before =
            Some(Group::new("analysts").with_name("Regional Data Analysts EMEA"));
        plan.changes[1].after =
            Some(Group::new("analysts").with_name("Regional Data Analysts APAC"));
        let text = render(&plan, false, None);
        assert!(
            text.contains("Regional Data Analysts [-EMEA-]{+APAC+}"),
            "{text}"
        );
    }

    #[test]
    fn long_lines_wrap_to_the_terminal() {
        let mut plan = example();
        plan.notes = vec![Note { id: "legacy".into(), text: "looks like a rename to `marketing` (the same name): ids are immutable, so members and permissions of `legacy` will be lost".into() }];
        let next = "apply needs `--allow-delete legacy`, as the plan goes over safety.max_deletes / --max-deletes.";
        let text = render_fitted(&plan, true, Some(60), None, Some(next));
        for line in text.lines() {
            assert!(console::measure_text_width(line) <= 60, "{line:?}");
        }
        assert!(
            console::strip_ansi_codes(&text).ends_with(
                "\nNext step: apply needs `--allow-delete legacy`, as the plan\n    goes over safety.max_deletes / --max-deletes.\n"
            ),
            "{text}"
        );
        let stripped = console::strip_ansi_codes(&text).to_string();
        assert!(
            stripped
                .contains("  ! legacy: looks like a rename to `marketing` (the same\n      name)"),
            "{stripped}"
        );
        assert_eq!(
            render_fitted(&plan, false, None, None, None),
            render(&plan, false, None)
        );
    }

    /// The spec §11 example: one group's members, workspaces and organization permissions.
    pub(crate) fn access_plan() -> Plan {
        use crate::access::WorkspacePermissions;
        use crate::access::{Facets, OrganizationPermission as O, WorkspacePermission as W};
        use std::collections::{BTreeMap, BTreeSet};
        let desired = crate::desired::parse(
            "groups.yaml",
            "groups:\n  - id: analysts\n    members: [carol, bob]\n    workspaces:\n      sales: [VIEW, EXPORT]\n    organization: [SELF_CREATE_TOKEN]\n  - id: new\n    name: Newcomers\n    members: [bob]\n    workspaces: {sales: {permissions: [VIEW], hierarchy: [VIEW]}}\n",
            crate::desired::LoadOptions::default(),
        )
        .expect("valid");
        let mut live = crate::live::Live::new([Group::new("analysts"), Group::new("adminGroup")]);
        let users = |u: &[&str]| u.iter().map(|s| (*s).to_string()).collect::<BTreeSet<_>>();
        live.access = crate::live::LiveAccess {
            facets: Facets::ALL,
            users: users(&["bob", "carol", "dave"]),
            workspaces: users(&["sales", "finance"]),
            ..crate::live::LiveAccess::default()
        };
        live.access
            .members
            .insert("analysts".into(), users(&["bob", "dave"]));
        live.access.workspace_access.insert(
            "analysts".into(),
            BTreeMap::from([
                ("sales".to_string(), WorkspacePermissions::only([W::View])),
                (
                    "finance".to_string(),
                    WorkspacePermissions::only([W::Analyze]),
                ),
            ]),
        );
        live.access
            .organization
            .insert("analysts".into(), BTreeSet::new());
        let _ = O::Manage;
        crate::plan::compute(
            &desired,
            &live,
            &crate::plan::PlanOptions {
                host: "https://acme.cloud.gooddata.com".into(),
                ..crate::plan::PlanOptions::default()
            },
        )
        .expect("plan")
    }

    #[test]
    fn renders_members_and_permissions_under_their_group() {
        let plan = access_plan();
        let text = render(&plan, false, None);
        insta::assert_snapshot!(text);
        assert!(text.contains(
            "        workspaces    finance - ANALYZE (no access left)   sales + EXPORT\n"
        ));
        assert!(text.contains("        members       + carol  - dave\n"));
        // Name and parents line up with the member and permission lines under the same group.
        assert!(
            text.contains("        name          \"Newcomers\"\n"),
            "{text}"
        );
        assert!(text.contains("2 members added, 1 removed; 4 permissions granted, 1 revoked"));
        let coloured = render(&plan, true, None);
        assert!(
            coloured.contains("\u{1b}[32m+ carol\u{1b}[0m"),
            "{coloured:?}"
        );
        assert!(
            coloured.contains("\u{1b}[31m- dave\u{1b}[0m"),
            "{coloured:?}"
        );
        assert_eq!(render(&plan, false, None), text, "deterministic");
    }

    #[test]
    fn no_changes_says_so() {
        let plan = Plan {
            changes: vec![],
            summary: Summary {
                unchanged: 3,
                protected: 1,
                ..Summary::default()
            },
            notes: vec![Note {
                id: "x".into(),
                text: "nothing to delete".into(),
            }],
            ..example()
        };
        let text = render(&plan, false, Some("examples/groups.yaml"));
        assert!(
            text.starts_with(
                "No changes. Live groups match examples/groups.yaml.\n3 unchanged, 0 ignored, 1 protected.\n"
            ),
            "{text}"
        );
        assert!(
            render(&plan, false, None)
                .starts_with("No changes. Live groups match the groups file.\n")
        );
        assert!(text.contains("x: nothing to delete"));
    }
}
