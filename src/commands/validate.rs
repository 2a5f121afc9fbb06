//! `gdgroups validate`: parse and check the desired state; nothing is sent.

use std::fmt::Write as _;

use super::{Ctx, load_desired};
use crate::cli::ValidateArgs;
use crate::error::{Error, Exit};

/// Runs `validate`.
pub fn run(args: &ValidateArgs, ctx: &Ctx<'_>) -> Result<Exit, Error> {
    let desired = load_desired(&args.file)?;
    let inactive = desired.groups.iter().filter(|g| !g.active).count();
    let mut line = format!("{} is valid: {} groups", desired.path, desired.groups.len());
    if inactive > 0 {
        let _ = write!(line, " ({inactive} marked active: false)");
    }
    ctx.out.always(&format!("{line}."));
    Ok(Exit::Success)
}
