//! The layering of `src/`, checked so it cannot rot silently (issue 14): no import circles
//! between files, arrows that run one way (the command line on top; the plan knows nothing of
//! rendering, the network or the terminal), clap only in the command line, `process::exit` only
//! in `main.rs`.
//!
//! A file's imports are the `crate::…` and `super::…` paths in its non-test code, resolved to the
//! file of the module they name. A parent naming its own children (`mod x; pub use x::Y;`) is
//! structure, not a dependency, and is not counted; a child using its parent's items is.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module path (`["plan", "compute"]`) and its file.
type Modules = BTreeMap<Vec<String>, PathBuf>;

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every module file under `src/`, by module path, except test-only modules.
fn modules() -> Modules {
    fn walk(dir: &Path, prefix: &[String], out: &mut Modules) {
        let mut entries: Vec<_> = fs_err::read_dir(dir)
            .expect("src is readable")
            .map(|e| e.expect("dir entry").path())
            .collect();
        entries.sort();
        for path in entries {
            let name = path
                .file_stem()
                .and_then(|s| s.to_str())
                .expect("utf-8 names")
                .to_string();
            if path.is_dir() {
                let mut next = prefix.to_vec();
                next.push(name);
                walk(&path, &next, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let mut module = prefix.to_vec();
                if !matches!(name.as_str(), "mod" | "lib" | "main") {
                    module.push(name.clone());
                }
                if name == "main" {
                    module = vec!["main".to_string()];
                }
                out.insert(module, path);
            }
        }
    }
    let mut all = Modules::new();
    walk(&src(), &[], &mut all);
    let test_only: BTreeSet<Vec<String>> = all
        .iter()
        .flat_map(|(module, path)| {
            test_children(&read(path))
                .into_iter()
                .map(move |child| [module.clone(), vec![child]].concat())
        })
        .collect();
    all.into_iter()
        .filter(|(module, _)| {
            !test_only
                .iter()
                .any(|t| module.len() >= t.len() && module[..t.len()] == t[..])
        })
        .collect()
}

fn read(path: &Path) -> String {
    fs_err::read_to_string(path).expect("source is readable")
}

/// Children declared test-only: `#[cfg(test)]` on the line before `mod name;`.
fn test_children(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    lines
        .windows(2)
        .filter(|w| w[0] == "#[cfg(test)]")
        .filter_map(|w| {
            let rest = w[1]
                .strip_prefix("mod ")
                .or(w[1].strip_prefix("pub(crate) mod "))?;
            rest.strip_suffix(';').map(str::to_string)
        })
        .collect()
}

/// The non-test code of a file: everything before its test module (`#[cfg(test)] mod tests {`,
/// or a `cfg` naming `test` among others), with comments removed.
fn code(text: &str) -> String {
    let mut kept = String::new();
    let mut previous = "";
    for line in text.lines() {
        let trimmed = line.trim();
        let test_only = previous.starts_with("#[cfg(") && previous.contains("test");
        if test_only && trimmed.starts_with("mod ") && trimmed.ends_with('{') {
            break;
        }
        previous = trimmed;
        if trimmed.starts_with("//") {
            continue;
        }
        kept.push_str(line);
        kept.push('\n');
    }
    kept
}

/// The module paths a piece of code names after `crate::` or `super::`, as written (with `super`
/// kept as a segment), groups (`crate::{a, b::c}`) expanded.
fn paths(code: &str) -> Vec<Vec<String>> {
    fn ident(chars: &[char], mut i: usize) -> (String, usize) {
        let start = i;
        while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
            i += 1;
        }
        (chars[start..i].iter().collect(), i)
    }
    /// Reads `a::b::{c, d::e}` from `i`, pushing each full path onto `out`.
    fn tree(
        chars: &[char],
        mut i: usize,
        prefix: Vec<String>,
        out: &mut Vec<Vec<String>>,
    ) -> usize {
        let mut path = prefix;
        loop {
            while i < chars.len() && chars[i].is_whitespace() {
                i += 1;
            }
            if i < chars.len() && chars[i] == '{' {
                i += 1;
                loop {
                    i = tree(chars, i, path.clone(), out);
                    while i < chars.len() && chars[i].is_whitespace() {
                        i += 1;
                    }
                    match chars.get(i) {
                        Some(',') => i += 1,
                        Some('}') => return i + 1,
                        _ => return i,
                    }
                    while i < chars.len() && chars[i].is_whitespace() {
                        i += 1;
                    }
                    if chars.get(i) == Some(&'}') {
                        return i + 1;
                    }
                }
            }
            let (name, next) = ident(chars, i);
            if name.is_empty() {
                out.push(path);
                return next;
            }
            path.push(name);
            i = next;
            if chars.get(i) == Some(&':') && chars.get(i + 1) == Some(&':') {
                i += 2;
            } else {
                out.push(path);
                return i;
            }
        }
    }
    let chars: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    for root in ["crate::", "super::"] {
        let root_chars: Vec<char> = root.chars().collect();
        let mut i = 0;
        while i + root_chars.len() <= chars.len() {
            let before_ok = i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
            if before_ok && chars[i..i + root_chars.len()] == root_chars[..] {
                let first = root.trim_end_matches(':').to_string();
                i = tree(&chars, i + root_chars.len(), vec![first], &mut out);
            } else {
                i += 1;
            }
        }
    }
    out
}

