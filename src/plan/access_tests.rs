//! Plans of members and permissions (spec §11): the model, the checks against the live
//! organization, the fingerprint, the lock-out guard and the removal thresholds.

use std::collections::{BTreeMap, BTreeSet};

use super::document::{PlanDocument, moved_since};
use super::safety::{self, Thresholds};
use super::{Action, Plan, PlanOptions, compute};
use crate::access::{
    DataSourcePermission as D, Facet, Facets, OrganizationPermission as O,
    WorkspacePermission as W, WorkspacePermissions,
};
use crate::desired::{Desired, LoadOptions, Safety};
use crate::group::Group;
use crate::live::{Live, LiveAccess, TokenUser, Unrecognized};

fn desired(yaml: &str) -> Desired {
    crate::desired::parse("groups.yaml", yaml, LoadOptions::default()).expect("valid file")
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_string()).collect()
}

/// An organization with users, workspaces and data sources, every facet read.
fn live(groups: &[Group]) -> Live {
    let mut live = Live::new(groups.iter().cloned());
    live.access = LiveAccess {
        facets: Facets::ALL,
        users: set(&["zoe", "amy", "carol", "dave", "admin"]),
        workspaces: set(&["sales", "finance"]),
        data_sources: set(&["warehouse"]),
        ..LiveAccess::default()
    };
    live
}

fn plan(desired: &Desired, live: &Live) -> Plan {
    compute(
        desired,
        live,
        &PlanOptions {
            host: "https://acme.example.com".into(),
            ..PlanOptions::default()
        },
    )
    .expect("valid plan")
}

#[test]
fn a_membership_difference_alone_is_an_update_without_a_group_write() {
    let d = desired(
        "protected: [adminGroup]\ngroups:\n  - id: sales\n    name: Sales\n    members: [zoe, carol]\n",
    );
    let mut l = live(&[
        Group::new("adminGroup"),
        Group::new("sales").with_name("Sales"),
    ]);
    l.access
        .members
        .insert("sales".into(), set(&["carol", "amy"]));
    let p = plan(&d, &l);
    assert_eq!(p.changes.len(), 1);
    let change = &p.changes[0];
    assert_eq!(change.action, Action::Update);
    assert!(
        !change.group_changed(),
        "name and parents are equal: no PUT"
    );
    let members = change
        .access
        .as_ref()
        .and_then(|a| a.members.as_ref())
        .expect("members change");
    assert_eq!(members.before, set(&["amy", "carol"]));
    assert_eq!(members.after, set(&["carol", "zoe"]));
    assert_eq!(
        members.added(),
        ["zoe"],
        "zoe sorts after amy: order is not the test's"
    );
    assert_eq!(members.removed(), ["amy"]);
    let s = p.summary;
    assert_eq!((s.update, s.members_added, s.members_removed), (1, 1, 1));
    assert_eq!(s.unchanged, 0);
    assert!(s.has_changes());

    // Equal members: unchanged, no change at all.
    l.access
        .members
        .insert("sales".into(), set(&["zoe", "carol"]));
    let p = plan(&d, &l);
    assert!(p.changes.is_empty(), "{:?}", p.changes);
    assert_eq!(p.summary.unchanged, 1);
    assert!(!p.summary.has_changes());
}

#[test]
fn a_name_change_with_members_writes_the_group_too() {
    let d = desired("groups:\n  - id: sales\n    name: Sales\n    members: [zoe]\n");
    let l = live(&[Group::new("sales").with_name("Old")]);
    let p = plan(&d, &l);
    let change = &p.changes[0];
    assert!(change.group_changed());
    assert_eq!(
        change
            .access
            .as_ref()
            .and_then(|a| a.members.as_ref())
            .map(super::Delta::added),
        Some(vec!["zoe".to_string()])
    );
}

