//! Delete safety (spec §2, §3): thresholds that refuse a plan deleting more than the file or the
//! flags allow, unless a reviewer approved exactly those deletes with `--allow-delete`.

use std::collections::BTreeSet;

use super::{Action, Plan};
use crate::desired::Safety;

/// The default `max_delete_percent`.
pub const DEFAULT_MAX_DELETE_PERCENT: f64 = 30.0;
/// Below this many managed groups the percentage rule is not applied (one delete of five is 20 %).
pub const PERCENT_RULE_MIN_GROUPS: usize = 10;

/// Thresholds after flags override the file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Thresholds {
    /// Absolute cap on deletes.
    pub max_deletes: Option<u64>,
    /// Cap in percent of managed live groups.
    pub max_delete_percent: f64,
    /// Deletes a reviewer approved by id; they do not count against the caps.
    pub allowed: BTreeSet<String>,
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
        }
    }
}

/// `Err` with the rule and the flag that overrides it when the plan deletes too much, or holds
/// deletes because the bootstrap group is unknown.
pub fn check(plan: &Plan, thresholds: &Thresholds) -> Result<(), String> {
    let unknown = plan
        .changes
        .iter()
        .filter(|c| c.held.as_deref() == Some(super::UNKNOWN_BOOTSTRAP))
        .count();
    if unknown > 0 {
        let deletes = if unknown == 1 {
            "the delete".to_string()
        } else {
            format!("any of the {unknown} deletes")
        };
        return Err(format!(
            "the organization's bootstrap group is unknown (the server did not say which group it is), and {deletes} could be it: every delete is held, and the plan is refused. Name it with --bootstrap-group ID, or list it under `protected:` in the file; or pass --no-delete to apply the rest without deletes"
        ));
    }
    let counted: Vec<&str> = plan
        .actionable()
        .filter(|c| c.action == Action::Delete && !thresholds.allowed.contains(&c.id))
        .map(|c| c.id.as_str())
        .collect();
    let n = counted.len() as u64;
    let approve = "approve exactly these deletes with --allow-delete ID (repeatable), or hold all deletes with --no-delete";
    if let Some(max) = thresholds.max_deletes
        && n > max
    {
        return Err(format!(
            "refusing to delete {n} groups: more than the limit of {max} (safety.max_deletes / --max-deletes). Review the deletes, then raise the limit with --max-deletes {n}, or {approve}"
        ));
    }
    let managed = plan.summary.managed;
    if managed >= PERCENT_RULE_MIN_GROUPS {
        #[allow(clippy::cast_precision_loss)]
        let percent = n as f64 * 100.0 / managed as f64;
        if percent > thresholds.max_delete_percent {
            return Err(format!(
                "refusing to delete {n} of {managed} managed groups ({percent:.0} %): more than {}% (safety.max_delete_percent / --max-delete-percent). Review the deletes, then raise the limit with --max-delete-percent {}, or {approve}",
                thresholds.max_delete_percent,
                percent.ceil()
            ));
        }
    }
    Ok(())
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
