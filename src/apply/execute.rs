//! Running the step graph: at most `parallelism` requests at once, each as soon as the steps it
//! waits for have succeeded; a failure skips only what depends on it.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;

use futures::StreamExt;
use futures::stream::FuturesUnordered;

use super::Cancel;
use super::report::{ChangeReport, Operation, Outcome, Report};
use super::request::{Request, Step};
use super::steps::steps;
use crate::access::{OrganizationPermission, PermissionGrant};
use crate::gooddata::{ApiError, Client};
use crate::graph::Graph;
use crate::group::Group;
use crate::live::Live;
use crate::plan::Plan;

/// Where the writes go: the API client, or a fake in tests.
pub trait Target: Sync {
    /// `POST` a new group.
    fn create(&self, group: &Group) -> impl Future<Output = Result<(), ApiError>> + Send;
    /// `PUT` a group's name and parents.
    fn update(&self, group: &Group) -> impl Future<Output = Result<(), ApiError>> + Send;
    /// `DELETE` a group.
    fn delete(&self, id: &str) -> impl Future<Output = Result<(), ApiError>> + Send;
    /// `addMembers` (`add == true`) or `removeMembers`.
    fn members(
        &self,
        group: &str,
        users: &BTreeSet<String>,
        add: bool,
    ) -> impl Future<Output = Result<(), ApiError>> + Send;
    /// `assignPermissions` (`assign == true`) or `revokePermissions`.
    fn permissions(
        &self,
        grant: &PermissionGrant,
        assign: bool,
    ) -> impl Future<Output = Result<(), ApiError>> + Send;
    /// `organization/managePermissions`: each group's whole new set.
    fn organization(
        &self,
        groups: &BTreeMap<String, BTreeSet<OrganizationPermission>>,
    ) -> impl Future<Output = Result<(), ApiError>> + Send;
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
    async fn members(
        &self,
        group: &str,
        users: &BTreeSet<String>,
        add: bool,
    ) -> Result<(), ApiError> {
        if add {
            self.add_members(group, users).await
        } else {
            self.remove_members(group, users).await
        }
    }
    async fn permissions(&self, grant: &PermissionGrant, assign: bool) -> Result<(), ApiError> {
        if assign {
            self.assign_permissions(grant).await
        } else {
            self.revoke_permissions(grant).await
        }
    }
    fn organization(
        &self,
        groups: &BTreeMap<String, BTreeSet<OrganizationPermission>>,
    ) -> impl Future<Output = Result<(), ApiError>> + Send {
        self.set_organization_permissions(groups)
    }
}

/// Sends one request.
async fn send<T: Target>(target: &T, request: &Request) -> Result<(), ApiError> {
    match request {
        Request::Create(g) => target.create(g).await,
        Request::Update(g) => target.update(g).await,
        Request::Delete(id) => target.delete(id).await,
        Request::AddMembers { group, users } => target.members(group, users, true).await,
        Request::RemoveMembers { group, users } => target.members(group, users, false).await,
        Request::Assign(grant) => target.permissions(grant, true).await,
        Request::Revoke(grant) => target.permissions(grant, false).await,
        Request::Organization(groups) => target.organization(groups).await,
    }
}

/// The report entry of a request, before its outcome is known.
fn entry(request: &Request, outcome: Outcome) -> ChangeReport {
    let groups: Vec<String> = request.groups().into_iter().map(str::to_string).collect();
    let (action, users, workspaces, data_sources) = match request {
        Request::Create(_) => (Operation::Create, None, None, None),
        Request::Update(_) => (Operation::Update, None, None, None),
        Request::Delete(_) => (Operation::Delete, None, None, None),
        Request::AddMembers { users, .. } => (Operation::AddMembers, Some(users), None, None),
        Request::RemoveMembers { users, .. } => (Operation::RemoveMembers, Some(users), None, None),
        Request::Assign(grant) | Request::Revoke(grant) => (
            if matches!(request, Request::Assign(_)) {
                Operation::AssignPermissions
            } else {
                Operation::RevokePermissions
            },
            None,
            Some(grant.workspaces.keys().cloned().collect()),
            Some(grant.data_sources.keys().cloned().collect()),
        ),
        Request::Organization(_) => (Operation::OrganizationPermissions, None, None, None),
    };
    ChangeReport {
        action,
        id: groups.first().cloned().unwrap_or_default(),
        groups: if groups.len() > 1 { groups } else { Vec::new() },
        users: users
            .map(|u| u.iter().cloned().collect())
            .unwrap_or_default(),
        workspaces: workspaces.unwrap_or_default(),
        data_sources: data_sources.unwrap_or_default(),
        outcome,
    }
}

