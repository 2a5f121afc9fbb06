//! Reading `groups.yaml`: bytes → text → located YAML tree → typed records.
//!
//! Every problem of shape and type is collected, not just the first; the checks across entries
//! (duplicates, parents, cycles, …) run afterwards in `check.rs` on whatever could be read.

use std::io::Read as _;
use std::path::Path;

use super::check::{self, Entry, File, id_rule_hint, name_too_long};
use super::node::{self, Kind, Limits, Node};
use super::suggest;
use super::{Desired, LoadOptions, Mode, ParentRef, Pattern, Safety};
use crate::diagnostic::{Diagnostic, Diagnostics, Span};
use crate::group::is_valid_id;

/// Files above this size are refused before they are read: a groups file of 250,000 groups is
/// about 20 MiB, so 64 MiB is generous and still bounds memory.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// What one file may make the parser build. A group with a name and three parents is about ten
/// nodes, so 3,000,000 nodes admit roughly 300,000 groups while bounding memory for a hostile
/// file. Aliases may add at most 1,000,000 nodes in total: legitimate reuse (`parents: *common`
/// on every group) stays far below, and a billion-laughs file is refused at its first alias
/// that would cross the line, before anything is expanded. Groups files are three levels deep;
/// 64 leaves room for anything sensible.
const LIMITS: Limits = Limits {
    nodes: 3_000_000,
    alias_nodes: 1_000_000,
    depth: 64,
};

/// Keys of the top-level mapping.
pub(super) const TOP_KEYS: [&str; 6] =
    ["groups", "protected", "ignore", "safety", "mode", "$schema"];

/// Keys of one group, canonical names first, then the `gooddata-pipelines` aliases.
pub(super) const GROUP_KEYS: [&str; 12] = [
    "id",
    "name",
    "parents",
    "members",
    "workspaces",
    "data_sources",
    "organization",
    "active",
    "user_group_id",
    "user_group_name",
    "parent_user_groups",
    "is_active",
];

/// Keys of the `safety:` mapping.
pub(super) const SAFETY_KEYS: [&str; 4] = [
    "max_deletes",
    "max_delete_percent",
    "max_member_removals",
    "max_member_removal_percent",
];

mod facets;

#[cfg(test)]
pub(super) use facets::WORKSPACE_KEYS;

pub(super) fn load(path: &Path, options: LoadOptions) -> Result<Desired, Diagnostics> {
    let display = path.display().to_string();
    let fail = |message: String, hint: &str| Diagnostics {
        path: display.clone(),
        source: String::new(),
        items: vec![Diagnostic::whole_file(message).with_hint(hint)],
    };
    // fs-err messages name the path, so the user sees which file could not be opened.
    let metadata = fs_err::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => fail(
            format!("{display}: no such file"),
            "check the path, or name another file with `-f`",
        ),
        _ => fail(
            e.to_string(),
            "check the path, or name another file with `-f`",
        ),
    })?;
    if metadata.is_dir() {
        return Err(fail(
            format!("`{display}` is a directory, not a groups file"),
            "name the file itself, for example `-f groups.yaml`",
        ));
    }
    if metadata.len() > MAX_FILE_BYTES {
        return Err(too_large(&display, metadata.len()));
    }
    // Read through a limit as well: pipes and device files report a size of 0, and
    // `/dev/zero` must not be read forever.
    let mut bytes = Vec::new();
    fs_err::File::open(path)
        .and_then(|file| file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| fail(e.to_string(), "check that the file is readable"))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(&display, bytes.len() as u64));
    }
    let text = decode(&display, bytes)?;
    super::parse(&display, &text, options)
}

fn too_large(path: &str, bytes: u64) -> Diagnostics {
    Diagnostics {
        path: path.to_string(),
        source: String::new(),
        items: vec![
            Diagnostic::whole_file(format!(
                "the file is too large ({} MiB; at most {} MiB)",
                bytes.div_ceil(1024 * 1024),
                MAX_FILE_BYTES / (1024 * 1024)
            ))
            .with_hint("is this the right file? a groups file is a few bytes per group"),
        ],
    }
}

