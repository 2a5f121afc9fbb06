//! The example GitHub workflows (`examples/ci/*.yml`): they parse as YAML; their shell steps run
//! as written, the same `gdgroups` invocations with the same flags, against the sandbox, under
//! bash as GitHub runs them; the files and plan fields their scripts read are what those runs
//! write; and every body they post (a comment, an issue, a closing comment) fits GitHub's
//! 65,536 limit.
//!
//! The JavaScript steps (`actions/github-script`) need GitHub and are not run; what they read of
//! gdgroups' output is checked instead.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use gdgroups::group::Group;
use serde_json::Value;

use crate::common::{Env, TOKEN};

const PULL_REQUEST: (&str, &str) = (
    "examples/ci/github-actions.yml",
    include_str!("../examples/ci/github-actions.yml"),
);
const DRIFT: (&str, &str) = (
    "examples/ci/drift.yml",
    include_str!("../examples/ci/drift.yml"),
);

/// GitHub's limit on the body of an issue or a comment (characters; bytes are never fewer).
const GITHUB_BODY_LIMIT: usize = 65_536;

fn parse(workflow: (&str, &str)) -> Value {
    serde_saphyr::from_str(workflow.1).unwrap_or_else(|e| panic!("{}: {e}", workflow.0))
}

fn steps<'a>(workflow: &'a Value, job: &str) -> &'a [Value] {
    workflow["jobs"][job]["steps"]
        .as_array()
        .unwrap_or_else(|| panic!("no job {job}"))
}

/// The scripts of a job's `actions/github-script` steps.
fn scripts(workflow: &Value, job: &str) -> Vec<String> {
    steps(workflow, job)
        .iter()
        .filter(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/github-script"))
        })
        .map(|s| s["with"]["script"].as_str().expect("script").to_string())
        .collect()
}

/// A shell step as it ran: its exit code and what it wrote to `$GITHUB_OUTPUT`.
#[derive(Debug)]
struct Ran {
    code: i32,
    outputs: BTreeMap<String, String>,
    stderr: String,
}

/// Whether a step's `if:` holds, for the forms the examples use on shell steps:
/// `steps.ID.outputs.NAME == 'VALUE'` (or `!=`), given the outputs of earlier steps.
fn condition(step: &Value, outputs: &BTreeMap<String, BTreeMap<String, String>>) -> bool {
    let Some(condition) = step["if"].as_str() else {
        return true;
    };
    let (left, equal, right) = if let Some((l, r)) = condition.split_once(" == ") {
        (l, true, r)
    } else if let Some((l, r)) = condition.split_once(" != ") {
        (l, false, r)
    } else {
        panic!("the test reads only `steps.ID.outputs.NAME ==/!= 'VALUE'`: {condition}");
    };
    let path: Vec<&str> = left.trim().split('.').collect();
    let ["steps", id, "outputs", name] = path[..] else {
        panic!("unsupported condition {condition}");
    };
    let value = right.trim().trim_matches('\'');
    let actual = outputs
        .get(id)
        .and_then(|o| o.get(name))
        .map_or("", String::as_str);
    (actual == value) == equal
}

/// The shell steps of `job` (all but gdgroups' install), as written, in order, each
/// under bash as GitHub runs `run:` (`bash --noprofile --norc -eo pipefail`), in the
/// environment's directory with the built gdgroups first on PATH. Returns each step's result by
/// name, and the job summary.
fn run_job(env: &Env, workflow: &Value, job: &str) -> (BTreeMap<String, Ran>, String) {
    let bin = Path::new(env!("CARGO_BIN_EXE_gdgroups"))
        .parent()
        .expect("bin dir")
        .to_path_buf();
    let path = std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .expect("PATH");
    let summary = env.path("job-summary.md");
    fs_err::write(&summary, "").expect("summary file");
    let mut outputs: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut ran = BTreeMap::new();
    for step in steps(workflow, job) {
        let Some(script) = step["run"].as_str() else {
            continue;
        };
        if script.contains("cargo install") {
            continue;
        }
        if !condition(step, &outputs) {
            continue;
        }
        let name = step["name"].as_str().expect("a named step").to_string();
        assert!(
            !script.contains("${{"),
            "{name}: the test runs the script as written, without GitHub expressions"
        );
        let output_file = env.path("github-output");
        fs_err::write(&output_file, "").expect("output file");
        let result = Command::new("bash")
            .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
            .current_dir(env.dir.path())
            .env_clear()
            .env("PATH", &path)
            .env("HOME", env.dir.path())
            .env("NO_COLOR", "1")
            .env("GDGROUPS_HOST", env.sandbox.url())
            .env("GDGROUPS_TOKEN", TOKEN)
            .env("GITHUB_OUTPUT", &output_file)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .stdin(Stdio::null())
            .output()
            .expect("bash runs");
        let written: BTreeMap<String, String> = fs_err::read_to_string(&output_file)
            .expect("outputs")
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        if let Some(id) = step["id"].as_str() {
            outputs.insert(id.to_string(), written.clone());
        }
        ran.insert(
            name,
            Ran {
                code: result.status.code().unwrap_or(-1),
                outputs: written,
                stderr: String::from_utf8_lossy(&result.stderr).into_owned(),
            },
        );
    }
    let summary = fs_err::read_to_string(&summary).expect("summary");
    (ran, summary)
}

