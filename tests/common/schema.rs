//! A small JSON Schema validator for the keywords gdgroups' plan schema uses, so the test suite
//! can check every saved plan it produces against `gdgroups schema --plan` without a JSON
//! Schema crate. A keyword it does not know fails the test rather than being skipped, and it
//! records which parts of the schema a document used, so a test can show that every property
//! the schema describes is something gdgroups writes.

use std::collections::BTreeSet;

use serde_json::Value;

/// Keywords that describe and do not constrain.
const ANNOTATIONS: &[&str] = &[
    "$schema",
    "$id",
    "title",
    "description",
    "$defs",
    "default",
    "examples",
];

/// A validation against one schema.
pub struct Validator {
    root: Value,
    /// Schema locations (JSON pointers) a valid document went through.
    pub seen: BTreeSet<String>,
}

impl Validator {
    pub fn new(root: Value) -> Self {
        Self {
            root,
            seen: BTreeSet::new(),
        }
    }

    /// Every problem of `doc`, each as `at /instance/path: what`; empty when it is valid.
    pub fn validate(&mut self, doc: &Value) -> Vec<String> {
        let root = self.root.clone();
        let mut errors = Vec::new();
        self.check(&root, "#", doc, "", &mut errors);
        errors
    }

    fn check(
        &mut self,
        schema: &Value,
        at: &str,
        node: &Value,
        path: &str,
        errors: &mut Vec<String>,
    ) {
        let Value::Object(s) = schema else {
            panic!("{at}: a schema must be an object");
        };
        let before = errors.len();
        for (keyword, value) in s {
            match keyword.as_str() {
                k if ANNOTATIONS.contains(&k) => {}
                "$ref" => {
                    let target = value.as_str().expect("$ref is a string");
                    let name = target
                        .strip_prefix("#/$defs/")
                        .unwrap_or_else(|| panic!("{at}: only #/$defs/ references: {target}"));
                    let def = self.root["$defs"][name].clone();
                    assert!(def.is_object(), "{at}: no definition {target}");
                    self.check(&def, target, node, path, errors);
                }
                "type" => {
                    let types: Vec<&str> = match value {
                        Value::String(t) => vec![t.as_str()],
                        Value::Array(ts) => ts.iter().map(|t| t.as_str().expect("type")).collect(),
                        _ => panic!("{at}: type"),
                    };
                    if !types.iter().any(|t| is_type(t, node)) {
                        errors.push(format!("at {path}: {node} is not of type {types:?}"));
                    }
                }
                "const" => {
                    if node != value {
                        errors.push(format!("at {path}: {node} is not {value}"));
                    }
                }
                "enum" => {
                    if !value.as_array().expect("enum").contains(node) {
                        errors.push(format!("at {path}: {node} is not one of {value}"));
                    }
                }
                "minimum" | "maximum" => {
                    let bound = value.as_f64().expect("bound");
                    if let Some(n) = node.as_f64()
                        && ((keyword == "minimum" && n < bound)
                            || (keyword == "maximum" && n > bound))
                    {
                        errors.push(format!("at {path}: {n} is beyond the {keyword} {bound}"));
                    }
                }
                "pattern" => {
                    if let Some(text) = node.as_str()
                        && !matches_pattern(value.as_str().expect("pattern"), text)
                    {
                        errors.push(format!("at {path}: {text:?} does not match {value}"));
                    }
                }
                "minLength" | "maxLength" => {
                    let bound = value.as_u64().expect("length");
                    if let Some(text) = node.as_str() {
                        let length = text.chars().count() as u64;
                        if (keyword == "minLength" && length < bound)
                            || (keyword == "maxLength" && length > bound)
                        {
                            errors
                                .push(format!("at {path}: {length} characters, {keyword} {bound}"));
                        }
                    }
                }
                "not" => {
                    let seen = self.seen.clone();
                    let mut mine = Vec::new();
                    self.check(value, &format!("{at}/not"), node, path, &mut mine);
                    self.seen = seen;
                    if mine.is_empty() {
                        errors.push(format!("at {path}: {node} matches what `not` refuses"));
                    }
                }
                "propertyNames" => {
                    if let Some(object) = node.as_object() {
                        for key in object.keys() {
                            self.check(
                                value,
                                &format!("{at}/propertyNames"),
                                &Value::String(key.clone()),
                                &format!("{path}/{key}"),
                                errors,
                            );
                        }
                    }
                }
                "required" => {
                    if let Some(object) = node.as_object() {
                        for key in value.as_array().expect("required") {
                            let key = key.as_str().expect("key");
                            if !object.contains_key(key) {
                                errors.push(format!("at {path}: `{key}` is missing"));
                            }
                        }
                    }
                }
                "minProperties" => {
                    if let Some(object) = node.as_object()
                        && (object.len() as u64) < value.as_u64().expect("count")
                    {
                        errors.push(format!("at {path}: fewer than {value} properties"));
                    }
                }
                "minItems" => {
                    if let Some(array) = node.as_array()
                        && (array.len() as u64) < value.as_u64().expect("count")
                    {
                        errors.push(format!("at {path}: fewer than {value} items"));
                    }
                }
                "uniqueItems" => {
                    if let Some(array) = node.as_array()
                        && value == &Value::Bool(true)
                        && array
                            .iter()
                            .enumerate()
                            .any(|(i, v)| array[..i].contains(v))
                    {
                        errors.push(format!("at {path}: items repeat"));
                    }
                }
                "properties" | "additionalProperties" => {
                    // Both at once below, from `properties`.
                }
                "items" => {
                    if let Some(array) = node.as_array() {
                        for (i, item) in array.iter().enumerate() {
                            self.check(
                                value,
                                &format!("{at}/items"),
                                item,
                                &format!("{path}/{i}"),
                                errors,
                            );
                        }
                    }
                }
                "oneOf" | "anyOf" => {
                    let branches = value.as_array().expect("branches");
                    let mut valid = Vec::new();
                    let mut problems = Vec::new();
                    for (i, branch) in branches.iter().enumerate() {
                        let mut mine = Vec::new();
                        let seen = self.seen.clone();
                        self.check(
                            branch,
                            &format!("{at}/{keyword}/{i}"),
                            node,
                            path,
                            &mut mine,
                        );
                        if mine.is_empty() {
                            valid.push(i);
                        } else {
                            self.seen = seen;
                            problems.extend(mine);
                        }
                    }
                    let ok = if keyword == "oneOf" {
                        valid.len() == 1
                    } else {
                        !valid.is_empty()
                    };
                    if !ok {
                        errors.push(format!(
                            "at {path}: {} of the {keyword} branches match ({problems:?})",
                            valid.len()
                        ));
                    }
                }
                other => panic!("{at}: the test validator does not know the keyword `{other}`"),
            }
        }
        if let Some(object) = node.as_object()
            && (s.contains_key("properties") || s.contains_key("additionalProperties"))
        {
            let empty = serde_json::Map::new();
            let properties = s
                .get("properties")
                .and_then(Value::as_object)
                .unwrap_or(&empty);
            for (key, value) in object {
                let child = format!("{path}/{key}");
                match (properties.get(key), s.get("additionalProperties")) {
                    (Some(property), _) => {
                        self.check(
                            property,
                            &format!("{at}/properties/{key}"),
                            value,
                            &child,
                            errors,
                        );
                    }
                    (None, Some(Value::Bool(false))) => {
                        errors.push(format!("at {path}: `{key}` is not in the schema"));
                    }
                    (None, Some(extra @ Value::Object(_))) => {
                        self.check(
                            extra,
                            &format!("{at}/additionalProperties"),
                            value,
                            &child,
                            errors,
                        );
                    }
                    _ => {}
                }
            }
        }
        if errors.len() == before {
            self.seen.insert(at.to_string());
        }
    }
}

