//! Where to connect and with which token (spec §8): flags, then `GDGROUPS_*`, then
//! `GOODDATA_*`, then the profile. The token never comes from a flag.

use std::path::PathBuf;
use std::time::Duration;

use crate::context::Context;
use crate::error::Error;
use crate::gooddata::profile::{self, Profile};
use crate::gooddata::{ClientConfig, Token};

/// What the caller says about the connection; the rest comes from the environment and the
/// profiles file. The command line fills it from its flags; a program sets what it needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The organization's URL, before `GDGROUPS_HOST`, `GOODDATA_HOST` and the profile.
    pub host: Option<String>,
    /// The profile to read (`default_profile` of the file when `None`).
    pub profile: Option<String>,
    /// The profiles file [default: `~/.gooddata/profiles.yaml`].
    pub profiles_file: Option<PathBuf>,
    /// A PEM file of extra CA certificates, before `SSL_CERT_FILE`.
    pub ca_cert: Option<PathBuf>,
    /// Each attempt's timeout.
    pub timeout: Duration,
    /// Each request's overall deadline, its retries included.
    pub request_deadline: Duration,
    /// Allow plain `http://` to a host that is not loopback.
    pub allow_http: bool,
}

impl Default for Settings {
    fn default() -> Self {
        let client = ClientConfig::new(String::new(), Token::new(""));
        Self {
            host: None,
            profile: None,
            profiles_file: None,
            ca_cert: None,
            timeout: client.timeout,
            request_deadline: client.request_deadline,
            allow_http: false,
        }
    }
}

/// Resolves the client settings for a command that talks to the server.
pub fn resolve(global: &Settings, ctx: &Context) -> Result<ClientConfig, Error> {
    let profile = load_profile(global, ctx)?;
    let from_profile =
        |f: fn(&Profile) -> Option<&String>| profile.as_ref().and_then(|p| f(p).cloned());
    let host = global
        .host
        .clone()
        .or_else(|| ctx.var("GDGROUPS_HOST").map(str::to_string))
        .or_else(|| ctx.var("GOODDATA_HOST").map(str::to_string))
        .or_else(|| from_profile(|p| p.host.as_ref()))
        .ok_or_else(|| {
            Error::Config(
                "no GoodData host: looked at --host, GDGROUPS_HOST, GOODDATA_HOST and the profiles file; \
                 set one, e.g. `export GDGROUPS_HOST=https://acme.cloud.gooddata.com`"
                    .into(),
            )
        })?;
    check_host(&host, global.allow_http)?;
    let token = ctx
        .var("GDGROUPS_TOKEN")
        .or_else(|| ctx.var("GOODDATA_TOKEN"))
        .map(Token::new)
        .or_else(|| profile.as_ref().and_then(|p| p.token.clone()))
        .ok_or_else(|| {
            Error::Config(
                "no API token: looked at GDGROUPS_TOKEN, GOODDATA_TOKEN and the profiles file; \
                 export GDGROUPS_TOKEN (there is no token flag, since command lines leak)"
                    .into(),
            )
        })?;
    let mut config = ClientConfig::new(host, token);
    config.allow_http = global.allow_http;
    config.timeout = positive("timeout", global.timeout)?;
    config.request_deadline = positive("request deadline", global.request_deadline)?;
    let ca = global
        .ca_cert
        .clone()
        .or_else(|| ctx.var("SSL_CERT_FILE").map(PathBuf::from));
    if let Some(path) = ca {
        let pem = fs_err::read(&path)
            .map_err(|e| Error::Config(format!("cannot read the CA certificate: {e}")))?;
        config.ca_certs_pem.push(pem);
    }
    if let Some(p) = profile {
        config.headers = p.custom_headers;
        config.extra_user_agent = p.extra_user_agent;
    }
    Ok(config)
}

/// A zero duration would fail every request at once: refused with what to set.
fn positive(what: &str, value: Duration) -> Result<Duration, Error> {
    if value.is_zero() {
        Err(Error::Config(format!(
            "the {what} must be longer than zero"
        )))
    } else {
        Ok(value)
    }
}

fn load_profile(global: &Settings, ctx: &Context) -> Result<Option<Profile>, Error> {
    let explicit = global.profiles_file.clone();
    let path = explicit.clone().or_else(|| {
        ctx.home
            .as_ref()
            .map(|h| h.join(".gooddata").join("profiles.yaml"))
    });
    let Some(path) = path else { return Ok(None) };
    if explicit.is_none() && global.profile.is_none() && !path.exists() {
        return Ok(None);
    }
    // A profile is only needed when something is missing, unless one was asked for by name.
    let needed = global.profile.is_some()
        || explicit.is_some()
        || (global.host.is_none()
            && ctx.var("GDGROUPS_HOST").is_none()
            && ctx.var("GOODDATA_HOST").is_none())
        || (ctx.var("GDGROUPS_TOKEN").is_none() && ctx.var("GOODDATA_TOKEN").is_none());
    if !needed {
        return Ok(None);
    }
    profile::load(&path, global.profile.as_deref(), ctx)
        .map(Some)
        .map_err(Error::Config)
}