/// Turns file bytes into text, with a clear error for binary and non-UTF-8 content.
pub(super) fn decode(path: &str, bytes: Vec<u8>) -> Result<String, Diagnostics> {
    let whole = |message: &str, hint: &str| Diagnostics {
        path: path.to_string(),
        source: String::new(),
        items: vec![Diagnostic::whole_file(message).with_hint(hint)],
    };
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(whole(
            "the file is UTF-16 encoded",
            "save it as UTF-8 (most editors offer this under \"encoding\")",
        ));
    }
    if bytes.contains(&0) {
        return Err(whole(
            "the file looks binary (it contains NUL bytes), not like a groups file",
            "name a YAML, JSON or CSV groups file with `-f`",
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let bytes = e.into_bytes();
        let before = String::from_utf8_lossy(&bytes[..valid]);
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        Diagnostics {
            path: path.to_string(),
            source: String::from_utf8_lossy(&bytes).into_owned(),
            items: vec![
                Diagnostic::at(
                    Span { line, col, len: 1 },
                    "the file is not valid UTF-8 text",
                )
                .with_hint("save the file as UTF-8"),
            ],
        }
    })
}

/// What every format refuses before reading: a text too large, or one that looks binary.
pub(super) fn check_text(path: &str, text: &str) -> Result<(), Diagnostics> {
    let fail = |items: Vec<Diagnostic>| Diagnostics {
        path: path.to_string(),
        source: text.to_string(),
        items,
    };
    if text.len() as u64 > MAX_FILE_BYTES {
        let mut d = too_large(path, text.len() as u64);
        d.source = text.to_string();
        return Err(d);
    }
    if text.contains('\0') {
        return Err(fail(vec![
            Diagnostic::whole_file(
                "the file looks binary (it contains NUL bytes), not like a groups file",
            )
            .with_hint("name a YAML, JSON or CSV groups file with `-f`"),
        ]));
    }
    Ok(())
}

/// Parses and checks YAML or JSON text (after [`check_text`]).
pub(super) fn parse(path: &str, text: &str, options: LoadOptions) -> Result<Desired, Diagnostics> {
    let fail = |items: Vec<Diagnostic>| Diagnostics {
        path: path.to_string(),
        source: text.to_string(),
        items,
    };
    let mut reader = Reader::new(text, options);
    let root = node::parse(text, LIMITS, |list, item| reader.stream_group(list, item))
        .map_err(|d| fail(vec![d]))?;
    let mut file = reader.read_file(root);
    reader.check_active_keys(file.mode);
    if file.mode == Mode::Full {
        // `active` was refused above; reading it as "delete" would only add follow-up noise.
        for entry in &mut file.entries {
            entry.active = true;
        }
    }
    let mut diags = reader.diags;

    let mode = file.mode;
    let groups = check::run(&mut file, options, &mut diags);

    if !diags.is_empty() {
        // File order reads best; messages about the whole file come first.
        diags.sort_by_key(|d| d.span.map(|s| (s.line, s.col)));
        return Err(fail(diags));
    }
    Ok(Desired {
        path: path.to_string(),
        source: text.to_string(),
        sha256: super::sha256_hex(text.as_bytes()),
        mode,
        protected: file.protected.into_iter().map(|(id, _)| id).collect(),
        ignore: file.ignore,
        safety: file.safety,
        groups,
    })
}

struct Reader<'a> {
    source: &'a str,
    /// Groups of the first list of groups, read while the parser streamed them.
    streamed: Vec<Entry>,
    /// How many items that list had, readable or not.
    streamed_items: usize,
    /// Every `active`/`is_active` key seen; whether it is allowed depends on the mode, which
    /// may be written after the groups.
    active_keys: Vec<ActiveKey>,
    /// Byte offset of each line's start, for quoting the raw text of a value in hints.
    line_starts: Vec<usize>,
    options: LoadOptions,
    diags: Vec<Diagnostic>,
}

