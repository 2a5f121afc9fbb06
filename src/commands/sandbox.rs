//! `gdgroups sandbox`: serve the local GoodData user-group API until Ctrl-C.

use std::path::Path;

use gdgroups_sandbox::{self as sandbox, Faults, Sandbox, SandboxConfig, TlsConfig, TlsError};

use super::Ctx;
use crate::cli::SandboxArgs;
use crate::error::{Error, Exit};

/// Runs `sandbox`.
pub async fn run(args: &SandboxArgs, ctx: &Ctx<'_>) -> Result<Exit, Error> {
    let seed = match &args.seed {
        Some(path) => sandbox::load_seed(path).map_err(|e| Error::Io(e.to_string()))?,
        None => sandbox::Seed::default(),
    };
    let groups = seed.groups.len();
    // clap makes the two flags go together.
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => {
            Some(TlsConfig::from_pem_files(cert, key).map_err(|e| match e {
                TlsError::Read(_) => Error::Io(e.to_string()),
                TlsError::Invalid { .. } => Error::Config(e.to_string()),
            })?)
        }
        _ => None,
    };
    let trust = if tls.is_some() {
        "\nClients must trust the certificate's CA: pass --ca-cert PATH or set SSL_CERT_FILE."
    } else {
        ""
    };
    let config = SandboxConfig {
        token: args.token.clone(),
        max_page_size: args.max_page_size,
        seed,
        faults: Faults {
            latency_ms: args.latency_ms,
            rate_limit: args.rate_limit,
            fail_rate: args.fail_rate,
            drop_rate: args.drop_rate,
            rng_seed: args.rng_seed,
            refuse_writes: args.refuse_write.clone(),
            write_answer_delay_ms: args.write_answer_delay_ms,
        },
        tls,
        user_management: !args.without_user_management,
        token_user: args.token_user.clone(),
        ..SandboxConfig::default()
    };
    let server = Sandbox::start(args.listen, config)
        .await
        .map_err(|e| Error::Io(format!("cannot listen on {}: {e}", args.listen)))?;
    // Seeds always hold the bootstrap group; any other means there is something to dump.
    let has_groups = server.groups().len() > 1;
    // The example file names the users and workspaces of the example seed: it plans only
    // against a sandbox seeded with that seed.
    let example_seed = args
        .seed
        .as_deref()
        .is_some_and(|seed| same_file(seed, Path::new(EXAMPLE_SEED)));
    let steps = try_it(Path::is_file, has_groups, example_seed).join("\n  ");
    ctx.out.always(&format!(
        "GoodData sandbox on {url} ({groups} seeded groups). Token: {token}\n\
         In another terminal:\n  export GDGROUPS_HOST={url} GDGROUPS_TOKEN={token}\n  {steps}\n\
         Request counts: {url}/_sandbox/stats. Ctrl-C stops it.{trust}",
        url = server.url(),
        token = args.token,
    ));
    tokio::select! {
        () = server.wait() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    Ok(Exit::Success)
}

const EXAMPLE_SEED: &str = "examples/seed.yaml";

fn same_file(a: &Path, b: &Path) -> bool {
    match (fs_err::canonicalize(a), fs_err::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// The commands the banner suggests after the `export`, ones that work pasted into a shell in
/// the directory the sandbox was started in (relative paths resolve there for both): a plan of
/// the default `groups.yaml` when there is one, or of the example file in a checkout of the
/// repository when the sandbox was seeded with the example seed (the file names its users and
/// workspaces); otherwise a groups.yaml made first, dumped from the sandbox's groups when it has
/// some besides the bootstrap group (a file of none would be refused as empty), or a one-group
/// file to start from.
fn try_it(
    is_file: impl Fn(&Path) -> bool,
    has_groups: bool,
    example_seed: bool,
) -> &'static [&'static str] {
    if is_file(Path::new("groups.yaml")) {
        &["gdgroups plan"]
    } else if example_seed && is_file(Path::new("examples/groups.yaml")) {
        &["gdgroups plan -f examples/groups.yaml"]
    } else if has_groups {
        &["gdgroups dump -o groups.yaml", "gdgroups plan"]
    } else {
        &[
            r"printf 'groups:\n  - id: analysts\n    name: Analysts\n' > groups.yaml",
            "gdgroups plan",
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_suggestions_use_a_file_that_exists_or_make_one() {
        let only = |present: &'static str| move |path: &Path| path == Path::new(present);
        let both =
            |p: &Path| p == Path::new("groups.yaml") || p == Path::new("examples/groups.yaml");
        let none = |_: &Path| false;
        assert_eq!(try_it(only("groups.yaml"), false, false), ["gdgroups plan"]);
        assert_eq!(try_it(both, true, true), ["gdgroups plan"]);
        assert_eq!(
            try_it(only("examples/groups.yaml"), true, true),
            ["gdgroups plan -f examples/groups.yaml"]
        );
        // Another seed lacks the example's users: the example file would not plan.
        assert_eq!(
            try_it(only("examples/groups.yaml"), true, false),
            ["gdgroups dump -o groups.yaml", "gdgroups plan"]
        );
        assert_eq!(
            try_it(none, true, false),
            ["gdgroups dump -o groups.yaml", "gdgroups plan"]
        );
        assert_eq!(try_it(none, false, false)[1], "gdgroups plan");
        assert!(try_it(none, false, false)[0].ends_with("> groups.yaml"));
    }
}
