//! Tests of reading and checking `groups.yaml`: one per check (message, position and hint),
//! the accepted shapes, and hostile input.

use std::fmt::Write as _;

use super::test_support::{self, assert_at, hint, ok};
use super::*;
use crate::diagnostic::Diagnostic;

const PATH: &str = "groups.yaml";

fn full(text: &str) -> Result<Desired, Diagnostics> {
    test_support::full(PATH, text)
}

fn incremental(text: &str) -> Result<Desired, Diagnostics> {
    test_support::incremental(PATH, text)
}

#[track_caller]
fn errors(result: Result<Desired, Diagnostics>) -> Vec<Diagnostic> {
    test_support::errors(PATH, result)
}

#[track_caller]
fn one(result: Result<Desired, Diagnostics>) -> Diagnostic {
    test_support::one(PATH, result)
}

fn ids(d: &Desired) -> Vec<&str> {
    d.groups.iter().map(|g| g.group.id.as_str()).collect()
}

// ---------------------------------------------------------------------------------------------
// Accepted shapes

const EXAMPLE: &str = "\
# yaml-language-server: $schema=./groups.schema.json
protected: [adminGroup]
ignore: [\"jit-*\", \"scim-*\"]
safety:
  max_deletes: 10
  max_delete_percent: 30
groups:
  - id: analysts
    name: Data Analysts
  - id: marketing
    name: Marketing
    parents: [analysts]
";

#[test]
fn the_spec_example_is_read_with_positions() {
    let d = ok(full(EXAMPLE));
    assert_eq!(d.path, PATH);
    assert_eq!(d.source, EXAMPLE);
    assert_eq!(d.mode, Mode::Full);
    assert_eq!(d.protected, ["adminGroup"]);
    let globs: Vec<&str> = d.ignore.iter().map(|p| p.glob.as_str()).collect();
    assert_eq!(globs, ["jit-*", "scim-*"]);
    assert_eq!(
        d.ignore[0].span,
        Span {
            line: 3,
            col: 10,
            len: 7
        }
    );
    assert_eq!(d.safety.max_deletes, Some(10));
    assert_eq!(d.safety.max_delete_percent, Some(30.0));
    assert_eq!(ids(&d), ["analysts", "marketing"]);
    let marketing = &d.groups[1];
    assert_eq!(
        marketing.group,
        Group::new("marketing")
            .with_name("Marketing")
            .with_parents(["analysts"])
    );
    assert!(marketing.active);
    assert_eq!(
        marketing.span,
        Span {
            line: 10,
            col: 9,
            len: 9
        }
    );
    assert_eq!(
        marketing.parents,
        [ParentRef {
            id: "analysts".into(),
            span: Span {
                line: 12,
                col: 15,
                len: 8
            }
        }]
    );
    assert_eq!(d.groups[0].group.parents.len(), 0);
}

#[test]
fn sha256_is_of_the_file_bytes() {
    let d = ok(full("groups: [{id: a}]\n"));
    // sha256 of the exact text above, computed with `sha256sum`.
    assert_eq!(
        d.sha256,
        "f40892f786ccc15e21290aac29e80afd9d2bfbe260b56469d02df57803ba1890"
    );
    assert_eq!(d.sha256.len(), 64);
}

#[test]
fn absent_and_null_names_mean_no_name_and_empty_is_kept() {
    let d = ok(full(
        "groups:\n  - id: a\n  - id: b\n    name: null\n  - id: c\n    name: ~\n  - id: d\n    name: \"\"\n  - id: e\n    name:\n",
    ));
    let names: Vec<Option<&str>> = d.groups.iter().map(|g| g.group.name.as_deref()).collect();
    assert_eq!(names, [None, None, None, Some(""), None]);
}

#[test]
fn yaml_1_2_scalars_stay_names() {
    let d = ok(full(
        "groups:\n  - id: a\n    name: yes\n  - id: b\n    name: off\n  - id: c\n    name: '123'\n",
    ));
    let names: Vec<&str> = d
        .groups
        .iter()
        .filter_map(|g| g.group.name.as_deref())
        .collect();
    assert_eq!(names, ["yes", "off", "123"]);
}

#[test]
fn a_bare_list_is_the_pipelines_shape() {
    let d = ok(full("- id: a\n- id: b\n  parents: [a]\n"));
    assert_eq!(ids(&d), ["a", "b"]);
    assert!(d.protected.is_empty());
}

#[test]
fn pipelines_aliases_are_accepted() {
    let text = "\
mode: incremental
groups:
  - user_group_id: a
    user_group_name: A
    parent_user_groups: []
    is_active: true
  - user_group_id: b
    user_group_name: null
    parent_user_groups: [a]
    is_active: false
";
    let d = ok(full(text));
    assert_eq!(d.mode, Mode::Incremental);
    assert_eq!(d.groups[0].group, Group::new("a").with_name("A"));
    assert!(d.groups[0].active);
    assert_eq!(d.groups[1].group, Group::new("b").with_parents(["a"]));
    assert!(!d.groups[1].active);
}

#[test]
fn parent_user_groups_may_be_a_comma_separated_string() {
    let d = ok(full(
        "- user_group_id: x\n  parent_user_groups: \"a, b,c\"\n- id: a\n- id: b\n- id: c\n- id: d\n  parent_user_groups: a\n- id: e\n  parent_user_groups: ''\n",
    ));
    let x = &d.groups[0];
    assert_eq!(x.group, Group::new("x").with_parents(["a", "b", "c"]));
    let cols: Vec<(usize, usize)> = x.parents.iter().map(|p| (p.span.col, p.span.len)).collect();
    // `  parent_user_groups: "a, b,c"`: the string's first character is at column 24.
    assert_eq!(cols, [(24, 1), (27, 1), (29, 1)]);
    assert_eq!(d.groups[4].group.parents.len(), 1);
    assert!(d.groups[5].group.parents.is_empty());
}

#[test]
fn json_is_accepted_with_positions() {
    let text = "{\n\t\"groups\": [\n\t\t{\"id\": \"a\", \"name\": \"A\"},\n\t\t{\"id\": \"b\", \"parents\": [\"a\", \"zz\"]}\n\t],\n\t\"$schema\": \"./groups.schema.json\"\n}\n";
    let d = one(full(text));
    assert_eq!(d.message, "unknown parent `zz`");
    // Quoted scalars are underlined with their quotes.
    assert_at(&d, 4, 32, 4);

    let good = ok(full(&text.replace(", \"zz\"", "")));
    assert_eq!(ids(&good), ["a", "b"]);
    assert_eq!(
        good.groups[1].span,
        Span {
            line: 4,
            col: 10,
            len: 3
        }
    );
    let bare = ok(full(
        "[{\"user_group_id\": \"a\", \"parent_user_groups\": []}]",
    ));
    assert_eq!(ids(&bare), ["a"]);
}

#[test]
fn yaml_anchors_and_merge_keys_work() {
    let d = ok(full(
        "groups:\n  - id: a\n  - id: b\n    parents: &p [a]\n  - &base {id: c, parents: *p}\n  - <<: *base\n    id: d\n",
    ));
    assert_eq!(ids(&d), ["a", "b", "c", "d"]);
    assert_eq!(d.groups[3].group, Group::new("d").with_parents(["a"]));
}

// ---------------------------------------------------------------------------------------------
// One test per check

#[test]
fn yaml_syntax_error_stops_with_a_position() {
    let d = one(full("groups:\n  - id: a\n    parents: [b, c\n"));
    assert!(d.message.starts_with("invalid YAML: "), "{}", d.message);
    assert_eq!(d.span.map(|s| s.line), Some(3));
    assert!(hint(&d).contains("fix the syntax"));
}

#[test]
fn a_tab_in_the_indentation_is_named_at_the_tab() {
    // The scanner notices some of these at the end of the line before the tab.
    for (text, line, col) in [
        ("groups:\n\t- id: a\n", 2, 1),
        ("groups:\n  - id: a\n\tname: x\n", 3, 1),
        ("groups:\n  - id: a\n    \tname: x\n", 3, 5),
        (
            "groups:\n  - id: a\n    parents:\n      - b\n\t  - c\n",
            5,
            1,
        ),
        ("groups:\n  - id: a\n    name: |\n      x\n  \t  y\n", 5, 3),
    ] {
        let d = one(full(text));
        assert_eq!(d.message, "a tab in the indentation", "{text:?}");
        assert_at(&d, line, col, 1);
        assert!(hint(&d).contains("use spaces, not tabs"), "{text:?}");
    }
    // A tab inside a value is no indentation.
    ok(full("groups:\n  - id: a\n    name: \"x\\ty\"\n"));
}

#[test]
fn duplicate_keys_are_reported_all_at_once() {
    let items = errors(full(
        "groups:\n  - id: a\n    name: A\n    name: B\ngroups: []\n",
    ));
    assert_eq!(items.len(), 2, "{items:#?}");
    assert_eq!(
        items[0].message,
        "duplicate key `name` (first given on line 3)"
    );
    assert_at(&items[0], 4, 5, 4);
    assert_eq!(
        hint(&items[0]),
        "a key may appear once per mapping: remove one of them"
    );
    assert_eq!(
        items[1].message,
        "duplicate key `groups` (first given on line 1)"
    );
    assert_at(&items[1], 5, 1, 6);
}

#[test]
fn parents_as_a_string_asks_for_a_list() {
    let d = one(full("groups:\n  - id: a\n  - id: b\n    parents: a\n"));
    assert_eq!(d.message, "`parents` must be a list, found a string");
    assert_at(&d, 4, 14, 1);
    assert_eq!(hint(&d), "write a list: `parents: [a]`");
}

#[test]
fn wrong_types_are_reported_with_what_to_write() {
    let items = errors(full(
        "protected: adminGroup\nignore: {a: 1}\nsafety: [1]\nmode: 3\ngroups:\n  - id: 123\n    name: 1.5\n    parents: [7, {x: 1}]\n  - analysts\n  - [x]\n",
    ));
    let got: Vec<(String, usize, usize, String)> = items
        .iter()
        .map(|d| {
            let s = d.span.unwrap_or_default();
            (d.message.clone(), s.line, s.col, hint(d).to_string())
        })
        .collect();
    let want = [
        (
            "`protected` must be a list, found a string",
            1,
            12,
            "write a list: `protected: [adminGroup]`",
        ),
        (
            "`ignore` must be a list of strings, found a mapping",
            2,
            9,
            "write `ignore:` as a list of strings",
        ),
        (
            "`safety` must be a mapping, found a list",
            3,
            9,
            "write `safety:` as a mapping",
        ),
        (
            "unknown mode `3`",
            4,
            7,
            "use `mode: full` (the default) or `mode: incremental`",
        ),
        (
            "`id` must be a string, found an integer `123`",
            6,
            9,
            "quote it: `id: \"123\"`",
        ),
        (
            "`name` must be a string, found a number `1.5`",
            7,
            11,
            "quote it: `name: \"1.5\"`",
        ),
        (
            "parent ids must be strings, found an integer `7`",
            8,
            15,
            "quote it: `\"7\"`",
        ),
        (
            "parent ids must be strings, found a mapping",
            8,
            18,
            "list the parents' ids: `parents: [analysts, sales]`",
        ),
        (
            "a group must be a mapping with an `id`",
            9,
            5,
            "write `- id: analysts`",
        ),
        (
            "a group must be a mapping with an `id`, found a list",
            10,
            5,
            "write each group as a mapping: `- id: analysts`",
        ),
    ];
    let want: Vec<(String, usize, usize, String)> = want
        .iter()
        .map(|(m, l, c, h)| ((*m).to_string(), *l, *c, (*h).to_string()))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn safety_values_are_range_checked() {
    let items = errors(full(
        "safety:\n  max_deletes: -1\n  max_delete_percent: 101\ngroups: [{id: a}]\n",
    ));
    assert_eq!(items.len(), 2);
    assert_eq!(
        items[0].message,
        "`max_deletes` must be a whole number ≥ 0, found an integer"
    );
    assert_at(&items[0], 2, 16, 2);
    assert_eq!(
        items[1].message,
        "`max_delete_percent` must be from 0 to 100, found 101"
    );
    assert_at(&items[1], 3, 23, 3);
    let d = ok(full(
        "safety:\n  max_delete_percent: 12.5\ngroups: [{id: a}]\n",
    ));
    assert_eq!(d.safety.max_delete_percent, Some(12.5));
    assert_eq!(d.safety.max_deletes, None);
}

#[test]
fn ids_must_follow_the_api_rule() {
    let items = errors(full(
        "groups:\n  - id: Data Analysts\n  - id: .hidden\n  - id: ümlaut\n  - id: \"\"\n  - id: ok-id\n    parents: [\"bad parent\"]\n",
    ));
    let got: Vec<(&str, usize, &str)> = items
        .iter()
        .map(|d| (d.message.as_str(), d.span.unwrap_or_default().line, hint(d)))
        .collect();
    let rule = "ids are 1 to 255 letters, digits, `.`, `_` or `-`, not starting with `.`";
    assert_eq!(
        got,
        [
            (
                "invalid group id `Data Analysts`",
                2,
                &*format!("a space is not allowed; {rule}")
            ),
            (
                "invalid group id `.hidden`",
                3,
                &*format!("the id starts with `.`; {rule}")
            ),
            (
                "invalid group id `ümlaut`",
                4,
                &*format!("`ü` is not allowed; {rule}")
            ),
            (
                "invalid group id ``",
                5,
                &*format!("the id is empty; {rule}")
            ),
            (
                "invalid parent id `bad parent`",
                7,
                &*format!("a space is not allowed; {rule}")
            ),
        ]
    );
    let long = "x".repeat(256);
    let d = one(full(&format!("groups: [{{id: {long}}}]\n")));
    assert_eq!(hint(&d), format!("the id is 256 characters long; {rule}"));
    ok(full(&format!("groups: [{{id: {}}}]\n", "x".repeat(255))));
}

#[test]
fn a_group_needs_an_id() {
    let items = errors(full("groups:\n  - name: A\n  - id:\n"));
    assert_eq!(items[0].message, "group has no `id`");
    assert_at(&items[0], 2, 5, 4);
    assert_eq!(
        hint(&items[0]),
        "every group needs an `id:`, for example `id: analysts`"
    );
    assert_eq!(items[1].message, "`id` is empty");
    assert_eq!(items[1].span.map(|s| s.line), Some(3));
}

#[test]
fn names_are_at_most_255_characters() {
    ok(full(&format!(
        "groups: [{{id: a, name: \"{}\"}}]\n",
        "é".repeat(255)
    )));
    let d = one(full(&format!(
        "groups:\n  - id: a\n    name: {}\n",
        "n".repeat(256)
    )));
    assert_eq!(
        d.message,
        "name of `a` is too long: 256 characters, at most 255"
    );
    assert_at(&d, 3, 11, 256);
    assert_eq!(hint(&d), "shorten the name");
    // The API counts UTF-16 units: 200 emoji are 400 of them.
    let d = one(full(&format!(
        "groups: [{{id: a, name: \"{}\"}}]\n",
        "😀".repeat(200)
    )));
    assert_eq!(
        d.message,
        "name of `a` is too long: 200 characters, 400 as the API counts them, at most 255"
    );
}

#[test]
fn duplicate_ids_point_at_the_second_and_name_the_first() {
    let d = one(full(
        "groups:\n  - id: a\n  - id: b\n  - id: a\n    name: again\n",
    ));
    assert_eq!(d.message, "duplicate id `a` (first declared on line 2)");
    assert_at(&d, 4, 9, 1);
    assert_eq!(
        hint(&d),
        "declare each group once: merge the two entries or rename one"
    );
}

#[test]
fn duplicate_parents_are_an_error() {
    let d = one(full("groups:\n  - id: a\n  - id: b\n    parents: [a, a]\n"));
    assert_eq!(
        d.message,
        "parent `a` is listed twice (also at line 4, column 15)"
    );
    assert_at(&d, 4, 18, 1);
    assert_eq!(hint(&d), "parents are a set: remove the repeated one");
}

#[test]
fn duplicate_parents_in_a_long_list_are_found_too() {
    let parents: Vec<String> = (0..40).map(|i| format!("p{i}")).collect();
    let mut text = String::from("groups:\n");
    for p in &parents {
        let _ = writeln!(text, "  - id: {p}");
    }
    let _ = writeln!(
        text,
        "  - id: child\n    parents: [{}, p3]",
        parents.join(", ")
    );
    let d = one(full(&text));
    assert_eq!(
        d.message.split(" (").next(),
        Some("parent `p3` is listed twice")
    );
}

#[test]
fn a_group_cannot_be_its_own_parent() {
    let d = one(full("groups:\n  - id: a\n    parents: [a]\n"));
    assert_eq!(d.message, "group `a` lists itself as a parent");
    assert_at(&d, 3, 15, 1);
    assert_eq!(hint(&d), "remove it from its own `parents`");
}

#[test]
fn cycles_are_reported_once_with_their_path() {
    let text = "\
groups:
  - id: x
  - id: c
    parents: [a]
  - id: a
    parents: [x, b]
  - id: b
    parents: [c]
  - id: p
    parents: [q]
  - id: q
    parents: [p]
";
    let items = errors(full(text));
    assert_eq!(items.len(), 2, "{items:#?}");
    // `c` is the cycle's first member in the file; its parents entry `a` is where it starts.
    assert_eq!(items[0].message, "parent cycle: c → a → b → c");
    assert_at(&items[0], 4, 15, 1);
    assert_eq!(
        hint(&items[0]),
        "a group cannot be its own ancestor: remove one of these parent links"
    );
    assert_eq!(items[1].message, "parent cycle: p → q → p");
    assert_at(&items[1], 10, 15, 1);
}

#[test]
fn a_tangle_of_cycles_names_the_other_members() {
    let d = one(full(
        "groups:\n  - id: a\n    parents: [b]\n  - id: b\n    parents: [a, c]\n  - id: c\n    parents: [b]\n",
    ));
    assert_eq!(d.message, "parent cycle: a → b → a");
    assert!(
        hint(&d).ends_with("; `c` is also in the same loop"),
        "{}",
        hint(&d)
    );
}

#[test]
fn unknown_parents_get_a_suggestion_or_a_way_out() {
    let items = errors(full(
        "groups:\n  - id: analysts\n  - id: b\n    parents: [analyst, finance]\n",
    ));
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].message, "unknown parent `analyst`");
    assert_at(&items[0], 4, 15, 7);
    assert_eq!(hint(&items[0]), "did you mean `analysts`?");
    assert_eq!(items[1].message, "unknown parent `finance`");
    assert_eq!(
        hint(&items[1]),
        "declare a group `finance` in this file, or add it to `protected:` if it exists on the server and is kept as it is"
    );
}

