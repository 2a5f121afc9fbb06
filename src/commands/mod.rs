//! One file per subcommand, each `run(args, ctx) -> Result<Exit, Error>`.

pub mod apply;
pub mod completions;
pub mod dump;
pub mod man;
pub mod plan;
pub(crate) mod run;
#[cfg(feature = "sandbox")]
pub mod sandbox;
pub mod schema;
pub mod show;
pub mod validate;

use crate::cli::{FileArgs, Format, GlobalArgs, RenderArgs, SafetyArgs};
use crate::connection;
use crate::context::Context;
use crate::desired::{self, Desired, LoadOptions, Mode};
use crate::error::Error;
use crate::gooddata::Client;
use crate::live::Live;
use crate::output::Output;
use crate::plan::document::PlanDocument;
use crate::plan::{Plan, PlanOptions};
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
    let path = args.path();
    if !path.exists() && path.symlink_metadata().is_err() {
        let shown = path.display();
        let help = if args.file.is_none() {
            format!(
                "gdgroups reads {shown} in the current directory unless `-f FILE` names another \
                 (for example `-f examples/groups.yaml`); `gdgroups dump -o {shown}` writes one \
                 from the live groups"
            )
        } else {
            "check the path; a relative one starts in the current directory".to_string()
        };
        return Err(Error::Io(format!(
            "{shown}: no such file\n  = help: {help}"
        )));
    }
    let desired = desired::load(path, options).map_err(Error::Input)?;
    if desired.mode == Mode::Full && desired.groups.is_empty() && !args.allow_empty {
        // Checked again without the allowance, for the parser's located problem: it points at
        // the `groups:` line like every other problem of the file.
        let strict = LoadOptions {
            allow_empty: false,
            ..options
        };
        let located = match desired::parse(&desired.path, &desired.source, strict) {
            Err(diagnostics) => diagnostics.render_unlabelled().trim_end().to_string(),
            Ok(_) => format!("{} declares no groups", desired.path),
        };
        return Err(Error::Refused(located));
    }
    Ok(desired)
}

/// Connects, fetches the live state, and computes the plan: the shared first half of `plan` and
/// `apply`.
pub(crate) async fn fresh_plan(
    ctx: &Ctx<'_>,
    file: &FileArgs,
    safety: &SafetyArgs,
    parallelism: usize,
) -> Result<(Client, Desired, Live, Plan), Error> {
    let desired = load_desired(file)?;
    let client = connect(ctx, parallelism)?;
    ctx.out
        .status(&format!("Reading the user groups of {} …", client.host()));
    let options = PlanOptions {
        host: client.host().to_string(),
        no_delete: safety.no_delete,
        bootstrap_group: safety.bootstrap_group.clone(),
    };
    let (live, plan) = crate::provision::read::plan(&client, &desired, &options).await?;
    Ok((client, desired, live, plan))
}

/// Renders a plan document in the requested format. `-q` leaves one line of the human format:
/// the summary and the next step, the line `--summary-file` writes; the other formats are data
/// that was asked for by name.
pub(crate) fn render_document(
    doc: &PlanDocument,
    args: &RenderArgs,
    out: &crate::output::Output,
    files: render::Files<'_>,
) -> String {
    match args.format {
        Format::Human if out.quiet => match &doc.next_step {
            Some(next) => render::summary_file_line(&doc.plan, next, files),
            None => format!("{}\n", render::human::summary(&doc.plan, files.groups)),
        },
        Format::Human => {
            let next = doc
                .next_step
                .as_ref()
                .map(|next| render::next_step_text(next, &doc.plan, files.saved_plan));
            render::human::render_fitted(
                &doc.plan,
                out.color,
                out.width,
                files.groups,
                next.as_deref(),
            )
        }
        Format::Markdown => {
            render::markdown::render(doc, args.max_bytes, files, args.title.heading())
        }
        Format::Json => doc.to_json(),
    }
}

/// Connects for a command that applies a saved plan: the same settings, a given parallelism.
pub(crate) fn connect(ctx: &Ctx<'_>, parallelism: usize) -> Result<Client, Error> {
    let mut config = connection::resolve(&ctx.global.connection()?, ctx.env)?;
    config.parallelism = parallelism;
    Client::new(&config).map_err(Error::Config)
}
