//! `~/.gooddata/profiles.yaml` as the GoodData Python SDK reads it: the current format
//! (`profiles:` + `default_profile:`, tokens as `$ENV_VAR`) and the legacy top-level format.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::context::Context;

/// One profile, with its token resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// The profile's name.
    pub name: String,
    /// Organization URL.
    pub host: Option<String>,
    /// The token (resolved from `$ENV_VAR` when written so).
    pub token: Option<String>,
    /// Headers sent with every request.
    pub custom_headers: Vec<(String, String)>,
    /// Appended to the user agent.
    pub extra_user_agent: Option<String>,
}

#[derive(Debug, Deserialize)]
struct RawProfile {
    host: Option<String>,
    token: Option<String>,
    #[serde(default)]
    custom_headers: BTreeMap<String, String>,
    extra_user_agent: Option<String>,
}

/// Reads the profile `name` (or the file's default) from `path`.
pub fn load(path: &Path, name: Option<&str>, ctx: &Context) -> Result<Profile, String> {
    let text = fs_err::read_to_string(path).map_err(|e| e.to_string())?;
    parse(&path.display().to_string(), &text, name, ctx)
}

/// Parses profiles text; `path` is for messages only.
pub fn parse(path: &str, text: &str, name: Option<&str>, ctx: &Context) -> Result<Profile, String> {
    let doc: serde_json::Value =
        serde_saphyr::from_str(text).map_err(|e| format!("{path}: {e}"))?;
    let serde_json::Value::Object(top) = doc else {
        return Err(format!("{path}: expected a mapping of profiles"));
    };
    let (profiles, default) = if top.contains_key("profiles") {
        let profiles = top.get("profiles").cloned().unwrap_or_default();
        let default = top
            .get("default_profile")
            .and_then(|v| v.as_str())
            .map(str::to_string);
        (profiles, default)
    } else {
        (serde_json::Value::Object(top), Some("default".to_string()))
    };
    let serde_json::Value::Object(profiles) = profiles else {
        return Err(format!(
            "{path}: `profiles` must be a mapping of profile names"
        ));
    };
    let wanted = name
        .map(str::to_string)
        .or(default)
        .ok_or_else(|| format!("{path}: no `default_profile` is set; choose one with --profile"))?;
    let raw = profiles.get(&wanted).ok_or_else(|| {
        let known: Vec<&str> = profiles.keys().map(String::as_str).collect();
        format!(
            "{path}: no profile `{wanted}` (profiles: {})",
            known.join(", ")
        )
    })?;
    let raw: RawProfile = serde_json::from_value(raw.clone())
        .map_err(|e| format!("{path}: profile `{wanted}`: {e}"))?;
    let token = match raw.token {
        Some(t) if t.starts_with('$') => {
            let var = t
                .trim_start_matches('$')
                .trim_start_matches('{')
                .trim_end_matches('}');
            Some(ctx.var(var).map(str::to_string).ok_or_else(|| {
                format!("{path}: profile `{wanted}` takes its token from ${var}, which is not set; export it")
            })?)
        }
        other => other,
    };
    Ok(Profile {
        name: wanted,
        host: raw.host,
        token,
        custom_headers: raw.custom_headers.into_iter().collect(),
        extra_user_agent: raw.extra_user_agent,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(vars: &[(&str, &str)]) -> Context {
        Context::with_vars(vars)
    }

    const CURRENT: &str = "default_profile: dev\nprofiles:\n  dev:\n    host: https://dev.example.com\n    token: $DEV_TOKEN\n    custom_headers:\n      X-Team: groups\n  prod:\n    host: https://prod.example.com\n    token: $PROD_TOKEN\n    extra_user_agent: ci\n";

    #[test]
    fn current_format_with_env_tokens() {
        let p = parse("p.yaml", CURRENT, None, &ctx(&[("DEV_TOKEN", "s3cret")])).expect("profile");
        assert_eq!(p.name, "dev");
        assert_eq!(p.host.as_deref(), Some("https://dev.example.com"));
        assert_eq!(p.token.as_deref(), Some("s3cret"));
        assert_eq!(
            p.custom_headers,
            vec![("X-Team".to_string(), "groups".to_string())]
        );
        let p = parse(
            "p.yaml",
            CURRENT,
            Some("prod"),
            &ctx(&[("PROD_TOKEN", "t")]),
        )
        .expect("prod");
        assert_eq!(p.extra_user_agent.as_deref(), Some("ci"));
    }

    #[test]
    fn unset_env_token_is_an_error_naming_the_variable() {
        let e = parse("p.yaml", CURRENT, Some("prod"), &ctx(&[])).unwrap_err();
        assert!(e.contains("$PROD_TOKEN") && e.contains("not set"), "{e}");
    }

    #[test]
    fn legacy_format_and_unknown_profile() {
        let legacy = "default:\n  host: https://x.example.com\n  token: literal\nother:\n  host: h\n  token: t\n";
        let p = parse("p.yaml", legacy, None, &ctx(&[])).expect("legacy");
        assert_eq!(
            (p.host.as_deref(), p.token.as_deref()),
            (Some("https://x.example.com"), Some("literal"))
        );
        let e = parse("p.yaml", legacy, Some("nope"), &ctx(&[])).unwrap_err();
        assert!(
            e.contains("no profile `nope`") && e.contains("default, other"),
            "{e}"
        );
    }

    #[test]
    fn bad_yaml_says_where() {
        let e = parse("p.yaml", "profiles: [\n", None, &ctx(&[])).unwrap_err();
        assert!(e.starts_with("p.yaml:"), "{e}");
    }
}
