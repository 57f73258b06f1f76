//! What the plan does with the rows whose e-mail address was looked up: the user found is
//! removed, unless it is the admin's own account, matches a protected pattern, or is a user the
//! plan already removes (by its ID on another row, or by another address found earlier).

use std::collections::{HashMap, HashSet};

use super::lookup::Blocker;
use super::resolve::Resolution;
use crate::csv_intake::{fold_eq, Counts, ProtectedMatcher};
use crate::results::SkipReason;
use crate::run::PlanEntry;

/// What happens to one looked-up row.
#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    /// Its user is removed by this ID.
    Remove(PlanEntry),
    /// Left out, and why.
    Skip(SkipReason),
}

/// One decision per looked-up row, in the order of `lookups`. `planned` are the rows the plan
/// removes by user ID; `own` is the admin's own account (a user ID or an e-mail address).
pub fn decide(
    lookups: &[Resolution],
    planned: &[PlanEntry],
    own: Option<&str>,
    protected: &ProtectedMatcher,
) -> Vec<(usize, Decision)> {
    let own = own.map(str::trim).filter(|o| !o.is_empty());
    let mut first_row: HashMap<String, usize> = planned
        .iter()
        .rev()
        .map(|e| (id_key(&e.user), e.row))
        .collect();
    // Decided in row order (the first row of a user removes it), kept in the order of `lookups`.
    let mut in_order: Vec<usize> = (0..lookups.len()).collect();
    crate::sort::sort_by_key(&mut in_order, |&i| lookups[i].row as u64);
    let mut decided: Vec<Option<Decision>> = vec![None; lookups.len()];
    for i in in_order {
        let r = &lookups[i];
        let Some(user) = r.answer.user() else {
            decided[i] = Some(Decision::Skip(SkipReason::Invalid(r.answer.message())));
            continue;
        };
        let mine = |value: &str| own.is_some_and(|o| fold_eq(o, value.trim()));
        let decision = if mine(&user.id) || mine(&user.email_address) {
            Decision::Skip(SkipReason::ExcludedSelf)
        } else if let Some(pattern) = protected
            .find(&user.id)
            .or_else(|| protected.find(&user.email_address))
        {
            Decision::Skip(SkipReason::Protected(pattern.to_string()))
        } else {
            let key = id_key(&user.id);
            match first_row.get(&key) {
                Some(&of_row) if of_row != r.row => {
                    Decision::Skip(SkipReason::Duplicate { of_row })
                }
                _ => {
                    first_row.insert(key, r.row);
                    Decision::Remove(PlanEntry {
                        row: r.row,
                        user: user.id.clone(),
                    })
                }
            }
        };
        decided[i] = Some(decision);
    }
    lookups
        .iter()
        .zip(decided)
        .filter_map(|(r, d)| d.map(|d| (r.row, d)))
        .collect()
}

/// The intake's `counts` once the looked-up rows (each counted invalid by the intake, as an
/// address is not a user ID) are decided: each moves to what its decision makes of it.
pub fn counts_with<'a>(
    mut counts: Counts,
    decisions: impl IntoIterator<Item = &'a Decision>,
) -> Counts {
    for decision in decisions {
        counts.invalid = counts.invalid.saturating_sub(1);
        let class = match decision {
            Decision::Remove(_) => &mut counts.targets,
            Decision::Skip(SkipReason::Duplicate { .. }) => &mut counts.duplicates,
            Decision::Skip(SkipReason::ExcludedSelf) => &mut counts.excluded_self,
            Decision::Skip(SkipReason::Protected(_)) => &mut counts.protected,
            Decision::Skip(_) => &mut counts.invalid,
        };
        *class += 1;
    }
    counts
}

/// The looked-up rows the plan removes: those whose decision is [`Decision::Remove`].
pub fn removed_rows(decisions: &[(usize, Decision)]) -> HashSet<usize> {
    decisions
        .iter()
        .filter_map(|(row, d)| matches!(d, Decision::Remove(_)).then_some(*row))
        .collect()
}

/// The looked-up rows among `removed` ([`removed_rows`]) whose user `blocker` would stop (`None`:
/// nothing stops it), in the order of `lookups`: with a blocker, the users the Preview's choices
/// (disable first, unmark first) apply to. The admin's own account, protected users and rows
/// another row already removes are not among them, as the run does not touch them.
pub fn blocked<'a>(
    lookups: &'a [Resolution],
    removed: &HashSet<usize>,
    blocker: Option<Blocker>,
) -> Vec<&'a Resolution> {
    lookups
        .iter()
        .filter(|r| removed.contains(&r.row) && r.answer.blocker() == blocker)
        .collect()
}

