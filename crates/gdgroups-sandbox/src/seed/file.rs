//! Seed files: reading one (size-capped), parsing it (YAML or JSON, with an alias and node
//! budget fit for 100,000 groups), and reporting every problem as `file:line:col` with the line
//! and a caret. The shape is in `format`, the checks in `check`.
//!
//! A seed is a groups file: a mapping with a `groups:` list (plus, optionally, `users:`,
//! `workspaces:` and `data_sources:`; other top-level keys such as `protected`, `ignore`,
//! `safety` or `mode` are accepted and ignored, so the file a team keeps in git seeds the
//! sandbox as it is) or a bare list of groups. The `gooddata-pipelines` key names of a group are
//! accepted as aliases, and a group with `active: false` is left out.

use std::fmt;
use std::path::Path;

use super::Seed;
use super::check::check;
use super::format::Document;
use crate::diagnostic::{SeedProblem, Span};

/// Seeds larger than this are refused before parsing (a seed of 100,000 groups is a few MB).
const MAX_SEED_BYTES: u64 = 256 * 1024 * 1024;

/// A seed file that could not be read or is not a valid seed. Its `Display` lists every
/// problem as `file:line:col` with a caret snippet.
#[derive(Debug, Clone)]
pub struct SeedError {
    path: String,
    source: String,
    problems: Vec<SeedProblem>,
}

impl SeedError {
    /// The problems, in file order.
    pub fn problems(&self) -> &[SeedProblem] {
        &self.problems
    }

    fn new(path: &str, source: &str, problems: Vec<SeedProblem>) -> Self {
        Self {
            path: path.to_string(),
            source: source.to_string(),
            problems,
        }
    }

    fn whole_file(path: &str, source: &str, message: impl Into<String>) -> Self {
        Self::new(path, source, vec![SeedProblem::whole_file(message)])
    }
}

impl fmt::Display for SeedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            problem.render(&self.path, &self.source, &mut out);
        }
        f.write_str(&out)
    }
}

impl std::error::Error for SeedError {}

/// Reads and parses a seed file (see [`parse_seed`]).
pub fn load_seed(path: &Path) -> Result<Seed, SeedError> {
    let display = path.display().to_string();
    let read = || -> std::io::Result<String> {
        let file = fs_err::File::open(path)?;
        let len = file.metadata()?.len();
        if len > MAX_SEED_BYTES {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("the file is {len} bytes; a seed may have at most {MAX_SEED_BYTES}"),
            ));
        }
        fs_err::read_to_string(path)
    };
    match read() {
        Ok(text) => parse_seed(&display, &text),
        Err(e) => Err(SeedError::whole_file(&display, "", e.to_string())),
    }
}

/// Parses a seed from text; `path_for_messages` names the file in errors. Its groups are sorted
/// by id and always contain the default bootstrap group (`adminGroup`), created without name,
/// parents or members when the seed lacks it. Every parent, and every group of a user, must be
/// a seeded group (or `adminGroup`); every workspace parent a seeded workspace; ids, names and
/// permission names follow the API's rules; neither groups nor workspaces form a cycle.
pub fn parse_seed(path_for_messages: &str, text: &str) -> Result<Seed, SeedError> {
    // A big seed is a legitimate use (100,000 groups); the default node budget is for configs.
    let options = serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_nodes: 20_000_000,
            max_events: 40_000_000,
        },
    };
    let document: Option<Document> = serde_saphyr::from_str_with_options(text, options)
        .map_err(|e| syntax_error(path_for_messages, text, &e))?;
    let Some(document) = document else {
        return Err(SeedError::whole_file(
            path_for_messages,
            text,
            "the seed file is empty; expected a `groups:` list or a list of groups",
        ));
    };
    check(document).map_err(|problems| SeedError::new(path_for_messages, text, problems))
}

