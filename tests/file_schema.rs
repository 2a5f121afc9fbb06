//! `groups.schema.json` (`gdgroups schema`) against documents: what the parser accepts
//! validates, what it refuses does not, and the example files validate. Checked with the test
//! suite's strict validator (`common::schema`), which fails on a keyword or pattern it cannot
//! check instead of skipping it.

use serde_json::{Value, json};

use crate::common::schema::Validator;

fn validate(doc: &Value) -> Vec<String> {
    Validator::new(gdgroups::desired::schema::json_schema()).validate(doc)
}

/// The example file (it uses every key), read as an editor with the schema reads it.
#[test]
fn the_example_file_validates() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/groups.yaml");
    let text = fs_err::read_to_string(path).expect("example file");
    let doc: Value = serde_saphyr::from_str(&text).expect("YAML");
    let errors = validate(&doc);
    assert!(errors.is_empty(), "examples/groups.yaml: {errors:?}");
}

#[test]
fn documents_the_parser_accepts_validate() {
    let docs = [
        json!({
            "$schema": "./groups.schema.json",
            "protected": ["adminGroup"],
            "ignore": ["jit-*", "scim-*"],
            "safety": {"max_deletes": 10, "max_delete_percent": 30},
            "groups": [
                {"id": "analysts", "name": "Data Analysts"},
                {"id": "marketing", "name": "Marketing", "parents": ["analysts"]}
            ]
        }),
        json!({"mode": "incremental", "groups": [{"id": "a", "active": false}]}),
        json!({"groups": [{"id": "a", "name": null, "parents": null}], "safety": null}),
        json!([
            {"user_group_id": "a", "user_group_name": "A", "parent_user_groups": []},
            {"user_group_id": "b", "parent_user_groups": "a, c", "is_active": true}
        ]),
        json!({"groups": [{
            "id": "analysts",
            "members": ["alice", "bob"],
            "workspaces": {
                "sales": ["VIEW", "EXPORT"],
                "finance": {"permissions": ["ANALYZE"], "hierarchy": ["VIEW"]},
                "empty": [],
                "hier": {"hierarchy": ["MANAGE"]}
            },
            "data_sources": {"warehouse": ["USE"]},
            "organization": ["SELF_CREATE_TOKEN"]
        }]}),
        json!({"groups": [{"id": "a", "members": [], "workspaces": {}, "data_sources": {}, "organization": []}]}),
    ];
    for doc in &docs {
        let errors = validate(doc);
        assert!(errors.is_empty(), "refused: {doc}: {errors:?}");
    }
}

#[test]
fn documents_the_parser_refuses_do_not_validate() {
    let docs = [
        json!({"groupz": []}),
        json!({"groups": [{"name": "no id"}]}),
        json!({"groups": [{"id": "a", "parent": ["b"]}]}),
        json!({"groups": [{"id": "a", "user_group_id": "a"}]}),
        json!({"groups": [{"id": "a", "name": "A", "user_group_name": "A"}]}),
        json!({"groups": [{"id": "a", "parents": "b"}]}),
        json!({"groups": [{"id": "a", "parents": ["b", "b"]}]}),
        json!({"groups": [{"id": 123}]}),
        json!({"groups": [{"id": ".hidden"}]}),
        json!({"groups": [{"id": "has space"}]}),
        json!({"groups": [{"id": ""}]}),
        json!({"groups": [{"id": "a", "name": "n".repeat(256)}]}),
        json!({"groups": [{"id": "a", "active": "yes"}]}),
        json!({"mode": "partial", "groups": []}),
        json!({"safety": {"max_deletes": -1}}),
        json!({"safety": {"max_delete_percent": 101}}),
        json!({"safety": {"max_delete": 1}}),
        json!({"protected": "adminGroup"}),
        json!("groups"),
        json!({"groups": [{"id": "a", "members": ["x", "x"]}]}),
        json!({"groups": [{"id": "a", "members": null}]}),
        json!({"groups": [{"id": "a", "members": "alice"}]}),
        json!({"groups": [{"id": "a", "workspaces": {"s": ["VEIW"]}}]}),
        json!({"groups": [{"id": "a", "workspaces": {"s": ["VIEW", "VIEW"]}}]}),
        json!({"groups": [{"id": "a", "workspaces": {"s": {"hierarchyPermissions": ["VIEW"]}}}]}),
        json!({"groups": [{"id": "a", "workspaces": ["s"]}]}),
        json!({"groups": [{"id": "a", "data_sources": {"w": ["VIEW"]}}]}),
        json!({"groups": [{"id": "a", "data_sources": {"w": {"permissions": ["USE"]}}}]}),
        json!({"groups": [{"id": "a", "organization": ["USE"]}]}),
    ];
    for doc in &docs {
        assert!(!validate(doc).is_empty(), "accepted: {doc}");
    }
}
