//! Tests of reading groups CSV: quoting, the two header styles, positions of every kind of
//! problem, and that CSV and YAML give the same groups.

use super::*;
use crate::desired::test_support::{self, assert_at, hint, ok};
use crate::desired::{self, Desired};
use crate::group::Group;

const PATH: &str = "groups.csv";

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

/// The groups as values, without positions: what YAML and CSV must agree on.
fn groups(d: &Desired) -> Vec<(Group, bool)> {
    d.groups
        .iter()
        .map(|g| (g.group.clone(), g.active))
        .collect()
}

fn group(id: &str, name: Option<&str>, parents: &[&str]) -> (Group, bool) {
    (
        Group {
            id: id.into(),
            name: name.map(Into::into),
            parents: parents.iter().map(|p| (*p).to_string()).collect(),
        },
        true,
    )
}

// ---------------------------------------------------------------------------------------------
// The format

#[test]
fn dispatch_is_by_the_csv_extension_in_any_case() {
    assert!(is_csv("groups.csv"));
    assert!(is_csv("dir/Groups.CSV"));
    assert!(!is_csv("groups.yaml"));
    assert!(!is_csv("csv"));
    assert!(!is_csv("groups.csv.yaml"));
    // The same text is YAML under another name: a scalar, not a groups file.
    let text = "id,name\nanalysts,Analysts\n";
    assert_eq!(ok(full(text)).groups.len(), 1);
    assert!(desired::parse("groups.yaml", text, LoadOptions::default()).is_err());
    assert_eq!(
        ok(desired::parse("GROUPS.Csv", text, LoadOptions::default()))
            .groups
            .len(),
        1
    );
}

#[test]
fn rows_become_groups_with_positions() {
    let d = ok(full(
        "id,name,parents\neveryone,Everyone,\nanalysts,Data Analysts,everyone\n",
    ));
    assert_eq!(d.mode, Mode::Full);
    assert_eq!(
        groups(&d),
        vec![
            group("everyone", Some("Everyone"), &[]),
            group("analysts", Some("Data Analysts"), &["everyone"]),
        ]
    );
    assert_eq!(
        d.groups[1].span,
        Span {
            line: 3,
            col: 1,
            len: 8
        }
    );
    assert_eq!(
        d.groups[1].parents[0].span,
        Span {
            line: 3,
            col: 24,
            len: 8
        }
    );
    assert!(d.protected.is_empty() && d.ignore.is_empty());
}

#[test]
fn quoted_cells_follow_rfc_4180() {
    let text = "id,name,parents\r\n\
                root,,\r\n\
                a,\"Sales, EMEA\",root\r\n\
                b,\"The \"\"A\"\" team\",\"root\"\r\n\
                c,\"Two\r\nlines\",\r\n\
                \"d\" , \"  padded  \" ,  root  \r\n";
    let d = ok(full(text));
    assert_eq!(
        groups(&d),
        vec![
            group("root", None, &[]),
            group("a", Some("Sales, EMEA"), &["root"]),
            group("b", Some("The \"A\" team"), &["root"]),
            group("c", Some("Two\r\nlines"), &[]),
            group("d", Some("  padded  "), &["root"]),
        ]
    );
    // The row after a two-line cell starts on line 7, and a quoted id's span includes its quotes.
    assert_eq!(
        d.groups[4].span,
        Span {
            line: 7,
            col: 1,
            len: 3
        }
    );
}

#[test]
fn a_byte_order_mark_blank_lines_and_a_missing_last_line_end_are_fine() {
    let text = "\u{feff}id,name\n\nanalysts,Analysts\n   \n,\nsales,Sales";
    let d = ok(full(text));
    assert_eq!(
        groups(&d),
        vec![
            group("analysts", Some("Analysts"), &[]),
            group("sales", Some("Sales"), &[]),
        ]
    );
    assert_eq!(d.groups[1].span.line, 6);
    // The hash is of the bytes as given; the quoted text is without the mark.
    assert_eq!(d.sha256, super::sha256_hex(text.as_bytes()));
    assert!(!d.source.starts_with('\u{feff}'));
    // Columns on the header line do not count the mark.
    let e = one(full("\u{feff}id,nmae\na,b\n"));
    assert_at(&e, 1, 4, 4);
}

