//! `validate` on whatever it is given (spec §2): arbitrary bytes and mutated valid files never
//! make it panic or hang; a file that is not valid is exit 1 with an error located in the file.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use proptest::prelude::*;

/// Valid files of the repository, in each format, to mutate.
const VALID: [(&str, &str); 4] = [
    ("groups.yaml", include_str!("../examples/groups.yaml")),
    ("groups.csv", include_str!("../examples/groups.csv")),
    ("export.csv", include_str!("../examples/hr-export.csv")),
    (
        "groups.json",
        r#"{"groups": [{"id": "a", "name": "A"}, {"id": "b", "parents": ["a"]}]}"#,
    ),
];

/// Pieces that mean something to YAML, CSV or the checks, for mutations to insert.
const TOKENS: [&str; 24] = [
    ":",
    ": ",
    "- ",
    "-",
    "[",
    "]",
    "{",
    "}",
    "&a ",
    "*a",
    "<<: ",
    "\t",
    "\"",
    "'",
    "#",
    "---\n",
    "\u{feff}",
    "\r",
    "\n  ",
    ",",
    "|",
    "\0",
    "parents: [",
    "id: ",
];

#[derive(Debug, Clone)]
enum Mutation {
    /// Replace the byte at this fraction of the text.
    Replace(f64, u8),
    Insert(f64, Vec<u8>),
    InsertToken(f64, usize),
    Delete(f64, usize),
    DuplicateLine(f64),
    SwapLines(f64, f64),
    Truncate(f64),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let at = 0.0..1.0_f64;
    prop_oneof![
        (at.clone(), any::<u8>()).prop_map(|(a, b)| Mutation::Replace(a, b)),
        (at.clone(), proptest::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(a, b)| Mutation::Insert(a, b)),
        (at.clone(), 0..TOKENS.len()).prop_map(|(a, t)| Mutation::InsertToken(a, t)),
        (at.clone(), 1..40_usize).prop_map(|(a, n)| Mutation::Delete(a, n)),
        at.clone().prop_map(Mutation::DuplicateLine),
        (at.clone(), at.clone()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        at.prop_map(Mutation::Truncate),
    ]
}

fn index(fraction: f64, len: usize) -> usize {
    // `fraction` is below 1, so the product is below `len`.
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let i = (fraction * len as f64) as usize;
    i.min(len)
}

fn mutate(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let len = bytes.len();
        match m {
            Mutation::Replace(at, b) if len > 0 => {
                let i = index(*at, len).min(len - 1);
                bytes[i] = *b;
            }
            Mutation::Replace(..) => {}
            Mutation::Insert(at, new) => {
                let i = index(*at, len);
                bytes.splice(i..i, new.iter().copied());
            }
            Mutation::InsertToken(at, t) => {
                let i = index(*at, len);
                bytes.splice(i..i, TOKENS[*t].bytes());
            }
            Mutation::Delete(at, n) => {
                let i = index(*at, len);
                bytes.drain(i..(i + n).min(len));
            }
            Mutation::DuplicateLine(at) | Mutation::SwapLines(at, _) => {
                let mut lines: Vec<Vec<u8>> =
                    bytes.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
                let i = index(*at, lines.len()).min(lines.len() - 1);
                if let Mutation::SwapLines(_, other) = m {
                    let j = index(*other, lines.len()).min(lines.len() - 1);
                    lines.swap(i, j);
                } else {
                    lines.insert(i, lines[i].clone());
                }
                bytes = lines.join(&b'\n');
            }
            Mutation::Truncate(at) => bytes.truncate(index(*at, len)),
        }
    }
    bytes
}

/// Runs `gdgroups validate -f FILE` on `bytes`; the exit code and stderr, failing after a minute
/// (far beyond the milliseconds a validate takes, even on a busy machine) rather than hanging.
fn validate(dir: &Path, name: &str, bytes: &[u8]) -> (i32, String) {
    let path = dir.join(name);
    fs_err::write(&path, bytes).expect("write");
    let mut child = Command::new(env!("CARGO_BIN_EXE_gdgroups"))
        .args(["validate", "-f", name])
        .current_dir(dir)
        .env_clear()
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let started = Instant::now();
    loop {
        if child.try_wait().expect("try_wait").is_some() {
            break;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("validate hung on {bytes:?}");
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let output = child.wait_with_output().expect("output");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Valid (0), an empty list refused (4), or an error located in the file (1); never a panic.
fn check(name: &str, bytes: &[u8], code: i32, stderr: &str) -> Result<(), TestCaseError> {
    let shown = String::from_utf8_lossy(bytes);
    prop_assert!(!stderr.contains("panicked"), "{shown:?}: {stderr}");
    match code {
        0 => prop_assert!(stderr.contains("is valid"), "{shown:?}: {stderr}"),
        // The empty refusal: located at `groups:` when the file has the key, the whole file
        // otherwise (`{}`), or the file named when only `--allow-empty` was missing.
        4 => prop_assert!(
            stderr.contains("no groups declared") || stderr.contains("declares no groups"),
            "{shown:?}: {stderr}"
        ),
        1 => {
            prop_assert!(stderr.starts_with("error: "), "{shown:?}: {stderr}");
            prop_assert!(
                stderr.contains(&format!("--> {name}")),
                "located: {shown:?}: {stderr}"
            );
        }
        other => prop_assert!(false, "exit {other} on {shown:?}: {stderr}"),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_are_a_located_error_never_a_panic_or_a_hang(
        bytes in proptest::collection::vec(any::<u8>(), 0..400),
        csv in any::<bool>(),
    ) {
        let dir = tempfile::tempdir().expect("dir");
        let name = if csv { "groups.csv" } else { "groups.yaml" };
        let (code, stderr) = validate(dir.path(), name, &bytes);
        check(name, &bytes, code, &stderr)?;
    }

    #[test]
    fn mutated_valid_files_are_valid_or_a_located_error(
        file in 0..VALID.len(),
        mutations in proptest::collection::vec(mutation(), 1..6),
    ) {
        let dir = tempfile::tempdir().expect("dir");
        let (name, text) = VALID[file];
        let bytes = mutate(text.as_bytes().to_vec(), &mutations);
        let (code, stderr) = validate(dir.path(), name, &bytes);
        check(name, &bytes, code, &stderr)?;
    }
}
