//! `gdgroups apply`: plan, show, ask (on a terminal), then carry the plan out with progress.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use super::{Ctx, connect, fresh_plan};
use crate::apply::{self, Cancel, ChangeReport, Outcome, Progress, Report};
use crate::cli::ApplyArgs;
use crate::error::{Error, Exit};
use crate::output::Output;
use crate::plan::document::{PlanDocument, already_applied, moved_since, write_atomically};
use crate::plan::safety;
use crate::plan::{Action, Plan};
use crate::render;

/// Runs `apply`: a saved plan after the stale check, or a fresh plan after approval.
pub async fn run(args: &ApplyArgs, ctx: &Ctx<'_>, cancel: &Cancel) -> Result<Exit, Error> {
    let parallelism = usize::from(args.parallelism);
    let (client, live, plan, file) = if let Some(path) = &args.plan {
        let doc = PlanDocument::load(path)?;
        let client = connect(ctx, parallelism)?;
        if !same_host(&doc.plan.host, client.host()) {
            return Err(Error::Refused(format!(
                "{} was made for {}, not {}; apply it against the host it was reviewed for",
                path.display(),
                doc.plan.host,
                client.host()
            )));
        }
        ctx.out.status(&format!(
            "Checking that the user groups of {} did not change since the plan …",
            client.host()
        ));
        let live = crate::provision::read::for_saved(&client, &doc.plan).await?;
        if let Some(moved) = moved_since(&doc.plan, &live) {
            if already_applied(&doc.plan, &live) {
                ctx.out.always(&format!(
                    "{} was already applied: the live groups are what it leads to. Nothing to do.",
                    path.display()
                ));
                write_report(args, &Report::default())?;
                return Ok(Exit::Success);
            }
            return Err(Error::Refused(format!(
                "the plan is stale: the live groups changed since it was made ({}); nothing was applied. Make and review a new plan",
                moved.describe()
            )));
        }
        let mut plan = doc.plan;
        if args.safety.no_delete {
            plan.hold_deletes("--no-delete");
        }
        show_plan(&ctx.out, &plan, None, false);
        safety::lock_out(&plan, &live).map_err(Error::Refused)?;
        safety::check(&plan, &args.safety.thresholds(plan.source.safety))
            .map_err(Error::Refused)?;
        (client, live, plan, None)
    } else {
        let (client, desired, live, plan) =
            fresh_plan(ctx, &args.file, &args.safety, parallelism).await?;
        let asking = plan.summary.has_changes() && !args.auto_approve;
        show_plan(&ctx.out, &plan, Some(&desired.path), asking);
        safety::lock_out(&plan, &live).map_err(Error::Refused)?;
        safety::check(&plan, &args.safety.thresholds(plan.source.safety))
            .map_err(Error::Refused)?;
        if asking {
            approve(&ctx.out)?;
        }
        (client, live, plan, Some(desired.path))
    };
    if !plan.summary.has_changes() {
        if ctx.out.quiet {
            // The plan was not shown, so this is the run's final summary.
            ctx.out
                .always(&render::human::summary(&plan, file.as_deref()));
        }
        write_report(args, &Report::default())?;
        return Ok(Exit::Success);
    }
    let progress = Reporter::new(&ctx.out, apply::operations(&plan, &live));
    let report = apply::run(&plan, &live, &client, parallelism, &progress, cancel).await;
    progress.finish();
    ctx.out
        .always(&final_summary(&report, args.report.as_deref()));
    write_report(args, &report)?;
    Ok(if report.interrupted {
        Exit::Interrupted
    } else if report.is_complete() {
        Exit::Success
    } else {
        Exit::Partial
    })
}

/// Shows the plan on stdout before it is carried out. With `-q` only when someone is asked to
/// approve it: nobody approves what they cannot see.
fn show_plan(out: &Output, plan: &Plan, file: Option<&str>, asking: bool) {
    if !out.quiet || asking {
        // No next step: this command is the next step.
        out.data(&render::human::render_fitted(
            plan, out.color, out.width, file, None,
        ));
    }
}

