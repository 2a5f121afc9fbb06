//! Members and permissions against the sandbox (spec §11): what a plan reads. A file without
//! the new keys reads what it always did; a plan that changes nothing reads only list pages.

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

#[test]
fn a_file_without_the_new_keys_sends_no_member_or_permission_request() {
    let env = Env::new(&groups());
    env.write("groups.yaml", "groups:\n  - id: zeta\n    name: Renamed\n");
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
