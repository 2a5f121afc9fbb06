//! A located YAML tree: every node and key of the file with its [`Span`], built from the
//! events of serde-saphyr's YAML parser (`serde_saphyr::granit_parser`).
//!
//! The checks need every problem at once, with positions, so they walk this generic tree
//! instead of letting a derived `Deserialize` stop at the first wrong type. The tree is built
//! from parser events rather than through serde-saphyr's `Deserializer`: measured on 100,000
//! groups, the deserializer layer (`Spanned<T>` or not) took about 1.2 s in release mode where
//! the parser alone takes about 0.4 s, and the spec asks for well under a second.
//!
//! What the deserializer would have given is done here: YAML 1.2 core-schema scalars (`yes` is a
//! string), anchors and aliases with a hard budget (an alias bomb fails before it expands),
//! merge keys (`<<`), a nesting limit, a node limit, one document only. Building is iterative,
//! so no input can overflow the stack. Duplicate keys are left to the reader, which reports
//! all of them.

use std::borrow::Cow;
use std::sync::mpsc;

use foldhash::{HashMap, HashMapExt};
use serde_saphyr::granit_parser::{
    self, Event, Parser, ScalarStyle, ScanError, Span as YamlSpan, Tag,
};

use crate::diagnostic::{Diagnostic, Span};

/// One YAML node and where it was written.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Node<'a> {
    pub(super) kind: Kind<'a>,
    pub(super) span: Span,
}

/// What a node holds, as the YAML 1.2 core schema resolves it. Strings borrow from the file's
/// text where the parser allows (plain and simple quoted scalars): most of a large file is
/// never copied until the reader keeps a value.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Kind<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Cow<'a, str>),
    Seq(Vec<Node<'a>>),
    Map(Vec<(Node<'a>, Node<'a>)>),
}

impl Kind<'_> {
    /// The noun used in "expected …, found …" messages.
    pub(super) fn describe(&self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool(_) => "a boolean",
            Kind::Int(_) => "an integer",
            Kind::Float(_) => "a number",
            Kind::Str(_) => "a string",
            Kind::Seq(_) => "a list",
            Kind::Map(_) => "a mapping",
        }
    }
}

impl Node<'_> {
    /// The scalar as a string when it is one.
    pub(super) fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Str(s) => Some(s),
            _ => None,
        }
    }
}

/// Resource limits for one file.
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    /// At most this many nodes, aliases counted as expanded.
    pub(super) nodes: usize,
    /// At most this many nodes produced by expanding aliases, in total.
    pub(super) alias_nodes: usize,
    /// At most this many nested collections.
    pub(super) depth: usize,
}

/// A collection being built.
struct Frame<'a> {
    kind: FrameKind<'a>,
    span: Span,
    anchor: usize,
    /// This is a list of groups (the root list, or the value of a top-level `groups` key):
    /// its items go to the sink as they complete, numbered by which such list this is.
    stream: Option<usize>,
    /// Nodes inside, this one included, with aliases expanded: the cost of replaying it.
    size: usize,
}

enum FrameKind<'a> {
    Seq(Vec<Node<'a>>),
    Map {
        entries: Vec<(Node<'a>, Node<'a>)>,
        key: Option<Node<'a>>,
        /// The key is a plain `<<`: its value merges into this mapping.
        key_is_merge: bool,
        merges: Vec<Node<'a>>,
    },
}

struct Builder<'a, F> {
    limits: Limits,
    sink: F,
    /// How many `groups` keys the root mapping had so far.
    groups_keys: usize,
    stack: Vec<Frame<'a>>,
    /// Anchored nodes by the parser's anchor id, with their expanded size.
    anchors: HashMap<usize, (Node<'a>, usize)>,
    nodes: usize,
    alias_nodes: usize,
    root: Option<Node<'a>>,
}