/// A mapping's entries by key, after duplicate and unknown keys were reported. Values are
/// moved out as they are read, so no string is copied on the way to the result.
struct Fields<'a> {
    items: Vec<Field<'a>>,
}

struct Field<'a> {
    name: &'static str,
    key: Span,
    value: Node<'a>,
}

impl<'a> Fields<'a> {
    /// The key's span and value, removed from the set.
    fn take(&mut self, name: &str) -> Option<(Span, Node<'a>)> {
        let i = self.items.iter().position(|f| f.name == name)?;
        let field = self.items.swap_remove(i);
        Some((field.key, field.value))
    }
}

impl<'a> Reader<'a> {
    fn new(source: &'a str, options: LoadOptions) -> Self {
        // The parser does not count a byte-order mark as a column, so neither do we.
        let first = if source.starts_with('\u{FEFF}') { 3 } else { 0 };
        let line_starts = std::iter::once(first)
            .chain(source.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self {
            source,
            streamed: Vec::new(),
            streamed_items: 0,
            active_keys: Vec::new(),
            line_starts,
            options,
            diags: Vec::new(),
        }
    }

    fn error(&mut self, span: Span, message: impl Into<String>, hint: impl Into<String>) {
        self.diags
            .push(Diagnostic::at(span, message).with_hint(hint));
    }

    /// The text a node was written as, when it sits on one line (for hints like `quote it`).
    fn raw(&self, span: Span) -> Option<&'a str> {
        let start = *self.line_starts.get(span.line.checked_sub(1)?)?;
        let line = self.source[start..].split('\n').next()?;
        let from = line.char_indices().nth(span.col.checked_sub(1)?)?.0;
        let rest = &line[from..];
        let to = rest
            .char_indices()
            .nth(span.len)
            .map_or(rest.len(), |(i, _)| i);
        Some(&rest[..to]).filter(|s| !s.is_empty())
    }

    /// Called by the parser for each item of a list of groups; only the first list counts (a
    /// second `groups` key is reported as a duplicate).
    fn stream_group(&mut self, list: usize, item: Node<'a>) {
        if list == 0 {
            self.streamed_items += 1;
            if let Some(entry) = self.read_group(item) {
                self.streamed.push(entry);
            }
        }
    }

    /// The groups of a list: those streamed during parsing and those still in the tree (a
    /// list with an anchor, or one replayed from an alias).
    fn take_groups(&mut self, file: &mut File, items: Vec<Node<'a>>) {
        file.group_items = self.streamed_items + items.len();
        let mut entries = std::mem::take(&mut self.streamed);
        entries.reserve(items.len());
        for item in items {
            if let Some(entry) = self.read_group(item) {
                entries.push(entry);
            }
        }
        file.entries = entries;
    }

    /// `active` only means something in incremental mode; there it must be a boolean.
    fn check_active_keys(&mut self, mode: Mode) {
        for a in std::mem::take(&mut self.active_keys) {
            if mode == Mode::Full {
                self.error(
                    a.span,
                    format!("`{}` is only allowed in incremental mode", a.key),
                    "add `mode: incremental` at the top of the file or run with `--incremental`; in full mode, delete a group by removing it from the file",
                );
            } else if let Some(raw) = a.invalid {
                self.error(
                    a.span,
                    format!("`{}` must be `true` or `false`, found `{raw}`", a.key),
                    "YAML booleans are `true` and `false`",
                );
            }
        }
    }