fn is_type(t: &str, node: &Value) -> bool {
    match t {
        "object" => node.is_object(),
        "array" => node.is_array(),
        "string" => node.is_string(),
        "boolean" => node.is_boolean(),
        "null" => node.is_null(),
        "integer" => node.is_i64() || node.is_u64(),
        "number" => node.is_number(),
        other => panic!("unknown type {other}"),
    }
}

/// The patterns gdgroups' schemas use: `^(?!c)?[class]Q$`, an optional negative look-ahead
/// of one (possibly escaped) character, a class of ranges and single characters, and `Q` one of
/// `+`, `*`, `{n}`, `{m,n}`. Any other pattern fails the test, so a schema cannot use one that
/// goes unchecked.
fn matches_pattern(pattern: &str, text: &str) -> bool {
    let unsupported = || -> ! { panic!("the test validator does not read the pattern {pattern}") };
    let mut rest = pattern
        .strip_prefix('^')
        .and_then(|p| p.strip_suffix('$'))
        .unwrap_or_else(|| unsupported());
    let mut not_first = None;
    if let Some(after) = rest.strip_prefix("(?!") {
        let after = after.strip_prefix('\\').unwrap_or(after);
        let mut chars = after.chars();
        let c = chars.next().unwrap_or_else(|| unsupported());
        rest = chars
            .as_str()
            .strip_prefix(')')
            .unwrap_or_else(|| unsupported());
        not_first = Some(c);
    }
    let (class, quantifier) = rest
        .strip_prefix('[')
        .and_then(|r| r.split_once(']'))
        .unwrap_or_else(|| unsupported());
    let (min, max) = match quantifier {
        "+" => (1, usize::MAX),
        "*" => (0, usize::MAX),
        q => {
            let inner = q
                .strip_prefix('{')
                .and_then(|q| q.strip_suffix('}'))
                .unwrap_or_else(|| unsupported());
            let number = |n: &str| n.parse::<usize>().unwrap_or_else(|_| unsupported());
            match inner.split_once(',') {
                Some((m, n)) => (number(m), number(n)),
                None => (number(inner), number(inner)),
            }
        }
    };
    let class: Vec<char> = class.chars().collect();
    let in_class = |c: char| {
        let mut i = 0;
        while i < class.len() {
            if i + 2 < class.len() && class[i + 1] == '-' {
                if (class[i]..=class[i + 2]).contains(&c) {
                    return true;
                }
                i += 3;
            } else {
                if class[i] == c {
                    return true;
                }
                i += 1;
            }
        }
        false
    };
    let count = text.chars().count();
    not_first.is_none_or(|c| !text.starts_with(c))
        && (min..=max).contains(&count)
        && text.chars().all(in_class)
}