/// Hosts are the same when they differ only in a trailing slash or letter case of the host name.
fn same_host(a: &str, b: &str) -> bool {
    a.trim_end_matches('/')
        .eq_ignore_ascii_case(b.trim_end_matches('/'))
}

fn write_report(args: &ApplyArgs, report: &Report) -> Result<(), Error> {
    let Some(path) = &args.report else {
        return Ok(());
    };
    let mut json = serde_json::to_string_pretty(report).map_err(|e| Error::Io(e.to_string()))?;
    json.push('\n');
    write_atomically(path, json.as_bytes()).map_err(Error::Io)
}

/// Asks for `yes` on a terminal; refuses (exit 4) without one rather than wait.
fn approve(out: &Output) -> Result<(), Error> {
    if !(out.stdin_is_terminal && out.stderr_is_terminal) {
        return Err(Error::Refused(
            "not applying: there is no terminal to confirm on; review the plan and pass --auto-approve".into(),
        ));
    }
    match out
        .prompt("Apply these changes? Only 'yes' is accepted:")
        .as_deref()
    {
        Some("yes") => Ok(()),
        _ => Err(Error::Refused(
            "not applied: the answer was not 'yes'".into(),
        )),
    }
}

/// At most this many failed and this many not-started operations are listed at the end, so the
/// summary fits a screen; the rest are counted, and the report lists them all.
const LISTED: usize = 10;

/// `Apply complete: 1 created, 1 updated, 1 deleted.`, or the failures and skips with reasons,
/// at most ten of each; `report_file` is where the rest can be read.
pub fn final_summary(report: &Report, report_file: Option<&Path>) -> String {
    let mut counts = format!(
        "{} created, {} updated, {} deleted",
        report.done(Action::Create),
        report.done(Action::Update),
        report.done(Action::Delete)
    );
    if report.has_access() {
        let done = report.access_done();
        let _ = write!(
            counts,
            "; {} added, {} removed; {} assigned, {} revoked",
            plural(done.members_added, "member", "members"),
            done.members_removed,
            plural(done.assigned, "permission set", "permission sets"),
            done.revoked
        );
    }
    if report.is_complete() {
        return format!("Apply complete: {counts}.");
    }
    let mut text = String::new();
    if report.interrupted {
        let _ = writeln!(text, "Apply interrupted: {counts}.");
    } else {
        let _ = writeln!(text, "Apply partly failed: {counts}.");
    }
    let see = report_file.map_or_else(
        || "pass --report FILE to list them all".to_string(),
        |path| format!("see {}", path.display()),
    );
    let failed: Vec<&ChangeReport> = report.failed().collect();
    if !failed.is_empty() {
        let _ = writeln!(text, "Failed ({}):", failed.len());
        for change in failed.iter().take(LISTED) {
            if let Outcome::Failed { error, .. } = &change.outcome {
                let _ = writeln!(text, "  {}: {error}", change.label());
            }
        }
        if failed.len() > LISTED {
            let _ = writeln!(text, "  … and {} more failed; {see}", failed.len() - LISTED);
        }
    }
    let skipped: Vec<&ChangeReport> = report.not_attempted().collect();
    if !skipped.is_empty() {
        let _ = writeln!(text, "Not attempted ({}):", skipped.len());
        for change in skipped.iter().take(LISTED) {
            let why = match &change.outcome {
                Outcome::Skipped { reason } => format!("skipped: {reason}"),
                _ => "not started: interrupted".to_string(),
            };
            let _ = writeln!(text, "  {}: {why}", change.label());
        }
        if skipped.len() > LISTED {
            let _ = writeln!(
                text,
                "  … and {} more not started; {see}",
                skipped.len() - LISTED
            );
        }
    }
    let _ = write!(text, "Run the same command again to retry what is left.");
    text
}

/// A progress bar on a terminal: drawn at once, with the elapsed time and the operations in
/// flight. Without a terminal (CI logs), one plain line per finished operation.
struct Reporter<'a> {
    out: &'a Output,
    bar: Option<ProgressBar>,
    state: Mutex<Flight>,
}