#[test]
fn kept_live_groups_may_be_parents() {
    // Protected ids, the bootstrap group and ignored ids may exist on the server and stay.
    let d = ok(full(
        "protected: [everyone]\nignore: [\"jit-*\"]\ngroups:\n  - id: a\n    parents: [everyone, adminGroup, jit-42]\n",
    ));
    assert_eq!(d.groups[0].group.parents.len(), 3);
}

#[test]
fn an_ignore_pattern_must_not_match_a_declared_group() {
    let d = one(full(
        "ignore: [\"jit-*\", \"scim-*\"]\ngroups:\n  - id: a\n  - id: jit-1\n  - id: jit-2\n",
    ));
    assert_eq!(
        d.message,
        "ignore pattern `jit-*` matches the declared group `jit-1` (line 4) and 1 more"
    );
    assert_at(&d, 1, 10, 7);
    assert!(hint(&d).contains("narrow the pattern or remove the group"));
}

#[test]
fn ignore_patterns_with_characters_no_id_has_are_refused() {
    let items = errors(full("ignore: [\"team-[0-9]\", \"\"]\ngroups: [{id: a}]\n"));
    assert_eq!(
        items[0].message,
        "ignore pattern `team-[0-9]` contains `[`, which no group id has"
    );
    assert!(hint(&items[0]).contains("`*` (any run of characters) and `?` (one character)"));
    assert_eq!(items[1].message, "empty ignore pattern");
}

