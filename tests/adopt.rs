//! Adopting an organization: `dump` writes the live groups as a file that plans no changes.

use std::collections::BTreeSet;

use gdgroups::desired::{self, LoadOptions};
use gdgroups::group::Group;
use gdgroups::live::Live;
use gdgroups::plan::{PlanOptions, compute};
use proptest::prelude::*;

use crate::common::Env;

#[test]
fn dump_then_plan_shows_no_changes() {
    let env = Env::new(&[
        Group::new("analysts").with_name("Data: Analysts # EMEA"),
        Group::new("yes").with_name("null"),
        Group::new("child")
            .with_name(" padded ")
            .with_parents(["analysts", "adminGroup"]),
        Group::new("jit-7"),
    ]);
    env.run(&["dump", "-o", "groups.yaml"]).expect(0);
    let text = fs_err::read_to_string(env.dir.path().join("groups.yaml")).expect("dumped");
    assert!(
        text.starts_with("# yaml-language-server: $schema=./groups.schema.json\n"),
        "{text}"
    );
    assert!(text.contains("protected:\n  - adminGroup\n"), "{text}");
    env.run(&["validate"]).expect(0);
    let plan = env.run(&["plan", "--detailed-exitcode"]).expect(0);
    assert!(plan.stdout.starts_with("No changes."), "{}", plan.stdout);
    let stdout = env.run(&["dump"]).expect(0);
    assert_eq!(stdout.stdout, text, "stdout and -o write the same bytes");
}

#[test]
fn dump_over_an_existing_file_needs_force() {
    let env = Env::new(&[Group::new("live")]);
    let edited = "# hand-written\ngroups:\n  - id: mine\n";
    env.write("groups.yaml", edited);
    let run = env.run(&["dump", "-o", "groups.yaml"]).expect(4);
    assert!(run.stderr.contains("groups.yaml exists"), "{}", run.stderr);
    assert!(run.stderr.contains("--force"), "{}", run.stderr);
    assert_eq!(
        fs_err::read_to_string(env.path("groups.yaml")).expect("read"),
        edited,
        "left as it was"
    );
    assert_eq!(
        env.sandbox.stats().total(),
        0,
        "refused before asking the server"
    );
    env.run(&["dump", "-o", "groups.yaml", "--force"]).expect(0);
    let text = fs_err::read_to_string(env.path("groups.yaml")).expect("read");
    assert!(text.contains("- id: live"), "{text}");
    let leftovers: Vec<_> = fs_err::read_dir(env.dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(leftovers, ["groups.yaml"], "no temporary file left behind");
}

#[test]
fn a_plan_that_deletes_shows_how_to_keep_them() {
    let env = Env::new(&[
        Group::new("legacy").with_name("Legacy: old"),
        Group::new("a"),
    ]);
    env.write("groups.yaml", "groups:\n  - id: a\n");
    let plan = env.run(&["plan"]).expect(0);
    assert!(plan.stdout.contains("To keep the groups this plan deletes, add them under `groups:`:\n\n  - id: legacy\n    name: \"Legacy: old\"\n"), "{}", plan.stdout);
}

#[test]
fn the_committed_schema_is_current() {
    let dir = tempfile::tempdir().expect("dir");
    let run = crate::common::run_in(dir.path(), &["schema"], &[]);
    assert_eq!(run.code, 0);
    let committed =
        fs_err::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/groups.schema.json"))
            .expect("groups.schema.json");
    assert!(
        run.stdout == committed,
        "groups.schema.json is stale: run `cargo run -- schema > groups.schema.json`"
    );
    let _: serde_json::Value = serde_json::from_str(&committed).expect("valid JSON");
}

/// Names that stress quoting: YAML keywords, numbers, indicators, spaces, non-ASCII.
fn name() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some("yes".to_string())),
        Just(Some("~".to_string())),
        Just(Some("1.5".to_string())),
        Just(Some("- dash".to_string())),
        Just(Some("a: b # c".to_string())),
        Just(Some("Zürich \"HQ\"".to_string())),
        Just(Some(" lead".to_string())),
        "[a-zA-Z0-9 ,:#'\\-]{0,20}".prop_map(Some),
    ]
}

fn organization() -> impl Strategy<Value = Vec<Group>> {
    proptest::collection::vec(
        (
            name(),
            proptest::collection::vec(any::<prop::sample::Index>(), 0..3),
        ),
        1..25,
    )
    .prop_map(|items| {
        let mut groups: Vec<Group> = Vec::new();
        for (i, (name, parents)) in items.into_iter().enumerate() {
            let mut g = Group::new(format!("g.{i}"));
            g.name = name;
            if i > 0 {
                g.parents = parents
                    .iter()
                    .map(|ix| format!("g.{}", ix.index(i)))
                    .collect::<BTreeSet<_>>();
            }
            groups.push(g);
        }
        groups
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn dump_of_any_organization_plans_no_changes(groups in organization()) {
        let mut all = groups.clone();
        all.push(Group::new("adminGroup"));
        let live = Live::new(all);
        let text = desired::dump::to_yaml(&groups, &["adminGroup".to_string()], "dumped");
        let desired = desired::parse("groups.yaml", &text, LoadOptions::default()).map_err(|d| TestCaseError::fail(d.render()))?;
        let plan = compute(&desired, &live, &PlanOptions::default()).map_err(|d| TestCaseError::fail(d.render()))?;
        prop_assert!(plan.changes.is_empty(), "{:?}\n{}", plan.changes, text);
        prop_assert_eq!(plan.summary.unchanged, groups.len());
    }
}
