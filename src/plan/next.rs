//! The next step of a plan: what `apply` will need to carry it out. Computed once, here, from
//! the plan, the safety rules in force and the lock-out guard's verdict; the human and Markdown
//! renderings say it in words, and the JSON plan (a saved plan too) carries it as data, so a
//! reviewer, a policy check and a CI step read the same answer.

use serde::{Deserialize, Serialize};

use super::safety::{self, Flag, Rule, Thresholds};
use super::{LockOut, Plan};

/// What `apply` will need to carry a plan out.
///
/// Approvals given to `plan` (`--allow-delete`, `--max-deletes`, …) are not recorded in a saved
/// plan: `apply plan.json` checks the file's thresholds again with its own flags. So the flags
/// here are those a bare `apply` needs on top of the file's `safety:` rules, whatever flags the
/// plan itself was made with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum NextStep {
    /// The live groups already match (deletes held by `--no-delete` aside): apply changes nothing.
    NothingToApply,
    /// Apply carries the plan out as it is, with no flag.
    ApplyReady,
    /// Apply carries the plan out only with these flags: without them, the file's thresholds
    /// (`rules`) refuse it.
    ApplyNeedsFlags {
        /// The flags, each approving exactly what goes over a threshold (`--allow-delete ID`),
        /// or raising the limit when many groups go over it.
        flags: Vec<Flag>,
        /// The thresholds the plan goes over without them.
        rules: Vec<Rule>,
    },
    /// A rule refuses the plan: the lock-out guard (no flag overrides it), or a limit given on
    /// the command line stricter than the file's.
    Refused {
        /// The rule.
        rule: Rule,
        /// What it refuses and what to do, as the error says it.
        reason: String,
    },
    /// The organization's bootstrap group is unknown, so every delete is held and the plan is
    /// refused: plan again with `--bootstrap-group ID` (or list it under `protected:`), or with
    /// `--no-delete`.
    BootstrapUnknown {
        /// The deletes held.
        held: usize,
    },
}

