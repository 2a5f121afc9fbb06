//! JSON:API documents of the user-group entity API, as in the OpenAPI spec and the recordings.

use serde::{Deserialize, Serialize};

use crate::group::Group;

pub(crate) const TYPE: &str = "userGroup";

/// A user group as the entity API returns it.
#[derive(Debug, Deserialize)]
pub(crate) struct Resource {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub attributes: Attributes,
    #[serde(default)]
    pub relationships: Option<Relationships>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub(crate) struct Attributes {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub(crate) struct Relationships {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parents: Option<ToMany>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub(crate) struct ToMany {
    pub data: Vec<Linkage>,
}

#[derive(Debug, Deserialize, Serialize)]
pub(crate) struct Linkage {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
}

impl Resource {
    pub(crate) fn into_group(self) -> Group {
        Group {
            id: self.id,
            name: self.attributes.name,
            parents: self
                .relationships
                .and_then(|r| r.parents)
                .map(|p| p.data.into_iter().map(|l| l.id).collect())
                .unwrap_or_default(),
        }
    }
}

/// `GET /api/v1/entities/userGroups`.
#[derive(Debug, Deserialize)]
pub(crate) struct ListDocument {
    pub data: Vec<Resource>,
    #[serde(default)]
    pub meta: Option<ListMeta>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ListMeta {
    #[serde(default)]
    pub page: Option<PageMeta>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PageMeta {
    #[serde(default)]
    pub total_elements: Option<u64>,
}

/// The body of a POST or PUT: `{"data": {"id", "type", "attributes", "relationships"}}`.
#[derive(Debug, Serialize)]
pub(crate) struct InDocument<'a> {
    pub data: InResource<'a>,
}

#[derive(Debug, Serialize)]
pub(crate) struct InResource<'a> {
    pub id: &'a str,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub attributes: Attributes,
    pub relationships: Relationships,
}

impl<'a> InDocument<'a> {
    /// Always sends `relationships.parents` (an empty list clears parents, as the recordings show)
    /// so a PUT replaces the parent set exactly.
    pub(crate) fn new(group: &'a Group) -> Self {
        Self {
            data: InResource {
                id: &group.id,
                kind: TYPE,
                attributes: Attributes {
                    name: group.name.clone(),
                },
                relationships: Relationships {
                    parents: Some(ToMany {
                        data: group
                            .parents
                            .iter()
                            .map(|p| Linkage {
                                id: p.clone(),
                                kind: TYPE.to_string(),
                            })
                            .collect(),
                    }),
                },
            },
        }
    }
}

/// `GET /api/v1/entities/admin/organizations/{id}?include=bootstrapUserGroup`.
#[derive(Debug, Deserialize)]
pub(crate) struct OrganizationDocument {
    pub data: OrganizationResource,
}

#[derive(Debug, Deserialize)]
pub(crate) struct OrganizationResource {
    #[serde(default)]
    pub relationships: Option<OrganizationRelationships>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OrganizationRelationships {
    #[serde(default)]
    pub bootstrap_user_group: Option<ToOne>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ToOne {
    pub data: Option<Linkage>,
}

/// `GET /api/v1/actions/userManagement/userGroups`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserManagementGroups {
    pub total_count: u64,
    pub user_groups: Vec<UserManagementGroup>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserManagementGroup {
    pub id: String,
    #[serde(default)]
    pub user_count: u64,
}

#[cfg(test)]
pub(super) mod tests {
    use serde_json::Value;

    use super::*;

    /// Checks `value` against an OpenAPI schema: `$ref`, `allOf`, `type`, `properties` (and no
    /// others), `required`, `enum`, `maxLength`, `items`, `minItems`, and the id `pattern`. The request
    /// bodies of members and permissions (`access_tests.rs`) are checked with it too.
    pub(in crate::gooddata) fn validate(
        spec: &Value,
        schema: &Value,
        value: &Value,
        at: &str,
    ) -> Result<(), String> {
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let name = reference.trim_start_matches("#/components/schemas/");
            return validate(spec, &spec["components"]["schemas"][name], value, at);
        }
        if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
            return all.iter().try_for_each(|s| validate(spec, s, value, at));
        }
        match schema.get("type").and_then(Value::as_str) {
            Some("object") => {
                let object = value.as_object().ok_or(format!("{at}: not an object"))?;
                let properties = schema.get("properties").and_then(Value::as_object);
                for key in schema
                    .get("required")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let key = key.as_str().unwrap_or_default();
                    if !object.contains_key(key) {
                        return Err(format!("{at}: `{key}` is required"));
                    }
                }
                for (key, item) in object {
                    let sub = properties
                        .and_then(|p| p.get(key))
                        .ok_or(format!("{at}: `{key}` is not in the schema"))?;
                    validate(spec, sub, item, &format!("{at}.{key}"))?;
                }
            }
            Some("array") => {
                let items = value.as_array().ok_or(format!("{at}: not an array"))?;
                if let Some(min) = schema.get("minItems").and_then(Value::as_u64)
                    && (items.len() as u64) < min
                {
                    return Err(format!("{at}: fewer than {min} items"));
                }
                for (i, item) in items.iter().enumerate() {
                    validate(spec, &schema["items"], item, &format!("{at}[{i}]"))?;
                }
            }
            Some("string") => {
                let text = value.as_str().ok_or(format!("{at}: not a string"))?;
                if let Some(max) = schema.get("maxLength").and_then(Value::as_u64)
                    && text.chars().count() as u64 > max
                {
                    return Err(format!("{at}: longer than {max}"));
                }
                if let Some(options) = schema.get("enum").and_then(Value::as_array)
                    && !options.iter().any(|o| o == value)
                {
                    return Err(format!("{at}: `{text}` is not one of {options:?}"));
                }
                if schema.get("pattern").and_then(Value::as_str)
                    == Some(r"^(?!\.)[.A-Za-z0-9_-]{1,255}$")
                    && !crate::group::is_valid_id(text)
                {
                    return Err(format!("{at}: `{text}` breaks the id pattern"));
                }
            }
            _ => {}
        }
        Ok(())
    }

    #[test]
    fn request_bodies_validate_against_the_openapi_schema() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/gooddata/openapi/usergroups-subset.openapi.json"
        );
        let spec: Value =
            serde_json::from_str(&fs_err::read_to_string(path).expect("the OpenAPI subset"))
                .expect("JSON");
        let schema = &spec["paths"]["/api/v1/entities/userGroups"]["post"]["requestBody"]["content"]
            ["application/vnd.gooddata.api+json"]["schema"];
        assert!(
            schema.get("$ref").is_some(),
            "the POST body schema is found: {schema}"
        );
        let put = &spec["paths"]["/api/v1/entities/userGroups/{id}"]["put"]["requestBody"]["content"]
            ["application/vnd.gooddata.api+json"]["schema"];
        for group in [
            Group::new("plain"),
            Group::new("named").with_name("Data Analysts"),
            Group::new("child.1")
                .with_name("x".repeat(255))
                .with_parents(["a", "b_c", "d-e"]),
        ] {
            let body = serde_json::to_value(InDocument::new(&group)).expect("serializes");
            validate(&spec, schema, &body, "body").unwrap_or_else(|e| panic!("POST {body}: {e}"));
            validate(&spec, put, &body, "body").unwrap_or_else(|e| panic!("PUT {body}: {e}"));
        }
        // The validator is not vacuous: it refuses what the API refuses.
        let bad = serde_json::json!({"data": {"id": ".x", "type": "userGroup"}});
        assert!(validate(&spec, schema, &bad, "body").is_err());
        let bad = serde_json::json!({"data": {"id": "x", "type": "workspace"}});
        assert!(validate(&spec, schema, &bad, "body").is_err());
        let bad = serde_json::json!({"data": {"id": "x", "type": "userGroup", "attributes": {"title": "t"}}});
        assert!(validate(&spec, schema, &bad, "body").is_err());
    }
}
