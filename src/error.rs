//! The errors a command ends with, and the exit code each kind means (spec §6).

use crate::diagnostic::Diagnostics;
use crate::gooddata::ApiError;

/// How a command ended when it did not simply succeed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad flags (exit 64).
    #[error("{0}")]
    Usage(String),
    /// The desired-state file has problems (exit 1).
    #[error("{}", .0.render().trim_end())]
    Input(#[from] Diagnostics),
    /// Missing or invalid settings: host, token, certificate (exit 1).
    #[error("{0}")]
    Config(String),
    /// The server refused or could not be reached before anything changed (exit 1).
    #[error("{0}")]
    Api(#[from] ApiError),
    /// A record built in code is invalid on its own (exit 1).
    #[error("{0}")]
    Record(#[from] RecordError),
    /// A file could not be read or written (exit 1).
    #[error("{0}")]
    Io(String),
    /// A safety rule refused the run (exit 4).
    #[error("{0}")]
    Refused(String),
}

impl From<crate::plan::document::PlanFileError> for Error {
    /// An edited plan is refused like a stale one (exit 4): it is not what was reviewed.
    fn from(error: crate::plan::document::PlanFileError) -> Self {
        use crate::plan::document::PlanFileError;
        match error {
            PlanFileError::Edited(message) => Error::Refused(message),
            PlanFileError::Unreadable(message) => Error::Io(message),
        }
    }
}

impl Error {
    /// The error as the command line reports it: `error: ` and the message, the label in colour
    /// when `color` is set. Problems of the groups file carry one label each, since there may be
    /// several; no other message has a label of its own.
    pub fn report(&self, color: bool) -> String {
        match self {
            Error::Input(diagnostics) => diagnostics.render_styled(color).trim_end().to_string(),
            other => format!("{} {other}", crate::diagnostic::error_label(color)),
        }
    }

    /// The process exit code of this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) => 64,
            Error::Refused(_) => 4,
            Error::Input(_)
            | Error::Record(_)
            | Error::Config(_)
            | Error::Api(_)
            | Error::Io(_) => 1,
        }
    }
}

/// How a command ended when it did not fail outright.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Success (0).
    Success,
    /// `plan --detailed-exitcode` found changes (2).
    Changes,
    /// `apply` partly failed (3).
    Partial,
    /// Interrupted by a signal (130).
    Interrupted,
}

impl Exit {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::Changes => 2,
            Exit::Partial => 3,
            Exit::Interrupted => 130,
        }
    }
}

/// Why a record is invalid on its own.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// The id breaks the API's rule.
    #[error("invalid id `{0}`: use 1–255 characters of A-Z a-z 0-9 . _ -, not starting with a dot")]
    Id(String),
    /// The name is longer than 255 characters.
    #[error("the name of `{id}` has {chars} characters; at most 255 are allowed")]
    NameTooLong {
        /// The group.
        id: String,
        /// Its name's length.
        chars: usize,
    },
    /// A parent id breaks the API's rule.
    #[error("`{id}` has an invalid parent id `{parent}`")]
    ParentId {
        /// The group.
        id: String,
        /// The parent.
        parent: String,
    },
    /// The same parent twice.
    #[error("`{id}` lists parent `{parent}` twice")]
    DuplicateParent {
        /// The group.
        id: String,
        /// The parent.
        parent: String,
    },
    /// The group is its own parent.
    #[error("`{0}` lists itself as a parent")]
    SelfParent(String),
    /// A user, workspace or data source id breaks the API's rule.
    #[error("`{id}` has an invalid id `{item}` in `{key}`")]
    ItemId {
        /// The group.
        id: String,
        /// `members`, `workspaces` or `data_sources`.
        key: &'static str,
        /// The id.
        item: String,
    },
    /// The same user, workspace, data source or permission twice.
    #[error("`{id}` lists `{item}` twice in `{key}`")]
    DuplicateItem {
        /// The group.
        id: String,
        /// `members`, `workspaces`, `data_sources`, `organization`, or `workspaces.ID`.
        key: String,
        /// What is repeated.
        item: String,
    },
}
