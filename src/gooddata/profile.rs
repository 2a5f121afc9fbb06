//! `~/.gooddata/profiles.yaml` as the GoodData Python SDK reads it: the current format
//! (`profiles:` + `default_profile:`, tokens as `$ENV_VAR`) and the legacy top-level format.
//!
//! The file holds tokens, so no message about it ever quotes it: a problem is told by its line
//! and column and what was expected, never by a snippet or the offending value.

use std::fmt;
use std::path::Path;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use super::Token;
use crate::context::Context;

/// One profile, with its token resolved.
#[derive(Clone, PartialEq, Eq)]
pub struct Profile {
    /// The profile's name.
    pub name: String,
    /// Organization URL.
    pub host: Option<String>,
    /// The token (resolved from `$ENV_VAR` when written so).
    pub token: Option<Token>,
    /// Headers sent with every request; their values may be credentials too.
    pub custom_headers: Vec<(String, String)>,
    /// Appended to the user agent.
    pub extra_user_agent: Option<String>,
}

impl fmt::Debug for Profile {
    /// Header values are left out: a custom header may carry a credential as well.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<&str> = self
            .custom_headers
            .iter()
            .map(|(n, _)| n.as_str())
            .collect();
        f.debug_struct("Profile")
            .field("name", &self.name)
            .field("host", &self.host)
            .field("token", &self.token)
            .field("custom_headers", &headers)
            .field("extra_user_agent", &self.extra_user_agent)
            .finish()
    }
}

/// Reads the profile `name` (or the file's default) from `path`.
pub fn load(path: &Path, name: Option<&str>, ctx: &Context) -> Result<Profile, String> {
    let text = fs_err::read_to_string(path).map_err(|e| e.to_string())?;
    parse(&path.display().to_string(), &text, name, ctx)
}

/// Parses profiles text; `path` is for messages only.
pub fn parse(path: &str, text: &str, name: Option<&str>, ctx: &Context) -> Result<Profile, String> {
    let doc: Spanned<Value> = serde_saphyr::from_str(text).map_err(|e| {
        let at = e.location().map_or_else(
            || path.to_string(),
            |l| format!("{path}:{}:{}", l.line(), l.column()),
        );
        format!(
            "{at}: not valid YAML (look for an unclosed quote or bracket, or a wrong indentation, there or just before); the line is not shown because this file holds tokens"
        )
    })?;
    let at = |node: &Spanned<Value>| {
        format!(
            "{path}:{}:{}",
            node.referenced.line(),
            node.referenced.column()
        )
    };
    let Value::Map(top) = &doc.value else {
        return Err(format!(
            "{}: expected a mapping of profiles, found {}",
            at(&doc),
            doc.value.kind()
        ));
    };
    // The current format has `profiles:`; the legacy one is a mapping of profiles.
    let (profiles, default, profiles_node, legacy) = match get(top, "profiles") {
        Some(node) => {
            let Value::Map(profiles) = &node.value else {
                return Err(format!(
                    "{}: `profiles` must be a mapping of profile names to profiles, found {}",
                    at(node),
                    node.value.kind()
                ));
            };
            let default = match get(top, "default_profile") {
                None => None,
                Some(d) => match &d.value {
                    Value::Null => None,
                    Value::Str(name) => Some((name.clone(), d)),
                    other => {
                        return Err(format!(
                            "{}: `default_profile` must be a profile name, found {}",
                            at(d),
                            other.kind()
                        ));
                    }
                },
            };
            (profiles.as_slice(), default, node, false)
        }
        None => (top.as_slice(), None, &doc, true),
    };
    let (wanted, named_at) = match (name, default) {
        (Some(n), _) => (n.to_string(), profiles_node),
        (None, Some((n, node))) => (n, node),
        (None, None) if legacy => ("default".to_string(), profiles_node),
        (None, None) => {
            return Err(format!(
                "{}: no `default_profile` is set; choose one with --profile",
                at(&doc)
            ));
        }
    };
    let Some(raw) = get(profiles, &wanted) else {
        let known: Vec<&str> = profiles.iter().map(|(k, _)| k.as_str()).collect();
        return Err(format!(
            "{}: no profile `{wanted}` (profiles: {}); choose one with --profile",
            at(named_at),
            known.join(", ")
        ));
    };
    let Value::Map(fields) = &raw.value else {
        return Err(format!(
            "{}: profile `{wanted}` must be a mapping of `host`, `token` and so on, found {}",
            at(raw),
            raw.value.kind()
        ));
    };
    let text_field = |key: &str, what: &str| -> Result<Option<(String, &Spanned<Value>)>, String> {
        match get(fields, key) {
            None => Ok(None),
            Some(node) => match &node.value {
                Value::Null => Ok(None),
                Value::Str(s) => Ok(Some((s.clone(), node))),
                other => Err(format!(
                    "{}: profile `{wanted}`: `{key}` must be {what}, not {}",
                    at(node),
                    other.kind()
                )),
            },
        }
    };
    let host = text_field("host", "a URL")?.map(|(h, _)| h);
    let token = match text_field(
        "token",
        "a string (the token, or `$VARIABLE` to read it from the environment)",
    )? {
        Some((t, node)) if t.starts_with('$') => {
            let var = t
                .trim_start_matches('$')
                .trim_start_matches('{')
                .trim_end_matches('}');
            let value = ctx.var(var).ok_or_else(|| {
                format!(
                    "{}: profile `{wanted}` takes its token from ${var}, which is not set; export it",
                    at(node)
                )
            })?;
            Some(Token::new(value))
        }
        Some((t, _)) => Some(Token::new(t)),
        None => None,
    };
    let extra_user_agent = text_field("extra_user_agent", "a string")?.map(|(a, _)| a);
    let mut custom_headers = Vec::new();
    match get(fields, "custom_headers") {
        None => {}
        Some(node) => match &node.value {
            Value::Null => {}
            Value::Map(headers) => {
                for (header, value) in headers {
                    match &value.value {
                        Value::Str(v) => custom_headers.push((header.clone(), v.clone())),
                        other => {
                            return Err(format!(
                                "{}: profile `{wanted}`: the value of custom header `{header}` must be a string, not {}",
                                at(value),
                                other.kind()
                            ));
                        }
                    }
                }
            }
            other => {
                return Err(format!(
                    "{}: profile `{wanted}`: `custom_headers` must be a mapping of header names to values, not {}",
                    at(node),
                    other.kind()
                ));
            }
        },
    }
    Ok(Profile {
        name: wanted,
        host,
        token,
        custom_headers,
        extra_user_agent,
    })
}

