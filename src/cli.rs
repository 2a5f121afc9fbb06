//! The command line: clap types only. [`crate::run`] turns them into checked settings before any
//! command runs.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::connection;
use crate::error::Error;
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
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 30.0, value_parser = parse_seconds)]
    pub timeout: f64,
    /// Seconds a request may take in all, its retries and their waits included.
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 300.0, value_parser = parse_seconds)]
    pub request_deadline: f64,
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
    /// What an empty command line means.
    fn default() -> Self {
        Self {
            host: None,
            profile: None,
            profiles_file: None,
            ca_cert: None,
            timeout: 30.0,
            request_deadline: 300.0,
            allow_http: false,
            color: ColorChoice::Auto,
            verbose: 0,
            quiet: false,
        }
    }
}

impl GlobalArgs {
    /// The connection settings these flags give: what the library's [`connection::resolve`]
    /// completes from the environment and the profiles file.
    pub fn connection(&self) -> Result<connection::Settings, Error> {
        let seconds = |flag: &str, value: f64| {
            // clap checks the range already; arguments built in code get an error, not a panic.
            Duration::try_from_secs_f64(value)
                .ok()
                .filter(|d| !d.is_zero())
                .ok_or_else(|| {
                    Error::Usage(format!(
                        "{flag} must be a positive number of seconds, not {value}"
                    ))
                })
        };
        Ok(connection::Settings {
            host: self.host.clone(),
            profile: self.profile.clone(),
            profiles_file: self.profiles_file.clone(),
            ca_cert: self.ca_cert.clone(),
            timeout: seconds("--timeout", self.timeout)?,
            request_deadline: seconds("--request-deadline", self.request_deadline)?,
            allow_http: self.allow_http,
        })
    }
}

/// The longest `--timeout` or `--request-deadline`: a day.
pub const MAX_SECONDS: f64 = 86_400.0;

/// A number of seconds from a millisecond to [`MAX_SECONDS`]; anything else (negative, zero,
/// huge, `NaN`, `inf`) is a usage error rather than a panic converting it to a duration.
fn parse_seconds(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(s) if (0.001..=MAX_SECONDS).contains(&s) => Ok(s),
        _ => Err(format!(
            "`{text}` is not a number of seconds from 0.001 to {MAX_SECONDS} (a day)"
        )),
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
  gdgroups plan --out plan.json --format markdown > plan.md   # for a pull request
  gdgroups plan --detailed-exitcode --format markdown --title drift   # a scheduled drift check
  gdgroups plan --out plan.json --summary-file summary.txt     # plus one line for CI")]
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
    /// Print the JSON Schema of groups.yaml (or, with --plan, of a saved plan).
    #[command(after_help = "Examples:
  gdgroups schema > groups.schema.json
  gdgroups schema --plan > plan.schema.json   # for policy checks of plan.json")]
    Schema(SchemaArgs),
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
    /// Refuse a plan that removes more than N members from groups in all (overrides
    /// `safety.max_member_removals`).
    #[arg(long, value_name = "N")]
    pub max_member_removals: Option<u64>,
    /// Refuse a plan that removes more than P % of one group's members (overrides
    /// `safety.max_member_removal_percent`; default 30; not applied below 5 members).
    #[arg(long, value_name = "P", value_parser = parse_percent)]
    pub max_member_removal_percent: Option<f64>,
    /// Approve the member removals of this group beyond the thresholds (repeatable).
    #[arg(long, value_name = "GROUP")]
    pub allow_removal: Vec<String>,
    /// The organization's bootstrap group, for a server that does not show it (deletes are
    /// held until it is named here or under `protected:`); always protected.
    #[arg(long, value_name = "ID")]
    pub bootstrap_group: Option<String>,
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
        .with_removals(
            self.max_member_removals,
            self.max_member_removal_percent,
            &self.allow_removal,
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
    /// Also write the plan's summary and next step, one line, to this file (for a CI job
    /// summary or a label step); written for a refused plan too.
    #[arg(long, value_name = "FILE")]
    pub summary_file: Option<PathBuf>,
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
    #[arg(long, value_name = "BYTES", default_value_t = crate::render::markdown::DEFAULT_MAX_BYTES, value_parser = parse_max_bytes)]
    pub max_bytes: usize,
    /// Heading of the Markdown format: `plan` for a review, `drift` for a scheduled check
    /// ("Live groups drifted from groups.yaml").
    #[arg(long, value_enum, default_value_t = Title::Plan, value_name = "TITLE")]
    pub title: Title,
}

/// Headings of the Markdown format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Title {
    /// `gdgroups plan for <host>`: a plan under review.
    #[default]
    Plan,
    /// `Live groups drifted from <file>`: the live groups changed outside gdgroups.
    Drift,
}

