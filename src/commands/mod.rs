//! One file per subcommand, each `run(args, ctx) -> Result<Exit, Error>`.

pub mod apply;
pub mod completions;
pub mod dump;
pub mod plan;
#[cfg(feature = "sandbox")]
pub mod sandbox;
pub mod schema;
pub mod show;
pub mod validate;

use crate::cli::{FileArgs, Format, GlobalArgs, RenderArgs};
use crate::connection;
use crate::context::Context;
use crate::desired::{self, Desired, LoadOptions, Mode};
use crate::error::Error;
use crate::gooddata::Client;
use crate::live::Live;
use crate::output::Output;
use crate::plan::document::PlanDocument;
use crate::plan::{Action, Plan, PlanOptions, compute};
use crate::render;

/// What every command gets: the global flags, the surroundings, and the output.
pub struct Ctx<'a> {
    /// Global flags.
    pub global: &'a GlobalArgs,
    /// Environment, terminals.
    pub env: &'a Context,
    /// Where to write.
    pub out: Output,
}

/// Loads and checks the desired state.
/// An empty `groups` list in full mode would delete every unprotected group: that is a safety
/// refusal (exit 4, naming `--allow-empty`), not a syntax error, so it is decided here.
pub(crate) fn load_desired(args: &FileArgs) -> Result<Desired, Error> {
    let options = LoadOptions {
        incremental: args.incremental,
        allow_empty: true,
    };
    let desired = desired::load(&args.file, options).map_err(Error::Input)?;
    if desired.mode == Mode::Full && desired.groups.is_empty() && !args.allow_empty {
        return Err(Error::Refused(format!(
            "{} declares no groups: in full mode that deletes every group that is not protected or ignored. \
             Pass --allow-empty if that is really meant, or --incremental (`mode: incremental` in YAML) to change only some groups",
            desired.path
        )));
    }
    Ok(desired)
}

/// Connects, fetches the live state, and computes the plan: the shared first half of `plan` and
/// `apply`.
pub(crate) async fn fresh_plan(
    ctx: &Ctx<'_>,
    file: &FileArgs,
    no_delete: bool,
    parallelism: usize,
) -> Result<(Client, Desired, Live, Plan), Error> {
    let desired = load_desired(file)?;
    let client = connect(ctx, parallelism)?;
    ctx.out
        .status(&format!("Reading the user groups of {} …", client.host()));
    let mut live = client.fetch_live().await?;
    let options = PlanOptions {
        host: client.host().to_string(),
        no_delete,
    };
    let mut plan = compute(&desired, &live, &options).map_err(Error::Input)?;
    if plan.changes.iter().any(|c| c.action == Action::Delete) {
        // What deletes cost is only worth its requests when there are deletes.
        live.member_counts = client.member_counts().await?;
        plan = compute(&desired, &live, &options).map_err(Error::Input)?;
    }
    Ok((client, desired, live, plan))
}

/// Renders a plan document in the requested format.
pub(crate) fn render_document(
    doc: &PlanDocument,
    args: &RenderArgs,
    out: &crate::output::Output,
) -> String {
    match args.format {
        Format::Human => render::human::render_fitted(&doc.plan, out.color, out.width),
        Format::Markdown => render::markdown::render(doc, args.max_bytes),
        Format::Json => doc.to_json(),
    }
}

/// Connects for a command that applies a saved plan: the same settings, a given parallelism.
pub(crate) fn connect(ctx: &Ctx<'_>, parallelism: usize) -> Result<Client, Error> {
    let mut config = connection::resolve(ctx.global, ctx.env)?;
    config.parallelism = parallelism;
    Client::new(&config).map_err(Error::Config)
}