/// The plan schema as `gdgroups schema --plan` prints it.
pub fn plan_schema() -> Value {
    gdgroups::plan::schema::json_schema()
}

/// Panics, naming the problems, unless `doc` (a saved plan's JSON) is valid against the plan
/// schema.
#[track_caller]
pub fn assert_valid_plan(what: &str, text: &str) {
    let doc: Value =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("{what} is not JSON ({e}):\n{text}"));
    let errors = Validator::new(plan_schema()).validate(&doc);
    assert!(
        errors.is_empty(),
        "{what} does not match `gdgroups schema --plan` (update src/plan/schema.rs with the serialization, and regenerate plan.schema.json):\n{}",
        errors.join("\n")
    );
}

#[test]
fn the_pattern_reader_matches_what_it_reads() {
    assert!(matches_pattern("^[0-9a-f]{4}$", "09af"));
    assert!(!matches_pattern("^[0-9a-f]{4}$", "09aF"));
    assert!(!matches_pattern("^[0-9a-f]{4}$", "09a"));
    assert!(!matches_pattern("^[0-9a-f]{4}$", "09abc"));
    let id = r"^(?!\.)[.A-Za-z0-9_-]{1,3}$";
    assert!(matches_pattern(id, "a.b"));
    assert!(!matches_pattern(id, ".ab"));
    assert!(!matches_pattern(id, ""));
    assert!(!matches_pattern(id, "abcd"));
    assert!(matches_pattern("^[a-z, -]*$", ""));
    assert!(matches_pattern("^[a-z, -]*$", "a, b-c"));
    assert!(!matches_pattern("^[a-z]+$", ""));
    assert!(!matches_pattern("^[a-z]+$", "aB"));
}
