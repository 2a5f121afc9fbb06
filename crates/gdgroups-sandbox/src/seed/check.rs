//! The checks of a parsed seed file, each problem at its `line:col`, all reported at once: ids,
//! names, duplicates, parents that are not seeded, cycles, groups of users, workspace parents,
//! and permission names (the API's enums).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Display;
use std::str::FromStr;

use serde_saphyr::Spanned;

use super::format::{
    DataSourceEntry, Document, GroupEntry, Keyed, UserEntry, WorkspaceEntry, WorkspaceGrant,
};
use super::{Seed, SeedGroup, SeedUser};
use crate::access::{
    Access, DataSourcePermission, OrganizationPermission, WorkspaceAccess, WorkspacePermission,
};
use crate::catalog::{DataSource, Workspace};
use crate::diagnostic::{SeedProblem, Span};
use crate::group::{DEFAULT_BOOTSTRAP_GROUP, Group, ID_PATTERN, MAX_NAME_CHARS, is_valid_id};
use crate::user::User;

fn span_of<T>(spanned: &Spanned<T>, len: usize) -> Span {
    let location = spanned.referenced;
    Span {
        line: usize::try_from(location.line()).unwrap_or(usize::MAX),
        col: usize::try_from(location.column()).unwrap_or(usize::MAX),
        len,
    }
}

fn id_span(id: &Spanned<String>) -> Span {
    span_of(id, id.value.chars().count())
}

/// The problems found so far.
#[derive(Default)]
struct Problems(Vec<SeedProblem>);

impl Problems {
    fn at(&mut self, span: Span, message: impl Into<String>) {
        self.0.push(SeedProblem::at(span, message));
    }

    fn hinted(&mut self, span: Span, message: impl Into<String>, hint: impl Into<String>) {
        self.0.push(SeedProblem::at(span, message).with_hint(hint));
    }

    /// Checks an id: the pattern, and (with `declared`) that it is declared only once.
    fn id(
        &mut self,
        what: &str,
        id: &Spanned<String>,
        declared: Option<&mut BTreeMap<String, Span>>,
    ) {
        let span = id_span(id);
        if !is_valid_id(&id.value) {
            self.hinted(
                span,
                format!("invalid {what} id `{}`", id.value),
                format!("ids match {ID_PATTERN}"),
            );
        }
        let Some(declared) = declared else {
            return;
        };
        if let Some(first) = declared.get(&id.value) {
            let message = format!(
                "{what} `{}` is declared twice (first at line {})",
                id.value, first.line
            );
            self.at(span, message);
        } else {
            declared.insert(id.value.clone(), span);
        }
    }

    /// A permission name of the enum `T`, or a problem at its location.
    fn permission<T>(
        &mut self,
        what: &str,
        name: &Spanned<String>,
        names: fn() -> String,
    ) -> Option<T>
    where
        T: FromStr + Display,
    {
        if let Ok(permission) = name.value.parse() {
            return Some(permission);
        }
        let hint = match name.value.to_ascii_uppercase().parse::<T>() {
            Ok(close) => format!("did you mean `{close}`?"),
            Err(_) => format!("{what} permissions are {}", names()),
        };
        self.hinted(
            id_span(name),
            format!("unknown {what} permission `{}`", name.value),
            hint,
        );
        None
    }
}