#[test]
fn protected_entries_must_be_valid_ids() {
    let d = one(full(
        "protected: [adminGroup, \"a b\", adminGroup]\ngroups: [{id: a}]\n",
    ));
    assert_eq!(d.message, "`a b` in `protected` is not a valid group id");
    assert_at(&d, 1, 25, 5);
    assert!(hint(&d).starts_with("a space is not allowed"));
    // A repeated protected id is harmless and kept once.
    let d = ok(full("protected: [x, x]\ngroups: [{id: a}]\n"));
    assert_eq!(d.protected, ["x"]);
}

#[test]
fn an_empty_groups_list_is_refused_in_full_mode() {
    let d = one(full("protected: [adminGroup]\ngroups: []\n"));
    assert_eq!(
        d.message,
        "no groups declared: in full mode this would delete every group that is not protected or ignored"
    );
    assert_at(&d, 2, 1, 6);
    assert!(hint(&d).contains("`--allow-empty`"));

    let d = one(full("protected: [adminGroup]\n"));
    assert_eq!(d.span, None);
    let d = one(full("[]\n"));
    assert_at(&d, 1, 1, 1);
    let d = one(full("groups:\n"));
    assert_at(&d, 1, 1, 6);

    let allow = LoadOptions {
        allow_empty: true,
        ..LoadOptions::default()
    };
    assert!(ok(parse(PATH, "groups: []\n", allow)).groups.is_empty());
    assert!(
        ok(full("mode: incremental\ngroups: []\n"))
            .groups
            .is_empty()
    );
}