    fn read_file(&mut self, root: Node<'a>) -> File {
        let mut file = File {
            mode: if self.options.incremental {
                Mode::Incremental
            } else {
                Mode::Full
            },
            protected: Vec::new(),
            ignore: Vec::new(),
            safety: Safety::default(),
            entries: Vec::new(),
            groups_span: None,
            group_items: 0,
            groups_unreadable: false,
        };
        let root_span = root.span;
        match root.kind {
            Kind::Null => {
                file.groups_unreadable = true;
                self.diags
                    .push(Diagnostic::whole_file("the file is empty").with_hint(
                        "declare groups under `groups:`, for example `groups: [{id: analysts}]`",
                    ));
            }
            Kind::Seq(items) => {
                // The `gooddata-pipelines` `raw_data` shape: a bare list of groups.
                file.groups_span = Some(root_span);
                self.take_groups(&mut file, items);
            }
            Kind::Map(map) => {
                let mut fields = self.fields(map, &TOP_KEYS, Context::Top);
                // `--incremental` wins over the file; the value is still checked.
                if let Some((_, v)) = fields.take("mode")
                    && let Some(mode) = self.read_mode(&v)
                    && !self.options.incremental
                {
                    file.mode = mode;
                }
                if let Some((_, v)) = fields.take("protected") {
                    file.protected = self.read_protected(v);
                }
                if let Some((_, v)) = fields.take("ignore") {
                    file.ignore = self.read_ignore(v);
                }
                if let Some((_, v)) = fields.take("safety") {
                    file.safety = self.read_safety(v);
                }
                if let Some((_, v)) = fields.take("$schema")
                    && !matches!(v.kind, Kind::Str(_) | Kind::Null)
                {
                    self.type_error("$schema", &v, "a string (the schema's path or URL)");
                }
                if let Some((k, v)) = fields.take("groups") {
                    file.groups_span = Some(k);
                    match v.kind {
                        Kind::Seq(items) => self.take_groups(&mut file, items),
                        Kind::Null => {}
                        Kind::Map(_) => {
                            file.groups_unreadable = true;
                            self.error(
                                v.span,
                                "`groups` must be a list, found a mapping",
                                "write each group as a list item: `- id: analysts`",
                            );
                        }
                        kind => {
                            file.groups_unreadable = true;
                            let v = Node { kind, span: v.span };
                            self.type_error("groups", &v, "a list of groups");
                        }
                    }
                }
            }
            other => {
                file.groups_unreadable = true;
                let span = root_span;
                self.error(
                    span,
                    format!(
                        "a groups file must be a mapping with `groups:` or a list of groups, found {}",
                        other.describe()
                    ),
                    "start the file with `groups:` and list the groups below it",
                );
            }
        }
        file
    }

    /// Reports duplicate, non-string and unknown keys; returns the usable entries.
    fn fields(
        &mut self,
        map: Vec<(Node<'a>, Node<'a>)>,
        allowed: &[&'static str],
        context: Context,
    ) -> Fields<'a> {
        let mut items: Vec<Field<'a>> = Vec::with_capacity(map.len());
        for (key, value) in map {
            let Some(name) = key.as_str() else {
                let raw = self.raw(key.span).unwrap_or("this key").to_string();
                self.error(
                    key.span,
                    format!("keys must be strings, found {}", key.kind.describe()),
                    format!(
                        "use one of {}; `{raw}` is not a key gdgroups knows",
                        list(allowed)
                    ),
                );
                continue;
            };
            if let Some(first) = items.iter().find(|f| f.name == name) {
                let first_line = first.key.line;
                self.error(
                    key.span,
                    format!("duplicate key `{name}` (first given on line {first_line})"),
                    "a key may appear once per mapping: remove one of them",
                );
                continue;
            }
            let Some(&name) = allowed.iter().find(|k| **k == name) else {
                let hint = unknown_key_hint(name, allowed, context);
                self.error(key.span, format!("unknown key `{name}`"), hint);
                continue;
            };
            items.push(Field {
                name,
                key: key.span,
                value,
            });
        }
        Fields { items }
    }

