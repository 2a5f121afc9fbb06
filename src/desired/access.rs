//! A declared group's managed facets (spec §11): `members`, `workspaces`, `data_sources`,
//! `organization`, each with the places its ids were written, and the checks every input
//! format shares (id shape, sets without repeats, permission names with a "did you mean").
//!
//! The YAML reader (`parse/facets.rs`) and the CSV reader turn their syntax into located strings
//! and hand them here, so a problem reads the same whichever format it came from.

use std::collections::{BTreeMap, BTreeSet};

use super::check::id_rule_hint;
use super::suggest;
use crate::access::{
    DataSourceAccess, DataSourcePermission, Facet, Facets, OrganizationPermission, Permission,
    WorkspaceAccess, WorkspacePermission,
};
use crate::diagnostic::{Diagnostic, Span};
use crate::group::is_valid_id;

/// One managed facet as the file wrote it: the desired value and where its parts were written,
/// so checks that need the live organization (an unknown user, workspace or data source) can
/// point at the id: "unknown user `carl` in members of `analysts` (did you mean `carol`?)".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Managed<T> {
    /// The desired value: the whole truth for this facet of this group.
    pub value: T,
    /// The key (`members:`), for messages about the facet as a whole.
    pub key: Span,
    /// Where each id was written: the users of `members`, the workspaces of `workspaces`, the
    /// data sources of `data_sources` (including entries written with no permission, which the
    /// value leaves out). Empty for `organization`.
    pub ids: BTreeMap<String, Span>,
}

impl<T> Managed<T> {
    /// Where `id` was written, or the key when it was not (a late check still has a place).
    pub fn span_of(&self, id: &str) -> Span {
        self.ids.get(id).copied().unwrap_or(self.key)
    }
}

/// What a declared group manages besides its name and parents. `None` means the key is absent:
/// the live value is left alone (and not even read when no group manages it). `Some` with an
/// empty value means "none": no members, no direct access.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Access {
    /// The users in the group.
    pub members: Option<Managed<BTreeSet<String>>>,
    /// Direct permissions per workspace; a workspace the group has no direct access to has no
    /// entry (`sales: []` in the file is the same as no `sales` line).
    pub workspaces: Option<Managed<WorkspaceAccess>>,
    /// Direct permissions per data source; like `workspaces`.
    pub data_sources: Option<Managed<DataSourceAccess>>,
    /// Organization permissions.
    pub organization: Option<Managed<BTreeSet<OrganizationPermission>>>,
}

impl Access {
    /// Nothing managed: a group of id, name and parents only.
    pub const NONE: Access = Access {
        members: None,
        workspaces: None,
        data_sources: None,
        organization: None,
    };

    /// The facets this group manages.
    pub fn facets(&self) -> Facets {
        let mut set = Facets::NONE;
        for facet in Facet::ALL {
            if self.key_span(facet).is_some() {
                set.insert(facet);
            }
        }
        set
    }

    /// Whether it manages nothing.
    pub fn is_empty(&self) -> bool {
        self.facets().is_empty()
    }

    /// Where the facet's key was written, when it is managed.
    pub fn key_span(&self, facet: Facet) -> Option<Span> {
        match facet {
            Facet::Members => self.members.as_ref().map(|m| m.key),
            Facet::Workspaces => self.workspaces.as_ref().map(|m| m.key),
            Facet::DataSources => self.data_sources.as_ref().map(|m| m.key),
            Facet::Organization => self.organization.as_ref().map(|m| m.key),
        }
    }

    /// The facets whose desired values differ from `other`'s (one managing a facet the other
    /// leaves alone counts as differing). Positions are not compared.
    pub fn differing(&self, other: &Access) -> Vec<Facet> {
        fn same<T: PartialEq>(a: Option<&Managed<T>>, b: Option<&Managed<T>>) -> bool {
            a.map(|m| &m.value) == b.map(|m| &m.value)
        }
        Facet::ALL
            .into_iter()
            .filter(|facet| match facet {
                Facet::Members => !same(self.members.as_ref(), other.members.as_ref()),
                Facet::Workspaces => !same(self.workspaces.as_ref(), other.workspaces.as_ref()),
                Facet::DataSources => {
                    !same(self.data_sources.as_ref(), other.data_sources.as_ref())
                }
                Facet::Organization => {
                    !same(self.organization.as_ref(), other.organization.as_ref())
                }
            })
            .collect()
    }
}

/// The kinds of ids a group's facets name, for messages and hints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum IdKind {
    User,
    Workspace,
    DataSource,
}

impl IdKind {
    pub(super) fn noun(self) -> &'static str {
        match self {
            IdKind::User => "user",
            IdKind::Workspace => "workspace",
            IdKind::DataSource => "data source",
        }
    }
}

/// A string as written and where.
pub(super) type Located = (String, Span);

