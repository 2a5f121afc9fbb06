//! The saved plan's JSON Schema (`gdgroups schema --plan`, committed as `plan.schema.json`) and
//! the next step every plan carries: the committed file is current, the schema refuses what
//! gdgroups does not write, every part of it is something gdgroups writes, and each kind of next
//! step reaches the JSON, the human plan, the Markdown plan and the summary file alike.
//!
//! Every saved plan and JSON plan of the whole suite is also validated as it is made
//! (`common::check_plans`).

use serde_json::{Value, json};

use crate::common::schema::{Validator, plan_schema};
use crate::common::{Env, Proxy, TOKEN, problem, run_in};

#[test]
fn the_committed_plan_schema_is_current() {
    let dir = tempfile::tempdir().expect("dir");
    let run = run_in(dir.path(), &["schema", "--plan"], &[]);
    assert_eq!(run.code, 0, "{run:?}");
    let committed =
        fs_err::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/plan.schema.json"))
            .expect("plan.schema.json");
    assert!(
        run.stdout == committed,
        "plan.schema.json is stale: run `cargo run -- schema --plan > plan.schema.json`"
    );
    let schema: Value = serde_json::from_str(&committed).expect("valid JSON");
    assert_eq!(
        schema["properties"]["format_version"]["const"],
        json!(gdgroups::plan::document::FORMAT_VERSION),
        "the schema is that of the format this gdgroups writes"
    );
    assert!(
        schema["$id"].as_str().is_some_and(
            |id| id.ends_with(&format!(":{}", gdgroups::plan::document::FORMAT_VERSION))
        ),
        "{}",
        schema["$id"]
    );
}

/// An organization with members, permissions, a group to delete with a child, an ignored group.
const SEED: &str = "groups:
  - id: admins
    members: [admin]
    organization: [MANAGE]
  - id: sales
    name: Sales
    members: [amy, dave]
    workspaces: {finance: {permissions: [ANALYZE], hierarchy: [VIEW]}, sales: [VIEW]}
    data_sources: {warehouse: [USE]}
  - id: legacy
    name: Old team
    members: [amy]
  - id: kid
    parents: [legacy]
  - id: jit-1
users:
  - {id: admin}
  - {id: amy}
  - {id: carol}
  - {id: dave}
workspaces:
  - {id: sales}
  - {id: finance}
  - {id: reports}
data_sources:
  - {id: warehouse}
";

/// Every key of the file, and changes of every kind: creates, updates of names, parents,
/// members and each kind of permission, a delete with its cost, a rename hint, a protected note.
const FILE: &str = "protected: [adminGroup, admins]
ignore: [\"jit-*\"]
safety:
  max_deletes: 5
  max_delete_percent: 90
  max_member_removals: 10
  max_member_removal_percent: 90
groups:
  - id: admins
    members: [admin]
  - id: sales
    name: Sales team
    members: [amy, carol]
    workspaces: {sales: [VIEW, EXPORT], reports: {hierarchy: [VIEW]}}
    data_sources: {}
    organization: [SELF_CREATE_TOKEN]
  - id: old-team
    name: Old team
    parents: [sales]
    members: [amy]
    data_sources: {warehouse: [USE]}
  - id: kid
";

fn organization() -> Env {
    Env::with_config(gdgroups_sandbox::SandboxConfig {
        token: TOKEN.into(),
        seed: gdgroups_sandbox::parse_seed("seed.yaml", SEED).expect("seed"),
        ..gdgroups_sandbox::SandboxConfig::default()
    })
}

fn json_of(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}:\n{text}"))
}

/// The plan JSON of a run of `plan … --format json` (printed for a refused plan too).
fn plan_json(env: &Env, args: &[&str], code: i32) -> Value {
    let run = env.run(&[&["plan"], args, &["--format", "json"]].concat());
    assert_eq!(run.code, code, "{args:?}: {run:?}");
    json_of(&run.stdout)
}

