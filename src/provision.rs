//! The library API: what `gooddata-pipelines`' `UserGroupProvisioner` offers Python programs,
//! on the same engine as the CLI: the same validation, plan, ordering, parallelism, retries and
//! safety rules, and a [`Report`] instead of silence.
//!
//! ```
//! use gdgroups::provision::{GroupRecord, Provisioner};
//! # use gdgroups_sandbox::{Sandbox, SandboxConfig};
//!
//! # async fn demo(host: &str) -> Result<(), gdgroups::error::Error> {
//! // Against GoodData: Provisioner::new("https://acme.cloud.gooddata.com", &token)?
//! let provisioner = Provisioner::new(host, "sandbox")?;
//! let records = vec![
//!     GroupRecord::new("analysts", Some("Data Analysts"), &[])?,
//!     GroupRecord::new("marketing", Some("Marketing"), &["analysts"])?,
//! ];
//! let report = provisioner.full_load(records).await?;
//! assert!(report.is_complete());
//! for failed in report.failed() {
//!     eprintln!("{} {} failed: {:?}", failed.action.verb(), failed.id, failed.outcome);
//! }
//! # Ok(())
//! # }
//! # let sandbox = Sandbox::spawn(SandboxConfig::default()).unwrap();
//! # tokio::runtime::Runtime::new().unwrap().block_on(demo(&sandbox.url())).unwrap();
//! ```
//!
//! Every finished operation is also a `tracing` event (target `gdgroups::apply`, fields `id`,
//! `action`, `outcome`, and for failures `status` and `trace_id`), so a program subscribes with
//! its own subscriber as the Python library's users subscribe a logger.

pub mod read;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Deserializer};

use crate::access::{
    DataSourceAccess, DataSourcePermission, OrganizationPermission, WorkspaceAccess,
    WorkspacePermission, WorkspacePermissions,
};
use crate::apply::{self, Cancel, ChangeReport, Progress, Report};
pub use crate::desired::RecordAccess;
use crate::desired::{self, Desired, Mode};
use crate::error::Error;
pub use crate::error::RecordError;
use crate::gooddata::{Client, ClientConfig, Token};
use crate::group::{Group, MAX_NAME_CHARS, is_valid_id};
use crate::live::Live;
use crate::plan::document::moved_since;
use crate::plan::safety::{self, Thresholds};
use crate::plan::{Plan, PlanOptions};

/// A group for a full load: what should exist. Valid by construction.
///
/// Besides its name and parents, a record may manage the group's members and permissions
/// (spec §11) with the `with_*` builders; what it does not set is left as it is live.
///
/// ```
/// use gdgroups::access::{OrganizationPermission, WorkspacePermission, WorkspacePermissions};
/// use gdgroups::provision::GroupRecord;
///
/// let record = GroupRecord::new("analysts", Some("Data Analysts"), &[])?
///     .with_members(["alice", "bob"])?
///     .with_workspaces([("sales", WorkspacePermissions::only([WorkspacePermission::View]))])?
///     .with_organization([OrganizationPermission::SelfCreateToken]);
/// assert_eq!(record.access().members.as_ref().map(|m| m.len()), Some(2));
/// assert!(record.access().data_sources.is_none(), "not managed: left alone");
/// # Ok::<(), gdgroups::provision::RecordError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "RawRecord")]
pub struct GroupRecord {
    group: Group,
    access: RecordAccess,
}

/// A group for an incremental load: create or update it, or (`active == false`) delete it.
/// Its members and permissions are set with the same builders as [`GroupRecord`]'s.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "RawRecord")]
pub struct IncrementalRecord {
    group: Group,
    active: bool,
    access: RecordAccess,
}

/// The field names of both gdgroups and `gooddata-pipelines` (and, for the facets, names in the
/// style of its user and permission provisioners).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRecord {
    #[serde(alias = "user_group_id")]
    id: String,
    #[serde(default, alias = "user_group_name")]
    name: Option<String>,
    #[serde(default, alias = "parent_user_groups")]
    parents: Vec<String>,
    #[serde(default = "yes", alias = "is_active")]
    active: bool,
    #[serde(default, deserialize_with = "present", alias = "user_ids")]
    members: Option<Vec<String>>,
    #[serde(
        default,
        deserialize_with = "present_pairs",
        alias = "workspace_permissions"
    )]
    workspaces: Option<Vec<(String, RawWorkspace)>>,
    #[serde(
        default,
        deserialize_with = "present_pairs",
        alias = "dataSources",
        alias = "data_source_permissions"
    )]
    data_sources: Option<Vec<(String, Vec<DataSourcePermission>)>>,
    #[serde(
        default,
        deserialize_with = "present",
        alias = "organization_permissions"
    )]
    organization: Option<Vec<OrganizationPermission>>,
}

