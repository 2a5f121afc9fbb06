//! The sandbox crate checked against what lives in this repository: the GoodData recordings it
//! must replay (`conformance`), the OpenAPI subsets its conformance table must cover and the
//! answers the table promises (`openapi`), gdgroups' client over its HTTPS with the test
//! certificates (`tls`), and the example seed files (`seed`).

mod client;
mod conformance;
mod openapi;
mod seed;
mod tls;

use std::net::{Ipv4Addr, SocketAddr};

use gdgroups_sandbox::{Group, Sandbox, SandboxConfig, Seed, SeedGroup};

/// The groups the recordings start from.
pub fn recorded_seed() -> Seed {
    Seed::from(vec![
        SeedGroup::new(Group::new("adminGroup")),
        SeedGroup::new(Group::new("adminQA1Group").with_parents(["adminGroup"])),
        SeedGroup::new(Group::new("demoGroup").with_name("demo group")),
        SeedGroup::new(
            Group::new("visitorsGroup")
                .with_name("visitors")
                .with_parents(["demoGroup"]),
        ),
    ])
}

/// A sandbox on a free port of the test's own runtime.
pub async fn start(config: SandboxConfig) -> Sandbox {
    Sandbox::start(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), config)
        .await
        .expect("sandbox starts")
}
