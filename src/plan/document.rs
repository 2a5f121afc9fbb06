//! The saved plan (spec §4): a versioned JSON document with a hash over its content, written
//! atomically and checked on load, plus the stale check that apply runs before using it.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{NextStep, Plan};
use crate::live::{Live, hex};

/// The `format_version` this gdgroups writes.
///
/// Version 2 added `next_step`. The hash covers every field, so a gdgroups that reads version 1
/// would take a version-2 plan for a hand-edited one; the new number makes it say "make the
/// plan again with this version" instead. Version 1 plans (no `next_step`) still read.
pub const FORMAT_VERSION: u32 = 2;

/// The oldest `format_version` this gdgroups reads.
pub const OLDEST_FORMAT_VERSION: u32 = 1;

/// Why a saved plan cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanFileError {
    /// Not a gdgroups plan this version reads: unreadable, invalid JSON, another format version.
    #[error("{0}")]
    Unreadable(String),
    /// A valid plan whose content no longer matches its hash: it was edited after it was made,
    /// so it is not the plan that was reviewed.
    #[error("{0}")]
    Edited(String),
}

/// A plan as saved by `plan --out` and printed by `--format json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanDocument {
    /// The document format; bumped on incompatible changes.
    pub format_version: u32,
    /// The gdgroups version that wrote it.
    pub gdgroups_version: String,
    /// The plan itself.
    #[serde(flatten)]
    pub plan: Plan,
    /// What `apply` will need to carry the plan out, as computed with the safety rules and the
    /// lock-out guard when the plan was made. Absent in version 1 plans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_step: Option<NextStep>,
    /// sha256 of the document without this field: a hand edit shows.
    pub plan_hash: String,
}

impl PlanDocument {
    /// Wraps a plan and computes its hash.
    pub fn new(plan: Plan) -> Self {
        let mut doc = Self {
            format_version: FORMAT_VERSION,
            gdgroups_version: crate::VERSION.to_string(),
            plan,
            next_step: None,
            plan_hash: String::new(),
        };
        doc.plan_hash = doc.content_hash();
        doc
    }

    /// The document with its next step (see [`super::next_step`]), hashed again.
    #[must_use]
    pub fn with_next_step(mut self, next_step: NextStep) -> Self {
        self.next_step = Some(next_step);
        self.plan_hash = self.content_hash();
        self
    }

    /// sha256 of the compact JSON of the document without `plan_hash`. It is serialized straight
    /// into the hasher: building a `serde_json::Value` first took a second for 100,000
    /// operations, and gives the same bytes (fields in declaration order, as `preserve_order`
    /// keeps them).
    fn content_hash(&self) -> String {
        #[derive(Serialize)]
        struct Unhashed<'a> {
            format_version: u32,
            gdgroups_version: &'a str,
            #[serde(flatten)]
            plan: &'a Plan,
            #[serde(skip_serializing_if = "Option::is_none")]
            next_step: Option<&'a NextStep>,
        }
        struct Hashing(Sha256);
        impl std::io::Write for Hashing {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                self.0.update(bytes);
                Ok(bytes.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut hashing = Hashing(Sha256::new());
        let unhashed = Unhashed {
            format_version: self.format_version,
            gdgroups_version: &self.gdgroups_version,
            plan: &self.plan,
            next_step: self.next_step.as_ref(),
        };
        // Serializing these types into a writer that never fails cannot fail.
        let _ = serde_json::to_writer(&mut hashing, &unhashed);
        hex(&hashing.0.finalize())
    }

