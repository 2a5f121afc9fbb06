//! Protection, ignore globs, incremental loads and delete impact, end to end.

use gdgroups::group::Group;
use gdgroups_sandbox::{Group as SandboxGroup, SandboxConfig, SeedGroup};

use crate::common::{Env, TOKEN};

#[test]
fn protected_and_ignored_groups_are_kept_and_may_be_parents() {
    let env = Env::new(&[
        Group::new("keep"),
        Group::new("jit-1"),
        Group::new("jit-2").with_parents(["jit-1"]),
        Group::new("scim-x"),
        Group::new("gone"),
    ]);
    env.write(
        "groups.yaml",
        "protected: [keep]\nignore: [\"jit-*\", \"scim-?\"]\ngroups:\n  - id: a\n    parents: [jit-1, keep]\n",
    );
    let plan = env.run(&["plan"]).expect(0);
    assert!(
        plan.stdout.contains(
            "Plan: 1 to create, 0 to update, 1 to delete. 0 unchanged, 3 ignored, 2 protected."
        ),
        "{}",
        plan.stdout
    );
    env.run(&["apply", "--auto-approve", "--max-delete-percent", "100"])
        .expect(0);
    let ids: Vec<String> = env.groups().into_iter().map(|g| g.id).collect();
    assert_eq!(ids, ["a", "jit-1", "jit-2", "keep", "scim-x"]);
}

#[test]
fn a_declared_id_matching_ignore_and_an_unknown_parent_are_errors() {
    let env = Env::new(&[]);
    env.write(
        "groups.yaml",
        "ignore: [\"jit-*\"]\ngroups:\n  - id: jit-3\n  - id: b\n    parents: [nowhere]\n",
    );
    let run = env.run(&["validate"]).expect(1);
    assert!(
        run.stderr.contains("groups.yaml:1:10") && run.stderr.contains("`jit-3` (line 3)"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("groups.yaml:5:"), "{}", run.stderr);
    assert!(run.stderr.contains("nowhere"), "{}", run.stderr);
}

#[test]
fn incremental_loads_touch_only_listed_groups() {
    let env = Env::new(&[
        Group::new("old"),
        Group::new("change").with_name("Before"),
        Group::new("untouched"),
    ]);
    env.write(
        "groups.yaml",
        "mode: incremental\ngroups:\n  - id: old\n    active: false\n  - id: never-was\n    active: false\n  - id: change\n    name: After\n  - id: fresh\n    parents: [untouched]\n",
    );
    let plan = env.run(&["plan"]).expect(0);
    assert!(
        plan.stdout
            .contains("never-was: active: false, and no such live group: nothing to delete"),
        "{}",
        plan.stdout
    );
    env.run(&["apply", "--auto-approve"]).expect(0);
    assert_eq!(
        env.groups(),
        [
            Group::new("change").with_name("After"),
            Group::new("fresh").with_parents(["untouched"]),
            Group::new("untouched")
        ]
    );
    // The flag does the same for a file without `mode:`, in the gooddata-pipelines shape.
    env.write("raw.yaml", "- user_group_id: fresh\n  is_active: false\n");
    env.run(&["apply", "-f", "raw.yaml", "--incremental", "--auto-approve"])
        .expect(0);
    assert!(!env.groups().iter().any(|g| g.id == "fresh"));
    env.write(
        "dup.yaml",
        "mode: incremental\ngroups:\n  - id: x\n    name: One\n  - id: x\n    name: Two\n",
    );
    let run = env.run(&["validate", "-f", "dup.yaml"]).expect(1);
    assert!(run.stderr.contains("dup.yaml:5:"), "{}", run.stderr);
}

#[test]
fn deletes_show_member_counts_and_children() {
    let seed = vec![
        SeedGroup::new(SandboxGroup::new("legacy")).with_members(["ann", "bob", "carl"]),
        SeedGroup::new(SandboxGroup::new("kid").with_parents(["legacy"])),
    ]
    .into();
    let env = Env::with_config(SandboxConfig {
        token: TOKEN.into(),
        seed,
        ..SandboxConfig::default()
    });
    env.write("groups.yaml", "groups:\n  - id: kid\n");
    let plan = env.run(&["plan"]).expect(0);
    assert!(plan.stdout.contains("- legacy"), "{}", plan.stdout);
    assert!(
        plan.stdout
            .contains("3 members lose this group; kid lose it as a parent"),
        "{}",
        plan.stdout
    );
    let markdown = env.run(&["plan", "--format", "markdown"]).expect(0);
    assert!(
        markdown.stdout.contains("deletes 1 group"),
        "{}",
        markdown.stdout
    );
}

#[test]
fn without_user_management_the_impact_of_a_delete_is_unknown() {
    // An older server: no user-management action, so no member counts, though the group has
    // members.
    let env = Env::with_config(SandboxConfig {
        token: TOKEN.into(),
        seed: vec![
            SeedGroup::new(SandboxGroup::new("legacy")).with_members(["ann", "bob", "carl"]),
            SeedGroup::new(SandboxGroup::new("kid").with_parents(["legacy"])),
        ]
        .into(),
        user_management: false,
        ..SandboxConfig::default()
    });
    env.write("groups.yaml", "groups:\n  - id: kid\n");

    let plan = env.run(&["plan"]).expect(0);
    let line = plan
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("- legacy"))
        .unwrap_or_else(|| panic!("no delete line:\n{}", plan.stdout));
    assert!(
        line.contains(
            "impact unknown (the server does not report members); kid lose it as a parent"
        ),
        "{line}"
    );
    assert!(
        plan.stdout
            .contains("Plan: 0 to create, 1 to update, 1 to delete."),
        "{}",
        plan.stdout
    );
    assert_eq!(
        env.sandbox
            .stats()
            .count("GET", "/api/v1/actions/userManagement/userGroups"),
        1,
        "the client asked, and took the 404 for \"not offered\""
    );

    let json = env.run(&["plan", "--format", "json"]).expect(0);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).expect("json");
    let delete = doc["operations"]
        .as_array()
        .expect("operations")
        .iter()
        .find(|c| c["action"] == "delete")
        .unwrap_or_else(|| panic!("no delete:\n{}", json.stdout))
        .clone();
    assert_eq!(delete["id"], "legacy");
    assert_eq!(
        delete["impact"],
        serde_json::json!({"members": null, "children": ["kid"]}),
        "members unknown (null), not 0"
    );

    let markdown = env.run(&["plan", "--format", "markdown"]).expect(0);
    assert!(
        markdown
            .stdout
            .contains("impact unknown (the server does not report members)"),
        "{}",
        markdown.stdout
    );
    assert!(
        markdown
            .stdout
            .contains("(memberships lost: unknown, the server does not report members)"),
        "not \"0 memberships are lost\":\n{}",
        markdown.stdout
    );

    env.run(&["apply", "--auto-approve"]).expect(0);
    assert_eq!(env.groups(), [Group::new("kid")]);
}

