//! Runs started from the Results step ("retry failed and not started", "undo the marks",
//! "enable again") and the consent every run needs before its first request.
//!
//! A follow-up changes accounts just as a first run does, so it is confirmed the same way: the
//! Run step's confirmation names it, the admin types its own number of users, and above the
//! mass-removal threshold the tenant's host name too, then waits out the countdown.

use super::action::RunAction;
use super::outcome::PlanEntry;
use crate::decimal::grouped;

/// What a follow-up run is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FollowUpKind {
    /// The users whose earlier run failed or never started, sent again with that run's action.
    Retry,
    /// RSA: take the mark for deletion off the users a run marked.
    Unmark,
    /// RSA: enable again the users a run disabled but did not delete.
    Reenable,
}

/// A run the Results step asked for, waiting for the admin's confirmation.
#[derive(Clone, Debug, PartialEq)]
pub struct FollowUp {
    pub kind: FollowUpKind,
    /// What the run does to each user: for a retry, the earlier run's action.
    pub action: RunAction,
    /// Its users, with their rows in the original file.
    pub entries: Vec<PlanEntry>,
}

/// What an undo or an enable again does to the results shown (a retry adds to them).
const REPLACES_RESULTS: &str =
    "Its results replace the ones the Results step shows now: download those first to keep them.";

impl FollowUp {
    /// "Retry failed and not started" of `entries`, with the earlier run's `action`.
    pub fn retry(entries: Vec<PlanEntry>, action: RunAction) -> Self {
        FollowUp {
            kind: FollowUpKind::Retry,
            action,
            entries,
        }
    }

    /// Undo the marks for deletion of `entries`.
    pub fn unmark(entries: Vec<PlanEntry>) -> Self {
        FollowUp {
            kind: FollowUpKind::Unmark,
            action: RunAction::Unmark,
            entries,
        }
    }

    /// Enable `entries` again.
    pub fn reenable(entries: Vec<PlanEntry>) -> Self {
        FollowUp {
            kind: FollowUpKind::Reenable,
            action: RunAction::Reenable,
            entries,
        }
    }

    /// Users the run would send: the number the admin types to confirm it.
    pub fn users(&self) -> usize {
        self.entries.len()
    }

    /// The line that says what this run is and where its users come from.
    pub fn what(&self) -> String {
        let (n, users) = (grouped(self.users()), users_word(self.users()));
        match self.kind {
            FollowUpKind::Retry => format!(
                "This is a retry of {n} {users} whose earlier run failed or did not start: a new run, confirmed like the first one."
            ),
            FollowUpKind::Unmark => format!(
                "This undoes the mark for deletion of the {n} {users} the run is known to have marked: users it found \
                 marked after a request with no clear answer stay marked (the results shown now list them). {REPLACES_RESULTS}"
            ),
            FollowUpKind::Reenable => format!(
                "This enables again the {n} {users} the results list as disabled, not deleted. {REPLACES_RESULTS}"
            ),
        }
    }

    /// The words of the button that starts the run.
    pub fn start_label(&self) -> String {
        let n = grouped(self.users());
        let users = users_word(self.users());
        match (self.kind, self.action) {
            (FollowUpKind::Retry, RunAction::Mark) => {
                format!("Retry: mark {n} {users} for deletion")
            }
            (FollowUpKind::Retry, RunAction::Remove) => format!("Retry: remove {n} {users} now"),
            (FollowUpKind::Retry, action) => format!("Retry: {} for {n} {users}", action.label()),
            (FollowUpKind::Unmark, _) => format!("Undo the mark for deletion of {n} {users}"),
            (FollowUpKind::Reenable, _) => format!("Enable {n} {users} again"),
        }
    }
}

/// "You are about to remove 12 users from tenant.example (Oracle EPM Cloud)." for any action.
pub fn about_to(action: RunAction, users: usize, tenant: &str, system: &str) -> String {
    let (n, word) = (grouped(users), users_word(users));
    let what = match action {
        RunAction::Remove => format!("remove {n} {word} from"),
        RunAction::Mark => format!("mark {n} {word} for deletion on"),
        RunAction::Unmark => format!("take the mark for deletion off {n} {word} on"),
        RunAction::Reenable => format!("enable {n} {word} again on"),
    };
    format!("You are about to {what} {tenant} ({system}).")
}

fn users_word(n: usize) -> &'static str {
    if n == 1 {
        "user"
    } else {
        "users"
    }
}

/// The mass-change threshold written in `text` (a setting typed or saved), at least 1: "above 0
/// users" would ask for the host name for every run, saying nothing. `None` if it is no number.
pub fn mass_threshold(text: &str) -> Option<usize> {
    text.trim().parse::<usize>().ok().map(|n| n.max(1))
}

