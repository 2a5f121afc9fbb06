//! `gdgroups completions`: generated from the clap definitions, so they never drift from the
//! real flags.

use clap::CommandFactory as _;

use super::Ctx;
use crate::cli::{Cli, CompletionsArgs};
use crate::error::{Error, Exit};

/// Runs `completions`.
pub fn completions(args: &CompletionsArgs, ctx: &Ctx<'_>) -> Result<Exit, Error> {
    let mut command = Cli::command();
    let mut buffer = Vec::new();
    clap_complete::generate(args.shell, &mut command, "gdgroups", &mut buffer);
    ctx.out.data(&String::from_utf8_lossy(&buffer));
    Ok(Exit::Success)
}
