//! The pull-request workflow (spec §4, §6): saved plans, the stale check, show, formats.

use std::fmt::Write as _;

use gdgroups::group::Group;
use gdgroups::plan::document::PlanDocument;

use crate::common::{Env, run_in};

fn env() -> Env {
    let env = Env::new(&[
        Group::new("analysts").with_name("Analysts"),
        Group::new("legacy"),
        Group::new("stable"),
    ]);
    env.write(
        "groups.yaml",
        "groups:\n  - id: analysts\n    name: Data Analysts\n  - id: marketing\n    parents: [analysts]\n  - id: stable\n",
    );
    env
}

#[test]
fn plan_out_then_apply_the_saved_plan() {
    let env = env();
    let plan = env
        .run(&["plan", "--out", "plan.json", "--detailed-exitcode"])
        .expect(2);
    assert!(
        plan.stderr.contains("Saved the plan to plan.json"),
        "{}",
        plan.stderr
    );
    let text = fs_err::read_to_string(env.path("plan.json")).expect("plan.json");
    let doc = PlanDocument::from_json("plan.json", &text).expect("a valid plan");
    assert_eq!(
        doc.plan.summary.create + doc.plan.summary.update + doc.plan.summary.delete,
        3
    );
    assert!(!text.contains(crate::common::TOKEN));
    // No prompt and no --auto-approve: the review happened in the pull request.
    let apply = env.run(&["apply", "plan.json"]).expect(0);
    assert!(
        apply
            .stderr
            .contains("Apply complete: 1 created, 1 updated, 1 deleted."),
        "{}",
        apply.stderr
    );
    env.run(&["plan", "--detailed-exitcode"]).expect(0);
}

#[test]
fn a_saved_plan_applied_twice_says_it_was_already_applied() {
    let env = env();
    env.run(&["plan", "--out", "plan.json"]).expect(0);
    env.run(&["apply", "plan.json"]).expect(0);
    let after = env.sandbox.groups();
    let again = env
        .run(&["apply", "plan.json", "--report", "report.json"])
        .expect(0);
    assert!(
        again.stderr.contains("plan.json was already applied"),
        "{}",
        again.stderr
    );
    assert!(!again.stderr.contains("stale"), "{}", again.stderr);
    assert_eq!(env.sandbox.groups(), after, "nothing changed");
    // Anything else that moved is still stale.
    env.sandbox
        .upsert_group(gdgroups_sandbox::Group::new("newcomer"));
    let moved = env.run(&["apply", "plan.json"]).expect(4);
    assert!(
        moved.stderr.contains("the plan is stale"),
        "{}",
        moved.stderr
    );
}

#[test]
fn a_stale_plan_is_refused_and_names_what_moved() {
    let env = env();
    env.run(&["plan", "--out", "plan.json"]).expect(0);
    // Another client changes the organization after the review.
    env.sandbox
        .upsert_group(gdgroups_sandbox::Group::new("newcomer"));
    env.sandbox
        .upsert_group(gdgroups_sandbox::Group::new("stable").with_name("Renamed elsewhere"));
    env.sandbox.remove_group("legacy");
    let before = env.sandbox.groups();
    let apply = env.run(&["apply", "plan.json"]).expect(4);
    assert!(
        apply.stderr.contains("the plan is stale"),
        "{}",
        apply.stderr
    );
    assert!(
        apply
            .stderr
            .contains("appeared: newcomer; vanished: legacy; changed: stable"),
        "{}",
        apply.stderr
    );
    assert_eq!(env.sandbox.groups(), before, "nothing changed");
}

#[test]
fn a_plan_for_another_host_or_edited_by_hand_is_refused() {
    let env = env();
    env.run(&["plan", "--out", "plan.json"]).expect(0);
    let text = fs_err::read_to_string(env.path("plan.json")).expect("plan.json");
    env.write(
        "edited.json",
        &text.replacen("\"action\": \"delete\"", "\"action\": \"create\"", 1),
    );
    // Refused like a stale plan: it is not the plan that was reviewed.
    let run = env.run(&["apply", "edited.json"]).expect(4);
    assert!(
        run.stderr.contains("changed after it was made"),
        "{}",
        run.stderr
    );
    env.write(
        "future.json",
        &text.replace("\"format_version\": 2", "\"format_version\": 3"),
    );
    let run = env.run(&["apply", "future.json"]).expect(1);
    assert!(run.stderr.contains("format_version 3"), "{}", run.stderr);
    env.write("corrupt.json", &text[..text.len() / 2]);
    let run = env.run(&["show", "corrupt.json"]).expect(1);
    assert!(run.stderr.contains("invalid JSON"), "{}", run.stderr);
    let other = Env::new(&[]);
    let run = run_in(
        env.dir.path(),
        &["apply", "plan.json"],
        &[
            ("GDGROUPS_HOST", &other.sandbox.url()),
            ("GDGROUPS_TOKEN", crate::common::TOKEN),
        ],
    );
    assert_eq!(run.code, 4, "{run:?}");
    assert!(run.stderr.contains("was made for"), "{}", run.stderr);
    assert_eq!(env.groups().len(), 3, "nothing changed");
}

