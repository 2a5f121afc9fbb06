//! Seed files: the groups (and their members) the sandbox starts with.
//!
//! A seed is a groups file: a mapping with a `groups:` list (other top-level keys such as
//! `protected`, `ignore`, `safety` or `mode` are accepted and ignored, so the file a team keeps
//! in git seeds the sandbox as it is) or a bare list of groups. Each entry is
//! `{id, name?, parents?, members?}`; the `gooddata-pipelines` key names are accepted as
//! aliases, and an entry with `active: false` is left out. YAML or JSON.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use crate::SeedGroup;
use crate::diagnostic::{SeedProblem, Span};
use crate::group::{DEFAULT_BOOTSTRAP_GROUP, Group, ID_PATTERN, MAX_NAME_CHARS, is_valid_id};

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
pub fn load_seed(path: &Path) -> Result<Vec<SeedGroup>, SeedError> {
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

/// Parses a seed from text; `path_for_messages` names the file in errors. The result is sorted
/// by id and always contains the default bootstrap group (`adminGroup`), created without name,
/// parents or members when the seed lacks it. Every parent must be a seeded group (or
/// `adminGroup`); ids, names and members follow the API's rules; there is no cycle.
pub fn parse_seed(path_for_messages: &str, text: &str) -> Result<Vec<SeedGroup>, SeedError> {
    // A big seed is a legitimate use (100,000 groups); the default node budget is for configs.
    let options = serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_nodes: 20_000_000,
            max_events: 40_000_000,
        },
    };
    let document: Option<SeedDocument> = serde_saphyr::from_str_with_options(text, options)
        .map_err(|e| syntax_error(path_for_messages, text, &e))?;
    let Some(SeedDocument(entries)) = document else {
        return Err(SeedError::whole_file(
            path_for_messages,
            text,
            "the seed file is empty; expected a `groups:` list or a list of groups",
        ));
    };
    validate(path_for_messages, text, entries)
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

/// The top level: a bare list of entries, or a mapping whose `groups` key holds them.
struct SeedDocument(Vec<Spanned<Entry>>);

impl<'de> Deserialize<'de> for SeedDocument {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(DocumentVisitor)
    }
}

struct DocumentVisitor;

impl<'de> Visitor<'de> for DocumentVisitor {
    type Value = SeedDocument;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a mapping with a `groups:` list, or a list of groups")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = seq.next_element::<Spanned<Entry>>()? {
            entries.push(entry);
        }
        Ok(SeedDocument(entries))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut groups = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == "groups" {
                if groups.is_some() {
                    return Err(de::Error::duplicate_field("groups"));
                }
                groups = Some(
                    map.next_value::<Option<Vec<Spanned<Entry>>>>()?
                        .unwrap_or_default(),
                );
            } else {
                // protected, ignore, safety, mode…: meaningful to plan, not to a seed.
                map.next_value::<IgnoredAny>()?;
            }
        }
        groups
            .map(SeedDocument)
            .ok_or_else(|| de::Error::missing_field("groups"))
    }
}

/// One group of the seed, with the locations errors point at.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    #[serde(alias = "user_group_id")]
    id: Spanned<String>,
    #[serde(default, alias = "user_group_name")]
    name: Option<Spanned<String>>,
    #[serde(default, alias = "parent_user_groups")]
    parents: Option<Vec<Spanned<String>>>,
    #[serde(default)]
    members: Option<Vec<Spanned<String>>>,
    #[serde(default, alias = "is_active")]
    active: Option<bool>,
}

fn span_of<T>(spanned: &Spanned<T>, len: usize) -> Span {
    let location = spanned.referenced;
    Span {
        line: usize::try_from(location.line()).unwrap_or(usize::MAX),
        col: usize::try_from(location.column()).unwrap_or(usize::MAX),
        len,
    }
}

fn validate(
    path: &str,
    text: &str,
    entries: Vec<Spanned<Entry>>,
) -> Result<Vec<SeedGroup>, SeedError> {
    let entries: Vec<Entry> = entries
        .into_iter()
        .map(|e| e.value)
        .filter(|e| e.active != Some(false))
        .collect();
    let mut items = Vec::new();
    let mut declared: BTreeMap<String, Span> = BTreeMap::new();
    for entry in &entries {
        check_entry(entry, &mut declared, &mut items);
    }
    for entry in &entries {
        check_parents_declared(entry, &declared, &mut items);
    }
    let mut seeds = into_seeds(entries);
    if items.is_empty()
        && let Some(cycle) = find_cycle(&seeds)
    {
        let message = format!("the parents form a cycle: {}", cycle.join(" → "));
        items.push(match declared.get(cycle[0].as_str()) {
            Some(span) => SeedProblem::at(*span, message),
            None => SeedProblem::whole_file(message),
        });
    }
    if !items.is_empty() {
        return Err(SeedError::new(path, text, items));
    }
    seeds
        .entry(DEFAULT_BOOTSTRAP_GROUP.to_string())
        .or_insert_with(|| SeedGroup::new(Group::new(DEFAULT_BOOTSTRAP_GROUP)));
    Ok(seeds.into_values().collect())
}

