//! Writing a canonical `groups.yaml`: what `gdgroups dump` prints for the live groups.
//!
//! Canonical means the same groups always give the same bytes: groups sorted by id, parents
//! sorted, protected ids sorted and deduplicated, values quoted only when YAML would otherwise
//! read something else. Reading the result back gives exactly the groups that were written.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::node::{self, Kind};
use crate::access::{Facet, Facets, GroupAccess, Permission, WorkspacePermissions};
use crate::group::Group;

/// The first line of every dumped file: editors with the YAML language server then validate
/// the file against the schema `gdgroups schema` writes next to it.
pub const SCHEMA_MODELINE: &str = "# yaml-language-server: $schema=./groups.schema.json";

/// Renders `groups` and `protected` as a commented `groups.yaml` in full mode.
///
/// `header_comment` becomes comment lines after the schema line (each line prefixed with `# `;
/// empty for none), for example where and when the file was dumped.
pub fn to_yaml(groups: &[Group], protected: &[String], header_comment: &str) -> String {
    to_yaml_with_access(
        groups,
        |_| GroupAccess::default(),
        Facets::NONE,
        protected,
        header_comment,
    )
}

/// [`to_yaml`] with each group's members and permissions for `facets` (`dump --members
/// --permissions`), as `access` gives them for a group id: every group gets every key in
/// `facets`, empty when it has none, so the file manages exactly what it shows.
pub fn to_yaml_with_access(
    groups: &[Group],
    access: impl Fn(&str) -> GroupAccess,
    facets: Facets,
    protected: &[String],
    header_comment: &str,
) -> String {
    let mut out = String::with_capacity(64 + groups.len() * 64);
    out.push_str(SCHEMA_MODELINE);
    out.push('\n');
    for line in header_comment.lines() {
        let line = line.trim_end();
        // A control character would end the comment or make the file invalid YAML.
        let line: String = line
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        if line.is_empty() {
            out.push_str("#\n");
        } else {
            let _ = writeln!(out, "# {line}");
        }
    }

    let protected: BTreeSet<&str> = protected.iter().map(String::as_str).collect();
    out.push('\n');
    out.push_str("# Never changed or deleted by gdgroups (the bootstrap group always is).\n");
    if protected.is_empty() {
        out.push_str("protected: []\n");
    } else {
        out.push_str("protected:\n");
        for id in &protected {
            let _ = writeln!(out, "  - {}", scalar(id));
        }
    }

    out.push('\n');
    out.push_str("# Sorted by id; parents are compared as a set.\n");
    if groups.is_empty() {
        out.push_str("groups: []\n");
        return out;
    }
    out.push_str("groups:\n");
    out.push_str(&items(groups, Some((&access, facets))));
    out
}

/// The items of a `groups:` list, sorted by id, indented as under `groups:`: what a plan shows
/// to paste into the file to keep groups it would delete.
pub fn group_items(groups: &[Group]) -> String {
    items(groups, None)
}

/// Where a group's members and permissions come from, and which of them to write.
type FacetSource<'a> = (&'a dyn Fn(&str) -> GroupAccess, Facets);

fn items(groups: &[Group], access: Option<FacetSource<'_>>) -> String {
    let mut out = String::new();
    let mut sorted: Vec<&Group> = groups.iter().collect();
    sorted.sort_by(|a, b| a.id.cmp(&b.id));
    for group in sorted {
        let _ = writeln!(out, "  - id: {}", scalar(&group.id));
        if let Some(name) = &group.name {
            let _ = writeln!(out, "    name: {}", scalar(name));
        }
        if !group.parents.is_empty() {
            let parents: Vec<Cow<'_, str>> = group.parents.iter().map(|p| scalar(p)).collect();
            let _ = writeln!(out, "    parents: [{}]", parents.join(", "));
        }
        if let Some((access, facets)) = access {
            facet_lines(&access(&group.id), facets, &mut out);
        }
    }
    out
}

