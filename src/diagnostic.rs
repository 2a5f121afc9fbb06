//! Located errors in input files: `file:line:col`, a caret snippet, and a hint.
//! Every check of the desired state reports through this type, so all of them read alike.

use std::fmt;

/// A position in a source file, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Span {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub col: usize,
    /// How many characters the caret underlines (at least 1 when rendered).
    pub len: usize,
}

/// One problem found in an input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// What is wrong, in one line.
    pub message: String,
    /// Where, when known.
    pub span: Option<Span>,
    /// What to do about it.
    pub hint: Option<String>,
}

impl Diagnostic {
    /// A diagnostic at a location.
    pub fn at(span: Span, message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            span: Some(span),
            hint: None,
        }
    }

    /// A diagnostic about the file as a whole.
    pub fn whole_file(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            span: None,
            hint: None,
        }
    }

    /// Adds a hint.
    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// All problems found in one file, with the text needed to show snippets.
#[derive(Debug, Clone)]
pub struct Diagnostics {
    /// The path as the user gave it.
    pub path: String,
    /// The file's text (possibly empty when it could not be read).
    pub source: String,
    /// The problems, in file order.
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Renders every item as
    ///
    /// ```text
    /// error: unknown key `parent`
    ///   --> groups.yaml:12:5
    ///    |
    /// 12 |     parent: [analysts]
    ///    |     ^^^^^^
    ///    = help: did you mean `parents`?
    /// ```
    pub fn render(&self) -> String {
        self.render_styled(false)
    }

    /// [`Diagnostics::render`] with each `error:` label in colour when `color` is set.
    pub fn render_styled(&self, color: bool) -> String {
        self.render_labelled(&format!("{} ", error_label(color)))
    }

    /// [`Diagnostics::render`] without the `error:` labels, for a message that gets its label
    /// where it is reported (a refusal located in the file).
    pub fn render_unlabelled(&self) -> String {
        self.render_labelled("")
    }

    fn render_labelled(&self, label: &str) -> String {
        let mut out = String::new();
        for (i, d) in self.items.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            self.render_one(d, label, &mut out);
        }
        out
    }

    fn render_one(&self, d: &Diagnostic, label: &str, out: &mut String) {
        use fmt::Write as _;
        let _ = writeln!(out, "{label}{}", d.message);
        if let Some(span) = d.span {
            let line_text = self.source.lines().nth(span.line.saturating_sub(1));
            let gutter = span.line.to_string().len();
            let pad = " ".repeat(gutter);
            let _ = writeln!(out, "{pad}--> {}:{}:{}", self.path, span.line, span.col);
            if let Some(text) = line_text {
                let text = sanitize(text);
                let _ = writeln!(out, "{pad} |");
                let _ = writeln!(out, "{} | {text}", span.line);
                let col = span.col.saturating_sub(1);
                let width = text.chars().count().saturating_sub(col).max(1);
                let carets = "^".repeat(span.len.clamp(1, width));
                let _ = writeln!(out, "{pad} | {}{carets}", " ".repeat(col));
            }
            if let Some(hint) = &d.hint {
                let _ = writeln!(out, "{pad} = help: {hint}");
            }
        } else {
            let _ = writeln!(out, " --> {}", self.path);
            if let Some(hint) = &d.hint {
                let _ = writeln!(out, "  = help: {hint}");
            }
        }
    }
}

/// `error:`, red and bold when `color` is set: the one place the label is written, so no
/// message ever carries its own.
pub fn error_label(color: bool) -> String {
    console::Style::new()
        .red()
        .bold()
        .force_styling(color)
        .apply_to("error:")
        .to_string()
}

/// Control characters would garble the terminal; tabs keep their width as one space so the caret
/// still lines up.
fn sanitize(line: &str) -> String {
    line.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}

impl std::error::Error for Diagnostics {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_location_snippet_and_hint() {
        let diags = Diagnostics {
            path: "groups.yaml".into(),
            source: "groups:\n  - id: a\n    parent: [b]\n".into(),
            items: vec![
                Diagnostic::at(
                    Span {
                        line: 3,
                        col: 5,
                        len: 6,
                    },
                    "unknown key `parent`",
                )
                .with_hint("did you mean `parents`?"),
            ],
        };
        assert_eq!(
            diags.render(),
            "error: unknown key `parent`\n --> groups.yaml:3:5\n  |\n3 |     parent: [b]\n  |     ^^^^^^\n  = help: did you mean `parents`?\n"
        );
    }
}
