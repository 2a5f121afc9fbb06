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