/// The plans of every kind gdgroups writes: each next step, held deletes, both modes.
fn plans_of_every_kind() -> Vec<(&'static str, Value)> {
    let env = organization();
    env.write("groups.yaml", FILE);
    let mut plans = Vec::new();
    env.run(&["plan", "--out", "plan.json"]).expect(0);
    let saved = json_of(&fs_err::read_to_string(env.path("plan.json")).expect("plan.json"));
    plans.push(("every kind of change", saved));
    plans.push(("--no-delete", plan_json(&env, &["--no-delete"], 0)));
    env.write(
        "tight.yaml",
        &FILE.replace("max_deletes: 5", "max_deletes: 0"),
    );
    plans.push((
        "over max_deletes",
        plan_json(&env, &["-f", "tight.yaml"], 4),
    ));
    env.write(
        "lockout.yaml",
        &FILE
            .replace("protected: [adminGroup, admins]", "protected: [adminGroup]")
            .replace("    members: [admin]\n", "    members: []\n"),
    );
    plans.push(("lock-out", plan_json(&env, &["-f", "lockout.yaml"], 4)));
    env.write(
        "incremental.yaml",
        "mode: incremental\ngroups:\n  - id: newcomer\n  - id: never-was\n    active: false\n",
    );
    plans.push((
        "incremental",
        plan_json(&env, &["-f", "incremental.yaml"], 0),
    ));
    env.run(&["apply", "plan.json"]).expect(0);
    plans.push(("no changes", plan_json(&env, &[], 0)));

    // A server that does not say which group is the bootstrap group.
    let unknown = Env::new(&[gdgroups::group::Group::new("old")]);
    let proxy = Proxy::spawn(
        &unknown.sandbox.url(),
        Box::new(|_, path| {
            path.contains("/organization")
                .then(|| problem(403, "Forbidden"))
        }),
    );
    unknown.write("groups.yaml", "groups:\n  - id: a\n");
    let run = unknown.run_with(
        &["plan", "--format", "json"],
        &[("GDGROUPS_HOST", proxy.url())],
    );
    assert_eq!(run.code, 4, "{run:?}");
    plans.push(("unknown bootstrap group", json_of(&run.stdout)));
    plans
}

/// Schema locations a document can go through: each property, each map's values, each array's
/// items, each branch of a choice.
fn locations(schema: &Value, at: &str, out: &mut Vec<String>) {
    let Value::Object(s) = schema else { return };
    for (keyword, value) in s {
        match keyword.as_str() {
            "properties" => {
                for (key, property) in value.as_object().expect("properties") {
                    let here = format!("{at}/properties/{key}");
                    out.push(here.clone());
                    locations(property, &here, out);
                }
            }
            "items" | "additionalProperties" if value.is_object() => {
                let here = format!("{at}/{keyword}");
                out.push(here.clone());
                locations(value, &here, out);
            }
            "oneOf" | "anyOf" => {
                for (i, branch) in value.as_array().expect("branches").iter().enumerate() {
                    let here = format!("{at}/{keyword}/{i}");
                    out.push(here.clone());
                    locations(branch, &here, out);
                }
            }
            _ => {}
        }
    }
}

#[test]
fn every_part_of_the_plan_schema_is_something_gdgroups_writes() {
    let schema = plan_schema();
    let mut validator = Validator::new(schema.clone());
    let mut statuses = Vec::new();
    for (what, plan) in plans_of_every_kind() {
        let errors = validator.validate(&plan);
        assert!(errors.is_empty(), "{what}: {errors:?}");
        statuses.push((what, plan["next_step"]["status"].clone()));
    }
    assert_eq!(
        statuses,
        [
            ("every kind of change", json!("apply_ready")),
            ("--no-delete", json!("apply_ready")),
            ("over max_deletes", json!("apply_needs_flags")),
            ("lock-out", json!("refused")),
            ("incremental", json!("apply_ready")),
            ("no changes", json!("nothing_to_apply")),
            ("unknown bootstrap group", json!("bootstrap_unknown")),
        ]
    );
    let mut all = Vec::new();
    let mut root = schema.clone();
    root.as_object_mut().expect("object").remove("$defs");
    locations(&root, "#", &mut all);
    for (name, def) in schema["$defs"].as_object().expect("$defs") {
        locations(def, &format!("#/$defs/{name}"), &mut all);
    }
    assert!(all.len() > 60, "the walk reads the schema: {all:?}");
    let unused: Vec<&String> = all
        .iter()
        .filter(|l| !validator.seen.contains(*l))
        .collect();
    assert!(
        unused.is_empty(),
        "parts of the plan schema no plan of the suite uses (gdgroups no longer writes them, or a case is missing here):\n{unused:#?}"
    );
}

