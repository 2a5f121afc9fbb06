//! Safety rules (spec §2, §3, §11): thresholds that refuse a plan deleting groups or removing
//! members beyond what the file or the flags allow, unless a reviewer approved exactly those
//! deletes (`--allow-delete`) or those groups' removals (`--allow-removal`); and the lock-out
//! guard ([`lock_out`]), which no flag overrides.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::{Action, Plan};
use crate::desired::Safety;

/// The default `max_delete_percent`.
pub const DEFAULT_MAX_DELETE_PERCENT: f64 = 30.0;
/// Below this many managed groups the percentage rule is not applied (one delete of five is 20 %).
pub const PERCENT_RULE_MIN_GROUPS: usize = 10;
/// The default `max_member_removal_percent`: of one group's live members.
pub const DEFAULT_MAX_MEMBER_REMOVAL_PERCENT: f64 = 30.0;
/// Groups with fewer live members than this are not held to the removal percentage (one of
/// three is 33 %).
pub const PERCENT_RULE_MIN_MEMBERS: usize = 5;

/// Thresholds after flags override the file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Thresholds {
    /// Absolute cap on deletes.
    pub max_deletes: Option<u64>,
    /// Cap in percent of managed live groups.
    pub max_delete_percent: f64,
    /// Deletes a reviewer approved by id; they do not count against the caps.
    pub allowed: BTreeSet<String>,
    /// Absolute cap on members removed, over all groups.
    pub max_member_removals: Option<u64>,
    /// Cap on the members one group loses, in percent of its live members.
    pub max_member_removal_percent: f64,
    /// Groups whose member removals a reviewer approved; they do not count against the caps.
    pub allowed_removals: BTreeSet<String>,
}

impl Thresholds {
    /// The file's rules with `--max-deletes` / `--max-delete-percent` / `--allow-delete` on top.
    pub fn new(
        file: Safety,
        max_deletes: Option<u64>,
        max_delete_percent: Option<f64>,
        allowed: &[String],
    ) -> Self {
        Self {
            max_deletes: max_deletes.or(file.max_deletes),
            max_delete_percent: max_delete_percent
                .or(file.max_delete_percent)
                .unwrap_or(DEFAULT_MAX_DELETE_PERCENT),
            allowed: allowed.iter().cloned().collect(),
            max_member_removals: file.max_member_removals,
            max_member_removal_percent: file
                .max_member_removal_percent
                .unwrap_or(DEFAULT_MAX_MEMBER_REMOVAL_PERCENT),
            allowed_removals: BTreeSet::new(),
        }
    }

    /// These thresholds with `--max-member-removals` / `--max-member-removal-percent` /
    /// `--allow-removal` on top.
    #[must_use]
    pub fn with_removals(
        mut self,
        max_member_removals: Option<u64>,
        max_member_removal_percent: Option<f64>,
        allowed: &[String],
    ) -> Self {
        self.max_member_removals = max_member_removals.or(self.max_member_removals);
        if let Some(p) = max_member_removal_percent {
            self.max_member_removal_percent = p;
        }
        self.allowed_removals.extend(allowed.iter().cloned());
        self
    }

    /// These thresholds with `flags` on top, as the command line gives them (an unparsable
    /// value or an unknown flag is left out): what apply runs with when it is given the flags
    /// of a plan's [`super::NextStep`].
    #[must_use]
    pub fn with_flags(mut self, flags: &[Flag]) -> Self {
        for Flag { flag, value } in flags {
            match flag.as_str() {
                "--allow-delete" => {
                    self.allowed.insert(value.clone());
                }
                "--allow-removal" => {
                    self.allowed_removals.insert(value.clone());
                }
                "--max-deletes" => self.max_deletes = value.parse().ok().or(self.max_deletes),
                "--max-delete-percent" => {
                    self.max_delete_percent = value.parse().unwrap_or(self.max_delete_percent);
                }
                "--max-member-removals" => {
                    self.max_member_removals = value.parse().ok().or(self.max_member_removals);
                }
                "--max-member-removal-percent" => {
                    self.max_member_removal_percent =
                        value.parse().unwrap_or(self.max_member_removal_percent);
                }
                _ => {}
            }
        }
        self
    }
}

/// The lock-out guard as a refusal: `Err` with what would be lost when, after the plan, the
/// token's own user no longer holds organization `MANAGE`, or no group does (see
/// [`super::lock_out`]). No flag overrides it.
pub fn lock_out(plan: &Plan, live: &crate::live::Live) -> Result<(), String> {
    super::lock_out(plan, live).map_err(|l| l.message())
}

