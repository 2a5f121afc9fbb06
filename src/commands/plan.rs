//! `gdgroups plan`: fetch the live groups, compute the plan, render it on stdout, optionally save it.

use super::{Ctx, fresh_plan, render_document};
use crate::cli::PlanArgs;
use crate::error::{Error, Exit};
use crate::gooddata::DEFAULT_PARALLELISM;
use crate::plan::document::{PlanDocument, write_atomically};
use crate::plan::{next_step, safety};
use crate::render::{self, Files};

/// Runs `plan`.
pub async fn run(args: &PlanArgs, ctx: &Ctx<'_>) -> Result<Exit, Error> {
    let (_, desired, live, plan) = fresh_plan(
        ctx,
        &args.file,
        &args.safety,
        usize::from(DEFAULT_PARALLELISM),
    )
    .await?;
    let thresholds = args.safety.thresholds(plan.source.safety);
    let lock_out = crate::plan::lock_out(&plan, &live).err();
    let next = next_step(&plan, &thresholds, lock_out.as_ref());
    let doc = PlanDocument::new(plan).with_next_step(next);
    let saved = args.out.as_ref().map(|p| p.display().to_string());
    let files = Files {
        groups: Some(&desired.path),
        saved_plan: saved.as_deref(),
    };
    let refusal = match lock_out {
        Some(lock_out) => Err(lock_out.message()),
        None => safety::check(&doc.plan, &thresholds),
    };
    if let Err(refusal) = refusal {
        // The plan is still shown, so the reviewer sees what was refused; it is not saved.
        let files = Files {
            saved_plan: None,
            ..files
        };
        write_summary(args, &doc, files)?;
        ctx.out
            .data(&render_document(&doc, &args.render, &ctx.out, files));
        return Err(Error::Refused(refusal));
    }
    if let Some(path) = &args.out {
        doc.save(path).map_err(Error::Io)?;
        ctx.out.status(&format!(
            "Saved the plan to {}; apply it with `gdgroups apply {}`.",
            path.display(),
            path.display()
        ));
    }
    write_summary(args, &doc, files)?;
    ctx.out
        .data(&render_document(&doc, &args.render, &ctx.out, files));
    if args.detailed_exitcode && doc.plan.summary.has_changes() {
        return Ok(Exit::Changes);
    }
    Ok(Exit::Success)
}

/// `--summary-file`: the plan's summary and next step, one line.
fn write_summary(args: &PlanArgs, doc: &PlanDocument, files: Files<'_>) -> Result<(), Error> {
    let (Some(path), Some(next)) = (&args.summary_file, &doc.next_step) else {
        return Ok(());
    };
    let line = render::summary_file_line(&doc.plan, next, files);
    write_atomically(path, line.as_bytes()).map_err(Error::Io)
}