    /// Pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Parses and checks a saved plan: its format version, and that its hash matches.
    pub fn from_json(path: &str, text: &str) -> Result<Self, PlanFileError> {
        use PlanFileError::Unreadable;
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
            Unreadable(format!("{path} is not a gdgroups plan (invalid JSON at line {}, column {}: {e}); make it again with `gdgroups plan --out`", e.line(), e.column()))
        })?;
        match value
            .get("format_version")
            .and_then(serde_json::Value::as_u64)
        {
            Some(v)
                if (u64::from(OLDEST_FORMAT_VERSION)..=u64::from(FORMAT_VERSION)).contains(&v) => {}
            Some(v) => {
                return Err(Unreadable(format!(
                    "{path} has format_version {v}, but this gdgroups ({}) reads versions {OLDEST_FORMAT_VERSION} to {FORMAT_VERSION}; make the plan again with this version",
                    crate::VERSION
                )));
            }
            None => {
                return Err(Unreadable(format!(
                    "{path} is not a gdgroups plan: it has no format_version"
                )));
            }
        }
        let doc: Self = serde_json::from_value(value)
            .map_err(|e| Unreadable(format!("{path} is not a valid gdgroups plan: {e}")))?;
        if doc.content_hash() != doc.plan_hash {
            return Err(PlanFileError::Edited(format!(
                "{path} was changed after it was made (its plan_hash does not match its content); a reviewed plan must be applied as it was made: run `gdgroups plan --out` again"
            )));
        }
        Ok(doc)
    }

    /// Reads and checks a saved plan file.
    pub fn load(path: &Path) -> Result<Self, PlanFileError> {
        let bytes = fs_err::read(path).map_err(|e| PlanFileError::Unreadable(e.to_string()))?;
        let text = String::from_utf8(bytes).map_err(|_| {
            PlanFileError::Unreadable(format!(
                "{} is not a gdgroups plan: it is not UTF-8 text",
                path.display()
            ))
        })?;
        Self::from_json(&path.display().to_string(), &text)
    }

    /// Writes the plan next to `path` and renames it into place, so a failure never leaves half a plan.
    pub fn save(&self, path: &Path) -> Result<(), String> {
        write_atomically(path, self.to_json().as_bytes())
    }
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let result = fs_err::write(&temp, bytes).and_then(|()| fs_err::rename(&temp, path));
    if result.is_err() {
        let _ = fs_err::remove_file(&temp);
    }
    result.map_err(|e| e.to_string())
}

/// How the live groups moved since a plan was made.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Moved {
    /// Groups that exist now but did not.
    pub appeared: Vec<String>,
    /// Groups that existed but are gone.
    pub vanished: Vec<String>,
    /// Groups whose name or parents changed, or the members or permissions the plan manages.
    pub changed: Vec<String>,
}

impl Moved {
    /// `appeared: a; vanished: b; changed: c, d`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        for (what, ids) in [
            ("appeared", &self.appeared),
            ("vanished", &self.vanished),
            ("changed", &self.changed),
        ] {
            if !ids.is_empty() {
                parts.push(format!("{what}: {}", list(ids, 10)));
            }
        }
        parts.join("; ")
    }
}

/// The `ignore:` patterns the plan was made with: ignored groups are left out of the comparison.
fn ignored(plan: &Plan) -> Vec<crate::desired::Pattern> {
    plan.source
        .ignore
        .iter()
        .map(|g| crate::desired::Pattern {
            glob: g.clone(),
            span: crate::diagnostic::Span::default(),
        })
        .collect()
}

/// Compares the live groups now with those the plan was computed from; `Some` when they moved.
pub fn moved_since(plan: &Plan, live: &Live) -> Option<Moved> {
    let patterns = ignored(plan);
    let keep = |id: &str| !patterns.iter().any(|p| p.matches(id));
    let managed = plan.source.managed_facets();
    if live.fingerprint_with(keep, &managed) == plan.source.live_fingerprint
        && live.bootstrap_group == plan.source.bootstrap_group
    {
        return None;
    }
    let now: BTreeMap<String, String> = live.fingerprint_and_digests(keep, &managed).1;
    let then = &plan.source.live_groups;
    let mut moved = Moved::default();
    for (id, digest) in &now {
        match then.get(id) {
            None => moved.appeared.push(id.clone()),
            Some(old) if old != digest => moved.changed.push(id.clone()),
            Some(_) => {}
        }
    }
    moved.vanished = then
        .keys()
        .filter(|id| !now.contains_key(*id))
        .cloned()
        .collect();
    Some(moved)
}