#[test]
fn show_needs_no_credentials_and_renders_every_format() {
    let env = env();
    env.run(&["plan", "--out", "plan.json"]).expect(0);
    let dir = env.dir.path();
    let human = run_in(dir, &["show", "plan.json"], &[]);
    assert_eq!(human.code, 0, "{human:?}");
    assert!(human.stdout.contains("+ marketing"), "{}", human.stdout);
    let markdown = run_in(dir, &["show", "plan.json", "--format", "markdown"], &[]);
    assert!(
        markdown.stdout.starts_with("<!-- gdgroups-plan -->"),
        "{}",
        markdown.stdout
    );
    assert!(markdown.stdout.contains("```diff"), "{}", markdown.stdout);
    let json = run_in(dir, &["show", "plan.json", "--format", "json"], &[]);
    let saved = fs_err::read_to_string(env.path("plan.json")).expect("plan.json");
    assert_eq!(json.stdout, saved, "--format json is the saved document");
}

#[test]
fn json_output_round_trips() {
    let env = env();
    let run = env.run(&["plan", "--format", "json"]).expect(0);
    let doc = PlanDocument::from_json("stdout", &run.stdout).expect("parses and its hash checks");
    assert_eq!(doc.to_json(), run.stdout);
}

#[test]
fn a_large_markdown_plan_stays_within_budget() {
    let live: Vec<Group> = (0..1000)
        .map(|i| Group::new(format!("old-{i:04}")).with_name(format!("Old {i}")))
        .collect();
    let env = Env::new(&live);
    let mut yaml = String::from("groups:\n");
    for i in 0..1000 {
        let _ = writeln!(yaml, "  - id: new-{i:04}\n    name: New group {i}");
    }
    env.write("groups.yaml", &yaml);
    let run = env
        .run(&[
            "plan",
            "--format",
            "markdown",
            "--max-delete-percent",
            "100",
        ])
        .expect(0);
    assert!(run.stdout.len() <= 65_536, "{} bytes", run.stdout.len());
    assert!(run.stdout.contains("| 1000 | 0 | 1000 |"), "counts");
    for i in 0..1000 {
        assert!(
            run.stdout.contains(&format!("old-{i:04}")),
            "delete of old-{i:04} kept"
        );
    }
    let tight = env
        .run(&[
            "plan",
            "--format",
            "markdown",
            "--max-delete-percent",
            "100",
            "--max-bytes",
            "20000",
        ])
        .expect(0);
    assert!(tight.stdout.contains("old-0999"));
    assert!(
        tight.stdout.contains("Shortened to fit the size limit")
            && tight.stdout.contains("`gdgroups show plan.json`"),
        "says what was left out and where to see it: {}",
        tight.stdout
    );
}

#[test]
fn a_plan_with_a_long_decimal_percentage_is_not_refused_as_edited() {
    let env = env();
    env.write(
        "groups.yaml",
        "safety:\n  max_delete_percent: 0.10003741460306631\ngroups:\n  - id: analysts\n  - id: stable\n",
    );
    env.run(&["plan", "--out", "plan.json"]).expect(0);
    let show = env.run(&["show", "plan.json"]).expect(0);
    assert!(show.stdout.contains("- legacy"), "{}", show.stdout);
    env.run(&["apply", "plan.json"]).expect(0);
}

/// The stale check compares the groups themselves, not only which ids exist: another client
/// that changes a group in place, between `plan --out` and apply, makes the plan stale too.
#[test]
fn a_change_in_place_makes_the_plan_stale() {
    type Change = fn(&Env);
    let changes: [(&str, Change); 3] = [
        ("a rename only", |env| {
            env.sandbox.upsert_group(crate::common::to_sandbox(
                &Group::new("stable").with_name("Renamed elsewhere"),
            ));
        }),
        ("a re-parent only", |env| {
            env.sandbox.upsert_group(crate::common::to_sandbox(
                &Group::new("stable").with_parents(["analysts"]),
            ));
        }),
        ("a name removed only", |env| {
            env.sandbox
                .upsert_group(crate::common::to_sandbox(&Group::new("analysts")));
        }),
    ];
    for (what, change) in changes {
        let env = env();
        env.run(&["plan", "--out", "plan.json"]).expect(0);
        change(&env);
        let before = env.sandbox.groups();
        let apply = env.run(&["apply", "plan.json"]).expect(4);
        assert!(
            apply.stderr.contains("the plan is stale") && apply.stderr.contains("changed: "),
            "{what}: {}",
            apply.stderr
        );
        assert!(
            !apply.stderr.contains("appeared") && !apply.stderr.contains("vanished"),
            "{what}: the same ids: {}",
            apply.stderr
        );
        assert_eq!(env.sandbox.groups(), before, "{what}: nothing changed");
    }
}
