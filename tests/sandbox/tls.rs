//! The sandbox over real HTTPS with the test certificates in `tests/fixtures/tls/`: gdgroups'
//! client trusts it only with the CA, fault injection works the same, bad PEM is named.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use gdgroups::gooddata::{ApiError, Client, ClientConfig, Token};
use gdgroups_sandbox::{Faults, Sandbox, SandboxConfig, TlsConfig, TlsError};

use super::{recorded_seed, start};

const GROUPS: &str = "/api/v1/entities/userGroups";
const CA: &[u8] = include_bytes!("../fixtures/tls/ca.pem");
const SERVER_CERT: &[u8] = include_bytes!("../fixtures/tls/server.pem");
const SERVER_KEY: &[u8] = include_bytes!("../fixtures/tls/server.key");

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tls")
        .join(name)
}

fn tls() -> TlsConfig {
    TlsConfig::from_pem(SERVER_CERT, SERVER_KEY).expect("the fixtures are a valid pair")
}

async fn start_tls(faults: Faults) -> Sandbox {
    start(SandboxConfig {
        seed: recorded_seed(),
        faults,
        tls: Some(tls()),
        ..SandboxConfig::default()
    })
    .await
}

/// gdgroups' client, trusting the test CA or not, trying each request once.
fn client(sandbox: &Sandbox, trust_ca: bool) -> Client {
    let mut config = ClientConfig::new(sandbox.url(), Token::new("sandbox"));
    if trust_ca {
        config.ca_certs_pem = vec![CA.to_vec()];
    }
    config.max_attempts = 1;
    config.timeout = Duration::from_secs(10);
    Client::new(&config).expect("client")
}

/// A plain reqwest client that trusts the test CA, to see raw answers (no retries).
fn raw_client() -> reqwest::Client {
    reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(CA).expect("CA"))
        .build()
        .expect("client")
}

#[tokio::test]
async fn the_client_reads_the_organization_over_https_when_it_trusts_the_ca() {
    let sandbox = start(SandboxConfig {
        seed: recorded_seed(),
        bootstrap_group: "demoGroup".to_string(),
        tls: Some(tls()),
        ..SandboxConfig::default()
    })
    .await;
    assert_eq!(
        sandbox.url(),
        format!("https://127.0.0.1:{}", sandbox.addr().port())
    );
    // The listing and the organization (a redirect, then the bootstrap group).
    let live = client(&sandbox, true).fetch_live().await.expect("read");
    let ids: Vec<&str> = live.groups.keys().map(String::as_str).collect();
    assert_eq!(
        ids,
        ["adminGroup", "adminQA1Group", "demoGroup", "visitorsGroup"]
    );
    assert_eq!(live.bootstrap_group.as_deref(), Some("demoGroup"));
    assert_eq!(sandbox.stats().count("GET", GROUPS), 1);
    // Links name the scheme the sandbox serves.
    let listing: serde_json::Value = raw_client()
        .get(format!("{}{GROUPS}", sandbox.url()))
        .bearer_auth("sandbox")
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("JSON");
    assert_eq!(
        listing["links"]["self"],
        format!("{}{GROUPS}", sandbox.url())
    );
}

