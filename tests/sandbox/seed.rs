//! The example files seed the sandbox: the quickstart's seed, and a groups file as a team keeps
//! it in git.

use std::path::Path;

use gdgroups_sandbox::load_seed;

#[test]
fn the_example_files_seed() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let seed = load_seed(&examples.join("seed.yaml")).expect("examples/seed.yaml");
    assert!(seed.groups.iter().any(|s| !s.members.is_empty()));
    assert!(seed.groups.iter().any(|s| !s.access.is_empty()));
    assert!(!seed.users.is_empty() && !seed.workspaces.is_empty() && !seed.data_sources.is_empty());
    load_seed(&examples.join("groups.yaml")).expect("examples/groups.yaml");
}