/// The facet keys of one group, canonical: ids sorted, permissions in the API's order, a
/// workspace's shorthand list when it has no hierarchy permissions.
fn facet_lines(access: &GroupAccess, facets: Facets, out: &mut String) {
    fn list<'a>(items: impl Iterator<Item = Cow<'a, str>>) -> String {
        format!("[{}]", items.collect::<Vec<_>>().join(", "))
    }
    fn names<P: Permission>(set: &BTreeSet<P>) -> String {
        list(set.iter().map(|p| Cow::Borrowed(p.as_str())))
    }
    fn workspace(value: &WorkspacePermissions) -> String {
        if value.hierarchy.is_empty() {
            names(&value.permissions)
        } else {
            format!(
                "{{permissions: {}, hierarchy: {}}}",
                names(&value.permissions),
                names(&value.hierarchy)
            )
        }
    }
    for facet in facets.iter() {
        match facet {
            Facet::Members => {
                let members = &access.members;
                let _ = writeln!(
                    out,
                    "    members: {}",
                    list(members.iter().map(|m| scalar(m)))
                );
            }
            Facet::Workspaces => {
                let map = &access.workspaces;
                if map.is_empty() {
                    out.push_str("    workspaces: {}\n");
                    continue;
                }
                out.push_str("    workspaces:\n");
                for (ws, value) in map {
                    let _ = writeln!(out, "      {}: {}", scalar(ws), workspace(value));
                }
            }
            Facet::DataSources => {
                let map = &access.data_sources;
                if map.is_empty() {
                    out.push_str("    data_sources: {}\n");
                    continue;
                }
                out.push_str("    data_sources:\n");
                for (ds, value) in map {
                    let _ = writeln!(out, "      {}: {}", scalar(ds), names(value));
                }
            }
            Facet::Organization => {
                let _ = writeln!(out, "    organization: {}", names(&access.organization));
            }
        }
    }
}

/// The value as written in YAML: plain when that reads back as the same string, otherwise in
/// double quotes with escapes.
pub(crate) fn scalar(value: &str) -> Cow<'_, str> {
    if plain_is_safe(value) {
        Cow::Borrowed(value)
    } else {
        Cow::Owned(double_quoted(value))
    }
}

/// Whether `value` can be written as a plain scalar, in a block mapping value as well as in a
/// flow sequence (`parents: [a, b]`), and read back unchanged by any YAML reader.
fn plain_is_safe(value: &str) -> bool {
    let Some(first) = value.chars().next() else {
        return false;
    };
    // Indicators that start something else than a plain scalar, or are ambiguous there.
    if "-?:,[]{}#&*!|>'\"%@`.+~<=".contains(first) || first.is_whitespace() {
        return false;
    }
    if value.ends_with(char::is_whitespace) || value.ends_with(':') {
        return false;
    }
    if value.contains(": ") || value.contains(" #") {
        return false;
    }
    // Flow indicators end a plain scalar inside `[...]`.
    if value.contains([',', '[', ']', '{', '}']) {
        return false;
    }
    if value.chars().any(needs_escape) || value.contains(['\t', '\n']) {
        return false;
    }
    // Anything YAML 1.2 reads as another type (`null`, `true`, `123`, `1.5`) is quoted, and so
    // are the YAML 1.1 booleans and number-like words (`yes`, `off`, `0755`, `1_000`, `12:30`)
    // that older tools and linters still read as such.
    if !matches!(node::resolve_plain(Cow::Borrowed(value)), Kind::Str(_)) {
        return false;
    }
    if first.is_ascii_digit() {
        return false;
    }
    !is_yaml_1_1_special(value)
}

fn is_yaml_1_1_special(value: &str) -> bool {
    matches!(
        value,
        "y" | "Y"
            | "yes"
            | "Yes"
            | "YES"
            | "n"
            | "N"
            | "no"
            | "No"
            | "NO"
            | "on"
            | "On"
            | "ON"
            | "off"
            | "Off"
            | "OFF"
    )
}