#[test]
fn active_is_only_for_incremental_mode() {
    let d = one(full("groups:\n  - id: a\n    active: false\n"));
    assert_eq!(d.message, "`active` is only allowed in incremental mode");
    assert_at(&d, 3, 13, 5);
    assert!(hint(&d).contains("`mode: incremental`"));
    assert!(hint(&d).contains("`--incremental`"));
    let d = one(full("- id: a\n  is_active: true\n"));
    assert_eq!(d.message, "`is_active` is only allowed in incremental mode");
    // No follow-up noise: in full mode the group is not taken as deleted.
    let d = one(full("- id: a\n  active: false\n- id: b\n  parents: [a]\n"));
    assert_eq!(d.message, "`active` is only allowed in incremental mode");

    let d = ok(incremental("groups:\n  - id: a\n    active: false\n"));
    assert_eq!(d.mode, Mode::Incremental);
    assert!(!d.groups[0].active);
    let d = one(incremental("groups:\n  - id: a\n    active: yes\n"));
    assert_eq!(d.message, "`active` must be `true` or `false`, found `yes`");
}

#[test]
fn the_flag_forces_incremental_mode() {
    let d = ok(incremental(
        "mode: full\ngroups:\n  - id: a\n    active: false\n",
    ));
    assert_eq!(d.mode, Mode::Incremental);
}

#[test]
fn incremental_duplicates_must_agree() {
    let text = "\
mode: incremental
groups:
  - id: a
    name: A
    parents: [x, y]
  - id: a
    name: A
    parents: [y, x]
  - id: b
  - id: b
    name: B
    active: false
";
    let d = one(full(text));
    assert_eq!(
        d.message,
        "conflicting entries for `b`: the name and active differ from line 9"
    );
    assert_at(&d, 10, 9, 1);
    assert!(hint(&d).contains("identical values"));

    let d = ok(full(
        &text[..text.find("  - id: b\n    name").unwrap_or(text.len())],
    ));
    assert_eq!(ids(&d), ["a", "b"]);
}

#[test]
fn incremental_checks_only_what_is_touched() {
    // Unlisted parents may be live groups; inactive groups' parents do not matter; a cycle
    // through a group being deleted is no cycle.
    let d = ok(incremental(
        "groups:\n  - id: a\n    parents: [live-only]\n  - id: b\n    parents: [c]\n    active: false\n  - id: c\n    parents: [b-gone]\n",
    ));
    assert_eq!(ids(&d), ["a", "b", "c"]);

    let d = one(incremental(
        "groups:\n  - id: a\n    parents: [b]\n  - id: b\n    parents: [a]\n",
    ));
    assert_eq!(d.message, "parent cycle: a → b → a");

    let d = one(incremental(
        "groups:\n  - id: gone\n    active: false\n  - id: child\n    parents: [gone]\n",
    ));
    assert_eq!(
        d.message,
        "parent `gone` is deleted by this file (`active: false` on line 2)"
    );
    assert_at(&d, 5, 15, 4);
}

#[test]
fn an_alias_and_its_key_together_are_an_error() {
    let d = one(full("- user_group_id: a\n  id: a\n"));
    assert_eq!(
        d.message,
        "`id` repeats `user_group_id` (line 1): `user_group_id` is another name for `id`"
    );
    assert_at(&d, 2, 3, 2);
    assert_eq!(hint(&d), "keep only one of `id` and `user_group_id`");
}

#[test]
fn unknown_keys_get_did_you_mean_hints() {
    let items = errors(full(
        "groupz: []\nprotect: [x]\ngroups:\n  - id: a\n    parent: [b]\n    protected: [x]\n    max_deletes: 3\n    colour: red\nsafety:\n  max_delete: 3\nid: a\n",
    ));
    let got: Vec<(&str, usize, &str)> = items
        .iter()
        .map(|d| (d.message.as_str(), d.span.unwrap_or_default().line, hint(d)))
        .collect();
    assert_eq!(
        got,
        [
            ("unknown key `groupz`", 1, "did you mean `groups`?"),
            ("unknown key `protect`", 2, "did you mean `protected`?"),
            ("unknown key `parent`", 5, "did you mean `parents`?"),
            (
                "unknown key `protected`",
                6,
                "`protected` is a top-level key: move it out to the start of a line"
            ),
            (
                "unknown key `max_deletes`",
                7,
                "`max_deletes` goes under the top-level `safety:`"
            ),
            (
                "unknown key `colour`",
                8,
                "the keys here are `id`, `name`, `parents`, `members`, `workspaces`, `data_sources`, `organization`, `active`, `user_group_id`, `user_group_name`, `parent_user_groups`, `is_active`"
            ),
            (
                "unknown key `max_delete`",
                10,
                "did you mean `max_deletes`?"
            ),
            (
                "unknown key `id`",
                11,
                "group keys go inside a list item under `groups:`, as in `groups: [{id: analysts}]`"
            ),
        ]
    );
    assert_at(&items[2], 5, 5, 6);
}

