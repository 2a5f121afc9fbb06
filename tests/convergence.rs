//! Property: for random live and desired organizations, with random faults, repeated full loads
//! converge on the desired state and never touch the bootstrap group.

use std::collections::BTreeSet;

use gdgroups::gooddata::{ClientConfig, Token};
use gdgroups::group::Group;
use gdgroups::plan::safety::Thresholds;
use gdgroups::provision::{GroupRecord, Provisioner};
use gdgroups_sandbox::{Faults, Sandbox, SandboxConfig};
use proptest::prelude::*;

use crate::common::{TOKEN, seed};

/// A random forest over ids `g0..g11`: each group's parents come from groups earlier in a random
/// order, so there is never a cycle, but parents differ between two draws.
fn organization(min: usize) -> impl Strategy<Value = Vec<Group>> {
    (
        proptest::collection::btree_set(0..12usize, min..10),
        Just(()).prop_perturb(|(), mut rng| rng.random::<u64>()),
    )
        .prop_map(|(ids, salt)| {
            let ids: Vec<usize> = ids.into_iter().collect();
            let mut groups = Vec::new();
            for (i, id) in ids.iter().enumerate() {
                let mut g = Group::new(format!("g{id}"));
                if (salt >> (i % 64)) & 1 == 1 {
                    g = g.with_name(format!("Name {} {}", id, salt % 7));
                }
                let parents: BTreeSet<String> = ids[..i]
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| {
                        salt.rotate_left(u32::try_from(i * 7 + j).unwrap_or(0))
                            .trailing_zeros()
                            >= 2
                    })
                    .map(|(_, p)| format!("g{p}"))
                    .collect();
                g.parents = parents;
                groups.push(g);
            }
            groups
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn repeated_full_loads_converge(live in organization(0), want in organization(1), fail in 0.0..0.3f64, drop in 0.0..0.2f64, rng in any::<u64>()) {
        let faults = Faults { fail_rate: fail, drop_rate: drop, rng_seed: Some(rng), ..Faults::default() };
        let sandbox = Sandbox::spawn(SandboxConfig { token: TOKEN.into(), seed: seed(&live), faults, ..SandboxConfig::default() }).expect("sandbox");
        let provisioner = Provisioner::with_config(&ClientConfig::new(sandbox.url(), Token::new(TOKEN)))
            .expect("provisioner")
            .thresholds(Thresholds { max_delete_percent: 100.0, ..Thresholds::default() });
        let records = || {
            want.iter()
                .map(|g| {
                    let parents: Vec<&str> = g.parents.iter().map(String::as_str).collect();
                    GroupRecord::new(&g.id, g.name.as_deref(), &parents).expect("record")
                })
                .collect::<Vec<_>>()
        };
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let mut converged = false;
        for _ in 0..4 {
            // An attempt may fail outright (the listing itself hit every retry) or partly.
            if let Ok(report) = runtime.block_on(provisioner.full_load(records())) && report.is_complete() {
                converged = true;
                break;
            }
        }
        prop_assert!(converged, "no convergence in 4 runs");
        let mut expected = want.clone();
        expected.push(Group::new("adminGroup"));
        expected.sort_by(|a, b| a.id.cmp(&b.id));
        prop_assert_eq!(crate::common::live_groups(&sandbox), expected);
    }
}
