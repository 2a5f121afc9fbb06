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
