//! The token is a secret everywhere (spec §8): not in stdout, stderr or any file written, at any
//! verbosity, on success or on error.

use gdgroups::group::Group;

use crate::common::{Env, run_in};

const SECRET: &str = "sekrit-TOKEN-8c1f0e";

#[test]
fn the_token_appears_nowhere() {
    let env = Env::new(&[Group::new("old").with_name("Old")]);
    env.write("groups.yaml", "groups:\n  - id: a\n    name: A\n");
    // The sandbox accepts only its own token, so runs with SECRET exercise the 401 path, and runs
    // with the real token (also checked below) exercise the success paths.
    let mut outputs = Vec::new();
    for token in [SECRET, crate::common::TOKEN] {
        let env_vars = [("GDGROUPS_TOKEN", token)];
        for args in [
            &["-vv", "validate"][..],
            &["-vv", "plan", "--out", "plan.json"],
            &["-vv", "plan", "--format", "json"],
            &["-vv", "plan", "--format", "markdown"],
            &["-vv", "show", "plan.json"],
            &["-vv", "apply", "plan.json", "--report", "report.json"],
            &["-vv", "apply", "--auto-approve", "--report", "report2.json"],
            &["-vv", "dump", "-o", "dumped.yaml"],
        ] {
            outputs.push(env.run_with(args, &env_vars));
        }
    }
    for run in &outputs {
        assert!(
            !run.stdout.contains(SECRET) && !run.stderr.contains(SECRET),
            "{run:?}"
        );
        assert!(
            !run.stdout.contains(crate::common::TOKEN)
                && !run.stderr.contains(crate::common::TOKEN),
            "{run:?}"
        );
    }
    assert!(
        outputs.iter().any(|r| r.stderr.contains("401")),
        "the wrong token was tried"
    );
    for entry in fs_err::read_dir(env.dir.path()).expect("dir") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            let text = String::from_utf8_lossy(&fs_err::read(&path).expect("read")).into_owned();
            assert!(
                !text.contains(SECRET) && !text.contains(crate::common::TOKEN),
                "{} holds the token",
                path.display()
            );
        }
    }
    // A profile's token is as secret as an environment variable's.
    let profiles = env.write(
        "profiles.yaml",
        &format!(
            "default:\n  host: {}\n  token: {SECRET}\n",
            env.sandbox.url()
        ),
    );
    let run = run_in(
        env.dir.path(),
        &[
            "-vv",
            "--profiles-file",
            profiles.to_str().expect("utf8"),
            "plan",
        ],
        &[],
    );
    assert!(
        !run.stdout.contains(SECRET) && !run.stderr.contains(SECRET),
        "{run:?}"
    );
}

/// Every way the profiles file can be wrong (spec §8): the error says where (line and column)
/// and what to do, and never shows the file's text, which holds tokens.
#[test]
fn profile_errors_give_a_place_and_never_the_token() {
    const NUMERIC: &str = "8675309112358";
    let dir = tempfile::tempdir().expect("dir");
    fs_err::write(dir.path().join("groups.yaml"), "groups:\n  - id: a\n").expect("write");
    let cases: &[(&str, String, &[&str])] = &[
        (
            "an unclosed quote on the token line",
            format!(
                "default_profile: dev\nprofiles:\n  dev:\n    host: https://x.example.com\n    token: \"{SECRET}\n"
            ),
            &["profiles.yaml:5:"],
        ),
        (
            "a bracket never closed",
            format!("default:\n  host: https://x.example.com\n  token: [{SECRET}\n"),
            &["profiles.yaml:"],
        ),
        (
            "a profile that is a bare token",
            format!("default: {SECRET}\n"),
            &["profiles.yaml:1:10", "a mapping"],
        ),
        (
            "a token that is a number",
            format!("default:\n  host: https://x.example.com\n  token: {NUMERIC}\n"),
            &["profiles.yaml:3:10", "`token`"],
        ),
        (
            "custom headers that are a string",
            format!(
                "default:\n  host: https://x.example.com\n  token: $T\n  custom_headers: {SECRET}\n"
            ),
            &["profiles.yaml:4:19", "`custom_headers`"],
        ),
        (
            "a header value that is a list",
            format!(
                "default:\n  host: https://x.example.com\n  token: $T\n  custom_headers:\n    X-Key: [{SECRET}]\n"
            ),
            &["profiles.yaml:5:12", "`X-Key`"],
        ),
        (
            "`profiles` that is not a mapping",
            format!("default_profile: dev\nprofiles: {SECRET}\n"),
            &["profiles.yaml:2:11", "`profiles`"],
        ),
        (
            "an unknown profile",
            format!("default_profile: nope\nprofiles:\n  dev:\n    token: {SECRET}\n"),
            &["profiles.yaml:1:18", "no profile `nope`", "dev"],
        ),
        (
            "an unset variable",
            "default:\n  host: https://x.example.com\n  token: $UNSET_TOKEN_VAR\n".to_string(),
            &["profiles.yaml:3:10", "not set"],
        ),
    ];
    for (what, text, needles) in cases {
        let path = dir.path().join("profiles.yaml");
        fs_err::write(&path, text).expect("write");
        let run = run_in(
            dir.path(),
            &[
                "-vv",
                "--profiles-file",
                path.to_str().expect("utf8"),
                "plan",
            ],
            &[("T", "fine")],
        );
        assert_eq!(run.code, 1, "{what}: {run:?}");
        for secret in [SECRET, NUMERIC] {
            assert!(
                !run.stdout.contains(secret) && !run.stderr.contains(secret),
                "{what}: {run:?}"
            );
        }
        for needle in *needles {
            assert!(
                run.stderr.contains(needle),
                "{what}: {needle:?} in {}",
                run.stderr
            );
        }
    }
}