#[test]
fn groups_as_a_mapping_by_id_is_explained() {
    let d = one(full("groups:\n  analysts:\n    name: A\n"));
    assert_eq!(d.message, "`groups` must be a list, found a mapping");
    assert_eq!(
        hint(&d),
        "write each group as a list item: `- id: analysts`"
    );
}

#[test]
fn a_scalar_file_is_explained() {
    let d = one(full("hello\n"));
    assert_eq!(
        d.message,
        "a groups file must be a mapping with `groups:` or a list of groups, found a string"
    );
}

#[test]
fn every_problem_is_reported_in_one_run() {
    let text = "\
protected: [\"not valid\"]
ignore: [\"b*\"]
groups:
  - id: a
    parents: [a, ghost]
  - id: b
    parent: [a]
  - id: a
  - id: c
    parents: [d]
  - id: d
    parents: [c]
";
    let items = errors(full(text));
    let got: Vec<(usize, &str)> = items
        .iter()
        .map(|d| (d.span.unwrap_or_default().line, d.message.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (1, "`not valid` in `protected` is not a valid group id"),
            (
                2,
                "ignore pattern `b*` matches the declared group `b` (line 6)"
            ),
            (5, "group `a` lists itself as a parent"),
            (5, "unknown parent `ghost`"),
            (7, "unknown key `parent`"),
            (8, "duplicate id `a` (first declared on line 4)"),
            (10, "parent cycle: c → d → c"),
        ]
    );
}

#[test]
fn the_rendered_report_reads_well() {
    let text = "groups:\n  - id: analysts\n  - id: marketing\n    parent: [analysts]\n  - id: sales\n    parents: [analyst]\n";
    let e = full(text).expect_err("two errors");
    assert_eq!(
        e.render(),
        "\
error: unknown key `parent`
 --> groups.yaml:4:5
  |
4 |     parent: [analysts]
  |     ^^^^^^
  = help: did you mean `parents`?

error: unknown parent `analyst`
 --> groups.yaml:6:15
  |
6 |     parents: [analyst]
  |               ^^^^^^^
  = help: did you mean `analysts`?
"
    );
}

// ---------------------------------------------------------------------------------------------
// Hostile input

#[test]
fn an_alias_bomb_is_refused() {
    let mut bomb = String::from("- &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let refs = vec![format!("*l{}", i - 1); 9].join(", ");
        let _ = writeln!(bomb, "- &l{i} [{refs}]");
    }
    let d = one(full(&bomb));
    assert_eq!(
        d.message,
        "YAML aliases expand to too much data (an alias bomb?)"
    );
    assert_eq!(
        hint(&d),
        "write the values out, or use fewer nested aliases"
    );
}

#[test]
fn binary_and_foreign_encodings_are_refused() {
    let d = one(full("groups:\0\0\u{1}"));
    assert_eq!(
        d.message,
        "the file looks binary (it contains NUL bytes), not like a groups file"
    );
    assert_eq!(d.span, None);

    let e = super::parse::decode(PATH, vec![0xFF, 0xFE, b'g', 0]).expect_err("utf-16");
    assert_eq!(e.items[0].message, "the file is UTF-16 encoded");

    let e =
        super::parse::decode(PATH, b"groups:\n  - id: caf\xe9\n".to_vec()).expect_err("latin-1");
    assert_eq!(e.items[0].message, "the file is not valid UTF-8 text");
    assert_at(&e.items[0], 2, 12, 1);
    assert_eq!(hint(&e.items[0]), "save the file as UTF-8");

    let e = super::parse::decode(PATH, b"\x7fELF\x02\x01\x01\0\0\0".to_vec()).expect_err("elf");
    assert!(e.items[0].message.contains("binary"));
}

#[test]
fn control_characters_are_a_yaml_error_not_a_panic() {
    let d = one(full("groups:\n  - id: a\u{7}b\n"));
    assert!(d.span.is_some());
}

#[test]
fn an_empty_file_is_explained() {
    for text in ["", "\n\n", "# just a comment\n"] {
        let d = one(full(text));
        assert_eq!(d.message, "the file is empty");
        assert_eq!(d.span, None);
    }
}

#[test]
fn more_than_one_document_is_refused() {
    let d = one(full("groups: [{id: a}]\n---\ngroups: [{id: b}]\n"));
    assert_eq!(d.message, "the file holds more than one YAML document");
}

#[test]
fn deep_nesting_is_refused_without_overflow() {
    let text = format!("groups: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
    let d = one(full(&text));
    assert!(d.message.contains("nested"), "{}", d.message);
}

fn chain(n: usize, close: bool) -> String {
    let mut s = String::with_capacity(n * 40);
    s.push_str("groups:\n  - id: g0\n");
    if close {
        let _ = writeln!(s, "    parents: [g{}]", n - 1);
    }
    for i in 1..n {
        let _ = writeln!(s, "  - id: g{i}\n    parents: [g{}]", i - 1);
    }
    s
}

#[test]
fn a_100k_deep_chain_does_not_overflow() {
    let d = ok(full(&chain(100_000, false)));
    assert_eq!(d.groups.len(), 100_000);
    let d = one(full(&chain(100_000, true)));
    assert_eq!(
        d.message,
        "parent cycle: g0 → g99999 → g99998 → g99997 → g99996 → … → g4 → g3 → g2 → g1 → g0 (100000 groups)"
    );
    assert_at(&d, 3, 15, 6);
}

// ---------------------------------------------------------------------------------------------
// Files

#[test]
fn load_reads_a_file_and_names_bad_paths() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("groups.yaml");
    fs_err::write(&path, EXAMPLE).expect("write");
    let d = load(&path, LoadOptions::default()).expect("loads");
    assert_eq!(d.groups.len(), 2);
    assert_eq!(d.path, path.display().to_string());

    let e = load(dir.path(), LoadOptions::default()).expect_err("a directory");
    assert!(e.items[0].message.contains("is a directory"));
    assert!(
        e.items[0]
            .message
            .contains(&dir.path().display().to_string())
    );

    let missing = dir.path().join("nope.yaml");
    let e = load(&missing, LoadOptions::default()).expect_err("missing");
    assert_eq!(
        e.items[0].message,
        format!("{}: no such file", missing.display()),
        "in plain words"
    );

    let empty = dir.path().join("empty.yaml");
    fs_err::write(&empty, "").expect("write");
    let e = load(&empty, LoadOptions::default()).expect_err("empty");
    assert_eq!(e.items[0].message, "the file is empty");

    let binary = dir.path().join("binary.yaml");
    fs_err::write(&binary, [0x89, b'P', b'N', b'G', 0, 0, 0xFF]).expect("write");
    let e = load(&binary, LoadOptions::default()).expect_err("binary");
    assert!(e.items[0].message.contains("binary"));
}

#[test]
fn load_refuses_a_huge_file_before_reading_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("huge.yaml");
    let file = fs_err::File::create(&path).expect("create");
    // Sparse: no 65 MiB are written.
    file.set_len(MAX_FILE_BYTES + 1).expect("set_len");
    let e = load(&path, LoadOptions::default()).expect_err("too large");
    assert_eq!(
        e.items[0].message,
        "the file is too large (65 MiB; at most 64 MiB)"
    );
}

