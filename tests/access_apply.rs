//! Apply of members and permissions (spec §11): the real binary against the sandbox.

use std::fmt::Write as _;

use gdgroups_sandbox::{Assignee, Faults, SandboxConfig, parse_seed};

use crate::common::{Env, TOKEN};

/// An organization with users, workspaces, a data source, and `analysts` with some members and
/// access already.
const SEED: &str = "\
groups:
  - id: adminGroup
  - id: analysts
    name: Analysts
    workspaces:
      finance: [ANALYZE]
users:
  - {id: admin, groups: [adminGroup]}
  - {id: alice, groups: [analysts]}
  - {id: dave, groups: [analysts]}
  - {id: bob}
  - {id: carol}
workspaces:
  - {id: sales, name: Sales}
  - {id: finance, name: Finance}
data_sources:
  - {id: warehouse, name: Warehouse}
";

fn env(faults: Faults) -> Env {
    Env::with_config(SandboxConfig {
        token: TOKEN.into(),
        seed: parse_seed("seed", SEED).expect("seed"),
        faults,
        ..SandboxConfig::default()
    })
}

const FILE: &str = "\
protected: [adminGroup]
groups:
  - id: analysts
    name: Analysts
    members: [alice, bob, carol]
    workspaces:
      sales: [VIEW, EXPORT]
      finance: {permissions: [VIEW], hierarchy: [VIEW]}
    data_sources: {warehouse: [USE]}
    organization: [SELF_CREATE_TOKEN]
  - id: marketing
    parents: [analysts]
    members: [bob]
    workspaces: {sales: [VIEW]}
  - id: ops
    members: []
    workspaces: {sales: [VIEW]}
";

