//! Faults, rate limits and interrupts (spec §5, §8): nothing is lost, a re-run converges, and
//! protected and ignored groups are never touched.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use gdgroups::group::Group;
use gdgroups::sandbox::{Faults, SandboxConfig};

use crate::common::{Env, TOKEN, seed};

/// A live organization and a file that together make a 300-operation plan: 100 creates,
/// 100 updates (renames and re-parenting) and 100 deletes, plus a protected and an ignored group.
fn three_hundred() -> (Vec<Group>, String, Vec<Group>) {
    let mut live = vec![
        Group::new("keep-me").with_name("Protected"),
        Group::new("jit-1").with_name("Ignored"),
    ];
    let mut want = Vec::new();
    let mut yaml = String::from(
        "protected: [keep-me]\nignore: [\"jit-*\"]\nsafety:\n  max_delete_percent: 100\ngroups:\n",
    );
    for i in 0..100 {
        live.push(Group::new(format!("upd-{i:03}")).with_name(format!("Old {i}")));
        live.push(Group::new(format!("del-{i:03}")));
        let parent = if i > 0 {
            Some(format!("new-{:03}", i - 1))
        } else {
            None
        };
        let new = Group::new(format!("new-{i:03}")).with_name(format!("New {i}"));
        let mut updated = Group::new(format!("upd-{i:03}")).with_name(format!("Updated {i}"));
        let _ = writeln!(yaml, "  - id: new-{i:03}\n    name: New {i}");
        let _ = writeln!(yaml, "  - id: upd-{i:03}\n    name: Updated {i}");
        if let Some(p) = parent {
            let _ = writeln!(yaml, "    parents: [{p}]");
            updated = updated.with_parents([p.clone()]);
        }
        want.push(new);
        want.push(updated);
    }
    want.push(Group::new("jit-1").with_name("Ignored"));
    want.push(Group::new("keep-me").with_name("Protected"));
    want.sort_by(|a, b| a.id.cmp(&b.id));
    (live, yaml, want)
}

fn converge(faults: Faults) {
    let (live, yaml, want) = three_hundred();
    let env = Env::with_config(SandboxConfig {
        token: TOKEN.into(),
        seed: seed(&live),
        faults,
        ..SandboxConfig::default()
    });
    env.write("groups.yaml", &yaml);
    let mut runs = Vec::new();
    for _ in 0..3 {
        let run = env.run(&[
            "apply",
            "--auto-approve",
            "--parallelism",
            "8",
            "--timeout",
            "5",
        ]);
        let code = run.code;
        runs.push(run);
        match code {
            0 => break,
            3 => {}
            other => panic!("exit {other}: {:?}", runs.last()),
        }
    }
    assert_eq!(runs.last().map(|r| r.code), Some(0), "{runs:#?}");
    assert_eq!(
        env.groups(),
        want,
        "the live state equals the desired state"
    );
}

#[test]
fn latency() {
    converge(Faults {
        latency_ms: 20,
        rng_seed: Some(1),
        ..Faults::default()
    });
}

#[test]
fn server_errors() {
    converge(Faults {
        fail_rate: 0.2,
        rng_seed: Some(2),
        ..Faults::default()
    });
}

#[test]
fn dropped_connections() {
    converge(Faults {
        drop_rate: 0.15,
        rng_seed: Some(3),
        ..Faults::default()
    });
}

#[test]
fn a_mix_of_everything() {
    converge(Faults {
        latency_ms: 5,
        fail_rate: 0.1,
        drop_rate: 0.1,
        rate_limit: Some((200, Duration::from_secs(1))),
        rng_seed: Some(4),
        ..Faults::default()
    });
}

