//! The one place that writes to stdout and stderr. stdout carries data (plans, dumps, schemas);
//! stderr carries everything else (progress, logs, diagnostics). It also decides colour.

use std::io::Write as _;

use crate::context::Context;

/// When to colour output (`--color`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal, unless `NO_COLOR` is set (or `CLICOLOR_FORCE` forces it).
    #[default]
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// Whether to colour a stream, from `--color`, `NO_COLOR`, `CLICOLOR_FORCE` and the terminal.
pub fn use_color(choice: ColorChoice, ctx: &Context, is_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            if ctx.var("NO_COLOR").is_some() {
                false
            } else if ctx.var("CLICOLOR_FORCE").is_some_and(|v| v != "0") {
                true
            } else {
                is_terminal
            }
        }
    }
}

/// Writes data to stdout and messages to stderr.
#[allow(clippy::struct_excessive_bools)] // independent facts about two streams
#[derive(Debug, Clone)]
pub struct Output {
    /// Colour on stdout.
    pub color: bool,
    /// Colour on stderr.
    pub color_err: bool,
    /// `-q`: only errors and the final summary on stderr.
    pub quiet: bool,
    /// Whether stderr is a terminal (progress bars, prompts).
    pub stderr_is_terminal: bool,
    /// Whether stdin is a terminal (prompts can be answered).
    pub stdin_is_terminal: bool,
    /// The terminal's width when stdout is a terminal; plans wrap to it.
    pub width: Option<usize>,
}

impl Output {
    /// Output settings for this run.
    pub fn new(choice: ColorChoice, quiet: bool, ctx: &Context) -> Self {
        Self {
            color: use_color(choice, ctx, ctx.stdout_is_terminal),
            color_err: use_color(choice, ctx, ctx.stderr_is_terminal),
            quiet,
            stderr_is_terminal: ctx.stderr_is_terminal,
            stdin_is_terminal: ctx.stdin_is_terminal,
            width: ctx.width.filter(|_| ctx.stdout_is_terminal),
        }
    }

    /// Writes data to stdout. A closed pipe (`| head`) is not an error worth a panic.
    pub fn data(&self, text: &str) {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }

    /// A status message on stderr, silenced by `-q`.
    pub fn status(&self, text: &str) {
        if !self.quiet {
            self.always(text);
        }
    }

    /// A message on stderr that `-q` keeps (errors, final summaries).
    pub fn always(&self, text: &str) {
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(text.as_bytes());
        if !text.ends_with('\n') {
            let _ = err.write_all(b"\n");
        }
        let _ = err.flush();
    }

    /// Styles text for stderr.
    pub fn err_style(&self, style: &console::Style, text: &str) -> String {
        style
            .clone()
            .force_styling(self.color_err)
            .apply_to(text)
            .to_string()
    }

    /// Asks a question on stderr and reads one line from stdin; `None` on end of input.
    pub fn prompt(&self, question: &str) -> Option<String> {
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "{question} ");
        let _ = err.flush();
        drop(err);
        let mut line = String::new();
        match std::io::stdin().read_line(&mut line) {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(line.trim().to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(vars: &[(&str, &str)]) -> Context {
        Context::with_vars(vars)
    }

    #[test]
    fn colour_follows_flag_then_no_color_then_clicolor_force_then_terminal() {
        assert!(use_color(
            ColorChoice::Always,
            &ctx(&[("NO_COLOR", "1")]),
            false
        ));
        assert!(!use_color(
            ColorChoice::Never,
            &ctx(&[("CLICOLOR_FORCE", "1")]),
            true
        ));
        assert!(!use_color(
            ColorChoice::Auto,
            &ctx(&[("NO_COLOR", "1")]),
            true
        ));
        assert!(use_color(
            ColorChoice::Auto,
            &ctx(&[("NO_COLOR", "")]),
            true
        ));
        assert!(use_color(
            ColorChoice::Auto,
            &ctx(&[("CLICOLOR_FORCE", "1")]),
            false
        ));
        assert!(!use_color(
            ColorChoice::Auto,
            &ctx(&[("CLICOLOR_FORCE", "0")]),
            false
        ));
        assert!(use_color(ColorChoice::Auto, &ctx(&[]), true));
        assert!(!use_color(ColorChoice::Auto, &ctx(&[]), false));
    }
}