impl Title {
    /// The renderer's heading.
    pub fn heading(self) -> crate::render::markdown::Heading {
        match self {
            Title::Plan => crate::render::markdown::Heading::Plan,
            Title::Drift => crate::render::markdown::Heading::Drift,
        }
    }
}

/// `gdgroups schema`.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// The schema of a saved plan (`plan --out`, `--format json`) instead of groups.yaml.
    #[arg(long)]
    pub plan: bool,
}

/// A Markdown budget from 1 KB (room for the counts) to 1 GB.
fn parse_max_bytes(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if (1_000..=1_000_000_000).contains(&n) => Ok(n),
        _ => Err(format!(
            "`{text}` is not a number of bytes from 1000 to 1000000000"
        )),
    }
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
    /// Writes in flight at once (list pages: four times as many).
    #[arg(long, value_name = "N", default_value_t = crate::gooddata::DEFAULT_PARALLELISM, value_parser = clap::value_parser!(u16).range(1..=64))]
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
    /// Also write each group's members (`members:`), so the file manages them.
    #[arg(long)]
    pub members: bool,
    /// Also write each group's direct permissions (`workspaces:`, `data_sources:`,
    /// `organization:`), so the file manages them.
    #[arg(long)]
    pub permissions: bool,
    /// Replace the -o file if it exists (a hand-edited groups file would lose its edits).
    #[arg(long, requires = "output")]
    pub force: bool,
}

impl DumpArgs {
    /// The facets to write.
    pub fn facets(&self) -> crate::access::Facets {
        use crate::access::{Facet, Facets};
        let mut facets = Facets::NONE;
        if self.members {
            facets.insert(Facet::Members);
        }
        if self.permissions {
            for facet in [Facet::Workspaces, Facet::DataSources, Facet::Organization] {
                facets.insert(facet);
            }
        }
        facets
    }
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
    #[arg(long, value_name = "N", value_parser = parse_page_size)]
    pub max_page_size: Option<usize>,
    /// Fault injection: delay every API request by this many milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=MAX_DELAY_MS))]
    pub latency_ms: u64,
    /// Fault injection: at most N requests per fixed window, then 429 (e.g. `100/10s`).
    #[arg(long, value_name = "N/WINDOW", value_parser = parse_rate_limit)]
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
    #[arg(long, value_name = "MS", default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=MAX_DELAY_MS))]
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

/// The longest injected delay: an hour.
#[cfg(feature = "sandbox")]
const MAX_DELAY_MS: u64 = 3_600_000;

#[cfg(feature = "sandbox")]
fn parse_page_size(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if (1..=100_000).contains(&n) => Ok(n),
        _ => Err(format!("`{text}` is not a page size from 1 to 100000")),
    }
}

