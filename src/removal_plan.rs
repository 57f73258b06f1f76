//! The removal plan: the intake's plan as the admin adjusted it before the run (users found by their
//! e-mail address, rows dropped after List Users, rows left out on the Preview), split into the
//! users the run removes and every other row with why. Each row of the file is in exactly one.

use std::collections::HashSet;

use crate::csv_intake::{row_number, Class, Plan, Table};
use crate::results::{SkipReason, Skipped};
use crate::rsa::looked_up::{Decision, Decisions};
use crate::run::PlanEntry;

/// How a row the admin dropped after List Users is known not to be in the tenant.
pub const DROPPED: &str = "List Users has no such login; dropped from the plan before the run";

/// What the admin changed in the intake's plan before the run. Rows are numbered as in the file.
#[derive(Clone, Copy, Debug)]
pub struct Adjustments<'a> {
    /// What became of each row looked up by its e-mail address (RSA).
    pub looked_up: &'a Decisions,
    /// Rows dropped after List Users had no such login (EPM).
    pub dropped: &'a HashSet<usize>,
    /// Rows left out on the Preview.
    pub left_out: &'a HashSet<usize>,
}

impl Adjustments<'_> {
    /// Whether row `row` stays in the run as far as the admin's own choices go.
    fn kept(&self, row: usize) -> bool {
        !self.dropped.contains(&row) && !self.left_out.contains(&row)
    }
}

/// Why the row of index `i` is kept out of the run; `None` when the run removes its user (the
/// plan's, or the one its e-mail address found). Dropping and leaving out concern only such rows:
/// any other row keeps the reason of its class.
pub fn skip_reason(plan: &Plan, i: usize, adjusted: &Adjustments) -> Option<SkipReason> {
    let row = row_number(i) as usize;
    let removed_unless_set_aside = || {
        if adjusted.dropped.contains(&row) {
            Some(SkipReason::NotInTenant(DROPPED.into()))
        } else if adjusted.left_out.contains(&row) {
            Some(SkipReason::LeftOut)
        } else {
            None
        }
    };
    let reason = match plan.class(i) {
        Class::Target => return removed_unless_set_aside(),
        Class::Duplicate { of_row } => SkipReason::Duplicate {
            of_row: of_row as usize,
        },
        Class::Invalid { reason } => match adjusted.looked_up.get(row) {
            Some(Decision::Remove(_)) => return removed_unless_set_aside(),
            Some(Decision::Skip(why)) => why.clone(),
            None => SkipReason::Invalid(reason.to_string()),
        },
        Class::Blank => SkipReason::Blank,
        Class::Header => SkipReason::Header,
        Class::ExcludedSelf => SkipReason::ExcludedSelf,
        Class::ExcludedSelfGuess => SkipReason::ExcludedSelfGuess,
        Class::Protected { pattern } => {
            SkipReason::Protected(plan.protected_pattern(pattern).to_string())
        }
    };
    Some(reason)
}

/// Who the run removes, in row order: the plan's users and those found by e-mail address.
pub fn removal_entries(plan: &Plan, table: &Table, adjusted: &Adjustments) -> Vec<PlanEntry> {
    let mut entries: Vec<PlanEntry> = plan
        .targets(table)
        .filter(|(row, _)| adjusted.kept(*row as usize))
        .map(|(row, user)| PlanEntry {
            row: row as usize,
            user: user.to_string(),
        })
        .collect();
    entries.extend(adjusted.looked_up.iter().filter_map(|(row, d)| match d {
        Decision::Remove(entry) if adjusted.kept(*row) => Some(entry.clone()),
        _ => None,
    }));
    crate::sort::sort_by_key(&mut entries, |e| e.row as u64);
    entries
}

/// How many users [`removal_entries`] holds, without listing them (quick when nothing was dropped
/// or left out, as in a 1,000,000-row file straight from the intake).
pub fn removal_count(plan: &Plan, table: &Table, adjusted: &Adjustments) -> usize {
    let targets = if adjusted.dropped.is_empty() && adjusted.left_out.is_empty() {
        plan.counts().targets
    } else {
        plan.targets(table)
            .filter(|(row, _)| adjusted.kept(*row as usize))
            .count()
    };
    let found = adjusted
        .looked_up
        .iter()
        .filter(|(row, d)| adjusted.kept(*row) && matches!(d, Decision::Remove(_)))
        .count();
    targets + found
}