/// Whether a run of `users` is a mass change: above the threshold it also asks for the tenant's
/// host name and waits before its first request.
pub fn is_mass(users: usize, threshold: usize) -> bool {
    users > threshold
}

/// Whether the admin has given consent for a run of `users`: the number typed (spaces, commas
/// and dots allowed as thousands separators) and, for a mass change, the tenant's host name
/// (`tenant`, ignoring case and surrounding spaces). A run of nobody is never confirmed.
pub fn consent_given(
    typed_count: &str,
    typed_host: &str,
    users: usize,
    threshold: usize,
    tenant: Option<&str>,
) -> bool {
    let count_ok = typed_count.trim().replace([',', ' ', '.'], "") == users.to_string();
    let host_ok = !is_mass(users, threshold)
        || tenant.is_some_and(|t| typed_host.trim().eq_ignore_ascii_case(t.trim()));
    users > 0 && count_ok && host_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(n: usize) -> Vec<PlanEntry> {
        (0..n)
            .map(|i| PlanEntry {
                row: i + 2,
                user: format!("user{i}@example.com"),
            })
            .collect()
    }

    #[test]
    fn a_retry_is_confirmed_with_its_own_number_of_users_and_named_as_a_retry() {
        let retry = FollowUp::retry(entries(2_000), RunAction::Remove);
        assert_eq!(retry.users(), 2_000);
        assert!(retry.what().starts_with("This is a retry of 2,000 users"));
        assert_eq!(retry.start_label(), "Retry: remove 2,000 users now");
        assert!(!consent_given(
            "",
            "",
            retry.users(),
            500,
            Some("tenant.example")
        ));
        assert!(
            !consent_given("2000", "", retry.users(), 500, Some("tenant.example")),
            "above the threshold the host name is asked for as well"
        );
        assert!(consent_given(
            "2,000",
            " Tenant.Example ",
            retry.users(),
            500,
            Some("tenant.example")
        ));
        assert!(
            !consent_given(
                "1999",
                "tenant.example",
                retry.users(),
                500,
                Some("tenant.example")
            ),
            "the retry's own count, not the first run's"
        );
    }

    #[test]
    fn a_threshold_is_a_whole_number_of_at_least_one() {
        assert_eq!(mass_threshold(" 250 "), Some(250));
        assert_eq!(
            mass_threshold("0"),
            Some(1),
            "a saved 0 would make every run a mass change"
        );
        assert_eq!(mass_threshold("-3"), None);
        assert_eq!(mass_threshold("lots"), None);
    }

    #[test]
    fn below_the_threshold_the_count_is_enough_and_nobody_is_never_confirmed() {
        assert!(consent_given("12", "", 12, 500, None));
        assert!(!consent_given("0", "", 0, 500, None));
        assert!(is_mass(501, 500) && !is_mass(500, 500));
        assert!(
            !consent_given("600", "anything", 600, 500, None),
            "without a tenant the host name cannot match"
        );
    }

    #[test]
    fn undo_and_enable_again_say_what_they_change() {
        let undo = FollowUp::unmark(entries(5));
        assert_eq!(undo.action, RunAction::Unmark);
        assert_eq!(undo.start_label(), "Undo the mark for deletion of 5 users");
        let again = FollowUp::reenable(entries(1));
        assert_eq!(again.action, RunAction::Reenable);
        assert!(again.what().contains("1 user the results"));
        for replacing in [&undo, &again] {
            assert!(replacing
                .what()
                .ends_with("download those first to keep them."));
        }
        let retry = FollowUp::retry(entries(2), RunAction::Remove);
        assert!(
            !retry.what().contains("replace"),
            "a retry adds to the results"
        );
        assert_eq!(again.start_label(), "Enable 1 user again");
        assert_eq!(
            FollowUp::retry(entries(1), RunAction::Remove).start_label(),
            "Retry: remove 1 user now"
        );
        assert_eq!(
            about_to(RunAction::Reenable, 1, "t.example", "RSA"),
            "You are about to enable 1 user again on t.example (RSA)."
        );
        assert_eq!(
            about_to(RunAction::Mark, 6, "t.example", "RSA"),
            "You are about to mark 6 users for deletion on t.example (RSA)."
        );
        assert_eq!(
            about_to(RunAction::Remove, 39_985, "t.example", "RSA"),
            "You are about to remove 39,985 users from t.example (RSA)."
        );
        let marked_retry = FollowUp::retry(entries(3), RunAction::Mark);
        assert_eq!(
            marked_retry.start_label(),
            "Retry: mark 3 users for deletion"
        );
    }
}