/// One `tracing` event per finished operation, so a program that embeds gdgroups sees every
/// operation through its own subscriber (target `gdgroups::apply`).
fn trace_outcome(report: &ChangeReport) {
    let action = report.action.verb();
    let id = report.id.as_str();
    let label = report.label();
    match &report.outcome {
        Outcome::Done => {
            tracing::info!(target: "gdgroups::apply", id, action, outcome = "done", "{label}: done");
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
            "{label}: failed: {error}"
        ),
        Outcome::Skipped { reason } => {
            tracing::warn!(target: "gdgroups::apply", id, action, outcome = "skipped", "{label}: skipped: {reason}");
        }
        Outcome::Interrupted => {
            tracing::warn!(target: "gdgroups::apply", id, action, outcome = "interrupted", "{label}: not started");
        }
    }
}

/// Told about every operation as it starts and finishes, for progress output.
pub trait Progress: Sync {
    /// How many operations the run reports, once at the start and again whenever it grows (a
    /// group left out of a batched request is reported on its own).
    fn planned(&self, operations: usize) {
        let _ = operations;
    }
    /// A request of the operation `label` ([`ChangeReport::label`]) is about to be sent: it is
    /// in flight until it finishes. (An update that is split in two starts twice.)
    fn started(&self, label: &str) {
        let _ = label;
    }
    /// An operation finished (done, failed or skipped).
    fn finished(&self, report: &ChangeReport);
}

/// The operations of a plan: how many entries a complete report of it has.
pub fn operations(plan: &Plan, live: &Live) -> usize {
    steps(plan, live)
        .iter()
        .map(|s| s.op)
        .collect::<BTreeSet<usize>>()
        .len()
}

/// The report as it fills: one entry per operation (keyed by its index), and one per group left
/// out of a batched request (keyed by the operation and the group).
struct Entries<'p> {
    done: BTreeMap<(usize, String), ChangeReport>,
    progress: &'p dyn Progress,
    planned: usize,
}

impl Entries<'_> {
    /// Records an outcome, unless the entry has one already (the first half of a split update
    /// that failed stays failed).
    fn report(&mut self, key: (usize, String), request: &Request, outcome: Outcome) {
        if self.done.contains_key(&key) {
            return;
        }
        if !key.1.is_empty() {
            self.planned += 1;
            self.progress.planned(self.planned);
        }
        let entry = entry(request, outcome);
        trace_outcome(&entry);
        self.progress.finished(&entry);
        self.done.insert(key, entry);
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
    let mut schedule = Schedule::new(steps);
    // Steps left per operation (a split update has two).
    let mut left: BTreeMap<usize, usize> = BTreeMap::new();
    for step in steps {
        *left.entry(step.op).or_default() += 1;
    }
    let mut entries = Entries {
        done: BTreeMap::new(),
        progress,
        planned: left.len(),
    };
    progress.planned(entries.planned);
    // What is sent for each step: a batched request loses the groups whose create failed.
    let mut requests: Vec<Request> = steps.iter().map(|s| s.request.clone()).collect();
    let settle = |entries: &mut Entries, requests: &mut Vec<Request>, fallout: Fallout| {
        for (d, group, reason) in fallout.dropped {
            let alone = requests[d].only(&group);
            requests[d] = requests[d].without(&group);
            entries.report((steps[d].op, group), &alone, Outcome::Skipped { reason });
        }
        for (s, reason) in fallout.skipped {
            entries.report(
                (steps[s].op, String::new()),
                &requests[s],
                Outcome::Skipped { reason },
            );
        }
    };
    // A plan whose parents form a cycle (only a plan built by hand can have one) would leave
    // its steps waiting for each other forever: they, and what waits for them, are skipped.
    let fallout = schedule.skip_cycles();
    settle(&mut entries, &mut requests, fallout);

    let mut running = FuturesUnordered::new();
    loop {
        while running.len() < parallelism.max(1) && !cancel.is_cancelled() {
            let Some(i) = schedule.next() else { break };
            let request = &requests[i];
            if request.groups().is_empty() {
                // Every group of a batched request was left out: nothing to send, and nothing
                // that waits for it has reason to wait longer.
                schedule.succeeded(i);
                continue;
            }
            progress.started(&entry(request, Outcome::Interrupted).label());
            let request = request.clone();
            running.push(async move {
                let result = send(target, &request).await;
                (i, request, result)
            });
        }
        let Some((i, request, result)) = running.next().await else {
            break;
        };
        let op = steps[i].op;
        match result {
            Ok(()) => {
                schedule.succeeded(i);
                let remaining = left.entry(op).or_default();
                *remaining -= 1;
                if *remaining == 0 {
                    entries.report((op, String::new()), &request, Outcome::Done);
                }
            }
            Err(error) => {
                let failed = entry(&request, Outcome::Interrupted);
                entries.report(
                    (op, String::new()),
                    &request,
                    Outcome::Failed {
                        error: error.to_string(),
                        http_status: error.status(),
                        detail: error.detail().map(str::to_string),
                        trace_id: error.trace_id().map(str::to_string),
                    },
                );
                let reason = if failed.action.is_access() {
                    format!("{} failed", failed.label())
                } else {
                    format!("{} `{}` failed", failed.action.verb(), failed.id)
                };
                let fallout = schedule.failed(i, &reason);
                settle(&mut entries, &mut requests, fallout);
            }
        }
    }

    // Operations that never started (interrupted), unless every group of theirs was left out.
    for (i, step) in steps.iter().enumerate() {
        let key = (step.op, String::new());
        if !requests[i].groups().is_empty() && !entries.done.contains_key(&key) {
            let entry = entry(&requests[i], Outcome::Interrupted);
            entries.done.insert(key, entry);
        }
    }
    Report {
        interrupted: cancel.is_cancelled(),
        changes: entries.done.into_values().collect(),
    }
}

