//! Reading a groups CSV (`-f groups.csv`): RFC 4180 records with their positions, turned into
//! the same entries as `groups.yaml` and put through the same checks.
//!
//! The format, as the README documents it:
//! - A header row is required; the column order is free. The columns are `id` (required),
//!   `name`, `parents`, `members` and `active`, or the `gooddata-pipelines` names
//!   `user_group_id`, `user_group_name`, `parent_user_groups`, `is_active`. Any other column is
//!   an error.
//! - Parents and members are separated by `|`; `,` separates too (it can only stand in a quoted
//!   cell). Neither can occur in an id, so splitting is unambiguous. An empty cell means no
//!   parents, no members, or no name. With a `members` column, every row manages its group's
//!   members (an empty cell: none); without one, members are left alone.
//! - A CSV is in full mode unless `--incremental` is given; an `active` column (`true` or
//!   `false` in any case; empty means `true`) is only allowed then. A CSV has no `protected`,
//!   `ignore` or `safety`: the command-line flags still apply.
//! - Quoting as in RFC 4180: doubled quotes, commas and line breaks inside quoted cells; LF or
//!   CRLF line ends; a UTF-8 byte order mark is dropped. Spaces and tabs around a cell are
//!   trimmed (inside quotes they are kept). Blank lines, and rows whose cells are all empty, are
//!   skipped.
//!
//! A problem is reported at the line where its cell starts (the header is line 1), and the
//! column of the cell's first character (the opening quote, when quoted); a parent at its own
//! piece of the cell.

use std::borrow::Cow;
use std::path::Path;

use super::access::{self, Access, IdKind, Located, Managed};
use super::check::{self, Entry};
use super::check::{File, id_rule_hint, name_too_long};
use super::sha256_hex;
use super::suggest;
use super::{Desired, LoadOptions, Mode, ParentRef, Safety};
use crate::diagnostic::{Diagnostic, Diagnostics, Span};
use crate::group::is_valid_id;

/// Whether `path` names a CSV file (by its extension, in any case).
pub(super) fn is_csv(path: &str) -> bool {
    Path::new(path)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
}

/// Parses and checks CSV text; `path` is used in messages only.
pub(super) fn parse(path: &str, text: &str, options: LoadOptions) -> Result<Desired, Diagnostics> {
    // Spreadsheet programs write a byte order mark; it belongs to no cell. The text that
    // diagnostics quote drops it too, so columns on the header line stay right.
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let fail = |items: Vec<Diagnostic>| Diagnostics {
        path: path.to_string(),
        source: body.to_string(),
        items,
    };
    let records = Scanner::new(body).records().map_err(|d| fail(vec![d]))?;

    let mode = if options.incremental {
        Mode::Incremental
    } else {
        Mode::Full
    };
    let mut file = File {
        mode,
        protected: Vec::new(),
        ignore: Vec::new(),
        safety: Safety::default(),
        entries: Vec::new(),
        groups_span: None,
        group_items: 0,
        groups_unreadable: false,
    };
    let mut diags = Vec::new();
    let mut rows = records.iter();
    if let Some(first) = rows.next() {
        let header = Header::read(first, body, mode, &mut diags);
        if header.index(Column::Id).is_some() {
            for record in rows {
                file.group_items += 1;
                if let Some(entry) = read_row(record, &header, mode, &mut diags) {
                    file.entries.push(entry);
                }
            }
            if file.group_items == 0 && mode == Mode::Full && !options.allow_empty {
                diags.push(
                    Diagnostic::at(
                        header.span,
                        "no groups declared: in full mode this would delete every group that is not protected or ignored",
                    )
                    .with_hint(
                        "add a row per group below the header; to really delete everything, pass `--allow-empty`; to change only some groups, pass `--incremental`",
                    ),
                );
            }
        }
    } else {
        diags.push(Diagnostic::whole_file("the file is empty").with_hint(
            "start with a header row naming the columns, for example `id,name,parents`",
        ));
    }
    // Emptiness and an unreadable header are reported above, in CSV terms.
    file.groups_unreadable = true;

    let groups = check::run(&mut file, options, &mut diags);
    if !diags.is_empty() {
        diags.sort_by_key(|d| d.span.map(|s| (s.line, s.col)));
        return Err(fail(diags));
    }
    Ok(Desired {
        path: path.to_string(),
        source: body.to_string(),
        sha256: sha256_hex(text.as_bytes()),
        mode,
        protected: Vec::new(),
        ignore: Vec::new(),
        safety: Safety::default(),
        groups,
    })
}

