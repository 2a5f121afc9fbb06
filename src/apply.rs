//! The executor (spec §5): turns a plan into dependent steps and runs them in parallel, never
//! letting the server see a dangling parent or a cycle, skipping only what depends on a failure.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use serde::{Deserialize, Serialize};

use crate::gooddata::{ApiError, Client};
use crate::group::Group;
use crate::live::Live;
use crate::plan::{Action, Change, Plan};

/// Where the writes go: the API client, or a fake in tests.
pub trait Target: Sync {
    /// `POST` a new group.
    fn create(&self, group: &Group) -> impl Future<Output = Result<(), ApiError>> + Send;
    /// `PUT` a group's name and parents.
    fn update(&self, group: &Group) -> impl Future<Output = Result<(), ApiError>> + Send;
    /// `DELETE` a group.
    fn delete(&self, id: &str) -> impl Future<Output = Result<(), ApiError>> + Send;
}

impl Target for Client {
    fn create(&self, group: &Group) -> impl Future<Output = Result<(), ApiError>> + Send {
        self.create_group(group)
    }
    fn update(&self, group: &Group) -> impl Future<Output = Result<(), ApiError>> + Send {
        self.update_group(group)
    }
    fn delete(&self, id: &str) -> impl Future<Output = Result<(), ApiError>> + Send {
        self.delete_group(id)
    }
}

/// One request of an apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Index of the plan change this step carries out.
    pub change: usize,
    /// What is sent.
    pub request: Request,
    /// Steps that must succeed first.
    pub deps: BTreeSet<usize>,
}

/// The request a step sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// `POST` the group.
    Create(Group),
    /// `PUT` the group (for a split update, first with only the kept parents).
    Update(Group),
    /// `DELETE` the group.
    Delete(String),
}

/// Turns the plan's changes into steps with their dependencies:
/// creates wait for created parents; an update that adds a parent which could close a cycle
/// with edges still to be removed waits for those removals (and, if it removes parents itself,
/// is split: first a `PUT` with the kept parents, then the final one); a delete waits for the
/// updates that detach its surviving children and for the deletes of its deleted children.
pub fn steps(plan: &Plan, live: &Live) -> Vec<Step> {
    let changes: Vec<(usize, &Change)> = plan.actionable_indexed().collect();
    let mut steps: Vec<Step> = Vec::new();
    let mut create_step: BTreeMap<&str, usize> = BTreeMap::new();
    let mut delete_step: BTreeMap<&str, usize> = BTreeMap::new();
    // Steps that remove parent edges, keyed by the child whose edges they remove.
    let mut removing: BTreeMap<&str, (usize, BTreeSet<&str>)> = BTreeMap::new();

    for &(index, change) in changes.iter().filter(|(_, c)| c.action == Action::Create) {
        let Some(after) = &change.after else { continue };
        let deps = after
            .parents
            .iter()
            .filter_map(|p| create_step.get(p.as_str()).copied())
            .collect();
        create_step.insert(&change.id, steps.len());
        steps.push(Step {
            change: index,
            request: Request::Create(after.clone()),
            deps,
        });
    }

    let union = UnionGraph::new(plan, live);
    let mut pending_adds: Vec<(usize, &Group, &Group)> = Vec::new();
    for &(index, change) in changes.iter().filter(|(_, c)| c.action == Action::Update) {
        let (Some(before), Some(after)) = (&change.before, &change.after) else {
            continue;
        };
        let removed: BTreeSet<&str> = before
            .parents
            .difference(&after.parents)
            .map(String::as_str)
            .collect();
        let added: Vec<&str> = after
            .parents
            .difference(&before.parents)
            .map(String::as_str)
            .collect();
        let risky = !added.is_empty() && added.iter().any(|p| union.reaches(p, &change.id));
        if risky {
            pending_adds.push((index, before, after));
            continue;
        }
        let deps = added
            .iter()
            .filter_map(|p| create_step.get(p).copied())
            .collect();
        if !removed.is_empty() {
            removing.insert(&change.id, (steps.len(), removed));
        }
        steps.push(Step {
            change: index,
            request: Request::Update(after.clone()),
            deps,
        });
    }
    // Detach halves of risky updates go in before anything waits on them.
    let mut detach_of: BTreeMap<usize, usize> = BTreeMap::new();
    for &(index, before, after) in &pending_adds {
        let removed: BTreeSet<&str> = before
            .parents
            .difference(&after.parents)
            .map(String::as_str)
            .collect();
        if removed.is_empty() {
            continue;
        }
        let mut kept = after.clone();
        kept.parents = before
            .parents
            .intersection(&after.parents)
            .cloned()
            .collect();
        removing.insert(&after.id, (steps.len(), removed));
        detach_of.insert(index, steps.len());
        steps.push(Step {
            change: index,
            request: Request::Update(kept),
            deps: BTreeSet::new(),
        });
    }
    for &(index, before, after) in &pending_adds {
        let mut deps: BTreeSet<usize> = after
            .parents
            .difference(&before.parents)
            .filter_map(|p| create_step.get(p.as_str()).copied())
            .collect();
        deps.extend(detach_of.get(&index));
        for parent in after.parents.difference(&before.parents) {
            deps.extend(union.removals_on_paths(parent, &after.id, &removing));
        }
        deps.remove(&steps.len());
        steps.push(Step {
            change: index,
            request: Request::Update(after.clone()),
            deps,
        });
    }

    let deleted: BTreeSet<&str> = changes
        .iter()
        .filter(|(_, c)| c.action == Action::Delete)
        .map(|(_, c)| c.id.as_str())
        .collect();
    // The plan lists deletes children first, so a child's step exists before its parent's.
    for &(index, change) in changes.iter().filter(|(_, c)| c.action == Action::Delete) {
        let mut deps = BTreeSet::new();
        for child in union
            .live_children
            .get(change.id.as_str())
            .into_iter()
            .flatten()
        {
            if deleted.contains(child) {
                deps.extend(delete_step.get(child).copied());
            } else if let Some((step, removed)) = removing.get(child)
                && removed.contains(change.id.as_str())
            {
                deps.insert(*step);
            }
        }
        delete_step.insert(&change.id, steps.len());
        steps.push(Step {
            change: index,
            request: Request::Delete(change.id.clone()),
            deps,
        });
    }
    steps
}