type Edit = fn(&mut Value);

#[test]
fn the_schema_refuses_what_gdgroups_does_not_write() {
    let env = organization();
    env.write("groups.yaml", FILE);
    env.run(&["plan", "--out", "plan.json"]).expect(0);
    let plan = json_of(&fs_err::read_to_string(env.path("plan.json")).expect("plan.json"));
    assert!(Validator::new(plan_schema()).validate(&plan).is_empty());
    let edits: [(&str, Edit); 9] = [
        ("a new top-level field", |p| p["extra"] = json!(1)),
        ("a new field of an operation", |p| {
            p["operations"][0]["reason"] = json!("x");
        }),
        ("a missing field", |p| {
            p["summary"]
                .as_object_mut()
                .expect("summary")
                .remove("held");
        }),
        ("another format version", |p| p["format_version"] = json!(1)),
        ("an unknown action", |p| {
            p["operations"][0]["action"] = json!("rename");
        }),
        ("a count as text", |p| p["summary"]["create"] = json!("1")),
        ("an unknown next step", |p| {
            p["next_step"] = json!({"status": "apply_later"});
        }),
        ("a next step with a stray field", |p| {
            p["next_step"] = json!({"status": "apply_ready", "flags": []});
        }),
        ("a short hash", |p| p["plan_hash"] = json!("abc")),
    ];
    for (what, edit) in edits {
        let mut edited = plan.clone();
        edit(&mut edited);
        assert!(
            !Validator::new(plan_schema()).validate(&edited).is_empty(),
            "{what} passed"
        );
    }
}

#[test]
fn each_format_ends_with_the_same_next_step() {
    let env = organization();
    env.write(
        "groups.yaml",
        &FILE.replace("max_deletes: 5", "max_deletes: 0"),
    );
    let args = ["plan", "--allow-delete", "legacy"];
    // Approved on the command line: the plan is saved; apply must be given the approval too.
    let saved = env
        .run(
            &[
                &args[..],
                &["--out", "plan.json", "--summary-file", "summary.txt"],
            ]
            .concat(),
        )
        .expect(0);
    let doc = json_of(&fs_err::read_to_string(env.path("plan.json")).expect("plan.json"));
    assert_eq!(
        doc["next_step"],
        json!({
            "status": "apply_needs_flags",
            "flags": [{"flag": "--allow-delete", "value": "legacy"}],
            "rules": ["max_deletes"]
        })
    );
    let needs = "apply needs `--allow-delete legacy`, as the plan goes over safety.max_deletes / --max-deletes: `gdgroups apply plan.json --allow-delete legacy`.";
    let last = saved.stdout.lines().last().expect("a last line");
    assert_eq!(last, format!("Next step: {needs}"), "{}", saved.stdout);
    let summary = fs_err::read_to_string(env.path("summary.txt")).expect("summary");
    assert_eq!(
        summary,
        format!(
            "Plan: 1 to create, 2 to update, 1 to delete. 2 members added, 1 removed; 4 permissions granted, 3 revoked. 0 unchanged, 1 ignored, 2 protected. Next step: {needs}\n"
        )
    );
    let markdown = env
        .run(&["show", "plan.json", "--format", "markdown"])
        .expect(0);
    assert!(
        markdown
            .stdout
            .contains(&format!("**Next step:** {needs}\n\n<sub>Plan hash")),
        "{}",
        markdown.stdout
    );
    // What it says is what apply needs.
    let bare = env.run(&["apply", "plan.json"]).expect(4);
    assert!(bare.stderr.contains("--allow-delete"), "{}", bare.stderr);
    env.run(&["apply", "plan.json", "--allow-delete", "legacy"])
        .expect(0);

    let done = env
        .run(&[
            "plan",
            "--summary-file",
            "summary.txt",
            "--detailed-exitcode",
        ])
        .expect(0);
    assert!(
        done.stdout.ends_with("Next step: nothing to apply.\n"),
        "{}",
        done.stdout
    );
    assert_eq!(
        fs_err::read_to_string(env.path("summary.txt")).expect("summary"),
        "No changes. Live groups match groups.yaml. Next step: nothing to apply.\n"
    );
}