#[tokio::test]
async fn without_the_ca_the_client_names_the_certificate_and_the_way_out() {
    let sandbox = start_tls(Faults::default()).await;
    let error = client(&sandbox, false)
        .list_groups()
        .await
        .expect_err("the certificate is not trusted");
    assert!(matches!(error, ApiError::Certificate { .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.starts_with("GET /api/v1/entities/userGroups: "),
        "{message}"
    );
    assert!(message.contains("certificate"), "{message}");
    assert!(message.contains("UnknownIssuer"), "{message}");
    assert!(
        message.contains("pass --ca-cert PATH or set SSL_CERT_FILE"),
        "{message}"
    );
    assert_eq!(sandbox.stats().total(), 0, "no request got through");
}

#[tokio::test]
async fn the_rate_limit_answers_429_over_https() {
    let sandbox = start_tls(Faults {
        rate_limit: Some((1, Duration::from_secs(60))),
        ..Faults::default()
    })
    .await;
    let http = raw_client();
    let get = || {
        http.get(format!("{}{GROUPS}", sandbox.url()))
            .bearer_auth("sandbox")
            .send()
    };
    let ok = get().await.expect("answered");
    assert_eq!(ok.status(), 200);
    let limited = get().await.expect("answered");
    assert_eq!(limited.status(), 429);
    let retry_after: u64 = limited
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After in seconds");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_eq!(sandbox.stats().status(429), 1);
}

#[tokio::test]
async fn dropped_connections_still_drop_over_https() {
    let sandbox = start_tls(Faults {
        drop_rate: 1.0,
        ..Faults::default()
    })
    .await;
    let outcome = raw_client()
        .get(format!("{}{GROUPS}", sandbox.url()))
        .bearer_auth("sandbox")
        .send()
        .await;
    let error = outcome.expect_err("no answer arrives");
    assert!(!error.is_status(), "{error}");
    assert_eq!(sandbox.stats().dropped(), 1);
}

#[tokio::test]
async fn a_silent_or_plain_http_client_does_not_hold_up_others() {
    let sandbox = start_tls(Faults::default()).await;
    // Connects and never starts a handshake.
    let _silent = tokio::net::TcpStream::connect(sandbox.addr())
        .await
        .expect("connects");
    let plain = reqwest::Client::new()
        .get(format!("http://{}{GROUPS}", sandbox.addr()))
        .bearer_auth("sandbox")
        .timeout(Duration::from_secs(5))
        .send()
        .await;
    assert!(plain.is_err(), "plain HTTP to the HTTPS port: {plain:?}");
    let answer = tokio::time::timeout(
        Duration::from_secs(5),
        raw_client()
            .get(format!("{}{GROUPS}", sandbox.url()))
            .bearer_auth("sandbox")
            .send(),
    )
    .await
    .expect("not held up by the silent connection")
    .expect("answered");
    assert_eq!(answer.status(), 200);
}

#[tokio::test]
async fn dropping_a_tls_sandbox_closes_its_port() {
    // On a runtime that outlives the sandbox (as in the CLI), so the port closing is the
    // sandbox's doing and not the runtime's.
    let sandbox = start_tls(Faults::default()).await;
    let addr = sandbox.addr();
    let _open = tokio::net::TcpStream::connect(addr)
        .await
        .expect("listening");
    drop(sandbox);
    let deadline = Instant::now() + Duration::from_secs(5);
    while tokio::net::TcpStream::connect(addr).await.is_ok() {
        assert!(
            Instant::now() < deadline,
            "{addr} still accepts connections"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[test]
fn pem_files_load_and_errors_name_the_file() {
    TlsConfig::from_pem_files(&fixture("server.pem"), &fixture("server.key")).expect("loads");

    let missing = fixture("missing.pem");
    let error = TlsConfig::from_pem_files(&missing, &fixture("server.key")).expect_err("missing");
    assert!(matches!(error, TlsError::Read(_)), "{error:?}");
    assert!(
        error.to_string().contains(&missing.display().to_string()),
        "{error}"
    );

    // The key where the certificate belongs, and the other way round.
    let key = fixture("server.key");
    let error = TlsConfig::from_pem_files(&key, &key).expect_err("no certificate");
    assert_eq!(
        error.to_string(),
        format!(
            "{}: no certificate in it (expected a `-----BEGIN CERTIFICATE-----` block)",
            key.display()
        )
    );
    let cert = fixture("server.pem");
    let error = TlsConfig::from_pem_files(&cert, &cert).expect_err("no key");
    assert!(
        error
            .to_string()
            .starts_with(&format!("{}: no private key in it", cert.display())),
        "{error}"
    );
}

#[test]
fn broken_or_mismatched_pem_is_refused() {
    let truncated = &SERVER_CERT[..SERVER_CERT.len() - 30];
    let error = TlsConfig::from_pem(truncated, SERVER_KEY).expect_err("truncated");
    assert!(
        error
            .to_string()
            .starts_with("the certificate PEM: not a valid PEM certificate chain"),
        "{error}"
    );
    let garbage =
        b"-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n";
    let error = TlsConfig::from_pem(garbage, SERVER_KEY).expect_err("not DER");
    assert!(
        error
            .to_string()
            .starts_with("the certificate PEM: cannot be served with the key in the key PEM"),
        "{error}"
    );
    // The CA's certificate with the server's key: they do not belong together.
    let error = TlsConfig::from_pem(CA, SERVER_KEY).expect_err("mismatched");
    assert_eq!(
        error.to_string(),
        "the certificate PEM: the key in the key PEM is not this certificate's key (the server's certificate must come first)"
    );
    assert_eq!(format!("{:?}", tls()), "TlsConfig { .. }");
}