/// Every parent edge that exists before or after the plan: any state an apply passes through
/// has a subset of these edges, so an added edge `g → p` can only close a cycle if `p` reaches
/// `g` here.
struct UnionGraph<'a> {
    parents: BTreeMap<&'a str, BTreeSet<&'a str>>,
    children: BTreeMap<&'a str, BTreeSet<&'a str>>,
    live_children: BTreeMap<&'a str, BTreeSet<&'a str>>,
}

impl<'a> UnionGraph<'a> {
    fn new(plan: &'a Plan, live: &'a Live) -> Self {
        let mut graph = Self {
            parents: BTreeMap::new(),
            children: BTreeMap::new(),
            live_children: BTreeMap::new(),
        };
        let before = live.groups.values().map(|g| (g, true));
        let after = plan
            .changes
            .iter()
            .filter_map(|c| c.after.as_ref())
            .map(|g| (g, false));
        for (group, live) in before.chain(after) {
            for parent in &group.parents {
                graph.parents.entry(&group.id).or_default().insert(parent);
                graph.children.entry(parent).or_default().insert(&group.id);
                if live {
                    graph
                        .live_children
                        .entry(parent)
                        .or_default()
                        .insert(&group.id);
                }
            }
        }
        graph
    }

    fn walk(map: &BTreeMap<&'a str, BTreeSet<&'a str>>, from: &'a str) -> BTreeSet<&'a str> {
        let mut seen = BTreeSet::from([from]);
        let mut queue = VecDeque::from([from]);
        while let Some(node) = queue.pop_front() {
            for &next in map.get(node).into_iter().flatten() {
                if seen.insert(next) {
                    queue.push_back(next);
                }
            }
        }
        seen
    }

    /// Whether `from` reaches `to` following parent edges.
    fn reaches(&self, from: &str, to: &str) -> bool {
        let Some((&from, _)) = self.parents.get_key_value(from) else {
            return false;
        };
        Self::walk(&self.parents, from).contains(to)
    }

    /// Removal steps whose removed edge `x → y` lies on a path `from ⇝ x → y ⇝ to`.
    fn removals_on_paths(
        &self,
        from: &str,
        to: &str,
        removing: &BTreeMap<&str, (usize, BTreeSet<&str>)>,
    ) -> Vec<usize> {
        let (Some((&from, _)), Some((&to, _))) = (
            self.parents.get_key_value(from),
            self.children
                .get_key_value(to)
                .or_else(|| self.parents.get_key_value(to)),
        ) else {
            return Vec::new();
        };
        let forward = Self::walk(&self.parents, from);
        let backward = Self::walk(&self.children, to);
        removing
            .iter()
            .filter(|(x, (_, removed))| {
                forward.contains(**x) && removed.iter().any(|y| backward.contains(y))
            })
            .map(|(_, (step, _))| *step)
            .collect()
    }
}

impl Plan {
    /// The changes apply carries out, with their index in `changes`.
    pub fn actionable_indexed(&self) -> impl Iterator<Item = (usize, &Change)> {
        self.changes
            .iter()
            .enumerate()
            .filter(|(_, c)| c.held.is_none())
    }
}

/// How one change ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum Outcome {
    /// Carried out.
    Done,
    /// The server refused or could not be reached.
    Failed {
        /// The full error message.
        error: String,
        /// HTTP status, when there was an answer.
        #[serde(skip_serializing_if = "Option::is_none")]
        http_status: Option<u16>,
        /// The problem detail.
        #[serde(skip_serializing_if = "Option::is_none")]
        detail: Option<String>,
        /// The server's trace id.
        #[serde(rename = "traceId", skip_serializing_if = "Option::is_none")]
        trace_id: Option<String>,
    },
    /// Not attempted because a change it depends on failed.
    Skipped {
        /// Which change failed.
        reason: String,
    },
    /// Not started because the run was interrupted.
    Interrupted,
}