/// The module a written path names, from the module `from`: the longest prefix that is a module
/// file.
fn resolve(from: &[String], written: &[String], modules: &Modules) -> Option<Vec<String>> {
    let mut absolute: Vec<String> = match written.first().map(String::as_str) {
        Some("crate") => Vec::new(),
        Some("super") => {
            // `super` is the parent of the module the file defines.
            let mut base = from.to_vec();
            base.pop();
            base
        }
        _ => return None,
    };
    for segment in &written[1..] {
        if segment == "super" {
            absolute.pop();
        } else {
            absolute.push(segment.clone());
        }
    }
    (0..=absolute.len())
        .rev()
        .map(|n| absolute[..n].to_vec())
        .find(|prefix| modules.contains_key(prefix))
}

/// File-level dependencies: module → the modules it uses (parents naming children left out).
fn dependencies(modules: &Modules) -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    modules
        .iter()
        .map(|(module, path)| {
            let used = paths(&code(&read(path)))
                .iter()
                .filter_map(|written| resolve(module, written, modules))
                .filter(|target| target != module && !target.starts_with(module))
                .collect();
            (module.clone(), used)
        })
        .collect()
}

fn name(module: &[String]) -> String {
    if module.is_empty() {
        "lib".to_string()
    } else {
        module.join("::")
    }
}