// ---------------------------------------------------------------------------------------------
// Columns

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Id,
    Name,
    Parents,
    Members,
    Active,
}

/// Every accepted header name: the canonical ones first, then the `gooddata-pipelines` ones.
const COLUMNS: [(&str, Column); 9] = [
    ("id", Column::Id),
    ("name", Column::Name),
    ("parents", Column::Parents),
    ("members", Column::Members),
    ("active", Column::Active),
    ("user_group_id", Column::Id),
    ("user_group_name", Column::Name),
    ("parent_user_groups", Column::Parents),
    ("is_active", Column::Active),
];

/// Settings that only a YAML file can carry, for a clearer hint than "unknown column".
const YAML_ONLY: [&str; 9] = [
    "protected",
    "ignore",
    "safety",
    "mode",
    "max_deletes",
    "max_delete_percent",
    "workspaces",
    "data_sources",
    "organization",
];

/// The header row: which column each cell position holds.
struct Header {
    /// Per cell position: the column, or `None` for a column already reported as unknown.
    columns: Vec<Option<Column>>,
    /// Per cell position: the name as written, for messages.
    names: Vec<String>,
    /// The whole header line.
    span: Span,
}

impl Header {
    fn read(record: &Record<'_>, body: &str, mode: Mode, diags: &mut Vec<Diagnostic>) -> Self {
        let line = record.line;
        let line_chars = body
            .lines()
            .nth(line - 1)
            .map_or(1, |l| l.chars().count().max(1));
        let mut header = Self {
            columns: Vec::with_capacity(record.cells.len()),
            names: Vec::with_capacity(record.cells.len()),
            span: Span {
                line,
                col: 1,
                len: line_chars,
            },
        };
        for (i, cell) in record.cells.iter().enumerate() {
            let name = cell.text.trim();
            let column = header.column(name, cell, i, mode, diags);
            header.columns.push(column);
            header.names.push(name.to_string());
        }
        if header.index(Column::Id).is_none() {
            let any_known = header.columns.iter().any(Option::is_some);
            let hint = if any_known {
                "add an `id` column (or `user_group_id`) with each group's id"
            } else {
                "the first row must be the header naming the columns, for example `id,name,parents`"
            };
            diags
                .push(Diagnostic::at(header.span, "the header has no `id` column").with_hint(hint));
        }
        header
    }

