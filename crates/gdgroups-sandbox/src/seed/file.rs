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
    fn unreadable_file_names_the_path() {
        let err = load_seed(Path::new("/nonexistent/seed.yaml")).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/seed.yaml"), "{err}");
    }
}