/// A workspace's permissions as a record writes them: the file's shorthand list (permissions on
/// the workspace only), or both sets.
#[derive(Deserialize)]
#[serde(untagged)]
enum RawWorkspace {
    Only(Vec<WorkspacePermission>),
    Both {
        #[serde(default)]
        permissions: Vec<WorkspacePermission>,
        #[serde(default, alias = "hierarchyPermissions")]
        hierarchy: Vec<WorkspacePermission>,
    },
}

/// A key that is present must hold a value: `null` is refused, as in a file, so a half-written
/// record never removes anything. (An absent key is `None` through `default`.)
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// [`present`] for a map of ids.
fn present_pairs<'de, D: Deserializer<'de>, V: Deserialize<'de>>(
    d: D,
) -> Result<Option<Vec<(String, V)>>, D::Error> {
    pairs(d).map(Some)
}

/// A map written as a JSON object, read in order so a repeated key is seen.
fn pairs<'de, D: Deserializer<'de>, V: Deserialize<'de>>(
    d: D,
) -> Result<Vec<(String, V)>, D::Error> {
    struct Pairs<V>(std::marker::PhantomData<V>);
    impl<'de, V: Deserialize<'de>> serde::de::Visitor<'de> for Pairs<V> {
        type Value = Vec<(String, V)>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a map of ids")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(entry) = map.next_entry()? {
                out.push(entry);
            }
            Ok(out)
        }
    }
    d.deserialize_map(Pairs(std::marker::PhantomData))
}

/// Every item of `items` once, or the first repeat.
fn unique<T: Ord>(
    id: &str,
    key: &str,
    items: impl IntoIterator<Item = T>,
    show: impl Fn(&T) -> String,
) -> Result<BTreeSet<T>, RecordError> {
    let mut set = BTreeSet::new();
    for item in items {
        if set.contains(&item) {
            return Err(RecordError::DuplicateItem {
                id: id.to_string(),
                key: key.to_string(),
                item: show(&item),
            });
        }
        set.insert(item);
    }
    Ok(set)
}

/// Checks an id of `key` (a user, workspace or data source): the API's rule.
fn valid_item(id: &str, key: &'static str, item: &str) -> Result<(), RecordError> {
    if is_valid_id(item) {
        Ok(())
    } else {
        Err(RecordError::ItemId {
            id: id.to_string(),
            key,
            item: item.to_string(),
        })
    }
}

fn members_of<I, S>(id: &str, users: I) -> Result<BTreeSet<String>, RecordError>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let users: Vec<String> = users.into_iter().map(Into::into).collect();
    for user in &users {
        valid_item(id, "members", user)?;
    }
    unique(id, "members", users, Clone::clone)
}

fn keyed<V, I, S>(
    id: &str,
    key: &'static str,
    entries: I,
) -> Result<BTreeMap<String, V>, RecordError>
where
    I: IntoIterator<Item = (S, V)>,
    S: Into<String>,
{
    let mut map = BTreeMap::new();
    for (target, value) in entries {
        let target = target.into();
        valid_item(id, key, &target)?;
        if map.contains_key(&target) {
            return Err(RecordError::DuplicateItem {
                id: id.to_string(),
                key: key.to_string(),
                item: target,
            });
        }
        map.insert(target, value);
    }
    Ok(map)
}

fn workspaces_of<I, S>(id: &str, workspaces: I) -> Result<WorkspaceAccess, RecordError>
where
    I: IntoIterator<Item = (S, WorkspacePermissions)>,
    S: Into<String>,
{
    let mut map = keyed(id, "workspaces", workspaces)?;
    // No permission is no entry, as `sales: []` in a file.
    map.retain(|_, set| !set.is_empty());
    Ok(map)
}