/// The result of one change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeReport {
    /// Create, update or delete.
    pub action: Action,
    /// The group.
    pub id: String,
    /// How it ended.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// What an apply did, change by change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// One entry per carried-out change, in plan order.
    pub changes: Vec<ChangeReport>,
    /// Whether the run was interrupted.
    pub interrupted: bool,
}

impl Report {
    /// How many changes of `action` are done.
    pub fn done(&self, action: Action) -> usize {
        self.changes
            .iter()
            .filter(|c| c.action == action && c.outcome == Outcome::Done)
            .count()
    }

    /// The changes that failed.
    pub fn failed(&self) -> impl Iterator<Item = &ChangeReport> {
        self.changes
            .iter()
            .filter(|c| matches!(c.outcome, Outcome::Failed { .. }))
    }

    /// The changes that were not attempted (skipped or interrupted).
    pub fn not_attempted(&self) -> impl Iterator<Item = &ChangeReport> {
        self.changes
            .iter()
            .filter(|c| matches!(c.outcome, Outcome::Skipped { .. } | Outcome::Interrupted))
    }

    /// Whether every change is done.
    pub fn is_complete(&self) -> bool {
        self.changes.iter().all(|c| c.outcome == Outcome::Done)
    }
}

/// One `tracing` event per finished change, so a program that embeds gdgroups sees every
/// operation through its own subscriber (target `gdgroups::apply`).
fn trace_outcome(report: &ChangeReport) {
    let action = report.action.verb();
    let id = report.id.as_str();
    match &report.outcome {
        Outcome::Done => {
            tracing::info!(target: "gdgroups::apply", id, action, outcome = "done", "{action} {id}: done");
        }
        Outcome::Failed {
            error,
            http_status,
            trace_id,
            ..
        } => tracing::error!(
            target: "gdgroups::apply",
            id,
            action,
            outcome = "failed",
            status = http_status.unwrap_or_default(),
            trace_id = trace_id.as_deref().unwrap_or_default(),
            "{action} {id}: failed: {error}"
        ),
        Outcome::Skipped { reason } => {
            tracing::warn!(target: "gdgroups::apply", id, action, outcome = "skipped", "{action} {id}: skipped: {reason}");
        }
        Outcome::Interrupted => {
            tracing::warn!(target: "gdgroups::apply", id, action, outcome = "interrupted", "{action} {id}: not started");
        }
    }
}

/// Told about every change as it starts and finishes, for progress output.
pub trait Progress: Sync {
    /// A request of `change` is about to be sent: it is in flight until it finishes. (An update
    /// that is split in two starts twice.)
    fn started(&self, change: &Change) {
        let _ = change;
    }
    /// A change finished (done, failed or skipped).
    fn finished(&self, report: &ChangeReport);
}

