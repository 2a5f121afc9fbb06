//! Running the step graph: at most `parallelism` requests at once, each as soon as the steps it
//! waits for have succeeded; a failure skips only what depends on it.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;

use futures::StreamExt;
use futures::stream::FuturesUnordered;

use super::Cancel;
use super::report::{ChangeReport, Outcome, Report};
use super::steps::{Request, Step, steps};
use crate::gooddata::{ApiError, Client};
use crate::graph::Graph;
use crate::group::Group;
use crate::live::Live;
use crate::plan::{Change, Plan};

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
    let mut schedule = Schedule::new(steps);
    // Steps left per change (a split update has two), and each change's outcome once known.
    let mut left: BTreeMap<usize, usize> = BTreeMap::new();
    for step in steps {
        *left.entry(step.change).or_default() += 1;
    }
    let mut outcomes: BTreeMap<usize, Outcome> = BTreeMap::new();
    let mut report = |change: usize, outcome: Outcome| {
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
    // A plan whose parents form a cycle (only a plan built by hand can have one) would leave
    // its steps waiting for each other forever: they, and what waits for them, are skipped.
    for step in schedule.skip_cycles() {
        let reason =
            "the plan's parents form a cycle that this group is on or waits for".to_string();
        report(steps[step].change, Outcome::Skipped { reason });
    }

    let mut running = FuturesUnordered::new();
    loop {
        while running.len() < parallelism.max(1) && !cancel.is_cancelled() {
            let Some(i) = schedule.next() else { break };
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
        match result {
            Ok(()) => {
                schedule.succeeded(i);
                let remaining = left.entry(change).or_default();
                *remaining -= 1;
                if *remaining == 0 {
                    report(change, Outcome::Done);
                }
            }
            Err(error) => {
                report(
                    change,
                    Outcome::Failed {
                        error: error.to_string(),
                        http_status: error.status(),
                        detail: error.detail().map(str::to_string),
                        trace_id: error.trace_id().map(str::to_string),
                    },
                );
                let failed = &plan.changes[change];
                let reason = format!("{} `{}` failed", failed.action.verb(), failed.id);
                for skipped in schedule.failed(i) {
                    let reason = reason.clone();
                    report(steps[skipped].change, Outcome::Skipped { reason });
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

/// Which steps may start: those whose dependencies all succeeded. Destructive steps (deletes)
/// start only once every other step has settled (done, failed or skipped), so an interrupted or
/// failing run never loses a group before its replacement or its detached children are in place.
struct Schedule<'s> {
    steps: &'s [Step],
    /// `i → j`: step `i` waits for step `j`.
    graph: Graph,
    /// `j → i`: who waits for `j`.
    dependants: Graph,
    /// Dependencies of each step that have not succeeded yet.
    waiting: Vec<usize>,
    /// Done, failed or skipped.
    settled: Vec<bool>,
    /// Non-destructive steps not settled yet.
    unsettled: usize,
    ready: BTreeSet<usize>,
    ready_destructive: BTreeSet<usize>,
}

impl<'s> Schedule<'s> {
    fn new(steps: &'s [Step]) -> Self {
        let graph = Graph::from_rows(steps.iter().map(|s| s.deps.iter().copied()));
        let waiting: Vec<usize> = (0..steps.len()).map(|i| graph.edges(i).len()).collect();
        let mut schedule = Self {
            steps,
            dependants: graph.reversed(),
            graph,
            settled: vec![false; steps.len()],
            unsettled: steps.iter().filter(|s| !s.request.is_destructive()).count(),
            ready: BTreeSet::new(),
            ready_destructive: BTreeSet::new(),
            waiting,
        };
        for (i, step) in steps.iter().enumerate() {
            if step.deps.is_empty() {
                schedule.make_ready(i);
            }
        }
        schedule
    }

    fn make_ready(&mut self, i: usize) {
        if self.steps[i].request.is_destructive() {
            self.ready_destructive.insert(i);
        } else {
            self.ready.insert(i);
        }
    }

    /// The next step to start, if any may start now.
    fn next(&mut self) -> Option<usize> {
        self.ready.pop_first().or_else(|| {
            (self.unsettled == 0)
                .then(|| self.ready_destructive.pop_first())
                .flatten()
        })
    }

    fn settle(&mut self, i: usize) -> bool {
        if self.settled[i] {
            return false;
        }
        self.settled[i] = true;
        if !self.steps[i].request.is_destructive() {
            self.unsettled -= 1;
        }
        self.ready.remove(&i);
        self.ready_destructive.remove(&i);
        true
    }

    /// Step `i` succeeded: what waited only for it becomes ready.
    fn succeeded(&mut self, i: usize) {
        self.settle(i);
        let mut unblocked = Vec::new();
        for &d in self.dependants.edges(i) {
            self.waiting[d] -= 1;
            if self.waiting[d] == 0 && !self.settled[d] {
                unblocked.push(d);
            }
        }
        for d in unblocked {
            self.make_ready(d);
        }
    }

    /// Step `i` failed: it and every step that waits for it, directly or not, are settled. Returns
    /// those that wait for it (to be reported as skipped).
    fn failed(&mut self, i: usize) -> Vec<usize> {
        self.settle(i);
        self.skip_from(self.dependants.edges(i).to_vec())
    }

    /// Settles `from` and everything that waits for it; returns what was newly settled.
    fn skip_from(&mut self, from: Vec<usize>) -> Vec<usize> {
        let mut skipped = Vec::new();
        let mut stack = from;
        while let Some(d) = stack.pop() {
            if self.settle(d) {
                skipped.push(d);
                stack.extend(self.dependants.edges(d));
            }
        }
        skipped
    }

    /// Settles the steps that can never start because they wait, directly or not, for
    /// themselves; returns them.
    fn skip_cycles(&mut self) -> Vec<usize> {
        let ordered = self.graph.dependencies_first();
        if ordered.len() == self.steps.len() {
            return Vec::new();
        }
        let mut placed = vec![false; self.steps.len()];
        for i in ordered {
            placed[i] = true;
        }
        self.skip_from((0..self.steps.len()).filter(|&i| !placed[i]).collect())
    }
}