fn data_sources_of<I, S, P>(id: &str, data_sources: I) -> Result<DataSourceAccess, RecordError>
where
    I: IntoIterator<Item = (S, P)>,
    S: Into<String>,
    P: IntoIterator<Item = DataSourcePermission>,
{
    let mut map = BTreeMap::new();
    for (target, set) in keyed(id, "data_sources", data_sources)? {
        let set = unique(
            id,
            &format!("data_sources.{target}"),
            set,
            ToString::to_string,
        )?;
        if !set.is_empty() {
            map.insert(target, set);
        }
    }
    Ok(map)
}

/// The `with_*` builders of both record kinds.
macro_rules! access_builders {
    ($record:ty) => {
        impl $record {
            /// Manages the group's members: exactly these users (an empty list: none). Users
            /// are never created; an unknown one is a plan error.
            pub fn with_members<I, S>(mut self, users: I) -> Result<Self, RecordError>
            where
                I: IntoIterator<Item = S>,
                S: Into<String>,
            {
                self.access.members = Some(members_of(&self.group.id, users)?);
                Ok(self)
            }

            /// Manages the group's direct workspace permissions: exactly these (a workspace not
            /// listed loses the group's direct access).
            pub fn with_workspaces<I, S>(mut self, workspaces: I) -> Result<Self, RecordError>
            where
                I: IntoIterator<Item = (S, WorkspacePermissions)>,
                S: Into<String>,
            {
                self.access.workspaces = Some(workspaces_of(&self.group.id, workspaces)?);
                Ok(self)
            }

            /// Manages the group's direct data-source permissions: exactly these.
            pub fn with_data_sources<I, S, P>(
                mut self,
                data_sources: I,
            ) -> Result<Self, RecordError>
            where
                I: IntoIterator<Item = (S, P)>,
                S: Into<String>,
                P: IntoIterator<Item = DataSourcePermission>,
            {
                self.access.data_sources = Some(data_sources_of(&self.group.id, data_sources)?);
                Ok(self)
            }

            /// Manages the group's organization permissions: exactly these (none: an empty list).
            #[must_use]
            pub fn with_organization(
                mut self,
                permissions: impl IntoIterator<Item = OrganizationPermission>,
            ) -> Self {
                self.access.organization = Some(permissions.into_iter().collect());
                self
            }

            /// What the record manages besides the name and parents.
            pub fn access(&self) -> &RecordAccess {
                &self.access
            }
        }
    };
}

access_builders!(GroupRecord);
access_builders!(IncrementalRecord);

impl RawRecord {
    /// The facets the record sets, checked.
    fn access(&mut self) -> Result<RecordAccess, RecordError> {
        let id = self.id.clone();
        let mut access = RecordAccess::default();
        if let Some(users) = self.members.take() {
            access.members = Some(members_of(&id, users)?);
        }
        if let Some(workspaces) = self.workspaces.take() {
            let mut typed = Vec::new();
            for (target, raw) in workspaces {
                let key = format!("workspaces.{target}");
                let show = ToString::to_string;
                let set = match raw {
                    RawWorkspace::Only(p) => WorkspacePermissions {
                        permissions: unique(&id, &key, p, show)?,
                        hierarchy: BTreeSet::new(),
                    },
                    RawWorkspace::Both {
                        permissions,
                        hierarchy,
                    } => WorkspacePermissions {
                        permissions: unique(&id, &key, permissions, show)?,
                        hierarchy: unique(&id, &key, hierarchy, show)?,
                    },
                };
                typed.push((target, set));
            }
            access.workspaces = Some(workspaces_of(&id, typed)?);
        }
        if let Some(data_sources) = self.data_sources.take() {
            access.data_sources = Some(data_sources_of(&id, data_sources)?);
        }
        if let Some(organization) = self.organization.take() {
            access.organization = Some(unique(
                &id,
                "organization",
                organization,
                ToString::to_string,
            )?);
        }
        Ok(access)
    }
}

fn yes() -> bool {
    true
}

fn check_record(id: &str, name: Option<&str>, parents: &[&str]) -> Result<Group, RecordError> {
    if !is_valid_id(id) {
        return Err(RecordError::Id(id.to_string()));
    }
    if let Some(name) = name
        && name.chars().count() > MAX_NAME_CHARS
    {
        return Err(RecordError::NameTooLong {
            id: id.to_string(),
            chars: name.chars().count(),
        });
    }
    let mut seen = BTreeSet::new();
    for &parent in parents {
        if !is_valid_id(parent) {
            return Err(RecordError::ParentId {
                id: id.to_string(),
                parent: parent.to_string(),
            });
        }
        if parent == id {
            return Err(RecordError::SelfParent(id.to_string()));
        }
        if !seen.insert(parent) {
            return Err(RecordError::DuplicateParent {
                id: id.to_string(),
                parent: parent.to_string(),
            });
        }
    }
    let mut group = Group::new(id).with_parents(parents.iter().copied());
    group.name = name.map(str::to_string);
    Ok(group)
}