#[test]
fn a_create_carries_its_facets_and_a_delete_none() {
    let d = desired(
        "groups:\n  - id: new\n    members: [zoe]\n    workspaces:\n      sales: {permissions: [VIEW], hierarchy: [VIEW]}\n    data_sources: {warehouse: [USE]}\n    organization: []\n",
    );
    let mut l = live(&[Group::new("old")]);
    l.access.members.insert("old".into(), set(&["amy"]));
    let p = plan(&d, &l);
    let create = p
        .changes
        .iter()
        .find(|c| c.action == Action::Create)
        .expect("create");
    let access = create.access.as_ref().expect("facets");
    assert!(access.members.as_ref().is_some_and(|m| m.before.is_empty()));
    let ws = access.workspaces.as_ref().expect("workspaces");
    assert!(ws.before.is_empty());
    assert_eq!(ws.entries().len(), 1);
    assert!(access.data_sources.is_some());
    assert!(
        access.organization.is_none(),
        "empty before, empty after: nothing"
    );
    let delete = p
        .changes
        .iter()
        .find(|c| c.action == Action::Delete)
        .expect("delete");
    assert!(delete.access.is_none(), "the delete drops them");
    // zoe; VIEW and VIEW (hierarchy) on sales; USE on warehouse.
    assert_eq!(
        (p.summary.members_added, p.summary.permissions_granted),
        (1, 3)
    );
}

#[test]
fn a_file_without_facets_plans_byte_for_byte_as_before() {
    let d = desired("groups:\n  - id: b\n    parents: [a]\n  - id: a\n");
    let mut l = live(&[Group::new("a"), Group::new("legacy")]);
    // Whatever was read, an unmanaged facet is not in the plan nor in its fingerprint.
    l.access.members.insert("a".into(), set(&["zoe"]));
    let p = plan(&d, &l);
    let json = PlanDocument::new(p.clone()).to_json();
    for key in [
        "\"access\"",
        "\"managed\": {",
        "members_added",
        "permissions_granted",
    ] {
        assert!(!json.contains(key), "{key} in\n{json}");
    }
    assert_eq!(p.source.live_fingerprint, l.fingerprint(|_| true));
    assert_eq!(p.source.live_groups, l.digests(|_| true));
}

#[test]
fn unknown_users_workspaces_and_data_sources_are_located_errors_with_the_closest_id() {
    let text = "groups:\n  - id: sales\n    members: [zoe, carl]\n    workspaces: {finanse: [VIEW]}\n    data_sources: {lake: [USE]}\n";
    let d = desired(text);
    let err = compute(&d, &live(&[]), &PlanOptions::default()).expect_err("unknown ids");
    let got: Vec<(String, usize, usize, String)> = err
        .items
        .iter()
        .map(|i| {
            let span = i.span.expect("located");
            (
                i.message.clone(),
                span.line,
                span.col,
                i.hint.clone().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "unknown user `carl` in `members` of group `sales`: no such user in the organization".to_string(),
                3,
                20,
                "did you mean `carol`?".to_string()
            ),
            (
                "unknown workspace `finanse` in `workspaces` of group `sales`: no such workspace in the organization".to_string(),
                4,
                18,
                "did you mean `finance`?".to_string()
            ),
            (
                "unknown data source `lake` in `data_sources` of group `sales`: no such data source in the organization".to_string(),
                5,
                20,
                "gdgroups never creates a data source: create it first, or fix the id".to_string()
            ),
        ]
    );
}

#[test]
fn an_unrecognized_live_permission_stops_a_plan_that_rewrites_its_set_only() {
    let text =
        "groups:\n  - id: sales\n    workspaces:\n      sales: [VIEW]\n      finance: [VIEW]\n";
    let d = desired(text);
    let mut l = live(&[Group::new("sales")]);
    l.access.workspace_access.insert(
        "sales".into(),
        BTreeMap::from([
            ("sales".to_string(), WorkspacePermissions::only([W::View])),
            ("finance".to_string(), WorkspacePermissions::only([W::View])),
        ]),
    );
    l.access.unrecognized.push(Unrecognized {
        assignee: "sales".into(),
        facet: Facet::Workspaces,
        target: Some("finance".into()),
        name: "SHINY_NEW".into(),
    });
    // The set on finance stays: nothing is rewritten, the plan goes through.
    assert!(plan(&d, &l).changes.is_empty());

    let d = desired(
        "groups:\n  - id: sales\n    workspaces:\n      sales: [VIEW]\n      finance: [VIEW, EXPORT]\n",
    );
    let err = compute(&d, &l, &PlanOptions::default()).expect_err("refused");
    assert_eq!(err.items.len(), 1);
    let item = &err.items[0];
    assert!(
        item.message.contains("`SHINY_NEW` on workspaces `finance`")
            && item.message.contains("would drop it"),
        "{}",
        item.message
    );
    assert_eq!(item.span.map(|s| (s.line, s.col)), Some((5, 7)));
}