/// Parses `text` into a tree, or the one YAML-level error that stopped it.
///
/// The items of a list of groups (the root list, or the value of a top-level `groups` key) are
/// not kept in the tree: each goes to `sink` as soon as it is complete, with the number of the
/// list it belongs to (a second `groups` key is a duplicate the reader reports). Converting
/// groups one by one keeps memory flat and the work in cache; the list itself stays in the
/// tree, empty. A list with an anchor is kept whole, since an alias may replay it.
pub(super) fn parse<'a, F>(text: &'a str, limits: Limits, sink: F) -> Result<Node<'a>, Diagnostic>
where
    F: FnMut(usize, Node<'a>),
{
    let options = granit_parser::options! {
        emit_comments: false,
        // Our own depth limit is lower and gives the clearer message; the parser counts some
        // levels twice (a block mapping value, for one).
        block_nesting_limit: limits.depth * 2 + 8,
        flow_nesting_limit: limits.depth * 2 + 8,
    };
    std::thread::scope(|scope| {
        let (sender, batches) = mpsc::sync_channel::<Vec<ParserItem<'a>>>(BATCHES_IN_FLIGHT);
        let scanner_options = options.clone();
        let produce = move || {
            let mut batch = Vec::with_capacity(BATCH);
            for item in Parser::new_from_str_with_options(text, scanner_options) {
                let failed = item.is_err();
                batch.push(item);
                if batch.len() == BATCH || failed {
                    let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                    // The receiver is gone when the builder stopped at an error of its own;
                    // after a scan error, the parser has nothing more to say.
                    if sender.send(full).is_err() || failed {
                        return;
                    }
                }
            }
            let _ = sender.send(batch);
        };
        // Scanning the text is most of the work: it runs on a thread of its own while this one
        // builds the tree and reads the groups. Without a thread, everything runs here.
        match std::thread::Builder::new()
            .name("gdgroups-yaml".into())
            .spawn_scoped(scope, produce)
        {
            Ok(_) => build(text, batches.into_iter().flatten(), limits, sink),
            Err(_) => build(
                text,
                Parser::new_from_str_with_options(text, options),
                limits,
                sink,
            ),
        }
    })
}

/// One parser event with its span, or the error that ended parsing.
type ParserItem<'a> = Result<(Event<'a>, YamlSpan), ScanError>;

/// Events per batch handed from the scanning thread to the building one, and how many batches
/// may wait: enough to keep both threads busy, little enough to keep memory flat.
const BATCH: usize = 4096;
const BATCHES_IN_FLIGHT: usize = 4;