/// What the bar shows: how many operations finished, and which are running now, in the order
/// they started.
#[derive(Default)]
struct Flight {
    done: usize,
    /// Operations the run reports (it can grow: see [`Progress::planned`]).
    total: usize,
    running: Vec<String>,
}

impl<'a> Reporter<'a> {
    fn new(out: &'a Output, total: usize) -> Self {
        let bar = (out.stderr_is_terminal && !out.quiet).then(|| {
            let bar = ProgressBar::with_draw_target(
                Some(total as u64),
                indicatif::ProgressDrawTarget::stderr(),
            );
            bar.set_style(
                ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} {wide_msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("#>-"),
            );
            // Drawn now, before the first answer, and redrawn while slow requests wait, so the
            // elapsed time moves.
            bar.enable_steady_tick(Duration::from_millis(200));
            bar.tick();
            bar
        });
        Self {
            out,
            bar,
            state: Mutex::new(Flight {
                total,
                ..Flight::default()
            }),
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    fn flight(&self) -> std::sync::MutexGuard<'_, Flight> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// `3 running: create a, create b, update c` (the bar cuts it to the terminal's width).
fn running_text(running: &[String]) -> String {
    if running.is_empty() {
        String::new()
    } else {
        format!("{} running: {}", running.len(), running.join(", "))
    }
}

impl Progress for Reporter<'_> {
    fn planned(&self, operations: usize) {
        let mut flight = self.flight();
        flight.total = operations;
        if let Some(bar) = &self.bar {
            bar.set_length(operations as u64);
        }
    }

    fn started(&self, label: &str) {
        let mut flight = self.flight();
        if !flight.running.iter().any(|l| l == label) {
            flight.running.push(label.to_string());
        }
        if let Some(bar) = &self.bar {
            bar.set_message(running_text(&flight.running));
        }
    }

    fn finished(&self, report: &ChangeReport) {
        let mut flight = self.flight();
        flight.done += 1;
        let label = report.label();
        flight.running.retain(|l| *l != label);
        let what = match &report.outcome {
            Outcome::Done => report.done_label(),
            Outcome::Failed { error, .. } => format!("failed to {label}: {error}"),
            Outcome::Skipped { reason } => format!("skipped {label}: {reason}"),
            Outcome::Interrupted => format!("not started {label}"),
        };
        match &self.bar {
            Some(bar) => {
                bar.set_position(flight.done as u64);
                bar.set_message(running_text(&flight.running));
                // Failures show at once; what was skipped is listed (briefly) at the end.
                if matches!(report.outcome, Outcome::Failed { .. }) {
                    bar.println(what);
                }
            }
            None => self
                .out
                .status(&format!("[{}/{}] {what}", flight.done, flight.total)),
        }
    }
}

/// `1 member`, `2 members`.
fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Context;
    use crate::output::ColorChoice;

    fn change(action: Action, id: &str) -> String {
        format!("{} {id}", action.verb())
    }

    fn finished(action: Action, id: &str, outcome: Outcome) -> ChangeReport {
        ChangeReport::group(action, id, outcome)
    }

    #[test]
    fn the_bar_shows_what_is_in_flight_not_what_finished_last() {
        let out = Output::new(ColorChoice::Never, true, &Context::default());
        let reporter = Reporter::new(&out, 3);
        let running = || running_text(&reporter.flight().running);
        assert_eq!(running(), "");
        reporter.started(&change(Action::Create, "a"));
        reporter.started(&change(Action::Update, "b"));
        // The second half of a split update is the same operation.
        reporter.started(&change(Action::Update, "b"));
        assert_eq!(running(), "2 running: create a, update b");
        reporter.finished(&finished(Action::Create, "a", Outcome::Done));
        assert_eq!(running(), "1 running: update b");
        reporter.started(&change(Action::Delete, "c"));
        reporter.finished(&finished(Action::Update, "b", Outcome::Done));
        assert_eq!(running(), "1 running: delete c");
        reporter.finished(&finished(Action::Delete, "c", Outcome::Done));
        assert_eq!(running(), "");
        assert_eq!(reporter.flight().done, 3);
    }
}