#[test]
fn plan_apply_plan_with_members_and_permissions_ends_with_no_changes() {
    let env = env(Faults::default());
    env.write("groups.yaml", FILE);
    let applied = env
        .run(&["apply", "--auto-approve", "--report", "report.json"])
        .expect(0);
    assert!(
        applied.stderr.contains("added members analysts (+2)")
            && applied.stderr.contains("removed members analysts (-1)")
            && applied
                .stderr
                .contains("assigned workspace sales to 2 groups"),
        "{}",
        applied.stderr
    );
    assert!(
        applied.stdout.contains(
            "Apply complete: 2 created, 0 updated, 0 deleted; 3 members added, 1 removed;"
        ) || applied.stderr.contains(
            "Apply complete: 2 created, 0 updated, 0 deleted; 3 members added, 1 removed;"
        ),
        "{}\n{}",
        applied.stdout,
        applied.stderr
    );
    assert_eq!(
        env.sandbox.members("analysts").expect("analysts"),
        ["alice", "bob", "carol"]
    );
    assert_eq!(
        env.sandbox.members("marketing").expect("marketing"),
        ["bob"]
    );
    let access = env
        .sandbox
        .access(&Assignee::group("analysts"))
        .expect("access");
    assert_eq!(
        access.workspaces.keys().collect::<Vec<_>>(),
        ["finance", "sales"]
    );
    assert_eq!(access.data_sources.len(), 1);
    assert_eq!(access.organization.len(), 1);

    let report: serde_json::Value =
        serde_json::from_str(&fs_err::read_to_string(env.path("report.json")).expect("report"))
            .expect("json");
    let actions: Vec<&str> = report["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| c["action"].as_str().expect("action"))
        .collect();
    for action in [
        "create",
        "addMembers",
        "removeMembers",
        "assignPermissions",
        "organizationPermissions",
    ] {
        assert!(actions.contains(&action), "{action}: {report}");
    }
    assert!(
        report["changes"]
            .as_array()
            .expect("changes")
            .iter()
            .all(|c| c["status"] == "done"),
        "{report}"
    );

    let again = env.run(&["plan"]).expect(0);
    assert!(again.stdout.contains("No changes"), "{}", again.stdout);
}

#[test]
fn a_refused_create_skips_its_members_and_leaves_it_out_of_a_shared_grant() {
    let env = env(Faults {
        refuse_writes: vec!["marketing".into()],
        ..Faults::default()
    });
    env.write("groups.yaml", FILE);
    let run = env
        .run(&["apply", "--auto-approve", "--report", "report.json"])
        .expect(3);
    let all = format!("{}\n{}", run.stdout, run.stderr);
    assert!(
        all.contains("failed to create marketing")
            && all.contains("add members marketing (+1): skipped: create `marketing` failed")
            && all.contains(
                "assign workspace sales to marketing: skipped: create `marketing` failed"
            ),
        "{all}"
    );
    // `ops` needed the same set as `marketing`: it got it, alone.
    let ops = env.sandbox.access(&Assignee::group("ops")).expect("ops");
    assert_eq!(ops.workspaces.keys().collect::<Vec<_>>(), ["sales"]);
    assert!(env.sandbox.members("marketing").is_none());
    // What depended on nothing that failed is done.
    assert_eq!(
        env.sandbox.members("analysts").expect("analysts"),
        ["alice", "bob", "carol"]
    );
}

#[test]
fn a_membership_changed_after_plan_out_makes_the_saved_plan_stale() {
    let env = env(Faults::default());
    env.write("groups.yaml", FILE);
    env.run(&["plan", "--out", "plan.json"]).expect(0);
    // Another client adds a user to analysts.
    env.sandbox
        .set_members("analysts", ["alice", "dave", "bob"]);
    let run = env.run(&["apply", "plan.json"]).expect(4);
    assert!(
        run.stderr.contains("stale") && run.stderr.contains("analysts"),
        "{}",
        run.stderr
    );
    assert_eq!(
        env.sandbox.members("analysts").expect("analysts"),
        ["alice", "bob", "dave"],
        "nothing applied"
    );
}

#[test]
fn one_set_for_many_groups_is_sent_in_a_handful_of_requests() {
    let mut seed = String::from("groups:\n  - id: adminGroup\n");
    let mut file = String::from("protected: [adminGroup]\ngroups:\n");
    for i in 0..600 {
        let _ = writeln!(seed, "  - id: g{i:03}");
        let _ = writeln!(file, "  - id: g{i:03}\n    workspaces: {{sales: [VIEW]}}");
    }
    seed.push_str("users:\n  - {id: admin, groups: [adminGroup]}\nworkspaces:\n  - {id: sales}\n");
    let env = Env::with_config(SandboxConfig {
        token: TOKEN.into(),
        seed: parse_seed("seed", &seed).expect("seed"),
        ..SandboxConfig::default()
    });
    env.write("groups.yaml", &file);
    env.sandbox.reset_stats();
    env.run(&["apply", "--auto-approve"]).expect(0);
    let stats = env.sandbox.stats();
    assert_eq!(
        stats.count("POST", "/api/v1/actions/userManagement/assignPermissions"),
        3,
        "600 groups, at most 250 a request: {stats:?}"
    );
    assert_eq!(stats.count("PUT", "/api/v1/entities/userGroups/{id}"), 0);
    let again = env.run(&["plan"]).expect(0);
    assert!(again.stdout.contains("No changes"), "{}", again.stdout);
}

#[test]
fn an_interrupt_lets_running_member_writes_finish_starts_none_and_exits_130() {
    let mut seed = String::from("groups:\n  - id: adminGroup\n");
    let mut file = String::from("protected: [adminGroup]\ngroups:\n");
    let mut users = String::from("users:\n  - {id: admin, groups: [adminGroup]}\n");
    for i in 0..40 {
        let _ = writeln!(seed, "  - id: g{i:02}");
        let _ = writeln!(file, "  - id: g{i:02}\n    members: [u{i:02}]");
        let _ = writeln!(users, "  - {{id: u{i:02}}}");
    }
    seed.push_str(&users);
    let env = Env::with_config(SandboxConfig {
        token: TOKEN.into(),
        seed: parse_seed("seed", &seed).expect("seed"),
        faults: Faults {
            latency_ms: 300,
            ..Faults::default()
        },
        ..SandboxConfig::default()
    });
    env.write("groups.yaml", &file);
    let joined = || {
        (0..40)
            .filter(|i| {
                env.sandbox
                    .members(&format!("g{i:02}"))
                    .is_some_and(|m| !m.is_empty())
            })
            .count()
    };
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_gdgroups"))
        .args([
            "apply",
            "--auto-approve",
            "--parallelism",
            "2",
            "--report",
            "report.json",
        ])
        .current_dir(env.dir.path())
        .env("GDGROUPS_HOST", env.sandbox.url())
        .env("GDGROUPS_TOKEN", TOKEN)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    // Polled, with a generous bound for a busy machine: an interrupt before the first write
    // would stop at once, with nothing to report.
    let started = std::time::Instant::now();
    while joined() == 0 {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(120),
            "no member was ever added"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let at_signal = joined();
    let output = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("Apply interrupted"), "{stderr}");
    let report: serde_json::Value =
        serde_json::from_str(&fs_err::read_to_string(env.path("report.json")).expect("report"))
            .expect("json");
    assert_eq!(report["interrupted"], true);
    let changes = report["changes"].as_array().expect("changes");
    assert!(
        changes
            .iter()
            .any(|c| c["action"] == "addMembers" && c["status"] == "interrupted"),
        "{report}"
    );
    let done = joined();
    assert!(done > 0 && done < 40, "{done} groups got their member");
    // Counted, not timed: after the signal only the requests already running finish.
    assert!(
        done <= at_signal + 4,
        "{at_signal} at the signal, {done} at the end: new requests started"
    );
    // A re-run does the rest.
    env.run(&["apply", "--auto-approve"]).expect(0);
    assert_eq!(joined(), 40);
    let again = env.run(&["plan"]).expect(0);
    assert!(again.stdout.contains("No changes"), "{}", again.stdout);
}