/// Turns a parsed file into a [`Seed`], or every problem found.
pub(super) fn check(document: Document) -> Result<Seed, Vec<SeedProblem>> {
    let mut problems = Problems::default();
    let groups: Vec<GroupEntry> = document
        .groups
        .into_iter()
        .map(|e| e.value)
        .filter(|e| e.active != Some(false))
        .collect();
    let mut declared: BTreeMap<String, Span> = BTreeMap::new();
    for entry in &groups {
        check_group(entry, &mut declared, &mut problems);
    }
    for entry in &groups {
        for parent in entry.parents.iter().flatten() {
            let p = parent.value.as_str();
            if p != entry.id.value && !is_seeded_group(p, &declared) {
                problems.hinted(
                    id_span(parent),
                    format!("parent `{p}` of `{}` is not a seeded group", entry.id.value),
                    "declare the parent group in the seed too",
                );
            }
        }
    }
    let users = check_users(document.users, &declared, &mut problems);
    let workspaces = check_workspaces(document.workspaces, &mut problems);
    let data_sources = check_data_sources(document.data_sources, &mut problems);
    let mut seeds = into_seeds(groups, &mut problems);
    if problems.0.is_empty()
        && let Some(cycle) = find_cycle(&seeds)
    {
        let message = format!("the parents form a cycle: {}", cycle.join(" → "));
        let start = cycle.first().map_or("", String::as_str);
        problems.0.push(match declared.get(start) {
            Some(span) => SeedProblem::at(*span, message),
            None => SeedProblem::whole_file(message),
        });
    }
    if !problems.0.is_empty() {
        // In file order; problems of the whole file last.
        problems
            .0
            .sort_by_key(|p| p.span.map_or((usize::MAX, usize::MAX), |s| (s.line, s.col)));
        return Err(problems.0);
    }
    seeds
        .entry(DEFAULT_BOOTSTRAP_GROUP.to_string())
        .or_insert_with(|| SeedGroup::new(Group::new(DEFAULT_BOOTSTRAP_GROUP)));
    Ok(Seed {
        groups: seeds.into_values().collect(),
        users,
        workspaces,
        data_sources,
    })
}

fn is_seeded_group(id: &str, declared: &BTreeMap<String, Span>) -> bool {
    declared.contains_key(id) || id == DEFAULT_BOOTSTRAP_GROUP
}

/// The checks one group needs no other entry for (plus duplicates, recorded in `declared`).
fn check_group(entry: &GroupEntry, declared: &mut BTreeMap<String, Span>, problems: &mut Problems) {
    let id = &entry.id.value;
    problems.id("group", &entry.id, Some(declared));
    if let Some(name) = &entry.name {
        let chars = name.value.chars().count();
        if chars > MAX_NAME_CHARS {
            problems.at(
                span_of(name, 1),
                format!(
                    "the name of `{id}` is {chars} characters long; at most {MAX_NAME_CHARS} are allowed"
                ),
            );
        }
    }
    for parent in entry.parents.iter().flatten() {
        if parent.value == *id {
            problems.at(id_span(parent), format!("group `{id}` is its own parent"));
        }
    }
    for member in entry.members.iter().flatten() {
        problems.id("user", member, None);
    }
}

fn check_users(
    entries: Vec<UserEntry>,
    groups: &BTreeMap<String, Span>,
    problems: &mut Problems,
) -> Vec<SeedUser> {
    let mut declared = BTreeMap::new();
    let mut users = Vec::new();
    for entry in entries {
        problems.id("user", &entry.id, Some(&mut declared));
        for group in entry.groups.iter().flatten() {
            if !is_seeded_group(&group.value, groups) {
                problems.hinted(
                    id_span(group),
                    format!(
                        "group `{}` of user `{}` is not a seeded group",
                        group.value, entry.id.value
                    ),
                    "declare the group under `groups:` too",
                );
            }
        }
        let access = access(
            entry.workspaces,
            entry.data_sources,
            entry.organization,
            problems,
        );
        users.push(SeedUser {
            user: User {
                id: entry.id.value,
                name: entry.name,
                firstname: entry.firstname,
                lastname: entry.lastname,
                email: entry.email,
                authentication_id: entry.authentication_id,
            },
            groups: entry
                .groups
                .unwrap_or_default()
                .into_iter()
                .map(|g| g.value)
                .collect(),
            access,
        });
    }
    users.sort_by(|a, b| a.user.id.cmp(&b.user.id));
    users
}

