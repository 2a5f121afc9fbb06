//! What permissions point at: workspaces (in a hierarchy) and data sources, as the sandbox
//! serves them under `/api/v1/entities/workspaces` and `/api/v1/entities/dataSources`.

/// A workspace. The sandbox never creates workspaces through the API; they come from the seed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Workspace {
    /// The id.
    pub id: String,
    /// `attributes.name`.
    pub name: Option<String>,
    /// The parent workspace (`relationships.parent`); hierarchy permissions granted on the
    /// parent cover this workspace too.
    pub parent: Option<String>,
}

impl Workspace {
    /// A top-level workspace without a name.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            ..Self::default()
        }
    }

    /// Sets the name.
    #[must_use]
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the parent.
    #[must_use]
    pub fn with_parent(mut self, parent: impl Into<String>) -> Self {
        self.parent = Some(parent.into());
        self
    }
}

/// The database type a data source has unless the seed says otherwise.
pub const DEFAULT_DATA_SOURCE_TYPE: &str = "POSTGRESQL";

/// The schema a data source has unless the seed says otherwise.
pub const DEFAULT_DATA_SOURCE_SCHEMA: &str = "public";

/// A data source. `name`, `schema` and `type` are the attributes the spec requires of every
/// data source; the sandbox keeps no connection details.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataSource {
    /// The id.
    pub id: String,
    /// `attributes.name`.
    pub name: String,
    /// `attributes.type` (`POSTGRESQL`, `SNOWFLAKE`, …).
    pub kind: String,
    /// `attributes.schema`.
    pub schema: String,
}

impl DataSource {
    /// A data source named like its id, of the default type and schema.
    pub fn new(id: impl Into<String>) -> Self {
        let id = id.into();
        Self {
            name: id.clone(),
            id,
            kind: DEFAULT_DATA_SOURCE_TYPE.to_string(),
            schema: DEFAULT_DATA_SOURCE_SCHEMA.to_string(),
        }
    }

    /// Sets the name.
    #[must_use]
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }
}