#[test]
fn the_fingerprint_covers_the_managed_facets_of_managed_groups_only() {
    let d = desired(
        "protected: [adminGroup]\ngroups:\n  - id: sales\n    members: [zoe]\n    organization: [MANAGE]\n  - id: other\n",
    );
    let mut l = live(&[
        Group::new("adminGroup"),
        Group::new("sales"),
        Group::new("other"),
    ]);
    l.access.members.insert("sales".into(), set(&["zoe"]));
    l.access
        .organization
        .insert("sales".into(), BTreeSet::from([O::Manage]));
    let p = plan(&d, &l);
    assert!(p.changes.is_empty());
    assert_eq!(
        p.source.managed,
        BTreeMap::from([(
            "sales".to_string(),
            vec!["members".to_string(), "organization".to_string()]
        )])
    );
    assert_eq!(moved_since(&p, &l), None);

    // A member of a group whose members the file does not manage: not stale.
    let mut elsewhere = l.clone();
    elsewhere
        .access
        .members
        .insert("other".into(), set(&["amy"]));
    assert_eq!(moved_since(&p, &elsewhere), None);

    // A member added to `sales` behind the plan's back: stale, and it says which group.
    let mut moved = l.clone();
    moved
        .access
        .members
        .insert("sales".into(), set(&["zoe", "amy"]));
    assert_eq!(
        moved_since(&p, &moved).map(|m| m.describe()),
        Some("changed: sales".to_string())
    );
    let mut revoked = l.clone();
    revoked.access.organization.remove("sales");
    assert_eq!(
        moved_since(&p, &revoked).map(|m| m.describe()),
        Some("changed: sales".to_string())
    );
}

#[test]
fn protected_groups_keep_their_facets_with_a_note() {
    let d = desired(
        "protected: [keep]\ngroups:\n  - id: keep\n    members: [zoe]\n    organization: [MANAGE]\n",
    );
    let mut l = live(&[Group::new("keep"), Group::new("adminGroup")]);
    l.access.members.insert("keep".into(), set(&["amy"]));
    let p = plan(&d, &l);
    assert!(p.changes.is_empty(), "{:?}", p.changes);
    assert!(
        p.source.managed.is_empty(),
        "not managed, not fingerprinted"
    );
    assert_eq!(p.notes.len(), 1);
    assert!(
        p.notes[0]
            .text
            .starts_with("protected: its members, organization are declared but never applied"),
        "{}",
        p.notes[0].text
    );
}