/// A threshold of the file (`safety:`) or of a flag that a plan can go over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// `safety.max_deletes` / `--max-deletes`.
    MaxDeletes,
    /// `safety.max_delete_percent` / `--max-delete-percent`.
    MaxDeletePercent,
    /// `safety.max_member_removals` / `--max-member-removals`.
    MaxMemberRemovals,
    /// `safety.max_member_removal_percent` / `--max-member-removal-percent`.
    MaxMemberRemovalPercent,
    /// The lock-out guard: no flag overrides it.
    LockOut,
}

impl Rule {
    /// Every rule.
    pub const ALL: [Rule; 5] = [
        Rule::MaxDeletes,
        Rule::MaxDeletePercent,
        Rule::MaxMemberRemovals,
        Rule::MaxMemberRemovalPercent,
        Rule::LockOut,
    ];

    /// How the rule is named to people: the file's key and the flag, or `the lock-out guard`.
    pub fn label(self) -> &'static str {
        match self {
            Rule::MaxDeletes => "safety.max_deletes / --max-deletes",
            Rule::MaxDeletePercent => "safety.max_delete_percent / --max-delete-percent",
            Rule::MaxMemberRemovals => "safety.max_member_removals / --max-member-removals",
            Rule::MaxMemberRemovalPercent => {
                "safety.max_member_removal_percent / --max-member-removal-percent"
            }
            Rule::LockOut => "the lock-out guard",
        }
    }
}

/// One command-line flag with its value, such as `--allow-delete legacy`: what apply needs to
/// carry a plan out past a threshold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flag {
    /// The flag, `--allow-delete`.
    pub flag: String,
    /// Its value, `legacy`.
    pub value: String,
}

impl Flag {
    fn new(flag: &str, value: &impl ToString) -> Self {
        Self {
            flag: flag.to_string(),
            value: value.to_string(),
        }
    }
}

impl std::fmt::Display for Flag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.flag, self.value)
    }
}

/// The flags a next step may name: the approvals and limits of `plan` and `apply`.
pub const APPROVAL_FLAGS: [&str; 6] = [
    "--allow-delete",
    "--allow-removal",
    "--max-deletes",
    "--max-delete-percent",
    "--max-member-removals",
    "--max-member-removal-percent",
];

/// Up to this many deletes (or groups losing members) are approved one by one
/// (`--allow-delete ID`); beyond it, the suggestion is to raise the limit, so the next step of a
/// plan deleting thousands stays one line.
pub const APPROVE_BY_ID_MAX: usize = 10;

/// A threshold a plan goes over: the rule, the refusal (with what to do), and the flags that
/// would let it through.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// The rule.
    pub rule: Rule,
    /// The refusal as printed: the rule, the numbers, the flags that override it.
    pub message: String,
    /// Flags that approve exactly what goes over (or raise the limit, for many groups).
    pub approve: Vec<Flag>,
}

/// `Err` with the rule and the flag that overrides it when the plan deletes too much, or holds
/// deletes because the bootstrap group is unknown.
pub fn check(plan: &Plan, thresholds: &Thresholds) -> Result<(), String> {
    if let Some(message) = unknown_bootstrap(plan) {
        return Err(message);
    }
    match violations(plan, thresholds).into_iter().next() {
        Some(violation) => Err(violation.message),
        None => Ok(()),
    }
}

/// Deletes held because the organization's bootstrap group is unknown.
pub fn held_for_unknown_bootstrap(plan: &Plan) -> usize {
    plan.changes
        .iter()
        .filter(|c| c.held.as_deref() == Some(super::UNKNOWN_BOOTSTRAP))
        .count()
}

/// The refusal of a plan holding deletes because the bootstrap group is unknown.
fn unknown_bootstrap(plan: &Plan) -> Option<String> {
    let unknown = held_for_unknown_bootstrap(plan);
    if unknown == 0 {
        return None;
    }
    let deletes = if unknown == 1 {
        "the delete".to_string()
    } else {
        format!("any of the {unknown} deletes")
    };
    Some(format!(
        "the organization's bootstrap group is unknown (the server did not say which group it is), and {deletes} could be it: every delete is held, and the plan is refused. Name it with --bootstrap-group ID, or list it under `protected:` in the file; or pass --no-delete to apply the rest without deletes"
    ))
}