    fn type_error(&mut self, key: &str, value: &Node, expected: &str) {
        let found = value.kind.describe();
        self.error(
            value.span,
            format!("`{key}` must be {expected}, found {found}"),
            format!("write `{key}:` as {expected}"),
        );
    }

    /// A string value; a scalar of another type gets a "quote it" hint with its raw text.
    fn string(&mut self, key: &str, value: Node<'a>) -> Option<String> {
        match value.kind {
            Kind::Str(s) => Some(s.into_owned()),
            Kind::Bool(_) | Kind::Int(_) | Kind::Float(_) => {
                let raw = self.raw(value.span).unwrap_or("…").to_string();
                self.error(
                    value.span,
                    format!(
                        "`{key}` must be a string, found {} `{raw}`",
                        value.kind.describe()
                    ),
                    format!("quote it: `{key}: \"{raw}\"`"),
                );
                None
            }
            _ => {
                self.type_error(key, &value, "a string");
                None
            }
        }
    }

    fn read_mode(&mut self, value: &Node) -> Option<Mode> {
        match &value.kind {
            Kind::Null => None,
            Kind::Str(s) if s == "full" => Some(Mode::Full),
            Kind::Str(s) if s == "incremental" => Some(Mode::Incremental),
            _ => {
                let raw = self.raw(value.span).unwrap_or("…").to_string();
                self.error(
                    value.span,
                    format!("unknown mode `{raw}`"),
                    "use `mode: full` (the default) or `mode: incremental`",
                );
                None
            }
        }
    }