/// A user ID as the engine compares them: trimmed, ASCII case ignored.
fn id_key(id: &str) -> String {
    id.trim().to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rsa::lookup::RsaUser;
    use crate::rsa::resolve::Answer;

    fn found(row: usize, email: &str, id: &str) -> Resolution {
        Resolution {
            row,
            email: email.into(),
            answer: Answer::Found(RsaUser {
                id: id.into(),
                email_address: email.to_lowercase(),
                first_name: "A".into(),
                last_name: "B".into(),
                identity_source: "Corp AD".into(),
                user_status: "Disabled".into(),
                mark_deleted: false,
            }),
        }
    }

    fn entry(row: usize, user: &str) -> PlanEntry {
        PlanEntry {
            row,
            user: user.into(),
        }
    }

    #[test]
    fn the_admins_own_account_found_by_address_is_never_removed() {
        let lookups = [
            found(2, "x@acme.com", "id-x"),
            found(3, "Me@Acme.com", "ID-ME"),
        ];
        let none = ProtectedMatcher::new(&[]);
        for own in ["id-me", " me@acme.com "] {
            assert_eq!(
                decide(&lookups, &[], Some(own), &none),
                [
                    (2, Decision::Remove(entry(2, "id-x"))),
                    (3, Decision::Skip(SkipReason::ExcludedSelf)),
                ],
                "{own}"
            );
        }
    }

    #[test]
    fn a_user_already_removed_by_id_or_by_an_earlier_address_is_a_duplicate() {
        let lookups = [
            found(5, "b@acme.com", "id-b"),
            found(3, "a@acme.com", "ID-A"),
            found(4, "B@ACME.COM", "id-b"),
        ];
        let planned = [entry(2, "id-a")];
        let none = ProtectedMatcher::new(&[]);
        assert_eq!(
            decide(&lookups, &planned, None, &none),
            [
                (5, Decision::Skip(SkipReason::Duplicate { of_row: 4 })),
                (3, Decision::Skip(SkipReason::Duplicate { of_row: 2 })),
                (4, Decision::Remove(entry(4, "id-b"))),
            ]
        );
    }

    fn enabled(row: usize, email: &str, id: &str) -> Resolution {
        let mut r = found(row, email, id);
        if let Answer::Found(user) = &mut r.answer {
            user.user_status = "Enabled".into();
        }
        r
    }

    #[test]
    fn the_users_to_disable_first_are_only_those_the_run_removes() {
        let lookups = [
            enabled(2, "me@acme.com", "id-me"),
            enabled(3, "a@acme.com", "id-a"),
            enabled(4, "A@ACME.COM", "id-a"),
            found(5, "off@acme.com", "id-off"),
            enabled(6, "vip@acme.com", "id-vip"),
            enabled(7, "b@acme.com", "id-b"),
        ];
        let patterns = ["vip@*".to_string()];
        let protected = ProtectedMatcher::new(&patterns);
        let decided = decide(&lookups, &[], Some("me@acme.com"), &protected);
        let rows = |blocker| -> Vec<usize> {
            blocked(&lookups, &removed_rows(&decided), Some(blocker))
                .iter()
                .map(|r| r.row)
                .collect()
        };
        assert_eq!(
            rows(Blocker::Enabled),
            [3, 7],
            "not the own account, the duplicate, the disabled user or the protected one"
        );
        assert_eq!(rows(Blocker::PendingDeletion), Vec::<usize>::new());
    }

    #[test]
    fn counts_move_each_looked_up_row_to_its_decision_and_still_add_up() {
        let lookups = [
            found(2, "me@acme.com", "id-me"),
            found(3, "a@acme.com", "id-a"),
            found(4, "A@ACME.COM", "id-a"),
            Resolution {
                row: 5,
                email: "gone@acme.com".into(),
                answer: Answer::NotFound,
            },
        ];
        let intake = Counts {
            targets: 1,
            invalid: 4,
            header: 1,
            ..Counts::default()
        };
        let none = ProtectedMatcher::new(&[]);
        let decided = decide(&lookups, &[entry(6, "id-b")], Some("me@acme.com"), &none);
        let counts = counts_with(intake, decided.iter().map(|(_, d)| d));
        assert_eq!(
            counts,
            Counts {
                targets: 2,
                duplicates: 1,
                invalid: 1,
                header: 1,
                excluded_self: 1,
                ..Counts::default()
            }
        );
        assert_eq!(counts.total(), intake.total());
    }

    #[test]
    fn protected_users_and_addresses_nobody_has_are_left_out_with_their_reason() {
        let patterns = vec!["*@board.acme.com".to_string()];
        let protected = ProtectedMatcher::new(&patterns);
        let missing = Resolution {
            row: 3,
            email: "gone@acme.com".into(),
            answer: Answer::NotFound,
        };
        let decided = decide(
            &[found(2, "ceo@board.acme.com", "id-ceo"), missing.clone()],
            &[],
            None,
            &protected,
        );
        assert_eq!(
            decided,
            [
                (
                    2,
                    Decision::Skip(SkipReason::Protected("*@board.acme.com".into()))
                ),
                (
                    3,
                    Decision::Skip(SkipReason::Invalid(missing.answer.message()))
                ),
            ]
        );
    }
}