#[test]
fn a_rate_limited_run_fails_nothing() {
    let (live, yaml, want) = three_hundred();
    let faults = Faults {
        rate_limit: Some((150, Duration::from_secs(1))),
        rng_seed: Some(5),
        ..Faults::default()
    };
    let env = Env::with_config(SandboxConfig {
        token: TOKEN.into(),
        seed: seed(&live),
        faults,
        ..SandboxConfig::default()
    });
    env.write("groups.yaml", &yaml);
    let started = Instant::now();
    let run = env
        .run(&[
            "apply",
            "--auto-approve",
            "--parallelism",
            "16",
            "--report",
            "report.json",
        ])
        .expect(0);
    assert!(
        run.stderr
            .contains("Apply complete: 100 created, 100 updated, 100 deleted."),
        "{}",
        run.stderr
    );
    assert!(
        env.sandbox.stats().status(429) > 0,
        "the limit was actually hit"
    );
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(env.groups(), want);
}

#[test]
fn a_failure_is_reported_with_status_and_trace_and_only_dependants_are_skipped() {
    let env = Env::with_config(SandboxConfig {
        token: TOKEN.into(),
        seed: seed(&[Group::new("old")]),
        faults: Faults {
            refuse_writes: vec!["p".into()],
            ..Faults::default()
        },
        ..SandboxConfig::default()
    });
    env.write("groups.yaml", "groups:\n  - id: p\n  - id: c\n    parents: [p]\n  - id: gc\n    parents: [c]\n  - id: free\n");
    let run = env
        .run(&["apply", "--auto-approve", "--report", "report.json"])
        .expect(3);
    assert!(
        run.stderr
            .contains("Apply partly failed: 1 created, 0 updated, 1 deleted."),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("create p: POST /api/v1/entities/userGroups → 500: Injected refusal"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("(traceId "), "{}", run.stderr);
    assert!(
        run.stderr.contains("create c: skipped: create `p` failed"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("create gc: skipped: create `p` failed"),
        "{}",
        run.stderr
    );
    let report: serde_json::Value = serde_json::from_str(
        &fs_err::read_to_string(env.dir.path().join("report.json")).expect("report"),
    )
    .expect("json");
    let p = report["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .find(|c| c["id"] == "p")
        .expect("p")
        .clone();
    assert_eq!(p["status"], "failed");
    assert_eq!(p["http_status"], 500);
    assert!(p["traceId"].as_str().is_some_and(|t| !t.is_empty()));
    assert_eq!(env.groups(), [Group::new("free")]);
    // Once the server accepts it, a re-run plans only what is left.
    let env2_plan = env.run(&["plan"]).expect(0);
    assert!(
        env2_plan
            .stdout
            .contains("Plan: 3 to create, 0 to update, 0 to delete."),
        "{}",
        env2_plan.stdout
    );
}

#[test]
fn interrupt_finishes_running_work_reports_and_exits_130() {
    let env = Env::with_config(SandboxConfig {
        token: TOKEN.into(),
        faults: Faults {
            latency_ms: 300,
            ..Faults::default()
        },
        ..SandboxConfig::default()
    });
    let mut yaml = String::from("groups:\n");
    for i in 0..40 {
        let _ = writeln!(yaml, "  - id: g{i:02}");
    }
    env.write("groups.yaml", &yaml);
    let url = env.sandbox.url();
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
        .env("GDGROUPS_HOST", &url)
        .env("GDGROUPS_TOKEN", TOKEN)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    std::thread::sleep(Duration::from_secs(2));
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let started = Instant::now();
    let output = child.wait_with_output().expect("wait");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "running operations finish quickly"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("Apply interrupted"), "{stderr}");
    let report: serde_json::Value = serde_json::from_str(
        &fs_err::read_to_string(env.dir.path().join("report.json")).expect("report"),
    )
    .expect("json");
    assert_eq!(report["interrupted"], true);
    let done = env.groups().len();
    assert!(done > 0 && done < 40, "{done} created before the interrupt");
    // A re-run does the rest.
    env.run(&["apply", "--auto-approve", "--parallelism", "8"])
        .expect(0);
    assert_eq!(env.groups().len(), 40);
}