/// What a step that did not succeed does to those that wait for it.
#[derive(Debug, Default)]
struct Fallout {
    /// Steps skipped, with the reason.
    skipped: Vec<(usize, String)>,
    /// `(step, group, reason)`: a batched step that goes ahead without `group`.
    dropped: Vec<(usize, String, String)>,
}

/// Which steps may start: those whose dependencies all succeeded. Destructive steps (deletes)
/// start only once every other step has settled (done, failed or skipped), so an interrupted or
/// failing run never loses a group before its replacement or its detached children are in place.
struct Schedule<'s> {
    steps: &'s [Step],
    /// `i → j`: step `i` waits for step `j` (a dependency, or a create of one of its groups).
    graph: Graph,
    /// `j → i`: who waits for `j`.
    dependants: Graph,
    /// What each step waits for that has not settled (a dependency: succeeded) yet.
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
        let graph = Graph::from_rows(steps.iter().map(|s| {
            s.deps
                .iter()
                .chain(s.creates.keys())
                .copied()
                .collect::<BTreeSet<usize>>()
        }));
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
        for i in 0..steps.len() {
            if schedule.waiting[i] == 0 {
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

    /// One less thing for `d` to wait for.
    fn unblock(&mut self, d: usize) {
        self.waiting[d] -= 1;
        if self.waiting[d] == 0 && !self.settled[d] {
            self.make_ready(d);
        }
    }

    /// Step `i` succeeded: what waited only for it becomes ready.
    fn succeeded(&mut self, i: usize) {
        self.settle(i);
        for d in self.dependants.edges(i).to_vec() {
            self.unblock(d);
        }
    }

    /// Step `i` failed for `reason`: every step that depends on it, directly or not, is skipped;
    /// a batched step that waited for it as the create of one of its groups goes ahead without
    /// that group.
    fn failed(&mut self, i: usize, reason: &str) -> Fallout {
        self.settle(i);
        let mut fallout = Fallout::default();
        self.fall(vec![i], reason, &mut fallout);
        fallout
    }

    /// Passes on the failure of the settled steps `from` to what waits for them.
    fn fall(&mut self, from: Vec<usize>, reason: &str, fallout: &mut Fallout) {
        let mut stack = from;
        while let Some(j) = stack.pop() {
            for d in self.dependants.edges(j).to_vec() {
                if self.settled[d] {
                    continue;
                }
                if let Some(group) = self.steps[d].creates.get(&j) {
                    fallout.dropped.push((d, group.clone(), reason.to_string()));
                    self.unblock(d);
                } else if self.settle(d) {
                    fallout.skipped.push((d, reason.to_string()));
                    stack.push(d);
                }
            }
        }
    }

    /// Settles the steps that can never start because they wait, directly or not, for
    /// themselves, and what waits for them.
    fn skip_cycles(&mut self) -> Fallout {
        let ordered = self.graph.dependencies_first();
        let mut fallout = Fallout::default();
        if ordered.len() == self.steps.len() {
            return fallout;
        }
        let mut placed = vec![false; self.steps.len()];
        for i in ordered {
            placed[i] = true;
        }
        let reason = "the plan's parents form a cycle that this group is on or waits for";
        let stuck: Vec<usize> = (0..self.steps.len()).filter(|&i| !placed[i]).collect();
        for &i in &stuck {
            if self.settle(i) {
                fallout.skipped.push((i, reason.to_string()));
            }
        }
        self.fall(stuck, reason, &mut fallout);
        fallout
    }
}