/// Ctrl-C as the executor sees it: once cancelled, no new step starts. It also tells the signal
/// handler whether any write may be in flight, so an interrupt before the first write can stop
/// at once (nothing to finish) while one during the writes lets them finish.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicU8>);

/// The states of a [`Cancel`]; one atomic, so an interrupt and the start of the writes cannot
/// both believe they came first.
const IDLE: u8 = 0;
const WRITING: u8 = 1;
const CANCELLED: u8 = 2;

/// What an interrupt found, and so what the process should do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interrupt {
    /// No write had started (and now none will): stop at once.
    BeforeWrites,
    /// Writes are running: let them finish, start nothing new, report.
    DuringWrites,
    /// Already cancelled once: the user does not want to wait.
    Again,
}

impl Cancel {
    /// Asks the run to stop starting new steps.
    pub fn cancel(&self) {
        self.0.store(CANCELLED, Ordering::SeqCst);
    }

    /// Whether the run was asked to stop.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst) == CANCELLED
    }

    /// Cancels, and says what was going on at that moment.
    pub fn interrupt(&self) -> Interrupt {
        match self.0.swap(CANCELLED, Ordering::SeqCst) {
            IDLE => Interrupt::BeforeWrites,
            WRITING => Interrupt::DuringWrites,
            _ => Interrupt::Again,
        }
    }

    /// Marks the start of the writes. When cancelled already it stays cancelled, and the run
    /// starts nothing.
    fn begin_writes(&self) {
        let _ = self
            .0
            .compare_exchange(IDLE, WRITING, Ordering::SeqCst, Ordering::SeqCst);
    }
}

