//! Reading a group's managed facets from the YAML tree: `members`, `workspaces`,
//! `data_sources`, `organization`. Shapes and types are checked here, with positions; ids,
//! repeats and permission names in `desired::access`, which the CSV reader shares.

use std::collections::BTreeSet;

use super::super::access::{self, Access, IdKind, Located, Managed, MapBuilder};
use super::{Context, Fields, Kind, Node, Reader};
use crate::access::{
    DataSourcePermission, OrganizationPermission, Permission, WorkspacePermission,
    WorkspacePermissions,
};
use crate::diagnostic::Span;

/// Keys of a workspace entry written as a mapping.
pub(in crate::desired) const WORKSPACE_KEYS: [&str; 2] = ["permissions", "hierarchy"];

impl<'a> Reader<'a> {
    /// The facets among a group's remaining keys; `None` when it manages none (the common
    /// case, which costs nothing more than this check).
    pub(super) fn read_access(&mut self, fields: &mut Fields<'a>) -> Option<Box<Access>> {
        if fields.items.is_empty() {
            return None;
        }
        let mut access = Access::default();
        if let Some((key, v)) = fields.take("members") {
            access.members = self.read_members(key, v);
        }
        if let Some((key, v)) = fields.take("workspaces") {
            access.workspaces = self.read_workspaces(key, v);
        }
        if let Some((key, v)) = fields.take("data_sources") {
            access.data_sources = self.read_data_sources(key, v);
        }
        if let Some((key, v)) = fields.take("organization") {
            access.organization = self
                .permission_list::<OrganizationPermission>("organization", v)
                .map(|value| Managed {
                    value,
                    key,
                    ids: std::collections::BTreeMap::new(),
                });
        }
        (!access.is_empty()).then(|| Box::new(access))
    }

    fn read_members(&mut self, key: Span, value: Node<'a>) -> Option<Managed<BTreeSet<String>>> {
        let items = self.list_of("members", value, "[alice, bob]")?;
        let mut ids: Vec<Located> = Vec::with_capacity(items.len());
        for item in items {
            if let Some(id) = self.id_item(IdKind::User, "members", item) {
                ids.push(id);
            }
        }
        let (value, ids) = access::id_set(IdKind::User, "members", ids, &mut self.diags);
        Some(Managed { value, key, ids })
    }

    fn read_workspaces(
        &mut self,
        key: Span,
        value: Node<'a>,
    ) -> Option<Managed<crate::access::WorkspaceAccess>> {
        let entries = self.map_of("workspaces", value, "{sales: [VIEW]}")?;
        let mut map = MapBuilder::new(IdKind::Workspace, "workspaces");
        for (k, v) in entries {
            let Some((id, span)) = self.id_item(IdKind::Workspace, "workspaces", k) else {
                continue;
            };
            if !map.admit(&id, span, &mut self.diags) {
                continue;
            }
            let label = format!("workspaces.{id}");
            let entry = match v.kind {
                Kind::Map(fields) => {
                    let mut fields = self.fields(fields, &WORKSPACE_KEYS, Context::Workspace);
                    let mut read = |name: &str, reader: &mut Self| {
                        fields.take(name).and_then(|(_, v)| {
                            reader.permission_list::<WorkspacePermission>(
                                &format!("{label}.{name}"),
                                v,
                            )
                        })
                    };
                    let permissions = read("permissions", self).unwrap_or_default();
                    let hierarchy = read("hierarchy", self).unwrap_or_default();
                    WorkspacePermissions {
                        permissions,
                        hierarchy,
                    }
                }
                kind => {
                    let v = Node { kind, span: v.span };
                    match self.permission_list::<WorkspacePermission>(&label, v) {
                        Some(set) => WorkspacePermissions::only(set),
                        None => continue,
                    }
                }
            };
            let keep = !entry.is_empty();
            map.insert(id, entry, keep);
        }
        Some(map.finish(key))
    }

    fn read_data_sources(
        &mut self,
        key: Span,
        value: Node<'a>,
    ) -> Option<Managed<crate::access::DataSourceAccess>> {
        let entries = self.map_of("data_sources", value, "{warehouse: [USE]}")?;
        let mut map = MapBuilder::new(IdKind::DataSource, "data_sources");
        for (k, v) in entries {
            let Some((id, span)) = self.id_item(IdKind::DataSource, "data_sources", k) else {
                continue;
            };
            if !map.admit(&id, span, &mut self.diags) {
                continue;
            }
            let label = format!("data_sources.{id}");
            if matches!(v.kind, Kind::Map(_)) {
                self.error(
                    v.span,
                    format!("`{label}` must be a list of permissions, found a mapping"),
                    format!(
                        "data sources have no hierarchy: write `{id}: [USE]`; the permissions are {}",
                        names::<DataSourcePermission>()
                    ),
                );
                continue;
            }
            if let Some(set) = self.permission_list::<DataSourcePermission>(&label, v) {
                let keep = !set.is_empty();
                map.insert(id, set, keep);
            }
        }
        Some(map.finish(key))
    }

