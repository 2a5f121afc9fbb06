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

use std::collections::BTreeSet;

use serde::Deserialize;

use crate::apply::{self, Cancel, ChangeReport, Progress, Report};
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
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "RawRecord")]
pub struct GroupRecord {
    group: Group,
}

/// A group for an incremental load: create or update it, or (`active == false`) delete it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "RawRecord")]
pub struct IncrementalRecord {
    group: Group,
    active: bool,
}

/// The field names of both gdgroups and `gooddata-pipelines`.
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
        check_record(id, name, parents).map(|group| Self { group })
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
        check_record(id, name, parents).map(|group| Self { group, active })
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
    fn try_from(raw: RawRecord) -> Result<Self, RecordError> {
        let parents: Vec<&str> = raw.parents.iter().map(String::as_str).collect();
        Self::new(&raw.id, raw.name.as_deref(), &parents)
    }
}

impl TryFrom<RawRecord> for IncrementalRecord {
    type Error = RecordError;
    fn try_from(raw: RawRecord) -> Result<Self, RecordError> {
        let parents: Vec<&str> = raw.parents.iter().map(String::as_str).collect();
        Self::new(&raw.id, raw.name.as_deref(), &parents, raw.active)
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
        if let Some(why) = crate::plan::unsupported_by_apply(plan) {
            return Err(Error::Refused(why));
        }
        Ok(self.execute(plan, &live).await)
    }

    /// Plans and applies in one go: the live groups are read once, for both.
    async fn load(&self, desired: &Desired) -> Result<Report, Error> {
        let (plan, live) = self.plan_with_live(desired).await?;
        safety::lock_out(&plan, &live).map_err(Error::Refused)?;
        if let Some(why) = crate::plan::unsupported_by_apply(&plan) {
            return Err(Error::Refused(why));
        }
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
        let desired = self.desired(groups.into_iter().map(|r| (r.group, true)), Mode::Full)?;
        self.load(&desired).await
    }

    /// Creates or updates the active records and deletes the inactive ones; nothing else is touched.
    pub async fn incremental_load(
        &self,
        groups: impl IntoIterator<Item = IncrementalRecord>,
    ) -> Result<Report, Error> {
        let desired = self.desired(
            groups.into_iter().map(|r| (r.group, r.active)),
            Mode::Incremental,
        )?;
        self.load(&desired).await
    }

    fn desired(
        &self,
        groups: impl Iterator<Item = (Group, bool)>,
        mode: Mode,
    ) -> Result<Desired, Error> {
        let groups: Vec<(Group, bool)> = groups.collect();
        if mode == Mode::Full && groups.is_empty() {
            return Err(Error::Refused(
                "a full load of no groups would delete every group that is not protected; refusing"
                    .into(),
            ));
        }
        desired::from_groups(groups, mode, &self.protected).map_err(Error::Input)
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
}
