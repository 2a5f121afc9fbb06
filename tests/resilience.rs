//! Faults, rate limits and interrupts (spec §5, §8): nothing is lost, a re-run converges, and
//! protected and ignored groups are never touched.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use gdgroups::group::Group;
use gdgroups_sandbox::{Faults, SandboxConfig};

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
fn a_long_list_of_skipped_operations_fits_a_screen_and_counts_the_rest() {
    let env = Env::with_config(SandboxConfig {
        token: TOKEN.into(),
        faults: Faults {
            refuse_writes: vec!["p".into()],
            ..Faults::default()
        },
        ..SandboxConfig::default()
    });
    let mut yaml = String::from("groups:\n  - id: p\n");
    for i in 0..50 {
        let _ = writeln!(yaml, "  - id: c{i:02}\n    parents: [p]");
    }
    env.write("groups.yaml", &yaml);
    let run = env
        .run(&["apply", "--auto-approve", "--report", "report.json"])
        .expect(3);
    let summary = &run.stderr[run.stderr.find("Apply partly failed").expect("summary")..];
    assert!(summary.contains("Not attempted (50):\n"), "{summary}");
    assert_eq!(
        summary.matches(": skipped: create `p` failed").count(),
        10,
        "{summary}"
    );
    assert!(
        summary.contains("  … and 40 more not started; see report.json\n"),
        "{summary}"
    );
    assert!(summary.lines().count() <= 20, "{summary}");
    // Without --report, it says how to get the whole list.
    let run = env.run(&["apply", "--auto-approve"]).expect(3);
    assert!(
        run.stderr
            .contains("  … and 40 more not started; pass --report FILE to list them all\n"),
        "{}",
        run.stderr
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
    // An interrupt before the first write would stop at once, with nothing to report.
    wait_for(Duration::from_secs(120), "the first write", || {
        !env.groups().is_empty()
    });
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let at_signal = env.groups().len();
    let output = child.wait_with_output().expect("wait");
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
    // Counted, not timed: after the signal only the creates already running finish (two at
    // `--parallelism 2`; two more may start while the signal is on its way, since each takes
    // 300 ms), and nothing new starts.
    assert!(
        done <= at_signal + 4,
        "{at_signal} created at the signal, {done} at the end: new creates started"
    );
    // A re-run does the rest.
    env.run(&["apply", "--auto-approve", "--parallelism", "8"])
        .expect(0);
    assert_eq!(env.groups().len(), 40);
}

/// The binary, run in the background against the sandbox (in the clean environment of
/// `common::run_in`), killed when the test ends, passed or not, so a failed assertion never
/// leaves it running; its stderr is collected as it comes.
struct Running {
    child: std::process::Child,
    stderr: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Running {
    fn spawn(env: &Env, args: &[&str]) -> Self {
        use std::io::Read as _;
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_gdgroups"));
        command.args(args).current_dir(env.dir.path()).env_clear();
        if let Ok(path) = std::env::var("PATH") {
            command.env("PATH", path);
        }
        let mut child = command
            .env("HOME", env.dir.path())
            .env("NO_COLOR", "1")
            .env("GDGROUPS_HOST", env.sandbox.url())
            .env("GDGROUPS_TOKEN", TOKEN)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        let stderr = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let mut pipe = child.stderr.take().expect("stderr");
        let sink = stderr.clone();
        std::thread::spawn(move || {
            let mut chunk = [0_u8; 4096];
            while let Ok(n @ 1..) = pipe.read(&mut chunk) {
                sink.lock()
                    .expect("stderr")
                    .push_str(&String::from_utf8_lossy(&chunk[..n]));
            }
        });
        Self { child, stderr }
    }

    fn stderr(&self) -> String {
        self.stderr.lock().expect("stderr").clone()
    }

    fn interrupt(&self) {
        let status = std::process::Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
    }

    /// How it exited, or `None` if it is still running after `limit`.
    fn exit_within(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return Some(status);
            }
            if started.elapsed() > limit {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `done` until it holds, failing after `limit` (generous: the machine may be busy).
#[track_caller]
fn wait_for(limit: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_second_interrupt_exits_at_once_without_waiting_for_running_work() {
    // Writes take effect at once but are answered only after two minutes (and the client's
    // timeout is longer), so nothing in flight can finish while the test runs.
    let env = Env::with_config(SandboxConfig {
        token: TOKEN.into(),
        faults: Faults {
            write_answer_delay_ms: 120_000,
            ..Faults::default()
        },
        ..SandboxConfig::default()
    });
    let mut yaml = String::from("groups:\n");
    for i in 0..10 {
        let _ = writeln!(yaml, "  - id: g{i:02}");
    }
    env.write("groups.yaml", &yaml);
    let mut apply = Running::spawn(
        &env,
        &[
            "apply",
            "--auto-approve",
            "--parallelism",
            "2",
            "--timeout",
            "600",
        ],
    );
    // The writes are visible in the sandbox as soon as they arrive.
    wait_for(Duration::from_secs(120), "the first write", || {
        !env.groups().is_empty()
    });
    let writing = Instant::now();

    apply.interrupt();
    wait_for(
        Duration::from_secs(60),
        "the first interrupt's notice",
        || {
            apply
                .stderr()
                .contains("waiting for the running ones to finish")
        },
    );
    let early = apply.exit_within(Duration::from_millis(500));
    assert!(
        early.is_none(),
        "the first interrupt waits for the running writes, but it exited ({early:?})\n{}",
        apply.stderr()
    );

    apply.interrupt();
    // The running writes answer 120 s after they were sent, and the first was sent before
    // `writing`: an exit within 100 s of `writing` shows it did not wait for them, with room
    // for a busy machine.
    let status = apply.exit_within(Duration::from_secs(100).saturating_sub(writing.elapsed()));
    let stderr = apply.stderr();
    assert_eq!(
        status.and_then(|s| s.code()),
        Some(130),
        "{status:?}\n{stderr}"
    );
    assert!(
        stderr.contains("Interrupted again: stopped without waiting"),
        "{stderr}"
    );
    assert!(stderr.contains("Run the same command again"), "{stderr}");
    assert!(
        !stderr.contains("Apply interrupted:"),
        "no report: the running writes never answered\n{stderr}"
    );
    // Only what was running when the first interrupt came was sent; nothing new started.
    let created = env.groups().len();
    assert!((1..=2).contains(&created), "{created} groups created");
}

#[test]
fn an_interrupt_before_any_write_exits_at_once() {
    // Every request, reads included, takes two minutes: the plan is never reached.
    let env = Env::with_config(SandboxConfig {
        token: TOKEN.into(),
        faults: Faults {
            latency_ms: 120_000,
            ..Faults::default()
        },
        ..SandboxConfig::default()
    });
    env.write("groups.yaml", "groups:\n  - id: a\n");
    for command in ["plan", "apply"] {
        let mut run = Running::spawn(
            &env,
            if command == "plan" {
                &["plan", "--timeout", "600"]
            } else {
                &["apply", "--auto-approve", "--timeout", "600"]
            },
        );
        wait_for(Duration::from_secs(60), "the read to start", || {
            run.stderr().contains("Reading the user groups")
        });
        run.interrupt();
        // Every read takes 120 s: an exit within 100 s shows it did not wait for the one
        // running, with room for a busy machine.
        let status = run.exit_within(Duration::from_secs(100));
        let stderr = run.stderr();
        assert_eq!(
            status.and_then(|s| s.code()),
            Some(130),
            "{command}: {status:?}\n{stderr}"
        );
        assert!(
            stderr.contains("Interrupted; no change was made."),
            "{command}: {stderr}"
        );
    }
    assert!(env.groups().is_empty());
}