/// The next step of `plan` under `thresholds` (the file's rules with the command's flags on
/// top), given what the lock-out guard found.
pub fn next_step(plan: &Plan, thresholds: &Thresholds, lock_out: Option<&LockOut>) -> NextStep {
    if let Some(lock_out) = lock_out {
        return NextStep::Refused {
            rule: Rule::LockOut,
            reason: lock_out.message(),
        };
    }
    let held = safety::held_for_unknown_bootstrap(plan);
    if held > 0 {
        return NextStep::BootstrapUnknown { held };
    }
    if !plan.summary.has_changes() {
        return NextStep::NothingToApply;
    }
    // What a bare `apply` checks: the file's rules, no flag.
    let bare = Thresholds::new(plan.source.safety, None, None, &[]);
    let over = safety::violations(plan, &bare);
    let mut rules: Vec<Rule> = Vec::new();
    let mut flags: Vec<Flag> = Vec::new();
    for violation in &over {
        if !rules.contains(&violation.rule) {
            rules.push(violation.rule);
        }
        for flag in &violation.approve {
            if !flags.contains(flag) {
                flags.push(flag.clone());
            }
        }
    }
    // The command's own limits, where stricter than the file's, still refuse with the flags.
    let with_flags = thresholds.clone().with_flags(&flags);
    match safety::violations(plan, &with_flags).into_iter().next() {
        Some(violation) => NextStep::Refused {
            rule: violation.rule,
            reason: violation.message,
        },
        None if flags.is_empty() => NextStep::ApplyReady,
        None => NextStep::ApplyNeedsFlags { flags, rules },
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use proptest::prelude::*;

    use super::*;
    use crate::desired::Safety;
    use crate::group::Group;
    use crate::plan::{Action, Change, Delta, Summary};

    /// A plan deleting `deletes` of `managed` groups and removing `removals[i]` of
    /// `members[i]` members from group `m{i}`.
    fn plan(deletes: usize, managed: usize, removals: &[(usize, usize)], safety: Safety) -> Plan {
        let mut changes: Vec<Change> = (0..deletes)
            .map(|i| Change {
                action: Action::Delete,
                id: format!("g{i}"),
                before: Some(Group::new(format!("g{i}"))),
                after: None,
                access: None,
                impact: None,
                held: None,
            })
            .collect();
        let mut removed = 0;
        for (i, (gone, live)) in removals.iter().enumerate() {
            let before: BTreeSet<String> = (0..*live).map(|u| format!("u{u}")).collect();
            let after: BTreeSet<String> = before.iter().skip(*gone).cloned().collect();
            removed += gone;
            changes.push(Change {
                action: Action::Update,
                id: format!("m{i}"),
                before: Some(Group::new(format!("m{i}"))),
                after: Some(Group::new(format!("m{i}"))),
                access: Some(Box::new(crate::plan::AccessChange {
                    members: Delta::of(before, after),
                    ..crate::plan::AccessChange::default()
                })),
                impact: None,
                held: None,
            });
        }
        Plan {
            host: "https://x.example.com".into(),
            mode: crate::desired::Mode::Full,
            source: crate::plan::Source {
                safety,
                ..crate::plan::Source::default()
            },
            changes,
            notes: vec![],
            summary: Summary {
                delete: deletes,
                update: removals.len(),
                managed,
                members_removed: removed,
                ..Summary::default()
            },
        }
    }

    fn file(max_deletes: Option<u64>) -> Safety {
        Safety {
            max_deletes,
            ..Safety::default()
        }
    }

    fn bare(plan: &Plan) -> Thresholds {
        Thresholds::new(plan.source.safety, None, None, &[])
    }

    fn text(flags: &[Flag]) -> Vec<String> {
        flags.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn nothing_to_apply_and_ready() {
        let p = plan(0, 3, &[], Safety::default());
        assert_eq!(next_step(&p, &bare(&p), None), NextStep::NothingToApply);
        let p = plan(1, 20, &[], Safety::default());
        assert_eq!(next_step(&p, &bare(&p), None), NextStep::ApplyReady);
        // Deletes held by --no-delete are not applied: nothing else, nothing to apply.
        let mut p = plan(2, 20, &[], Safety::default());
        p.hold_deletes("--no-delete");
        assert_eq!(next_step(&p, &bare(&p), None), NextStep::NothingToApply);
    }

    #[test]
    fn a_threshold_asks_for_exactly_the_deletes_over_it() {
        let p = plan(2, 20, &[], file(Some(1)));
        let step = next_step(&p, &bare(&p), None);
        let NextStep::ApplyNeedsFlags { flags, rules } = &step else {
            panic!("{step:?}");
        };
        assert_eq!(text(flags), ["--allow-delete g0", "--allow-delete g1"]);
        assert_eq!(rules, &[Rule::MaxDeletes]);
        // The same when the plan itself was approved: apply does not inherit plan's flags.
        let approved = bare(&p).with_flags(flags);
        assert_eq!(next_step(&p, &approved, None), step);
        assert!(safety::check(&p, &approved).is_ok());
    }

    #[test]
    fn many_deletes_raise_the_limit_instead_of_listing_every_id() {
        let p = plan(40, 100, &[], Safety::default());
        let NextStep::ApplyNeedsFlags { flags, rules } = next_step(&p, &bare(&p), None) else {
            panic!("needs flags");
        };
        assert_eq!(text(&flags), ["--max-delete-percent 40"]);
        assert_eq!(rules, [Rule::MaxDeletePercent]);
        let p = plan(40, 100, &[], file(Some(5)));
        let NextStep::ApplyNeedsFlags { flags, .. } = next_step(&p, &bare(&p), None) else {
            panic!("needs flags");
        };
        assert_eq!(
            text(&flags),
            ["--max-deletes 40", "--max-delete-percent 40"]
        );
    }

    #[test]
    fn member_removals_ask_for_their_groups() {
        let p = plan(0, 10, &[(4, 5), (1, 10)], Safety::default());
        let NextStep::ApplyNeedsFlags { flags, rules } = next_step(&p, &bare(&p), None) else {
            panic!("needs flags");
        };
        assert_eq!(text(&flags), ["--allow-removal m0"]);
        assert_eq!(rules, [Rule::MaxMemberRemovalPercent]);
    }

    #[test]
    fn the_lock_out_guard_and_an_unknown_bootstrap_group_refuse() {
        let p = plan(1, 20, &[], Safety::default());
        let lock = LockOut::NoManagingGroup {
            lost: vec!["admins".into()],
        };
        let step = next_step(&p, &bare(&p), Some(&lock));
        assert_eq!(
            step,
            NextStep::Refused {
                rule: Rule::LockOut,
                reason: lock.message()
            }
        );
        let mut p = plan(3, 20, &[], Safety::default());
        p.hold_deletes(crate::plan::UNKNOWN_BOOTSTRAP);
        assert_eq!(
            next_step(&p, &bare(&p), None),
            NextStep::BootstrapUnknown { held: 3 }
        );
    }

    #[test]
    fn a_stricter_limit_on_the_command_line_refuses_by_its_rule() {
        let p = plan(2, 20, &[], Safety::default());
        let strict = Thresholds::new(p.source.safety, Some(1), None, &[]);
        let step = next_step(&p, &strict, None);
        assert!(
            matches!(&step, NextStep::Refused { rule: Rule::MaxDeletes, reason } if reason.contains("--max-deletes 2")),
            "{step:?}"
        );
    }

    #[test]
    fn serialized_as_tagged_data() {
        let step = NextStep::ApplyNeedsFlags {
            flags: vec![Flag {
                flag: "--allow-delete".into(),
                value: "legacy".into(),
            }],
            rules: vec![Rule::MaxDeletes],
        };
        assert_eq!(
            serde_json::to_value(&step).expect("json"),
            serde_json::json!({
                "status": "apply_needs_flags",
                "flags": [{"flag": "--allow-delete", "value": "legacy"}],
                "rules": ["max_deletes"]
            })
        );
        assert_eq!(
            serde_json::to_value(NextStep::NothingToApply).expect("json"),
            serde_json::json!({"status": "nothing_to_apply"})
        );
    }

    proptest! {
        /// Whatever goes over the file's thresholds, the flags of the next step let a bare
        /// `apply` through, and a plan that needs none passes the file's rules as it is.
        #[test]
        fn the_flags_of_the_next_step_are_enough(
            deletes in 0_usize..40,
            extra in 0_usize..60,
            max_deletes in proptest::option::of(0_u64..30),
            percent in proptest::option::of(0.0_f64..100.0),
            removal_percent in proptest::option::of(0.0_f64..100.0),
            max_member_removals in proptest::option::of(0_u64..30),
            removals in proptest::collection::vec((0_usize..8, 1_usize..12), 0..14),
        ) {
            let removals: Vec<(usize, usize)> =
                removals.into_iter().map(|(gone, live)| (gone.min(live), live)).collect();
            let safety = Safety {
                max_deletes,
                max_delete_percent: percent,
                max_member_removals,
                max_member_removal_percent: removal_percent,
            };
            let p = plan(deletes, deletes + extra, &removals, safety);
            let step = next_step(&p, &bare(&p), None);
            match &step {
                NextStep::NothingToApply => prop_assert!(!p.summary.has_changes()),
                NextStep::ApplyReady => prop_assert!(safety::check(&p, &bare(&p)).is_ok()),
                NextStep::ApplyNeedsFlags { flags, rules } => {
                    prop_assert!(safety::check(&p, &bare(&p)).is_err());
                    prop_assert!(!rules.is_empty());
                    prop_assert!(safety::check(&p, &bare(&p).with_flags(flags)).is_ok(), "{:?}", step);
                }
                other => prop_assert!(false, "{other:?}"),
            }
        }
    }
}