#[test]
fn revocations_and_hierarchy_changes_are_counted_per_name_and_target() {
    let d = desired(
        "groups:\n  - id: g\n    workspaces:\n      sales: {permissions: [VIEW], hierarchy: [VIEW]}\n    data_sources: {}\n    organization: [SELF_CREATE_TOKEN]\n",
    );
    let mut l = live(&[Group::new("g")]);
    l.access.workspace_access.insert(
        "g".into(),
        BTreeMap::from([
            (
                "sales".to_string(),
                WorkspacePermissions::only([W::View, W::Export]),
            ),
            (
                "finance".to_string(),
                WorkspacePermissions::only([W::Analyze]),
            ),
        ]),
    );
    l.access.data_source_access.insert(
        "g".into(),
        BTreeMap::from([("warehouse".to_string(), BTreeSet::from([D::Use, D::Manage]))]),
    );
    l.access
        .organization
        .insert("g".into(), BTreeSet::from([O::Manage]));
    l.access
        .organization
        .insert("admins".into(), BTreeSet::from([O::Manage]));
    let p = plan(&d, &l);
    let access = p.changes[0].access.as_ref().expect("access");
    let ws = access.workspaces.as_ref().expect("workspaces");
    let entries: Vec<(&str, bool)> = ws
        .entries()
        .iter()
        .map(|(id, _, after)| (*id, after.is_none()))
        .collect();
    assert_eq!(
        entries,
        [("finance", true), ("sales", false)],
        "finance: no access left"
    );
    // granted: VIEW (hierarchy) on sales, SELF_CREATE_TOKEN; revoked: EXPORT on sales,
    // ANALYZE on finance, USE and MANAGE on warehouse, organization MANAGE.
    assert_eq!(
        (p.summary.permissions_granted, p.summary.permissions_revoked),
        (2, 5)
    );
}

fn guard_live() -> Live {
    // `admins` holds MANAGE; the token's user `admin` is in `team`, a child of `admins`.
    let mut l = live(&[
        Group::new("admins"),
        Group::new("team").with_parents(["admins"]),
        Group::new("zeta"),
        Group::new("adminGroup"),
    ]);
    l.access
        .organization
        .insert("admins".into(), BTreeSet::from([O::Manage]));
    l.access
        .members
        .insert("team".into(), set(&["admin", "zoe"]));
    l.access.token_user = Some(TokenUser {
        id: "admin".into(),
        groups: set(&["team"]),
    });
    l
}

fn guard(yaml: &str, l: &Live) -> Result<(), String> {
    let p = plan(&desired(yaml), l);
    safety::lock_out(&p, l)
}

const KEEP: &str = "protected: [adminGroup]\ngroups:\n  - id: admins\n  - id: team\n    parents: [admins]\n  - id: zeta\n";

#[test]
fn the_lock_out_guard_follows_memberships_parents_deletes_and_grants() {
    let l = guard_live();
    assert_eq!(
        guard(KEEP, &l),
        Ok(()),
        "MANAGE through the parent of `team`"
    );

    // Removed from `team`: it holds MANAGE through nothing.
    let removed = KEEP.replace(
        "    parents: [admins]\n",
        "    parents: [admins]\n    members: [zoe]\n",
    );
    let err = guard(&removed, &l).expect_err("locked out");
    assert!(
        err.contains("token's own user `admin`") && err.contains("through admins"),
        "{err}"
    );

    // Also added to `zeta`, which gains MANAGE in the same plan: fine.
    let moved = removed.replace(
        "  - id: zeta\n",
        "  - id: zeta\n    members: [admin]\n    organization: [MANAGE]\n",
    );
    assert_eq!(guard(&moved, &l), Ok(()));

    // `team` no longer a child of `admins`.
    let detached = KEEP.replace("    parents: [admins]\n", "");
    assert!(guard(&detached, &l).is_err());

    // MANAGE taken from `admins`, the only group that holds it.
    let revoked = KEEP.replace("  - id: admins\n", "  - id: admins\n    organization: []\n");
    let err = guard(&revoked, &l).expect_err("no managing group");
    assert!(
        err.contains("leaves no group with organization MANAGE (held now by admins)"),
        "{err}"
    );

    // `admins` deleted (a file of names and parents only, but the guard read what it needs).
    let deleted = "protected: [adminGroup]\ngroups:\n  - id: team\n  - id: zeta\n";
    assert!(guard(deleted, &l).is_err());

    // Holding MANAGE directly, the user survives losing its groups; with another group holding
    // MANAGE, so does the organization.
    let mut direct = l.clone();
    direct
        .access
        .user_organization
        .insert("admin".into(), BTreeSet::from([O::Manage]));
    direct
        .access
        .organization
        .insert("zeta".into(), BTreeSet::from([O::Manage]));
    assert_eq!(guard(&removed, &direct), Ok(()));
    assert_eq!(guard(&revoked, &direct), Ok(()));

    // Without the token's user read, there is nothing to check.
    let mut unread = l.clone();
    unread.access.token_user = None;
    assert_eq!(guard(&removed, &unread), Ok(()));
}

