//! Exit codes of spec §6 and the messages that come with them.

use gdgroups::group::Group;

use crate::common::{Env, run_in};

#[test]
fn usage_errors_exit_64() {
    let dir = tempfile::tempdir().expect("dir");
    let run = run_in(dir.path(), &["plan", "--no-such-flag"], &[]);
    assert_eq!(run.code, 64, "{run:?}");
    let run = run_in(dir.path(), &["--help"], &[]);
    assert_eq!(run.code, 0, "{run:?}");
}

#[test]
fn missing_credentials_say_where_to_look() {
    let env = Env::new(&[]);
    env.write("groups.yaml", "groups:\n  - id: a\n");
    let run = run_in(env.dir.path(), &["plan"], &[]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("GDGROUPS_HOST"), "{}", run.stderr);
}

#[test]
fn a_wrong_token_is_a_clear_401() {
    let env = Env::new(&[]);
    env.write("groups.yaml", "groups:\n  - id: a\n");
    let run = env
        .run_with(&["plan"], &[("GDGROUPS_TOKEN", "wrong")])
        .expect(1);
    assert!(run.stderr.contains("401"), "{}", run.stderr);
    assert!(run.stderr.contains("token was rejected"), "{}", run.stderr);
    assert!(
        !run.stderr.contains("wrong"),
        "the token must not be echoed: {}",
        run.stderr
    );
}

#[test]
fn apply_without_a_terminal_or_approval_refuses_with_4() {
    let env = Env::new(&[]);
    env.write("groups.yaml", "groups:\n  - id: a\n");
    let run = env.run(&["apply"]).expect(4);
    assert!(run.stderr.contains("--auto-approve"), "{}", run.stderr);
    assert!(env.groups().is_empty(), "nothing may change");
}

#[test]
fn detailed_exitcode_is_2_with_changes() {
    let env = Env::new(&[Group::new("old")]);
    env.write("groups.yaml", "groups:\n  - id: a\n");
    env.run(&["plan", "--detailed-exitcode"]).expect(2);
    env.run(&["plan"]).expect(0);
}