impl GroupRecord {
    /// A checked record: the id rule, the name length, parents unique and not the group itself.
    ///
    /// ```
    /// use gdgroups::provision::{GroupRecord, RecordError};
    ///
    /// let record = GroupRecord::new("marketing", Some("Marketing"), &["analysts"]).unwrap();
    /// assert_eq!(record.group().parents.len(), 1);
    /// assert_eq!(GroupRecord::new("a b", None, &[]), Err(RecordError::Id("a b".into())));
    /// ```
    pub fn new(id: &str, name: Option<&str>, parents: &[&str]) -> Result<Self, RecordError> {
        check_record(id, name, parents).map(|group| Self {
            group,
            access: RecordAccess::default(),
        })
    }

    /// The group it describes.
    pub fn group(&self) -> &Group {
        &self.group
    }
}

impl IncrementalRecord {
    /// A checked record; `active == false` asks for a delete.
    ///
    /// ```
    /// use gdgroups::provision::IncrementalRecord;
    ///
    /// // The field names of gooddata-pipelines are accepted when deserializing.
    /// let record: IncrementalRecord =
    ///     serde_json::from_str(r#"{"user_group_id": "legacy", "is_active": false}"#).unwrap();
    /// assert!(!record.is_active());
    /// assert_eq!(record, IncrementalRecord::new("legacy", None, &[], false).unwrap());
    /// ```
    pub fn new(
        id: &str,
        name: Option<&str>,
        parents: &[&str],
        active: bool,
    ) -> Result<Self, RecordError> {
        check_record(id, name, parents).map(|group| Self {
            group,
            active,
            access: RecordAccess::default(),
        })
    }

    /// The group it describes.
    pub fn group(&self) -> &Group {
        &self.group
    }

    /// Whether the group should exist.
    pub fn is_active(&self) -> bool {
        self.active
    }
}

impl TryFrom<RawRecord> for GroupRecord {
    type Error = RecordError;
    fn try_from(mut raw: RawRecord) -> Result<Self, RecordError> {
        let parents: Vec<&str> = raw.parents.iter().map(String::as_str).collect();
        let mut record = Self::new(&raw.id, raw.name.as_deref(), &parents)?;
        record.access = raw.access()?;
        Ok(record)
    }
}

impl TryFrom<RawRecord> for IncrementalRecord {
    type Error = RecordError;
    fn try_from(mut raw: RawRecord) -> Result<Self, RecordError> {
        let parents: Vec<&str> = raw.parents.iter().map(String::as_str).collect();
        let mut record = Self::new(&raw.id, raw.name.as_deref(), &parents, raw.active)?;
        record.access = raw.access()?;
        Ok(record)
    }
}

/// Provisions user groups of one organization.
#[derive(Debug, Clone)]
pub struct Provisioner {
    client: Client,
    parallelism: usize,
    thresholds: Option<Thresholds>,
    protected: Vec<String>,
    bootstrap_group: Option<String>,
}

impl Provisioner {
    /// A provisioner for `host` with `token`, with the CLI's defaults (30 s timeout, retries,
    /// parallelism 8). Plain `http://` is accepted only for loopback hosts.
    pub fn new(host: &str, token: &str) -> Result<Self, Error> {
        Self::with_config(&ClientConfig::new(host, Token::new(token)))
    }

    /// A provisioner from the same settings the CLI reads: `GDGROUPS_HOST`/`GOODDATA_HOST`,
    /// `GDGROUPS_TOKEN`/`GOODDATA_TOKEN`, and the default profile of `~/.gooddata/profiles.yaml`.
    pub fn from_env() -> Result<Self, Error> {
        let ctx = crate::context::Context::from_process();
        Self::with_config(&crate::connection::resolve(
            &crate::connection::Settings::default(),
            &ctx,
        )?)
    }

