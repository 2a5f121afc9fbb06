//! What the process gets from its surroundings — environment variables, terminals, the home
//! directory — gathered in one value, so precedence and colour rules are testable without
//! touching the real environment.

use std::collections::BTreeMap;
use std::io::IsTerminal as _;
use std::path::PathBuf;

/// The surroundings of one run.
#[derive(Clone, Default)]
pub struct Context {
    /// Environment variables (only those that are valid UTF-8).
    pub env: BTreeMap<String, String>,
    /// The user's home directory, when known.
    pub home: Option<PathBuf>,
    /// Whether stdin is a terminal (a prompt can be answered).
    pub stdin_is_terminal: bool,
    /// Whether stdout is a terminal.
    pub stdout_is_terminal: bool,
    /// Whether stderr is a terminal (progress bars and prompts go there).
    pub stderr_is_terminal: bool,
    /// Terminal width, when stdout or stderr is a terminal.
    pub width: Option<usize>,
}

impl std::fmt::Debug for Context {
    /// Variables by name only: their values include the token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("env", &self.env.keys().collect::<Vec<_>>())
            .field("home", &self.home)
            .field("stdin_is_terminal", &self.stdin_is_terminal)
            .field("stdout_is_terminal", &self.stdout_is_terminal)
            .field("stderr_is_terminal", &self.stderr_is_terminal)
            .field("width", &self.width)
            .finish()
    }
}

impl Context {
    /// The real surroundings of this process.
    pub fn from_process() -> Self {
        let env: BTreeMap<String, String> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        let home = env
            .get("HOME")
            .or_else(|| env.get("USERPROFILE"))
            .map(PathBuf::from);
        let stderr_is_terminal = std::io::stderr().is_terminal();
        let stdout_is_terminal = std::io::stdout().is_terminal();
        let width = (stdout_is_terminal || stderr_is_terminal)
            .then(|| {
                console::Term::stderr()
                    .size_checked()
                    .map(|(_, w)| usize::from(w))
            })
            .flatten();
        Self {
            env,
            home,
            stdin_is_terminal: std::io::stdin().is_terminal(),
            stdout_is_terminal,
            stderr_is_terminal,
            width,
        }
    }

    /// Surroundings with only these environment variables, no home and no terminal: what tests
    /// of precedence and colour rules start from.
    pub fn with_vars(vars: &[(&str, &str)]) -> Self {
        Self {
            env: vars
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect(),
            ..Self::default()
        }
    }

    /// A variable's value, treating an empty one as unset.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.env
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::Context;

    #[test]
    fn debug_names_variables_without_their_values() {
        let shown = format!(
            "{:?}",
            Context::with_vars(&[("GDGROUPS_TOKEN", "tok-31f7")])
        );
        assert!(
            shown.contains("GDGROUPS_TOKEN") && !shown.contains("tok-31f7"),
            "{shown}"
        );
    }
}
