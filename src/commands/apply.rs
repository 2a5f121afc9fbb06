//! `gdgroups apply`: plan, show, ask (on a terminal), then carry the plan out with progress.

use std::fmt::Write as _;
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressStyle};

use super::{Ctx, connect, fresh_plan};
use crate::apply::{self, Cancel, ChangeReport, Outcome, Progress, Report};
use crate::cli::ApplyArgs;
use crate::error::{Error, Exit};
use crate::output::Output;
use crate::plan::Action;
use crate::plan::document::{PlanDocument, moved_since, write_atomically};
use crate::plan::safety;
use crate::render;

/// Runs `apply`: a saved plan after the stale check, or a fresh plan after approval.
pub async fn run(args: &ApplyArgs, ctx: &Ctx<'_>, cancel: &Cancel) -> Result<Exit, Error> {
    let parallelism = usize::from(args.parallelism);
    let (client, live, plan) = if let Some(path) = &args.plan {
        let doc = PlanDocument::load(path).map_err(Error::Io)?;
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
        let live = client.fetch_live().await?;
        if let Some(moved) = moved_since(&doc.plan, &live) {
            return Err(Error::Refused(format!(
                "the plan is stale: the live groups changed since it was made ({}); nothing was applied. Make and review a new plan",
                moved.describe()
            )));
        }
        let mut plan = doc.plan;
        if args.safety.no_delete {
            plan.hold_deletes("--no-delete");
        }
        ctx.out.data(&render::human::render_fitted(
            &plan,
            ctx.out.color,
            ctx.out.width,
        ));
        safety::check(&plan, &args.safety.thresholds(plan.source.safety))
            .map_err(Error::Refused)?;
        (client, live, plan)
    } else {
        let (client, _, live, plan) =
            fresh_plan(ctx, &args.file, &args.safety, parallelism).await?;
        ctx.out.data(&render::human::render_fitted(
            &plan,
            ctx.out.color,
            ctx.out.width,
        ));
        safety::check(&plan, &args.safety.thresholds(plan.source.safety))
            .map_err(Error::Refused)?;
        if plan.summary.has_changes() && !args.auto_approve {
            approve(&ctx.out)?;
        }
        (client, live, plan)
    };
    if !plan.summary.has_changes() {
        write_report(args, &Report::default())?;
        return Ok(Exit::Success);
    }
    let total = plan.actionable().count();
    let progress = Reporter::new(&ctx.out, total);
    let report = apply::run(&plan, &live, &client, parallelism, &progress, cancel).await;
    progress.finish();
    ctx.out.always(&final_summary(&report));
    write_report(args, &report)?;
    Ok(if report.interrupted {
        Exit::Interrupted
    } else if report.is_complete() {
        Exit::Success
    } else {
        Exit::Partial
    })
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

/// `Apply complete: 1 created, 1 updated, 1 deleted.`, or the failures and skips with reasons.
pub fn final_summary(report: &Report) -> String {
    let counts = format!(
        "{} created, {} updated, {} deleted",
        report.done(Action::Create),
        report.done(Action::Update),
        report.done(Action::Delete)
    );
    if report.is_complete() {
        return format!("Apply complete: {counts}.");
    }
    let mut text = String::new();
    if report.interrupted {
        let _ = writeln!(text, "Apply interrupted: {counts}.");
    } else {
        let _ = writeln!(text, "Apply partly failed: {counts}.");
    }
    let failed: Vec<&ChangeReport> = report.failed().collect();
    if !failed.is_empty() {
        let _ = writeln!(text, "Failed ({}):", failed.len());
        for change in failed {
            if let Outcome::Failed { error, .. } = &change.outcome {
                let _ = writeln!(text, "  {} {}: {error}", change.action.verb(), change.id);
            }
        }
    }
    let skipped: Vec<&ChangeReport> = report.not_attempted().collect();
    if !skipped.is_empty() {
        let _ = writeln!(text, "Not attempted ({}):", skipped.len());
        for change in skipped {
            let why = match &change.outcome {
                Outcome::Skipped { reason } => format!("skipped: {reason}"),
                _ => "not started: interrupted".to_string(),
            };
            let _ = writeln!(text, "  {} {}: {why}", change.action.verb(), change.id);
        }
    }
    let _ = write!(text, "Run the same command again to retry what is left.");
    text
}

/// A progress bar on a terminal; one plain line per finished change otherwise (CI logs).
struct Reporter<'a> {
    out: &'a Output,
    bar: Option<ProgressBar>,
    done: Mutex<usize>,
    total: usize,
}

impl<'a> Reporter<'a> {
    fn new(out: &'a Output, total: usize) -> Self {
        let bar = (out.stderr_is_terminal && !out.quiet).then(|| {
            let bar = ProgressBar::with_draw_target(
                Some(total as u64),
                indicatif::ProgressDrawTarget::stderr(),
            );
            bar.set_style(
                ProgressStyle::with_template("[{bar:30}] {pos}/{len} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("#>-"),
            );
            bar
        });
        Self {
            out,
            bar,
            done: Mutex::new(0),
            total,
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Progress for Reporter<'_> {
    fn finished(&self, report: &ChangeReport) {
        let mut done = self
            .done
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *done += 1;
        let what = match &report.outcome {
            Outcome::Done => format!("{} {}", past(report.action), report.id),
            Outcome::Failed { error, .. } => {
                format!("failed to {} {}: {error}", report.action.verb(), report.id)
            }
            Outcome::Skipped { reason } => {
                format!("skipped {} {}: {reason}", report.action.verb(), report.id)
            }
            Outcome::Interrupted => format!("not started {} {}", report.action.verb(), report.id),
        };
        match &self.bar {
            Some(bar) => {
                bar.set_position(*done as u64);
                bar.set_message(format!("{} {}", report.action.verb(), report.id));
                if !matches!(report.outcome, Outcome::Done) {
                    bar.println(what);
                }
            }
            None => self
                .out
                .status(&format!("[{}/{}] {what}", *done, self.total)),
        }
    }
}

fn past(action: Action) -> &'static str {
    match action {
        Action::Create => "created",
        Action::Update => "updated",
        Action::Delete => "deleted",
    }
}
