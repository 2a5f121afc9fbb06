//! The executor against an in-memory server with the API's rules.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::time::Duration;

use proptest::prelude::*;

use super::*;
use crate::gooddata::ApiError;
use crate::group::Group;
use crate::live::Live;
use crate::plan::Action;
use crate::plan::{PlanOptions, compute};

/// An in-memory server with the API's rules: parents must exist, no cycles, ids unique.
/// Every call takes a seeded random time (virtual: the runtime's clock is paused), so calls
/// finish in an order that only the executor's dependencies constrain, not in index order.
struct Fake {
    groups: Mutex<BTreeMap<String, Group>>,
    fail: BTreeSet<String>,
    log: Mutex<Vec<String>>,
    rng: Mutex<u64>,
    /// Members and permissions, as the API holds them.
    access: Mutex<crate::live::LiveAccess>,
    /// The token's user, when writes need organization `MANAGE` as on the real server: once it
    /// holds `MANAGE` through no group, every write is refused with 403.
    admin: Option<String>,
}

/// splitmix64: a tiny seeded generator, so a failing seed replays exactly.
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Fake {
    fn new(groups: &[Group], fail: &[&str]) -> Self {
        Self::seeded(groups, fail, 7)
    }

    fn seeded(groups: &[Group], fail: &[&str], seed: u64) -> Self {
        Self {
            groups: Mutex::new(groups.iter().map(|g| (g.id.clone(), g.clone())).collect()),
            fail: fail.iter().map(|s| (*s).to_string()).collect(),
            log: Mutex::new(Vec::new()),
            rng: Mutex::new(seed),
            access: Mutex::new(crate::live::LiveAccess::default()),
            admin: None,
        }
    }

    /// 403 when the token's user ([`Fake::admin`]) no longer holds organization `MANAGE`
    /// through a group it is in (directly, or through a group's ancestors).
    fn authorized(&self) -> Result<(), ApiError> {
        let Some(admin) = &self.admin else {
            return Ok(());
        };
        let groups = self.groups.lock().unwrap();
        let access = self.access.lock().unwrap();
        let mut queue: Vec<&str> = access
            .members
            .iter()
            .filter(|(g, users)| users.contains(admin) && groups.contains_key(g.as_str()))
            .map(|(g, _)| g.as_str())
            .collect();
        let mut seen = BTreeSet::new();
        while let Some(g) = queue.pop() {
            if !seen.insert(g) {
                continue;
            }
            if access
                .organization_of(g)
                .contains(&crate::access::OrganizationPermission::Manage)
            {
                return Ok(());
            }
            if let Some(group) = groups.get(g) {
                queue.extend(group.parents.iter().map(String::as_str));
            }
        }
        self.log.lock().unwrap().push("403: locked out".into());
        Err(ApiError::Status {
            request: "X".into(),
            status: 403,
            detail: Some(format!("{admin} no longer holds organization MANAGE")),
            trace_id: Some("t".into()),
        })
    }

    /// Refuses a write of members or permissions naming `group` when it does not exist (the
    /// API answers 404) or is one of the failing groups.
    fn writable(&self, group: &str) -> Result<(), ApiError> {
        if self.fail.contains(group) {
            return Self::refuse(group, "injected");
        }
        if !self.groups.lock().unwrap().contains_key(group) {
            return Self::refuse(group, "no such group");
        }
        Ok(())
    }

    /// Waits 0–20 ms of virtual time, a different span for each call.
    async fn latency(&self) {
        let ms = next(&mut self.rng.lock().unwrap()) % 21;
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }

    fn refuse(id: &str, why: &str) -> Result<(), ApiError> {
        Err(ApiError::Status {
            request: format!("X {id}"),
            status: 400,
            detail: Some(why.into()),
            trace_id: Some("t".into()),
        })
    }

    fn check(&self, groups: &BTreeMap<String, Group>, g: &Group) -> Result<(), ApiError> {
        if self.fail.contains(&g.id) {
            return Self::refuse(&g.id, "injected");
        }
        if let Some(p) = g.parents.iter().find(|p| !groups.contains_key(*p)) {
            return Self::refuse(&g.id, &format!("missing parent {p}"));
        }
        let mut probe = groups.clone();
        probe.insert(g.id.clone(), g.clone());
        let graph: BTreeMap<&str, Vec<&str>> = probe
            .values()
            .map(|g| {
                (
                    g.id.as_str(),
                    g.parents.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        if !crate::plan::order::find_cycles(&graph).is_empty() {
            return Self::refuse(&g.id, "cycle");
        }
        Ok(())
    }
}

impl Target for Fake {
    async fn create(&self, group: &Group) -> Result<(), ApiError> {
        self.latency().await;
        self.authorized()?;
        self.log
            .lock()
            .unwrap()
            .push(format!("create {}", group.id));
        let mut groups = self.groups.lock().unwrap();
        if groups.contains_key(&group.id) {
            return Self::refuse(&group.id, "exists");
        }
        self.check(&groups, group)?;
        groups.insert(group.id.clone(), group.clone());
        Ok(())
    }
    async fn update(&self, group: &Group) -> Result<(), ApiError> {
        self.latency().await;
        self.authorized()?;
        self.log
            .lock()
            .unwrap()
            .push(format!("update {} {:?}", group.id, group.parents));
        let mut groups = self.groups.lock().unwrap();
        if !groups.contains_key(&group.id) {
            return Self::refuse(&group.id, "no such group");
        }
        self.check(&groups, group)?;
        groups.insert(group.id.clone(), group.clone());
        Ok(())
    }
    async fn delete(&self, id: &str) -> Result<(), ApiError> {
        self.latency().await;
        self.authorized()?;
        self.log.lock().unwrap().push(format!("delete {id}"));
        if self.fail.contains(id) {
            return Self::refuse(id, "injected");
        }
        let mut groups = self.groups.lock().unwrap();
        if groups.remove(id).is_none() {
            return Self::refuse(id, "no such group");
        }
        for g in groups.values_mut() {
            g.parents.remove(id);
        }
        let mut access = self.access.lock().unwrap();
        access.members.remove(id);
        access.workspace_access.remove(id);
        access.data_source_access.remove(id);
        access.organization.remove(id);
        Ok(())
    }
    async fn members(
        &self,
        group: &str,
        users: &BTreeSet<String>,
        add: bool,
    ) -> Result<(), ApiError> {
        self.latency().await;
        self.authorized()?;
        let verb = if add { "addMembers" } else { "removeMembers" };
        self.log
            .lock()
            .unwrap()
            .push(format!("{verb} {group} {users:?}"));
        self.writable(group)?;
        let mut access = self.access.lock().unwrap();
        let members = access.members.entry(group.to_string()).or_default();
        for user in users {
            if add {
                members.insert(user.clone());
            } else {
                members.remove(user);
            }
        }
        Ok(())
    }
    async fn permissions(
        &self,
        grant: &crate::access::PermissionGrant,
        assign: bool,
    ) -> Result<(), ApiError> {
        self.latency().await;
        self.authorized()?;
        let verb = if assign { "assign" } else { "revoke" };
        let targets: Vec<&String> = grant
            .workspaces
            .keys()
            .chain(grant.data_sources.keys())
            .collect();
        self.log
            .lock()
            .unwrap()
            .push(format!("{verb} {:?} {targets:?}", grant.groups));
        for group in &grant.groups {
            self.writable(group)?;
        }
        let mut access = self.access.lock().unwrap();
        for group in &grant.groups {
            let workspaces = access.workspace_access.entry(group.clone()).or_default();
            for (id, set) in &grant.workspaces {
                if assign {
                    workspaces.insert(id.clone(), set.clone());
                } else if let Some(held) = workspaces.get_mut(id) {
                    held.permissions.retain(|p| !set.permissions.contains(p));
                    held.hierarchy.retain(|p| !set.hierarchy.contains(p));
                }
            }
            workspaces.retain(|_, set| !set.is_empty());
            let data_sources = access.data_source_access.entry(group.clone()).or_default();
            for (id, set) in &grant.data_sources {
                if assign {
                    data_sources.insert(id.clone(), set.clone());
                } else if let Some(held) = data_sources.get_mut(id) {
                    held.retain(|p| !set.contains(p));
                }
            }
            data_sources.retain(|_, set| !set.is_empty());
        }
        Ok(())
    }
    async fn organization(
        &self,
        groups: &BTreeMap<String, BTreeSet<crate::access::OrganizationPermission>>,
    ) -> Result<(), ApiError> {
        self.latency().await;
        self.authorized()?;
        self.log
            .lock()
            .unwrap()
            .push(format!("organization {groups:?}"));
        for group in groups.keys() {
            self.writable(group)?;
        }
        let mut access = self.access.lock().unwrap();
        for (group, set) in groups {
            access.organization.insert(group.clone(), set.clone());
        }
        Ok(())
    }
}

/// A runtime whose clock is paused: sleeps end in virtual time, in a deterministic order.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap()
}

struct Quiet;
impl Progress for Quiet {
    fn finished(&self, _: &ChangeReport) {}
}

/// What a progress display is told, in order.
#[derive(Default)]
struct Recorded(Mutex<Vec<String>>);
impl Progress for Recorded {
    fn started(&self, label: &str) {
        self.0.lock().unwrap().push(format!("start {label}"));
    }
    fn finished(&self, report: &ChangeReport) {
        self.0
            .lock()
            .unwrap()
            .push(format!("finish {}", report.label()));
    }
}

#[test]
fn progress_hears_of_each_change_as_it_starts_and_as_it_finishes() {
    let live_state = Live::new([Group::new("old")]);
    let want = [Group::new("a"), Group::new("b").with_parents(["a"])];
    let plan = compute(&desired(&want), &live_state, &PlanOptions::default()).expect("plan");
    let fake = Fake::new(&[Group::new("old")], &[]);
    let recorded = Recorded::default();
    let report = runtime().block_on(run(
        &plan,
        &live_state,
        &fake,
        8,
        &recorded,
        &Cancel::default(),
    ));
    assert!(report.is_complete(), "{report:?}");
    // b waits for a; the delete waits for every create and update to settle.
    assert_eq!(
        *recorded.0.lock().unwrap(),
        [
            "start create a",
            "finish create a",
            "start create b",
            "finish create b",
            "start delete old",
            "finish delete old",
        ]
    );
}

fn desired(groups: &[Group]) -> crate::desired::Desired {
    let records = groups.iter().map(|g| (g.clone(), true)).collect();
    crate::desired::from_groups(records, crate::desired::Mode::Full, &[])
        .expect("valid desired state")
}

fn apply(live: &[Group], want: &[Group], fail: &[&str]) -> (Report, Fake) {
    let live_state = Live::new(live.iter().cloned());
    let plan = compute(&desired(want), &live_state, &PlanOptions::default()).expect("plan");
    let fake = Fake::new(live, fail);
    let report = runtime().block_on(run(
        &plan,
        &live_state,
        &fake,
        8,
        &Quiet,
        &Cancel::default(),
    ));
    (report, fake)
}

fn state(fake: &Fake) -> Vec<Group> {
    fake.groups.lock().unwrap().values().cloned().collect()
}

#[test]
fn a_parent_swap_never_shows_the_server_a_cycle() {
    let live = [Group::new("a").with_parents(["b"]), Group::new("b")];
    let want = [Group::new("a"), Group::new("b").with_parents(["a"])];
    let (report, fake) = apply(&live, &want, &[]);
    assert!(
        report.is_complete(),
        "{report:?} {:?}",
        fake.log.lock().unwrap()
    );
    assert_eq!(state(&fake), want);
}

#[test]
fn a_three_way_rotation_with_mixed_changes_converges() {
    // a→b→c becomes c→a→b… with each update both removing and adding a parent.
    let live = [
        Group::new("a").with_parents(["b", "x"]),
        Group::new("b").with_parents(["c"]),
        Group::new("c"),
        Group::new("x"),
    ];
    let want = [
        Group::new("a").with_parents(["x"]),
        Group::new("b"),
        Group::new("c").with_parents(["a", "x"]),
        Group::new("x").with_parents(["b"]),
    ];
    let (report, fake) = apply(&live, &want, &[]);
    assert!(
        report.is_complete(),
        "{report:?} {:?}",
        fake.log.lock().unwrap()
    );
    assert_eq!(state(&fake), want);
}

#[test]
fn a_split_update_needs_two_puts_and_reports_once() {
    // c gains parent a while losing b, and a currently descends from c through b.
    let live = [
        Group::new("a").with_parents(["b"]),
        Group::new("b").with_parents(["c"]),
        Group::new("c").with_parents(["b2"]),
        Group::new("b2"),
    ];
    let want = [
        Group::new("a").with_parents(["b"]),
        Group::new("b"),
        Group::new("b2"),
        Group::new("c").with_parents(["a"]),
    ];
    let (report, fake) = apply(&live, &want, &[]);
    assert!(
        report.is_complete(),
        "{report:?} {:?}",
        fake.log.lock().unwrap()
    );
    assert_eq!(report.changes.len(), 2);
    let puts_of_c = fake
        .log
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.starts_with("update c"))
        .count();
    assert_eq!(puts_of_c, 2);
    assert_eq!(state(&fake), want);
}

#[test]
fn a_deep_chain_is_created_parents_first_and_deleted_children_first() {
    let chain: Vec<Group> = (0..50)
        .map(|i| {
            let g = Group::new(format!("g{i:02}"));
            if i == 0 {
                g
            } else {
                g.with_parents([format!("g{:02}", i - 1)])
            }
        })
        .collect();
    let (report, fake) = apply(&[], &chain, &[]);
    assert!(report.is_complete());
    assert_eq!(state(&fake), chain);
    let (report, fake) = apply(&chain, &[Group::new("other")], &[]);
    assert!(report.is_complete());
    let log = fake.log.lock().unwrap();
    assert_eq!(log.iter().filter(|l| l.starts_with("delete")).count(), 50);
    let at = |id: String| log.iter().position(|l| *l == format!("delete {id}"));
    for i in 0..49 {
        let (child, parent) = (format!("g{:02}", i + 1), format!("g{i:02}"));
        assert!(
            at(child.clone()) < at(parent.clone()),
            "{child} before {parent}: {log:?}"
        );
    }
}

#[test]
fn a_hand_made_plan_with_a_parent_cycle_skips_the_cycle_and_runs_the_rest() {
    let mut plan = compute(
        &desired(&[Group::new("a"), Group::new("b"), Group::new("free")]),
        &Live::new([]),
        &PlanOptions::default(),
    )
    .expect("plan");
    // Only a plan edited in code can hold this: a and b each other's parent.
    for change in &mut plan.changes {
        let other = match change.id.as_str() {
            "a" => "b",
            "b" => "a",
            _ => continue,
        };
        if let Some(after) = &mut change.after {
            after.parents.insert(other.to_string());
        }
    }
    let fake = Fake::new(&[], &[]);
    let report = runtime().block_on(run(
        &plan,
        &Live::new([]),
        &fake,
        8,
        &Quiet,
        &Cancel::default(),
    ));
    let outcome = |id: &str| {
        report
            .changes
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.outcome.clone())
    };
    assert_eq!(outcome("free"), Some(Outcome::Done));
    for id in ["a", "b"] {
        assert!(
            matches!(outcome(id), Some(Outcome::Skipped { reason }) if reason.contains("cycle")),
            "{report:?}"
        );
    }
    assert!(!report.interrupted);
    assert_eq!(*fake.log.lock().unwrap(), ["create free"]);
}

