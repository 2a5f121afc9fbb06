//! Located seed problems: `file:line:col`, the line, a caret and a hint, the way a person reads
//! an error in a YAML file.

use std::fmt::{self, Write as _};

/// A position in a seed file, 1-based, and how many characters the caret underlines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Span {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub col: usize,
    /// Characters to underline (at least one is).
    pub len: usize,
}

/// One problem of a seed file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedProblem {
    /// What is wrong, in one line.
    pub message: String,
    /// Where, when known.
    pub span: Option<Span>,
    /// What to do about it.
    pub hint: Option<String>,
}

impl SeedProblem {
    pub(crate) fn at(span: Span, message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            span: Some(span),
            hint: None,
        }
    }

    pub(crate) fn whole_file(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            span: None,
            hint: None,
        }
    }

    #[must_use]
    pub(crate) fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Appends this problem, with a snippet of `source` when it has a location.
    pub(crate) fn render(&self, path: &str, source: &str, out: &mut String) {
        let _ = writeln!(out, "error: {}", self.message);
        let Some(span) = self.span else {
            let _ = writeln!(out, " --> {path}");
            if let Some(hint) = &self.hint {
                let _ = writeln!(out, "  = help: {hint}");
            }
            return;
        };
        let pad = " ".repeat(span.line.to_string().len());
        let _ = writeln!(out, "{pad}--> {path}:{}:{}", span.line, span.col);
        if let Some(text) = source.lines().nth(span.line.saturating_sub(1)) {
            // Control characters (a tab too) would garble the terminal; one space each keeps
            // the caret under its column.
            let text: String = text
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            let col = span.col.saturating_sub(1);
            let width = text.chars().count().saturating_sub(col).max(1);
            let _ = writeln!(out, "{pad} |");
            let _ = writeln!(out, "{} | {text}", span.line);
            let _ = writeln!(
                out,
                "{pad} | {}{}",
                " ".repeat(col),
                "^".repeat(span.len.clamp(1, width))
            );
        }
        if let Some(hint) = &self.hint {
            let _ = writeln!(out, "{pad} = help: {hint}");
        }
    }
}

impl fmt::Display for SeedProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_location_snippet_and_hint() {
        let problem = SeedProblem::at(
            Span {
                line: 3,
                col: 5,
                len: 6,
            },
            "unknown field `parent`",
        )
        .with_hint("did you mean `parents`?");
        let mut out = String::new();
        problem.render(
            "seed.yaml",
            "groups:\n  - id: a\n    parent: [b]\n",
            &mut out,
        );
        assert_eq!(
            out,
            "error: unknown field `parent`\n --> seed.yaml:3:5\n  |\n3 |     parent: [b]\n  |     ^^^^^^\n  = help: did you mean `parents`?\n"
        );
        let mut out = String::new();
        SeedProblem::whole_file("empty").render("seed.yaml", "", &mut out);
        assert_eq!(out, "error: empty\n --> seed.yaml\n");
    }
}