fn removal_plan(live_members: usize, keep: usize) -> (Plan, Live) {
    let users: Vec<String> = (0..live_members).map(|i| format!("u{i:02}")).collect();
    let kept: Vec<&str> = users.iter().take(keep).map(String::as_str).collect();
    let yaml = format!(
        "groups:\n  - id: big\n    members: [{}]\n  - id: adminGroup\n",
        kept.join(", ")
    );
    let mut l = live(&[Group::new("big"), Group::new("adminGroup")]);
    l.access.users.extend(users.iter().cloned());
    l.access
        .members
        .insert("big".into(), users.into_iter().collect());
    (plan(&desired(&yaml), &l), l)
}

#[test]
fn member_removal_thresholds_refuse_a_mass_removal_unless_approved() {
    let defaults = Thresholds::new(Safety::default(), None, None, &[]);
    // 3 of 10 is 30 %: allowed; 4 of 10 is refused.
    assert_eq!(safety::check(&removal_plan(10, 7).0, &defaults), Ok(()));
    let (p, _) = removal_plan(10, 6);
    let err = safety::check(&p, &defaults).expect_err("40 %");
    assert!(
        err.contains("big loses 4 of 10") && err.contains("--allow-removal big"),
        "{err}"
    );
    // A members: list emptied by a bad merge.
    assert!(safety::check(&removal_plan(10, 0).0, &defaults).is_err());
    // Small groups are not held to the percentage.
    assert_eq!(safety::check(&removal_plan(4, 0).0, &defaults), Ok(()));
    // Approval per group, and flags over the file.
    let approved = defaults.clone().with_removals(None, None, &["big".into()]);
    assert_eq!(safety::check(&p, &approved), Ok(()));
    let looser = defaults.clone().with_removals(None, Some(50.0), &[]);
    assert_eq!(safety::check(&p, &looser), Ok(()));
    let file = Safety {
        max_member_removals: Some(3),
        max_member_removal_percent: Some(100.0),
        ..Safety::default()
    };
    let capped = Thresholds::new(file, None, None, &[]);
    let err = safety::check(&p, &capped).expect_err("4 > 3");
    assert!(err.contains("--max-member-removals 4"), "{err}");
    assert_eq!(
        safety::check(&p, &capped.with_removals(Some(4), None, &[])),
        Ok(())
    );
}

mod dump_round_trip {
    //! `dump --members --permissions`, then plan: no changes, for any organization.

    use proptest::prelude::*;
    use proptest::sample::{Index, select};

    use super::*;
    use crate::access::Permission;

    /// Ids of the API's shape, some of which YAML would read as something else (`1e3`, `no`).
    fn id() -> impl Strategy<Value = String> {
        prop_oneof![
            "[A-Za-z0-9_-][.A-Za-z0-9_-]{0,6}",
            select(vec!["no", "null", "1e3", "0755", "true", "-x", "a.b"]).prop_map(String::from),
        ]
    }

    fn perms<P: Permission>() -> impl Strategy<Value = BTreeSet<P>> {
        proptest::collection::btree_set(select(P::ALL.to_vec()), 0..4)
    }

    type Spec = (
        Option<String>,
        Vec<Index>,
        Vec<Index>,
        Vec<(Index, BTreeSet<W>, BTreeSet<W>)>,
        Vec<(Index, BTreeSet<D>)>,
        BTreeSet<O>,
    );

    fn group_spec() -> impl Strategy<Value = Spec> {
        (
            proptest::option::of("[ -~]{0,12}"),
            proptest::collection::vec(any::<Index>(), 0..3),
            proptest::collection::vec(any::<Index>(), 0..5),
            proptest::collection::vec((any::<Index>(), perms::<W>(), perms::<W>()), 0..3),
            proptest::collection::vec((any::<Index>(), perms::<D>()), 0..2),
            perms::<O>(),
        )
    }

