//! The command line as people meet it: help, completions, colour, verbosity.

use gdgroups::group::Group;

use crate::common::{Env, run_in};

const SUBCOMMANDS: [&str; 8] = [
    "validate",
    "plan",
    "apply",
    "show",
    "sandbox",
    "completions",
    "man",
    "dump",
];

#[test]
fn help_texts_teach_with_an_example() {
    let dir = tempfile::tempdir().expect("dir");
    let top = run_in(dir.path(), &["--help"], &[]);
    assert_eq!(top.code, 0);
    insta::assert_snapshot!("help", top.stdout);
    for command in [
        "validate",
        "plan",
        "apply",
        "show",
        "sandbox",
        "dump",
        "schema",
        "completions",
        "man",
    ] {
        let run = run_in(dir.path(), &[command, "--help"], &[]);
        assert_eq!(run.code, 0, "{command}: {run:?}");
        assert!(
            run.stdout.contains("Example"),
            "`{command} --help` has an example:\n{}",
            run.stdout
        );
    }
    insta::assert_snapshot!(
        "plan_help",
        run_in(dir.path(), &["plan", "--help"], &[]).stdout
    );
}

#[test]
fn version_names_the_commit() {
    let dir = tempfile::tempdir().expect("dir");
    let run = run_in(dir.path(), &["--version"], &[]);
    assert!(
        run.stdout
            .starts_with(&format!("gdgroups {} (commit ", env!("CARGO_PKG_VERSION"))),
        "{}",
        run.stdout
    );
}

#[test]
fn completions_cover_every_subcommand_in_every_shell() {
    let dir = tempfile::tempdir().expect("dir");
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let run = run_in(dir.path(), &["completions", shell], &[]);
        assert_eq!(run.code, 0, "{shell}: {run:?}");
        for command in SUBCOMMANDS {
            assert!(
                run.stdout.contains(command),
                "{shell} completions mention `{command}`"
            );
        }
    }
    let man = run_in(dir.path(), &["man"], &[]);
    assert!(
        man.stdout.contains(".TH gdgroups"),
        "{}",
        &man.stdout[..man.stdout.len().min(200)]
    );
}

#[test]
fn man_pages_cover_every_command_and_every_page_they_refer_to() {
    use clap::CommandFactory as _;
    let dir = tempfile::tempdir().expect("dir");
    let run = run_in(dir.path(), &["man", "--dir", "pages"], &[]);
    assert_eq!(run.code, 0, "{run:?}");
    let mut pages = std::collections::BTreeMap::new();
    for entry in fs_err::read_dir(dir.path().join("pages")).expect("pages") {
        let path = entry.expect("entry").path();
        let roff = fs_err::read_to_string(&path).expect("page");
        // Roff escapes dashes and marks bold and roman; what a reader sees is the plain text.
        let text = roff
            .replace("\\-", "-")
            .replace("\\fB", "")
            .replace("\\fR", "")
            .replace("\\fI", "");
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        pages.insert(name, text);
    }
    let top = run_in(dir.path(), &["man"], &[]);
    assert_eq!(
        top.stdout
            .replace("\\-", "-")
            .replace("\\fB", "")
            .replace("\\fR", "")
            .replace("\\fI", ""),
        pages["gdgroups.1"],
        "`gdgroups man` prints gdgroups.1"
    );
    // Every page another page refers to exists.
    for (name, text) in &pages {
        for (at, _) in text.match_indices("(1)") {
            let before = &text[..at];
            let start = before
                .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                .map_or(0, |i| i + 1);
            let referred = &before[start..];
            if referred.starts_with("gdgroups") {
                assert!(
                    pages.contains_key(&format!("{referred}.1")),
                    "{name} refers to {referred}(1), which was not produced"
                );
            }
        }
    }
    // One page per command, each with every option, the exit codes and the environment.
    let mut cli = gdgroups::cli::Cli::command();
    cli.build();
    for command in
        std::iter::once(&cli).chain(cli.get_subcommands().filter(|c| c.get_name() != "help"))
    {
        let name = match command.get_name() {
            "gdgroups" => "gdgroups.1".to_string(),
            sub => format!("gdgroups-{sub}.1"),
        };
        let text = pages.get(&name).unwrap_or_else(|| panic!("no page {name}"));
        for arg in command.get_arguments().filter(|a| !a.is_hide_set()) {
            if let Some(long) = arg.get_long() {
                assert!(text.contains(&format!("--{long}")), "{name} lacks --{long}");
            }
        }
        assert!(text.contains(".SH \"EXIT STATUS\""), "{name}");
        for code in ["0", "1", "2", "3", "4", "64", "130"] {
            assert!(
                text.contains(&format!(".TP\n{code}\n")),
                "{name} lacks exit code {code}"
            );
        }
        for variable in [
            "GDGROUPS_HOST",
            "GDGROUPS_TOKEN",
            "GOODDATA_TOKEN",
            "SSL_CERT_FILE",
        ] {
            assert!(text.contains(variable), "{name} lacks {variable}");
        }
    }
}

