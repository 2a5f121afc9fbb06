//! `gdgroups show`: render a saved plan, with no credentials and no network.

use super::{Ctx, render_document};
use crate::cli::ShowArgs;
use crate::error::{Error, Exit};
use crate::plan::document::PlanDocument;
use crate::render::Files;

/// Runs `show`.
pub fn run(args: &ShowArgs, ctx: &Ctx<'_>) -> Result<Exit, Error> {
    let doc = PlanDocument::load(&args.plan)?;
    let files = Files {
        groups: None,
        saved_plan: Some(&args.plan.display().to_string()),
    };
    ctx.out
        .data(&render_document(&doc, &args.render, &ctx.out, files));
    Ok(Exit::Success)
}
