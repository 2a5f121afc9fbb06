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
        }
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
    fn started(&self, change: &crate::plan::Change) {
        self.0
            .lock()
            .unwrap()
            .push(format!("start {} {}", change.action.verb(), change.id));
    }
    fn finished(&self, report: &ChangeReport) {
        self.0
            .lock()
            .unwrap()
            .push(format!("finish {} {}", report.action.verb(), report.id));
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