    /// The column a header cell names; problems with it are reported.
    fn column(
        &self,
        name: &str,
        cell: &Cell<'_>,
        position: usize,
        mode: Mode,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<Column> {
        let span = cell.span();
        if name.is_empty() {
            diags.push(
                Diagnostic::at(span, format!("column {} has no name", position + 1))
                    .with_hint("name every column in the header row, or remove the extra comma"),
            );
            return None;
        }
        let Some(column) = COLUMNS
            .iter()
            .find(|(known, _)| *known == name)
            .map(|&(_, c)| c)
        else {
            diags.push(
                Diagnostic::at(span, format!("unknown column `{name}`"))
                    .with_hint(unknown_column_hint(name)),
            );
            return None;
        };
        if let Some(earlier) = self.columns.iter().position(|c| *c == Some(column)) {
            let first = &self.names[earlier];
            let canonical = COLUMNS
                .iter()
                .find(|(_, c)| *c == column)
                .map_or(name, |(n, _)| *n);
            let message = if first == name {
                format!("duplicate column `{name}` (also column {})", earlier + 1)
            } else {
                format!(
                    "`{name}` repeats `{first}` (column {}): both are names for `{canonical}`",
                    earlier + 1
                )
            };
            diags.push(Diagnostic::at(span, message).with_hint("keep only one of the two columns"));
            return None;
        }
        if column == Column::Active && mode == Mode::Full {
            diags.push(
                Diagnostic::at(
                    span,
                    format!("the `{name}` column is only allowed in incremental mode"),
                )
                .with_hint(
                    "run with `--incremental`; in full mode, delete a group by removing its row",
                ),
            );
        }
        Some(column)
    }

    /// The cell position of a column.
    fn index(&self, column: Column) -> Option<usize> {
        self.columns.iter().position(|c| *c == Some(column))
    }
}

fn unknown_column_hint(name: &str) -> String {
    if let Some(best) = suggest::closest(name, COLUMNS.iter().map(|(n, _)| *n)) {
        return format!("did you mean `{best}`?");
    }
    if YAML_ONLY.contains(&name) {
        return format!(
            "a CSV file only lists groups; `{name}` needs a YAML groups file (the command-line flags apply to CSV too)"
        );
    }
    "the columns are `id`, `name`, `parents`, `members` and `active` (or `user_group_id`, `user_group_name`, `parent_user_groups` and `is_active`)".to_string()
}

// ---------------------------------------------------------------------------------------------
// Rows

/// One data row as an entry; `None` when it has no usable id (the problem is reported).
fn read_row(
    record: &Record<'_>,
    header: &Header,
    mode: Mode,
    diags: &mut Vec<Diagnostic>,
) -> Option<Entry> {
    let width = header.columns.len();
    let cells = &record.cells;
    // A row of the wrong width has its cells in doubtful columns: only its id is read, so
    // that other rows naming it as a parent do not pile up more errors.
    let aligned = cells.len() == width;
    if cells.len() > width {
        diags.push(
            Diagnostic::at(
                cells[width].span(),
                format!("this row has {} cells, the header has {width}", cells.len()),
            )
            .with_hint(
                "a comma inside a value needs quotes, as in `\"Sales, EMEA\"`; otherwise remove the extra cells",
            ),
        );
    } else if cells.len() < width {
        let missing: Vec<String> = header.names[cells.len()..]
            .iter()
            .map(|n| format!("`{n}`"))
            .collect();
        diags.push(
            Diagnostic::at(
                record.end,
                format!(
                    "this row has {} cells, the header has {width} (no {})",
                    cells.len(),
                    missing.join(", ")
                ),
            )
            .with_hint("give every row a cell for each column; an empty cell is nothing between two commas"),
        );
    }
    let cell = |column: Column| {
        header
            .index(column)
            .and_then(|i| cells.get(i))
            .filter(|_| aligned || column == Column::Id)
    };
    let column_name = |column: Column| {
        header
            .index(column)
            .map_or("", |i| header.names[i].as_str())
    };

    let id_cell = cell(Column::Id)?;
    let id = id_cell.text.as_ref();
    if id.is_empty() {
        diags.push(
            Diagnostic::at(
                id_cell.span(),
                format!("`{}` is empty", column_name(Column::Id)),
            )
            .with_hint("every row needs a group id, for example `analysts`"),
        );
        return None;
    }
    if !is_valid_id(id) {
        diags.push(
            Diagnostic::at(id_cell.span(), format!("invalid group id `{id}`"))
                .with_hint(id_rule_hint(id)),
        );
    }

    let name = cell(Column::Name).filter(|c| !c.text.is_empty()).map(|c| {
        if let Some(message) = name_too_long(id, &c.text) {
            diags.push(Diagnostic::at(c.span(), message).with_hint("shorten the name"));
        }
        c.text.to_string()
    });

    let parents = cell(Column::Parents).map_or_else(Vec::new, Cell::parents);

    let active = match cell(Column::Active) {
        // In full mode the column itself was reported; its values mean nothing.
        Some(c) if mode == Mode::Incremental => {
            let value = c.text.trim();
            if value.is_empty() || value.eq_ignore_ascii_case("true") {
                true
            } else if value.eq_ignore_ascii_case("false") {
                false
            } else {
                diags.push(
                    Diagnostic::at(
                        c.span(),
                        format!(
                            "`{}` must be `true` or `false`, found `{value}`",
                            column_name(Column::Active)
                        ),
                    )
                    .with_hint("write `true` or `false`; an empty cell means `true`"),
                );
                true
            }
        }
        _ => true,
    };

    // The column manages every row's members, an empty cell meaning none; except on a row that
    // deletes its group, where an empty cell is only the column's place (a filled one is
    // reported by the checks: the delete drops the members).
    let access = cell(Column::Members)
        .filter(|c| active || !c.text.trim().is_empty())
        .map(|c| {
            let (value, ids) = access::id_set(IdKind::User, "members", c.pieces(), diags);
            Box::new(Access {
                members: Some(Managed {
                    value,
                    key: c.span(),
                    ids,
                }),
                ..Access::default()
            })
        });

    Some(Entry::new(
        id.to_string(),
        id_cell.span(),
        name,
        parents,
        active,
        access,
    ))
}

// ---------------------------------------------------------------------------------------------
// RFC 4180 records

/// One cell and where it was written.
#[derive(Debug)]
struct Cell<'a> {
    /// The cell as written: its quotes included, the spaces around it not.
    raw: &'a str,
    /// The value: unquoted, doubled quotes undone.
    text: Cow<'a, str>,
    quoted: bool,
    line: usize,
    col: usize,
}