/// Checks a list of ids (the users of `members`): each of the API's id shape, none twice.
/// Returns the set and where each was written; problems go to `diags`.
pub(super) fn id_set(
    kind: IdKind,
    key: &str,
    items: Vec<Located>,
    diags: &mut Vec<Diagnostic>,
) -> (BTreeSet<String>, BTreeMap<String, Span>) {
    let mut spans: BTreeMap<String, Span> = BTreeMap::new();
    for (id, span) in items {
        if let Some(first) = spans.get(&id) {
            diags.push(
                Diagnostic::at(
                    span,
                    format!(
                        "{} `{id}` is listed twice in `{key}` (also at line {}, column {})",
                        kind.noun(),
                        first.line,
                        first.col
                    ),
                )
                .with_hint(format!("`{key}` is a set: remove the repeated one")),
            );
            continue;
        }
        if !check_id(kind, key, &id, span, diags) {
            continue;
        }
        spans.insert(id, span);
    }
    (spans.keys().cloned().collect(), spans)
}

/// Whether `id` has the API's id shape; reports it when not.
pub(super) fn check_id(
    kind: IdKind,
    key: &str,
    id: &str,
    span: Span,
    diags: &mut Vec<Diagnostic>,
) -> bool {
    if is_valid_id(id) {
        return true;
    }
    diags.push(
        Diagnostic::at(
            span,
            format!("invalid {} id `{id}` in `{key}`", kind.noun()),
        )
        .with_hint(id_rule_hint(id)),
    );
    false
}

/// Reads a list of permission names of one kind: each must be one of the API's names, none
/// twice. `key` names the list in messages (`organization`, `workspaces.sales`).
pub(super) fn permission_set<P: Permission>(
    key: &str,
    items: Vec<Located>,
    diags: &mut Vec<Diagnostic>,
) -> BTreeSet<P> {
    let mut seen: Vec<(P, Span)> = Vec::with_capacity(items.len());
    for (name, span) in items {
        let Some(permission) = P::from_name(&name) else {
            diags.push(
                Diagnostic::at(
                    span,
                    format!("unknown {} permission `{name}` in `{key}`", P::KIND),
                )
                .with_hint(unknown_permission_hint::<P>(&name)),
            );
            continue;
        };
        if let Some((_, first)) = seen.iter().find(|(p, _)| *p == permission) {
            diags.push(
                Diagnostic::at(
                    span,
                    format!(
                        "permission `{name}` is listed twice in `{key}` (also at line {}, column {})",
                        first.line, first.col
                    ),
                )
                .with_hint("permissions are a set: remove the repeated one"),
            );
            continue;
        }
        seen.push((permission, span));
    }
    seen.into_iter().map(|(p, _)| p).collect()
}