#[test]
fn a_failure_skips_dependants_only() {
    let want = [
        Group::new("p"),
        Group::new("c").with_parents(["p"]),
        Group::new("gc").with_parents(["c"]),
        Group::new("free"),
    ];
    let (report, fake) = apply(&[], &want, &["p"]);
    let by_id: BTreeMap<&str, &Outcome> = report
        .changes
        .iter()
        .map(|c| (c.id.as_str(), &c.outcome))
        .collect();
    assert!(matches!(
        by_id["p"],
        Outcome::Failed {
            http_status: Some(400),
            ..
        }
    ));
    assert_eq!(
        by_id["c"],
        &Outcome::Skipped {
            reason: "create `p` failed".into()
        }
    );
    assert_eq!(
        by_id["gc"],
        &Outcome::Skipped {
            reason: "create `p` failed".into()
        }
    );
    assert_eq!(by_id["free"], &Outcome::Done);
    assert_eq!(state(&fake), [Group::new("free")]);
}

#[test]
fn deletes_wait_until_every_create_and_update_settled() {
    let live = [Group::new("old1"), Group::new("old2"), Group::new("u")];
    let want = [
        Group::new("new1"),
        Group::new("new2"),
        Group::new("u").with_name("U"),
    ];
    let (report, fake) = apply(&live, &want, &["new2"]);
    assert_eq!(
        report.done(Action::Delete),
        2,
        "independent deletes still run after a failed create"
    );
    let log = fake.log.lock().unwrap();
    let first_delete = log
        .iter()
        .position(|l| l.starts_with("delete"))
        .expect("deletes");
    assert!(
        log[..first_delete].len() == 3
            && log[first_delete..].iter().all(|l| l.starts_with("delete")),
        "{log:?}"
    );
}