// ---------------------------------------------------------------------------------------------
// Scale

fn generated(n: usize) -> String {
    let mut s = String::from("groups:\n");
    for i in 0..n {
        let _ = writeln!(s, "  - id: group-{i}\n    name: Group number {i}");
        let k = i % 4;
        if i >= 3 && k > 0 {
            let parents: Vec<String> = (1..=k)
                .map(|d| format!("group-{}", (i * 7 + d * 13) % i))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            let _ = writeln!(s, "    parents: [{}]", parents.join(", "));
        }
    }
    s
}

/// A timing note, not an assertion: `cargo test --release --lib desired::parse_tests::timing
/// -- --ignored --nocapture`.
#[test]
#[ignore = "timing note; run in release with --ignored --nocapture"]
#[allow(clippy::print_stderr)]
fn timing_100k() {
    let text = generated(100_000);
    let t = std::time::Instant::now();
    let d = ok(full(&text));
    eprintln!(
        "100,000 groups ({} bytes): parsed and checked in {:?}",
        text.len(),
        t.elapsed()
    );
    assert_eq!(d.groups.len(), 100_000);
}

#[test]
fn windows_line_endings_and_a_byte_order_mark_are_fine() {
    let text = "\u{FEFF}groups:\r\n  - id: a\r\n  - id: b\r\n    parents: [a, zz]\r\n";
    let d = one(full(text));
    assert_eq!(d.message, "unknown parent `zz`");
    assert_at(&d, 4, 18, 2);
    let good = ok(full(&text.replace(", zz", "")));
    assert_eq!(ids(&good), ["a", "b"]);
    assert_eq!(
        good.groups[1].span,
        Span {
            line: 3,
            col: 9,
            len: 1
        }
    );
    // Columns on the first line do not count the byte-order mark, and hints quote the value.
    let d = one(full("\u{FEFF}mode: 3\ngroups: [{id: a}]\n"));
    assert_at(&d, 1, 7, 1);
    assert_eq!(d.message, "unknown mode `3`");
}

// ---------------------------------------------------------------------------------------------
// Members and permissions (spec §11)

mod facets {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;
    use crate::access::{
        DataSourcePermission as D, Facet, Facets, OrganizationPermission as O,
        WorkspacePermission as W, WorkspacePermissions,
    };

    const SPEC: &str = "\
groups:
  - id: analysts
    name: Data Analysts
    members: [zoe, amy]
    workspaces:
      sales: [VIEW, EXPORT]
      finance: {permissions: [ANALYZE], hierarchy: [VIEW]}
    data_sources:
      warehouse: [USE]
    organization: [SELF_CREATE_TOKEN]
  - id: plain
";

    fn at(line: usize, col: usize, len: usize) -> Span {
        Span { line, col, len }
    }

    /// The messages and hints of a failed parse, with their positions.
    #[track_caller]
    fn problems(result: Result<Desired, Diagnostics>) -> Vec<(String, Span, String)> {
        errors(result)
            .into_iter()
            .map(|d| {
                let hint = d.hint.clone().unwrap_or_default();
                (d.message, d.span.unwrap_or_default(), hint)
            })
            .collect()
    }

    #[test]
    fn the_spec_example_reads_every_facet_with_positions() {
        let d = ok(full(SPEC));
        let access = d.groups[0].access();
        let members = access.members.as_ref().expect("members managed");
        assert_eq!(
            members.value.iter().collect::<Vec<_>>(),
            ["amy", "zoe"],
            "a set, not the file's order"
        );
        assert_eq!(members.key, at(4, 5, 7));
        assert_eq!(members.span_of("zoe"), at(4, 15, 3));
        assert_eq!(members.span_of("amy"), at(4, 20, 3));

        let workspaces = access.workspaces.as_ref().expect("workspaces managed");
        assert_eq!(
            workspaces.value,
            BTreeMap::from([
                (
                    "finance".to_string(),
                    WorkspacePermissions {
                        permissions: BTreeSet::from([W::Analyze]),
                        hierarchy: BTreeSet::from([W::View]),
                    }
                ),
                (
                    "sales".to_string(),
                    WorkspacePermissions::only([W::View, W::Export])
                ),
            ]),
            "the shorthand list means permissions only, no hierarchy"
        );
        assert_eq!(workspaces.span_of("finance"), at(7, 7, 7));
        let data_sources = access.data_sources.as_ref().expect("data sources managed");
        assert_eq!(
            data_sources.value,
            BTreeMap::from([("warehouse".to_string(), BTreeSet::from([D::Use]))])
        );
        assert_eq!(data_sources.span_of("warehouse"), at(9, 7, 9));
        let organization = access.organization.as_ref().expect("organization managed");
        assert_eq!(organization.value, BTreeSet::from([O::SelfCreateToken]));
        assert_eq!(organization.key, at(10, 5, 12));

        assert!(d.groups[1].access.is_none(), "absent keys are not managed");
        assert!(d.groups[1].access().is_empty());
        assert_eq!(d.managed_facets(), Facets::ALL);
        assert_eq!(ok(full(EXAMPLE)).managed_facets(), Facets::NONE);
    }

