//! A local, in-memory GoodData user-group API (spec §9).
//!
//! Placeholder: the sandbox is being written; see the issue.