#[test]
fn a_rename_looks_like_one() {
    let env = Env::new(&[Group::new("sales-old").with_name("Sales")]);
    env.write("groups.yaml", "groups:\n  - id: sales\n    name: Sales\n");
    let plan = env.run(&["plan"]).expect(0);
    assert!(
        plan.stdout
            .contains("looks like a rename to `sales` (the same name)"),
        "{}",
        plan.stdout
    );
}

/// A sandbox whose bootstrap group is `rootGroup`, behind a proxy that refuses the organization
/// entity (403, as for a token without organization rights): the bootstrap group is unknown.
fn unknown_bootstrap() -> (Env, crate::common::Proxy) {
    let env = Env::with_config(SandboxConfig {
        token: TOKEN.into(),
        bootstrap_group: "rootGroup".into(),
        seed: crate::common::seed(&[Group::new("old")]),
        ..SandboxConfig::default()
    });
    let proxy = crate::common::Proxy::spawn(
        &env.sandbox.url(),
        Box::new(|_, path| {
            path.contains("/organization")
                .then(|| crate::common::problem(403, "Forbidden"))
        }),
    );
    (env, proxy)
}

#[test]
fn an_unknown_bootstrap_group_holds_every_delete_until_it_is_named() {
    let (env, proxy) = unknown_bootstrap();
    let host = [("GDGROUPS_HOST", proxy.url())];
    env.write("groups.yaml", "groups:\n  - id: a\n");
    let before = env.sandbox.groups();

    let plan = env.run_with(&["plan"], &host).expect(4);
    for id in ["old", "rootGroup"] {
        assert!(
            plan.stdout.contains(&format!("- {id}"))
                && plan
                    .stdout
                    .contains("would delete (held by an unknown bootstrap group)"),
            "{}",
            plan.stdout
        );
    }
    assert!(
        plan.stderr.contains("bootstrap group") && plan.stderr.contains("--bootstrap-group"),
        "{}",
        plan.stderr
    );
    env.run_with(&["plan", "--out", "plan.json"], &host)
        .expect(4);
    assert!(
        !env.path("plan.json").exists(),
        "a refused plan is not saved"
    );
    let apply = env.run_with(&["apply", "--auto-approve"], &host).expect(4);
    assert!(
        apply.stderr.contains("--bootstrap-group"),
        "{}",
        apply.stderr
    );
    assert_eq!(env.sandbox.groups(), before, "nothing changed");

    // Without deletes nothing is at stake.
    env.write("groups.yaml", "mode: incremental\ngroups:\n  - id: a\n");
    env.run_with(&["plan"], &host).expect(0);

    // Named by the flag: protected, and the other delete goes ahead.
    env.write("groups.yaml", "groups:\n  - id: a\n");
    let named = ["--bootstrap-group", "rootGroup"];
    let plan = env
        .run_with(&[&["plan"][..], &named].concat(), &host)
        .expect(0);
    assert!(plan.stdout.contains("- old"), "{}", plan.stdout);
    assert!(!plan.stdout.contains("- rootGroup"), "{}", plan.stdout);
    env.run_with(&[&["apply", "--auto-approve"][..], &named].concat(), &host)
        .expect(0);
    let ids: Vec<String> = env.sandbox.groups().into_iter().map(|g| g.id).collect();
    assert_eq!(ids, ["a", "rootGroup"]);

    // Or listed under `protected:`.
    env.sandbox
        .upsert_group(crate::common::to_sandbox(&Group::new("old")));
    env.write(
        "groups.yaml",
        "protected: [rootGroup]\ngroups:\n  - id: a\n",
    );
    let plan = env.run_with(&["plan"], &host).expect(0);
    assert!(
        plan.stdout.contains("- old") && !plan.stdout.contains("- rootGroup"),
        "{}",
        plan.stdout
    );
}