    /// A list of strings; `null` is an empty list.
    fn string_list(&mut self, key: &str, value: Node<'a>) -> Vec<(String, Span)> {
        match &value.kind {
            Kind::Null => Vec::new(),
            Kind::Seq(_) => {
                let Kind::Seq(items) = value.kind else {
                    return Vec::new();
                };
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    let span = item.span;
                    if let Some(s) = self.string(key, item) {
                        out.push((s, span));
                    }
                }
                out
            }
            Kind::Str(s) => {
                self.error(
                    value.span,
                    format!("`{key}` must be a list, found a string"),
                    format!("write a list: `{key}: [{s}]`"),
                );
                Vec::new()
            }
            _ => {
                self.type_error(key, &value, "a list of strings");
                Vec::new()
            }
        }
    }

    fn read_protected(&mut self, value: Node<'a>) -> Vec<(String, Span)> {
        let mut out: Vec<(String, Span)> = Vec::new();
        for (id, span) in self.string_list("protected", value) {
            if !is_valid_id(&id) {
                self.error(
                    span,
                    format!("`{id}` in `protected` is not a valid group id"),
                    id_rule_hint(&id),
                );
            } else if !out.iter().any(|(p, _)| *p == id) {
                // Listing an id twice is harmless: keep the first.
                out.push((id, span));
            }
        }
        out
    }

    fn read_ignore(&mut self, value: Node<'a>) -> Vec<Pattern> {
        let mut out = Vec::new();
        for (glob, span) in self.string_list("ignore", value) {
            let stray = glob
                .chars()
                .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '*' | '?')));
            if let Some(c) = stray {
                self.error(
                    span,
                    format!("ignore pattern `{glob}` contains `{c}`, which no group id has"),
                    "patterns use `*` (any run of characters) and `?` (one character); everything else matches literally",
                );
                continue;
            }
            if glob.is_empty() {
                self.error(
                    span,
                    "empty ignore pattern",
                    "remove it, or write a pattern such as `jit-*`",
                );
                continue;
            }
            out.push(Pattern { glob, span });
        }
        out
    }

    fn read_safety(&mut self, value: Node<'a>) -> Safety {
        let mut safety = Safety::default();
        let map = match value.kind {
            Kind::Null => return safety,
            Kind::Map(map) => map,
            kind => {
                let value = Node {
                    kind,
                    span: value.span,
                };
                self.type_error("safety", &value, "a mapping");
                return safety;
            }
        };
        let mut fields = self.fields(map, &SAFETY_KEYS, Context::Safety);
        if let Some((_, v)) = fields.take("max_deletes") {
            safety.max_deletes = self.read_count("max_deletes", &v, "deletes");
        }
        if let Some((_, v)) = fields.take("max_delete_percent") {
            safety.max_delete_percent = self.read_percent("max_delete_percent", &v);
        }
        if let Some((_, v)) = fields.take("max_member_removals") {
            safety.max_member_removals =
                self.read_count("max_member_removals", &v, "member removals");
        }
        if let Some((_, v)) = fields.take("max_member_removal_percent") {
            safety.max_member_removal_percent = self.read_percent("max_member_removal_percent", &v);
        }
        safety
    }

    /// A `safety:` count: a whole number ≥ 0, or null for none.
    fn read_count(&mut self, key: &str, v: &Node<'a>, what: &str) -> Option<u64> {
        match v.kind {
            Kind::Null => None,
            Kind::Int(n) if n >= 0 => Some(u64::try_from(n).unwrap_or(u64::MAX)),
            _ => {
                self.error(
                    v.span,
                    format!(
                        "`{key}` must be a whole number ≥ 0, found {}",
                        v.kind.describe()
                    ),
                    format!("for example `{key}: 10`; `0` forbids {what}"),
                );
                None
            }
        }
    }

    /// A `safety:` percentage from 0 to 100, or null for the default.
    fn read_percent(&mut self, key: &str, v: &Node<'a>) -> Option<f64> {
        #[allow(clippy::cast_precision_loss)] // the range check below keeps it small
        let percent = match v.kind {
            Kind::Null => None,
            Kind::Int(n) => Some(n as f64),
            Kind::Float(f) => Some(f),
            _ => {
                self.type_error(key, v, "a number from 0 to 100");
                None
            }
        };
        let p = percent?;
        if (0.0..=100.0).contains(&p) {
            return Some(p);
        }
        self.error(
            v.span,
            format!("`{key}` must be from 0 to 100, found {p}"),
            format!("for example `{key}: 30` (the default)"),
        );
        None
    }

    /// One group; `None` when it has no usable id (the problem is reported).
    fn read_group(&mut self, item: Node<'a>) -> Option<Entry> {
        let map = match item.kind {
            Kind::Map(map) => map,
            Kind::Str(s) => {
                let hint = if is_valid_id(&s) {
                    format!("write `- id: {s}`")
                } else {
                    "write each group as a mapping: `- id: analysts`".to_string()
                };
                self.error(item.span, "a group must be a mapping with an `id`", hint);
                return None;
            }
            other => {
                self.error(
                    item.span,
                    format!(
                        "a group must be a mapping with an `id`, found {}",
                        other.describe()
                    ),
                    "write each group as a mapping: `- id: analysts`",
                );
                return None;
            }
        };
        // Where the mapping starts, for "no id": its first key.
        let first_key = map.first().map_or(item.span, |(k, _)| k.span);
        let mut fields = self.fields(map, &GROUP_KEYS, Context::Group);
        let id = self.aliased(&mut fields, "id", "user_group_id");
        let name = self.aliased(&mut fields, "name", "user_group_name");
        let parents = self.aliased(&mut fields, "parents", "parent_user_groups");
        let active = self.aliased(&mut fields, "active", "is_active");

        // Without a usable id the entry is dropped, but its other keys are still checked.
        let id = self.read_id(id, first_key);
        let name = name.and_then(|(key, v)| {
            let group = id.as_ref().map_or("this group", |(id, _)| id.as_str());
            self.read_name(key, v, group)
        });
        let parents = match parents {
            None => Vec::new(),
            Some((key, v)) => self.read_parents(key, v),
        };
        let active = active.is_none_or(|(key, v)| self.read_active(key, &v));
        let access = self.read_access(&mut fields);

        let (id, id_span) = id?;
        Some(Entry::new(id, id_span, name, parents, active, access))
    }

    fn read_id(&mut self, id: Option<(&str, Node<'a>)>, first_key: Span) -> Option<(String, Span)> {
        match id {
            None => {
                self.error(
                    first_key,
                    "group has no `id`",
                    "every group needs an `id:`, for example `id: analysts`",
                );
                None
            }
            Some((key, v)) if matches!(v.kind, Kind::Null) => {
                self.error(
                    v.span,
                    format!("`{key}` is empty"),
                    "every group needs an id, for example `id: analysts`",
                );
                None
            }
            Some((key, v)) => {
                let span = v.span;
                let id = self.string(key, v)?;
                if !is_valid_id(&id) {
                    self.error(span, format!("invalid group id `{id}`"), id_rule_hint(&id));
                }
                Some((id, span))
            }
        }
    }

    /// A name, or `None` for null (no name) and for a value that is not a string (reported).
    fn read_name(&mut self, key: &str, value: Node<'a>, group: &str) -> Option<String> {
        if matches!(value.kind, Kind::Null) {
            return None;
        }
        let span = value.span;
        let name = self.string(key, value)?;
        if let Some(message) = name_too_long(group, &name) {
            self.error(span, message, "shorten the name");
        }
        Some(name)
    }

    /// The flag's value; whether the key is allowed at all is decided once the mode is known.
    fn read_active(&mut self, key: &'static str, value: &Node<'a>) -> bool {
        let (active, invalid) = match value.kind {
            Kind::Bool(b) => (b, None),
            Kind::Null => (true, None),
            _ => (true, Some(self.raw(value.span).unwrap_or("…").to_string())),
        };
        self.active_keys.push(ActiveKey {
            key,
            span: value.span,
            invalid,
        });
        active
    }

    /// The value of a key that has a `gooddata-pipelines` alias; both given is an error, reported
    /// at whichever of the two comes second.
    fn aliased(
        &mut self,
        fields: &mut Fields<'a>,
        canonical: &'static str,
        alias: &'static str,
    ) -> Option<(&'static str, Node<'a>)> {
        match (fields.take(canonical), fields.take(alias)) {
            (Some((ck, cv)), Some((ak, av))) => {
                let alias_later = (ak.line, ak.col) > (ck.line, ck.col);
                let (later, later_name, earlier, earlier_name) = if alias_later {
                    (ak, alias, ck, canonical)
                } else {
                    (ck, canonical, ak, alias)
                };
                self.error(
                    later,
                    format!(
                        "`{later_name}` repeats `{earlier_name}` (line {}): `{alias}` is another name for `{canonical}`",
                        earlier.line
                    ),
                    format!("keep only one of `{canonical}` and `{alias}`"),
                );
                Some(if alias_later {
                    (canonical, cv)
                } else {
                    (alias, av)
                })
            }
            (Some((_, v)), None) => Some((canonical, v)),
            (None, Some((_, v))) => Some((alias, v)),
            (None, None) => None,
        }
    }

    fn read_parents(&mut self, key: &str, value: Node<'a>) -> Vec<ParentRef> {
        let mut out = Vec::new();
        match value.kind {
            Kind::Null => {}
            Kind::Seq(items) => {
                out.reserve(items.len());
                for item in items {
                    match item.kind {
                        Kind::Str(id) => out.push(ParentRef {
                            id: id.into_owned(),
                            span: item.span,
                        }),
                        Kind::Bool(_) | Kind::Int(_) | Kind::Float(_) => {
                            let raw = self.raw(item.span).unwrap_or("…").to_string();
                            self.error(
                                item.span,
                                format!(
                                    "parent ids must be strings, found {} `{raw}`",
                                    item.kind.describe()
                                ),
                                format!("quote it: `\"{raw}\"`"),
                            );
                        }
                        other => {
                            self.error(
                                item.span,
                                format!("parent ids must be strings, found {}", other.describe()),
                                format!("list the parents' ids: `{key}: [analysts, sales]`"),
                            );
                        }
                    }
                }
            }
            // `gooddata-pipelines` took parents from CSV as one comma-separated string; a comma
            // cannot occur in an id, so splitting is unambiguous. Only under the alias key:
            // `parents: analysts` is far more likely a forgotten list.
            Kind::Str(s) if key == "parent_user_groups" => {
                out.extend(self.split_parents(&s, value.span));
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
                    format!("`{key}` must be a list, found a string"),
                    format!("write a list: `{key}: [{list}]`"),
                );
            }
            kind => {
                let value = Node {
                    kind,
                    span: value.span,
                };
                self.type_error(key, &value, "a list of group ids");
            }
        }
        out
    }

    /// Splits `"a, b,c"` into parent refs, each pointing at its piece when the raw text allows.
    fn split_parents(&self, value: &str, span: Span) -> Vec<ParentRef> {
        // Where the value's characters start inside the raw text: 0 for plain, 1 for quoted
        // without escapes; otherwise every piece points at the whole string.
        let raw = self.raw(span);
        let shift = match raw {
            Some(r) if r == value => Some(0),
            Some(r) if r.len() == value.len() + 2 && &r[1..r.len() - 1] == value => Some(1),
            _ => None,
        };
        let mut out = Vec::new();
        let mut offset_chars = 0;
        for piece in value.split(',') {
            let trimmed_start = piece.len() - piece.trim_start().len();
            let id = piece.trim();
            if !id.is_empty() {
                let piece_span = match shift {
                    Some(shift) => Span {
                        line: span.line,
                        col: span.col
                            + shift
                            + offset_chars
                            + piece[..trimmed_start].chars().count(),
                        len: id.chars().count(),
                    },
                    None => span,
                };
                out.push(ParentRef {
                    id: id.to_string(),
                    span: piece_span,
                });
            }
            offset_chars += piece.chars().count() + 1;
        }
        out
    }
}