/// Every threshold the plan goes over, deletes first (the absolute cap, then the percentage),
/// then member removals (the total, then the share of a group): the first is what [`check`]
/// refuses with.
pub fn violations(plan: &Plan, thresholds: &Thresholds) -> Vec<Violation> {
    let mut found = delete_violations(plan, thresholds);
    found.extend(removal_violations(plan, thresholds));
    found
}

fn delete_violations(plan: &Plan, thresholds: &Thresholds) -> Vec<Violation> {
    let counted: Vec<&str> = plan
        .actionable()
        .filter(|c| c.action == Action::Delete && !thresholds.allowed.contains(&c.id))
        .map(|c| c.id.as_str())
        .collect();
    let n = counted.len() as u64;
    let approve = "approve exactly these deletes with --allow-delete ID (repeatable), or hold all deletes with --no-delete";
    let by_id = || -> Option<Vec<Flag>> {
        (counted.len() <= APPROVE_BY_ID_MAX).then(|| {
            counted
                .iter()
                .map(|id| Flag::new("--allow-delete", id))
                .collect()
        })
    };
    let mut found = Vec::new();
    if let Some(max) = thresholds.max_deletes
        && n > max
    {
        found.push(Violation {
            rule: Rule::MaxDeletes,
            message: format!(
                "refusing to delete {n} groups: more than the limit of {max} (safety.max_deletes / --max-deletes). Review the deletes, then raise the limit with --max-deletes {n}, or {approve}"
            ),
            approve: by_id().unwrap_or_else(|| vec![Flag::new("--max-deletes", &n)]),
        });
    }
    let managed = plan.summary.managed;
    if managed >= PERCENT_RULE_MIN_GROUPS {
        #[allow(clippy::cast_precision_loss)]
        let percent = n as f64 * 100.0 / managed as f64;
        if percent > thresholds.max_delete_percent {
            found.push(Violation {
                rule: Rule::MaxDeletePercent,
                message: format!(
                    "refusing to delete {n} of {managed} managed groups ({percent:.0} %): more than {}% (safety.max_delete_percent / --max-delete-percent). Review the deletes, then raise the limit with --max-delete-percent {}, or {approve}",
                    thresholds.max_delete_percent,
                    percent.ceil()
                ),
                approve: by_id().unwrap_or_else(|| {
                    vec![Flag::new("--max-delete-percent", &percent.ceil())]
                }),
            });
        }
    }
    found
}

