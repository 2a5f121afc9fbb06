//! The JSON Schema (draft 2020-12) of the saved plan: what `plan --out` writes and
//! `plan --format json` prints, for policy tools (`conftest`/OPA, `jq`, a JSON Schema
//! validator) that check a plan before it is applied. `gdgroups schema --plan` prints it.
//!
//! It is versioned with the document: `format_version` is a constant here, and the schema's
//! `$id` names it. Every object is closed (`additionalProperties: false`) and lists the fields
//! always written as `required`, so a change to the serialization that this schema does not
//! follow fails the test suite, which validates every saved plan it produces against it.

use serde_json::{Value, json};

use super::document::FORMAT_VERSION;
use super::safety::{APPROVAL_FLAGS, Rule};
use super::{Action, NextStep};
use crate::access::{
    DataSourcePermission, Facet, OrganizationPermission, Permission, WorkspacePermission,
};
use crate::desired::Mode;

/// A lowercase sha256, as the plan's hashes and fingerprints are written.
const SHA256: &str = "^[0-9a-f]{64}$";
/// The short per-group digest of the live groups.
const SHORT_DIGEST: &str = "^[0-9a-f]{12}$";

/// The name serde gives a unit value, such as an enum variant.
fn name<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// The `status` serde gives a next step.
fn status(step: &NextStep) -> Value {
    name(step)["status"].clone()
}

/// The schema as a JSON value; `gdgroups schema --plan` prints it.
pub fn json_schema() -> Value {
    let modes = [name(&Mode::Full), name(&Mode::Incremental)];
    let count = |what: &str| json!({"type": "integer", "minimum": 0, "description": what});
    let count_if_any = |what: &str| {
        json!({
            "type": "integer",
            "minimum": 1,
            "description": format!("{what} Absent when none.")
        })
    };
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": format!("urn:gdgroups:plan:format-version:{FORMAT_VERSION}"),
        "title": format!("gdgroups saved plan (format_version {FORMAT_VERSION})"),
        "description": "A plan as `gdgroups plan --out plan.json` saves it and `gdgroups plan --format json` prints it: what `gdgroups apply plan.json` carries out, in order, once it has checked that the live groups did not move. `plan_hash` covers every other field: an edited plan is refused.",
        "type": "object",
        "additionalProperties": false,
        "required": [
            "format_version", "gdgroups_version", "host", "mode", "source", "operations",
            "summary", "plan_hash"
        ],
        "properties": {
            "format_version": {
                "const": FORMAT_VERSION,
                "description": "The document format; a new number means a change older gdgroups versions cannot read."
            },
            "gdgroups_version": {"type": "string", "description": "The gdgroups version that made the plan."},
            "host": {"type": "string", "description": "The organization URL the plan is for (never credentials)."},
            "mode": {"enum": modes, "description": "`full`: undeclared live groups are deleted; `incremental`: only listed groups are touched."},
            "source": {"$ref": "#/$defs/source"},
            "operations": {
                "type": "array",
                "description": "The changes in apply order: creates (parents first), updates, deletes (children first).",
                "items": {"$ref": "#/$defs/change"}
            },
            "notes": {
                "type": "array",
                "description": "Remarks that are not changes (rename hints, protected groups, nothing to delete), sorted by id. Absent when none.",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["id", "text"],
                    "properties": {
                        "id": {"type": "string", "description": "The group the note is about."},
                        "text": {"type": "string", "description": "The remark."}
                    }
                }
            },
            "summary": {
                "type": "object",
                "description": "Counts, as the plan's last line shows them.",
                "additionalProperties": false,
                "required": ["create", "update", "delete", "held", "unchanged", "ignored", "protected", "managed"],
                "properties": {
                    "create": count("Groups to create."),
                    "update": count("Groups to update (name, parents, members or permissions)."),
                    "delete": count("Groups to delete, not counting held deletes."),
                    "held": count("Deletes shown but not carried out (`--no-delete`, or an unknown bootstrap group)."),
                    "unchanged": count("Declared groups equal to their live state."),
                    "ignored": count("Live groups left alone because they match `ignore:`."),
                    "protected": count("Live groups left alone because they are protected."),
                    "managed": count("Live groups the file manages: the base of `max_delete_percent`."),
                    "members_added": count_if_any("Users added to groups (one per user and group)."),
                    "members_removed": count_if_any("Users removed from groups."),
                    "permissions_granted": count_if_any("Permissions granted, one per name and target (workspace, its hierarchy, data source, organization) and group."),
                    "permissions_revoked": count_if_any("Permissions revoked, counted the same way.")
                }
            },
            "next_step": {"$ref": "#/$defs/nextStep"},
            "plan_hash": {"type": "string", "pattern": SHA256, "description": "sha256 of the compact JSON of the document without this field."}
        },
        "$defs": defs(),
    })
}