    fn organization() -> impl Strategy<Value = Live> {
        (
            proptest::collection::btree_set(id(), 1..8),
            proptest::collection::btree_set(id(), 1..4),
            proptest::collection::btree_set(id(), 1..3),
            proptest::collection::btree_map(id(), group_spec(), 1..7),
        )
            .prop_map(|(users, workspaces, data_sources, specs)| {
                let pick = |set: &BTreeSet<String>, i: &Index| -> String {
                    let all: Vec<&String> = set.iter().collect();
                    all[i.index(all.len())].clone()
                };
                let ids: Vec<String> = specs.keys().cloned().collect();
                let mut groups = Vec::new();
                let mut access = LiveAccess {
                    facets: Facets::ALL,
                    users: users.clone(),
                    workspaces: workspaces.clone(),
                    data_sources: data_sources.clone(),
                    ..LiveAccess::default()
                };
                for (n, (id, (name, parents, members, ws, ds, org))) in specs.iter().enumerate() {
                    // Parents among the groups before it: no cycle.
                    let parents: Vec<String> = if n == 0 {
                        Vec::new()
                    } else {
                        parents.iter().map(|i| ids[i.index(n)].clone()).collect()
                    };
                    let mut group = Group::new(id.clone()).with_parents(parents);
                    group.name.clone_from(name);
                    groups.push(group);
                    let members: BTreeSet<String> =
                        members.iter().map(|i| pick(&users, i)).collect();
                    if !members.is_empty() {
                        access.members.insert(id.clone(), members);
                    }
                    let ws: WorkspaceAccess = ws
                        .iter()
                        .map(|(i, p, h)| {
                            let value = WorkspacePermissions {
                                permissions: p.clone(),
                                hierarchy: h.clone(),
                            };
                            (pick(&workspaces, i), value)
                        })
                        .filter(|(_, v)| !v.is_empty())
                        .collect();
                    if !ws.is_empty() {
                        access.workspace_access.insert(id.clone(), ws);
                    }
                    let ds: DataSourceAccess = ds
                        .iter()
                        .map(|(i, p)| (pick(&data_sources, i), p.clone()))
                        .filter(|(_, p)| !p.is_empty())
                        .collect();
                    if !ds.is_empty() {
                        access.data_source_access.insert(id.clone(), ds);
                    }
                    if !org.is_empty() {
                        access.organization.insert(id.clone(), org.clone());
                    }
                }
                let mut live = Live::new(groups);
                live.bootstrap_group = Some("adminGroup".into());
                live.groups
                    .insert("adminGroup".into(), Group::new("adminGroup"));
                live.access = access;
                live
            })
    }

    use crate::access::{DataSourceAccess, WorkspaceAccess};

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

        #[test]
        fn dump_then_plan_is_no_changes(live in organization()) {
            let groups: Vec<Group> = live
                .groups
                .values()
                .filter(|g| Some(&g.id) != live.bootstrap_group.as_ref())
                .cloned()
                .collect();
            let text = crate::desired::dump::to_yaml_with_access(
                &groups,
                |id: &str| live.access.group_access(id),
                Facets::ALL,
                live.bootstrap_group.as_slice(),
                "dumped",
            );
            let desired = crate::desired::parse("groups.yaml", &text, LoadOptions::default())
                .map_err(|e| TestCaseError::fail(format!("{e:?}\n{text}")))?;
            prop_assert_eq!(desired.managed_facets(), Facets::ALL);
            let plan = compute(&desired, &live, &PlanOptions::default())
                .map_err(|e| TestCaseError::fail(format!("{e:?}\n{text}")))?;
            prop_assert!(plan.changes.is_empty(), "{:?}\n{}", plan.changes, text);
            prop_assert!(!plan.summary.has_changes());
            prop_assert_eq!(plan.summary.unchanged, groups.len());
        }
    }
}