/// Builds the tree from the parser's events of `text`; see [`parse`].
fn build<'a, F>(
    text: &str,
    events: impl Iterator<Item = ParserItem<'a>>,
    limits: Limits,
    sink: F,
) -> Result<Node<'a>, Diagnostic>
where
    F: FnMut(usize, Node<'a>),
{
    let mut builder = Builder {
        limits,
        sink,
        groups_keys: 0,
        stack: Vec::new(),
        anchors: HashMap::new(),
        nodes: 0,
        alias_nodes: 0,
        root: None,
    };
    let mut documents = 0;
    for event in events {
        let (event, span) = event.map_err(|e| scan_error(&e, text))?;
        match event {
            Event::DocumentStart(..) => {
                documents += 1;
                if documents > 1 {
                    let at = Span {
                        len: 3,
                        ..to_span(&span)
                    };
                    return Err(
                        Diagnostic::at(at, "the file holds more than one YAML document")
                            .with_hint("a groups file is one document: remove the extra `---`"),
                    );
                }
            }
            Event::Scalar(value, style, anchor, tag) => {
                let span = to_span(&span);
                let (kind, merge_key) = scalar(value, style, tag.as_deref(), span)?;
                builder.count(1, span)?;
                builder.finish(Node { kind, span }, anchor, 1, merge_key);
            }
            Event::SequenceStart(_, anchor, tag) => {
                let span = to_span(&span);
                collection_tag(tag.as_deref(), "seq", span)?;
                builder.open(FrameKind::Seq(Vec::new()), span, anchor)?;
            }
            Event::MappingStart(_, anchor, tag) => {
                let span = to_span(&span);
                collection_tag(tag.as_deref(), "map", span)?;
                builder.open(
                    FrameKind::Map {
                        entries: Vec::new(),
                        key: None,
                        key_is_merge: false,
                        merges: Vec::new(),
                    },
                    span,
                    anchor,
                )?;
            }
            Event::SequenceEnd | Event::MappingEnd => builder.close()?,
            Event::Alias(id) => builder.alias(id, to_span(&span))?,
            // Stream and document ends carry nothing; comments, anchor metadata and unresolved
            // aliases are not enabled.
            _ => {}
        }
    }
    Ok(builder.root.unwrap_or(Node {
        kind: Kind::Null,
        span: Span {
            line: 1,
            col: 1,
            len: 0,
        },
    }))
}

impl<'a, F: FnMut(usize, Node<'a>)> Builder<'a, F> {
    fn count(&mut self, n: usize, span: Span) -> Result<(), Diagnostic> {
        self.nodes += n;
        if self.nodes > self.limits.nodes {
            return Err(Diagnostic::at(
                span,
                format!(
                    "the file holds too many values (more than {})",
                    self.limits.nodes
                ),
            )
            .with_hint(
                "a groups file holds at most about 300,000 groups; is this the right file?",
            ));
        }
        Ok(())
    }

    fn open(&mut self, kind: FrameKind<'a>, span: Span, anchor: usize) -> Result<(), Diagnostic> {
        self.count(1, span)?;
        if self.stack.len() >= self.limits.depth {
            return Err(too_deep(span));
        }
        // Which list of groups this is: the root list, or the value of the n-th `groups` key.
        let list = match (&kind, self.stack.as_slice()) {
            (FrameKind::Seq(_), []) => Some(0),
            (FrameKind::Seq(_), [root]) => match &root.kind {
                FrameKind::Map {
                    key:
                        Some(Node {
                            kind: Kind::Str(k), ..
                        }),
                    ..
                } if k == "groups" => Some(self.groups_keys.saturating_sub(1)),
                _ => None,
            },
            _ => None,
        };
        let stream = list.filter(|_| anchor == 0);
        self.stack.push(Frame {
            kind,
            span,
            anchor,
            stream,
            size: 1,
        });
        Ok(())
    }

    fn close(&mut self) -> Result<(), Diagnostic> {
        let Some(frame) = self.stack.pop() else {
            return Ok(());
        };
        let kind = match frame.kind {
            FrameKind::Seq(items) => Kind::Seq(items),
            FrameKind::Map {
                mut entries,
                merges,
                ..
            } => {
                merge(&mut entries, merges)?;
                Kind::Map(entries)
            }
        };
        let node = Node {
            kind,
            span: frame.span,
        };
        self.finish(node, frame.anchor, frame.size, false);
        Ok(())
    }

    fn alias(&mut self, id: usize, span: Span) -> Result<(), Diagnostic> {
        let Some((node, size)) = self.anchors.get(&id) else {
            return Err(Diagnostic::at(span, "alias to an unknown anchor")
                .with_hint("define the anchor (`&name`) before using it (`*name`)"));
        };
        let size = *size;
        // Refuse before copying: the budget is checked against the expanded size, so an alias
        // bomb stops at its first oversized alias instead of after expanding it.
        self.alias_nodes += size;
        if self.alias_nodes > self.limits.alias_nodes {
            return Err(Diagnostic::at(
                span,
                "YAML aliases expand to too much data (an alias bomb?)",
            )
            .with_hint("write the values out, or use fewer nested aliases"));
        }
        let node = node.clone();
        self.count(size, span)?;
        self.finish(node, 0, size, false);
        Ok(())
    }

    /// Hands a complete node to its parent collection (or makes it the root).
    fn finish(&mut self, node: Node<'a>, anchor: usize, size: usize, merge_key: bool) {
        if anchor != 0 {
            self.anchors.insert(anchor, (node.clone(), size));
        }
        let in_root = self.stack.len() == 1;
        let Some(parent) = self.stack.last_mut() else {
            self.root = Some(node);
            return;
        };
        parent.size += size;
        match &mut parent.kind {
            FrameKind::Seq(_) if parent.stream.is_some() => {
                (self.sink)(parent.stream.unwrap_or(0), node);
            }
            FrameKind::Seq(items) => items.push(node),
            FrameKind::Map {
                entries,
                key,
                key_is_merge,
                merges,
            } => match key.take() {
                None => {
                    if in_root && node.as_str() == Some("groups") {
                        self.groups_keys += 1;
                    }
                    *key = Some(node);
                    *key_is_merge = merge_key;
                }
                Some(_) if *key_is_merge => merges.push(node),
                Some(k) => entries.push((k, node)),
            },
        }
    }
}