#[test]
fn bad_input_exits_1_and_changes_nothing() {
    let env = Env::new(&[Group::new("keep")]);
    env.write("groups.yaml", "groups:\n  - id: a\n    parent: [b]\n");
    let run = env.run(&["apply", "--auto-approve"]).expect(1);
    assert!(run.stderr.contains("groups.yaml:3:5"), "{}", run.stderr);
    assert_eq!(env.groups(), [Group::new("keep")]);
    let run = env.run(&["validate"]).expect(1);
    assert!(
        run.stderr.contains("did you mean `parents`"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_unreachable_server_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("dir");
    fs_err::write(dir.path().join("groups.yaml"), "groups:\n  - id: a\n").expect("write");
    let run = run_in(
        dir.path(),
        &["plan", "--timeout", "2"],
        &[
            ("GDGROUPS_HOST", "http://127.0.0.1:9"),
            ("GDGROUPS_TOKEN", "t"),
        ],
    );
    assert_eq!(run.code, 1, "{run:?}");
    // The listing and the organization lookup run together; either may report first.
    let error = run
        .stderr
        .lines()
        .find(|l| l.starts_with("error:"))
        .expect("an error line");
    assert!(
        error.starts_with(
            "error: could not reach http://127.0.0.1:9: the connection was refused (GET /api/v1/entities/"
        ),
        "{}",
        run.stderr
    );
    assert!(
        error.contains("check that the server is running"),
        "{error}"
    );
    assert!(error.contains("--host, GDGROUPS_HOST"), "{error}");
    assert_eq!(
        run.stderr
            .lines()
            .filter(|l| !l.starts_with("Reading"))
            .count(),
        1,
        "one line: {}",
        run.stderr
    );
    assert!(!run.stderr.contains("tcp connect error"), "{}", run.stderr);
    // The transport's own words are there for whoever asks.
    let verbose = run_in(
        dir.path(),
        &["-v", "plan", "--timeout", "2"],
        &[
            ("GDGROUPS_HOST", "http://127.0.0.1:9"),
            ("GDGROUPS_TOKEN", "t"),
        ],
    );
    assert!(
        verbose
            .stderr
            .contains("tcp connect error: Connection refused"),
        "{}",
        verbose.stderr
    );
}

#[test]
fn an_empty_file_is_refused_with_4_unless_allowed() {
    let env = Env::new(&[Group::new("a"), Group::new("b")]);
    env.write("groups.yaml", "groups: []\n");
    let run = env.run(&["apply", "--auto-approve"]).expect(4);
    assert!(run.stderr.contains("--allow-empty"), "{}", run.stderr);
    // Located like every other problem of the file: file:line:col and the line itself.
    env.write("groups.yaml", "# nothing yet\nprotected: [x]\ngroups: []\n");
    let run = env.run(&["validate"]).expect(4);
    assert!(
        run.stderr
            .contains(" --> groups.yaml:3:1\n  |\n3 | groups: []\n  | ^^^^^^\n"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.matches("error:").count(), 1, "{}", run.stderr);
    assert_eq!(env.groups().len(), 2, "nothing was deleted");
    let run = env
        .run(&[
            "apply",
            "--auto-approve",
            "--allow-empty",
            "--max-delete-percent",
            "100",
        ])
        .expect(0);
    assert!(run.stderr.contains("2 deleted"), "{}", run.stderr);
    assert!(
        env.sandbox.groups().iter().any(|g| g.id == "adminGroup"),
        "the bootstrap group survives"
    );
}

#[test]
fn delete_thresholds_refuse_at_n_plus_one_and_pass_at_n_or_when_allowed() {
    let live: Vec<Group> = (0..4).map(|i| Group::new(format!("g{i}"))).collect();
    let env = Env::new(&live);
    env.write("groups.yaml", "groups:\n  - id: g0\n");
    let run = env.run(&["plan", "--max-deletes", "2"]).expect(4);
    assert!(run.stderr.contains("--max-deletes 3"), "{}", run.stderr);
    assert!(
        run.stdout.contains("- g1"),
        "the refused plan is still shown: {}",
        run.stdout
    );
    env.run(&["plan", "--max-deletes", "3"]).expect(0);
    env.run(&["plan", "--max-deletes", "2", "--allow-delete", "g3"])
        .expect(0);
    env.write(
        "groups.yaml",
        "safety:\n  max_deletes: 2\ngroups:\n  - id: g0\n",
    );
    env.run(&["apply", "--auto-approve"]).expect(4);
    assert_eq!(env.groups().len(), 4, "a refused apply changes nothing");
    env.run(&["apply", "--auto-approve", "--max-deletes", "3"])
        .expect(0);
    assert_eq!(env.groups(), [Group::new("g0")]);
}

#[test]
fn an_out_of_range_number_is_a_usage_error_not_a_panic() {
    let env = Env::new(&[]);
    env.write("groups.yaml", "groups:\n  - id: a\n");
    for args in [
        &["--timeout", "1e20", "plan"][..],
        &["--timeout", "-1", "plan"],
        &["--timeout", "NaN", "plan"],
        &["plan", "--max-delete-percent", "inf"],
    ] {
        let run = env.run(args);
        assert_eq!(run.code, 64, "{args:?}: {run:?}");
        assert!(run.stderr.contains("error:"), "{args:?}: {}", run.stderr);
    }
}

#[test]
fn a_token_flag_is_a_usage_error_that_says_where_the_token_comes_from() {
    let dir = tempfile::tempdir().expect("dir");
    for args in [
        &["plan", "--token", "s3cret-value"][..],
        &["--token=s3cret-value", "apply"][..],
        &["dump", "--token"][..],
    ] {
        let run = run_in(dir.path(), args, &[]);
        assert_eq!(run.code, 64, "{args:?}: {run:?}");
        assert!(run.stderr.contains("GDGROUPS_TOKEN"), "{}", run.stderr);
        assert!(run.stderr.contains("profile"), "{}", run.stderr);
        assert!(
            run.stderr.contains("`ps` and shell history"),
            "says why: {}",
            run.stderr
        );
        assert!(!run.stderr.contains("s3cret"), "{}", run.stderr);
    }
    // Not an option anywhere in the help, only the sandbox's own `--token`.
    for command in ["plan", "apply", "dump", "validate", "show"] {
        let help = run_in(dir.path(), &[command, "--help"], &[]);
        assert!(
            !help.stdout.contains("--token"),
            "{command}: {}",
            help.stdout
        );
    }
    let help = run_in(dir.path(), &["--help"], &[]);
    assert!(!help.stdout.contains("--token"), "{}", help.stdout);
}

#[test]
fn a_host_ending_in_api_v1_is_caught_and_errors_name_the_path_requested() {
    let env = Env::new(&[]);
    env.write("groups.yaml", "groups:\n  - id: a\n");
    let url = env.sandbox.url();
    for pasted in [format!("{url}/api/v1"), format!("{url}/api/v1/")] {
        let run = env.run(&["plan", "--host", &pasted]).expect(1);
        assert!(
            run.stderr.contains(&format!(
                "set the host to the organization URL alone: {url}"
            )),
            "{}",
            run.stderr
        );
        let from_env = env
            .run_with(&["plan"], &[("GDGROUPS_HOST", &pasted)])
            .expect(1);
        assert!(
            from_env.stderr.contains("ends in `/api/v1`"),
            "{}",
            from_env.stderr
        );
    }
    assert_eq!(env.sandbox.stats().total(), 0, "nothing was requested");
    // Any other path is sent as given, and the error names the path that was requested.
    let run = env
        .run(&["plan", "--host", &format!("{url}/prefix")])
        .expect(1);
    assert!(
        run.stderr.contains("GET /prefix/api/v1/entities/"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_missing_file_says_so_and_how_to_name_another() {
    let dir = tempfile::tempdir().expect("dir");
    let run = run_in(dir.path(), &["validate"], &[]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.starts_with("error: groups.yaml: no such file\n"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("`-f FILE`"), "{}", run.stderr);
    let run = run_in(dir.path(), &["plan", "-f", "other.yaml"], &[]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.starts_with("error: other.yaml: no such file\n"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("os error"), "{}", run.stderr);
}
