//! Members and permissions against the sandbox (spec §11): what a plan reads (a file without the
//! new keys reads what it always did; a plan that changes nothing reads only list pages), how it
//! shows the changes, the saved plan's stale check, unknown ids, the lock-out guard, and the
//! dump → plan round trip.

use gdgroups::group::Group;

use crate::common::Env;

const LIST: &str = "/api/v1/entities/userGroups";

fn groups() -> Vec<Group> {
    vec![
        Group::new("zeta").with_name("Zeta"),
        Group::new("alpha").with_parents(["zeta"]),
    ]
}

#[test]
fn a_plan_that_changes_nothing_reads_only_the_list_pages() {
    let env = Env::new(&groups());
    env.write(
        "groups.yaml",
        "protected: [adminGroup]\ngroups:\n  - id: zeta\n    name: Zeta\n  - id: alpha\n    parents: [zeta]\n",
    );
    env.sandbox.reset_stats();
    let plan = env.run(&["plan"]).expect(0);
    assert!(plan.stdout.contains("No changes."), "{}", plan.stdout);
    let stats = env.sandbox.stats();
    assert_eq!(stats.count("GET", LIST), 1, "{stats:?}");
    assert_eq!(
        stats.total(),
        1,
        "no organization, no member counts: {stats:?}"
    );

    // Without `protected: [adminGroup]` the plan would delete the live `adminGroup` unless it is
    // the bootstrap group: the organization is read to know, the member counts are not.
    env.write(
        "groups.yaml",
        "groups:\n  - id: zeta\n    name: Zeta\n  - id: alpha\n    parents: [zeta]\n",
    );
    env.sandbox.reset_stats();
    let plan = env.run(&["plan"]).expect(0);
    assert!(plan.stdout.contains("No changes."), "{}", plan.stdout);
    let stats = env.sandbox.stats();
    assert_eq!(stats.count("GET", LIST), 1, "{stats:?}");
    assert_eq!(
        stats.count("GET", "/api/v1/actions/userManagement/userGroups"),
        0,
        "{stats:?}"
    );
    assert!(stats.total() <= 3, "listing + organization: {stats:?}");
}

#[test]
fn a_plan_that_creates_only_reads_no_organization_and_one_that_deletes_reads_what_it_costs() {
    let env = Env::new(&groups());
    env.write(
        "groups.yaml",
        "protected: [adminGroup]\ngroups:\n  - id: zeta\n    name: Zeta\n  - id: alpha\n    parents: [zeta]\n  - id: beta\n",
    );
    env.sandbox.reset_stats();
    let plan = env.run(&["plan"]).expect(0);
    assert!(plan.stdout.contains("+ beta"), "{}", plan.stdout);
    assert_eq!(env.sandbox.stats().total(), 1, "{:?}", env.sandbox.stats());

    // A delete: the bootstrap group must be known, and the delete's impact is shown.
    env.write(
        "groups.yaml",
        "protected: [adminGroup]\ngroups:\n  - id: zeta\n    name: Zeta\n",
    );
    env.sandbox.reset_stats();
    let plan = env.run(&["plan"]).expect(0);
    assert!(plan.stdout.contains("- alpha"), "{}", plan.stdout);
    assert!(plan.stdout.contains("no members"), "{}", plan.stdout);
    let stats = env.sandbox.stats();
    assert_eq!(
        stats.count("GET", "/api/v1/actions/userManagement/userGroups"),
        1,
        "{stats:?}"
    );
    assert!(
        stats
            .requests
            .keys()
            .any(|k| k.starts_with("GET /api/v1/entities/organization")),
        "{stats:?}"
    );
}

