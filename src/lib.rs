//! gdgroups keeps the user groups of a GoodData Cloud / GoodData.CN organization equal to a
//! reviewed file.
//!
//! Data flows one way: `groups.yaml` is parsed into [`desired::Desired`], the API client reads
//! [`live::Live`], [`plan::compute`] diffs them without any I/O, and the plan is rendered
//! ([`render`]) or carried out ([`apply`]).
//!
//! With the default feature `sandbox`, [`sandbox`] is the local GoodData user-group API of the
//! `gdgroups-sandbox` crate and `gdgroups sandbox` serves it; without it (`default-features =
//! false`) neither the library nor the binary pulls in a server.

pub mod access;
pub mod apply;
pub mod cli;
pub mod commands;
pub mod connection;
pub mod context;
pub mod desired;
pub mod diagnostic;
pub mod error;
pub mod gooddata;
pub mod graph;
pub mod group;
pub mod live;
pub mod output;
pub mod plan;
pub mod provision;
pub mod render;
/// The local GoodData user-group API (the `gdgroups-sandbox` crate), behind the default
/// feature `sandbox`.
#[cfg(feature = "sandbox")]
pub use gdgroups_sandbox as sandbox;

use std::ffi::OsString;

use clap::Parser as _;

use crate::apply::{Cancel, Interrupt};
use crate::cli::{Cli, Command};
use crate::commands::Ctx;
use crate::context::Context;
use crate::error::{Error, Exit};
use crate::output::{ColorChoice, Output};

/// The version of gdgroups.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// `0.1.0 (commit 1a2b3c4d5e6f)`: the version and the git commit it was built from.
pub const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("GDGROUPS_COMMIT"),
    ")"
);

/// Runs the command line `args` in the surroundings `ctx` and returns the exit code (spec §6).
pub fn run(args: impl IntoIterator<Item = OsString>, ctx: &Context) -> u8 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            if let Some(error) = token_flag(&e) {
                let out = Output::new(ColorChoice::Auto, false, ctx);
                out.always(&error.report(out.color_err));
                return error.exit_code();
            }
            // clap's own exit code 2 would collide with `plan --detailed-exitcode`.
            let code = if e.use_stderr() { 64 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    let out = Output::new(cli.global.color, cli.global.quiet, ctx);
    init_logging(cli.global.verbose, ctx, out.color_err);
    let command_ctx = Ctx {
        global: &cli.global,
        env: ctx,
        out: out.clone(),
    };
    let result = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(dispatch(&cli.command, &command_ctx)),
        Err(e) => Err(Error::Io(format!("cannot start the async runtime: {e}"))),
    };
    match result {
        Ok(exit) => exit.code(),
        Err(error) => {
            out.always(&error.report(out.color_err));
            error.exit_code()
        }
    }
}

/// `--token` is not an option, on purpose (spec §8): someone who tries it learns where the token
/// does come from, and why. The value typed is not repeated.
fn token_flag(error: &clap::Error) -> Option<Error> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let (ErrorKind::UnknownArgument, Some(ContextValue::String(arg))) =
        (error.kind(), error.get(ContextKind::InvalidArg))
    else {
        return None;
    };
    (arg == "--token" || arg.starts_with("--token=")).then(|| {
        Error::Usage(
            "there is no --token option: the API token comes from the GDGROUPS_TOKEN (or \
             GOODDATA_TOKEN) environment variable, or from a profile in ~/.gooddata/profiles.yaml \
             (`--profile NAME`). A token on the command line would leak into `ps` and shell \
             history, so gdgroups takes none. Run `export GDGROUPS_TOKEN=...` instead, and \
             remove the token from your shell history if you typed a real one"
                .into(),
        )
    })
}

