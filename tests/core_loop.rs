//! The core loop: groups.yaml → plan → apply → no changes, against the sandbox.

use std::fmt::Write as _;

use gdgroups::group::Group;
use gdgroups_sandbox::SandboxConfig;

use crate::common::{Env, TOKEN, redact, seed};

const LIST: &str = "/api/v1/entities/userGroups";

fn chain(n: usize) -> String {
    let mut yaml = String::from("groups:\n");
    for i in 0..n {
        let _ = writeln!(yaml, "  - id: g{i:02}");
        if i > 0 {
            let _ = writeln!(yaml, "    parents: [g{:02}]", i - 1);
        }
    }
    yaml
}

#[test]
fn create_update_delete_then_no_changes() {
    let env = Env::new(&[
        Group::new("analysts")
            .with_name("Analysts")
            .with_parents(["everyone"]),
        Group::new("everyone"),
        Group::new("sales"),
        Group::new("legacy").with_name("Legacy"),
    ]);
    env.write(
        "groups.yaml",
        "groups:\n  - id: everyone\n  - id: sales\n  - id: analysts\n    name: Data Analysts\n    parents: [sales]\n  - id: marketing\n    name: Marketing\n    parents: [analysts]\n",
    );
    let plan = env.run(&["plan"]).expect(0);
    insta::assert_snapshot!("mixed_plan", redact(&plan.stdout, &env));

    let apply = env.run(&["apply", "--auto-approve"]).expect(0);
    assert!(
        apply
            .stderr
            .contains("Apply complete: 1 created, 1 updated, 1 deleted."),
        "{}",
        apply.stderr
    );
    assert_eq!(
        env.groups(),
        [
            Group::new("analysts")
                .with_name("Data Analysts")
                .with_parents(["sales"]),
            Group::new("everyone"),
            Group::new("marketing")
                .with_name("Marketing")
                .with_parents(["analysts"]),
            Group::new("sales"),
        ]
    );
    let again = env.run(&["plan", "--detailed-exitcode"]).expect(0);
    assert!(
        again
            .stdout
            .starts_with("No changes. Live groups match groups.yaml."),
        "{}",
        again.stdout
    );
}

#[test]
fn reordered_parents_are_not_a_change() {
    let env = Env::new(&[
        Group::new("a"),
        Group::new("b"),
        Group::new("c").with_parents(["a", "b"]),
    ]);
    env.write(
        "groups.yaml",
        "groups:\n  - id: a\n  - id: b\n  - id: c\n    parents: [b, a]\n",
    );
    let plan = env.run(&["plan", "--detailed-exitcode"]).expect(0);
    assert!(plan.stdout.contains("No changes."), "{}", plan.stdout);
}

#[test]
fn parent_swap_applies_without_a_cycle() {
    let env = Env::new(&[Group::new("a").with_parents(["b"]), Group::new("b")]);
    env.write(
        "groups.yaml",
        "groups:\n  - id: a\n  - id: b\n    parents: [a]\n",
    );
    env.run(&["apply", "--auto-approve"]).expect(0);
    assert_eq!(
        env.groups(),
        [Group::new("a"), Group::new("b").with_parents(["a"])]
    );
    let stats = env.sandbox.stats();
    assert_eq!(
        stats.count("PUT", "/api/v1/entities/userGroups/{id}"),
        2,
        "{stats:?}"
    );
}

#[test]
fn a_chain_fifty_deep_is_created_and_deleted() {
    let env = Env::new(&[]);
    env.write("groups.yaml", &chain(50));
    env.run(&["apply", "--auto-approve", "--parallelism", "16"])
        .expect(0);
    assert_eq!(env.groups().len(), 50);
    assert_eq!(env.groups()[49], Group::new("g49").with_parents(["g48"]));
    env.write("groups.yaml", "groups:\n  - id: other\n");
    let apply = env
        .run(&["apply", "--auto-approve", "--max-delete-percent", "100"])
        .expect(0);
    assert!(
        apply.stderr.contains("1 created, 0 updated, 50 deleted"),
        "{}",
        apply.stderr
    );
    assert_eq!(env.groups(), [Group::new("other")]);
}

#[test]
fn a_thousand_groups_over_capped_pages_cost_only_the_pages() {
    let groups: Vec<Group> = (0..1000)
        .map(|i| Group::new(format!("g{i:04}")).with_name(format!("Group {i}")))
        .collect();
    let env = Env::with_config(SandboxConfig {
        token: TOKEN.into(),
        seed: seed(&groups),
        max_page_size: Some(100),
        ..SandboxConfig::default()
    });
    let mut yaml = String::from("groups:\n");
    for g in &groups {
        let _ = writeln!(
            yaml,
            "  - id: {}\n    name: {}",
            g.id,
            g.name.as_deref().unwrap_or_default()
        );
    }
    env.write("groups.yaml", &yaml);
    env.sandbox.reset_stats();
    let plan = env.run(&["plan"]).expect(0);
    assert!(plan.stdout.contains("No changes."), "{}", plan.stdout);
    assert!(
        plan.stdout
            .contains("1000 unchanged, 0 ignored, 1 protected."),
        "{}",
        plan.stdout
    );
    let stats = env.sandbox.stats();
    // 1,001 groups (with adminGroup) in pages of 100.
    assert_eq!(stats.count("GET", LIST), 11, "{stats:?}");
    assert_eq!(stats.count("GET", "/api/v1/entities/userGroups/{id}"), 0);
    assert_eq!(
        stats.count("POST", LIST) + stats.count("PUT", "/api/v1/entities/userGroups/{id}"),
        0
    );
}

#[test]
fn unnamed_groups_stay_unnamed() {
    let env = Env::new(&[Group::new("plain")]);
    env.write("groups.yaml", "groups:\n  - id: plain\n  - id: fresh\n");
    env.run(&["apply", "--auto-approve"]).expect(0);
    assert_eq!(env.groups(), [Group::new("fresh"), Group::new("plain")]);
    let plan = env.run(&["plan"]).expect(0);
    assert!(plan.stdout.contains("No changes."), "{}", plan.stdout);
}

#[test]
fn the_bootstrap_group_is_left_alone() {
    let env = Env::new(&[Group::new("a")]);
    // Declared differently, and then not declared at all: neither touches it.
    env.write(
        "groups.yaml",
        "groups:\n  - id: adminGroup\n    name: Renamed\n  - id: a\n",
    );
    let plan = env.run(&["plan"]).expect(0);
    assert!(plan.stdout.contains("No changes."), "{}", plan.stdout);
    assert!(
        plan.stdout.contains("adminGroup: protected"),
        "{}",
        plan.stdout
    );
    env.write("groups.yaml", "groups:\n  - id: a\n");
    env.run(&["apply", "--auto-approve"]).expect(0);
    assert!(
        env.sandbox
            .groups()
            .iter()
            .any(|g| g.id == "adminGroup" && g.name.is_none())
    );
    let stats = env.sandbox.stats();
    assert_eq!(stats.count("DELETE", "/api/v1/entities/userGroups/{id}"), 0);
}
