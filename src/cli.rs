//! The command line: clap types only. [`crate::run`] turns them into checked settings before any
//! command runs.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::output::ColorChoice;

/// Manage the user groups of a GoodData organization as code: plan, review, apply.
#[derive(Debug, Parser)]
#[command(
    name = "gdgroups",
    version = crate::LONG_VERSION,
    propagate_version = true
)]
#[cfg_attr(
    feature = "sandbox",
    command(
        after_help = "Credentials: GDGROUPS_HOST / GDGROUPS_TOKEN (or GOODDATA_HOST / GOODDATA_TOKEN).\n\
                      Try it without an account: `gdgroups sandbox` in one terminal, then\n\
                      `GDGROUPS_HOST=http://127.0.0.1:3000 GDGROUPS_TOKEN=sandbox gdgroups plan` in another."
    )
)]
#[cfg_attr(
    not(feature = "sandbox"),
    command(
        after_help = "Credentials: GDGROUPS_HOST / GDGROUPS_TOKEN (or GOODDATA_HOST / GOODDATA_TOKEN)."
    )
)]
pub struct Cli {
    /// Options for every command.
    #[command(flatten, next_help_heading = "Global options")]
    pub global: GlobalArgs,
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Options that every command accepts.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Organization URL.
    #[arg(
        long,
        global = true,
        value_name = "URL",
        help = "Organization URL, e.g. https://acme.cloud.gooddata.com [env: GDGROUPS_HOST, GOODDATA_HOST]"
    )]
    pub host: Option<String>,
    /// Profile in the GoodData profiles file.
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// Profiles file [default: ~/.gooddata/profiles.yaml].
    #[arg(long, global = true, value_name = "PATH")]
    pub profiles_file: Option<PathBuf>,
    /// Extra trusted CA certificate (PEM), for servers with a private CA [env: SSL_CERT_FILE].
    #[arg(long, global = true, value_name = "PATH")]
    pub ca_cert: Option<PathBuf>,
    /// Seconds before a request is given up (and retried).
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 30.0)]
    pub timeout: f64,
    /// Allow plain http:// to a host other than this machine (the token travels in clear).
    #[arg(long, global = true)]
    pub allow_http: bool,
    /// When to use colours.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
    /// Log requests to stderr (-v: method, path, status, duration; -vv: more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,
    /// Print only errors and the final summary.
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

impl Default for GlobalArgs {
    /// What an empty command line means (the library's `Provisioner::from_env` uses it).
    fn default() -> Self {
        Self {
            host: None,
            profile: None,
            profiles_file: None,
            ca_cert: None,
            timeout: 30.0,
            allow_http: false,
            color: ColorChoice::Auto,
            verbose: 0,
            quiet: false,
        }
    }
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a groups file without contacting the server.
    #[command(after_help = "Example:\n  gdgroups validate -f groups.yaml")]
    Validate(ValidateArgs),
    /// Show what apply would change.
    #[command(after_help = "Examples:
  gdgroups plan
  gdgroups plan --detailed-exitcode        # exit 2 when there are changes
  gdgroups plan --out plan.json --format markdown > plan.md   # for a pull request")]
    Plan(PlanArgs),
    /// Change the organization to match the groups file (or a saved plan).
    #[command(after_help = "Examples:
  gdgroups apply                   # plan, show, ask, apply
  gdgroups apply --auto-approve    # in CI, from the groups file
  gdgroups apply plan.json         # a plan reviewed in a pull request")]
    Apply(ApplyArgs),
    /// Render a saved plan; needs no credentials or network.
    #[command(after_help = "Example:\n  gdgroups show plan.json --format markdown")]
    Show(ShowArgs),
    /// Write the live groups as a canonical groups.yaml (to adopt an existing organization).
    #[command(
        after_help = "Example:\n  gdgroups dump -o groups.yaml && gdgroups plan   # shows no changes"
    )]
    Dump(DumpArgs),
    /// Print the JSON Schema of groups.yaml.
    #[command(after_help = "Example:\n  gdgroups schema > groups.schema.json")]
    Schema,
    /// Run a local, in-memory GoodData user-group API to try gdgroups or test against.
    #[cfg(feature = "sandbox")]
    #[command(
        after_help = "Example:\n  gdgroups sandbox --seed examples/seed.yaml\n  GDGROUPS_HOST=http://127.0.0.1:3000 GDGROUPS_TOKEN=sandbox gdgroups plan -f examples/groups.yaml"
    )]
    Sandbox(SandboxArgs),
    /// Print shell completions.
    #[command(
        after_help = "Examples:\n  gdgroups completions bash > ~/.local/share/bash-completion/completions/gdgroups\n  gdgroups completions zsh > ~/.zfunc/_gdgroups"
    )]
    Completions(CompletionsArgs),
    /// Print the man page (roff), or write one page per command with --dir.
    #[command(after_help = "Examples:
  gdgroups man --dir ~/.local/share/man/man1 && man gdgroups-plan
  gdgroups man > gdgroups.1 && man ./gdgroups.1")]
    Man(ManArgs),
}