fn syntax_error(path: &str, text: &str, error: &serde_saphyr::Error) -> SeedError {
    let inner = error.without_snippet();
    let message = strip_location(&inner.to_string()).to_string();
    let hint = message
        .contains("missing field `groups`")
        .then_some("a seed is a mapping with a `groups:` list, or a bare list of groups");
    let item = match inner.location() {
        Some(location) if location.line() > 0 => SeedProblem::at(
            Span {
                line: usize::try_from(location.line()).unwrap_or(usize::MAX),
                col: usize::try_from(location.column()).unwrap_or(usize::MAX),
                len: 1,
            },
            message,
        ),
        _ => SeedProblem::whole_file(message),
    };
    let item = match hint {
        Some(hint) => item.with_hint(hint),
        None => item,
    };
    SeedError::new(path, text, vec![item])
}

/// The parser's message without its trailing ` at line L, column C`: the diagnostic shows the
/// location already.
fn strip_location(message: &str) -> &str {
    if let Some(at) = message.rfind(" at line ") {
        let rest = &message[at + " at line ".len()..];
        let is_location = rest.split_once(", column ").is_some_and(|(line, col)| {
            !line.is_empty()
                && !col.is_empty()
                && line.bytes().all(|b| b.is_ascii_digit())
                && col.bytes().all(|b| b.is_ascii_digit())
        });
        if is_location {
            return &message[..at];
        }
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::group::Group;
    use crate::seed::SeedGroup;

    fn ids(seeds: &[SeedGroup]) -> Vec<&str> {
        seeds.iter().map(|s| s.group.id.as_str()).collect()
    }

    #[test]
    fn groups_file_with_other_keys_and_members() {
        let text = "\
protected: [adminGroup]
ignore: [\"jit-*\"]
safety: {max_deletes: 3}
mode: full
groups:
  - id: analysts
    name: Data Analysts
    members: [bob, alice, bob]
  - id: marketing
    parents: [analysts, adminGroup]
";
        let seeds = parse_seed("groups.yaml", text).unwrap().groups;
        assert_eq!(ids(&seeds), ["adminGroup", "analysts", "marketing"]);
        assert_eq!(seeds[1].group.name.as_deref(), Some("Data Analysts"));
        assert_eq!(seeds[1].members, ["alice", "bob"]);
        assert_eq!(
            seeds[2].group,
            Group::new("marketing").with_parents(["adminGroup", "analysts"])
        );
    }

    #[test]
    fn bare_list_json_and_pipelines_aliases() {
        let text = r#"[
  {"user_group_id": "a", "user_group_name": "A", "parent_user_groups": [], "is_active": true},
  {"id": "b", "parents": ["a"]},
  {"id": "gone", "active": false}
]"#;
        let seeds = parse_seed("groups.json", text).unwrap().groups;
        assert_eq!(ids(&seeds), ["a", "adminGroup", "b"]);
        assert_eq!(seeds[0].group.name.as_deref(), Some("A"));
    }

    #[test]
    fn validation_errors_have_positions() {
        let text = "\
groups:
  - id: a
    parents: [missing]
  - id: .bad
  - id: a
  - id: c
    parents: [c]
";
        let err = parse_seed("seed.yaml", text).unwrap_err();
        let rendered = err.to_string();
        let items: Vec<_> = err
            .problems()
            .iter()
            .map(|d| (d.span.map(|s| (s.line, s.col)), d.message.clone()))
            .collect();
        assert!(
            items.contains(&(Some((4, 9)), "invalid group id `.bad`".into())),
            "{items:?}"
        );
        assert!(
            items.contains(&(
                Some((5, 9)),
                "group `a` is declared twice (first at line 2)".into()
            )),
            "{items:?}"
        );
        assert!(
            items.contains(&(
                Some((3, 15)),
                "parent `missing` of `a` is not a seeded group".into()
            )),
            "{items:?}"
        );
        assert!(
            items.contains(&(Some((7, 15)), "group `c` is its own parent".into())),
            "{items:?}"
        );
        assert!(rendered.contains("--> seed.yaml:3:15"), "{rendered}");
    }

    #[test]
    fn syntax_and_type_errors_have_positions() {
        let err = parse_seed("s.yaml", "groups:\n  - id: a\n    parent: [b]\n").unwrap_err();
        let d = &err.problems()[0];
        assert_eq!(d.span.map(|s| s.line), Some(3), "{err}");
        assert!(d.message.contains("parent"), "{err}");

        let err = parse_seed("s.yaml", "groups:\n  - id: [x\n").unwrap_err();
        assert!(err.problems()[0].span.is_some(), "{err}");

        assert!(!d.message.contains("at line"), "{err}");

        let err = parse_seed("s.yaml", "nothing: here\n").unwrap_err();
        assert!(err.to_string().contains("missing field `groups`"), "{err}");
        assert!(err.problems()[0].hint.is_some(), "{err}");

        let err = parse_seed("s.yaml", "").unwrap_err();
        assert!(err.to_string().contains("empty"), "{err}");
    }

    #[test]
    fn cycles_are_found() {
        let text = "- {id: a, parents: [c]}\n- {id: b, parents: [a]}\n- {id: c, parents: [b]}\n";
        let err = parse_seed("s.yaml", text).unwrap_err();
        let message = &err.problems()[0].message;
        assert!(
            message.starts_with("the parents form a cycle: "),
            "{message}"
        );
        assert_eq!(message.matches('→').count(), 3, "{message}");
    }

    #[test]
    fn users_workspaces_data_sources_and_permissions() {
        use crate::access::{
            Access, DataSourcePermission as D, OrganizationPermission as O, WorkspaceAccess,
            WorkspacePermission as W,
        };
        let text = "\
groups:
  - id: analysts
    members: [ann]
    workspaces:
      sales: [VIEW, EXPORT]
      finance: {permissions: [ANALYZE], hierarchy: [VIEW]}
      empty: []
    data_sources: {warehouse: [USE]}
    organization: [SELF_CREATE_TOKEN]
users:
  - id: dora
    name: Dora Ops
    email: dora@example.com
    groups: [analysts, adminGroup]
    organization: [BASE_UI_ACCESS]
workspaces:
  - {id: company, name: Company}
  - {id: sales, parent: company}
data_sources:
  - {id: warehouse, type: SNOWFLAKE}
";
        let seed = parse_seed("seed.yaml", text).unwrap();
        let analysts = &seed.groups[1];
        assert_eq!(analysts.group.id, "analysts");
        let mut expected = Access::default();
        expected
            .workspaces
            .insert("sales".into(), WorkspaceAccess::new([W::Export, W::View]));
        expected.workspaces.insert(
            "finance".into(),
            WorkspaceAccess::new([W::Analyze]).with_hierarchy([W::View]),
        );
        expected
            .data_sources
            .insert("warehouse".into(), [D::Use].into());
        expected.organization.insert(O::SelfCreateToken);
        assert_eq!(analysts.access, expected, "an empty entry means no access");
        let dora = &seed.users[0];
        assert_eq!(dora.user.display_name().as_deref(), Some("Dora Ops"));
        assert_eq!(dora.groups, ["analysts", "adminGroup"]);
        assert_eq!(dora.access.organization, [O::BaseUiAccess].into());
        assert_eq!(seed.workspaces[1].parent.as_deref(), Some("company"));
        assert_eq!(seed.data_sources[0].kind, "SNOWFLAKE");
        assert_eq!(seed.data_sources[0].name, "warehouse");

        // Built into an organization: ann and the token's user exist, the workspace and data
        // source a permission names exist, the bootstrap group holds MANAGE.
        let store = seed.build("adminGroup", "admin").unwrap();
        assert_eq!(store.user("ann").unwrap().groups, ["analysts"]);
        assert_eq!(store.user("admin").unwrap().groups, ["adminGroup"]);
        assert!(store.workspace("finance").is_some());
        assert_eq!(
            store.user_organization("dora"),
            [O::Manage, O::SelfCreateToken, O::BaseUiAccess].into()
        );
    }

    #[test]
    fn permission_and_reference_errors_have_positions() {
        let text = "\
groups:
  - id: a
    workspaces: {sales: [view, ADMIN], .x: [VIEW]}
    data_sources: {dw: [READ]}
    organization: [MANAGE, OWNER]
users:
  - id: u
    groups: [a, nope]
  - id: u
    role: admin
workspaces:
  - {id: w1, parent: w2}
  - {id: w2, parent: w1}
  - {id: w3, parent: gone}
data_sources:
  - {id: d}
  - {id: d}
";
        let err = parse_seed("seed.yaml", text).unwrap_err();
        let problems: Vec<_> = err
            .problems()
            .iter()
            .map(|d| {
                (
                    d.span.map(|s| (s.line, s.col)),
                    d.message.clone(),
                    d.hint.clone(),
                )
            })
            .collect();
        // serde stops at the unknown key first: it is the only problem then.
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(
            problems[0].0.map(|(line, _)| line),
            Some(10),
            "{problems:?}"
        );
        assert!(problems[0].1.contains("role"), "{problems:?}");

        let err = parse_seed("seed.yaml", &text.replace("    role: admin\n", "")).unwrap_err();
        let problems: Vec<_> = err
            .problems()
            .iter()
            .map(|d| {
                (
                    d.span.map(|s| (s.line, s.col)),
                    d.message.clone(),
                    d.hint.clone(),
                )
            })
            .collect();
        let has = |line: usize, col: usize, message: &str| {
            problems
                .iter()
                .any(|(at, m, _)| *at == Some((line, col)) && m == message)
        };
        assert!(
            has(3, 26, "unknown workspace permission `view`"),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|(_, m, hint)| m.contains("`view`")
                && hint.as_deref() == Some("did you mean `VIEW`?")),
            "{problems:?}"
        );
        assert!(
            has(3, 32, "unknown workspace permission `ADMIN`"),
            "{problems:?}"
        );
        assert!(has(3, 40, "invalid workspace id `.x`"), "{problems:?}");
        assert!(
            has(4, 25, "unknown data source permission `READ`"),
            "{problems:?}"
        );
        assert!(
            has(5, 28, "unknown organization permission `OWNER`"),
            "{problems:?}"
        );
        assert!(
            has(8, 17, "group `nope` of user `u` is not a seeded group"),
            "{problems:?}"
        );
        assert!(
            has(9, 9, "user `u` is declared twice (first at line 7)"),
            "{problems:?}"
        );
        assert!(
            has(11, 10, "the workspace parents form a cycle: w1 → w2 → w1"),
            "{problems:?}"
        );
        assert!(
            has(
                13,
                22,
                "parent `gone` of workspace `w3` is not a seeded workspace"
            ),
            "{problems:?}"
        );
        assert!(
            has(
                16,
                10,
                "data source `d` is declared twice (first at line 15)"
            ),
            "{problems:?}"
        );
        let lines: Vec<usize> = problems
            .iter()
            .filter_map(|(at, _, _)| at.map(|(line, _)| line))
            .collect();
        assert!(lines.is_sorted(), "in file order: {lines:?}");
        let rendered = err.to_string();
        assert!(rendered.contains("--> seed.yaml:4:25"), "{rendered}");
        assert!(
            rendered.contains("help: data source permissions are MANAGE, USE"),
            "{rendered}"
        );
    }

    #[test]
    fn a_bad_permission_value_shape_is_located() {
        let err = parse_seed(
            "s.yaml",
            "groups:\n  - id: a\n    workspaces: {w: {permissions: [VIEW], everything: true}}\n",
        )
        .unwrap_err();
        let problem = &err.problems()[0];
        assert_eq!(problem.span.map(|s| s.line), Some(3), "{err}");
        assert!(problem.message.contains("everything"), "{err}");
        let err = parse_seed("s.yaml", "groups:\n  - id: a\n    workspaces: [w]\n").unwrap_err();
        assert_eq!(err.problems()[0].span.map(|s| s.line), Some(3), "{err}");
    }

    #[test]
    fn unreadable_file_names_the_path() {
        let err = load_seed(Path::new("/nonexistent/seed.yaml")).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/seed.yaml"), "{err}");
    }
}