#[test]
fn colour_follows_flags_and_environment() {
    let env = Env::new(&[Group::new("old")]);
    env.write("groups.yaml", "groups:\n  - id: new\n");
    // The harness sets NO_COLOR=1.
    let plain = env.run(&["plan"]).expect(0);
    assert!(
        !plain.stdout.contains('\u{1b}'),
        "NO_COLOR: {}",
        plain.stdout
    );
    let forced = env.run(&["plan", "--color", "always"]).expect(0);
    assert!(
        forced.stdout.contains("\u{1b}[32m"),
        "--color always beats NO_COLOR: {}",
        forced.stdout
    );
    let forced = env
        .run_with(&["plan"], &[("NO_COLOR", ""), ("CLICOLOR_FORCE", "1")])
        .expect(0);
    assert!(
        forced.stdout.contains('\u{1b}'),
        "CLICOLOR_FORCE without a terminal"
    );
    let never = env
        .run_with(
            &["plan", "--color", "never"],
            &[("NO_COLOR", ""), ("CLICOLOR_FORCE", "1")],
        )
        .expect(0);
    assert!(!never.stdout.contains('\u{1b}'));
}

#[test]
fn quiet_and_verbose() {
    let env = Env::new(&[]);
    env.write("groups.yaml", "groups:\n  - id: a\n");
    let quiet = env.run(&["-q", "apply", "--auto-approve"]).expect(0);
    assert!(
        !quiet.stderr.contains("Reading the user groups"),
        "{}",
        quiet.stderr
    );
    assert!(
        !quiet.stderr.contains("[1/1]"),
        "no progress lines: {}",
        quiet.stderr
    );
    assert!(
        quiet.stderr.contains("Apply complete: 1 created"),
        "the summary stays: {}",
        quiet.stderr
    );

    let verbose = env.run(&["-v", "plan"]).expect(0);
    assert!(
        verbose.stderr.contains("GET /api/v1/entities/userGroups"),
        "{}",
        verbose.stderr
    );
    assert!(verbose.stderr.contains("status=200"), "{}", verbose.stderr);
    assert!(verbose.stderr.contains("ms="), "{}", verbose.stderr);
    assert!(verbose.stderr.contains("trace_id="), "{}", verbose.stderr);

    // `plan -q`: the summary and the next step, one line, the line `--summary-file` writes
    // (the formats asked for by name stay whole).
    env.write("groups.yaml", "groups:\n  - id: a\n  - id: b\n");
    let quiet_plan = env
        .run(&["-q", "plan", "--summary-file", "summary.txt"])
        .expect(0);
    assert_eq!(
        quiet_plan.stdout,
        "Plan: 1 to create, 0 to update, 0 to delete. 1 unchanged, 0 ignored, 1 protected. Next step: apply is ready; no safety flag is needed.\n"
    );
    assert_eq!(
        fs_err::read_to_string(env.path("summary.txt")).expect("summary file"),
        quiet_plan.stdout
    );
    assert_eq!(quiet_plan.stderr, "");
    let saved = env.run(&["-q", "plan", "--out", "plan.json"]).expect(0);
    assert!(
        saved
            .stdout
            .ends_with("Next step: apply is ready: `gdgroups apply plan.json`.\n"),
        "{}",
        saved.stdout
    );
    let json = env.run(&["-q", "plan", "--format", "json"]).expect(0);
    assert!(json.stdout.contains("\"operations\""), "{}", json.stdout);
    // `apply -q`: the final summary only, not the plan.
    let quiet_apply = env.run(&["-q", "apply", "--auto-approve"]).expect(0);
    assert_eq!(quiet_apply.stdout, "");
    assert_eq!(
        quiet_apply.stderr,
        "Apply complete: 1 created, 0 updated, 0 deleted.\n"
    );
    let nothing = env.run(&["-q", "apply", "--auto-approve"]).expect(0);
    assert_eq!(
        (nothing.stdout.as_str(), nothing.stderr.as_str()),
        ("", "No changes. Live groups match groups.yaml.\n")
    );

    let quiet_default = env.run(&["plan"]).expect(0);
    assert!(
        !quiet_default.stderr.contains("status=200"),
        "no request logs without -v"
    );
}