/// Where the desired state comes from.
#[derive(Debug, Args, Clone)]
pub struct FileArgs {
    /// The groups file (YAML or JSON; CSV when it ends in `.csv`).
    // Not a clap default, so that a missing file the user did not name gets its own advice;
    // the help shows the default as clap would.
    #[arg(
        short = 'f',
        long = "file",
        value_name = "FILE",
        help = "The groups file (YAML or JSON; CSV when it ends in `.csv`) [default: groups.yaml]",
        long_help = "The groups file (YAML or JSON; CSV when it ends in `.csv`)\n\n[default: groups.yaml]"
    )]
    pub file: Option<PathBuf>,
    /// Only touch listed groups; `active: false` deletes (also `mode: incremental` in the file).
    #[arg(long)]
    pub incremental: bool,
    /// Accept an empty `groups` list in full mode (which deletes every unprotected group).
    #[arg(long)]
    pub allow_empty: bool,
}

impl FileArgs {
    /// The file `-f` names, or `groups.yaml` in the current directory.
    pub fn path(&self) -> &std::path::Path {
        self.file
            .as_deref()
            .unwrap_or(std::path::Path::new(DEFAULT_FILE))
    }
}

/// The groups file read when `-f` is not given.
pub const DEFAULT_FILE: &str = "groups.yaml";

/// `gdgroups validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The file.
    #[command(flatten)]
    pub file: FileArgs,
}

/// Rules that hold deletes back.
#[derive(Debug, Args, Clone)]
pub struct SafetyArgs {
    /// Show deletes but do not carry them out.
    #[arg(long)]
    pub no_delete: bool,
    /// Refuse a plan that deletes more than N groups (overrides `safety.max_deletes`).
    #[arg(long, value_name = "N")]
    pub max_deletes: Option<u64>,
    /// Refuse a plan that deletes more than P % of the managed groups (overrides
    /// `safety.max_delete_percent`; default 30; not applied below 10 groups).
    #[arg(long, value_name = "P", value_parser = parse_percent)]
    pub max_delete_percent: Option<f64>,
    /// Approve the delete of this group beyond the thresholds (repeatable).
    #[arg(long, value_name = "ID")]
    pub allow_delete: Vec<String>,
}

fn parse_percent(text: &str) -> Result<f64, String> {
    match text.trim_end_matches('%').parse::<f64>() {
        Ok(p) if (0.0..=100.0).contains(&p) => Ok(p),
        _ => Err(format!("`{text}` is not a percentage from 0 to 100")),
    }
}

impl SafetyArgs {
    /// The thresholds in force: these flags over the file's (or saved plan's) `safety:`.
    pub fn thresholds(&self, file: crate::desired::Safety) -> crate::plan::safety::Thresholds {
        crate::plan::safety::Thresholds::new(
            file,
            self.max_deletes,
            self.max_delete_percent,
            &self.allow_delete,
        )
    }
}

/// `gdgroups plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The file.
    #[command(flatten)]
    pub file: FileArgs,
    /// Safety rules.
    #[command(flatten)]
    pub safety: SafetyArgs,
    /// Exit 2 when there are changes, 0 when there are none.
    #[arg(long)]
    pub detailed_exitcode: bool,
    /// Save the plan (JSON) for `gdgroups apply PLAN` after review.
    #[arg(long, value_name = "PLAN")]
    pub out: Option<PathBuf>,
    /// How to render the plan on stdout.
    #[command(flatten)]
    pub render: RenderArgs,
}

/// How a plan is rendered.
#[derive(Debug, Args, Clone)]
pub struct RenderArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Byte budget of the Markdown format (the GitHub comment limit by default).
    #[arg(long, value_name = "BYTES", default_value_t = crate::render::markdown::DEFAULT_MAX_BYTES)]
    pub max_bytes: usize,
}