    /// A provisioner from a full client configuration (custom CA, headers, timeout). The host
    /// rules are the CLI's: plain `http://` only to loopback unless `allow_http`.
    pub fn with_config(config: &ClientConfig) -> Result<Self, Error> {
        Ok(Self {
            client: Client::new(config).map_err(Error::Config)?,
            parallelism: usize::from(crate::gooddata::DEFAULT_PARALLELISM),
            thresholds: None,
            protected: Vec::new(),
            bootstrap_group: None,
        })
    }

    /// At most `n` requests in flight (default 8).
    #[must_use]
    pub fn parallelism(mut self, n: usize) -> Self {
        self.parallelism = n.max(1);
        self
    }

    /// Delete thresholds (default: at most 30 % of the managed groups, from 10 groups on).
    #[must_use]
    pub fn thresholds(mut self, thresholds: Thresholds) -> Self {
        self.thresholds = Some(thresholds);
        self
    }

    /// The organization's bootstrap group, for a server that does not show it (the organization
    /// entity answers 403, 404 or 405). It is protected; without it (or a live group under
    /// [`Provisioner::protect`]) such a server's plans hold their deletes and are refused.
    #[must_use]
    pub fn bootstrap_group(mut self, id: impl Into<String>) -> Self {
        self.bootstrap_group = Some(id.into());
        self
    }

    /// Groups never changed or deleted, besides the bootstrap group.
    #[must_use]
    pub fn protect<I: IntoIterator<Item = S>, S: Into<String>>(mut self, ids: I) -> Self {
        self.protected.extend(ids.into_iter().map(Into::into));
        self
    }

    /// Reads the live groups and computes the plan for `desired` (no changes are made).
    ///
    /// ```
    /// # use gdgroups_sandbox::{Sandbox, SandboxConfig};
    /// use gdgroups::provision::Provisioner;
    ///
    /// # async fn demo(host: &str) -> Result<(), gdgroups::error::Error> {
    /// let provisioner = Provisioner::new(host, "sandbox")?;
    /// let desired = gdgroups::desired::parse("groups.yaml", "groups:\n  - id: analysts\n", Default::default())?;
    /// let plan = provisioner.plan(&desired).await?;
    /// print!("{}", gdgroups::render::human::render(&plan, false, Some("groups.yaml")));
    /// let report = provisioner.apply(&plan).await?; // after a review, for example
    /// assert!(report.is_complete());
    /// # Ok(())
    /// # }
    /// # let sandbox = Sandbox::spawn(SandboxConfig::default()).unwrap();
    /// # tokio::runtime::Runtime::new().unwrap().block_on(demo(&sandbox.url())).unwrap();
    /// ```
    pub async fn plan(&self, desired: &Desired) -> Result<Plan, Error> {
        Ok(self.plan_with_live(desired).await?.0)
    }

    /// Carries out a plan: re-reads the live groups, refuses a stale plan or one that breaks the
    /// delete thresholds, then applies it in dependency order. Failures are in the report.
    pub async fn apply(&self, plan: &Plan) -> Result<Report, Error> {
        self.check_thresholds(plan)?;
        let live = crate::provision::read::for_saved(&self.client, plan).await?;
        if let Some(moved) = moved_since(plan, &live) {
            return Err(Error::Refused(format!(
                "the plan is stale: the live groups changed since it was made ({})",
                moved.describe()
            )));
        }
        safety::lock_out(plan, &live).map_err(Error::Refused)?;
        Ok(self.execute(plan, &live).await)
    }

    /// Plans and applies in one go: the live groups are read once, for both.
    async fn load(&self, desired: &Desired) -> Result<Report, Error> {
        let (plan, live) = self.plan_with_live(desired).await?;
        safety::lock_out(&plan, &live).map_err(Error::Refused)?;
        self.check_thresholds(&plan)?;
        Ok(self.execute(&plan, &live).await)
    }

    /// The plan and the live groups it was computed against.
    async fn plan_with_live(&self, desired: &Desired) -> Result<(Plan, Live), Error> {
        let options = PlanOptions {
            host: self.client.host().to_string(),
            no_delete: false,
            bootstrap_group: self.bootstrap_group.clone(),
        };
        let (live, plan) = crate::provision::read::plan(&self.client, desired, &options).await?;
        Ok((plan, live))
    }

    fn check_thresholds(&self, plan: &Plan) -> Result<(), Error> {
        let thresholds = self
            .thresholds
            .clone()
            .unwrap_or_else(|| Thresholds::new(plan.source.safety, None, None, &[]));
        safety::check(plan, &thresholds).map_err(Error::Refused)
    }