#[test]
fn the_library_holds_deletes_too_until_the_bootstrap_group_is_named() {
    use gdgroups::gooddata::{ClientConfig, Token};
    use gdgroups::provision::{GroupRecord, Provisioner};
    let (env, proxy) = unknown_bootstrap();
    let provisioner = Provisioner::with_config(&ClientConfig::new(proxy.url(), Token::new(TOKEN)))
        .expect("provisioner");
    let records = || vec![GroupRecord::new("a", None, &[]).expect("record")];
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let error = runtime
        .block_on(provisioner.clone().full_load(records()))
        .expect_err("refused");
    assert!(
        matches!(&error, gdgroups::error::Error::Refused(m) if m.contains("bootstrap group")),
        "{error:?}"
    );
    assert_eq!(env.sandbox.groups().len(), 2, "nothing changed");
    let report = runtime
        .block_on(
            provisioner
                .bootstrap_group("rootGroup")
                .full_load(records()),
        )
        .expect("named");
    assert!(report.is_complete(), "{report:?}");
    let ids: Vec<String> = env.sandbox.groups().into_iter().map(|g| g.id).collect();
    assert_eq!(ids, ["a", "rootGroup"]);
}

#[test]
fn a_member_listing_that_falls_short_shows_the_impact_as_unknown_not_zero() {
    use axum::response::IntoResponse as _;
    let env = Env::new(&[Group::new("old"), Group::new("keep")]);
    // The listing announces three groups but holds two, and not `old`.
    let proxy = crate::common::Proxy::spawn(
        &env.sandbox.url(),
        Box::new(|_, path| {
            path.starts_with("/api/v1/actions/userManagement/userGroups?").then(|| {
                (
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    r#"{"totalCount":3,"userGroups":[{"id":"adminGroup","userCount":1,"organizationAdmin":true},{"id":"keep","userCount":2,"organizationAdmin":false}]}"#,
                )
                    .into_response()
            })
        }),
    );
    env.write("groups.yaml", "groups:\n  - id: keep\n");
    let plan = env
        .run_with(&["plan"], &[("GDGROUPS_HOST", proxy.url())])
        .expect(0);
    assert!(
        plan.stdout.contains("- old") && plan.stdout.contains("impact unknown"),
        "{}",
        plan.stdout
    );
    assert!(!plan.stdout.contains("no members"), "{}", plan.stdout);
}