/// What the environment's directory holds after a run, for a step that reads it.
fn file(env: &Env, name: &str) -> Option<String> {
    fs_err::read_to_string(env.path(name)).ok()
}

/// Checks that what the scripts read from gdgroups' output is there: the files they read exist
/// (unless a script asks whether they do), the plan fields they use resolve in the saved plan,
/// and the next-step statuses they compare with are ones the schema knows.
fn scripts_read_what_gdgroups_wrote(env: &Env, scripts: &[String], plan: Option<&Value>) {
    let statuses: Vec<Value> = crate::common::schema::plan_schema()["$defs"]["nextStep"]["oneOf"]
        .as_array()
        .expect("branches")
        .iter()
        .map(|b| b["properties"]["status"]["const"].clone())
        .collect();
    for script in scripts {
        // The code, without comments (which may name files and fields in prose).
        let script: String = script
            .lines()
            .map(|l| l.split_once("//").map_or(l, |(code, _)| code))
            .collect::<Vec<_>>()
            .join("\n");
        let script = &script;
        for read in quoted_after(script, "readFileSync(") {
            let optional = script.contains(&format!("existsSync('{read}')"));
            assert!(
                optional || env.path(&read).exists(),
                "a script reads {read}, which the run did not write:\n{script}"
            );
        }
        for (i, _) in script.match_indices("plan.") {
            let before = script[..i].chars().last();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.' || c == '\'') {
                continue;
            }
            let rest = &script[i + "plan".len()..];
            let path: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '.')
                .collect();
            let Some(plan) = plan else { continue };
            let mut node = plan;
            for key in path.trim_matches('.').split('.') {
                node = node.get(key).unwrap_or_else(|| {
                    panic!(
                        "a script reads `plan{path}`, which the saved plan does not have:\n{plan}"
                    )
                });
            }
            if path.ends_with("next_step.status") {
                let compared = &script[i + "plan".len() + path.len()..];
                for value in quoted_after(compared.lines().next().unwrap_or(""), "=== ") {
                    assert!(
                        statuses.contains(&Value::String(value.clone())),
                        "a script compares the next step with `{value}`, not a status of the schema"
                    );
                }
            }
        }
    }
}

/// The single-quoted strings right after each `prefix` in `text`.
fn quoted_after(text: &str, prefix: &str) -> Vec<String> {
    text.match_indices(prefix)
        .filter_map(|(i, _)| {
            let rest = text[i + prefix.len()..].strip_prefix('\'')?;
            Some(rest[..rest.find('\'')?].to_string())
        })
        .collect()
}

#[track_caller]
fn assert_fits(what: &str, body: &str) {
    assert!(
        body.len() <= GITHUB_BODY_LIMIT,
        "{what} is {} bytes, over GitHub's limit of {GITHUB_BODY_LIMIT}",
        body.len()
    );
    assert!(!body.trim().is_empty(), "{what} is empty");
}

#[test]
fn the_workflows_parse_and_say_when_they_run() {
    let pr = parse(PULL_REQUEST);
    assert!(pr["on"]["pull_request"].is_object(), "{pr}");
    assert_eq!(pr["permissions"]["pull-requests"], "write");
    assert_eq!(pr["permissions"]["issues"], "write", "labels");
    let drift = parse(DRIFT);
    let cron = drift["on"]["schedule"][0]["cron"]
        .as_str()
        .expect("a schedule");
    assert_eq!(cron.split_whitespace().count(), 5, "{cron}");
    assert_eq!(drift["permissions"]["issues"], "write");
    for workflow in [&pr, &drift] {
        assert_eq!(
            workflow["env"]["GDGROUPS_TOKEN"], "${{ secrets.GDGROUPS_TOKEN }}",
            "the token comes from a secret"
        );
    }
}