    #[test]
    fn empty_means_none_and_only_written_keys_are_managed() {
        let d = ok(full(
            "groups:\n  - id: a\n    members: []\n    workspaces: {}\n  - id: b\n    data_sources: {w: []}\n    workspaces: {s: [], t: {permissions: [], hierarchy: []}}\n",
        ));
        let a = d.groups[0].access();
        assert_eq!(a.members.as_ref().map(|m| m.value.len()), Some(0));
        assert_eq!(a.workspaces.as_ref().map(|m| m.value.len()), Some(0));
        assert!(a.data_sources.is_none() && a.organization.is_none());
        let b = d.groups[1].access();
        let ws = b.workspaces.as_ref().expect("managed");
        assert!(ws.value.is_empty(), "no permission is no entry");
        assert_eq!(
            ws.ids.keys().collect::<Vec<_>>(),
            ["s", "t"],
            "still located, for the live check of the id"
        );
        assert!(b.data_sources.as_ref().is_some_and(|m| m.value.is_empty()));
        assert_eq!(
            d.managed_facets().iter().collect::<Vec<_>>(),
            [Facet::Members, Facet::Workspaces, Facet::DataSources]
        );
    }

    #[test]
    fn json_files_carry_facets_too() {
        let d = ok(full(
            r#"{"groups": [{"id": "a", "members": ["u1"], "workspaces": {"w": {"hierarchy": ["MANAGE"]}}}]}"#,
        ));
        let ws = d.groups[0].access().workspaces.clone().expect("managed");
        assert_eq!(ws.value["w"].hierarchy, BTreeSet::from([W::Manage]));
        assert!(ws.value["w"].permissions.is_empty());
    }

    #[test]
    fn an_empty_key_is_refused_rather_than_guessed() {
        let got = problems(full(
            "groups:\n  - id: a\n    members:\n    workspaces:\n    data_sources: {w: }\n    organization: ~\n",
        ));
        let messages: Vec<&str> = got.iter().map(|(m, _, _)| m.as_str()).collect();
        assert_eq!(
            messages,
            [
                "`members` is empty",
                "`workspaces` is empty",
                "`data_sources.w` is empty",
                "`organization` is empty"
            ]
        );
        assert_eq!(got[0].1.line, 3);
        assert!(
            got[0]
                .2
                .starts_with("write `[]` for none, or list them: `[alice, bob]`"),
            "{}",
            got[0].2
        );
        assert!(
            got[1]
                .2
                .starts_with("write `workspaces: {}` for no direct access")
        );
        assert!(
            got[3]
                .2
                .contains("without the key, what the server has is left alone")
        );
    }