    async fn execute(&self, plan: &Plan, live: &Live) -> Report {
        apply::run(
            plan,
            live,
            &self.client,
            self.parallelism,
            &Silent,
            &Cancel::default(),
        )
        .await
    }

    /// Makes the organization's groups exactly `groups` (protected and bootstrap groups aside):
    /// creates, updates, and deletes what is not listed — within the delete thresholds.
    pub async fn full_load(
        &self,
        groups: impl IntoIterator<Item = GroupRecord>,
    ) -> Result<Report, Error> {
        let desired = self.desired(
            groups.into_iter().map(|r| (r.group, true, r.access)),
            Mode::Full,
        )?;
        self.load(&desired).await
    }

    /// Creates or updates the active records and deletes the inactive ones; nothing else is touched.
    pub async fn incremental_load(
        &self,
        groups: impl IntoIterator<Item = IncrementalRecord>,
    ) -> Result<Report, Error> {
        let desired = self.desired(
            groups.into_iter().map(|r| (r.group, r.active, r.access)),
            Mode::Incremental,
        )?;
        self.load(&desired).await
    }

    fn desired(
        &self,
        groups: impl Iterator<Item = (Group, bool, RecordAccess)>,
        mode: Mode,
    ) -> Result<Desired, Error> {
        let groups: Vec<(Group, bool, RecordAccess)> = groups.collect();
        if mode == Mode::Full && groups.is_empty() {
            return Err(Error::Refused(
                "a full load of no groups would delete every group that is not protected; refusing"
                    .into(),
            ));
        }
        desired::from_records(groups, mode, &self.protected).map_err(Error::Input)
    }
}

/// No progress output: a program reads the report or subscribes to `tracing`.
struct Silent;

impl Progress for Silent {
    fn finished(&self, _: &ChangeReport) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_validate_on_construction() {
        assert!(GroupRecord::new("ok", Some("Fine"), &["p"]).is_ok());
        assert_eq!(
            GroupRecord::new(".bad", None, &[]),
            Err(RecordError::Id(".bad".into()))
        );
        assert_eq!(
            GroupRecord::new("a", None, &["a"]),
            Err(RecordError::SelfParent("a".into()))
        );
        assert_eq!(
            GroupRecord::new("a", None, &["p", "p"]),
            Err(RecordError::DuplicateParent {
                id: "a".into(),
                parent: "p".into()
            })
        );
        let long = "x".repeat(256);
        assert!(matches!(
            GroupRecord::new("a", Some(&long), &[]),
            Err(RecordError::NameTooLong { chars: 256, .. })
        ));
    }