fn pull_request_env(groups_yaml: &str) -> Env {
    let env = Env::new(&[
        Group::new("analysts").with_name("Analysts"),
        Group::new("legacy"),
    ]);
    env.write("groups.yaml", groups_yaml);
    env
}

#[test]
fn the_pull_request_workflow_plans_comments_labels_and_applies_the_reviewed_plan() {
    let workflow = parse(PULL_REQUEST);
    let env = pull_request_env(
        "groups:\n  - id: analysts\n    name: Data Analysts\n  - id: marketing\n    parents: [analysts]\n",
    );
    let (ran, summary) = run_job(&env, &workflow, "plan");
    assert_eq!(
        ran.keys().collect::<Vec<_>>(),
        ["Plan", "Validate"],
        "the shell steps that run gdgroups"
    );
    let plan_step = &ran["Plan"];
    assert_eq!(plan_step.code, 0, "{plan_step:?}");
    assert_eq!(plan_step.outputs["exitcode"], "2", "changes: {plan_step:?}");
    let comment = file(&env, "plan.md").expect("plan.md");
    assert_fits("the comment", &comment);
    assert!(
        comment.starts_with("<!-- gdgroups-plan -->\n### gdgroups plan for"),
        "{comment}"
    );
    assert!(
        comment.contains("**Next step:** apply is ready: `gdgroups apply plan.json`."),
        "{comment}"
    );
    let line = file(&env, "summary.txt").expect("summary.txt");
    assert_eq!(line.lines().count(), 1, "{line}");
    assert!(
        summary.contains(line.trim_end()),
        "the job summary: {summary}"
    );
    let plan: Value =
        serde_json::from_str(&file(&env, "plan.json").expect("plan.json")).expect("json");
    crate::common::schema::assert_valid_plan("the workflow's plan.json", &plan.to_string());
    scripts_read_what_gdgroups_wrote(&env, &scripts(&workflow, "plan"), Some(&plan));
    // The labels the script would set, from the same fields.
    assert_eq!(plan["summary"]["delete"], 1, "gdgroups:deletes");
    assert_eq!(
        plan["next_step"]["status"], "apply_ready",
        "not gdgroups:no-changes"
    );

    // After merge: the apply job applies the plan the pull request reviewed.
    let (ran, _) = run_job(&env, &workflow, "apply");
    assert_eq!(ran.keys().collect::<Vec<_>>(), ["Apply the reviewed plan"]);
    assert_eq!(
        ran["Apply the reviewed plan"].code, 0,
        "{:?}",
        ran["Apply the reviewed plan"]
    );
    let ids: Vec<String> = env.groups().into_iter().map(|g| g.id).collect();
    assert_eq!(ids, ["analysts", "marketing"]);

    // The next pull request that changes nothing: exit 0, and the no-changes label's status.
    let (ran, _) = run_job(&env, &workflow, "plan");
    assert_eq!(ran["Plan"].outputs["exitcode"], "0", "{:?}", ran["Plan"]);
    let plan: Value =
        serde_json::from_str(&file(&env, "plan.json").expect("plan.json")).expect("json");
    assert_eq!(plan["next_step"]["status"], "nothing_to_apply");
    assert_eq!(plan["summary"]["delete"], 0);
    scripts_read_what_gdgroups_wrote(&env, &scripts(&workflow, "plan"), Some(&plan));
}

#[test]
fn a_refused_pull_request_plan_is_commented_then_fails_the_job() {
    let workflow = parse(PULL_REQUEST);
    let env = pull_request_env("safety:\n  max_deletes: 0\ngroups:\n  - id: analysts\n");
    let (ran, _) = run_job(&env, &workflow, "plan");
    let plan_step = &ran["Plan"];
    assert_eq!(
        plan_step.code, 0,
        "the comment is still posted: {plan_step:?}"
    );
    assert_eq!(plan_step.outputs["exitcode"], "4");
    assert!(
        file(&env, "plan.json").is_none(),
        "a refused plan is not saved"
    );
    let comment = file(&env, "plan.md").expect("plan.md");
    assert_fits("the comment", &comment);
    assert!(
        comment.contains("**Next step:** apply needs `--allow-delete legacy`"),
        "{comment}"
    );
    let fail = &ran["Fail when a safety rule refused the plan"];
    assert_eq!(fail.code, 4, "{fail:?}");
    scripts_read_what_gdgroups_wrote(&env, &scripts(&workflow, "plan"), None);
}