    #[test]
    fn wrong_shapes_are_located_with_what_to_write() {
        let got = problems(full(
            "groups:\n  - id: a\n    members: alice, bob\n    workspaces: [sales]\n  - id: b\n    members: {alice: true}\n    workspaces: {sales: VIEW, 42: [VIEW], 'x': [3]}\n    data_sources: {w: {permissions: [USE]}}\n    organization: [[MANAGE]]\n  - id: c\n    members: [007, [x]]\n",
        ));
        let got: Vec<(&str, usize, usize, &str)> = got
            .iter()
            .map(|(m, s, h)| (m.as_str(), s.line, s.col, h.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "`members` must be a list, found a string",
                    3,
                    14,
                    "write a list: `[alice, bob]`"
                ),
                (
                    "`workspaces` must be a mapping from id to permissions, found a list",
                    4,
                    17,
                    "write one line per id: `workspaces: {sales: [VIEW]}`"
                ),
                (
                    "`members` must be a list, found a mapping",
                    6,
                    14,
                    "write `members:` as a list"
                ),
                (
                    "`workspaces.sales` must be a list, found a string",
                    7,
                    25,
                    "write a list: `[VIEW]`"
                ),
                (
                    "workspace ids must be strings, found an integer `42` in `workspaces`",
                    7,
                    31,
                    "quote it: `\"42\"`"
                ),
                (
                    "workspace permissions are names, found an integer in `workspaces.x`",
                    7,
                    49,
                    "the workspace permissions are `MANAGE`, `ANALYZE`, `EXPORT`, `EXPORT_TABULAR`, `EXPORT_PDF`, `CREATE_AUTOMATION`, `USE_AI_ASSISTANT`, `WRITE_KNOWLEDGE_DOCUMENTS`, `READ_KNOWLEDGE_DOCUMENTS`, `CREATE_FILTER_VIEW`, `VIEW`"
                ),
                (
                    "`data_sources.w` must be a list of permissions, found a mapping",
                    8,
                    23,
                    "data sources have no hierarchy: write `w: [USE]`; the permissions are `MANAGE`, `USE`"
                ),
                (
                    "organization permissions are names, found a list in `organization`",
                    9,
                    20,
                    "the organization permissions are `MANAGE`, `SELF_CREATE_TOKEN`, `BASE_UI_ACCESS`"
                ),
                (
                    "user ids must be strings, found an integer `007` in `members`",
                    11,
                    15,
                    "quote it: `\"007\"`"
                ),
                (
                    "user ids must be strings, found a list in `members`",
                    11,
                    20,
                    "write each user id as plain text"
                ),
            ]
        );
    }

    #[test]
    fn permission_names_are_the_api_enums_with_did_you_mean() {
        let got = problems(full(
            "groups:\n  - id: a\n    workspaces:\n      sales: [VEIW, view, USE]\n      fin: {permissions: [ANALYSE], hierarchy: [MANAGE_ALL]}\n    data_sources: {w: [USES, VIEW]}\n    organization: [MANAGE, SELF_CREATE_TOKENS, ADMIN]\n",
        ));
        let got: Vec<(&str, Span, &str)> = got
            .iter()
            .map(|(m, s, h)| (m.as_str(), *s, h.as_str()))
            .collect();
        assert_eq!(
            got[0],
            (
                "unknown workspace permission `VEIW` in `workspaces.sales`",
                at(4, 15, 4),
                "did you mean `VIEW`?"
            )
        );
        assert_eq!(got[1].2, "did you mean `VIEW`?");
        assert!(
            got[2]
                .2
                .starts_with("`USE` is a data source permission (under `data_sources`)")
        );
        assert_eq!(
            got[3].0,
            "unknown workspace permission `ANALYSE` in `workspaces.fin.permissions`"
        );
        assert_eq!(got[3].2, "did you mean `ANALYZE`?");
        assert_eq!(
            got[4].0,
            "unknown workspace permission `MANAGE_ALL` in `workspaces.fin.hierarchy`"
        );
        assert_eq!(got[4].2, "did you mean `MANAGE`?");
        assert_eq!(
            (got[5].0, got[5].2),
            (
                "unknown data source permission `USES` in `data_sources.w`",
                "did you mean `USE`?"
            )
        );
        assert!(got[6].2.starts_with("`VIEW` is a workspace permission (under `workspaces`); the data source permissions are `MANAGE`, `USE`"));
        assert_eq!(got[7].2, "did you mean `SELF_CREATE_TOKEN`?");
        assert_eq!(
            got[8],
            (
                "unknown organization permission `ADMIN` in `organization`",
                at(7, 48, 5),
                "the organization permissions are `MANAGE`, `SELF_CREATE_TOKEN`, `BASE_UI_ACCESS`"
            )
        );
        assert_eq!(got.len(), 9);
    }

    #[test]
    fn facets_are_sets_so_repeats_are_errors() {
        let got = problems(full(
            "groups:\n  - id: a\n    members: [bob, amy, bob]\n    workspaces:\n      sales: [VIEW, VIEW]\n      fin: {hierarchy: [VIEW, MANAGE, VIEW]}\n      sales: [EXPORT]\n    organization: [MANAGE, MANAGE]\n",
        ));
        let got: Vec<(&str, Span, &str)> = got
            .iter()
            .map(|(m, s, h)| (m.as_str(), *s, h.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "user `bob` is listed twice in `members` (also at line 3, column 15)",
                    at(3, 25, 3),
                    "`members` is a set: remove the repeated one"
                ),
                (
                    "permission `VIEW` is listed twice in `workspaces.sales` (also at line 5, column 15)",
                    at(5, 21, 4),
                    "permissions are a set: remove the repeated one"
                ),
                (
                    "permission `VIEW` is listed twice in `workspaces.fin.hierarchy` (also at line 6, column 25)",
                    at(6, 39, 4),
                    "permissions are a set: remove the repeated one"
                ),
                (
                    "workspace `sales` appears twice in `workspaces` (first on line 5)",
                    at(7, 7, 5),
                    "give each one entry: merge the two lists"
                ),
                (
                    "permission `MANAGE` is listed twice in `organization` (also at line 8, column 20)",
                    at(8, 28, 6),
                    "permissions are a set: remove the repeated one"
                ),
            ]
        );
    }

    #[test]
    fn ids_must_have_the_api_shape() {
        let got = problems(full(
            "groups:\n  - id: a\n    members: [ok.user, 'with space', .hidden]\n    workspaces: {'a/b': [VIEW]}\n    data_sources: {'': [USE]}\n",
        ));
        let got: Vec<(&str, usize, &str)> = got
            .iter()
            .map(|(m, s, h)| (m.as_str(), s.line, h.as_str()))
            .collect();
        assert_eq!(got.len(), 4, "{got:#?}");
        assert_eq!(got[0].0, "invalid user id `with space` in `members`");
        assert!(got[0].2.starts_with("a space is not allowed"));
        assert_eq!(got[1].0, "invalid user id `.hidden` in `members`");
        assert!(got[1].2.starts_with("the id starts with `.`"));
        assert_eq!(
            (got[2].0, got[2].1),
            ("invalid workspace id `a/b` in `workspaces`", 4)
        );
        assert_eq!(got[3].0, "invalid data source id `` in `data_sources`");
        assert!(got[3].2.starts_with("the id is empty"));
    }

    #[test]
    fn workspace_entry_keys_get_hints() {
        let got = problems(full(
            "groups:\n  - id: a\n    workspaces:\n      s: {permission: [VIEW], hierarchyPermissions: [VIEW], members: [x]}\n",
        ));
        let hints: Vec<(&str, &str)> = got
            .iter()
            .map(|(m, _, h)| (m.as_str(), h.as_str()))
            .collect();
        assert_eq!(
            hints,
            [
                ("unknown key `permission`", "did you mean `permissions`?"),
                (
                    "unknown key `hierarchyPermissions`",
                    "write `hierarchy`: it is gdgroups' name for the API's `hierarchyPermissions`"
                ),
                (
                    "unknown key `members`",
                    "the keys here are `permissions`, `hierarchy`"
                ),
            ]
        );
        let d = one(full("groups:\n  - id: a\n    member: [x]\n"));
        assert_eq!(hint(&d), "did you mean `members`?");
        let d = one(full("groups:\n  - id: a\n    dataSources: {}\n"));
        assert_eq!(hint(&d), "did you mean `data_sources`?");
    }

    #[test]
    fn a_group_deleted_in_incremental_mode_takes_no_facets() {
        let got = problems(incremental(
            "groups:\n  - id: old\n    active: false\n    members: []\n    organization: [MANAGE]\n  - id: kept\n    active: true\n    members: [a]\n",
        ));
        let got: Vec<(&str, Span)> = got.iter().map(|(m, s, _)| (m.as_str(), *s)).collect();
        assert_eq!(
            got,
            [
                (
                    "`members` on `old`, which `active: false` deletes",
                    at(4, 5, 7)
                ),
                (
                    "`organization` on `old`, which `active: false` deletes",
                    at(5, 5, 12)
                ),
            ]
        );
        let d = ok(incremental(
            "groups:\n  - id: a\n    members: [u]\n    workspaces: {w: [VIEW]}\n  - id: b\n    active: false\n",
        ));
        assert_eq!(
            d.managed_facets().iter().collect::<Vec<_>>(),
            [Facet::Members, Facet::Workspaces],
            "incremental mode manages the same keys"
        );
    }

    #[test]
    fn incremental_repeats_must_agree_on_facets_too() {
        let d = one(incremental(
            "groups:\n  - id: a\n    members: [x]\n    organization: [MANAGE]\n  - id: a\n    members: [y]\n    organization: [MANAGE]\n",
        ));
        assert_eq!(
            d.message,
            "conflicting entries for `a`: the members differ from line 2"
        );
        let d = one(incremental(
            "groups:\n  - id: a\n    members: [x]\n  - id: a\n",
        ));
        assert_eq!(
            d.message, "conflicting entries for `a`: the members differ from line 2",
            "managing a key and leaving it alone differ too"
        );
        let same = ok(incremental(
            "groups:\n  - id: a\n    members: [x, y]\n  - id: a\n    members: [y, x]\n",
        ));
        assert_eq!(same.groups.len(), 1);
    }

    #[test]
    fn every_facet_problem_is_reported_in_one_run_even_without_an_id() {
        let got = problems(full(
            "groups:\n  - name: no id\n    members: [a, a]\n  - id: b\n    organization: [NOPE]\n    parents: [zz]\n",
        ));
        let messages: Vec<&str> = got.iter().map(|(m, _, _)| m.as_str()).collect();
        assert_eq!(
            messages,
            [
                "group has no `id`",
                "user `a` is listed twice in `members` (also at line 3, column 15)",
                "unknown organization permission `NOPE` in `organization`",
                "unknown parent `zz`",
            ]
        );
    }
}