impl Cell<'_> {
    /// The cell's first line, underlined.
    fn span(&self) -> Span {
        let first_line = self.raw.split('\n').next().unwrap_or(self.raw);
        Span {
            line: self.line,
            col: self.col,
            len: first_line.trim_end_matches('\r').chars().count().max(1),
        }
    }

    /// Written as nothing at all (a quoted `""` is written as something, though just as empty).
    fn is_blank(&self) -> bool {
        !self.quoted && self.text.is_empty()
    }

    /// Where the value's character `index` was written: past the opening quote, counting a
    /// doubled quote as one character and following line breaks.
    fn position(&self, index: usize) -> (usize, usize) {
        let (mut line, mut col) = (self.line, self.col);
        let mut raw = self.raw.chars();
        if self.quoted {
            raw.next();
            col += 1;
        }
        for _ in 0..index {
            match raw.next() {
                Some('"') => {
                    raw.next();
                    col += 2;
                }
                Some('\n') => {
                    line += 1;
                    col = 1;
                }
                Some(_) => col += 1,
                None => break,
            }
        }
        (line, col)
    }

    /// The parent ids of a `parents` cell, each located at its own piece.
    fn parents(&self) -> Vec<ParentRef> {
        self.pieces()
            .into_iter()
            .map(|(id, span)| ParentRef { id, span })
            .collect()
    }

    /// The ids of a list cell (`parents`, `members`), split at `|` and `,`, each located at its
    /// own piece.
    fn pieces(&self) -> Vec<Located> {
        let mut out = Vec::new();
        let mut offset = 0;
        for piece in self.text.split(['|', ',']) {
            let id = piece.trim();
            if !id.is_empty() {
                let leading = piece[..piece.len() - piece.trim_start().len()]
                    .chars()
                    .count();
                let (line, col) = self.position(offset + leading);
                let span = Span {
                    line,
                    col,
                    len: id.chars().count(),
                };
                out.push((id.to_string(), span));
            }
            offset += piece.chars().count() + 1;
        }
        out
    }
}

/// One CSV record.
#[derive(Debug)]
struct Record<'a> {
    cells: Vec<Cell<'a>>,
    /// The line the record starts on.
    line: usize,
    /// Just past its last cell, where a missing cell would go.
    end: Span,
}