#[test]
fn empty_parents_and_names_mean_none() {
    let d = ok(full("id,name,parents\nroot,,\nleaf,\"\",\" | root|| \"\n"));
    assert_eq!(
        groups(&d),
        vec![group("root", None, &[]), group("leaf", None, &["root"])]
    );
    // Only an id column is enough.
    let d = ok(full("id\nroot\n"));
    assert_eq!(groups(&d), vec![group("root", None, &[])]);
}

#[test]
fn parents_split_on_bars_and_on_commas_in_quotes() {
    let d = ok(full("id,parents\na,\nb,\nc,a|b\nd,\"a, b\"\ne,\"a|b,c\"\n"));
    assert_eq!(
        d.groups[2].group.parents,
        ["a", "b"].iter().map(|p| (*p).to_string()).collect()
    );
    assert_eq!(d.groups[3].group.parents, d.groups[2].group.parents);
    assert_eq!(d.groups[4].group.parents.len(), 3);
    // Each parent points at its own piece, inside the quotes.
    let spans: Vec<(usize, usize)> = d.groups[3]
        .parents
        .iter()
        .map(|p| (p.span.line, p.span.col))
        .collect();
    assert_eq!(spans, [(5, 4), (5, 7)]);
}

#[test]
fn the_pipelines_header_is_accepted_in_any_order() {
    let yaml_style = ok(full("id,name,parents\nroot,Root,\nchild,Child,root\n"));
    let pipelines = ok(full(
        "parent_user_groups,user_group_name,user_group_id\n,Root,root\nroot,Child,child\n",
    ));
    assert_eq!(groups(&pipelines), groups(&yaml_style));
    let d = ok(incremental(
        "user_group_id,user_group_name,parent_user_groups,is_active\nold,,,False\nnew,New,\"old2, old3\",True\n",
    ));
    assert!(!d.groups[0].active);
    assert!(d.groups[1].active);
    assert_eq!(d.groups[1].group.parents.len(), 2);
}

#[test]
fn the_example_csv_matches_the_example_yaml() {
    let csv = ok(desired::parse(
        "examples/groups.csv",
        include_str!("../../examples/groups.csv"),
        LoadOptions::default(),
    ));
    let yaml = ok(desired::parse(
        "examples/groups.yaml",
        include_str!("../../examples/groups.yaml"),
        LoadOptions::default(),
    ));
    assert_eq!(groups(&csv), groups(&yaml));
    assert_eq!(csv.groups.len(), 5);
}

#[test]
fn yaml_and_csv_give_the_same_groups_in_both_modes() {
    let yaml = "groups:\n  - id: everyone\n  - id: staff\n    name: \"Staff, all\"\n    parents: [everyone]\n  - id: ops\n    name: Ops \"core\"\n    parents: [staff, everyone]\n";
    let csv = "id,name,parents\neveryone,,\nstaff,\"Staff, all\",everyone\nops,\"Ops \"\"core\"\"\",staff|everyone\n";
    assert_eq!(
        groups(&ok(full(csv))),
        groups(&ok(desired::parse(
            "groups.yaml",
            yaml,
            LoadOptions::default()
        )))
    );

    let yaml = "groups:\n  - id: gone\n    active: false\n  - id: kept\n    parents: [live]\n";
    let csv = "id,parents,active\ngone,,false\nkept,live,\n";
    let options = LoadOptions {
        incremental: true,
        ..LoadOptions::default()
    };
    let from_yaml = ok(desired::parse("groups.yaml", yaml, options));
    let from_csv = ok(incremental(csv));
    assert_eq!(from_csv.mode, Mode::Incremental);
    assert_eq!(groups(&from_csv), groups(&from_yaml));
}

#[test]
fn load_reads_a_csv_file_by_its_extension() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("Export.CSV");
    fs_err::write(&path, "id,name\r\nanalysts,Analysts\r\n").expect("write");
    let d = desired::load(&path, LoadOptions::default()).expect("loads");
    assert_eq!(groups(&d), vec![group("analysts", Some("Analysts"), &[])]);
    assert_eq!(d.path, path.display().to_string());
}

