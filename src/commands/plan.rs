//! `gdgroups plan`: fetch the live groups, compute the plan, render it on stdout.

use super::{Ctx, fresh_plan};
use crate::cli::PlanArgs;
use crate::error::{Error, Exit};
use crate::render;

/// Runs `plan`.
pub async fn run(args: &PlanArgs, ctx: &Ctx<'_>) -> Result<Exit, Error> {
    let (_, _, _, plan) = fresh_plan(ctx, &args.file, args.safety.no_delete, 8).await?;
    ctx.out.data(&render::human::render(&plan, ctx.out.color));
    if args.detailed_exitcode && plan.summary.has_changes() {
        return Ok(Exit::Changes);
    }
    Ok(Exit::Success)
}