/// YAML merge keys: entries of the merged mappings that the mapping does not set itself, the
/// earlier source winning.
fn merge<'a>(
    entries: &mut Vec<(Node<'a>, Node<'a>)>,
    merges: Vec<Node<'a>>,
) -> Result<(), Diagnostic> {
    for source in merges {
        let maps = match source.kind {
            Kind::Map(m) => vec![m],
            Kind::Seq(items) => {
                let mut maps = Vec::with_capacity(items.len());
                for item in items {
                    match item.kind {
                        Kind::Map(m) => maps.push(m),
                        _ => return Err(merge_error(item.span)),
                    }
                }
                maps
            }
            _ => return Err(merge_error(source.span)),
        };
        for map in maps {
            for (k, v) in map {
                let present = entries.iter().any(|(e, _)| e.kind == k.kind);
                if !present {
                    entries.push((k, v));
                }
            }
        }
    }
    Ok(())
}

fn merge_error(span: Span) -> Diagnostic {
    Diagnostic::at(span, "`<<` must merge a mapping or a list of mappings")
        .with_hint("write `<<: *anchor` where the anchor names a mapping")
}

fn too_deep(span: Span) -> Diagnostic {
    Diagnostic::at(span, "the file is nested too deeply for a groups file")
        .with_hint("groups files are a few levels deep: `groups:`, a group, its `workspaces`, a workspace's `permissions`")
}

fn to_span(span: &YamlSpan) -> Span {
    Span {
        line: span.start.line(),
        col: span.start.col() + 1,
        len: span.len(),
    }
}

fn scan_error(e: &ScanError, text: &str) -> Diagnostic {
    use granit_parser::ErrorKind as E;
    let mark = e.marker();
    let span = Span {
        line: mark.line(),
        col: mark.col() + 1,
        len: 1,
    };
    if *e.kind() == E::RecursionLimitExceeded {
        return too_deep(span);
    }
    let about_a_tab = matches!(
        e.kind(),
        E::TabNotAllowed
            | E::TabInBlockIndentation
            | E::TabInIndentation
            | E::TabInPlainScalar
            | E::TabAtBlockScalarStart
    );
    if let Some(tab) = about_a_tab
        .then(|| indentation_tab(text, span.line))
        .flatten()
    {
        return Diagnostic::at(tab, "a tab in the indentation")
            .with_hint("use spaces, not tabs: YAML indents with spaces only");
    }
    Diagnostic::at(span, format!("invalid YAML: {}", e.info()))
        .with_hint("fix the syntax here (or just before); quote values that contain `: ` or ` #`")
}

/// The first tab in the indentation of a line, from line `from` on. The scanner notices a tab
/// where it ends what it was reading, which can be the end of the line before; the user needs
/// the tab itself. Lines of only blanks indent nothing and are passed over.
fn indentation_tab(text: &str, from: usize) -> Option<Span> {
    text.lines()
        .enumerate()
        .skip(from.saturating_sub(1))
        .find_map(|(index, line)| {
            let content = line.trim_start_matches([' ', '\t']);
            let indent = &line[..line.len() - content.len()];
            let at = indent.find('\t').filter(|_| !content.is_empty())?;
            Some(Span {
                line: index + 1,
                col: at + 1,
                len: 1,
            })
        })
}