#[test]
fn cancelled_runs_start_nothing() {
    let plan = compute(
        &desired(&[Group::new("a")]),
        &Live::new([]),
        &PlanOptions::default(),
    )
    .expect("plan");
    let fake = Fake::new(&[], &[]);
    let cancel = Cancel::default();
    cancel.cancel();
    let report = runtime().block_on(run(&plan, &Live::new([]), &fake, 8, &Quiet, &cancel));
    assert!(report.interrupted);
    assert_eq!(report.changes[0].outcome, Outcome::Interrupted);
    assert!(fake.log.lock().unwrap().is_empty());
}

#[test]
fn an_interrupt_knows_whether_writes_had_started() {
    let before = Cancel::default();
    assert_eq!(before.interrupt(), Interrupt::BeforeWrites);
    before.begin_writes();
    assert!(
        before.is_cancelled(),
        "writes cannot start after an interrupt"
    );
    assert_eq!(before.interrupt(), Interrupt::Again);

    let during = Cancel::default();
    during.begin_writes();
    assert!(!during.is_cancelled());
    assert_eq!(during.interrupt(), Interrupt::DuringWrites);
    assert!(during.is_cancelled());
    assert_eq!(during.interrupt(), Interrupt::Again);
}

/// A random forest over some of 12 ids. Parents come from groups earlier in a random order,
/// not the id order, so two draws can reverse an edge and the id order says nothing about
/// which group depends on which.
fn organization() -> impl Strategy<Value = Vec<Group>> {
    (
        proptest::sample::subsequence((0..12).collect::<Vec<u32>>(), 0..=12).prop_shuffle(),
        any::<u64>(),
    )
        .prop_map(|(ids, seed)| {
            let mut rng = seed;
            let ids: Vec<String> = ids.iter().map(|i| format!("g{i:02}")).collect();
            let mut groups: Vec<Group> = ids
                .iter()
                .enumerate()
                .map(|(i, id)| {
                    let mut g = Group::new(id.clone());
                    g.parents = ids[..i]
                        .iter()
                        .filter(|_| next(&mut rng).is_multiple_of(3))
                        .cloned()
                        .collect();
                    if next(&mut rng).is_multiple_of(2) {
                        g.name = Some(format!("Name {}", next(&mut rng) % 3));
                    }
                    g
                })
                .collect();
            groups.sort_by(|a, b| a.id.cmp(&b.id));
            groups
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// `Plan` is public and `Provisioner::apply` takes any: the executor must not rely on
    /// the order `compute` gives the changes.
    #[test]
    fn a_plan_in_any_order_creates_parents_first_and_deletes_children_first(
        live in organization(),
        want in organization(),
        order in any::<u64>(),
        seed in any::<u64>(),
    ) {
        let live_state = Live::new(live.iter().cloned());
        let mut plan = compute(&desired(&want), &live_state, &PlanOptions::default()).expect("plan");
        let mut rng = order;
        for i in (1..plan.changes.len()).rev() {
            let j = usize::try_from(next(&mut rng) % (i as u64 + 1)).unwrap();
            plan.changes.swap(i, j);
        }
        let fake = Fake::seeded(&live, &[], seed);
        let report = runtime().block_on(run(&plan, &live_state, &fake, 4, &Quiet, &Cancel::default()));
        let log = fake.log.lock().unwrap().clone();
        prop_assert!(report.is_complete(), "{:?}\n{:?}", report, log);
        prop_assert_eq!(state(&fake), want.clone(), "{:?}", log);
        let deleted: BTreeSet<&str> = live
            .iter()
            .map(|g| g.id.as_str())
            .filter(|id| !want.iter().any(|w| w.id == *id))
            .collect();
        let at = |id: &str| log.iter().position(|l| *l == format!("delete {id}"));
        for child in live.iter().filter(|g| deleted.contains(g.id.as_str())) {
            for parent in child.parents.iter().filter(|p| deleted.contains(p.as_str())) {
                prop_assert!(at(&child.id) < at(parent), "{} before {}: {:?}", child.id, parent, log);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Members and permissions (spec §11)

mod access {
    use std::collections::{BTreeMap, BTreeSet};
    use std::fmt::Write as _;

    use proptest::prelude::*;

    use super::{Fake, Quiet, runtime};
    use crate::access::{
        DataSourcePermission as D, Facets, OrganizationPermission as O, WorkspacePermission as W,
        WorkspacePermissions,
    };
    use crate::apply::grants::MAX_ASSIGNEES;
    use crate::apply::{
        Cancel, ChangeReport, Operation, Outcome, Report, Request, Step, run, steps,
    };
    use crate::desired::{Desired, LoadOptions};
    use crate::group::Group;
    use crate::live::{Live, LiveAccess};
    use crate::plan::{Plan, PlanOptions, compute};

    fn desired(yaml: &str) -> Desired {
        crate::desired::parse("groups.yaml", yaml, LoadOptions::default()).expect("valid file")
    }

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|graph| (*graph).to_string()).collect()
    }

    /// Live groups with every facet read, the users `u00`…`u09` and these workspaces.
    fn live(groups: &[Group]) -> Live {
        let mut live = Live::new(groups.iter().cloned());
        live.access = LiveAccess {
            facets: Facets::ALL,
            users: (0..10).map(|i| format!("u{i:02}")).collect(),
            workspaces: set(&["sales", "finance", "beta"]),
            data_sources: set(&["warehouse"]),
            ..LiveAccess::default()
        };
        live
    }

    fn plan(desired: &Desired, live: &Live) -> Plan {
        compute(desired, live, &PlanOptions::default()).expect("valid plan")
    }

    fn only(planned: &[W]) -> WorkspacePermissions {
        WorkspacePermissions::only(planned.iter().copied())
    }

    /// The member and permission steps, each with the groups it is for.
    fn access_steps(steps: &[Step]) -> Vec<(&'static str, Vec<String>)> {
        steps
            .iter()
            .filter_map(|graph| {
                let kind = match &graph.request {
                    Request::AddMembers { .. } => "add",
                    Request::RemoveMembers { .. } => "remove",
                    Request::Assign(_) => "assign",
                    Request::Revoke(_) => "revoke",
                    Request::Organization(_) => "organization",
                    _ => return None,
                };
                let groups = graph
                    .request
                    .groups()
                    .iter()
                    .map(|g| (*g).to_string())
                    .collect();
                Some((kind, groups))
            })
            .collect()
    }

    fn apply_with(plan: &Plan, live: &Live, fake: &Fake) -> Report {
        *fake.access.lock().unwrap() = live.access.clone();
        runtime().block_on(run(plan, live, fake, 8, &Quiet, &Cancel::default()))
    }

    /// What the fake holds, as a live state, to plan again against.
    fn live_after(fake: &Fake, before: &Live) -> Live {
        let mut live = Live::new(fake.groups.lock().unwrap().values().cloned());
        live.access = fake.access.lock().unwrap().clone();
        live.access.members.retain(|_, m| !m.is_empty());
        live.access.workspace_access.retain(|_, m| !m.is_empty());
        live.access.data_source_access.retain(|_, m| !m.is_empty());
        live.access.organization.retain(|_, m| !m.is_empty());
        live.access.users.clone_from(&before.access.users);
        live
    }

    #[test]
    fn groups_that_need_the_same_sets_share_one_assign_and_different_sets_get_their_own() {
        // Alphabetical order would interleave the two sets: m-two sits between the others.
        let want = desired(
            "groups:
  - id: z-one
    workspaces: {sales: [VIEW]}
  - id: m-two
    workspaces: {sales: [VIEW, EXPORT]}
  - id: a-three
    workspaces: {sales: [VIEW]}
  - id: k-four
    workspaces: {sales: [VIEW]}
    data_sources: {warehouse: [USE]}
",
        );
        let org = live(&[
            Group::new("z-one"),
            Group::new("m-two"),
            Group::new("a-three"),
            Group::new("k-four"),
        ]);
        let planned = plan(&want, &org);
        let graph = steps(&planned, &org);
        let mut assigns = access_steps(&graph);
        assigns.sort();
        assert_eq!(
            assigns,
            [
                ("assign", vec!["a-three".to_string(), "z-one".to_string()]),
                ("assign", vec!["k-four".to_string()]),
                ("assign", vec!["m-two".to_string()]),
            ]
        );
        let shared = graph
            .iter()
            .find_map(|graph| match &graph.request {
                Request::Assign(g) if g.groups.len() == 2 => Some(g),
                _ => None,
            })
            .expect("the shared assign");
        assert_eq!(
            shared.workspaces,
            BTreeMap::from([("sales".to_string(), only(&[W::View]))])
        );
        assert!(shared.data_sources.is_empty());
        assert!(
            graph
                .iter()
                .all(|graph| !matches!(graph.request, Request::Update(_))),
            "members and permissions alone send no PUT: {graph:?}"
        );

        let fake = Fake::new(&org.groups.values().cloned().collect::<Vec<_>>(), &[]);
        let report = apply_with(&planned, &org, &fake);
        assert!(report.is_complete(), "{report:?}");
        assert!(!plan(&want, &live_after(&fake, &org)).summary.has_changes());
        let labels: Vec<String> = report.changes.iter().map(ChangeReport::label).collect();
        assert!(
            labels.contains(&"assign workspace sales to 2 groups".to_string())
                && labels.contains(
                    &"assign workspace sales and data source warehouse to k-four".to_string()
                ),
            "{labels:?}"
        );
    }

    #[test]
    fn one_set_for_many_groups_is_a_handful_of_requests() {
        let n = MAX_ASSIGNEES * 2 + 100;
        let mut yaml = String::from("groups:\n");
        let mut groups = Vec::new();
        for i in 0..n {
            let _ = write!(yaml, "  - id: g{i:04}\n    workspaces: {{sales: [VIEW]}}\n");
            groups.push(Group::new(format!("g{i:04}")));
        }
        let org = live(&groups);
        let planned = plan(&desired(&yaml), &org);
        let graph = steps(&planned, &org);
        let sizes: Vec<usize> = access_steps(&graph).iter().map(|(_, g)| g.len()).collect();
        assert_eq!(sizes, [MAX_ASSIGNEES, MAX_ASSIGNEES, 100]);
        assert_eq!(
            graph.len(),
            3,
            "nothing else: no PUT, one request per batch"
        );
    }

    #[test]
    fn revokes_only_where_all_access_to_a_target_goes() {
        let want = desired(
            "groups:
  - id: analysts
    workspaces: {sales: [VIEW, EXPORT]}
    data_sources: {}
",
        );
        let mut org = live(&[Group::new("analysts")]);
        org.access.workspace_access.insert(
            "analysts".into(),
            BTreeMap::from([
                ("sales".to_string(), only(&[W::View, W::Analyze])),
                (
                    "finance".to_string(),
                    WorkspacePermissions {
                        permissions: [W::Analyze].into(),
                        hierarchy: [W::View].into(),
                    },
                ),
            ]),
        );
        org.access.data_source_access.insert(
            "analysts".into(),
            BTreeMap::from([("warehouse".to_string(), BTreeSet::from([D::Use]))]),
        );
        let planned = plan(&want, &org);
        let graph = steps(&planned, &org);
        let mut assign = None;
        let mut revoke = None;
        for step in &graph {
            match &step.request {
                Request::Assign(g) => assert!(assign.replace(g.clone()).is_none(), "one assign"),
                Request::Revoke(g) => assert!(revoke.replace(g.clone()).is_none(), "one revoke"),
                other => panic!("unexpected {other:?}"),
            }
        }
        let assign = assign.expect("assign");
        assert_eq!(
            assign.workspaces,
            BTreeMap::from([("sales".to_string(), only(&[W::View, W::Export]))]),
            "the whole new set of the changed workspace, ANALYZE left out"
        );
        let revoke = revoke.expect("revoke");
        assert_eq!(
            revoke.workspaces["finance"],
            WorkspacePermissions {
                permissions: [W::Analyze].into(),
                hierarchy: [W::View].into(),
            },
            "revoked with the current set there"
        );
        assert_eq!(revoke.data_sources["warehouse"], BTreeSet::from([D::Use]));
        assert!(!revoke.workspaces.contains_key("sales"));

        let fake = Fake::new(&[Group::new("analysts")], &[]);
        let report = apply_with(&planned, &org, &fake);
        assert!(report.is_complete(), "{report:?}");
        assert!(!plan(&want, &live_after(&fake, &org)).summary.has_changes());
    }

    #[test]
    fn organization_manage_is_granted_before_it_is_revoked() {
        // The group losing MANAGE sorts first and is listed first.
        let want = desired(
            "groups:
  - id: a-old-admins
    organization: []
  - id: z-new-admins
    organization: [MANAGE]
  - id: m-tokens
    organization: [SELF_CREATE_TOKEN]
",
        );
        let mut org = live(&[
            Group::new("a-old-admins"),
            Group::new("z-new-admins"),
            Group::new("m-tokens"),
        ]);
        org.access
            .organization
            .insert("a-old-admins".into(), [O::Manage].into());
        let planned = plan(&want, &org);
        let graph = steps(&planned, &org);
        let sets: Vec<(usize, &Step)> = graph
            .iter()
            .enumerate()
            .filter(|(_, graph)| matches!(graph.request, Request::Organization(_)))
            .collect();
        assert_eq!(sets.len(), 2, "{graph:?}");
        let (grant, revoke) = if sets[0].1.request.groups() == ["a-old-admins"] {
            (sets[1], sets[0])
        } else {
            (sets[0], sets[1])
        };
        assert_eq!(grant.1.request.groups(), ["m-tokens", "z-new-admins"]);
        assert_eq!(revoke.1.request.groups(), ["a-old-admins"]);
        assert!(revoke.1.deps.contains(&grant.0), "{graph:?}");

        for seed in 0..20 {
            let fake = Fake::seeded(&org.groups.values().cloned().collect::<Vec<_>>(), &[], seed);
            let report = apply_with(&planned, &org, &fake);
            assert!(report.is_complete(), "{report:?}");
            let log = fake.log.lock().unwrap();
            let at = |group: &str| {
                log.iter()
                    .position(|org| org.contains(group))
                    .expect("sent")
            };
            assert!(at("z-new-admins") < at("a-old-admins"), "{log:?}");
            let access = fake.access.lock().unwrap();
            assert_eq!(access.organization["a-old-admins"], BTreeSet::new());
            assert_eq!(access.organization["z-new-admins"], [O::Manage].into());
        }

        // A refused grant leaves MANAGE where it was.
        let fake = Fake::new(
            &org.groups.values().cloned().collect::<Vec<_>>(),
            &["z-new-admins"],
        );
        let report = apply_with(&planned, &org, &fake);
        let revoked = report
            .changes
            .iter()
            .find(|c| c.id == "a-old-admins")
            .expect("reported");
        assert!(
            matches!(&revoked.outcome, Outcome::Skipped { reason } if reason.contains("set organization permissions of 2 groups failed")),
            "{report:?}"
        );
        assert_eq!(
            fake.access.lock().unwrap().organization["a-old-admins"],
            [O::Manage].into()
        );
    }

    #[test]
    fn deleted_groups_get_no_member_or_permission_step() {
        let want = desired("groups:\n  - id: kept\n    members: [u01]\n");
        let mut org = live(&[Group::new("kept"), Group::new("gone")]);
        org.access
            .members
            .insert("gone".into(), set(&["u01", "u02"]));
        org.access.workspace_access.insert(
            "gone".into(),
            BTreeMap::from([("sales".to_string(), only(&[W::View]))]),
        );
        let planned = plan(&want, &org);
        let graph = steps(&planned, &org);
        let requests: Vec<&Request> = graph.iter().map(|graph| &graph.request).collect();
        assert_eq!(
            requests,
            [
                &Request::Delete("gone".into()),
                &Request::AddMembers {
                    group: "kept".into(),
                    users: set(&["u01"])
                }
            ]
        );
    }

    #[test]
    fn members_and_permissions_of_a_new_group_wait_for_its_create_and_its_parents() {
        // `aa-child` sorts before its parent `zz-parent`; both are new. `bb-live` exists and
        // shares the assign with the new child.
        let want = desired(
            "groups:
  - id: zz-parent
  - id: aa-child
    parents: [zz-parent]
    members: [u01, u02]
    workspaces: {sales: [VIEW]}
    organization: [BASE_UI_ACCESS]
  - id: bb-live
    workspaces: {sales: [VIEW]}
",
        );
        let org = live(&[Group::new("bb-live")]);
        let planned = plan(&want, &org);
        let graph = steps(&planned, &org);
        let create = |id: &str| {
            graph
                .iter()
                .position(|graph| matches!(&graph.request, Request::Create(g) if g.id == id))
                .expect("create")
        };
        for step in &graph {
            match &step.request {
                Request::AddMembers { group, .. } => {
                    assert_eq!(group, "aa-child");
                    assert!(step.deps.contains(&create("aa-child")));
                }
                Request::Assign(grant) => {
                    assert_eq!(grant.groups, set(&["aa-child", "bb-live"]));
                    assert_eq!(
                        step.creates,
                        BTreeMap::from([(create("aa-child"), "aa-child".to_string())])
                    );
                }
                Request::Organization(_) => {
                    assert_eq!(
                        step.creates,
                        BTreeMap::from([(create("aa-child"), "aa-child".to_string())])
                    );
                }
                Request::Create(_) => {}
                other => panic!("unexpected {other:?}"),
            }
        }
        for seed in 0..20 {
            let fake = Fake::seeded(&[Group::new("bb-live")], &[], seed);
            let report = apply_with(&planned, &org, &fake);
            assert!(report.is_complete(), "{report:?}");
            let log = fake.log.lock().unwrap();
            let created = log
                .iter()
                .position(|org| org == "create aa-child")
                .expect("created");
            for (i, line) in log.iter().enumerate() {
                if line.contains("aa-child") && !line.starts_with("create") {
                    assert!(i > created, "{log:?}");
                }
            }
            assert!(!plan(&want, &live_after(&fake, &org)).summary.has_changes());
        }
    }

    #[test]
    fn a_failed_create_skips_its_members_and_leaves_it_out_of_shared_grants() {
        let want = desired(
            "groups:
  - id: new-bad
    members: [u01]
    workspaces: {sales: [VIEW]}
    organization: [BASE_UI_ACCESS]
  - id: new-good
    workspaces: {sales: [VIEW]}
    organization: [BASE_UI_ACCESS]
  - id: old
    workspaces: {sales: [VIEW]}
    members: [u02]
",
        );
        let org = live(&[Group::new("old")]);
        let planned = plan(&want, &org);
        let fake = Fake::new(&[Group::new("old")], &["new-bad"]);
        let report = apply_with(&planned, &org, &fake);
        let lines: Vec<String> = report
            .changes
            .iter()
            .map(|c| {
                let how = match &c.outcome {
                    Outcome::Done => "done".to_string(),
                    Outcome::Failed { .. } => "failed".to_string(),
                    Outcome::Skipped { reason } => format!("skipped: {reason}"),
                    Outcome::Interrupted => "interrupted".to_string(),
                };
                format!("{}: {how}", c.label())
            })
            .collect();
        assert_eq!(
            lines,
            [
                "create new-bad: failed",
                "create new-good: done",
                "add members new-bad (+1): skipped: create `new-bad` failed",
                "add members old (+1): done",
                "assign workspace sales to 2 groups: done",
                "assign workspace sales to new-bad: skipped: create `new-bad` failed",
                "set organization permissions of new-good: done",
                "set organization permissions of new-bad: skipped: create `new-bad` failed",
            ]
        );
        let assigned = report
            .changes
            .iter()
            .find(|c| c.action == Operation::AssignPermissions && c.outcome == Outcome::Done)
            .expect("assigned");
        assert_eq!(assigned.groups, ["new-good", "old"]);
        // No request ever named the group that does not exist.
        let log = fake.log.lock().unwrap().clone();
        assert_eq!(
            log.iter().filter(|org| org.contains("new-bad")).count(),
            1,
            "only its create: {log:?}"
        );

        // Re-running, once the server accepts it, converges.
        let after = live_after(&fake, &org);
        let p2 = plan(&want, &after);
        let fake2 = Fake::new(&after.groups.values().cloned().collect::<Vec<_>>(), &[]);
        let report = apply_with(&p2, &after, &fake2);
        assert!(report.is_complete(), "{report:?}");
        assert!(
            !plan(&want, &live_after(&fake2, &after))
                .summary
                .has_changes()
        );
    }

    #[test]
    fn a_batch_whose_every_group_failed_sends_nothing() {
        let want = desired("groups:\n  - id: new\n    workspaces: {sales: [VIEW]}\n");
        let org = live(&[]);
        let planned = plan(&want, &org);
        let fake = Fake::new(&[], &["new"]);
        let report = apply_with(&planned, &org, &fake);
        assert_eq!(*fake.log.lock().unwrap(), ["create new"]);
        assert_eq!(report.changes.len(), 2, "{report:?}");
        assert!(matches!(
            &report.changes[1].outcome,
            Outcome::Skipped { reason } if reason == "create `new` failed"
        ));
    }

    #[test]
    fn an_interrupted_run_reports_member_and_permission_operations_as_not_started() {
        let want =
            desired("groups:\n  - id: g\n    members: [u01]\n    workspaces: {sales: [VIEW]}\n");
        let org = live(&[Group::new("g")]);
        let planned = plan(&want, &org);
        let fake = Fake::new(&[Group::new("g")], &[]);
        let cancel = Cancel::default();
        cancel.cancel();
        let report = runtime().block_on(run(&planned, &org, &fake, 8, &Quiet, &cancel));
        assert!(report.interrupted);
        let labels: Vec<(String, &Outcome)> = report
            .changes
            .iter()
            .map(|c| (c.label(), &c.outcome))
            .collect();
        assert_eq!(
            labels,
            [
                ("add members g (+1)".to_string(), &Outcome::Interrupted),
                (
                    "assign workspace sales to g".to_string(),
                    &Outcome::Interrupted
                ),
            ]
        );
        assert!(fake.log.lock().unwrap().is_empty());
    }

    /// One group of [`manage_case`]: whether it exists, its parents (among earlier groups),
    /// whether the token's user is a member, whether it holds organization `MANAGE`.
    type Slot = (bool, Vec<bool>, bool, bool);

    fn slots() -> impl Strategy<Value = Vec<Slot>> {
        prop::collection::vec(
            (
                any::<bool>(),
                prop::collection::vec(any::<bool>(), 5),
                any::<bool>(),
                any::<bool>(),
            ),
            5,
        )
    }

    /// Groups `g4`…`g0` (parents only among higher numbers, so creation order contradicts
    /// the alphabetical one), from `slots`, with the token's user `u00` in some of them.
    fn manage_state(slots: &[Slot]) -> (Vec<Group>, BTreeSet<String>, BTreeSet<String>) {
        let id = |i: usize| format!("g{}", 4 - i);
        let mut groups = Vec::new();
        let (mut mine, mut managing) = (BTreeSet::new(), BTreeSet::new());
        for (i, (exists, parents, member, manage)) in slots.iter().enumerate() {
            if !exists {
                continue;
            }
            let mut group = Group::new(id(i));
            group.parents = (0..i)
                .filter(|&p| parents[p] && slots[p].0)
                .map(id)
                .collect();
            groups.push(group);
            if *member {
                mine.insert(id(i));
            }
            if *manage {
                managing.insert(id(i));
            }
        }
        (groups, mine, managing)
    }

    proptest! {
        // Most random states give the user no MANAGE or plan a lock-out, and are skipped.
        #![proptest_config(ProptestConfig {
            cases: 256,
            max_global_rejects: 100_000,
            ..ProptestConfig::default()
        })]

        /// Whatever the plan does to the groups the token's user administers through (moves
        /// it between groups, re-parents, deletes, grants and revokes `MANAGE`), apply gives
        /// before it takes: against a server that refuses every write once the user holds
        /// `MANAGE` through no group, a plan the lock-out guard lets through completes, and the
        /// step graph has no cycle (a cycle would leave steps skipped).
        #[test]
        fn apply_never_locks_the_token_user_out_midway(
            before in slots(),
            after in slots(),
            seed in any::<u64>(),
        ) {
            let (live_groups, mine, managing) = manage_state(&before);
            let mut org = live(&live_groups);
            for g in &mine {
                org.access.members.entry(g.clone()).or_default().insert("u00".into());
            }
            for g in &managing {
                org.access.organization.insert(g.clone(), BTreeSet::from([O::Manage]));
            }
            org.access.token_user = Some(crate::live::TokenUser {
                id: "u00".into(),
                groups: mine.clone(),
            });
            let fake = Fake {
                admin: Some("u00".into()),
                ..Fake::seeded(&live_groups, &[], seed)
            };
            // The user must hold MANAGE through a group before the plan.
            *fake.access.lock().unwrap() = org.access.clone();
            prop_assume!(fake.authorized().is_ok());

            let (want_groups, want_mine, want_managing) = manage_state(&after);
            let mut yaml = String::from("groups:\n");
            for g in &want_groups {
                let parents: Vec<&str> = g.parents.iter().map(String::as_str).collect();
                let members = if want_mine.contains(&g.id) { "[u00]" } else { "[]" };
                let organization = if want_managing.contains(&g.id) { "[MANAGE]" } else { "[]" };
                let _ = write!(
                    yaml,
                    "  - id: {}\n    parents: [{}]\n    members: {members}\n    organization: {organization}\n",
                    g.id,
                    parents.join(", ")
                );
            }
            prop_assume!(!want_groups.is_empty());
            let planned = plan(&desired(&yaml), &org);
            prop_assume!(crate::plan::lock_out(&planned, &org).is_ok());

            let report = apply_with(&planned, &org, &fake);
            let log = fake.log.lock().unwrap().clone();
            prop_assert!(report.is_complete(), "{report:?}\n{yaml}\n{log:#?}");
            prop_assert!(fake.authorized().is_ok(), "{yaml}\n{log:#?}");
        }
    }
}
