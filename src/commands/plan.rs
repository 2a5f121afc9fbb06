//! `gdgroups plan`: fetch the live groups, compute the plan, render it on stdout, optionally save it.

use super::{Ctx, fresh_plan, render_document};
use crate::cli::PlanArgs;
use crate::error::{Error, Exit};
use crate::gooddata::DEFAULT_PARALLELISM;
use crate::plan::document::PlanDocument;
use crate::plan::safety;
use crate::render::Files;

/// Runs `plan`.
pub async fn run(args: &PlanArgs, ctx: &Ctx<'_>) -> Result<Exit, Error> {
    let (_, desired, live, plan) = fresh_plan(
        ctx,
        &args.file,
        &args.safety,
        usize::from(DEFAULT_PARALLELISM),
    )
    .await?;
    let doc = PlanDocument::new(plan);
    let saved = args.out.as_ref().map(|p| p.display().to_string());
    let files = Files {
        groups: Some(&desired.path),
        saved_plan: saved.as_deref(),
    };
    if let Err(refusal) = safety::lock_out(&doc.plan, &live)
        .and_then(|()| safety::check(&doc.plan, &args.safety.thresholds(doc.plan.source.safety)))
    {
        // The plan is still shown, so the reviewer sees what was refused; it is not saved.
        let files = Files {
            saved_plan: None,
            ..files
        };
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
    ctx.out
        .data(&render_document(&doc, &args.render, &ctx.out, files));
    if args.detailed_exitcode && doc.plan.summary.has_changes() {
        return Ok(Exit::Changes);
    }
    Ok(Exit::Success)
}