/// `N/WINDOW` with a window of at most a day.
#[cfg(feature = "sandbox")]
fn parse_rate_limit(text: &str) -> Result<(u32, std::time::Duration), String> {
    let (count, window) = crate::sandbox::parse_rate_limit(text)?;
    if window > std::time::Duration::from_secs(86_400) {
        return Err(format!("the window of `{text}` is longer than a day"));
    }
    Ok((count, window))
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

#[cfg(test)]
mod tests {
    use clap::Parser as _;
    use proptest::prelude::*;

    use super::*;
    use crate::context::Context;
    use crate::group::Group;
    use crate::live::Live;
    use crate::plan::document::PlanDocument;

    /// Numbers at and past every edge: huge, tiny, negative, not a number, not finite, overflowing
    /// every integer type, malformed.
    fn extreme() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<f64>().prop_map(|f| f.to_string()),
            any::<f64>().prop_map(|f| format!("{f:e}")),
            any::<i128>().prop_map(|i| i.to_string()),
            any::<u64>().prop_map(|u| u.to_string()),
            (0..100_u32).prop_map(|u| u.to_string()),
            prop::sample::select(vec![
                "NaN",
                "nan",
                "inf",
                "-inf",
                "1e20",
                "1e308",
                "1e400",
                "-1e400",
                "-0",
                "0",
                "-1",
                "0.0000001",
                "1e-320",
                "18446744073709551616",
                "340282366920938463463374607431768211456",
                "0x10",
                "1_000",
                "",
                " ",
                "1.5%",
                "100%",
                "101%",
            ])
            .prop_map(str::to_string),
            "[0-9eE.+-]{1,24}",
        ]
    }

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("gdgroups").chain(args.iter().copied()))
    }

    /// Either clap refuses the value (exit 64), or what it accepted is in range and everything
    /// built from it works.
    fn check(args: &[&str]) -> Result<(), TestCaseError> {
        let cli = match parse(args) {
            Err(e) => {
                prop_assert!(e.use_stderr(), "{args:?}: {e}");
                return Ok(());
            }
            Ok(cli) => cli,
        };
        let g = &cli.global;
        prop_assert!((0.001..=MAX_SECONDS).contains(&g.timeout), "{args:?}");
        prop_assert!(
            (0.001..=MAX_SECONDS).contains(&g.request_deadline),
            "{args:?}"
        );
        let ctx = Context::with_vars(&[
            ("GDGROUPS_HOST", "https://x.example.com"),
            ("GDGROUPS_TOKEN", "t"),
        ]);
        let config = g
            .connection()
            .and_then(|s| crate::connection::resolve(&s, &ctx));
        prop_assert!(config.is_ok(), "{args:?}: {config:?}");
        let live = Live::new([Group::new("a"), Group::new("b")]);
        let doc = || {
            let desired = crate::desired::parse(
                "groups.yaml",
                "groups: [{id: c}]\n",
                crate::desired::LoadOptions::default(),
            )
            .expect("valid");
            PlanDocument::new(
                crate::plan::compute(&desired, &live, &crate::plan::PlanOptions::default())
                    .expect("plan"),
            )
        };
        match &cli.command {
            Command::Plan(p) => {
                let t = p.safety.thresholds(crate::desired::Safety::default());
                prop_assert!((0.0..=100.0).contains(&t.max_delete_percent), "{args:?}");
                let _ = crate::plan::safety::check(&doc().plan, &t);
                prop_assert!(
                    !crate::render::markdown::render(
                        &doc(),
                        p.render.max_bytes,
                        crate::render::Files::default(),
                        p.render.title.heading(),
                    )
                    .is_empty()
                );
            }
            Command::Apply(a) => {
                prop_assert!((1..=64).contains(&a.parallelism), "{args:?}");
                let t = a.safety.thresholds(crate::desired::Safety::default());
                let _ = crate::plan::safety::check(&doc().plan, &t);
            }
            Command::Sandbox(s) => {
                prop_assert!(s.max_page_size.is_none_or(|n| (1..=100_000).contains(&n)));
                prop_assert!(
                    s.latency_ms <= MAX_DELAY_MS && s.write_answer_delay_ms <= MAX_DELAY_MS
                );
                prop_assert!(
                    (0.0..=1.0).contains(&s.fail_rate) && (0.0..=1.0).contains(&s.drop_rate)
                );
                prop_assert!(s.rate_limit.is_none_or(
                    |(_, w)| !w.is_zero() && w <= std::time::Duration::from_secs(86_400)
                ));
            }
            _ => {}
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn every_numeric_flag_is_range_checked_by_clap(value in extreme(), unit in "(ms|s|m|h|d|)") {
            let v = value.as_str();
            let window = format!("{value}/{value}{unit}");
            let rate = format!("{v}/1s");
            for args in [
                &["--timeout", v, "validate"][..],
                &["--request-deadline", v, "validate"],
                &["plan", "--max-deletes", v],
                &["plan", "--max-delete-percent", v],
                &["plan", "--max-bytes", v],
                &["apply", "--parallelism", v],
                &["apply", "--max-deletes", v, "--max-delete-percent", v],
                &["plan", "--max-member-removals", v, "--max-member-removal-percent", v],
                &["apply", "--max-member-removals", v, "--max-member-removal-percent", v],
                &["sandbox", "--max-page-size", v],
                &["sandbox", "--latency-ms", v],
                &["sandbox", "--write-answer-delay-ms", v],
                &["sandbox", "--fail-rate", v, "--drop-rate", v],
                &["sandbox", "--rng-seed", v],
                &["sandbox", "--rate-limit", &window],
                &["sandbox", "--rate-limit", &rate],
            ] {
                check(args)?;
            }
        }
    }

    #[test]
    fn the_edges_of_each_range() {
        assert!(parse(&["--timeout", "1e20", "validate"]).is_err());
        assert!(parse(&["--timeout", "0", "validate"]).is_err());
        assert!(parse(&["--timeout", "86400", "validate"]).is_ok());
        assert!(parse(&["--request-deadline", "NaN", "validate"]).is_err());
        assert!(parse(&["plan", "--max-bytes", "999"]).is_err());
        assert!(parse(&["sandbox", "--max-page-size", "0"]).is_err());
        assert!(parse(&["sandbox", "--rate-limit", "1/25h"]).is_err());
        let many_v = format!("-{}", "v".repeat(300));
        let cli = parse(&[&many_v, "validate"]).expect("counts saturate");
        assert_eq!(cli.global.verbose, u8::MAX);
    }
}