// ---------------------------------------------------------------------------------------------
// Problems and their positions

#[test]
fn an_unterminated_quote_is_reported_where_it_opens() {
    let e = one(full("id,name\na,\"Sales\nb,Other\n"));
    assert_at(&e, 2, 3, 1);
    assert!(e.message.contains("unterminated"), "{}", e.message);
    assert!(hint(&e).contains("\"\""));
}

#[test]
fn stray_quotes_are_syntax_errors() {
    let e = one(full("id,name\na,\"The \"A\" team\"\n"));
    assert_at(&e, 2, 9, 1);
    assert!(
        e.message.contains("after the closing quote"),
        "{}",
        e.message
    );
    assert!(hint(&e).contains("written twice"));

    let e = one(full("id,name\na,The \"A\" team\n"));
    assert_at(&e, 2, 7, 1);
    assert_eq!(e.message, "a quote inside an unquoted cell");

    let e = one(full("id,name\ra,b\r"));
    assert_at(&e, 1, 8, 1);
    assert!(hint(&e).contains("CRLF"));
}

#[test]
fn a_bad_id_is_reported_at_its_cell_with_a_snippet() {
    let e = full("id,name,parents\nanalysts,Analysts,\nbad id,Bad,analysts\n").expect_err("bad id");
    assert_eq!(
        e.render(),
        "\
error: invalid group id `bad id`
 --> groups.csv:3:1
  |
3 | bad id,Bad,analysts
  | ^^^^^^
  = help: a space is not allowed; ids are 1 to 255 letters, digits, `.`, `_` or `-`, not starting with `.`
"
    );
    // In a later column, quoted, and after a multi-line cell.
    let d = one(full("name,id\n\"Two\nlines\",ok\nX,\"a/b\"\n"));
    assert_at(&d, 4, 3, 5);
    assert!(hint(&d).contains("`/` is not allowed"));
}

#[test]
fn an_empty_id_and_a_long_name_are_reported() {
    let items = errors(full(&format!(
        "id,name\n,Nameless\nlong,{}\n",
        "x".repeat(256)
    )));
    assert_eq!(items.len(), 2, "{items:#?}");
    assert_at(&items[0], 2, 1, 1);
    assert_eq!(items[0].message, "`id` is empty");
    assert_at(&items[1], 3, 6, 256);
    assert!(
        items[1]
            .message
            .starts_with("name of `long` is too long: 256")
    );
}

#[test]
fn unknown_parents_duplicates_and_self_parents_point_at_their_cells() {
    let items = errors(full(
        "id,name,parents\nanalysts,,\nsales,,analyst\nsales,,\nloop,,\"analysts, loop,analysts\"\n",
    ));
    let found: Vec<(&str, usize, usize)> = items
        .iter()
        .map(|d| {
            let s = d.span.unwrap_or_default();
            (d.message.as_str(), s.line, s.col)
        })
        .collect();
    assert_eq!(
        found,
        [
            ("unknown parent `analyst`", 3, 8),
            ("duplicate id `sales` (first declared on line 3)", 4, 1),
            ("group `loop` lists itself as a parent", 5, 18),
            (
                "parent `analysts` is listed twice (also at line 5, column 8)",
                5,
                23
            ),
        ]
    );
    assert_eq!(hint(&items[0]), "did you mean `analysts`?");
}

#[test]
fn a_cycle_across_rows_names_its_path() {
    let e = one(full("id,parents\na,c\nb,a\nc,b\nd,a\n"));
    assert_eq!(e.message, "parent cycle: a → c → b → a");
    assert_at(&e, 2, 3, 1);
}