#[test]
fn the_saved_plan_holds_before_and_after_of_each_changed_facet() {
    let d = desired(
        "groups:\n  - id: sales\n    members: [zoe]\n    workspaces: {finance: {permissions: [VIEW], hierarchy: [VIEW]}}\n",
    );
    let mut l = live(&[Group::new("sales"), Group::new("adminGroup")]);
    l.access.members.insert("sales".into(), set(&["amy"]));
    let doc = PlanDocument::new(plan(&d, &l));
    let json: serde_json::Value = serde_json::from_str(&doc.to_json()).expect("json");
    assert_eq!(
        json["operations"][0]["access"],
        serde_json::json!({
            "members": {"before": ["amy"], "after": ["zoe"]},
            "workspaces": {
                "before": {},
                "after": {"finance": {"permissions": ["VIEW"], "hierarchy": ["VIEW"]}}
            }
        })
    );
    assert_eq!(json["summary"]["members_added"], 1);
    assert_eq!(json["summary"]["permissions_granted"], 2);
    assert_eq!(
        json["source"]["managed"],
        serde_json::json!({"sales": ["members", "workspaces"]})
    );
    let back = PlanDocument::from_json("plan.json", &doc.to_json()).expect("reads back");
    assert_eq!(back, doc);
}

#[test]
fn incremental_and_csv_files_manage_the_members_of_the_groups_they_list() {
    let mut l = live(&[Group::new("listed"), Group::new("other")]);
    l.access.members.insert("listed".into(), set(&["amy"]));
    l.access.members.insert("other".into(), set(&["amy"]));
    let d = crate::desired::parse(
        "groups.yaml",
        "mode: incremental\ngroups:\n  - id: listed\n    members: [zoe]\n",
        LoadOptions::default(),
    )
    .expect("valid");
    let p = plan(&d, &l);
    let ids: Vec<&str> = p.changes.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["listed"], "`other` is not listed: left alone");
    let csv = crate::desired::parse(
        "groups.csv",
        "id,members\nlisted,zoe\nother,amy|zoe\n",
        LoadOptions::default(),
    )
    .expect("valid csv");
    let p = plan(&csv, &l);
    assert_eq!((p.summary.members_added, p.summary.members_removed), (2, 1));
}

#[test]
fn grants_batch_groups_that_need_the_same_sets_and_revoke_what_is_left_without_access() {
    // Three groups get VIEW on sales (two had nothing there, one had EXPORT): one assign. `beta`
    // also loses finance: a revoke of what it has there.
    let d = desired(
        "groups:\n  - id: zeta\n    workspaces: {sales: [VIEW]}\n  - id: alpha\n    workspaces: {sales: [VIEW]}\n  - id: beta\n    workspaces: {sales: [VIEW]}\n  - id: new\n    workspaces: {sales: [VIEW]}\n    data_sources: {warehouse: [USE]}\n",
    );
    let mut l = live(&[Group::new("zeta"), Group::new("alpha"), Group::new("beta")]);
    l.access.workspace_access.insert(
        "beta".into(),
        BTreeMap::from([
            ("sales".to_string(), WorkspacePermissions::only([W::Export])),
            (
                "finance".to_string(),
                WorkspacePermissions::only([W::Analyze]),
            ),
        ]),
    );
    let p = plan(&d, &l);
    let (assign, revoke) = super::grants(&p);
    let view = BTreeMap::from([("sales".to_string(), WorkspacePermissions::only([W::View]))]);
    let summary: Vec<(Vec<&str>, usize, usize)> = assign
        .iter()
        .map(|g| {
            (
                g.groups.iter().map(String::as_str).collect(),
                g.workspaces.len(),
                g.data_sources.len(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [(vec!["alpha", "beta", "zeta"], 1, 0), (vec!["new"], 1, 1)],
        "{assign:?}"
    );
    assert_eq!(
        assign[0].workspaces, view,
        "the whole new set, not the difference"
    );
    assert_eq!(revoke.len(), 1);
    assert_eq!(revoke[0].groups, set(&["beta"]));
    assert_eq!(
        revoke[0].workspaces,
        BTreeMap::from([(
            "finance".to_string(),
            WorkspacePermissions::only([W::Analyze])
        )])
    );
}
