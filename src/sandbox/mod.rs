//! A local, in-memory GoodData user-group API (spec §9). Interface placeholder until the
//! implementation lands.

use std::net::SocketAddr;
use std::path::Path;

use crate::group::Group;

/// A seeded group.
#[derive(Debug, Clone, Default)]
pub struct SeedGroup {
    /// The group.
    pub group: Option<Group>,
}

/// Sandbox settings.
#[derive(Debug, Clone, Default)]
pub struct SandboxConfig {
    /// Token.
    pub token: String,
    /// Page cap.
    pub max_page_size: Option<usize>,
    /// Seed.
    pub seed: Vec<SeedGroup>,
}

/// Placeholder.
pub struct Sandbox;

impl Sandbox {
    /// Placeholder.
    pub async fn start(_: SocketAddr, _: SandboxConfig) -> std::io::Result<Sandbox> {
        Err(std::io::Error::other("not yet"))
    }
    /// Placeholder.
    pub fn url(&self) -> String {
        String::new()
    }
    /// Placeholder.
    pub async fn wait(self) {}
}

/// Placeholder.
pub fn load_seed(_: &Path) -> Result<Vec<SeedGroup>, std::io::Error> {
    Err(std::io::Error::other("not yet"))
}