#[test]
fn unknown_columns_get_did_you_mean_hints() {
    let items = errors(full("id,nmae,parent,colour,protected\na,A,,,\n"));
    let found: Vec<(&str, usize)> = items
        .iter()
        .map(|d| (d.message.as_str(), d.span.unwrap_or_default().col))
        .collect();
    assert_eq!(
        found,
        [
            ("unknown column `nmae`", 4),
            ("unknown column `parent`", 9),
            ("unknown column `colour`", 16),
            ("unknown column `protected`", 23),
        ]
    );
    assert_eq!(hint(&items[0]), "did you mean `name`?");
    assert_eq!(hint(&items[1]), "did you mean `parents`?");
    assert!(hint(&items[2]).starts_with("the columns are `id`, `name`"));
    assert!(hint(&items[3]).contains("YAML"));
    let items = errors(full("ID\na\n"));
    assert_eq!(items[0].message, "unknown column `ID`");
    assert_eq!(hint(&items[0]), "did you mean `id`?");
}

#[test]
fn the_header_needs_an_id_column_and_no_repeats() {
    let e = one(full("name,parents\nA,\n"));
    assert_eq!(e.message, "the header has no `id` column");
    assert_at(&e, 1, 1, 12);
    assert!(hint(&e).contains("add an `id` column"));
    // A file without a header: the first row is taken as one and has no known column.
    let items = errors(full("analysts,Analysts\n"));
    assert_eq!(items.len(), 3, "{items:#?}");
    let no_id = items
        .iter()
        .find(|d| d.message == "the header has no `id` column")
        .expect("reported");
    assert!(hint(no_id).contains("the first row must be the header"));

    let items = errors(full("id,name,user_group_name,id,\na,b,c,d,\n"));
    let found: Vec<(&str, usize)> = items
        .iter()
        .map(|d| (d.message.as_str(), d.span.unwrap_or_default().col))
        .collect();
    assert_eq!(
        found,
        [
            (
                "`user_group_name` repeats `name` (column 2): both are names for `name`",
                9
            ),
            ("duplicate column `id` (also column 1)", 25),
            ("column 5 has no name", 28),
        ]
    );
}

#[test]
fn rows_of_the_wrong_width_are_reported_once() {
    let items = errors(full(
        "id,name,parents\nroot,,\nsales,Sales, EMEA,root\nshort,Short\nchild,,sales\n",
    ));
    assert_eq!(items.len(), 2, "{items:#?}");
    assert_eq!(items[0].message, "this row has 4 cells, the header has 3");
    assert_at(&items[0], 3, 19, 4);
    assert!(hint(&items[0]).contains("\"Sales, EMEA\""));
    assert_eq!(
        items[1].message,
        "this row has 2 cells, the header has 3 (no `parents`)"
    );
    assert_at(&items[1], 4, 12, 1);
}

#[test]
fn an_empty_file_or_a_header_alone_is_explained() {
    let e = one(full(""));
    assert_eq!(e.message, "the file is empty");
    assert_eq!(e.span, None);
    assert_eq!(one(full("\u{feff}\r\n\r\n")).message, "the file is empty");

    let e = one(full("id,name,parents\n"));
    assert!(e.message.starts_with("no groups declared"), "{}", e.message);
    assert_at(&e, 1, 1, 15);
    assert!(hint(&e).contains("--allow-empty"));
    let allowed = LoadOptions {
        allow_empty: true,
        ..LoadOptions::default()
    };
    assert!(
        ok(desired::parse(PATH, "id,name,parents\n", allowed))
            .groups
            .is_empty()
    );
    assert!(ok(incremental("id\n")).groups.is_empty());
}

#[test]
fn active_needs_incremental_mode_and_a_boolean() {
    let e = one(full("id,active\na,true\nb,false\n"));
    assert_eq!(
        e.message,
        "the `active` column is only allowed in incremental mode"
    );
    assert_at(&e, 1, 4, 6);
    assert!(hint(&e).contains("--incremental"));

    let d = ok(incremental("id,active\na,true\nb,FALSE\nc,\n"));
    let active: Vec<bool> = d.groups.iter().map(|g| g.active).collect();
    assert_eq!(active, [true, false, true]);

    let e = one(incremental("id,is_active\na,yes\n"));
    assert_eq!(
        e.message,
        "`is_active` must be `true` or `false`, found `yes`"
    );
    assert_at(&e, 2, 3, 3);
}