/// "did you mean `VIEW`?", or which kind of permission the name is, or the names there are.
fn unknown_permission_hint<P: Permission>(name: &str) -> String {
    let names = || {
        P::names()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    // A name of another kind in the wrong place says more than the closest spelling.
    let elsewhere = [
        (
            WorkspacePermission::KIND,
            WorkspacePermission::from_name(name).is_some(),
            "workspaces",
        ),
        (
            DataSourcePermission::KIND,
            DataSourcePermission::from_name(name).is_some(),
            "data_sources",
        ),
        (
            OrganizationPermission::KIND,
            OrganizationPermission::from_name(name).is_some(),
            "organization",
        ),
    ];
    if let Some((kind, _, key)) = elsewhere
        .iter()
        .find(|(kind, known, _)| *known && *kind != P::KIND)
    {
        return format!(
            "`{name}` is a {kind} permission (under `{key}`); the {} permissions are {}",
            P::KIND,
            names()
        );
    }
    match suggest::closest(name, P::names()) {
        Some(best) => format!("did you mean `{best}`?"),
        None => format!("the {} permissions are {}", P::KIND, names()),
    }
}

/// Builds a map facet (`workspaces`, `data_sources`) entry by entry as a reader finds them: each
/// id checked and taken at most once. An entry with no permission at all is left out of the value
/// (it means no direct access) but keeps its place in `ids`, so its id is still checked live.
pub(super) struct MapBuilder<V> {
    kind: IdKind,
    key: &'static str,
    value: BTreeMap<String, V>,
    ids: BTreeMap<String, Span>,
}

impl<V> MapBuilder<V> {
    pub(super) fn new(kind: IdKind, key: &'static str) -> Self {
        Self {
            kind,
            key,
            value: BTreeMap::new(),
            ids: BTreeMap::new(),
        }
    }

    /// Whether the entry `id` may be read: not a repeat, a valid id. Problems are reported.
    pub(super) fn admit(&mut self, id: &str, span: Span, diags: &mut Vec<Diagnostic>) -> bool {
        if let Some(first) = self.ids.get(id) {
            diags.push(
                Diagnostic::at(
                    span,
                    format!(
                        "{} `{id}` appears twice in `{}` (first on line {})",
                        self.kind.noun(),
                        self.key,
                        first.line
                    ),
                )
                .with_hint("give each one entry: merge the two lists"),
            );
            return false;
        }
        if !check_id(self.kind, self.key, id, span, diags) {
            return false;
        }
        self.ids.insert(id.to_string(), span);
        true
    }

    /// Adds an admitted entry's value; `keep` is false for "no permission at all".
    pub(super) fn insert(&mut self, id: String, value: V, keep: bool) {
        if keep {
            self.value.insert(id, value);
        }
    }

    pub(super) fn finish(self, key: Span) -> Managed<BTreeMap<String, V>> {
        Managed {
            value: self.value,
            key,
            ids: self.ids,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(col: usize) -> Span {
        Span {
            line: 3,
            col,
            len: 1,
        }
    }

    fn located(items: &[&str]) -> Vec<Located> {
        items
            .iter()
            .enumerate()
            .map(|(i, s)| ((*s).to_string(), at(i * 10 + 1)))
            .collect()
    }

    #[test]
    fn id_sets_refuse_repeats_and_bad_shapes() {
        let mut diags = Vec::new();
        let (set, spans) = id_set(
            IdKind::User,
            "members",
            located(&["zoe", "amy", "zoe", "bad id"]),
            &mut diags,
        );
        assert_eq!(set.into_iter().collect::<Vec<_>>(), ["amy", "zoe"]);
        assert_eq!(spans["zoe"], at(1), "the first place is kept");
        assert_eq!(diags.len(), 2, "{diags:#?}");
        assert_eq!(
            diags[0].message,
            "user `zoe` is listed twice in `members` (also at line 3, column 1)"
        );
        assert_eq!(diags[0].span, Some(at(21)));
        assert_eq!(diags[1].message, "invalid user id `bad id` in `members`");
        assert!(
            diags[1]
                .hint
                .as_deref()
                .is_some_and(|h| h.starts_with("a space is not allowed"))
        );
    }

    #[test]
    fn permission_names_are_checked_with_hints() {
        let mut diags = Vec::new();
        let set: BTreeSet<WorkspacePermission> = permission_set(
            "workspaces.sales",
            located(&["VIEW", "VEIW", "view", "USE", "EXPORT", "VIEW", "NOPE"]),
            &mut diags,
        );
        assert_eq!(
            set.into_iter().collect::<Vec<_>>(),
            [WorkspacePermission::Export, WorkspacePermission::View],
            "the API's order, not the file's"
        );
        let got: Vec<(&str, &str)> = diags
            .iter()
            .map(|d| (d.message.as_str(), d.hint.as_deref().unwrap_or_default()))
            .collect();
        assert_eq!(
            got[0].0,
            "unknown workspace permission `VEIW` in `workspaces.sales`"
        );
        assert_eq!(got[0].1, "did you mean `VIEW`?");
        assert_eq!(got[1].1, "did you mean `VIEW`?", "case is a likely typo");
        assert!(
            got[2]
                .1
                .starts_with("`USE` is a data source permission (under `data_sources`)"),
            "{}",
            got[2].1
        );
        assert_eq!(
            got[3].0,
            "permission `VIEW` is listed twice in `workspaces.sales` (also at line 3, column 1)"
        );
        assert!(
            got[4]
                .1
                .starts_with("the workspace permissions are `MANAGE`, `ANALYZE`")
        );
        assert_eq!(diags.len(), 5);

        let mut diags = Vec::new();
        let set: BTreeSet<OrganizationPermission> =
            permission_set("organization", located(&["VIEW", "MANAGE"]), &mut diags);
        assert_eq!(set.len(), 1);
        assert!(
            diags[0]
                .hint
                .as_deref()
                .is_some_and(|h| h.starts_with("`VIEW` is a workspace permission")),
            "{diags:?}"
        );
    }

    #[test]
    fn access_reports_its_facets_and_differences() {
        let managed = |value| Managed {
            value,
            key: at(5),
            ids: BTreeMap::new(),
        };
        let a = Access {
            members: Some(managed(BTreeSet::from(["x".to_string()]))),
            organization: Some(Managed {
                value: BTreeSet::new(),
                key: at(9),
                ids: BTreeMap::new(),
            }),
            ..Access::default()
        };
        assert_eq!(
            a.facets().iter().collect::<Vec<_>>(),
            [Facet::Members, Facet::Organization]
        );
        assert!(Access::NONE.is_empty() && !a.is_empty());
        let mut b = a.clone();
        b.members = Some(Managed {
            key: at(40),
            ..managed(BTreeSet::from(["x".to_string()]))
        });
        assert!(a.differing(&b).is_empty(), "positions do not count");
        b.organization = None;
        assert_eq!(a.differing(&b), [Facet::Organization]);
        assert_eq!(a.key_span(Facet::Organization), Some(at(9)));
        let m = a.members.as_ref().expect("members");
        assert_eq!(m.span_of("nobody"), at(5), "falls back to the key");
    }
}
