//! The command line's entry point: parse the arguments, set up logging and the async runtime,
//! watch for Ctrl-C, run one subcommand, and turn its result into an exit code (spec §6). The
//! process exits in `main.rs` only: an interrupt that must stop at once ends the command's
//! future here and returns 130.

use std::ffi::OsString;

use clap::Parser as _;
use tokio::sync::oneshot;

use super::Ctx;
use crate::apply::{Cancel, Interrupt};
use crate::cli::{Cli, Command};
use crate::context::Context;
use crate::error::{Error, Exit};
use crate::output::{ColorChoice, Output};

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
        Ok(runtime) => {
            let result = runtime.block_on(dispatch(&cli.command, &command_ctx));
            // An interrupt may leave a blocking read (the approval prompt) behind: the process
            // ends without waiting for it.
            runtime.shutdown_background();
            result
        }
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
    let (stop_now, stopped) = oneshot::channel();
    // Listening starts here, before any work, so an early signal is not lost to a task that
    // has not run yet. Not for the sandbox: Ctrl-C is how a user stops it, successfully, and
    // SIGTERM keeps its default action there.
    let watcher = (!is_sandbox(command)).then(|| {
        tokio::spawn(watch_signals(
            Signals::new(),
            cancel.clone(),
            ctx.out.clone(),
            stop_now,
        ))
    });
    // When the watcher says to stop at once, the command's future is dropped where it stands.
    let result = tokio::select! {
        result = command_future(command, ctx, &cancel) => result,
        Ok(()) = stopped => Ok(Exit::Interrupted),
    };
    if let Some(watcher) = watcher {
        watcher.abort();
    }
    result
}

async fn command_future(command: &Command, ctx: &Ctx<'_>, cancel: &Cancel) -> Result<Exit, Error> {
    match command {
        Command::Validate(args) => super::validate::run(args, ctx),
        Command::Show(args) => super::show::run(args, ctx),
        Command::Completions(args) => super::completions::completions(args, ctx),
        Command::Man(args) => super::man::run(args, ctx),
        Command::Schema(args) => super::schema::run(args, ctx),
        Command::Dump(args) => super::dump::run(args, ctx).await,
        Command::Plan(args) => super::plan::run(args, ctx).await,
        Command::Apply(args) => super::apply::run(args, ctx, cancel).await,
        #[cfg(feature = "sandbox")]
        Command::Sandbox(args) => super::sandbox::run(args, ctx).await,
    }
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
/// printed, exit 130. A second one exits at once, without waiting (`stop_now`).
async fn watch_signals(
    mut signals: Signals,
    cancel: Cancel,
    out: Output,
    stop_now: oneshot::Sender<()>,
) {
    loop {
        signals.next().await;
        match cancel.interrupt() {
            Interrupt::BeforeWrites => {
                out.always("Interrupted; no change was made.");
                let _ = stop_now.send(());
                return;
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
                let _ = stop_now.send(());
                return;
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