/// Every import circle, each as the path that closes it.
fn circles(deps: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Vec<String> {
    fn visit(
        at: &Vec<String>,
        deps: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        stack: &mut Vec<Vec<String>>,
        done: &mut BTreeSet<Vec<String>>,
        found: &mut Vec<String>,
    ) {
        if let Some(position) = stack.iter().position(|m| m == at) {
            let cycle: Vec<String> = stack[position..]
                .iter()
                .chain(std::iter::once(at))
                .map(|m| name(m))
                .collect();
            found.push(cycle.join(" → "));
            return;
        }
        if done.contains(at) {
            return;
        }
        stack.push(at.clone());
        for next in deps.get(at).into_iter().flatten() {
            visit(next, deps, stack, done, found);
        }
        stack.pop();
        done.insert(at.clone());
    }
    let mut found = Vec::new();
    let mut done = BTreeSet::new();
    for module in deps.keys() {
        visit(module, deps, &mut Vec::new(), &mut done, &mut found);
    }
    found
}

#[test]
fn no_import_circles_between_files() {
    let modules = modules();
    assert!(
        modules.len() > 20 && modules.contains_key(&vec!["plan".to_string()]),
        "the walk finds the source tree: {:?}",
        modules.keys().collect::<Vec<_>>()
    );
    let found = circles(&dependencies(&modules));
    assert!(found.is_empty(), "import circles:\n{}", found.join("\n"));
}

/// The command line and the library's front door: nothing below them uses them.
const EDGE: [&str; 4] = ["cli", "commands", "output", "provision"];

/// Top-level modules a module may never use besides [`EDGE`]: the arrows of the house run one
/// way (the vocabulary at the bottom, then the file and the server, the plan, its rendering and
/// its execution).
const FORBIDDEN: &[(&str, &[&str])] = &[
    ("access", VOCABULARY),
    ("group", VOCABULARY),
    ("graph", VOCABULARY),
    ("diagnostic", VOCABULARY),
    (
        "desired",
        &["apply", "gooddata", "plan", "render", "live", "connection"],
    ),
    (
        "live",
        &[
            "apply",
            "gooddata",
            "plan",
            "render",
            "desired",
            "connection",
        ],
    ),
    ("plan", &["apply", "gooddata", "render", "connection"]),
    ("render", &["apply", "gooddata", "connection"]),
    ("gooddata", &["apply", "plan", "render", "desired"]),
    ("apply", &["render", "desired", "connection"]),
    ("connection", &["apply", "plan", "render"]),
    ("provision", &["render"]),
    ("error", &["apply", "render"]),
];

/// What the shared vocabulary (permissions, a group, the graph, diagnostics) never uses.
const VOCABULARY: &[&str] = &[
    "apply",
    "gooddata",
    "plan",
    "render",
    "desired",
    "live",
    "connection",
];

#[test]
fn arrows_run_one_way() {
    let modules = modules();
    let deps = dependencies(&modules);
    let mut wrong = Vec::new();
    for (module, used) in &deps {
        let Some(top) = module.first() else { continue };
        let Some((_, below)) = FORBIDDEN.iter().find(|(m, _)| m == top) else {
            continue;
        };
        let edge = if top == "provision" {
            &EDGE[..3]
        } else {
            &EDGE[..]
        };
        let forbidden: Vec<&str> = edge.iter().chain(below.iter()).copied().collect();
        for target in used {
            if let Some(target_top) = target.first()
                && forbidden.contains(&target_top.as_str())
            {
                wrong.push(format!("{} uses {}", name(module), name(target)));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "arrows against the layering:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn clap_and_process_exit_stay_at_the_edge() {
    let mut wrong = Vec::new();
    for (module, path) in modules() {
        let text = code(&read(&path));
        let top = module.first().map_or("lib", String::as_str);
        let cli_side = matches!(top, "cli" | "commands" | "output" | "main");
        if !cli_side && (text.contains("clap::") || text.contains("use clap")) {
            wrong.push(format!("{} uses clap", name(&module)));
        }
        if top != "main" && text.contains("process::exit") {
            wrong.push(format!("{} calls process::exit", name(&module)));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_checker_sees_circles_and_groups() {
    // The parser expands groups and `super`, so the checks above are not vacuous.
    let found = paths("use crate::{plan::{Plan, compute}, render};\nuse super::super::x::Y;");
    let as_text: Vec<String> = found.iter().map(|p| p.join("::")).collect();
    assert_eq!(
        as_text,
        [
            "crate::plan::Plan",
            "crate::plan::compute",
            "crate::render",
            "super::super::x::Y"
        ]
    );
    let m = |s: &str| s.split("::").map(str::to_string).collect::<Vec<_>>();
    let deps = BTreeMap::from([
        (m("a"), BTreeSet::from([m("b")])),
        (m("b"), BTreeSet::from([m("c")])),
        (m("c"), BTreeSet::from([m("a")])),
    ]);
    assert_eq!(circles(&deps), ["a → b → c → a"]);
}