/// Resolves a scalar; the flag says it is a plain `<<` (a merge key when used as a key).
fn scalar<'a>(
    value: Cow<'a, str>,
    style: ScalarStyle,
    tag: Option<&Tag>,
    span: Span,
) -> Result<(Kind<'a>, bool), Diagnostic> {
    let Some(tag) = tag else {
        if style == ScalarStyle::Plain {
            let merge = value == "<<";
            return Ok((resolve_plain(value), merge));
        }
        return Ok((Kind::Str(value), false));
    };
    if is_non_specific(tag) {
        // The non-specific `!` tag: a string, whatever it looks like.
        return Ok((Kind::Str(value), false));
    }
    let kind = match tag.core_suffix() {
        Some("str") => Kind::Str(value),
        Some(core @ ("null" | "bool" | "int" | "float")) => {
            match (core, resolve_plain(Cow::Borrowed(&value))) {
                ("null", Kind::Null) => Kind::Null,
                ("bool", Kind::Bool(b)) => Kind::Bool(b),
                ("int", Kind::Int(i)) => Kind::Int(i),
                ("float", Kind::Float(f)) => Kind::Float(f),
                ("float", Kind::Int(i)) => Kind::Float(int_to_float(i)),
                _ => {
                    return Err(Diagnostic::at(
                        span,
                        format!("`{value}` is not a valid `!!{core}` value"),
                    )
                    .with_hint("remove the tag or fix the value"));
                }
            }
        }
        _ => return Err(unsupported_tag(tag, span)),
    };
    Ok((kind, false))
}

#[allow(clippy::cast_precision_loss)] // only for an explicit `!!float 3`
fn int_to_float(i: i64) -> f64 {
    i as f64
}

fn collection_tag(tag: Option<&Tag>, expected: &str, span: Span) -> Result<(), Diagnostic> {
    match tag {
        None => Ok(()),
        Some(t) if t.core_suffix() == Some(expected) || is_non_specific(t) => Ok(()),
        Some(t) => Err(unsupported_tag(t, span)),
    }
}

/// The non-specific tag `!`, which only says "not a plain scalar".
fn is_non_specific(tag: &Tag) -> bool {
    tag.original() == "!"
}

fn unsupported_tag(tag: &Tag, span: Span) -> Diagnostic {
    Diagnostic::at(span, format!("unsupported tag `{}`", tag.original()))
        .with_hint("remove the tag: groups files use plain YAML values")
}

/// The YAML 1.2 core schema: null, booleans, integers (decimal, `0o`, `0x`), floats; anything
/// else is a string. YAML 1.1 spellings (`yes`, `off`, `0755` as octal) are strings or decimals.
pub(super) fn resolve_plain(value: Cow<'_, str>) -> Kind<'_> {
    let s: &str = &value;
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Kind::Null,
        "true" | "True" | "TRUE" => return Kind::Bool(true),
        "false" | "False" | "FALSE" => return Kind::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Kind::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Kind::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Kind::Float(f64::NAN),
        _ => {}
    }
    let first = s.as_bytes()[0];
    // Fast exit for the common case: ids and names start with a letter.
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return Kind::Str(value);
    }
    if let Some(hex) = s.strip_prefix("0x")
        && !hex.is_empty()
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
        && let Ok(i) = i64::from_str_radix(hex, 16)
    {
        return Kind::Int(i);
    }
    if let Some(oct) = s.strip_prefix("0o")
        && !oct.is_empty()
        && oct.bytes().all(|b| matches!(b, b'0'..=b'7'))
        && let Ok(i) = i64::from_str_radix(oct, 8)
    {
        return Kind::Int(i);
    }
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(i) = s.parse::<i64>() {
            return Kind::Int(i);
        }
        // Beyond 64 bits: still a number, as YAML says.
        if let Ok(f) = s.parse::<f64>() {
            return Kind::Float(f);
        }
        return Kind::Str(value);
    }
    if is_core_float(digits)
        && let Ok(f) = s.parse::<f64>()
    {
        return Kind::Float(f);
    }
    Kind::Str(value)
}