/// Splits text into records, tracking line and column (in characters).
struct Scanner<'a> {
    text: &'a str,
    /// Byte offset of the next character.
    pos: usize,
    line: usize,
    col: usize,
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text,
            pos: 0,
            line: 1,
            col: 1,
        }
    }

    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        if c == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        Some(c)
    }

    fn here(&self) -> Span {
        Span {
            line: self.line,
            col: self.col,
            len: 1,
        }
    }

    /// At `\n`, `\r\n`, or the end of the text.
    fn at_line_end(&self) -> bool {
        let rest = &self.text[self.pos..];
        rest.is_empty() || rest.starts_with('\n') || rest.starts_with("\r\n")
    }

    /// At the end of a cell: a comma or a line end.
    fn at_cell_end(&self) -> bool {
        self.peek() == Some(',') || self.at_line_end()
    }

    fn skip_spaces(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.bump();
        }
    }

    /// Every record but blank ones; the first syntax error ends the scan, as the rest of the
    /// file cannot be split reliably after it.
    fn records(mut self) -> Result<Vec<Record<'a>>, Diagnostic> {
        let mut out = Vec::new();
        while self.pos < self.text.len() {
            let record = self.record()?;
            if !record.cells.iter().all(Cell::is_blank) {
                out.push(record);
            }
        }
        Ok(out)
    }

    fn record(&mut self) -> Result<Record<'a>, Diagnostic> {
        let line = self.line;
        let mut cells = Vec::new();
        loop {
            cells.push(self.cell()?);
            if self.peek() == Some(',') {
                self.bump();
                continue;
            }
            let end = self.here();
            // The line end: `\r\n`, `\n`, or nothing at the end of the text.
            if self.peek() == Some('\r') {
                self.bump();
            }
            self.bump();
            return Ok(Record { cells, line, end });
        }
    }

    fn cell(&mut self) -> Result<Cell<'a>, Diagnostic> {
        self.skip_spaces();
        let (start, line, col) = (self.pos, self.line, self.col);
        if self.peek() == Some('"') {
            return self.quoted(start, line, col);
        }
        while !self.at_cell_end() {
            match self.peek() {
                Some('"') => {
                    return Err(Diagnostic::at(self.here(), "a quote inside an unquoted cell")
                        .with_hint(
                            "quote the whole cell and double the quotes inside it, as in `\"The \"\"A\"\" team\"`",
                        ));
                }
                Some('\r') => {
                    return Err(Diagnostic::at(
                        self.here(),
                        "a carriage return without a line feed",
                    )
                    .with_hint("save the file with LF or CRLF line ends"));
                }
                _ => {
                    self.bump();
                }
            }
        }
        let raw = self.text[start..self.pos].trim_end_matches([' ', '\t']);
        Ok(Cell {
            raw,
            text: Cow::Borrowed(raw),
            quoted: false,
            line,
            col,
        })
    }

    fn quoted(&mut self, start: usize, line: usize, col: usize) -> Result<Cell<'a>, Diagnostic> {
        let open = self.here();
        self.bump();
        loop {
            match self.bump() {
                None => {
                    return Err(Diagnostic::at(
                        open,
                        "unterminated quoted cell: the quote opened here is never closed",
                    )
                    .with_hint(
                        "close the cell with `\"`; a quote inside a quoted cell is written twice: `\"\"`",
                    ));
                }
                Some('"') if self.peek() == Some('"') => {
                    self.bump();
                }
                Some('"') => break,
                Some(_) => {}
            }
        }
        let raw = &self.text[start..self.pos];
        let inner = &raw[1..raw.len() - 1];
        self.skip_spaces();
        if !self.at_cell_end() {
            let found = self
                .peek()
                .map_or(String::new(), |c| c.escape_debug().to_string());
            return Err(Diagnostic::at(
                self.here(),
                format!("unexpected `{found}` after the closing quote of a cell (opened at line {line}, column {col})"),
            )
            .with_hint(
                "a quote inside a quoted cell is written twice, as in `\"The \"\"A\"\" team\"`; after the closing quote comes a comma or the line end",
            ));
        }
        let text = if inner.contains('"') {
            Cow::Owned(inner.replace("\"\"", "\""))
        } else {
            Cow::Borrowed(inner)
        };
        Ok(Cell {
            raw,
            text,
            quoted: true,
            line,
            col,
        })
    }
}

#[cfg(test)]
#[path = "csv_tests.rs"]
mod tests;