/// A plan that deletes and manages permissions needs the user-management listing twice, for the
/// deletes' member counts and for the groups' direct permissions: it reads it once.
#[test]
fn the_user_management_listing_is_read_once_for_permissions_and_member_counts() {
    let env = Env::new(&groups());
    env.sandbox.set_members("alpha", ["admin"]);
    env.write(
        "groups.yaml",
        "protected: [adminGroup]\ngroups:\n  - id: zeta\n    name: Zeta\n    workspaces: {}\n",
    );
    env.sandbox.reset_stats();
    let plan = env.run(&["plan"]).expect(0);
    let line = plan
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("- alpha"))
        .unwrap_or_else(|| panic!("no delete line:\n{}", plan.stdout));
    assert!(line.contains("1 member loses this group"), "{line}");
    let stats = env.sandbox.stats();
    assert_eq!(
        stats.count("GET", "/api/v1/actions/userManagement/userGroups"),
        1,
        "one page, read once: {stats:?}"
    );
}

/// Every listing of a plan that manages every key, read through a server that serves five
/// entries a page, so each listing has many pages to fetch at once: however many listings run
/// side by side, at most `READS_PER_WRITE` × parallelism reads are in flight (measured by a proxy
/// in front of the sandbox).
#[test]
fn a_plan_keeps_one_read_budget_across_all_its_listings() {
    use std::fmt::Write as _;

    use gdgroups::gooddata::{DEFAULT_PARALLELISM, READS_PER_WRITE};
    use gdgroups_sandbox::{Faults, SandboxConfig, parse_seed};
    let mut seed = String::from("groups:\n");
    for i in 0..60 {
        let _ = writeln!(
            seed,
            "  - id: g{i:02}\n    workspaces: {{w{i:02}: [VIEW]}}\n    data_sources: {{d{i:02}: [USE]}}"
        );
    }
    seed.push_str("users:\n");
    for i in 0..60 {
        let _ = writeln!(seed, "  - {{id: u{i:02}, groups: [g{i:02}]}}");
    }
    let env = Env::with_config(SandboxConfig {
        token: crate::common::TOKEN.into(),
        seed: parse_seed("seed", &seed).expect("seed"),
        max_page_size: Some(5),
        faults: Faults {
            latency_ms: 20,
            ..Faults::default()
        },
        ..SandboxConfig::default()
    });
    env.run(&["dump", "--members", "--permissions", "-o", "groups.yaml"])
        .expect(0);
    let proxy = crate::common::Proxy::spawn(&env.sandbox.url(), Box::new(|_, _| None));
    let host = [("GDGROUPS_HOST", proxy.url())];
    env.sandbox.reset_stats();
    let run = env
        .run_with(&["apply", "--parallelism", "2", "--auto-approve"], &host)
        .expect(0);
    assert!(
        format!("{}{}", run.stdout, run.stderr).contains("No changes"),
        "{run:?}"
    );
    let pages = env.sandbox.stats().count("GET", "/api/v1/entities/users");
    assert!(pages >= 12, "the users listing alone has 12 pages: {pages}");
    let budget = READS_PER_WRITE * 2;
    assert!(
        proxy.peak() <= budget,
        "{READS_PER_WRITE} × --parallelism 2 reads at most, over all listings: {} at once",
        proxy.peak()
    );
    assert!(proxy.peak() >= 2, "reads still go side by side");

    // `plan` reads with the default parallelism.
    let budget = READS_PER_WRITE * usize::from(DEFAULT_PARALLELISM);
    let proxy = crate::common::Proxy::spawn(&env.sandbox.url(), Box::new(|_, _| None));
    let plan = env
        .run_with(&["plan"], &[("GDGROUPS_HOST", proxy.url())])
        .expect(0);
    assert!(plan.stdout.contains("No changes"), "{}", plan.stdout);
    assert!(
        proxy.peak() <= budget,
        "{READS_PER_WRITE} × {DEFAULT_PARALLELISM} reads at most, over all listings: {} at once",
        proxy.peak()
    );
}

