//! What the plan does with the rows whose e-mail address was looked up: the user found is
//! removed, unless it is the admin's own account, matches a protected pattern, or is a user the
//! plan already removes (by its ID on another row, or by another address found earlier).

use std::collections::{HashMap, HashSet};

use super::lookup::Blocker;
use super::resolve::{Answer, Resolution, NOT_AN_EMAIL, NOT_LOOKED_UP_PREFIX};
use super::RemovalOptions;
use crate::csv_intake::{fold_eq, Counts, ProtectedMatcher};
use crate::decimal::grouped;
use crate::hash::FxBuild;
use crate::results::SkipReason;
use crate::run::PlanEntry;

/// The decisions once the admin left `rows` (row numbers) out on the Preview: a user a left-out
/// row would remove is left out instead; rows the plan already leaves out keep their reason.
pub fn leave_out(decisions: &mut [(usize, Decision)], rows: &HashSet<usize>) {
    if rows.is_empty() {
        return;
    }
    for (row, decision) in decisions {
        if matches!(decision, Decision::Remove(_)) && rows.contains(row) {
            *decision = Decision::Skip(SkipReason::LeftOut);
        }
    }
}

/// How a row whose address no user has is known not to be in the tenant.
pub const NO_SUCH_ADDRESS: &str = "no user has this e-mail address (lookup)";

/// Why a row whose lookup got no answer is left out: not looked up, or invalid when the row holds
/// no e-mail address at all.
fn not_looked_up(reason: &str) -> SkipReason {
    if reason == NOT_AN_EMAIL {
        return SkipReason::Invalid(NOT_AN_EMAIL.into());
    }
    let why = reason.strip_prefix(NOT_LOOKED_UP_PREFIX).unwrap_or(reason);
    SkipReason::NotLookedUp(why.to_string())
}

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
    let mut first_row: HashMap<String, usize, FxBuild> =
        HashMap::with_capacity_and_hasher(planned.len() + lookups.len(), FxBuild::default());
    first_row.extend(planned.iter().rev().map(|e| (id_key(&e.user), e.row)));
    // Decided in row order (the first row of a user removes it), kept in the order of `lookups`.
    let mut in_order: Vec<usize> = (0..lookups.len()).collect();
    crate::sort::sort_by_key(&mut in_order, |&i| lookups[i].row as u64);
    let mut decided: Vec<Option<Decision>> = vec![None; lookups.len()];
    for i in in_order {
        let r = &lookups[i];
        let user = match &r.answer {
            Answer::Found(user) => user,
            Answer::NotFound => {
                decided[i] = Some(Decision::Skip(SkipReason::NotInTenant(
                    NO_SUCH_ADDRESS.into(),
                )));
                continue;
            }
            Answer::Failed { reason, .. } => {
                decided[i] = Some(Decision::Skip(not_looked_up(reason)));
                continue;
            }
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

/// The Preview's counts: the intake's classes with each looked-up row moved to what its decision
/// makes of it, and the looked-up rows the tenant lacks or the lookup could not answer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DecidedCounts {
    pub classes: Counts,
    /// Addresses no user has.
    pub not_in_tenant: usize,
    /// Addresses the lookup got no answer for.
    pub not_looked_up: usize,
    /// Rows whose user the admin left out on the Preview.
    pub left_out: usize,
}

impl DecidedCounts {
    /// The sum over all classes: the rows read.
    pub fn total(&self) -> usize {
        self.classes.total() + self.not_in_tenant + self.not_looked_up + self.left_out
    }
}

/// The intake's `counts` once the looked-up rows (each counted invalid by the intake, as an
/// address is not a user ID) are decided: each moves to what its decision makes of it.
pub fn counts_with<'a>(
    counts: Counts,
    decisions: impl IntoIterator<Item = &'a Decision>,
) -> DecidedCounts {
    let mut decided = DecidedCounts {
        classes: counts,
        ..DecidedCounts::default()
    };
    for decision in decisions {
        let c = &mut decided.classes;
        c.invalid = c.invalid.saturating_sub(1);
        let class = match decision {
            Decision::Remove(_) => &mut c.targets,
            Decision::Skip(SkipReason::Duplicate { .. }) => &mut c.duplicates,
            Decision::Skip(SkipReason::ExcludedSelf | SkipReason::ExcludedSelfGuess) => {
                &mut c.excluded_self
            }
            Decision::Skip(SkipReason::Protected(_)) => &mut c.protected,
            Decision::Skip(SkipReason::NotInTenant(_)) => &mut decided.not_in_tenant,
            Decision::Skip(SkipReason::NotLookedUp(_)) => &mut decided.not_looked_up,
            Decision::Skip(SkipReason::LeftOut) => &mut decided.left_out,
            Decision::Skip(_) => &mut c.invalid,
        };
        *class += 1;
    }
    decided
}