/// The checks one entry needs no other entry for (plus duplicates, recorded in `declared`).
fn check_entry(entry: &Entry, declared: &mut BTreeMap<String, Span>, items: &mut Vec<SeedProblem>) {
    let id = &entry.id.value;
    let span = span_of(&entry.id, id.chars().count());
    if !is_valid_id(id) {
        items.push(
            SeedProblem::at(span, format!("invalid group id `{id}`"))
                .with_hint(format!("ids match {ID_PATTERN}")),
        );
    }
    if let Some(first) = declared.get(id.as_str()) {
        items.push(SeedProblem::at(
            span,
            format!(
                "group `{id}` is declared twice (first at line {})",
                first.line
            ),
        ));
    } else {
        declared.insert(id.clone(), span);
    }
    if let Some(name) = &entry.name {
        let chars = name.value.chars().count();
        if chars > MAX_NAME_CHARS {
            items.push(SeedProblem::at(
                span_of(name, 1),
                format!(
                    "the name of `{id}` is {chars} characters long; at most {MAX_NAME_CHARS} are allowed"
                ),
            ));
        }
    }
    for parent in entry.parents.iter().flatten() {
        if parent.value == *id {
            items.push(SeedProblem::at(
                span_of(parent, id.chars().count()),
                format!("group `{id}` is its own parent"),
            ));
        }
    }
    for member in entry.members.iter().flatten() {
        if !is_valid_id(&member.value) {
            items.push(
                SeedProblem::at(
                    span_of(member, member.value.chars().count()),
                    format!("invalid user id `{}`", member.value),
                )
                .with_hint(format!("user ids match {ID_PATTERN}")),
            );
        }
    }
}

fn check_parents_declared(
    entry: &Entry,
    declared: &BTreeMap<String, Span>,
    items: &mut Vec<SeedProblem>,
) {
    for parent in entry.parents.iter().flatten() {
        let p = parent.value.as_str();
        if p != entry.id.value && !declared.contains_key(p) && p != DEFAULT_BOOTSTRAP_GROUP {
            items.push(
                SeedProblem::at(
                    span_of(parent, p.chars().count()),
                    format!("parent `{p}` of `{}` is not a seeded group", entry.id.value),
                )
                .with_hint("declare the parent group in the seed too"),
            );
        }
    }
}

/// The entries as seed groups by id (the first of duplicates wins; they are errors anyway).
fn into_seeds(entries: Vec<Entry>) -> BTreeMap<String, SeedGroup> {
    let mut seeds = BTreeMap::new();
    for entry in entries {
        let id = entry.id.value;
        if seeds.contains_key(&id) {
            continue;
        }
        let group = Group {
            id: id.clone(),
            name: entry.name.map(|n| n.value),
            parents: entry
                .parents
                .unwrap_or_default()
                .into_iter()
                .map(|p| p.value)
                .collect(),
        };
        let members: BTreeSet<String> = entry
            .members
            .unwrap_or_default()
            .into_iter()
            .map(|m| m.value)
            .collect();
        seeds.insert(
            id,
            SeedGroup {
                group,
                members: members.into_iter().collect(),
            },
        );
    }
    seeds
}

/// The first cycle of parent edges, as `a → b → … → a`; an iterative three-colour DFS, so deep
/// chains do not overflow the stack.
fn find_cycle(seeds: &BTreeMap<String, SeedGroup>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Active,
        Done,
    }
    let parents_of = |id: &str| -> Vec<&str> {
        seeds
            .get(id)
            .map(|s| s.group.parents.iter().map(String::as_str).collect())
            .unwrap_or_default()
    };
    let mut marks: BTreeMap<&str, Mark> = BTreeMap::new();
    for start in seeds.keys() {
        if marks.contains_key(start.as_str()) {
            continue;
        }
        marks.insert(start, Mark::Active);
        let mut stack: Vec<(&str, Vec<&str>)> = vec![(start, parents_of(start))];
        while let Some((node, pending)) = stack.last_mut() {
            let node = *node;
            let Some(next) = pending.pop() else {
                marks.insert(node, Mark::Done);
                stack.pop();
                continue;
            };
            match marks.get(next) {
                None => {
                    marks.insert(next, Mark::Active);
                    stack.push((next, parents_of(next)));
                }
                Some(Mark::Active) => {
                    let from = stack.iter().position(|(n, _)| *n == next).unwrap_or(0);
                    let mut cycle: Vec<String> = stack[from..]
                        .iter()
                        .map(|(n, _)| (*n).to_string())
                        .collect();
                    cycle.push(next.to_string());
                    return Some(cycle);
                }
                Some(Mark::Done) => {}
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let seeds = parse_seed("groups.yaml", text).unwrap();
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
        let seeds = parse_seed("groups.json", text).unwrap();
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