/// Whether the live groups are exactly what the plan leads to: it was applied already (most
/// often, this same plan a second time). Worth asking only once they moved.
pub fn already_applied(plan: &Plan, live: &Live) -> bool {
    let patterns = ignored(plan);
    let keep = |id: &str| !patterns.iter().any(|p| p.matches(id));
    let managed = plan.source.managed_facets();
    let mut after = plan.source.live_groups.clone();
    for change in plan.actionable() {
        match &change.after {
            Some(group) => {
                let digest = match managed.get(&change.id) {
                    Some(facets) if !facets.is_empty() => {
                        crate::live::digest_with_access(group, *facets, &access_after(change, live))
                    }
                    _ => crate::live::digest(group),
                };
                after.insert(change.id.clone(), digest)
            }
            None => after.remove(&change.id),
        };
    }
    live.bootstrap_group == plan.source.bootstrap_group
        && live.fingerprint_and_digests(keep, &managed).1 == after
}

/// The group's members and permissions once `change` is applied: its after values where it
/// changes them, what is live now where it does not (those were equal when the plan was made).
fn access_after(change: &super::Change, live: &Live) -> crate::live::LiveAccess {
    let id = change.id.as_str();
    let now = &live.access;
    let changed = change.access.clone().unwrap_or_default();
    let mut one = crate::live::LiveAccess::default();
    one.members.insert(
        id.to_string(),
        changed
            .members
            .map_or_else(|| now.members_of(id).clone(), |d| d.after),
    );
    one.workspace_access.insert(
        id.to_string(),
        changed
            .workspaces
            .map_or_else(|| now.workspaces_of(id).clone(), |d| d.after),
    );
    one.data_source_access.insert(
        id.to_string(),
        changed
            .data_sources
            .map_or_else(|| now.data_sources_of(id).clone(), |d| d.after),
    );
    one.organization.insert(
        id.to_string(),
        changed
            .organization
            .map_or_else(|| now.organization_of(id).clone(), |d| d.after),
    );
    one
}

