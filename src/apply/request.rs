//! One request of an apply ([`Request`]) and its place in the step graph ([`Step`]): what
//! [`super::steps()`] and [`super::grants`] build and [`super::run`] sends.

use std::collections::{BTreeMap, BTreeSet};

use crate::access::{OrganizationPermission, PermissionGrant};
use crate::group::Group;

/// One request of an apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The operation the step is part of, which the report lists once: for a group's create,
    /// update or delete, the index of its plan change (a split update's two `PUT`s share it);
    /// for member and permission requests, an index after every change's.
    pub op: usize,
    /// What is sent.
    pub request: Request,
    /// Steps that must succeed first.
    pub deps: BTreeSet<usize>,
    /// For a request on several groups (a batched permission change): the create steps of those
    /// of its groups being created, each with its group. The step waits for them, and when one
    /// does not succeed, that group is left out of the request (and reported as skipped) rather
    /// than the request skipped for every group.
    pub creates: BTreeMap<usize, String>,
}

/// The request a step sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// `POST` the group.
    Create(Group),
    /// `PUT` the group (for a split update, first with only the kept parents).
    Update(Group),
    /// `DELETE` the group.
    Delete(String),
    /// `addMembers`: these users join the group.
    AddMembers {
        /// The group.
        group: String,
        /// The users.
        users: BTreeSet<String>,
    },
    /// `removeMembers`: these users leave the group.
    RemoveMembers {
        /// The group.
        group: String,
        /// The users.
        users: BTreeSet<String>,
    },
    /// `assignPermissions`: the whole new sets, for every group of the grant.
    Assign(PermissionGrant),
    /// `revokePermissions`: all access to the listed workspaces and data sources taken away.
    Revoke(PermissionGrant),
    /// `organization/managePermissions`: each group's whole new organization permissions (an
    /// empty set removes them).
    Organization(BTreeMap<String, BTreeSet<OrganizationPermission>>),
}

impl Request {
    /// Whether the request destroys something that cannot be put back. Such steps start only
    /// once every other step has settled (see [`super::run`]).
    pub fn is_destructive(&self) -> bool {
        matches!(self, Request::Delete(_))
    }

    /// The groups the request is for.
    pub fn groups(&self) -> Vec<&str> {
        match self {
            Request::Create(g) | Request::Update(g) => vec![g.id.as_str()],
            Request::Delete(id)
            | Request::AddMembers { group: id, .. }
            | Request::RemoveMembers { group: id, .. } => vec![id.as_str()],
            Request::Assign(grant) | Request::Revoke(grant) => {
                grant.groups.iter().map(String::as_str).collect()
            }
            Request::Organization(groups) => groups.keys().map(String::as_str).collect(),
        }
    }

    /// The same request without `group` (for a request on several groups).
    #[must_use]
    pub fn without(&self, group: &str) -> Self {
        let mut request = self.clone();
        match &mut request {
            Request::Assign(grant) | Request::Revoke(grant) => {
                grant.groups.remove(group);
            }
            Request::Organization(groups) => {
                groups.remove(group);
            }
            _ => {}
        }
        request
    }

    /// The same request for `group` alone (for a request on several groups).
    #[must_use]
    pub fn only(&self, group: &str) -> Self {
        let mut request = self.clone();
        match &mut request {
            Request::Assign(grant) | Request::Revoke(grant) => {
                grant.groups.retain(|g| g == group);
            }
            Request::Organization(groups) => {
                groups.retain(|g, _| g == group);
            }
            _ => {}
        }
        request
    }
}

/// Adds a step without dependencies (pass 2 fills them in) and returns its index.
pub(super) fn push(steps: &mut Vec<Step>, op: usize, request: Request) -> usize {
    steps.push(Step {
        op,
        request,
        deps: BTreeSet::new(),
        creates: BTreeMap::new(),
    });
    steps.len() - 1
}