/// `gdgroups sandbox` prints how to try it from another terminal, and what it suggests works
/// pasted into a shell in the directory it was started in: the example file in a checkout of the
/// repository (whose root has no groups.yaml), otherwise a groups.yaml made first, from the
/// sandbox's groups when it was seeded, or from scratch.
#[test]
fn the_sandbox_banner_suggests_commands_that_work_where_it_started() {
    use std::io::BufRead as _;

    let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/examples");
    for (checkout, seed, expected) in [
        (
            true,
            Some("examples/seed.yaml"),
            "gdgroups plan -f examples/groups.yaml",
        ),
        // Unseeded, the sandbox lacks the users and workspaces the example file names.
        (true, None, "printf 'groups:"),
        (false, Some("seed.yaml"), "gdgroups dump -o groups.yaml"),
        (false, None, "printf 'groups:"),
    ] {
        let dir = tempfile::tempdir().expect("dir");
        if checkout {
            fs_err::create_dir(dir.path().join("examples")).expect("mkdir");
            for file in ["groups.yaml", "seed.yaml"] {
                fs_err::copy(
                    format!("{examples}/{file}"),
                    dir.path().join("examples").join(file),
                )
                .expect("copy");
            }
        }
        let mut args = vec![
            "sandbox".to_string(),
            "--listen".into(),
            "127.0.0.1:0".into(),
        ];
        if let Some(seed) = seed {
            // In a checkout, as a user there types it: relative to the directory.
            let seed = if checkout {
                seed.to_string()
            } else {
                format!("{examples}/{seed}")
            };
            args.extend(["--seed".into(), seed]);
        }
        let mut sandbox = std::process::Command::new(env!("CARGO_BIN_EXE_gdgroups"))
            .args(&args)
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        let mut banner = String::new();
        let lines = std::io::BufReader::new(sandbox.stderr.take().expect("stderr")).lines();
        for line in lines {
            let line = line.expect("stderr");
            banner.push_str(&line);
            banner.push('\n');
            if line.contains("Ctrl-C stops it") {
                break;
            }
        }
        // The indented lines after "In another terminal:", pasted into one shell.
        let script: Vec<&str> = banner
            .lines()
            .skip_while(|line| !line.starts_with("In another terminal:"))
            .skip(1)
            .take_while(|line| line.starts_with("  "))
            .map(str::trim)
            .collect();
        let gdgroups = std::path::Path::new(env!("CARGO_BIN_EXE_gdgroups"));
        let path = format!(
            "{}:{}",
            gdgroups.parent().expect("bin dir").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let shell = std::process::Command::new("sh")
            .args(["-e", "-c", &script.join("\n")])
            .current_dir(dir.path())
            .env("PATH", path)
            .env("HOME", dir.path())
            .env("NO_COLOR", "1")
            .env_remove("GDGROUPS_HOST")
            .env_remove("GDGROUPS_TOKEN")
            .output()
            .expect("sh runs");
        let _ = sandbox.kill();
        let _ = sandbox.wait();
        assert!(
            script.get(1).is_some_and(|step| step.starts_with(expected)),
            "{banner}"
        );
        assert!(script[0].starts_with("export GDGROUPS_HOST="), "{banner}");
        assert!(
            shell.status.success(),
            "{banner}\n--- stdout\n{}\n--- stderr\n{}",
            String::from_utf8_lossy(&shell.stdout),
            String::from_utf8_lossy(&shell.stderr)
        );
    }
}

#[test]
fn no_changes_names_the_file_that_was_used() {
    let env = Env::new(&[Group::new("a")]);
    env.write("teams.yaml", "groups:\n  - id: a\n");
    let run = env.run(&["plan", "-f", "teams.yaml"]).expect(0);
    assert!(
        run.stdout
            .starts_with("No changes. Live groups match teams.yaml.\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn errors_have_one_label_with_colour_on() {
    let dir = tempfile::tempdir().expect("dir");
    fs_err::write(
        dir.path().join("groups.yaml"),
        "groups:\n  - id: a\n    parent: [b]\n",
    )
    .expect("write");
    for (args, env) in [
        (&["--color", "always", "validate"][..], &[][..]),
        (
            &["validate"][..],
            &[("NO_COLOR", ""), ("CLICOLOR_FORCE", "1")][..],
        ),
    ] {
        let run = run_in(dir.path(), args, env);
        assert_eq!(run.code, 1, "{run:?}");
        assert!(run.stderr.contains("\u{1b}["), "coloured: {}", run.stderr);
        let plain = strip_ansi(&run.stderr);
        assert!(
            plain.starts_with("error: unknown key `parent`\n"),
            "one label: {plain}"
        );
        assert_eq!(plain.matches("error:").count(), 1, "{plain}");
    }
    // An error that is not located in the file gets the same single label.
    let run = run_in(
        dir.path(),
        &["--color", "always", "plan", "-f", "missing.yaml"],
        &[],
    );
    let plain = strip_ansi(&run.stderr);
    assert_eq!(plain.matches("error:").count(), 1, "{plain}");
}

/// The text without its ANSI colour sequences (`ESC [ … m`).
fn strip_ansi(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find('\u{1b}') {
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        rest = rest.find('m').map_or("", |end| &rest[end + 1..]);
    }
    out.push_str(rest);
    out
}