/// Every row kept out of the run, in row order, with why (see [`skip_reason`]).
pub fn skipped_rows(plan: &Plan, table: &Table, adjusted: &Adjustments) -> Vec<Skipped> {
    (0..table.len())
        .filter_map(|i| {
            skip_reason(plan, i, adjusted).map(|reason| Skipped {
                row: row_number(i) as usize,
                value: plan.value(table, i).to_string(),
                reason,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csv_intake::{detect, plan, read_pasted, Options};
    use crate::rsa::looked_up::NO_SUCH_ADDRESS;
    use crate::target::Target;

    const A: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";
    const B: &str = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
    const FOUND: &str = "16fd2706-8baf-433b-82eb-8c7fada847da";

    /// Rows: 1 header, 2 A, 3 an address found, 4 B, 5 a duplicate of A, 6 an address nobody has,
    /// 7 blank (between values), 8 not an ID.
    fn file() -> (Table, Plan) {
        let text =
            format!("userID\n{A}\njane@example.com\n{B}\n{A}\nghost@example.com\n\nnot-an-id\n");
        let table = read_pasted(&text).unwrap();
        let detection = detect(&table, Target::Rsa);
        let plan = plan(&table, &Options::detected(Target::Rsa, &detection)).unwrap();
        (table, plan)
    }

    fn lookups() -> Decisions {
        Decisions::new(vec![
            (
                3,
                Decision::Remove(PlanEntry {
                    row: 3,
                    user: FOUND.into(),
                }),
            ),
            (
                6,
                Decision::Skip(SkipReason::NotInTenant(NO_SUCH_ADDRESS.into())),
            ),
        ])
    }

    /// Every row of the file is either removed or skipped, once, and the count agrees.
    fn assert_each_row_once(table: &Table, plan: &Plan, adjusted: &Adjustments) {
        let entries = removal_entries(plan, table, adjusted);
        let skipped = skipped_rows(plan, table, adjusted);
        assert_eq!(removal_count(plan, table, adjusted), entries.len());
        let mut rows: Vec<usize> = entries.iter().map(|e| e.row).collect();
        rows.extend(skipped.iter().map(|s| s.row));
        rows.sort_unstable();
        assert_eq!(rows, (1..=table.len()).collect::<Vec<_>>());
    }

    #[test]
    fn the_plan_with_lookups_removes_the_users_found_and_says_why_of_every_other_row() {
        let (table, plan) = file();
        let (looked_up, none) = (lookups(), HashSet::new());
        let adjusted = Adjustments {
            looked_up: &looked_up,
            dropped: &none,
            left_out: &none,
        };
        let entries = removal_entries(&plan, &table, &adjusted);
        let removed: Vec<(usize, &str)> =
            entries.iter().map(|e| (e.row, e.user.as_str())).collect();
        assert_eq!(removed, [(2, A), (3, FOUND), (4, B)]);
        let skipped: Vec<(usize, String)> = skipped_rows(&plan, &table, &adjusted)
            .into_iter()
            .map(|s| (s.row, s.reason.message()))
            .collect();
        assert_eq!(skipped[0], (1, "header row".to_string()));
        assert_eq!(skipped[1], (5, "duplicate of row 2".to_string()));
        assert_eq!(skipped[2].0, 6);
        assert!(skipped[2].1.contains(NO_SUCH_ADDRESS), "{}", skipped[2].1);
        assert_eq!(skipped[3], (7, "blank row".to_string()));
        assert_eq!(skipped[4].0, 8);
        assert!(
            skipped[4].1.starts_with("invalid: not a user ID"),
            "{}",
            skipped[4].1
        );
        assert_each_row_once(&table, &plan, &adjusted);
    }

    #[test]
    fn rows_dropped_or_left_out_leave_the_run_with_their_reason() {
        let (table, plan) = file();
        let looked_up = lookups();
        let (dropped, left_out) = (HashSet::from([4]), HashSet::from([2, 3]));
        let adjusted = Adjustments {
            looked_up: &looked_up,
            dropped: &dropped,
            left_out: &left_out,
        };
        assert!(removal_entries(&plan, &table, &adjusted).is_empty());
        assert_eq!(removal_count(&plan, &table, &adjusted), 0);
        assert_eq!(skip_reason(&plan, 1, &adjusted), Some(SkipReason::LeftOut));
        assert_eq!(skip_reason(&plan, 2, &adjusted), Some(SkipReason::LeftOut));
        assert_eq!(
            skip_reason(&plan, 3, &adjusted),
            Some(SkipReason::NotInTenant(DROPPED.into()))
        );
        assert_each_row_once(&table, &plan, &adjusted);
        // A row left out that the plan does not remove anyway (it became a duplicate, or
        // protected) keeps the reason of its class.
        let left_out = HashSet::from([5]);
        let adjusted = Adjustments {
            looked_up: &looked_up,
            dropped: &dropped,
            left_out: &left_out,
        };
        assert_eq!(
            skip_reason(&plan, 4, &adjusted),
            Some(SkipReason::Duplicate { of_row: 2 })
        );
        assert_each_row_once(&table, &plan, &adjusted);
    }
}