#[test]
fn a_file_without_the_new_keys_sends_no_member_or_permission_request() {
    let env = Env::new(&groups());
    // (A plan that deletes reads what the lock-out guard needs: see below.)
    env.write(
        "groups.yaml",
        "protected: [adminGroup]\ngroups:\n  - id: zeta\n    name: Renamed\n  - id: alpha\n    parents: [zeta]\n",
    );
    env.sandbox.reset_stats();
    env.run(&["plan", "--out", "plan.json"]).expect(0);
    env.run(&["apply", "plan.json"]).expect(0);
    let stats = env.sandbox.stats();
    for route in [
        "/api/v1/entities/users",
        "/api/v1/entities/workspaces",
        "/api/v1/entities/dataSources",
        "/api/v1/layout/organization/permissions",
        "/api/v1/profile",
    ] {
        assert_eq!(stats.count("GET", route), 0, "{route}: {stats:?}");
    }
    let saved = fs_err::read_to_string(env.path("plan.json")).expect("plan");
    assert!(!saved.contains("\"access\""), "{saved}");
}

// ---- Members and permissions against the sandbox's §11 endpoints ----

/// An organization with users, workspaces and a data source; `admins` holds organization MANAGE
/// and the token's user `admin` is in it.
const SEED: &str = "groups:
  - id: admins
    members: [admin]
    organization: [MANAGE]
  - id: sales
    name: Sales
    members: [amy, dave]
    workspaces: {finance: [ANALYZE], sales: [VIEW]}
users:
  - {id: admin}
  - {id: amy}
  - {id: carol}
  - {id: dave}
workspaces:
  - {id: sales}
  - {id: finance}
data_sources:
  - {id: warehouse}
";

const FILE: &str = "protected: [adminGroup]
groups:
  - id: admins
    members: [admin]
    organization: [MANAGE]
  - id: sales
    name: Sales
    members: [amy, carol]
    workspaces: {sales: [VIEW, EXPORT]}
";

fn organization() -> Env {
    let seed = gdgroups_sandbox::parse_seed("seed.yaml", SEED).expect("seed");
    Env::with_config(gdgroups_sandbox::SandboxConfig {
        token: crate::common::TOKEN.into(),
        seed,
        ..gdgroups_sandbox::SandboxConfig::default()
    })
}

#[test]
fn members_and_permissions_are_planned_under_their_group_from_listings_only() {
    let env = organization();
    env.write("groups.yaml", FILE);
    env.sandbox.reset_stats();
    let plan = env.run(&["plan", "--out", "plan.json"]).expect(0);
    for line in [
        "  ~ sales                  update\n",
        "        members       + carol  - dave\n",
        "        workspaces    finance - ANALYZE (no access left)   sales + EXPORT\n",
        "1 member added, 1 removed; 1 permission granted, 1 revoked",
    ] {
        assert!(plan.stdout.contains(line), "{line:?} in\n{}", plan.stdout);
    }
    let stats = env.sandbox.stats();
    let per_group: u64 = stats
        .requests
        .iter()
        .filter(|(route, _)| route.contains("userGroups/{id}") || route.contains("users/{id}"))
        .map(|(_, n)| n)
        .sum();
    assert_eq!(per_group, 0, "no request per group: {stats:?}");
    let saved: serde_json::Value =
        serde_json::from_str(&fs_err::read_to_string(env.path("plan.json")).expect("plan"))
            .expect("json");
    let sales = saved["operations"]
        .as_array()
        .and_then(|ops| ops.iter().find(|op| op["id"] == "sales"))
        .expect("sales");
    assert_eq!(
        sales["access"]["members"],
        serde_json::json!({"before": ["amy", "dave"], "after": ["amy", "carol"]})
    );

    // A member added behind the plan's back: the saved plan is stale, naming the group.
    env.sandbox.set_members("sales", ["amy", "dave", "zoe-new"]);
    let apply = env.run(&["apply", "plan.json"]).expect(4);
    assert!(
        apply.stderr.contains("stale") && apply.stderr.contains("changed: sales"),
        "{}",
        apply.stderr
    );
}