/// `a, b, c and 4 more`.
pub fn list(items: &[String], max: usize) -> String {
    if items.len() <= max {
        return items.join(", ");
    }
    format!("{} and {} more", items[..max].join(", "), items.len() - max)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::group::Group;
    use crate::plan::{PlanOptions, compute};

    fn plan_for(live: &Live) -> Plan {
        let desired = crate::desired::Desired {
            path: "groups.yaml".into(),
            source: String::new(),
            sha256: "abc".into(),
            mode: crate::desired::Mode::Full,
            protected: vec![],
            ignore: vec![crate::desired::Pattern {
                glob: "jit-*".into(),
                span: crate::diagnostic::Span::default(),
            }],
            safety: crate::desired::Safety::default(),
            groups: vec![],
        };
        compute(
            &desired,
            live,
            &PlanOptions {
                host: "https://x.example.com".into(),
                ..PlanOptions::default()
            },
        )
        .expect("plan")
    }

    #[test]
    fn round_trips_and_detects_edits() {
        let live = Live::new([Group::new("a").with_name("A"), Group::new("jit-1")]);
        let doc = PlanDocument::new(plan_for(&live));
        let text = doc.to_json();
        assert_eq!(
            PlanDocument::from_json("plan.json", &text).expect("loads"),
            doc
        );
        let edited = text.replacen("\"action\": \"delete\"", "\"action\": \"create\"", 1);
        assert!(
            PlanDocument::from_json("plan.json", &edited)
                .unwrap_err()
                .to_string()
                .contains("changed after it was made")
        );
        let future = text.replace("\"format_version\": 2", "\"format_version\": 99");
        assert!(
            PlanDocument::from_json("plan.json", &future)
                .unwrap_err()
                .to_string()
                .contains("format_version 99")
        );
        assert!(
            PlanDocument::from_json("plan.json", "{\"format_version\": 1")
                .unwrap_err()
                .to_string()
                .contains("invalid JSON")
        );
        assert!(!text.contains("token"));
    }

    #[test]
    fn the_next_step_is_hashed_and_version_1_plans_without_it_still_load() {
        let live = Live::new([Group::new("a").with_name("A")]);
        let doc = PlanDocument::new(plan_for(&live)).with_next_step(NextStep::ApplyReady);
        let text = doc.to_json();
        assert!(
            text.contains(
                "\"next_step\": {\n    \"status\": \"apply_ready\"\n  },\n  \"plan_hash\""
            ),
            "{text}"
        );
        assert_eq!(PlanDocument::from_json("plan.json", &text), Ok(doc.clone()));
        let edited = text.replace("apply_ready", "nothing_to_apply");
        assert!(matches!(
            PlanDocument::from_json("plan.json", &edited),
            Err(PlanFileError::Edited(_))
        ));
        // What gdgroups wrote before the next step: version 1, no such field.
        let mut old = PlanDocument::new(plan_for(&live));
        old.format_version = 1;
        old.plan_hash = old.content_hash();
        let old_text = old.to_json();
        assert!(!old_text.contains("next_step"));
        assert_eq!(PlanDocument::from_json("plan.json", &old_text), Ok(old));
    }

    #[test]
    fn a_percentage_whose_shortest_form_parses_back_differently_still_loads() {
        // serde_json's fast float parsing read this back one unit in the last place off, so
        // the hash over the re-read plan differed and the plan looked edited.
        let live = Live::new([Group::new("a")]);
        let mut plan = plan_for(&live);
        plan.source.safety.max_delete_percent = Some(0.100_037_414_603_066_31);
        let doc = PlanDocument::new(plan);
        let loaded = PlanDocument::from_json("plan.json", &doc.to_json()).expect("loads");
        assert_eq!(loaded, doc);
    }

    /// Any percentage in range, with extra weight on the forms that are hard to read back:
    /// long decimals, subnormals, whole numbers, the ends.
    fn percentage() -> impl Strategy<Value = f64> {
        prop_oneof![
            0.0..=100.0_f64,
            (0..=100_u32).prop_map(f64::from),
            any::<u64>()
                .prop_map(|bits| f64::from_bits(bits) % 100.0)
                .prop_filter("in range", |p| (0.0..=100.0).contains(p)),
            prop::sample::select(vec![
                0.0,
                -0.0,
                100.0,
                f64::MIN_POSITIVE,
                5e-324,
                0.100_037_414_603_066_31
            ]),
        ]
    }

    proptest! {
        /// A plan saved with any settings, names and holds reads back as exactly the same plan.
        #[test]
        fn saved_plans_read_back_whatever_their_settings(
            percent in proptest::option::of(percentage()),
            max_deletes in proptest::option::of(any::<u64>()),
            name in "\\PC{0,12}",
            host in "https://[a-z]{1,8}\\.example\\.com/?",
            hold in any::<bool>(),
        ) {
            let live = Live::new([Group::new("a").with_name(name.clone()), Group::new("b"), Group::new("jit-1")]);
            let mut plan = plan_for(&live);
            plan.host = host;
            plan.source.safety = crate::desired::Safety { max_deletes, max_delete_percent: percent, ..crate::desired::Safety::default() };
            if hold {
                plan.hold_deletes("--no-delete");
            }
            let doc = PlanDocument::new(plan);
            let loaded = PlanDocument::from_json("plan.json", &doc.to_json());
            prop_assert_eq!(loaded, Ok(doc));
        }

        /// `safety:` in the file: an out-of-range or malformed value is a located error; an
        /// accepted one is in range, and the plan made with it saves and loads.
        #[test]
        fn safety_settings_in_the_file_are_refused_with_a_place_or_saved_exactly(
            deletes in extreme(),
            percent in extreme(),
        ) {
            let text = format!("safety:\n  max_deletes: {deletes}\n  max_delete_percent: {percent}\ngroups:\n  - id: a\n");
            match crate::desired::parse("groups.yaml", &text, crate::desired::LoadOptions::default()) {
                Err(diagnostics) => {
                    prop_assert!(!diagnostics.items.is_empty());
                    for d in &diagnostics.items {
                        prop_assert!(d.span.is_some(), "{}: {}", text, d.message);
                    }
                }
                Ok(desired) => {
                    let p = desired.safety.max_delete_percent;
                    prop_assert!(p.is_none_or(|p| (0.0..=100.0).contains(&p)), "{}", text);
                    let live = Live::new([Group::new("a"), Group::new("b")]);
                    let plan = compute(&desired, &live, &PlanOptions::default()).expect("plan");
                    let doc = PlanDocument::new(plan);
                    prop_assert_eq!(PlanDocument::from_json("plan.json", &doc.to_json()), Ok(doc));
                }
            }
        }
    }

    /// Numbers at and past every edge, as they might be written in YAML.
    fn extreme() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<f64>().prop_map(|f| f.to_string()),
            any::<f64>().prop_map(|f| format!("{f:e}")),
            percentage().prop_map(|f| f.to_string()),
            any::<i128>().prop_map(|i| i.to_string()),
            any::<u64>().prop_map(|u| u.to_string()),
            prop::sample::select(vec![
                ".nan",
                ".inf",
                "-.inf",
                "1e400",
                "-0",
                "0x10",
                "0o17",
                "~",
                "null",
                "''",
                "true",
                "18446744073709551616",
                "9223372036854775808",
                "-9223372036854775809",
                "[1]",
                "{a: 1}",
            ])
            .prop_map(str::to_string),
            "[0-9eE.+-]{1,24}",
        ]
    }

    #[test]
    fn the_hash_is_that_of_the_document_value_without_plan_hash() {
        // Saved plans carry this hash: it must stay what `Value` serialization gave.
        let live = Live::new([
            Group::new("a").with_name("A \"quoted\" ü"),
            Group::new("b").with_parents(["a"]),
            Group::new("jit-1"),
        ]);
        let mut plan = plan_for(&live);
        plan.source.safety.max_delete_percent = Some(12.5);
        plan.source.safety.max_deletes = Some(3);
        plan.hold_deletes("--no-delete");
        plan.notes.push(crate::plan::Note {
            id: "a".into(),
            text: "a note".into(),
        });
        let doc = PlanDocument::new(plan);
        let mut value = serde_json::to_value(&doc).expect("value");
        value
            .as_object_mut()
            .expect("an object")
            .remove("plan_hash");
        assert_eq!(
            doc.plan_hash,
            hex(&Sha256::digest(value.to_string().as_bytes()))
        );
    }

    #[test]
    fn moved_names_what_appeared_vanished_and_changed_but_not_ignored_groups() {
        let live = Live::new([Group::new("a"), Group::new("b"), Group::new("jit-1")]);
        let plan = plan_for(&live);
        assert_eq!(moved_since(&plan, &live), None);
        let ignored_moved = Live::new([Group::new("a"), Group::new("b"), Group::new("jit-2")]);
        assert_eq!(moved_since(&plan, &ignored_moved), None);
        let now = Live::new([Group::new("a").with_name("renamed"), Group::new("c")]);
        let moved = moved_since(&plan, &now).expect("moved");
        assert_eq!(moved.describe(), "appeared: c; vanished: b; changed: a");
    }

    #[test]
    fn a_plan_is_already_applied_when_the_live_groups_are_its_after_state() {
        let before = Live::new([Group::new("a"), Group::new("b"), Group::new("jit-1")]);
        let mut plan = plan_for(&before);
        // plan_for declares nothing: a and b are deleted, jit-1 is ignored.
        assert!(!already_applied(&plan, &before));
        let after = Live::new([Group::new("jit-2")]);
        assert!(already_applied(&plan, &after));
        let half = Live::new([Group::new("b")]);
        assert!(!already_applied(&plan, &half));
        let more = Live::new([Group::new("c")]);
        assert!(!already_applied(&plan, &more));
        // A delete held by --no-delete was never carried out.
        plan.hold_deletes("--no-delete");
        assert!(!already_applied(&plan, &after));
        assert!(already_applied(&plan, &before));
    }

    #[test]
    fn atomic_write_leaves_no_temp_file() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("plan.json");
        write_atomically(&path, b"{}").expect("write");
        assert_eq!(fs_err::read_to_string(&path).expect("read"), "{}");
        assert_eq!(fs_err::read_dir(dir.path()).expect("dir").count(), 1);
        assert!(write_atomically(&dir.path().join("missing/plan.json"), b"{}").is_err());
    }
}