/// An `active` key as written, checked once the mode is known.
struct ActiveKey {
    key: &'static str,
    span: Span,
    /// The raw text when the value is not a boolean.
    invalid: Option<String>,
}

/// Which mapping a key sits in, for hints about keys written at the wrong level.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    Top,
    Group,
    Safety,
    /// A workspace entry written as `{permissions, hierarchy}`.
    Workspace,
}

fn list(keys: &[&str]) -> String {
    keys.iter()
        .filter(|k| !k.starts_with('$'))
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn unknown_key_hint(name: &str, allowed: &[&str], context: Context) -> String {
    if let Some(best) = suggest::closest(name, allowed.iter().copied()) {
        return format!("did you mean `{best}`?");
    }
    let at_top = TOP_KEYS.contains(&name) || suggest::closest(name, TOP_KEYS).is_some();
    let in_group = GROUP_KEYS.contains(&name) || suggest::closest(name, GROUP_KEYS).is_some();
    let in_safety = SAFETY_KEYS.contains(&name) || suggest::closest(name, SAFETY_KEYS).is_some();
    match context {
        Context::Workspace if name == "hierarchyPermissions" => {
            "write `hierarchy`: it is gdgroups' name for the API's `hierarchyPermissions`".into()
        }
        Context::Top if in_group => {
            "group keys go inside a list item under `groups:`, as in `groups: [{id: analysts}]`"
                .into()
        }
        Context::Top if in_safety => format!("`{name}` goes under `safety:`"),
        Context::Group | Context::Safety if at_top => {
            format!("`{name}` is a top-level key: move it out to the start of a line")
        }
        Context::Group if in_safety => format!("`{name}` goes under the top-level `safety:`"),
        _ => format!("the keys here are {}", list(allowed)),
    }
}