/// Runs the plan against `target`, at most `parallelism` requests at once.
pub async fn run<T: Target>(
    plan: &Plan,
    live: &Live,
    target: &T,
    parallelism: usize,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Report {
    cancel.begin_writes();
    let steps = &steps(plan, live);
    let mut dependants: Vec<Vec<usize>> = vec![Vec::new(); steps.len()];
    let mut waiting: Vec<usize> = steps.iter().map(|s| s.deps.len()).collect();
    for (i, step) in steps.iter().enumerate() {
        for &dep in &step.deps {
            dependants[dep].push(i);
        }
    }
    // Steps left per change (a split update has two), and each change's outcome once known.
    let mut left: BTreeMap<usize, usize> = BTreeMap::new();
    for step in steps {
        *left.entry(step.change).or_default() += 1;
    }
    let mut outcomes: BTreeMap<usize, Outcome> = BTreeMap::new();
    // Deletes are the destructive step: they start only once every create and update has
    // settled (done, failed or skipped), so an interrupted or failing run never loses a group
    // before its replacement or its detached children are in place.
    let is_delete = |i: usize| matches!(steps[i].request, Request::Delete(_));
    let mut unsettled_writes = (0..steps.len()).filter(|&i| !is_delete(i)).count();
    let mut settled = vec![false; steps.len()];
    let mut ready: BTreeSet<usize> = (0..steps.len())
        .filter(|&i| waiting[i] == 0 && !is_delete(i))
        .collect();
    let mut ready_deletes: BTreeSet<usize> = (0..steps.len())
        .filter(|&i| waiting[i] == 0 && is_delete(i))
        .collect();
    let mut running = FuturesUnordered::new();
    let report_change =
        |change: usize, outcome: Outcome, outcomes: &mut BTreeMap<usize, Outcome>| {
            if outcomes.contains_key(&change) {
                return;
            }
            let c = &plan.changes[change];
            let entry = ChangeReport {
                action: c.action,
                id: c.id.clone(),
                outcome: outcome.clone(),
            };
            trace_outcome(&entry);
            progress.finished(&entry);
            outcomes.insert(change, outcome);
        };

    loop {
        while running.len() < parallelism.max(1) && !cancel.is_cancelled() {
            let next = ready.pop_first().or_else(|| {
                (unsettled_writes == 0)
                    .then(|| ready_deletes.pop_first())
                    .flatten()
            });
            let Some(i) = next else { break };
            progress.started(&plan.changes[steps[i].change]);
            running.push(async move {
                let result = match &steps[i].request {
                    Request::Create(g) => target.create(g).await,
                    Request::Update(g) => target.update(g).await,
                    Request::Delete(id) => target.delete(id).await,
                };
                (i, result)
            });
        }
        let Some((i, result)) = running.next().await else {
            break;
        };
        let change = steps[i].change;
        let mut settle = |step: usize| {
            if !settled[step] {
                settled[step] = true;
                if !is_delete(step) {
                    unsettled_writes -= 1;
                }
            }
        };
        settle(i);
        match result {
            Ok(()) => {
                let remaining = left.entry(change).or_default();
                *remaining -= 1;
                if *remaining == 0 {
                    report_change(change, Outcome::Done, &mut outcomes);
                }
                for &d in &dependants[i] {
                    waiting[d] -= 1;
                    if waiting[d] == 0 {
                        if is_delete(d) {
                            ready_deletes.insert(d);
                        } else {
                            ready.insert(d);
                        }
                    }
                }
            }
            Err(error) => {
                let failed = Outcome::Failed {
                    error: error.to_string(),
                    http_status: error.status(),
                    detail: error.detail().map(str::to_string),
                    trace_id: error.trace_id().map(str::to_string),
                };
                report_change(change, failed, &mut outcomes);
                let reason = format!(
                    "{} `{}` failed",
                    plan.changes[change].action.verb(),
                    plan.changes[change].id
                );
                let mut stack = dependants[i].clone();
                let mut seen = BTreeSet::new();
                while let Some(d) = stack.pop() {
                    if seen.insert(d) {
                        ready.remove(&d);
                        ready_deletes.remove(&d);
                        settle(d);
                        report_change(
                            steps[d].change,
                            Outcome::Skipped {
                                reason: reason.clone(),
                            },
                            &mut outcomes,
                        );
                        stack.extend(&dependants[d]);
                    }
                }
            }
        }
    }

    let mut changes = Vec::new();
    let carried: BTreeSet<usize> = steps.iter().map(|s| s.change).collect();
    for change in carried {
        let c = &plan.changes[change];
        let outcome = outcomes.remove(&change).unwrap_or(Outcome::Interrupted);
        changes.push(ChangeReport {
            action: c.action,
            id: c.id.clone(),
            outcome,
        });
    }
    Report {
        interrupted: cancel.is_cancelled(),
        changes,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::plan::{PlanOptions, compute};

    /// An in-memory server with the API's rules: parents must exist, no cycles, ids unique.
    struct Fake {
        groups: Mutex<BTreeMap<String, Group>>,
        fail: BTreeSet<String>,
        log: Mutex<Vec<String>>,
    }

    impl Fake {
        fn new(groups: &[Group], fail: &[&str]) -> Self {
            Self {
                groups: Mutex::new(groups.iter().map(|g| (g.id.clone(), g.clone())).collect()),
                fail: fail.iter().map(|s| (*s).to_string()).collect(),
                log: Mutex::new(Vec::new()),
            }
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
            self.log
                .lock()
                .unwrap()
                .push(format!("create {}", group.id));
            let mut groups = self.groups.lock().unwrap();
            self.check(&groups, group)?;
            groups.insert(group.id.clone(), group.clone());
            Ok(())
        }
        async fn update(&self, group: &Group) -> Result<(), ApiError> {
            self.log
                .lock()
                .unwrap()
                .push(format!("update {} {:?}", group.id, group.parents));
            let mut groups = self.groups.lock().unwrap();
            self.check(&groups, group)?;
            groups.insert(group.id.clone(), group.clone());
            Ok(())
        }
        async fn delete(&self, id: &str) -> Result<(), ApiError> {
            self.log.lock().unwrap().push(format!("delete {id}"));
            if self.fail.contains(id) {
                return Self::refuse(id, "injected");
            }
            let mut groups = self.groups.lock().unwrap();
            groups.remove(id);
            for g in groups.values_mut() {
                g.parents.remove(id);
            }
            Ok(())
        }
    }

    struct Quiet;
    impl Progress for Quiet {
        fn finished(&self, _: &ChangeReport) {}
    }

    /// What a progress display is told, in order.
    #[derive(Default)]
    struct Recorded(Mutex<Vec<String>>);
    impl Progress for Recorded {
        fn started(&self, change: &Change) {
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
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let report = runtime.block_on(run(
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
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let report = runtime.block_on(run(
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
        assert!(
            log.iter().position(|l| l == "delete g49") < log.iter().position(|l| l == "delete g00")
        );
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
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let report = runtime.block_on(run(&plan, &Live::new([]), &fake, 8, &Quiet, &cancel));
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
}