/// The decisions for the looked-up rows, with what their readers look for: the decision of a row,
/// and the rows the plan removes. Built once per change of the lookups or the plan.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Decisions {
    list: Vec<(usize, Decision)>,
    /// Row → position in `list`.
    by_row: HashMap<usize, usize>,
    removed: HashSet<usize>,
}

impl Decisions {
    /// Indexes [`decide`]'s answer.
    pub fn new(list: Vec<(usize, Decision)>) -> Decisions {
        let by_row = list
            .iter()
            .enumerate()
            .map(|(i, (row, _))| (*row, i))
            .collect();
        let mut removed = HashSet::with_capacity(list.len());
        removed.extend(
            list.iter()
                .filter_map(|(row, d)| matches!(d, Decision::Remove(_)).then_some(*row)),
        );
        Decisions {
            list,
            by_row,
            removed,
        }
    }

    /// Each looked-up row and its decision, in the order of the lookups.
    pub fn iter(&self) -> impl Iterator<Item = &(usize, Decision)> {
        self.list.iter()
    }

    /// The decision for the row numbered `row`, if its address was looked up.
    pub fn get(&self, row: usize) -> Option<&Decision> {
        self.by_row.get(&row).map(|&i| &self.list[i].1)
    }

    /// The looked-up rows the plan removes: those whose decision is [`Decision::Remove`].
    pub fn removed(&self) -> &HashSet<usize> {
        &self.removed
    }
}

/// The looked-up rows among `removed` ([`Decisions::removed`]) whose user `blocker` would stop (`None`:
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
        .filter(|r| r.answer.blocker() == blocker && removed.contains(&r.row))
        .collect()
}

/// What the Preview says of a user it removes that `blocker` would stop, given the admin's
/// choices on the lookup.
pub fn blocked_note(blocker: Blocker, options: RemovalOptions) -> &'static str {
    match (blocker, options.disable_first, options.unmark_pending) {
        (Blocker::Enabled, true, _) => "still enabled: disabled first, then deleted",
        (Blocker::Enabled, false, _) => {
            "still enabled: Delete User Now refuses it (409) unless you choose to disable these users first"
        }
        (Blocker::PendingDeletion, _, true) => "pending deletion: unmarked, then deleted now",
        (Blocker::PendingDeletion, _, false) => {
            "pending deletion: left to the service, which removes it within seven days (Delete User Now refuses it: 409)"
        }
        (Blocker::ManagedSource, ..) => {
            "SCIM or Azure AD source: refused here (405); remove it in that directory"
        }
    }
}

/// The lookup's answers counted for its summary, in one pass: the users the plan removes by what
/// would stop them ([`blocked`]), the users found but left out, and the addresses without a user.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Removed, and nothing stops them.
    pub removable: usize,
    pub enabled: usize,
    pub pending_deletion: usize,
    pub managed_source: usize,
    /// Found, but not removed: the admin's own account, protected, or removed by another row.
    pub left_out: usize,
    pub not_found: usize,
    pub not_looked_up: usize,
}

impl Tally {
    /// Counts `lookups`; `removed` as [`Decisions::removed`].
    pub fn new(lookups: &[Resolution], removed: &HashSet<usize>) -> Tally {
        let mut t = Tally::default();
        for r in lookups {
            let count = match &r.answer {
                Answer::NotFound => &mut t.not_found,
                Answer::Failed { .. } => &mut t.not_looked_up,
                Answer::Found(_) if !removed.contains(&r.row) => &mut t.left_out,
                Answer::Found(user) => match user.blocker() {
                    None => &mut t.removable,
                    Some(Blocker::Enabled) => &mut t.enabled,
                    Some(Blocker::PendingDeletion) => &mut t.pending_deletion,
                    Some(Blocker::ManagedSource) => &mut t.managed_source,
                },
            };
            *count += 1;
        }
        t
    }
}