async fn dispatch(command: &Command, ctx: &Ctx<'_>) -> Result<Exit, Error> {
    let cancel = Cancel::default();
    // Listening starts here, before any work, so an early signal is not lost to a task that
    // has not run yet. Not for the sandbox: Ctrl-C is how a user stops it, successfully, and
    // SIGTERM keeps its default action there.
    let watcher = (!is_sandbox(command)).then(|| {
        tokio::spawn(watch_signals(
            Signals::new(),
            cancel.clone(),
            ctx.out.clone(),
        ))
    });
    let result = match command {
        Command::Validate(args) => commands::validate::run(args, ctx),
        Command::Show(args) => commands::show::run(args, ctx),
        Command::Completions(args) => commands::completions::completions(args, ctx),
        Command::Man(args) => commands::man::run(args, ctx),
        Command::Schema => commands::schema::run(ctx),
        Command::Dump(args) => commands::dump::run(args, ctx).await,
        Command::Plan(args) => commands::plan::run(args, ctx).await,
        Command::Apply(args) => commands::apply::run(args, ctx, &cancel).await,
        #[cfg(feature = "sandbox")]
        Command::Sandbox(args) => commands::sandbox::run(args, ctx).await,
    };
    if let Some(watcher) = watcher {
        watcher.abort();
    }
    result
}

fn is_sandbox(command: &Command) -> bool {
    #[cfg(feature = "sandbox")]
    {
        matches!(command, Command::Sandbox(_))
    }
    #[cfg(not(feature = "sandbox"))]
    {
        let _ = command;
        false
    }
}

/// Ctrl-C or SIGTERM (spec §5). Before the first write nothing needs finishing, so it exits
/// at once. During the writes: no new operation starts, running ones finish, the report is
/// printed, exit 130. A second one exits at once, without waiting.
async fn watch_signals(mut signals: Signals, cancel: Cancel, out: Output) {
    loop {
        signals.next().await;
        match cancel.interrupt() {
            Interrupt::BeforeWrites => {
                out.always("Interrupted; no change was made.");
                std::process::exit(130);
            }
            Interrupt::DuringWrites => out.always(
                "Interrupted: no new change starts; waiting for the running ones to finish \
                 (press Ctrl-C again to stop at once) …",
            ),
            Interrupt::Again => {
                out.always(
                    "Interrupted again: stopped without waiting; the changes that were running \
                     may or may not have been made. Run the same command again to finish what \
                     is left.",
                );
                std::process::exit(130);
            }
        }
    }
}

/// Ctrl-C and SIGTERM, listened to from the start: listeners made afresh for each wait would
/// miss a signal that arrives between two waits, and once tokio has taken a signal over, a
/// missed one is lost rather than ending the process.
#[cfg(unix)]
struct Signals(Vec<tokio::signal::unix::Signal>);

#[cfg(unix)]
impl Signals {
    fn new() -> Self {
        use tokio::signal::unix::{SignalKind, signal};
        Self(
            [SignalKind::interrupt(), SignalKind::terminate()]
                .into_iter()
                .filter_map(|kind| signal(kind).ok())
                .collect(),
        )
    }

    async fn next(&mut self) {
        if self.0.is_empty() {
            // Nothing could be listened to: the signals keep their default action.
            std::future::pending::<()>().await;
        }
        let waits = self.0.iter_mut().map(|s| Box::pin(s.recv()));
        let _ = futures::future::select_all(waits).await;
    }
}

#[cfg(not(unix))]
struct Signals;

#[cfg(not(unix))]
impl Signals {
    fn new() -> Self {
        Self
    }

    async fn next(&mut self) {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// `-v` logs requests, `-vv` more; `GDGROUPS_LOG` overrides with a `tracing` filter.
fn init_logging(verbose: u8, ctx: &Context, color: bool) {
    let default = match verbose {
        // Per-operation events duplicate the progress lines and the final report at this level.
        0 => "warn,gdgroups::apply=off",
        1 => "gdgroups=debug",
        _ => "gdgroups=trace,reqwest=debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_new(ctx.var("GDGROUPS_LOG").unwrap_or(default))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(color)
        .with_target(false)
        .without_time()
        .try_init();
}