/// The member-removal thresholds: a total cap, and a cap per group in percent of its members.
fn removal_violations(plan: &Plan, thresholds: &Thresholds) -> Vec<Violation> {
    // (group, removed, live members), approved groups left out.
    let removals: Vec<(&str, usize, usize)> = plan
        .actionable()
        .filter(|c| !thresholds.allowed_removals.contains(&c.id))
        .filter_map(|c| {
            let members = c.access.as_ref()?.members.as_ref()?;
            let removed = members.before.difference(&members.after).count();
            (removed > 0).then_some((c.id.as_str(), removed, members.before.len()))
        })
        .collect();
    let approve = |ids: &[&str]| {
        let flags: Vec<String> = ids
            .iter()
            .map(|id| format!("--allow-removal {id}"))
            .collect();
        format!(
            "approve these groups' removals with {} (repeatable)",
            flags.join(" ")
        )
    };
    let by_id = |ids: &[&str]| -> Option<Vec<Flag>> {
        (ids.len() <= APPROVE_BY_ID_MAX).then(|| {
            ids.iter()
                .map(|id| Flag::new("--allow-removal", id))
                .collect()
        })
    };
    let mut found = Vec::new();
    let total: usize = removals.iter().map(|(_, n, _)| n).sum();
    if let Some(max) = thresholds.max_member_removals
        && total as u64 > max
    {
        let ids: Vec<&str> = removals.iter().map(|(id, _, _)| *id).collect();
        found.push(Violation {
            rule: Rule::MaxMemberRemovals,
            message: format!(
                "refusing to remove {total} members from groups: more than the limit of {max} (safety.max_member_removals / --max-member-removals). Review the removals (a `members:` list that lost entries in a merge looks like this), then raise the limit with --max-member-removals {total}, or {}",
                approve(&ids)
            ),
            approve: by_id(&ids)
                .unwrap_or_else(|| vec![Flag::new("--max-member-removals", &total)]),
        });
    }
    #[allow(clippy::cast_precision_loss)]
    let percent = |removed: usize, live: usize| removed as f64 * 100.0 / live as f64;
    let too_many: Vec<(&str, usize, usize)> = removals
        .iter()
        .copied()
        .filter(|(_, removed, live)| {
            *live >= PERCENT_RULE_MIN_MEMBERS
                && percent(*removed, *live) > thresholds.max_member_removal_percent
        })
        .collect();
    if !too_many.is_empty() {
        let listed: Vec<String> = too_many
            .iter()
            .map(|(id, removed, live)| format!("{id} loses {removed} of {live}"))
            .collect();
        let ids: Vec<&str> = too_many.iter().map(|(id, _, _)| *id).collect();
        let highest = too_many
            .iter()
            .map(|(_, removed, live)| percent(*removed, *live))
            .fold(0.0_f64, f64::max);
        found.push(Violation {
            rule: Rule::MaxMemberRemovalPercent,
            message: format!(
                "refusing to remove more than {}% of a group's members ({}) (safety.max_member_removal_percent / --max-member-removal-percent). Review the removals (a `members:` list that lost entries in a merge looks like this), then {}",
                thresholds.max_member_removal_percent,
                crate::plan::document::list(&listed, 10),
                approve(&ids)
            ),
            approve: by_id(&ids).unwrap_or_else(|| {
                vec![Flag::new("--max-member-removal-percent", &highest.ceil())]
            }),
        });
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Change, Summary};

    fn plan(deletes: usize, managed: usize) -> Plan {
        Plan {
            host: String::new(),
            mode: crate::desired::Mode::Full,
            source: crate::plan::Source::default(),
            changes: (0..deletes)
                .map(|i| Change {
                    action: Action::Delete,
                    id: format!("g{i}"),
                    before: None,
                    after: None,
                    access: None,
                    impact: None,
                    held: None,
                })
                .collect(),
            notes: vec![],
            summary: Summary {
                delete: deletes,
                managed,
                ..Summary::default()
            },
        }
    }

    fn limits(max: Option<u64>, percent: f64, allowed: &[&str]) -> Thresholds {
        Thresholds {
            max_deletes: max,
            max_delete_percent: percent,
            allowed: allowed.iter().map(|s| (*s).to_string()).collect(),
            max_member_removal_percent: 100.0,
            ..Thresholds::default()
        }
    }

    #[test]
    fn absolute_cap_refuses_at_n_plus_one() {
        assert!(check(&plan(3, 100), &limits(Some(3), 100.0, &[])).is_ok());
        let e = check(&plan(4, 100), &limits(Some(3), 100.0, &[])).unwrap_err();
        assert!(
            e.contains("--max-deletes 4") && e.contains("--allow-delete"),
            "{e}"
        );
        assert!(check(&plan(4, 100), &limits(Some(3), 100.0, &["g0"])).is_ok());
    }

    #[test]
    fn percentage_applies_from_ten_managed_groups() {
        assert!(check(&plan(3, 10), &limits(None, 30.0, &[])).is_ok());
        let e = check(&plan(4, 10), &limits(None, 30.0, &[])).unwrap_err();
        assert!(
            e.contains("4 of 10") && e.contains("--max-delete-percent 40"),
            "{e}"
        );
        assert!(
            check(&plan(9, 9), &limits(None, 30.0, &[])).is_ok(),
            "below 10 groups the percentage is skipped"
        );
    }

    #[test]
    fn flags_override_the_file() {
        let file = Safety {
            max_deletes: Some(1),
            max_delete_percent: Some(50.0),
            ..Safety::default()
        };
        let t = Thresholds::new(file, Some(5), None, &[]);
        assert_eq!((t.max_deletes, t.max_delete_percent), (Some(5), 50.0));
        let t = Thresholds::new(Safety::default(), None, None, &["x".into()]);
        assert_eq!(
            (t.max_deletes, t.max_delete_percent),
            (None, DEFAULT_MAX_DELETE_PERCENT)
        );
        assert!(t.allowed.contains("x"));
    }

    #[test]
    fn held_deletes_do_not_count() {
        let mut p = plan(5, 10);
        for c in &mut p.changes {
            c.held = Some("--no-delete".into());
        }
        assert!(check(&p, &limits(Some(0), 0.0, &[])).is_ok());
    }
}
