//! `gdgroups sandbox`: serve the local GoodData user-group API until Ctrl-C.

use super::Ctx;
use crate::cli::SandboxArgs;
use crate::error::{Error, Exit};
use crate::sandbox::{self, Faults, Sandbox, SandboxConfig, TlsConfig, TlsError};

/// Runs `sandbox`.
pub async fn run(args: &SandboxArgs, ctx: &Ctx<'_>) -> Result<Exit, Error> {
    let seed = match &args.seed {
        Some(path) => sandbox::load_seed(path).map_err(|e| Error::Io(e.to_string()))?,
        None => Vec::new(),
    };
    let groups = seed.len();
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
        ..SandboxConfig::default()
    };
    let server = Sandbox::start(args.listen, config)
        .await
        .map_err(|e| Error::Io(format!("cannot listen on {}: {e}", args.listen)))?;
    ctx.out.always(&format!(
        "GoodData sandbox on {url} ({groups} seeded groups). Token: {token}\n\
         In another terminal:\n  export GDGROUPS_HOST={url} GDGROUPS_TOKEN={token}\n  gdgroups plan -f groups.yaml\n\
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