fn check_workspaces(entries: Vec<WorkspaceEntry>, problems: &mut Problems) -> Vec<Workspace> {
    let mut declared = BTreeMap::new();
    for entry in &entries {
        problems.id("workspace", &entry.id, Some(&mut declared));
    }
    let parents: BTreeMap<&str, &str> = entries
        .iter()
        .filter_map(|e| Some((e.id.value.as_str(), e.parent.as_ref()?.value.as_str())))
        .collect();
    for entry in &entries {
        let Some(parent) = &entry.parent else {
            continue;
        };
        if !declared.contains_key(&parent.value) {
            problems.hinted(
                id_span(parent),
                format!(
                    "parent `{}` of workspace `{}` is not a seeded workspace",
                    parent.value, entry.id.value
                ),
                "declare the parent under `workspaces:` too",
            );
            continue;
        }
        // Walk up; coming back to the start is a cycle (reported at each of its workspaces).
        let mut path = vec![entry.id.value.as_str()];
        let mut seen = BTreeSet::from([entry.id.value.as_str()]);
        let mut at = entry.id.value.as_str();
        while let Some(&up) = parents.get(at) {
            path.push(up);
            if up == entry.id.value {
                problems.at(
                    id_span(&entry.id),
                    format!("the workspace parents form a cycle: {}", path.join(" → ")),
                );
                break;
            }
            if !seen.insert(up) {
                break;
            }
            at = up;
        }
    }
    entries
        .into_iter()
        .map(|e| Workspace {
            id: e.id.value,
            name: e.name,
            parent: e.parent.map(|p| p.value),
        })
        .collect()
}

fn check_data_sources(entries: Vec<DataSourceEntry>, problems: &mut Problems) -> Vec<DataSource> {
    let mut declared = BTreeMap::new();
    for entry in &entries {
        problems.id("data source", &entry.id, Some(&mut declared));
    }
    entries
        .into_iter()
        .map(|e| {
            let mut data_source = DataSource::new(e.id.value);
            if let Some(name) = e.name {
                data_source.name = name;
            }
            if let Some(kind) = e.kind {
                data_source.kind = kind;
            }
            if let Some(schema) = e.schema {
                data_source.schema = schema;
            }
            data_source
        })
        .collect()
}

/// The permission keys of a group or user as an [`Access`], checking names and ids.
fn access(
    workspaces: Option<Keyed<WorkspaceGrant>>,
    data_sources: Option<Keyed<Vec<Spanned<String>>>>,
    organization: Option<Vec<Spanned<String>>>,
    problems: &mut Problems,
) -> Access {
    let mut access = Access::default();
    for (id, grant) in workspaces.map(|k| k.0).unwrap_or_default() {
        problems.id("workspace", &id, None);
        let mut names = |list: &[Spanned<String>]| -> BTreeSet<WorkspacePermission> {
            list.iter()
                .filter_map(|p| problems.permission("workspace", p, WorkspacePermission::names))
                .collect()
        };
        let workspace = WorkspaceAccess {
            permissions: names(&grant.permissions),
            hierarchy: names(&grant.hierarchy),
        };
        access.set_workspace(&id.value, workspace);
    }
    for (id, list) in data_sources.map(|k| k.0).unwrap_or_default() {
        problems.id("data source", &id, None);
        let permissions = list
            .iter()
            .filter_map(|p| problems.permission("data source", p, DataSourcePermission::names))
            .collect();
        access.set_data_source(&id.value, permissions);
    }
    access.organization = organization
        .unwrap_or_default()
        .iter()
        .filter_map(|p| problems.permission("organization", p, OrganizationPermission::names))
        .collect();
    access
}

/// The groups by id (the first of duplicates wins; they are errors anyway).
fn into_seeds(entries: Vec<GroupEntry>, problems: &mut Problems) -> BTreeMap<String, SeedGroup> {
    let mut seeds = BTreeMap::new();
    for entry in entries {
        let id = entry.id.value;
        let access = access(
            entry.workspaces,
            entry.data_sources,
            entry.organization,
            problems,
        );
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
                access,
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
