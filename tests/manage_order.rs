//! Apply never takes organization `MANAGE` from the token's own user before it has what the
//! plan gives it (spec §11): the real binary against the sandbox, through a proxy that answers
//! 403 to every write once the token's user lost `MANAGE`, as GoodData does (the sandbox does
//! not check permissions itself).

use gdgroups_sandbox::{Faults, SandboxConfig, parse_seed};

use crate::common::{Env, Proxy, TOKEN};

/// `admin` (the token's user) administers through `admins` and `team`; `ops` has nothing yet;
/// `old` also gives it `MANAGE`. `bob` keeps the bootstrap group company.
const SEED: &str = "\
groups:
  - id: adminGroup
  - id: admins
    organization: [MANAGE]
  - id: old
    organization: [MANAGE]
  - id: ops
  - id: team
    organization: [MANAGE]
users:
  - {id: admin, groups: [admins, old, team]}
  - {id: bob, groups: [adminGroup]}
";

/// The token's user moves from `admins`, `team` and `old` to `ops`, which gets `MANAGE`: every
/// write that takes `MANAGE` away (the removal from `admins`, the revocation on `team`, the
/// delete of `old`) could run before those that give it (the addition to `ops`, the grant on
/// `ops`). The plan itself passes the lock-out guard: afterwards `admin` holds `MANAGE`.
const FILE: &str = "\
protected: [adminGroup]
groups:
  - id: admins
    organization: [MANAGE]
    members: []
  - id: ops
    organization: [MANAGE]
    members: [admin]
  - id: team
    organization: []
";

fn env(faults: Faults) -> Env {
    env_of(SEED, faults)
}

fn env_of(seed: &str, faults: Faults) -> Env {
    Env::with_config(SandboxConfig {
        token: TOKEN.into(),
        seed: parse_seed("seed", seed).expect("seed"),
        faults,
        ..SandboxConfig::default()
    })
}

/// Whether the token's user holds organization MANAGE, as the sandbox's profile says.
fn holds_manage(env: &Env) -> bool {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let profile: serde_json::Value = reqwest::Client::new()
            .get(format!("{}/api/v1/profile", env.sandbox.url()))
            .bearer_auth(TOKEN)
            .send()
            .await
            .expect("profile")
            .json()
            .await
            .expect("json");
        profile["permissions"]
            .as_array()
            .is_some_and(|p| p.iter().any(|p| p == "MANAGE"))
    })
}

/// One request at a time, in the order the step graph allows: what gives `MANAGE` goes first,
/// so no write meets a 403 and the apply completes.
#[test]
fn the_writes_that_take_manage_away_wait_for_those_that_give_it() {
    let env = env(Faults::default());
    env.write("groups.yaml", FILE);
    let gate = Proxy::manage_gate(&env.sandbox.url());
    let run = env
        .run_with(
            &["apply", "--auto-approve", "--parallelism", "1"],
            &[("GDGROUPS_HOST", gate.url())],
        )
        .expect(0);
    let writes = gate.writes();
    assert!(
        writes.iter().all(|w| !w.ends_with("403")),
        "{writes:#?}\n{}",
        run.stderr
    );
    let at = |part: &str| {
        writes
            .iter()
            .position(|w| w.contains(part))
            .unwrap_or_else(|| panic!("no {part}: {writes:#?}"))
    };
    let gives = at("/ops/addMembers").max(at("managePermissions"));
    for takes in [
        "/admins/removeMembers",
        "DELETE /api/v1/entities/userGroups/old",
    ] {
        assert!(gives < at(takes), "{takes} before a grant: {writes:#?}");
    }
    // The revocation on `team` is the last organization request.
    let organization: Vec<&String> = writes
        .iter()
        .filter(|w| w.contains("managePermissions"))
        .collect();
    assert_eq!(organization.len(), 2, "{writes:#?}");
    assert!(
        at("/ops/addMembers")
            < writes
                .iter()
                .rposition(|w| w.contains("managePermissions"))
                .expect("revoke"),
        "{writes:#?}"
    );
    assert_eq!(
        env.sandbox.user_groups("admin").expect("admin"),
        ["ops", "team"]
    );
    assert!(holds_manage(&env), "admin administers through ops");
}

/// The token's user administers through `admins` alone and moves to `ops`: had the removal
/// gone first, every write after it would meet 403.
#[test]
fn the_token_users_only_admin_group_is_left_after_the_new_one_is_joined() {
    let env = env_of(
        "\
groups:
  - id: adminGroup
  - id: admins
    organization: [MANAGE]
  - id: ops
users:
  - {id: admin, groups: [admins]}
  - {id: bob, groups: [adminGroup]}
",
        Faults::default(),
    );
    env.write(
        "groups.yaml",
        "\
protected: [adminGroup]
groups:
  - id: admins
    organization: [MANAGE]
    members: []
  - id: ops
    organization: [MANAGE]
    members: [admin]
",
    );
    let gate = Proxy::manage_gate(&env.sandbox.url());
    let run = env
        .run_with(
            &["apply", "--auto-approve", "--parallelism", "1"],
            &[("GDGROUPS_HOST", gate.url())],
        )
        .expect(0);
    let writes = gate.writes();
    assert!(
        writes.iter().all(|w| !w.ends_with("403")),
        "{writes:#?}\n{}",
        run.stderr
    );
    assert!(
        writes
            .last()
            .is_some_and(|w| w.contains("/admins/removeMembers")),
        "{writes:#?}"
    );
    assert_eq!(env.sandbox.user_groups("admin").expect("admin"), ["ops"]);
    assert!(holds_manage(&env));
}

/// When what gives `MANAGE` fails, what takes it away is skipped, not carried out: the token's
/// user keeps administering, and the report says why.
#[test]
fn a_failed_grant_skips_every_write_that_takes_manage_away() {
    let env = env(Faults {
        refuse_writes: vec!["ops".into()],
        ..Faults::default()
    });
    env.write("groups.yaml", FILE);
    let gate = Proxy::manage_gate(&env.sandbox.url());
    let run = env
        .run_with(
            &["apply", "--auto-approve", "--report", "report.json"],
            &[("GDGROUPS_HOST", gate.url())],
        )
        .expect(3);
    let writes = gate.writes();
    assert!(
        writes.iter().all(|w| !w.ends_with("403")),
        "{writes:#?}\n{}",
        run.stderr
    );
    for taken in [
        "/admins/removeMembers",
        "DELETE /api/v1/entities/userGroups/old",
    ] {
        assert!(
            !writes.iter().any(|w| w.contains(taken)),
            "{taken} was sent although the grant failed: {writes:#?}"
        );
    }
    assert_eq!(
        env.sandbox.user_groups("admin").expect("admin"),
        ["admins", "old", "team"]
    );
    assert!(holds_manage(&env));
    let report: serde_json::Value =
        serde_json::from_str(&fs_err::read_to_string(env.path("report.json")).expect("report"))
            .expect("json");
    let skipped: Vec<&str> = report["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter(|c| c["status"] == "skipped")
        .map(|c| c["action"].as_str().expect("action"))
        .collect();
    for action in ["removeMembers", "delete", "organizationPermissions"] {
        assert!(
            skipped.contains(&action),
            "{action} not skipped: {report:#}"
        );
    }
}