/// The value of `key` in a mapping.
fn get<'a>(map: &'a [(String, Spanned<Value>)], key: &str) -> Option<&'a Spanned<Value>> {
    map.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// One value of the profiles file, with the location of every value inside it (a
/// `serde_json::Value` would lose them). Only strings and mappings are kept; anything else is
/// known by its kind alone, so it cannot end up in a message.
#[derive(Debug)]
enum Value {
    Map(Vec<(String, Spanned<Value>)>),
    Str(String),
    Null,
    /// Anything else, by kind: "a number", "a list", "true or false".
    Other(&'static str),
}

impl Value {
    fn kind(&self) -> &'static str {
        match self {
            Value::Map(_) => "a mapping",
            Value::Str(_) => "a string",
            Value::Null => "nothing",
            Value::Other(kind) => kind,
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Value, E> {
        Ok(Value::Other("true or false"))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Value, E> {
        Ok(Value::Other("a number"))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Value, E> {
        Ok(Value::Other("a number"))
    }
    fn visit_i128<E: de::Error>(self, _: i128) -> Result<Value, E> {
        Ok(Value::Other("a number"))
    }
    fn visit_u128<E: de::Error>(self, _: u128) -> Result<Value, E> {
        Ok(Value::Other("a number"))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Value, E> {
        Ok(Value::Other("a number"))
    }
    fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<Value, E> {
        Ok(Value::Other("binary data"))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        Value::deserialize(deserializer)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Value::Other("a list"))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(Key(key)) = map.next_key()? {
            entries.push((key, map.next_value()?));
        }
        Ok(Value::Map(entries))
    }
}

/// A mapping key as text: names of profiles, fields and headers (`1:` is the key `1`).
struct Key(String);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a name")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Key, E> {
                Ok(Key(v.to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Key, E> {
                Ok(Key(String::new()))
            }
        }
        deserializer.deserialize_any(KeyVisitor)
    }
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
        assert_eq!(p.token, Some(Token::new("s3cret")));
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
        let braced = CURRENT.replace("$PROD_TOKEN", "${PROD_TOKEN}");
        let p = parse(
            "p.yaml",
            &braced,
            Some("prod"),
            &ctx(&[("PROD_TOKEN", "t")]),
        )
        .expect("prod");
        assert_eq!(p.token, Some(Token::new("t")));
    }

    #[test]
    fn unset_env_token_is_an_error_naming_the_variable() {
        let e = parse("p.yaml", CURRENT, Some("prod"), &ctx(&[])).unwrap_err();
        assert!(
            e.starts_with("p.yaml:10:12:") && e.contains("$PROD_TOKEN") && e.contains("not set"),
            "{e}"
        );
    }

    #[test]
    fn legacy_format_and_unknown_profile() {
        let legacy = "default:\n  host: https://x.example.com\n  token: literal\nother:\n  host: h\n  token: t\n";
        let p = parse("p.yaml", legacy, None, &ctx(&[])).expect("legacy");
        assert_eq!(
            (p.host.as_deref(), p.token),
            (Some("https://x.example.com"), Some(Token::new("literal")))
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
        let e = parse("p.yaml", "default:\n  token: \"abc\n", None, &ctx(&[])).unwrap_err();
        assert!(e.starts_with("p.yaml:2:10: not valid YAML"), "{e}");
        assert!(!e.contains("abc"), "{e}");
    }

    #[test]
    fn debug_shows_neither_the_token_nor_header_values() {
        let text = "default:\n  token: tok-123\n  custom_headers:\n    X-Api-Key: hdr-456\n";
        let p = parse("p.yaml", text, None, &ctx(&[])).expect("profile");
        let shown = format!("{p:?}");
        assert!(shown.contains("X-Api-Key"), "{shown}");
        assert!(
            !shown.contains("tok-123") && !shown.contains("hdr-456"),
            "{shown}"
        );
    }
}
