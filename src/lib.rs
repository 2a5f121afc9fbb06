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
//!
//! With the default feature `cli`, [`run`] is the `gdgroups` command line ([`cli`] its flags,
//! [`commands`] one module per subcommand, [`output`] its printer). Without it the library
//! compiles no clap, no progress bar and no log output: [`provision::Provisioner`] and the
//! modules below take plain settings ([`connection::Settings`]).

pub mod access;
pub mod apply;
#[cfg(feature = "cli")]
pub mod cli;
#[cfg(feature = "cli")]
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
#[cfg(feature = "cli")]
pub mod output;
pub mod plan;
pub mod provision;
pub mod render;
/// The local GoodData user-group API (the `gdgroups-sandbox` crate), behind the default
/// feature `sandbox`.
#[cfg(feature = "sandbox")]
pub use gdgroups_sandbox as sandbox;

#[cfg(feature = "cli")]
pub use commands::run::run;

/// The version of gdgroups.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// `0.1.0 (commit 1a2b3c4d5e6f)`: the version and the git commit it was built from.
pub const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("GDGROUPS_COMMIT"),
    ")"
);
