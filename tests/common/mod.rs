//! The harness: a sandbox on a free port, a temporary directory, and the real binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use gdgroups::group::Group;
use gdgroups_sandbox::{Sandbox, SandboxConfig, Seed, SeedGroup};

pub const TOKEN: &str = "test-token-3f9c";

/// A sandbox and a working directory for one test.
pub struct Env {
    pub sandbox: Sandbox,
    pub dir: tempfile::TempDir,
}

/// What a run of the binary left behind.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts the exit code, showing the output when it differs.
    #[track_caller]
    pub fn expect(self, code: i32) -> Self {
        assert_eq!(
            self.code, code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// gdgroups' group as the sandbox's own type (the sandbox shares no code with gdgroups).
pub fn to_sandbox(group: &Group) -> gdgroups_sandbox::Group {
    gdgroups_sandbox::Group {
        id: group.id.clone(),
        name: group.name.clone(),
        parents: group.parents.clone(),
    }
}

/// The sandbox's group as gdgroups' type, to compare with what gdgroups declares.
pub fn from_sandbox(group: gdgroups_sandbox::Group) -> Group {
    Group {
        id: group.id,
        name: group.name,
        parents: group.parents,
    }
}

/// Every group the sandbox holds, the bootstrap group included, sorted by id.
pub fn live_groups(sandbox: &Sandbox) -> Vec<Group> {
    sandbox.groups().into_iter().map(from_sandbox).collect()
}

/// A seed of these groups, without members or permissions.
pub fn seed(groups: &[Group]) -> Seed {
    groups
        .iter()
        .map(|g| SeedGroup::new(to_sandbox(g)))
        .collect()
}

impl Env {
    /// A sandbox seeded with `groups` (plus the bootstrap group).
    pub fn new(groups: &[Group]) -> Self {
        Self::with_config(SandboxConfig {
            token: TOKEN.into(),
            seed: seed(groups),
            ..SandboxConfig::default()
        })
    }

    pub fn with_config(config: SandboxConfig) -> Self {
        let sandbox = Sandbox::spawn(config).expect("sandbox starts");
        Self {
            sandbox,
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// A path in the working directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes a file into the working directory.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        fs_err::write(&path, text).expect("write");
        path
    }

    /// Runs the binary in the working directory against the sandbox, without colour or terminal.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[])
    }

    pub fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        run_in(
            self.dir.path(),
            args,
            &[
                &[
                    ("GDGROUPS_HOST", self.sandbox.url().as_str()),
                    ("GDGROUPS_TOKEN", TOKEN),
                ],
                env,
            ]
            .concat(),
        )
    }

    /// The sandbox's groups, without the bootstrap group.
    pub fn groups(&self) -> Vec<Group> {
        live_groups(&self.sandbox)
            .into_iter()
            .filter(|g| g.id != "adminGroup")
            .collect()
    }
}

/// Runs the binary with a clean environment (plus `env`) in `dir`.
pub fn run_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_gdgroups"));
    command
        .args(args)
        .current_dir(dir)
        .env_clear()
        .stdin(Stdio::null());
    if let Ok(path) = std::env::var("PATH") {
        command.env("PATH", path);
    }
    command.env("HOME", dir).env("NO_COLOR", "1");
    for (k, v) in env {
        command.env(k, v);
    }
    let output = command.output().expect("binary runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Replaces the sandbox's port so snapshots are stable.
pub fn redact(text: &str, env: &Env) -> String {
    text.replace(&env.sandbox.url(), "http://127.0.0.1:PORT")
}