#[test]
fn incremental_rules_apply_to_rows() {
    // A parent being deleted by another row, and conflicting repeats, as in YAML.
    let items = errors(incremental(
        "id,name,parents,active\nold,,,false\nnew,,old,\nnew,Other,old,\n",
    ));
    let found: Vec<(usize, usize)> = items
        .iter()
        .map(|d| {
            let s = d.span.unwrap_or_default();
            (s.line, s.col)
        })
        .collect();
    assert_eq!(found, [(3, 6), (4, 1)], "{items:#?}");
    assert!(items[0].message.contains("is deleted by this file"));
    assert!(
        items[1]
            .message
            .starts_with("conflicting entries for `new`")
    );
}

// ---------------------------------------------------------------------------------------------
// Members (spec §11)

fn members(d: &Desired, i: usize) -> Option<Vec<&str>> {
    d.groups[i]
        .access()
        .members
        .as_ref()
        .map(|m| m.value.iter().map(String::as_str).collect())
}

#[test]
fn a_members_column_manages_every_rows_members() {
    let d = ok(full(
        "id,members,parents\nsales,zoe|amy,\nempty,,\nquoted,\"bob, al | cy\",sales\n",
    ));
    assert_eq!(members(&d, 0), Some(vec!["amy", "zoe"]), "a set");
    assert_eq!(members(&d, 1), Some(vec![]), "an empty cell is no members");
    assert_eq!(members(&d, 2), Some(vec!["al", "bob", "cy"]));
    let m = d.groups[0].access().members.clone().expect("managed");
    assert_eq!(
        m.span_of("amy"),
        Span {
            line: 2,
            col: 11,
            len: 3
        },
        "each member points at its piece"
    );
    assert_eq!(m.key.col, 7, "the key is the cell");
    assert_eq!(
        d.managed_facets().iter().collect::<Vec<_>>(),
        [crate::access::Facet::Members]
    );
    let without = ok(full("id,parents\na,\n"));
    assert!(without.groups[0].access.is_none(), "no column: not managed");
    assert!(without.managed_facets().is_empty());
}

#[test]
fn members_are_checked_at_their_pieces() {
    let items = errors(full("id,members\na,bob|al ice|bob\nb,\"x,\n.y\"\n"));
    let found: Vec<(&str, usize, usize)> = items
        .iter()
        .map(|d| {
            let s = d.span.unwrap_or_default();
            (d.message.as_str(), s.line, s.col)
        })
        .collect();
    assert_eq!(
        found,
        [
            ("invalid user id `al ice` in `members`", 2, 7),
            (
                "user `bob` is listed twice in `members` (also at line 2, column 3)",
                2,
                14
            ),
            ("invalid user id `.y` in `members`", 4, 1),
        ]
    );
}

#[test]
fn member_columns_get_hints_and_other_facets_need_yaml() {
    let items = errors(full("id,member,workspaces\na,,\n"));
    assert_eq!(hint(&items[0]), "did you mean `members`?");
    assert!(
        hint(&items[1]).starts_with("a CSV file only lists groups; `workspaces` needs a YAML"),
        "{}",
        hint(&items[1])
    );
}

#[test]
fn yaml_and_csv_give_the_same_members() {
    let yaml = desired::parse(
        "groups.yaml",
        "groups:\n  - id: a\n    members: [u2, u1]\n  - id: b\n    members: []\n",
        LoadOptions::default(),
    )
    .expect("yaml");
    let csv = ok(full("id,members\na,u1|u2\nb,\n"));
    for i in 0..2 {
        assert_eq!(
            yaml.groups[i].access().differing(csv.groups[i].access()),
            [],
            "group {i}"
        );
    }
}

#[test]
fn a_deleting_row_may_leave_its_members_cell_empty_but_not_fill_it() {
    let d = ok(incremental("id,members,active\ngone,,false\nkept,u,\n"));
    assert!(d.groups[0].access.is_none());
    assert_eq!(members(&d, 1), Some(vec!["u"]));
    let e = one(incremental("id,members,active\ngone,u,false\n"));
    assert_eq!(
        e.message,
        "`members` on `gone`, which `active: false` deletes"
    );
    assert_at(&e, 2, 6, 1);
}
