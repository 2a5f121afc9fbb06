//! The JSON Schema of `groups.yaml` (draft 2020-12), for editors: with the schema line at the
//! top of the file, VS Code and other YAML-language-server editors complete keys, show these
//! descriptions on hover and underline mistakes as you type.
//!
//! The schema describes what the parser accepts; the parser stays the authority (it also
//! checks what a schema cannot say: duplicates, unknown parents, cycles, the mode rules).

use serde_json::{Value, json};

use crate::access::{
    DataSourcePermission, OrganizationPermission, Permission, WorkspacePermission,
};
use crate::group::MAX_NAME_CHARS;

/// The id rule of the GoodData API, as a pattern.
const ID_PATTERN: &str = "^(?!\\.)[.A-Za-z0-9_-]{1,255}$";

/// The schema as a JSON value; `gdgroups schema` prints it.
pub fn json_schema() -> Value {
    let workspace: Vec<&str> = WorkspacePermission::names().collect();
    let data_source: Vec<&str> = DataSourcePermission::names().collect();
    let organization: Vec<&str> = OrganizationPermission::names().collect();
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "gdgroups desired state (groups.yaml)",
        "description": "The user groups a GoodData organization should have. `gdgroups plan` shows what would change; `gdgroups apply` makes it so. Either a mapping with `groups:` and settings, or a bare list of groups (the `gooddata-pipelines` shape).",
        "oneOf": [
            { "$ref": "#/$defs/file" },
            { "$ref": "#/$defs/groupList" }
        ],
        "$defs": {
            "file": {
                "type": "object",
                "description": "A groups file with settings.",
                "additionalProperties": false,
                "properties": {
                    "$schema": {
                        "type": "string",
                        "description": "Path or URL of this schema, for editors (JSON files; YAML files use the `# yaml-language-server: $schema=…` comment). Ignored by gdgroups."
                    },
                    "mode": {
                        "enum": ["full", "incremental", null],
                        "default": "full",
                        "description": "`full` (default): the file is the whole truth; live groups it does not declare are deleted unless protected or ignored. `incremental`: only the listed groups are touched; `active: false` deletes one. `--incremental` overrides this."
                    },
                    "protected": {
                        "type": ["array", "null"],
                        "description": "Ids of groups gdgroups never changes or deletes. The bootstrap group (`adminGroup`) is always protected. A protected group may be used as a parent without being declared.",
                        "items": { "$ref": "#/$defs/id" },
                        "examples": [["adminGroup"]]
                    },
                    "ignore": {
                        "type": ["array", "null"],
                        "description": "Live groups whose id matches one of these patterns are left alone (not deleted, not changed). `*` matches any run of characters, `?` one character. A pattern must not match a declared group.",
                        "items": {
                            "type": "string",
                            "pattern": "^[.A-Za-z0-9_*?-]+$",
                            "description": "A glob such as `jit-*` or `team-??`."
                        },
                        "examples": [["jit-*", "scim-*"]]
                    },
                    "safety": {
                        "type": ["object", "null"],
                        "description": "Limits on deletes and member removals per apply; `--max-deletes`, `--max-delete-percent`, `--max-member-removals` and `--max-member-removal-percent` override them.",
                        "additionalProperties": false,
                        "properties": {
                            "max_deletes": {
                                "type": ["integer", "null"],
                                "minimum": 0,
                                "description": "At most this many deletes per apply (default: no limit). `0` forbids deletes."
                            },
                            "max_delete_percent": {
                                "type": ["number", "null"],
                                "minimum": 0,
                                "maximum": 100,
                                "default": 30,
                                "description": "At most this percentage of the live managed groups deleted per apply (default 30); not applied below 10 groups."
                            },
                            "max_member_removals": {
                                "type": ["integer", "null"],
                                "minimum": 0,
                                "description": "At most this many users removed from groups per apply, over all groups (default: no limit). `0` forbids removals."
                            },
                            "max_member_removal_percent": {
                                "type": ["number", "null"],
                                "minimum": 0,
                                "maximum": 100,
                                "default": 30,
                                "description": "At most this percentage of one group's live members removed per apply (default 30); not applied to groups of fewer than 5 members. `--allow-removal GROUP` approves a group's removals."
                            }
                        }
                    },
                    "groups": {
                        "$ref": "#/$defs/groupList",
                        "description": "The groups. In full mode an empty list is refused unless `--allow-empty` (it would delete every unprotected group)."
                    }
                }
            },
            "groupList": {
                "type": ["array", "null"],
                "description": "The declared groups, in any order.",
                "items": { "$ref": "#/$defs/group" }
            },
            "id": {
                "type": "string",
                "pattern": ID_PATTERN,
                "minLength": 1,
                "maxLength": 255,
                "description": "A group id: 1 to 255 letters, digits, `.`, `_` or `-`, not starting with `.`. Case-sensitive and immutable."
            },
            "parentList": {
                "type": ["array", "null"],
                "uniqueItems": true,
                "items": { "$ref": "#/$defs/id" }
            },
            "otherId": {
                "type": "string",
                "pattern": ID_PATTERN,
                "minLength": 1,
                "maxLength": 255,
                "description": "The id of a user, workspace or data source: 1 to 255 letters, digits, `.`, `_` or `-`, not starting with `.`. It must exist in the organization (checked by `plan`)."
            },
            "workspacePermissions": {
                "type": "array",
                "uniqueItems": true,
                "items": {
                    "enum": workspace,
                    "description": "A workspace permission, as the API names it."
                }
            },
            "workspaceEntry": {
                "description": "Direct permissions on one workspace: a list (permissions on the workspace only, none on its child workspaces) or `{permissions, hierarchy}`. An empty list means no direct access.",
                "oneOf": [
                    { "$ref": "#/$defs/workspacePermissions" },
                    {
                        "type": "object",
                        "additionalProperties": false,
                        "properties": {
                            "permissions": {
                                "$ref": "#/$defs/workspacePermissions",
                                "description": "Permissions on the workspace itself (default: none)."
                            },
                            "hierarchy": {
                                "$ref": "#/$defs/workspacePermissions",
                                "description": "Permissions on every workspace below it (the API's `hierarchyPermissions`; default: none)."
                            }
                        }
                    }
                ]
            },
            "group": {
                "type": "object",
                "description": "One user group.",
                "additionalProperties": false,
                "properties": {
                    "id": {
                        "$ref": "#/$defs/id",
                        "description": "The group's id (required). Ids are immutable: a different id is a different group."
                    },
                    "name": {
                        "type": ["string", "null"],
                        "maxLength": MAX_NAME_CHARS,
                        "description": "Display name, at most 255 characters. Absent or null: the group has no name (it is not defaulted to the id)."
                    },
                    "parents": {
                        "$ref": "#/$defs/parentList",
                        "description": "Ids of the parent groups, compared as a set (order does not matter; each at most once). A parent must be declared, protected, ignored, or `adminGroup` (in incremental mode any live group)."
                    },
                    "members": {
                        "type": "array",
                        "uniqueItems": true,
                        "items": { "$ref": "#/$defs/otherId" },
                        "description": "User ids: the group's members, compared as a set. Absent: members are left as they are. `[]`: no members. Users are never created or deleted."
                    },
                    "workspaces": {
                        "type": "object",
                        "description": "Direct permissions per workspace id, for example `sales: [VIEW, EXPORT]` or `finance: {permissions: [ANALYZE], hierarchy: [VIEW]}`. Absent: left as they are. `{}`: no direct workspace access. What the group inherits is never written.",
                        "propertyNames": { "pattern": ID_PATTERN },
                        "additionalProperties": { "$ref": "#/$defs/workspaceEntry" }
                    },
                    "data_sources": {
                        "type": "object",
                        "description": "Direct permissions per data source id, for example `warehouse: [USE]`. Absent: left as they are. `{}`: no direct data-source access.",
                        "propertyNames": { "pattern": ID_PATTERN },
                        "additionalProperties": {
                            "type": "array",
                            "uniqueItems": true,
                            "items": {
                                "enum": data_source,
                                "description": "A data source permission, as the API names it."
                            }
                        }
                    },
                    "organization": {
                        "type": "array",
                        "uniqueItems": true,
                        "items": {
                            "enum": organization,
                            "description": "An organization permission, as the API names it."
                        },
                        "description": "Organization permissions. `MANAGE` makes the group's members administrators. Absent: left as they are. `[]`: none."
                    },
                    "active": {
                        "type": ["boolean", "null"],
                        "default": true,
                        "description": "Incremental mode only (`mode: incremental` or `--incremental`): `false` deletes the group if it exists (with its members and permissions, so it takes none of those keys)."
                    },
                    "user_group_id": {
                        "$ref": "#/$defs/id",
                        "description": "`gooddata-pipelines` name for `id`; give one of the two."
                    },
                    "user_group_name": {
                        "type": ["string", "null"],
                        "maxLength": MAX_NAME_CHARS,
                        "description": "`gooddata-pipelines` name for `name`; give one of the two."
                    },
                    "parent_user_groups": {
                        "description": "`gooddata-pipelines` name for `parents`; give one of the two. Also accepted as one comma-separated string (`\"a, b\"`), as that library read it from CSV.",
                        "anyOf": [
                            { "$ref": "#/$defs/parentList" },
                            { "type": "string", "pattern": "^[.A-Za-z0-9_, -]*$" }
                        ]
                    },
                    "is_active": {
                        "type": ["boolean", "null"],
                        "default": true,
                        "description": "`gooddata-pipelines` name for `active`; give one of the two. Incremental mode only."
                    }
                },
                "oneOf": [
                    { "required": ["id"] },
                    { "required": ["user_group_id"] }
                ],
                "not": {
                    "anyOf": [
                        { "required": ["name", "user_group_name"] },
                        { "required": ["parents", "parent_user_groups"] },
                        { "required": ["active", "is_active"] }
                    ]
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::desired::parse::{GROUP_KEYS, SAFETY_KEYS, TOP_KEYS, WORKSPACE_KEYS};

    fn def<'a>(schema: &'a Value, name: &str) -> &'a Value {
        &schema["$defs"][name]
    }

    fn keys(object: &Value) -> BTreeSet<&str> {
        object["properties"]
            .as_object()
            .map(|p| p.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }

    #[test]
    fn the_schema_knows_exactly_the_keys_the_parser_accepts() {
        let schema = json_schema();
        let file = def(&schema, "file");
        assert_eq!(keys(file), TOP_KEYS.into_iter().collect());
        assert_eq!(
            keys(&file["properties"]["safety"]),
            SAFETY_KEYS.into_iter().collect()
        );
        assert_eq!(
            keys(def(&schema, "group")),
            GROUP_KEYS.into_iter().collect()
        );
        assert_eq!(
            keys(&def(&schema, "workspaceEntry")["oneOf"][1]),
            WORKSPACE_KEYS.into_iter().collect()
        );
    }

    /// Every property says what it is, so an editor has something to show on hover.
    #[test]
    fn every_key_has_a_description() {
        fn walk(value: &Value, path: &str, missing: &mut Vec<String>) {
            match value {
                Value::Object(map) => {
                    if let Some(Value::Object(props)) = map.get("properties") {
                        for (key, prop) in props {
                            let described = prop
                                .get("description")
                                .and_then(Value::as_str)
                                .is_some_and(|d| d.len() > 10);
                            if !described {
                                missing.push(format!("{path}.{key}"));
                            }
                        }
                    }
                    for (k, v) in map {
                        walk(v, &format!("{path}/{k}"), missing);
                    }
                }
                Value::Array(items) => items.iter().for_each(|v| walk(v, path, missing)),
                _ => {}
            }
        }
        let mut missing = Vec::new();
        walk(&json_schema(), "", &mut missing);
        assert!(missing.is_empty(), "no description: {missing:?}");
    }
}
