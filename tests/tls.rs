//! `gdgroups sandbox --tls-cert/--tls-key`: the real binary serves HTTPS with the test
//! certificates in `tests/fixtures/tls/`, and bad flags or PEM files are clear errors.

use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use crate::common::run_in;

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tls")
        .join(name)
        .display()
        .to_string()
}

/// Kills the sandbox it holds when the test ends, passed or not.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_sandbox_serves_https_with_a_certificate_and_key() {
    let dir = tempfile::tempdir().expect("dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_gdgroups"))
        .args(["sandbox", "--listen", "127.0.0.1:0", "--tls-cert"])
        .arg(fixture("server.pem"))
        .arg("--tls-key")
        .arg(fixture("server.key"))
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    let stderr = child.stderr.take().expect("stderr");
    let running = Running(child);
    let mut first = String::new();
    BufReader::new(stderr)
        .read_line(&mut first)
        .expect("the banner");
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("https://"))
        .unwrap_or_else(|| panic!("no https URL in {first:?}"))
        .to_string();

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let ca = fs_err::read(fixture("ca.pem")).expect("CA");
    let status = runtime.block_on(async {
        let trusting = reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(&ca).expect("CA"))
            .build()
            .expect("client");
        let answer = trusting
            .get(format!("{url}/api/v1/entities/userGroups"))
            .bearer_auth("sandbox")
            .send()
            .await
            .expect("answered over HTTPS");
        let untrusting = reqwest::Client::new()
            .get(format!("{url}/_sandbox/stats"))
            .send()
            .await;
        assert!(untrusting.is_err(), "the test CA is not trusted by default");
        answer.status()
    });
    assert_eq!(status, 200);
    drop(running);
}

#[test]
fn the_certificate_and_key_flags_go_together() {
    let dir = tempfile::tempdir().expect("dir");
    let cert = fixture("server.pem");
    let run = run_in(dir.path(), &["sandbox", "--tls-cert", &cert], &[]);
    assert_eq!(run.code, 64, "{run:?}");
    assert!(run.stderr.contains("--tls-key"), "{}", run.stderr);
    let key = fixture("server.key");
    let run = run_in(dir.path(), &["sandbox", "--tls-key", &key], &[]);
    assert_eq!(run.code, 64, "{run:?}");
    assert!(run.stderr.contains("--tls-cert"), "{}", run.stderr);
}

#[test]
fn unreadable_or_invalid_pem_names_the_file() {
    let dir = tempfile::tempdir().expect("dir");
    let key = fixture("server.key");
    let missing = dir.path().join("missing.pem").display().to_string();
    let ca = fixture("ca.pem");
    for (cert, key, says) in [
        (missing.as_str(), key.as_str(), "failed to open file"),
        (key.as_str(), key.as_str(), "no certificate in it"),
        (ca.as_str(), key.as_str(), "is not this certificate's key"),
    ] {
        let run = run_in(
            dir.path(),
            &["sandbox", "--tls-cert", cert, "--tls-key", key],
            &[],
        );
        assert_eq!(run.code, 1, "{run:?}");
        assert!(run.stderr.contains(cert), "{}", run.stderr);
        assert!(run.stderr.contains(says), "{}", run.stderr);
    }
    let cert = fixture("server.pem");
    let run = run_in(
        dir.path(),
        &["sandbox", "--tls-cert", &cert, "--tls-key", &cert],
        &[],
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .contains(&format!("{cert}: no private key in it")),
        "{}",
        run.stderr
    );
}

/// The CLI trusts a private CA through `--ca-cert` or `SSL_CERT_FILE`, and says what to do
/// without it.
#[test]
fn plan_over_https_with_a_private_ca() {
    use gdgroups_sandbox::{Sandbox, SandboxConfig, TlsConfig};
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tls");
    let tls = TlsConfig::from_pem_files(&fixtures.join("server.pem"), &fixtures.join("server.key"))
        .expect("tls");
    let sandbox = Sandbox::spawn(SandboxConfig {
        token: crate::common::TOKEN.into(),
        tls: Some(tls),
        ..SandboxConfig::default()
    })
    .expect("sandbox");
    let dir = tempfile::tempdir().expect("dir");
    fs_err::write(dir.path().join("groups.yaml"), "groups:\n  - id: a\n").expect("write");
    let url = sandbox.url();
    let ca = fixtures.join("ca.pem");
    let ca = ca.to_str().expect("utf8");
    let base = [
        ("GDGROUPS_HOST", url.as_str()),
        ("GDGROUPS_TOKEN", crate::common::TOKEN),
    ];

    let run = crate::common::run_in(dir.path(), &["plan", "--ca-cert", ca], &base);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.contains("+ a"), "{}", run.stdout);

    let run = crate::common::run_in(
        dir.path(),
        &["plan"],
        &[base[0], base[1], ("SSL_CERT_FILE", ca)],
    );
    assert_eq!(run.code, 0, "{run:?}");

    // `-v` logs every retry: a certificate error has none.
    let run = crate::common::run_in(dir.path(), &["-v", "plan"], &base);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("--ca-cert"), "{}", run.stderr);
    assert!(
        !run.stderr.contains("retrying"),
        "a certificate error is not retried: {}",
        run.stderr
    );
}

/// `https://` to a server that speaks plain HTTP (the sandbox without a certificate), and
/// `http://` to one that speaks TLS: the error says which protocol the server speaks and the URL
/// to write, at once, without retries, and without the token.
#[test]
fn a_url_whose_scheme_the_server_does_not_speak_names_the_other_one() {
    use gdgroups_sandbox::{Sandbox, SandboxConfig, TlsConfig};
    let dir = tempfile::tempdir().expect("dir");
    fs_err::write(dir.path().join("groups.yaml"), "groups:\n  - id: a\n").expect("write");
    let run_against = |host: &str| {
        crate::common::run_in(
            dir.path(),
            &["-v", "plan"],
            &[
                ("GDGROUPS_HOST", host),
                ("GDGROUPS_TOKEN", crate::common::TOKEN),
            ],
        )
    };

    let plain = Sandbox::spawn(SandboxConfig {
        token: crate::common::TOKEN.into(),
        ..SandboxConfig::default()
    })
    .expect("sandbox");
    let address = plain.url().replacen("http://", "", 1);
    let run = run_against(&format!("https://{address}"));
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains(&format!(
            "the server at https://{address} does not speak TLS"
        )) && run
            .stderr
            .contains(&format!("write the host as http://{address}")),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("retrying"), "{}", run.stderr);
    assert!(!run.stderr.contains(crate::common::TOKEN), "{}", run.stderr);
    assert_eq!(
        plain.stats().total(),
        0,
        "no request reached the server as HTTP"
    );

    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tls");
    let tls = TlsConfig::from_pem_files(&fixtures.join("server.pem"), &fixtures.join("server.key"))
        .expect("tls");
    let secure = Sandbox::spawn(SandboxConfig {
        token: crate::common::TOKEN.into(),
        tls: Some(tls),
        ..SandboxConfig::default()
    })
    .expect("sandbox");
    let address = secure.url().replacen("https://", "", 1);
    let run = run_against(&format!("http://{address}"));
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains(&format!(
            "the server at http://{address} did not answer in HTTP"
        )) && run
            .stderr
            .contains(&format!("write the host as https://{address}")),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("retrying"), "{}", run.stderr);
    assert!(!run.stderr.contains(crate::common::TOKEN), "{}", run.stderr);
}
