//! The GoodData API as gdgroups uses it (spec §7, §11): the client, its errors, the JSON:API
//! shapes of user groups, and the reads and writes of members and permissions.

mod access;
mod access_model;
mod client;
mod error;
#[cfg(test)]
mod fake;
mod model;
mod paging;
pub mod profile;

pub use access::AccessQuery;
pub(crate) use client::check_host;
pub use client::{Client, ClientConfig, DEFAULT_PARALLELISM, READS_PER_WRITE};
pub use error::ApiError;

use std::fmt;

/// An API token. It never appears in `Debug` or `Display` output, so it cannot leak through logs
/// or error messages by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// Wraps a token.
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    /// The secret itself, for the `Authorization` header only.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(***)")
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}