#[test]
fn a_refused_plan_says_why_in_every_format_and_is_not_saved() {
    let env = organization();
    env.write(
        "groups.yaml",
        &FILE.replace("max_deletes: 5", "max_deletes: 0"),
    );
    let human = env
        .run(&[
            "plan",
            "--out",
            "plan.json",
            "--summary-file",
            "summary.txt",
        ])
        .expect(4);
    assert!(
        !env.path("plan.json").exists(),
        "a refused plan is not saved"
    );
    let needs = "Next step: apply needs `--allow-delete legacy`, as the plan goes over safety.max_deletes / --max-deletes.";
    assert!(
        human.stdout.ends_with(&format!("{needs}\n")),
        "{}",
        human.stdout
    );
    assert!(
        human.stderr.contains("refusing to delete 1 groups"),
        "{}",
        human.stderr
    );
    let summary = fs_err::read_to_string(env.path("summary.txt")).expect("written when refused");
    assert!(summary.ends_with(&format!("{needs}\n")), "{summary}");
    assert_eq!(summary.lines().count(), 1, "{summary}");
    let markdown = env.run(&["plan", "--format", "markdown"]).expect(4);
    assert!(
        markdown.stdout.contains(&format!(
            "**{}",
            needs.replacen("Next step:", "Next step:**", 1)
        )),
        "{}",
        markdown.stdout
    );

    env.write(
        "groups.yaml",
        &FILE
            .replace("protected: [adminGroup, admins]", "protected: [adminGroup]")
            .replace("    members: [admin]\n", "    members: []\n"),
    );
    let lockout = env.run(&["plan", "--format", "markdown"]).expect(4);
    assert!(
        lockout.stdout.contains(
            "**Next step:** refused by the lock-out guard, which no flag overrides: refusing a plan that locks the token's own user `admin` out"
        ),
        "{}",
        lockout.stdout
    );
}

#[test]
fn the_drift_title_says_what_happened() {
    let env = organization();
    env.run(&["dump", "--members", "--permissions", "-o", "groups.yaml"])
        .expect(0);
    let same = env
        .run(&["plan", "--format", "markdown", "--title", "drift"])
        .expect(0);
    assert!(
        same.stdout
            .starts_with("<!-- gdgroups-plan -->\n### Live groups match groups.yaml\n"),
        "{}",
        same.stdout
    );
    env.sandbox
        .upsert_group(gdgroups_sandbox::Group::new("clicked-in-the-ui"));
    let drift = env
        .run(&["plan", "--format", "markdown", "--title", "drift"])
        .expect(0);
    assert!(
        drift.stdout.starts_with(
            "<!-- gdgroups-plan -->\n### Live groups drifted from groups.yaml\n\nThe user groups of `"
        ),
        "{}",
        drift.stdout
    );
    assert!(
        drift.stdout.contains("- clicked-in-the-ui"),
        "{}",
        drift.stdout
    );
    let review = env.run(&["plan", "--format", "markdown"]).expect(0);
    assert!(
        review.stdout.contains("### gdgroups plan for `"),
        "the default title is the review's: {}",
        review.stdout
    );
}

#[test]
fn a_plan_saved_before_the_next_step_still_shows() {
    // Saved by gdgroups 0.1.0 before `next_step` (format_version 1).
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/plans/format-version-1.json"
    );
    let dir = tempfile::tempdir().expect("dir");
    fs_err::copy(fixture, dir.path().join("plan.json")).expect("copy");
    let run = run_in(dir.path(), &["show", "plan.json"], &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("+ marketing"), "{}", run.stdout);
    assert!(!run.stdout.contains("Next step"), "{}", run.stdout);
}
