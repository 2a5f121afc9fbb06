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
        (true, None, "gdgroups plan -f examples/groups.yaml"),
        (false, Some("seed.yaml"), "gdgroups dump -o groups.yaml"),
        (false, None, "printf 'groups:"),
    ] {
        let dir = tempfile::tempdir().expect("dir");
        if checkout {
            fs_err::create_dir(dir.path().join("examples")).expect("mkdir");
            fs_err::copy(
                format!("{examples}/groups.yaml"),
                dir.path().join("examples/groups.yaml"),
            )
            .expect("copy");
        }
        let mut args = vec![
            "sandbox".to_string(),
            "--listen".into(),
            "127.0.0.1:0".into(),
        ];
        if let Some(seed) = seed {
            args.extend(["--seed".into(), format!("{examples}/{seed}")]);
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