/// The definitions the schema refers to (`#/$defs/…`), one `json!` each (one for all of them
/// is deeper than the macro's recursion limit).
fn defs() -> Value {
    let workspace: Vec<&str> = WorkspacePermission::names().collect();
    let data_source: Vec<&str> = DataSourcePermission::names().collect();
    let organization: Vec<&str> = OrganizationPermission::names().collect();
    let facets: Vec<&str> = Facet::ALL.iter().map(|f| f.key()).collect();
    let rules: Vec<Value> = Rule::ALL.iter().map(name).collect();
    let actions = [
        name(&Action::Create),
        name(&Action::Update),
        name(&Action::Delete),
    ];
    let delta = |of: &str, what: &str| {
        json!({
            "type": "object",
            "description": what,
            "additionalProperties": false,
            "required": ["before", "after"],
            "properties": {
                "before": {"$ref": of, "description": "The live value (empty for a group being created)."},
                "after": {"$ref": of, "description": "The value the groups file declares."}
            }
        })
    };
    let mut defs = serde_json::Map::new();
    defs.insert(
        "source".into(),
        json!({
        "type": "object",
        "description": "What the plan was computed from, so that apply can tell when it went stale.",
        "additionalProperties": false,
        "required": ["desired_sha256", "bootstrap_group", "live_fingerprint", "live_groups", "safety"],
        "properties": {
            "desired_sha256": {"type": "string", "pattern": SHA256, "description": "sha256 of the groups file."},
            "bootstrap_group": {"type": ["string", "null"], "description": "The organization's bootstrap group as the server named it; null when it would not, or was not asked."},
            "ignore": {
                "type": "array",
                "minItems": 1,
                "items": {"type": "string"},
                "description": "The `ignore:` patterns; ignored groups are left out of the fingerprint. Absent when none."
            },
            "live_fingerprint": {"type": "string", "pattern": SHA256, "description": "sha256 of the canonical live groups (ignored ones left out) and the members and permissions the file manages."},
            "live_groups": {
                "type": "object",
                "description": "A short digest per live group, by id, to name the groups that moved.",
                "additionalProperties": {"type": "string", "pattern": SHORT_DIGEST}
            },
            "safety": {
                "type": "object",
                "description": "The file's `safety:` thresholds, checked again when the plan is applied.",
                "additionalProperties": false,
                "properties": {
                    "max_deletes": {"type": "integer", "minimum": 0, "description": "At most this many deletes."},
                    "max_delete_percent": {"type": "number", "minimum": 0, "maximum": 100, "description": "At most this percentage of the managed live groups deleted."},
                    "max_member_removals": {"type": "integer", "minimum": 0, "description": "At most this many users removed from groups."},
                    "max_member_removal_percent": {"type": "number", "minimum": 0, "maximum": 100, "description": "At most this percentage of one group's members removed."}
                }
            },
            "managed": {
                "type": "object",
                "description": "The facets each declared group manages, by group id. Absent when no group manages members or permissions.",
                "minProperties": 1,
                "additionalProperties": {
                    "type": "array",
                    "uniqueItems": true,
                    "items": {"enum": facets}
                }
            }
        }
    }),
    );
    defs.insert(
        "group".into(),
        json!({
            "type": "object",
            "description": "A group's name and parents.",
            "additionalProperties": false,
            "required": ["id"],
            "properties": {
                "id": {"type": "string", "description": "The group's id."},
                "name": {"type": "string", "description": "Its name; absent when it has none."},
                "parents": {
                    "type": "array",
                    "minItems": 1,
                    "uniqueItems": true,
                    "items": {"type": "string"},
                    "description": "Ids of its parent groups, sorted; absent when none."
                }
            }
        }),
    );
    defs.insert(
        "change".into(),
        json!({
        "type": "object",
        "description": "One change to one group.",
        "additionalProperties": false,
        "required": ["action", "id", "before", "after"],
        "properties": {
            "action": {"enum": actions, "description": "What happens to the group."},
            "id": {"type": "string", "description": "The group's id."},
            "before": {
                "description": "The live group; null for a create.",
                "anyOf": [{"$ref": "#/$defs/group"}, {"type": "null"}]
            },
            "after": {
                "description": "The group after the change; null for a delete.",
                "anyOf": [{"$ref": "#/$defs/group"}, {"type": "null"}]
            },
            "access": {"$ref": "#/$defs/access"},
            "impact": {
                "type": "object",
                "description": "For a delete: what is lost.",
                "additionalProperties": false,
                "required": ["members"],
                "properties": {
                    "members": {"type": ["integer", "null"], "minimum": 0, "description": "Users in the group; null when the server does not say (not 0)."},
                    "children": {
                        "type": "array",
                        "minItems": 1,
                        "items": {"type": "string"},
                        "description": "Groups that stay and lose this one as a parent; absent when none."
                    }
                }
            },
            "held": {"type": "string", "description": "Why the change is shown but not carried out (`--no-delete`, an unknown bootstrap group); absent for a change apply carries out."}
        }
    }),
    );
    defs.insert(
        "access".into(),
        json!({
        "type": "object",
        "description": "The members and permissions of the group that change, each with its whole live (`before`) and declared (`after`) value. Only facets the file manages and that differ are present.",
        "additionalProperties": false,
        "minProperties": 1,
        "properties": {
            "members": delta("#/$defs/userSet", "The group's direct members (user ids)."),
            "workspaces": delta("#/$defs/workspaceAccess", "Direct workspace permissions."),
            "data_sources": delta("#/$defs/dataSourceAccess", "Direct data-source permissions."),
            "organization": delta("#/$defs/organizationPermissions", "Organization permissions.")
        }
    }),
    );
    defs.insert(
        "userSet".into(),
        json!({
            "type": "array",
            "uniqueItems": true,
            "items": {"type": "string"},
            "description": "User ids, sorted."
        }),
    );
    defs.insert(
        "workspacePermissions".into(),
        json!({
            "type": "array",
            "minItems": 1,
            "uniqueItems": true,
            "items": {"enum": workspace},
            "description": "Workspace permissions, as the API names them."
        }),
    );
    defs.insert(
        "workspaceAccess".into(),
        json!({
        "type": "object",
        "description": "Permissions per workspace id; a workspace without direct access has no entry.",
        "additionalProperties": {
            "type": "object",
            "additionalProperties": false,
            "minProperties": 1,
            "properties": {
                "permissions": {"$ref": "#/$defs/workspacePermissions", "description": "On the workspace itself; absent when none."},
                "hierarchy": {"$ref": "#/$defs/workspacePermissions", "description": "On every workspace below it; absent when none."}
            }
        }
    }),
    );
    defs.insert(
        "dataSourceAccess".into(),
        json!({
        "type": "object",
        "description": "Permissions per data source id; a data source without direct access has no entry.",
        "additionalProperties": {
            "type": "array",
            "minItems": 1,
            "uniqueItems": true,
            "items": {"enum": data_source}
        }
    }),
    );
    defs.insert(
        "organizationPermissions".into(),
        json!({
            "type": "array",
            "uniqueItems": true,
            "items": {"enum": organization},
            "description": "Organization permissions, as the API names them."
        }),
    );
    defs.insert(
        "rule".into(),
        json!({
        "enum": rules,
        "description": "A safety rule: a threshold of the file's `safety:` (or its flag), or the lock-out guard."
    }),
    );
    defs.insert(
        "nextStep".into(),
        json!({
        "description": "What `gdgroups apply` will need to carry the plan out, decided when the plan was made. Flags given to `plan` are not saved: these are the flags a bare `apply` needs on top of the file's `safety:`.",
        "oneOf": [
            {
                "type": "object",
                "description": "The live groups match: apply changes nothing.",
                "additionalProperties": false,
                "required": ["status"],
                "properties": {"status": {"const": status(&NextStep::NothingToApply)}}
            },
            {
                "type": "object",
                "description": "Apply carries the plan out with no flag.",
                "additionalProperties": false,
                "required": ["status"],
                "properties": {"status": {"const": status(&NextStep::ApplyReady)}}
            },
            {
                "type": "object",
                "description": "Apply carries the plan out only with `flags`; without them the thresholds in `rules` refuse it.",
                "additionalProperties": false,
                "required": ["status", "flags", "rules"],
                "properties": {
                    "status": {"const": status(&NextStep::ApplyNeedsFlags { flags: vec![], rules: vec![] })},
                    "flags": {
                        "type": "array",
                        "minItems": 1,
                        "description": "Each flag with its value, such as `--allow-delete legacy`.",
                        "items": {
                            "type": "object",
                            "additionalProperties": false,
                            "required": ["flag", "value"],
                            "properties": {
                                "flag": {"enum": APPROVAL_FLAGS, "description": "The flag."},
                                "value": {"type": "string", "description": "Its value: a group id or a number."}
                            }
                        }
                    },
                    "rules": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/rule"}, "description": "The thresholds the plan goes over without the flags."}
                }
            },
            {
                "type": "object",
                "description": "A rule refuses the plan: the lock-out guard (no flag overrides it), or a limit given to `plan` stricter than the file's.",
                "additionalProperties": false,
                "required": ["status", "rule", "reason"],
                "properties": {
                    "status": {"const": status(&NextStep::Refused { rule: Rule::LockOut, reason: String::new() })},
                    "rule": {"$ref": "#/$defs/rule"},
                    "reason": {"type": "string", "description": "What the rule refuses and what to do, as the error says it."}
                }
            },
            {
                "type": "object",
                "description": "The organization's bootstrap group is unknown: every delete is held and the plan is refused. Plan again with `--bootstrap-group ID` (or list it under `protected:`), or with `--no-delete`.",
                "additionalProperties": false,
                "required": ["status", "held"],
                "properties": {
                    "status": {"const": status(&NextStep::BootstrapUnknown { held: 0 })},
                    "held": {"type": "integer", "minimum": 1, "description": "The deletes held."}
                }
            }
        ]
    }),
    );
    Value::Object(defs)
}

/// The schema as committed in `plan.schema.json`: pretty JSON with a final newline.
pub fn schema_text() -> String {
    let mut text = serde_json::to_string_pretty(&json_schema()).unwrap_or_default();
    text.push('\n');
    text
}