/// Plain http is allowed to loopback only, unless `--allow-http`: the token would travel in
/// clear. [`crate::gooddata::Client::new`] applies the same rule to every client.
pub(crate) fn check_host(host: &str, allow_http: bool) -> Result<(), Error> {
    crate::gooddata::check_host(host, allow_http).map_err(Error::Config)
}

// The precedence is tested through the command line's flags, as users meet it.
#[cfg(all(test, feature = "cli"))]
mod tests {
    use super::*;
    use clap::Parser as _;

    fn global(args: &[&str]) -> Settings {
        let mut command_line = vec!["gdgroups"];
        command_line.extend(args);
        command_line.push("validate");
        crate::cli::Cli::try_parse_from(command_line)
            .expect("args")
            .global
            .connection()
            .expect("settings")
    }

    fn ctx(vars: &[(&str, &str)]) -> Context {
        Context::with_vars(vars)
    }

    #[test]
    fn flag_beats_gdgroups_beats_gooddata() {
        let env = ctx(&[
            ("GDGROUPS_HOST", "https://a.example.com"),
            ("GOODDATA_HOST", "https://b.example.com"),
            ("GOODDATA_TOKEN", "t"),
        ]);
        assert_eq!(
            resolve(&global(&["--host", "https://f.example.com"]), &env)
                .expect("ok")
                .host,
            "https://f.example.com"
        );
        assert_eq!(
            resolve(&global(&[]), &env).expect("ok").host,
            "https://a.example.com"
        );
        let env = ctx(&[
            ("GOODDATA_HOST", "https://b.example.com"),
            ("GOODDATA_TOKEN", "t"),
        ]);
        assert_eq!(
            resolve(&global(&[]), &env).expect("ok").host,
            "https://b.example.com"
        );
    }

    #[test]
    fn profile_fills_what_is_missing() {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("profiles.yaml");
        fs_err::write(&file, "default_profile: dev\nprofiles:\n  dev:\n    host: https://p.example.com\n    token: $T\n").expect("write");
        let mut env = ctx(&[("T", "from-profile")]);
        env.home = Some(dir.path().to_path_buf());
        let g = global(&["--profiles-file", file.to_str().expect("utf8")]);
        let config = resolve(&g, &env).expect("ok");
        assert_eq!(config.host, "https://p.example.com");
        assert_eq!(config.token, Token::new("from-profile"));
        env.env.insert("GDGROUPS_TOKEN".into(), "env".into());
        assert_eq!(resolve(&g, &env).expect("ok").token, Token::new("env"));
    }

    #[test]
    fn missing_host_or_token_says_where_it_looked() {
        let e = resolve(&global(&[]), &ctx(&[("GDGROUPS_TOKEN", "t")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("--host, GDGROUPS_HOST, GOODDATA_HOST"), "{e}");
        let e = resolve(&global(&["--host", "https://x.example.com"]), &ctx(&[]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("GDGROUPS_TOKEN, GOODDATA_TOKEN"), "{e}");
    }

    #[test]
    fn plain_http_only_to_loopback() {
        assert!(check_host("http://127.0.0.1:3000", false).is_ok());
        assert!(check_host("http://localhost:3000/", false).is_ok());
        assert!(check_host("http://[::1]:3000", false).is_ok());
        assert!(check_host("https://acme.cloud.gooddata.com", false).is_ok());
        let e = check_host("http://acme.example.com", false)
            .unwrap_err()
            .to_string();
        assert!(e.contains("--allow-http"), "{e}");
        assert!(check_host("http://acme.example.com", true).is_ok());
        assert!(check_host("acme.example.com", false).is_err());
        assert!(check_host("ftp://x", false).is_err());
    }

    #[test]
    fn a_host_with_the_api_path_says_what_to_write() {
        for host in [
            "https://acme.example.com/api/v1",
            "https://acme.example.com/api/v1/",
            "https://acme.example.com/API/V1",
        ] {
            let e = check_host(host, false).unwrap_err().to_string();
            assert!(
                e.contains("set the host to the organization URL alone: https://acme.example.com"),
                "{host}: {e}"
            );
            assert!(e.ends_with("https://acme.example.com"), "{host}: {e}");
        }
        let e = check_host("http://127.0.0.1:3000/gd/api/v1", false)
            .unwrap_err()
            .to_string();
        assert!(e.ends_with(": http://127.0.0.1:3000/gd"), "{e}");
        // A path of its own (a proxy prefix) is the user's business.
        assert!(check_host("https://proxy.example.com/gooddata", false).is_ok());
        assert!(check_host("https://proxy.example.com/api", false).is_ok());
    }
}