#[test]
fn an_unknown_user_is_a_located_error_with_the_closest_id() {
    let env = organization();
    env.write("groups.yaml", &FILE.replace("[amy, carol]", "[amy, carl]"));
    let plan = env.run(&["plan"]).expect(1);
    assert!(
        plan.stderr
            .contains("unknown user `carl` in `members` of group `sales`")
            && plan.stderr.contains("groups.yaml:8:20")
            && plan.stderr.contains("did you mean `carol`?"),
        "{}",
        plan.stderr
    );
}

#[test]
fn the_lock_out_guard_refuses_to_take_the_token_users_manage_away() {
    let env = organization();
    env.write(
        "groups.yaml",
        &FILE.replace("    members: [admin]\n", "    members: []\n"),
    );
    let plan = env.run(&["plan"]).expect(4);
    assert!(
        plan.stderr
            .contains("locks the token's own user `admin` out"),
        "{}",
        plan.stderr
    );
}

#[test]
fn dump_with_members_and_permissions_then_plan_is_no_changes() {
    let env = organization();
    env.run(&["dump", "--members", "--permissions", "-o", "groups.yaml"])
        .expect(0);
    let dumped = fs_err::read_to_string(env.path("groups.yaml")).expect("dump");
    assert!(dumped.contains("    members: [amy, dave]\n"), "{dumped}");
    assert!(dumped.contains("      finance: [ANALYZE]\n"), "{dumped}");
    let plan = env.run(&["plan"]).expect(0);
    assert!(
        plan.stdout.contains("No changes."),
        "{}\n{dumped}",
        plan.stdout
    );
}

/// A file of names and parents only reads nothing about members or permissions, yet deleting a
/// group can take organization `MANAGE` from the token's user: a plan that deletes reads what
/// the lock-out guard needs (the profile, its groups, organization permissions) and is refused
/// when the delete would lock it out; a plan that deletes nothing reads none of it.
#[test]
fn a_names_only_file_that_deletes_the_token_users_admin_group_is_refused() {
    use gdgroups_sandbox::{SandboxConfig, parse_seed};
    let env = Env::with_config(SandboxConfig {
        token: crate::common::TOKEN.into(),
        seed: parse_seed(
            "seed",
            "\
groups:
  - id: adminGroup
  - id: admins
    organization: [MANAGE]
  - id: legacy
  - id: keep
users:
  - {id: admin, groups: [admins]}
  - {id: bob, groups: [adminGroup]}
",
        )
        .expect("seed"),
        ..SandboxConfig::default()
    });
    env.write(
        "groups.yaml",
        "protected: [adminGroup]\ngroups:\n  - id: keep\n  - id: legacy\n",
    );
    let refused = env.run(&["plan"]).expect(4);
    assert!(
        refused
            .stderr
            .contains("locks the token's own user `admin` out"),
        "{}",
        refused.stderr
    );
    let refused = env.run(&["apply", "--auto-approve"]).expect(4);
    assert!(refused.stderr.contains("lock"), "{}", refused.stderr);
    assert!(env.groups().iter().any(|g| g.id == "admins"));

    // Deleting a group the token's user does not administer through is fine.
    env.write(
        "groups.yaml",
        "protected: [adminGroup]\ngroups:\n  - id: keep\n  - id: admins\n",
    );
    env.run(&["plan", "--out", "plan.json"]).expect(0);
    env.run(&["apply", "plan.json"]).expect(0);
    assert!(!env.groups().iter().any(|g| g.id == "legacy"));

    // A plan that deletes nothing reads nothing of the guard's.
    env.write(
        "groups.yaml",
        "protected: [adminGroup]\ngroups:\n  - id: keep\n    name: Keep\n  - id: admins\n",
    );
    env.sandbox.reset_stats();
    env.run(&["plan"]).expect(0);
    let stats = env.sandbox.stats();
    for route in ["/api/v1/profile", "/api/v1/layout/organization/permissions"] {
        assert_eq!(stats.count("GET", route), 0, "{route}: {stats:?}");
    }
}