    #[test]
    fn records_read_gooddata_pipelines_field_names() {
        let r: IncrementalRecord = serde_json::from_str(
            r#"{"user_group_id":"a","user_group_name":"A","parent_user_groups":["p"],"is_active":false}"#,
        )
        .expect("record");
        assert_eq!(
            r.group(),
            &Group::new("a").with_name("A").with_parents(["p"])
        );
        assert!(!r.is_active());
        let r: GroupRecord = serde_json::from_str(r#"{"id":"b"}"#).expect("record");
        assert_eq!(r.group(), &Group::new("b"));
        let e = serde_json::from_str::<GroupRecord>(r#"{"id":"b b"}"#).unwrap_err();
        assert!(e.to_string().contains("invalid id `b b`"), "{e}");
        assert!(serde_json::from_str::<GroupRecord>(r#"{"id":"b","parent":["x"]}"#).is_err());
    }

    #[test]
    fn records_carry_members_and_permissions_from_builders_and_both_field_names() {
        use crate::access::{
            DataSourcePermission as D, OrganizationPermission as O, WorkspacePermission as W,
        };
        let built = GroupRecord::new("analysts", None, &[])
            .and_then(|r| r.with_members(["bob", "alice"]))
            .and_then(|r| {
                r.with_workspaces([
                    ("sales", WorkspacePermissions::only([W::View])),
                    ("empty", WorkspacePermissions::default()),
                ])
            })
            .and_then(|r| r.with_data_sources([("warehouse", [D::Use])]))
            .map(|r| r.with_organization([O::SelfCreateToken]))
            .expect("valid");
        let ours: GroupRecord = serde_json::from_str(
            r#"{"id":"analysts","members":["bob","alice"],
                "workspaces":{"sales":["VIEW"],"empty":[]},
                "data_sources":{"warehouse":["USE"]},"organization":["SELF_CREATE_TOKEN"]}"#,
        )
        .expect("record");
        assert_eq!(ours, built);
        assert_eq!(
            built.access().workspaces.as_ref().map(BTreeMap::len),
            Some(1),
            "a workspace without permissions is no entry"
        );
        let pipelines: GroupRecord = serde_json::from_str(
            r#"{"user_group_id":"analysts","user_ids":["alice","bob"],
                "workspace_permissions":{"sales":{"permissions":["VIEW"]}},
                "data_source_permissions":{"warehouse":["USE"]},
                "organization_permissions":["SELF_CREATE_TOKEN"]}"#,
        )
        .expect("record");
        assert_eq!(pipelines, built);
        let hierarchy: IncrementalRecord = serde_json::from_str(
            r#"{"id":"a","workspaces":{"finance":{"permissions":["ANALYZE"],"hierarchyPermissions":["VIEW"]}}}"#,
        )
        .expect("record");
        assert_eq!(
            hierarchy
                .access()
                .workspaces
                .as_ref()
                .map(|w| w["finance"].clone()),
            Some(WorkspacePermissions {
                permissions: [W::Analyze].into(),
                hierarchy: [W::View].into(),
            })
        );
        // Absent: not managed. Present but null: refused, as in a file.
        let plain: GroupRecord = serde_json::from_str(r#"{"id":"a"}"#).expect("record");
        assert!(plain.access().is_empty());
        assert!(serde_json::from_str::<GroupRecord>(r#"{"id":"a","members":null}"#).is_err());
        assert!(serde_json::from_str::<GroupRecord>(r#"{"id":"a","workspaces":null}"#).is_err());
        // Empty: none.
        let none: GroupRecord = serde_json::from_str(r#"{"id":"a","members":[]}"#).expect("record");
        assert_eq!(none.access().members, Some(BTreeSet::new()));
    }

    #[test]
    fn record_facets_refuse_bad_ids_repeats_and_unknown_names() {
        assert_eq!(
            GroupRecord::new("a", None, &[]).and_then(|r| r.with_members(["ok", "b b"])),
            Err(RecordError::ItemId {
                id: "a".into(),
                key: "members",
                item: "b b".into()
            })
        );
        assert_eq!(
            GroupRecord::new("a", None, &[]).and_then(|r| r.with_members(["x", "x"])),
            Err(RecordError::DuplicateItem {
                id: "a".into(),
                key: "members".into(),
                item: "x".into()
            })
        );
        let e =
            serde_json::from_str::<GroupRecord>(r#"{"id":"a","workspaces":{"s":["VIEW","VIEW"]}}"#)
                .unwrap_err();
        assert!(
            e.to_string()
                .contains("lists `VIEW` twice in `workspaces.s`"),
            "{e}"
        );
        let e = serde_json::from_str::<GroupRecord>(r#"{"id":"a","workspaces":{"s":[],"s":[]}}"#)
            .unwrap_err();
        assert!(
            e.to_string().contains("lists `s` twice in `workspaces`"),
            "{e}"
        );
        assert!(
            serde_json::from_str::<GroupRecord>(r#"{"id":"a","organization":["VIEW"]}"#).is_err()
        );
    }

    #[test]
    fn record_facets_reach_the_desired_state() {
        let record = GroupRecord::new("a", None, &[])
            .and_then(|r| r.with_members(["u1"]))
            .expect("valid");
        let provisioner = Provisioner::new("http://127.0.0.1:1", "t").expect("provisioner");
        let desired = provisioner
            .desired(
                std::iter::once((record.group, true, record.access)),
                Mode::Full,
            )
            .expect("desired");
        assert_eq!(
            desired.groups[0]
                .access()
                .members
                .as_ref()
                .map(|m| &m.value),
            Some(&BTreeSet::from(["u1".to_string()]))
        );
        assert_eq!(
            desired.managed_facets(),
            crate::access::Facets::NONE.with(crate::access::Facet::Members)
        );
        // A deleted record cannot manage facets: the delete drops them.
        let gone = IncrementalRecord::new("g", None, &[], false)
            .and_then(|r| r.with_members(["u1"]))
            .expect("valid record");
        assert!(
            provisioner
                .desired(
                    std::iter::once((gone.group, false, gone.access)),
                    Mode::Incremental
                )
                .is_err()
        );
    }
}