    /// A list of permission names of one kind; `None` when the value is not a list (reported).
    fn permission_list<P: Permission>(
        &mut self,
        label: &str,
        value: Node<'a>,
    ) -> Option<BTreeSet<P>> {
        let example = format!(
            "[{}]",
            P::ALL.last().map_or("VIEW", |p| p.as_str()).to_owned()
        );
        let items = self.list_of(label, value, &example)?;
        let mut written: Vec<Located> = Vec::with_capacity(items.len());
        for item in items {
            match item.kind {
                Kind::Str(s) => written.push((s.into_owned(), item.span)),
                other => self.error(
                    item.span,
                    format!(
                        "{} permissions are names, found {} in `{label}`",
                        P::KIND,
                        other.describe()
                    ),
                    format!("the {} permissions are {}", P::KIND, names::<P>()),
                ),
            }
        }
        Some(access::permission_set::<P>(label, written, &mut self.diags))
    }

    /// The items of a facet's list. Null, a string or another type is reported: absent and
    /// empty mean different things for a facet, so an empty key is not guessed at.
    fn list_of(&mut self, label: &str, value: Node<'a>, example: &str) -> Option<Vec<Node<'a>>> {
        match value.kind {
            Kind::Seq(items) => Some(items),
            Kind::Null => {
                self.error(
                    value.span,
                    format!("`{label}` is empty"),
                    format!(
                        "write `[]` for none, or list them: `{example}`; without the key, what the server has is left alone"
                    ),
                );
                None
            }
            Kind::Str(s) => {
                let list = s
                    .split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .collect::<Vec<_>>()
                    .join(", ");
                self.error(
                    value.span,
                    format!("`{label}` must be a list, found a string"),
                    format!("write a list: `[{list}]`"),
                );
                None
            }
            kind => {
                let value = Node {
                    kind,
                    span: value.span,
                };
                self.type_error(label, &value, "a list");
                None
            }
        }
    }

    /// The entries of a facet's mapping (`workspaces`, `data_sources`).
    fn map_of(
        &mut self,
        label: &str,
        value: Node<'a>,
        example: &str,
    ) -> Option<Vec<(Node<'a>, Node<'a>)>> {
        match value.kind {
            Kind::Map(entries) => Some(entries),
            Kind::Null => {
                self.error(
                    value.span,
                    format!("`{label}` is empty"),
                    format!(
                        "write `{label}: {{}}` for no direct access, or list them: `{label}: {example}`; without the key, what the server has is left alone"
                    ),
                );
                None
            }
            Kind::Seq(_) => {
                self.error(
                    value.span,
                    format!("`{label}` must be a mapping from id to permissions, found a list"),
                    format!("write one line per id: `{label}: {example}`"),
                );
                None
            }
            kind => {
                let value = Node {
                    kind,
                    span: value.span,
                };
                self.type_error(label, &value, "a mapping from id to permissions");
                None
            }
        }
    }

    /// An id written as a list item or a mapping key; other scalars get a "quote it" hint.
    fn id_item(&mut self, kind: IdKind, label: &str, node: Node<'a>) -> Option<Located> {
        match node.kind {
            Kind::Str(id) => Some((id.into_owned(), node.span)),
            Kind::Bool(_) | Kind::Int(_) | Kind::Float(_) => {
                let raw = self.raw(node.span).unwrap_or("…").to_string();
                self.error(
                    node.span,
                    format!(
                        "{} ids must be strings, found {} `{raw}` in `{label}`",
                        kind.noun(),
                        node.kind.describe()
                    ),
                    format!("quote it: `\"{raw}\"`"),
                );
                None
            }
            other => {
                self.error(
                    node.span,
                    format!(
                        "{} ids must be strings, found {} in `{label}`",
                        kind.noun(),
                        other.describe()
                    ),
                    format!("write each {} id as plain text", kind.noun()),
                );
                None
            }
        }
    }
}

fn names<P: Permission>() -> String {
    P::names()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