impl Tally {
    /// What the confirmation of a Delete User Now run says of the users it removes that the
    /// service will refuse, given the admin's choices: enabled ones not disabled first, ones
    /// pending deletion not unmarked first (409), SCIM or Azure AD ones (405). `None`: no such user.
    pub fn refusal_note(&self, options: RemovalOptions) -> Option<String> {
        let enabled = if options.disable_first {
            0
        } else {
            self.enabled
        };
        let pending = if options.unmark_pending {
            0
        } else {
            self.pending_deletion
        };
        let parts = [
            (enabled, "still enabled (409)"),
            (pending, "pending deletion (409)"),
            (self.managed_source, "from a SCIM or Azure AD source (405)"),
        ];
        let refused: usize = parts.iter().map(|(n, _)| n).sum();
        if refused == 0 {
            return None;
        }
        let which = parts
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, what)| format!("{} {what}", grouped(*n)))
            .collect::<Vec<_>>()
            .join(", ");
        let choices = if enabled + pending > 0 {
            " The Preview's choices can disable or unmark users first."
        } else {
            ""
        };
        Some(format!(
            "The lookup found that the service will refuse {} of them: {which}. They will be \
             listed as not removed.{choices}",
            grouped(refused)
        ))
    }
}

/// A user ID as the engine compares them: trimmed, ASCII case ignored.
fn id_key(id: &str) -> String {
    id.trim().to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rsa::lookup::RsaUser;
    use crate::rsa::resolve::CANCELLED;

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
        let decided = Decisions::new(decide(&lookups, &[], Some("me@acme.com"), &protected));
        let rows = |blocker| -> Vec<usize> {
            blocked(&lookups, decided.removed(), Some(blocker))
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
        let tally = Tally::new(&lookups, decided.removed());
        assert_eq!(
            tally,
            Tally {
                removable: 1,
                enabled: 2,
                left_out: 3,
                ..Tally::default()
            },
            "the own account, the duplicate and the protected user are left out"
        );
        for (blocker, counted) in [
            (None, tally.removable),
            (Some(Blocker::Enabled), tally.enabled),
            (Some(Blocker::PendingDeletion), tally.pending_deletion),
            (Some(Blocker::ManagedSource), tally.managed_source),
        ] {
            assert_eq!(blocked(&lookups, decided.removed(), blocker).len(), counted);
        }
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
            Resolution {
                row: 7,
                email: "slow@acme.com".into(),
                answer: Answer::Failed {
                    reason: "Gave up after 5 attempts: Server error (HTTP 500).".into(),
                    attempts: 5,
                },
            },
            Resolution {
                row: 8,
                email: "no address".into(),
                answer: Answer::Failed {
                    reason: NOT_AN_EMAIL.into(),
                    attempts: 0,
                },
            },
        ];
        let intake = Counts {
            targets: 1,
            invalid: 6,
            header: 1,
            ..Counts::default()
        };
        let none = ProtectedMatcher::new(&[]);
        let decided = decide(&lookups, &[entry(6, "id-b")], Some("me@acme.com"), &none);
        let counts = counts_with(intake, decided.iter().map(|(_, d)| d));
        assert_eq!(
            counts,
            DecidedCounts {
                classes: Counts {
                    targets: 2,
                    duplicates: 1,
                    invalid: 1,
                    header: 1,
                    excluded_self: 1,
                    ..Counts::default()
                },
                not_in_tenant: 1,
                not_looked_up: 1,
                left_out: 0,
            },
            "the address nobody has is not in the tenant, the one without answer not looked up, \
             and the row without an address stays invalid"
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
                    Decision::Skip(SkipReason::NotInTenant(NO_SUCH_ADDRESS.into()))
                ),
            ]
        );
        assert_eq!(
            SkipReason::NotInTenant(NO_SUCH_ADDRESS.into()).message(),
            "not in the tenant: no user has this e-mail address (lookup)"
        );
    }

    #[test]
    fn a_blocked_user_says_what_the_run_will_do_with_it_under_the_choices_made() {
        let mut enabled = found(2, "a@acme.com", "id-a");
        let mut pending = found(3, "b@acme.com", "id-b");
        if let (Answer::Found(a), Answer::Found(b)) = (&mut enabled.answer, &mut pending.answer) {
            a.user_status = "Enabled".into();
            b.mark_deleted = true;
        }
        let note = |r: &Resolution, disable_first, unmark_pending| {
            let options = RemovalOptions {
                disable_first,
                unmark_pending,
            };
            blocked_note(r.answer.blocker().expect("a blocker"), options)
        };
        assert!(note(&enabled, false, true).contains("refuses it (409)"));
        assert_eq!(
            note(&enabled, true, false),
            "still enabled: disabled first, then deleted"
        );
        assert!(note(&pending, true, false).contains("left to the service"));
        assert_eq!(
            note(&pending, false, true),
            "pending deletion: unmarked, then deleted now"
        );
        assert_eq!(found(4, "c@acme.com", "id-c").answer.blocker(), None);
    }

    #[test]
    fn the_refusal_note_names_only_the_users_the_choices_leave_refused() {
        let tally = Tally {
            removable: 10,
            enabled: 4_830,
            pending_deletion: 3,
            managed_source: 2,
            ..Tally::default()
        };
        let note = |disable_first, unmark_pending| {
            tally.refusal_note(RemovalOptions {
                disable_first,
                unmark_pending,
            })
        };
        assert_eq!(
            note(false, false).as_deref(),
            Some(
                "The lookup found that the service will refuse 4,835 of them: 4,830 still enabled \
                 (409), 3 pending deletion (409), 2 from a SCIM or Azure AD source (405). They will \
                 be listed as not removed. The Preview's choices can disable or unmark users first."
            )
        );
        assert_eq!(
            note(true, true).as_deref(),
            Some(
                "The lookup found that the service will refuse 2 of them: 2 from a SCIM or Azure AD \
                 source (405). They will be listed as not removed."
            ),
            "no choice helps a SCIM-managed user"
        );
        assert!(note(true, false)
            .unwrap()
            .contains("refuse 5 of them: 3 pending deletion"));
        let clean = Tally {
            removable: 10,
            enabled: 4,
            ..Tally::default()
        };
        assert_eq!(
            clean.refusal_note(RemovalOptions {
                disable_first: true,
                unmark_pending: false
            }),
            None
        );
    }

    #[test]
    fn a_left_out_row_removes_nobody_and_other_rows_keep_their_decision() {
        let lookups = [
            found(2, "a@acme.com", "id-a"),
            found(3, "A@acme.com", "id-a"),
            found(4, "b@acme.com", "id-b"),
            Resolution {
                row: 5,
                email: "gone@acme.com".into(),
                answer: Answer::NotFound,
            },
        ];
        let mut decided = decide(&lookups, &[], None, &ProtectedMatcher::new(&[]));
        leave_out(&mut decided, &HashSet::from([2, 5]));
        assert_eq!(
            decided,
            [
                (2, Decision::Skip(SkipReason::LeftOut)),
                (3, Decision::Skip(SkipReason::Duplicate { of_row: 2 })),
                (4, Decision::Remove(entry(4, "id-b"))),
                (
                    5,
                    Decision::Skip(SkipReason::NotInTenant(NO_SUCH_ADDRESS.into()))
                ),
            ],
            "its duplicate stays a duplicate, so the user is not removed by another row"
        );
        let intake = Counts {
            invalid: 4,
            ..Counts::default()
        };
        let counts = counts_with(intake, decided.iter().map(|(_, d)| d));
        assert_eq!((counts.left_out, counts.classes.targets), (1, 1));
        assert_eq!(counts.total(), intake.total());
    }

    #[test]
    fn decisions_are_found_by_row_and_the_removed_rows_are_those_removed() {
        let lookups = [
            found(4, "a@acme.com", "id-a"),
            found(2, "b@acme.com", "id-b"),
            found(3, "A@acme.com", "id-a"),
        ];
        let decided = Decisions::new(decide(&lookups, &[], None, &ProtectedMatcher::new(&[])));
        assert_eq!(decided.get(2), Some(&Decision::Remove(entry(2, "id-b"))));
        assert_eq!(
            decided.get(4),
            Some(&Decision::Skip(SkipReason::Duplicate { of_row: 3 }))
        );
        assert_eq!(decided.get(5), None, "row 5 was not looked up");
        assert_eq!(decided.removed(), &HashSet::from([2, 3]));
        assert_eq!(
            decided.iter().map(|(row, _)| *row).collect::<Vec<_>>(),
            [4, 2, 3],
            "in the order of the lookups"
        );
    }

    #[test]
    fn an_address_without_answer_is_not_looked_up_and_says_why_once() {
        let cancelled = Resolution {
            row: 2,
            email: "a@acme.com".into(),
            answer: Answer::Failed {
                reason: CANCELLED.into(),
                attempts: 0,
            },
        };
        let decided = decide(&[cancelled], &[], None, &ProtectedMatcher::new(&[]));
        let [(2, Decision::Skip(reason))] = &decided[..] else {
            panic!("one skipped row: {decided:?}");
        };
        assert_eq!(reason.message(), "not looked up: the lookup was cancelled.");
        assert_eq!(
            SkipReason::from_message(&reason.message()).as_ref(),
            Some(reason)
        );
    }
}