/// `gdgroups apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// A plan saved by `gdgroups plan --out`: applied as reviewed, after checking that the live
    /// groups did not move since. Without it, a fresh plan is made from the groups file.
    #[arg(value_name = "PLAN")]
    pub plan: Option<PathBuf>,
    /// The file.
    #[command(flatten)]
    pub file: FileArgs,
    /// Safety rules.
    #[command(flatten)]
    pub safety: SafetyArgs,
    /// Apply without asking (needed when there is no terminal).
    #[arg(long)]
    pub auto_approve: bool,
    /// Requests in flight at once.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub parallelism: u16,
    /// Write the per-operation result as JSON.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
}

/// `gdgroups dump`.
#[derive(Debug, Args)]
pub struct DumpArgs {
    /// Write to this file (atomically) instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace the -o file if it exists (a hand-edited groups file would lose its edits).
    #[arg(long, requires = "output")]
    pub force: bool,
}

/// `gdgroups completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `gdgroups man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write gdgroups.1 and a page per command (gdgroups-plan.1, …) into this directory,
    /// creating it if needed, instead of printing gdgroups.1.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// `gdgroups show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A plan saved by `gdgroups plan --out`.
    #[arg(value_name = "PLAN")]
    pub plan: PathBuf,
    /// How to render it.
    #[command(flatten)]
    pub render: RenderArgs,
}

/// `gdgroups sandbox`.
#[cfg(feature = "sandbox")]
#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Address to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:3000")]
    pub listen: std::net::SocketAddr,
    /// The bearer token the sandbox accepts.
    #[arg(long, value_name = "TOKEN", default_value = "sandbox")]
    pub token: String,
    /// The user the token belongs to (`GET /api/v1/profile`); when the seed does not name it,
    /// it is created in the bootstrap group, which holds organization MANAGE.
    #[arg(long, value_name = "USER", default_value = "admin")]
    pub token_user: String,
    /// A groups file to start from: groups with optional `members:` and permissions, and
    /// optionally `users:`, `workspaces:` and `data_sources:` (see the README).
    #[arg(long, value_name = "FILE")]
    pub seed: Option<PathBuf>,
    /// Cap on the page size of listings (a server may answer with smaller pages than asked).
    #[arg(long, value_name = "N")]
    pub max_page_size: Option<usize>,
    /// Fault injection: delay every API request by this many milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub latency_ms: u64,
    /// Fault injection: at most N requests per fixed window, then 429 (e.g. `100/10s`).
    #[arg(long, value_name = "N/WINDOW", value_parser = crate::sandbox::parse_rate_limit)]
    pub rate_limit: Option<(u32, std::time::Duration)>,
    /// Fault injection: answer this fraction of API requests with 503 (0.0–1.0).
    #[arg(long, value_name = "RATE", default_value_t = 0.0, value_parser = parse_rate)]
    pub fail_rate: f64,
    /// Fault injection: close the connection without an answer for this fraction (0.0–1.0).
    #[arg(long, value_name = "RATE", default_value_t = 0.0, value_parser = parse_rate)]
    pub drop_rate: f64,
    /// Seed of the fault injection's random choices, for reproducible runs.
    #[arg(long, value_name = "N")]
    pub rng_seed: Option<u64>,
    /// Fault injection: refuse every write of this group id with a 500 (repeatable), to see how
    /// apply reports a partial failure.
    #[arg(long, value_name = "ID")]
    pub refuse_write: Vec<String>,
    /// Fault injection: carry out every write at once but answer it only after this many
    /// milliseconds (reads stay quick), to try Ctrl-C during an apply.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub write_answer_delay_ms: u64,
    /// Behave like an older server without the user-management listings (the groups with
    /// their user counts and permissions, and members): they answer 404, so plans show the
    /// impact of deletes as unknown.
    #[arg(long)]
    pub without_user_management: bool,
    /// Serve HTTPS with this PEM certificate chain (server certificate first); needs --tls-key.
    #[arg(long, value_name = "PATH", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, value_name = "PATH", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
}

#[cfg(feature = "sandbox")]
fn parse_rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(r) if (0.0..=1.0).contains(&r) => Ok(r),
        _ => Err(format!("`{text}` is not a fraction from 0.0 to 1.0")),
    }
}

/// Output formats of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Format {
    /// Coloured text for a terminal.
    #[default]
    Human,
    /// Markdown for a pull-request comment or a CI job summary.
    Markdown,
    /// The versioned JSON document a saved plan holds.
    Json,
}