/// Characters YAML does not allow unescaped (outside its printable set), and the ones that
/// some readers take as line breaks or a byte-order mark.
fn needs_escape(c: char) -> bool {
    let printable = matches!(c, '\t' | '\n' | '\r' | ' '..='~')
        || matches!(c, '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..);
    !printable || matches!(c, '\u{2028}' | '\u{2029}' | '\u{FEFF}' | '\r')
}

fn double_quoted(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            '\u{85}' => out.push_str("\\N"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            c if needs_escape(c) => {
                let code = u32::from(c);
                if code <= 0xFF {
                    let _ = write!(out, "\\x{code:02X}");
                } else if code <= 0xFFFF {
                    let _ = write!(out, "\\u{code:04X}");
                } else {
                    let _ = write!(out, "\\U{code:08X}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desired::{LoadOptions, parse};

    #[test]
    fn facets_are_written_sorted_with_the_shorthand_where_there_is_no_hierarchy() {
        use crate::access::{
            DataSourcePermission as D, OrganizationPermission as O, WorkspacePermission as W,
        };
        use std::collections::BTreeMap;
        let sales = GroupAccess {
            members: ["zoe", "amy", "no"]
                .iter()
                .map(|s| (*s).to_string())
                .collect(),
            workspaces: BTreeMap::from([
                (
                    "zeta".to_string(),
                    WorkspacePermissions::only([W::View, W::Analyze]),
                ),
                (
                    "alpha".to_string(),
                    WorkspacePermissions {
                        permissions: BTreeSet::new(),
                        hierarchy: BTreeSet::from([W::View]),
                    },
                ),
            ]),
            data_sources: BTreeMap::from([("dwh".to_string(), BTreeSet::from([D::Use]))]),
            organization: BTreeSet::from([O::SelfCreateToken, O::Manage]),
        };
        let access = |id: &str| {
            if id == "sales" {
                sales.clone()
            } else {
                GroupAccess::default()
            }
        };
        let groups = [Group::new("sales"), Group::new("empty")];
        let text = to_yaml_with_access(&groups, access, Facets::ALL, &[], "");
        let body = &text[text.find("groups:").expect("groups")..];
        assert_eq!(
            body,
            "groups:\n  - id: empty\n    members: []\n    workspaces: {}\n    data_sources: {}\n    organization: []\n  - id: sales\n    members: [amy, \"no\", zoe]\n    workspaces:\n      alpha: {permissions: [], hierarchy: [VIEW]}\n      zeta: [ANALYZE, VIEW]\n    data_sources:\n      dwh: [USE]\n    organization: [MANAGE, SELF_CREATE_TOKEN]\n"
        );
        let members_only =
            to_yaml_with_access(&groups, access, Facets::NONE.with(Facet::Members), &[], "");
        assert!(!members_only.contains("workspaces"), "{members_only}");
        assert_eq!(
            to_yaml(&groups, &[], "x"),
            to_yaml_with_access(&groups, access, Facets::NONE, &[], "x"),
            "without facets, the dump of names and parents"
        );
        let back = parse("groups.yaml", &text, LoadOptions::default()).expect("reads back");
        assert_eq!(back.managed_facets(), Facets::ALL);
    }

    #[test]
    fn the_file_is_canonical_and_commented() {
        let groups = vec![
            Group::new("marketing")
                .with_name("Marketing")
                .with_parents(["sales", "analysts"]),
            Group::new("analysts").with_name("Data Analysts"),
            Group::new("sales"),
        ];
        let text = to_yaml(
            &groups,
            &["adminGroup".into(), "everyone".into(), "adminGroup".into()],
            "Dumped from https://acme.example by gdgroups\n\nedit freely",
        );
        assert_eq!(
            text,
            "\
# yaml-language-server: $schema=./groups.schema.json
# Dumped from https://acme.example by gdgroups
#
# edit freely

# Never changed or deleted by gdgroups (the bootstrap group always is).
protected:
  - adminGroup
  - everyone

# Sorted by id; parents are compared as a set.
groups:
  - id: analysts
    name: Data Analysts
  - id: marketing
    name: Marketing
    parents: [analysts, sales]
  - id: sales
"
        );
    }

    #[test]
    fn empty_lists_stay_visible() {
        assert_eq!(
            to_yaml(&[], &[], ""),
            "# yaml-language-server: $schema=./groups.schema.json\n\n# Never changed or deleted by gdgroups (the bootstrap group always is).\nprotected: []\n\n# Sorted by id; parents are compared as a set.\ngroups: []\n"
        );
    }

    #[test]
    fn names_are_quoted_only_when_needed() {
        let cases = [
            ("Data Analysts", "Data Analysts"),
            ("Équipe données 😀", "Équipe données 😀"),
            ("a-b_c.d", "a-b_c.d"),
            ("it's fine", "it's fine"),
            ("a:b", "a:b"),
            ("a#b", "a#b"),
            ("yes", "\"yes\""),
            ("no", "\"no\""),
            ("Off", "\"Off\""),
            ("null", "\"null\""),
            ("~", "\"~\""),
            ("true", "\"true\""),
            ("123", "\"123\""),
            ("1.5", "\"1.5\""),
            ("0755", "\"0755\""),
            ("1_000", "\"1_000\""),
            ("12:30", "\"12:30\""),
            (".inf", "\".inf\""),
            ("", "\"\""),
            (" lead", "\" lead\""),
            ("trail ", "\"trail \""),
            ("key: value", "\"key: value\""),
            ("ends:", "\"ends:\""),
            ("a #comment", "\"a #comment\""),
            ("#tag", "\"#tag\""),
            ("- item", "\"- item\""),
            ("-", "\"-\""),
            ("*ref", "\"*ref\""),
            ("&anchor", "\"&anchor\""),
            ("!tag", "\"!tag\""),
            ("@at", "\"@at\""),
            ("`tick", "\"`tick\""),
            ("%pct", "\"%pct\""),
            ("{brace", "\"{brace\""),
            ("[bracket", "\"[bracket\""),
            ("a, b", "\"a, b\""),
            ("say \"hi\"", "say \"hi\""),
            ("\"quoted\"", "\"\\\"quoted\\\"\""),
            ("back\\slash", "back\\slash"),
            ("line\nbreak", "\"line\\nbreak\""),
            ("tab\there", "\"tab\\there\""),
            ("bell\u{7}", "\"bell\\x07\""),
            ("nel\u{85}", "\"nel\\N\""),
            ("bom\u{FEFF}", "\"bom\\uFEFF\""),
        ];
        for (name, want) in cases {
            assert_eq!(scalar(name), want, "{name:?}");
            // And each reads back as itself.
            let text = to_yaml(&[Group::new("g").with_name(name)], &[], "");
            let d = parse("dump.yaml", &text, LoadOptions::default())
                .unwrap_or_else(|e| panic!("{name:?} does not read back:\n{}", e.render()));
            assert_eq!(d.groups[0].group.name.as_deref(), Some(name), "{text}");
        }
    }

    #[test]
    fn ids_that_look_like_numbers_are_quoted() {
        for id in ["123", "1e3", "0x1F", "-1", "true", "null", "no", "-", "_x"] {
            let text = to_yaml(
                &[Group::new("a"), Group::new(id).with_parents(["a"])],
                &[id.to_string()],
                "",
            );
            let d = parse("dump.yaml", &text, LoadOptions::default())
                .unwrap_or_else(|e| panic!("{id:?} does not read back:\n{}", e.render()));
            assert!(d.groups.iter().any(|g| g.group.id == id), "{text}");
            assert_eq!(d.protected, [id]);
        }
    }

    /// A small deterministic generator (xorshift), so the property test needs no dependency and
    /// a failure is reproducible from its seed.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            usize::try_from(self.next() % (n as u64)).unwrap_or(0)
        }

        fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
            &items[self.below(items.len())]
        }
    }

    const TRICKY: [&str; 24] = [
        "yes", "No", "null", "~", "123", "1.5", "-", " x", "x ", "a: b", "a #b", "#", "'", "\"",
        "\\", "- x", "*x", "&x", "!x", "@x", "%x", "[x]", "{x}", "`",
    ];

    fn random_id(rng: &mut Rng) -> String {
        const FIRST: &[u8] = b"abcXYZ019_-";
        const REST: &[u8] = b"abcXYZ019_-.";
        if rng.below(8) == 0 {
            return (*rng.pick(&["123", "true", "null", "1e3", "0x1F", "-1", "no", "y", "-"]))
                .to_string();
        }
        let len = 1 + rng.below(12);
        let mut id = String::new();
        id.push(char::from(*rng.pick(FIRST)));
        for _ in 1..len {
            id.push(char::from(*rng.pick(REST)));
        }
        id
    }

    fn random_name(rng: &mut Rng) -> Option<String> {
        const CHARS: [char; 24] = [
            'a', 'Z', '0', ' ', ':', '#', '-', '\'', '"', '\\', '\n', '\t', '\r', ',', '[', '{',
            'é', 'ß', '😀', '\u{85}', '\u{2028}', '\u{7}', '\u{0}', '\u{FEFF}',
        ];
        match rng.below(6) {
            0 => None,
            1 => Some((*rng.pick(&TRICKY)).to_string()),
            _ => {
                let len = rng.below(20);
                Some((0..len).map(|_| *rng.pick(&CHARS)).collect())
            }
        }
    }

    #[test]
    fn dumped_files_read_back_as_the_same_groups() {
        for seed in 1..=300_u64 {
            let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
            let mut ids: Vec<String> = Vec::new();
            let mut groups: Vec<Group> = Vec::new();
            let protected: Vec<String> = (0..rng.below(3)).map(|_| random_id(&mut rng)).collect();
            for _ in 0..=rng.below(25) {
                let id = random_id(&mut rng);
                if ids.contains(&id) || protected.contains(&id) {
                    continue;
                }
                // Parents among earlier groups and protected ids: no cycles, none unknown.
                let mut parents = BTreeSet::new();
                for _ in 0..rng.below(4) {
                    let pool = ids.len() + protected.len();
                    if pool == 0 {
                        break;
                    }
                    let k = rng.below(pool);
                    let parent = ids.get(k).unwrap_or_else(|| &protected[k - ids.len()]);
                    parents.insert(parent.clone());
                }
                groups.push(Group {
                    id: id.clone(),
                    name: random_name(&mut rng),
                    parents,
                });
                ids.push(id);
            }
            let header = format!("seed {seed}");
            let text = to_yaml(&groups, &protected, &header);
            let options = LoadOptions {
                allow_empty: true,
                ..LoadOptions::default()
            };
            let desired = parse("dump.yaml", &text, options).unwrap_or_else(|e| {
                panic!(
                    "seed {seed}: the dump does not read back:\n{}\n{text}",
                    e.render()
                )
            });
            let mut want = groups.clone();
            want.sort_by(|a, b| a.id.cmp(&b.id));
            let got: Vec<Group> = desired.groups.into_iter().map(|g| g.group).collect();
            assert_eq!(got, want, "seed {seed}:\n{text}");
            let want_protected: BTreeSet<&String> = protected.iter().collect();
            let got_protected: BTreeSet<&String> = desired.protected.iter().collect();
            assert_eq!(got_protected, want_protected, "seed {seed}");
            // Canonical: dumping what was read gives the same bytes.
            assert_eq!(to_yaml(&got, &desired.protected, &header), text);
        }
    }
}