#[test]
fn a_huge_pull_request_plan_still_fits_a_comment() {
    let workflow = parse(PULL_REQUEST);
    let live: Vec<Group> = (0..1500)
        .map(|i| Group::new(format!("old-group-{i:04}")).with_name(format!("An old group {i}")))
        .collect();
    let env = Env::new(&live);
    let mut yaml = String::from("safety:\n  max_delete_percent: 100\ngroups:\n");
    for i in 0..1500 {
        let _ = writeln!(yaml, "  - id: new-group-{i:04}\n    name: A new group {i}");
    }
    env.write("groups.yaml", &yaml);
    let (ran, summary) = run_job(&env, &workflow, "plan");
    assert_eq!(ran["Plan"].outputs["exitcode"], "2", "{:?}", ran["Plan"]);
    let comment = file(&env, "plan.md").expect("plan.md");
    assert_fits("the comment", &comment);
    assert!(comment.contains("old-group-1499") && comment.contains("**Next step:**"));
    assert_fits("the job summary", &summary);
}

#[test]
fn the_drift_workflow_opens_on_drift_and_closes_when_it_is_gone() {
    let workflow = parse(DRIFT);
    let env = pull_request_env("groups:\n  - id: analysts\n    name: Analysts\n  - id: legacy\n");
    // No drift: the step closes an open issue with the summary line.
    let (ran, _) = run_job(&env, &workflow, "drift");
    assert_eq!(ran.keys().collect::<Vec<_>>(), ["Plan"]);
    assert_eq!(ran["Plan"].outputs["exitcode"], "0", "{:?}", ran["Plan"]);
    let closing = file(&env, "summary.txt").expect("summary.txt");
    assert_fits("the closing comment", &closing);
    assert_eq!(
        closing,
        "No changes. Live groups match groups.yaml. Next step: nothing to apply.\n"
    );
    scripts_read_what_gdgroups_wrote(&env, &scripts(&workflow, "drift"), None);

    // Someone clicks in the UI: a group renamed, one added.
    env.sandbox.upsert_group(
        gdgroups_sandbox::Group::new("analysts").with_name("Analysts (renamed in the UI)"),
    );
    env.sandbox
        .upsert_group(gdgroups_sandbox::Group::new("clicked"));
    let (ran, _) = run_job(&env, &workflow, "drift");
    assert_eq!(ran["Plan"].code, 0, "{:?}", ran["Plan"]);
    assert_eq!(ran["Plan"].outputs["exitcode"], "2");
    let body = file(&env, "plan.md").expect("plan.md");
    assert_fits("the issue", &body);
    // The script takes the issue's title from the first `### ` line.
    let title = body
        .lines()
        .find(|l| l.starts_with("### "))
        .map(|l| &l[4..])
        .expect("a heading");
    assert_eq!(title, "Live groups drifted from groups.yaml");
    assert!(
        body.contains("- clicked") && body.contains("**Next step:** apply is ready"),
        "{body}"
    );
    let plan: Value =
        serde_json::from_str(&file(&env, "plan.json").expect("plan.json")).expect("json");
    assert_eq!(plan["summary"]["delete"], 1, "gdgroups:deletes");
    scripts_read_what_gdgroups_wrote(&env, &scripts(&workflow, "drift"), Some(&plan));
}

#[test]
fn a_huge_drift_that_a_safety_rule_would_refuse_to_undo_still_fits_an_issue() {
    let workflow = parse(DRIFT);
    let env = pull_request_env("groups:\n  - id: analysts\n    name: Analysts\n");
    for i in 0..2000 {
        env.sandbox.upsert_group(
            gdgroups_sandbox::Group::new(format!("clicked-in-the-ui-{i:04}"))
                .with_name(format!("A group someone made by hand, number {i}")),
        );
    }
    let (ran, _) = run_job(&env, &workflow, "drift");
    assert_eq!(ran["Plan"].code, 0, "{:?}", ran["Plan"]);
    assert_eq!(
        ran["Plan"].outputs["exitcode"], "4",
        "{}",
        ran["Plan"].stderr
    );
    let body = file(&env, "plan.md").expect("plan.md");
    assert_fits("the issue", &body);
    assert!(
        body.contains("### Live groups drifted from groups.yaml"),
        "{body}"
    );
    assert!(
        body.contains("clicked-in-the-ui-1999"),
        "every delete is kept"
    );
    assert!(
        body.contains("**Next step:** apply needs `--max-delete-percent 100`"),
        "{body}"
    );
    assert!(file(&env, "plan.json").is_none());
    scripts_read_what_gdgroups_wrote(&env, &scripts(&workflow, "drift"), None);
}