/// `(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`, the sign already stripped.
fn is_core_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let int_digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    i += int_digits;
    let mut frac_digits = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        frac_digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        i += frac_digits;
    }
    if int_digits == 0 && frac_digits == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        let exp = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if exp == 0 {
            return false;
        }
        i += exp;
    }
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        nodes: 1000,
        alias_nodes: 100,
        depth: 8,
    };

    fn kind(text: &str) -> Kind<'_> {
        parse(text, LIMITS, |_, _| {}).expect("parses").kind
    }

    #[test]
    fn scalars_follow_the_yaml_1_2_core_schema() {
        let cases: [(&str, Kind<'_>); 20] = [
            ("~", Kind::Null),
            ("null", Kind::Null),
            ("true", Kind::Bool(true)),
            ("FALSE", Kind::Bool(false)),
            ("yes", Kind::Str("yes".into())),
            ("off", Kind::Str("off".into())),
            ("123", Kind::Int(123)),
            ("-7", Kind::Int(-7)),
            ("0755", Kind::Int(755)),
            ("0x1F", Kind::Int(31)),
            ("0o17", Kind::Int(15)),
            ("1.5", Kind::Float(1.5)),
            ("1e3", Kind::Float(1000.0)),
            (".5", Kind::Float(0.5)),
            ("-.inf", Kind::Float(f64::NEG_INFINITY)),
            ("1.2.3", Kind::Str("1.2.3".into())),
            ("1_000", Kind::Str("1_000".into())),
            ("'123'", Kind::Str("123".into())),
            ("!!str 123", Kind::Str("123".into())),
            ("! true", Kind::Str("true".into())),
        ];
        for (text, want) in cases {
            assert_eq!(kind(text), want, "{text}");
        }
        assert!(matches!(kind(".nan"), Kind::Float(f) if f.is_nan()));
    }

    #[test]
    fn spans_are_one_based_and_cover_the_token() {
        let node = parse("a: 'xy'\nb: [c]\n", LIMITS, |_, _| {}).expect("parses");
        let Kind::Map(entries) = node.kind else {
            panic!("a mapping")
        };
        assert_eq!(
            entries[0].0.span,
            Span {
                line: 1,
                col: 1,
                len: 1
            }
        );
        assert_eq!(
            entries[0].1.span,
            Span {
                line: 1,
                col: 4,
                len: 4
            }
        );
        assert_eq!(
            entries[1].1.span,
            Span {
                line: 2,
                col: 4,
                len: 1
            }
        );
    }

    #[test]
    fn aliases_and_merges_expand() {
        let node = parse(
            "a: &x {k: 1}\nb:\n  <<: *x\n  j: 2\nc: *x\n",
            LIMITS,
            |_, _| {},
        )
        .expect("parses");
        let Kind::Map(entries) = node.kind else {
            panic!("a mapping")
        };
        let Kind::Map(b) = &entries[1].1.kind else {
            panic!("b is a mapping")
        };
        let keys: Vec<_> = b.iter().filter_map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["j", "k"]);
        assert_eq!(entries[2].1, entries[0].1);
    }

    #[test]
    fn limits_are_enforced_without_expanding() {
        let err = parse("a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n", LIMITS, |_, _| {})
            .expect_err("too many alias nodes");
        assert_eq!(
            err.message,
            "YAML aliases expand to too much data (an alias bomb?)"
        );
        let err = parse(
            &format!("{}{}", "[".repeat(9), "]".repeat(9)),
            LIMITS,
            |_, _| {},
        )
        .expect_err("deep");
        assert_eq!(
            err.message,
            "the file is nested too deeply for a groups file"
        );
        let err = parse(&format!("[{}]", "1, ".repeat(1000)), LIMITS, |_, _| {}).expect_err("many");
        assert!(err.message.starts_with("the file holds too many values"));
        let err = parse("a: *nope\n", LIMITS, |_, _| {}).expect_err("unknown anchor");
        assert!(err.message.starts_with("invalid YAML") || err.message.contains("anchor"));
        let err = parse("a: !custom x\n", LIMITS, |_, _| {}).expect_err("tag");
        assert_eq!(err.message, "unsupported tag `!custom`");
        let err = parse("a: !!int x\n", LIMITS, |_, _| {}).expect_err("bad int");
        assert_eq!(err.message, "`x` is not a valid `!!int` value");
    }
}
