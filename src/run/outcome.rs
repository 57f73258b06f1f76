//! What happened to each user, in the admin's words.

/// The final outcome of one user of the plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The account was removed (RSA 200; EPM counted as succeeded).
    Removed,
    /// The service does not know this user (RSA 404; EPM "not found").
    NotFound,
    /// Not allowed for this user's identity source (RSA 405: SCIM-managed or Azure AD).
    NotAllowed,
    /// The user is still enabled or pending deletion (RSA 409 to Delete User Now).
    Conflict,
    /// The service refused or failed for this user (EPM per-user failure, or attempts exhausted).
    Failed,
    /// No request for this user was sent (run cancelled first, or its batch never started).
    NotStarted,
    /// Marked for deletion by this run: the service removes the user within seven days; until
    /// then the mark can be undone (RSA Mark User Deleted).
    Marked,
    /// A change undone: a mark removed, or the user enabled again.
    Restored,
    /// Disabled by this run, but its deletion did not happen; a plain delete can finish it.
    DisabledOnly,
    /// The user was already as wanted (marked, unmarked or enabled) before this run; left as it was.
    Unchanged,
}

impl Outcome {
    /// Every outcome, in the order tables show them.
    pub const ALL: [Outcome; 10] = [
        Outcome::Removed,
        Outcome::Marked,
        Outcome::Restored,
        Outcome::DisabledOnly,
        Outcome::Unchanged,
        Outcome::NotFound,
        Outcome::NotAllowed,
        Outcome::Conflict,
        Outcome::Failed,
        Outcome::NotStarted,
    ];

    /// Short label for tables and the CSV export (which says "outcome unknown" for a failure
    /// whose outcome is unknown: [`crate::results::OutcomeClass::label`]).
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Removed => "removed",
            Outcome::NotFound => "not found",
            Outcome::NotAllowed => "not allowed",
            Outcome::Conflict => "still enabled or pending deletion",
            Outcome::Failed => "failed",
            Outcome::NotStarted => "not started",
            Outcome::Marked => "marked for deletion",
            Outcome::Restored => "restored",
            Outcome::DisabledOnly => "disabled, not deleted",
            Outcome::Unchanged => "left as it was",
        }
    }

    /// Whether "retry failed" should include this user (a user only disabled is finished by a
    /// plain delete).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Outcome::Failed | Outcome::NotStarted | Outcome::DisabledOnly
        )
    }
}

/// One user's result, as shown in the results table and exported.
#[derive(Clone, Debug, PartialEq)]
pub struct UserResult {
    /// The row of the input file (as a spreadsheet numbers it).
    pub row: usize,
    /// The identifier sent to the service.
    pub user: String,
    pub outcome: Outcome,
    /// The last HTTP status received for this user, if any.
    pub http_status: Option<u16>,
    /// What the service said, or what went wrong, in words.
    pub message: String,
    /// Requests sent for this user (1 when nothing was retried).
    pub attempts: u32,
    /// When the outcome became known (ms since the Unix epoch).
    pub at_ms: f64,
}

/// Part of every message of a result whose outcome is unknown (in any case of ASCII letters): a
/// request may have taken effect without the panel learning it.
pub const OUTCOME_UNKNOWN: &str = "Outcome unknown";

impl UserResult {
    /// The result of `entry` when nothing was sent for it: no HTTP status, no attempt.
    pub fn unsent(entry: &PlanEntry, outcome: Outcome, message: &str, at_ms: f64) -> UserResult {
        UserResult {
            row: entry.row,
            user: entry.user.clone(),
            outcome,
            http_status: None,
            message: message.to_string(),
            attempts: 0,
            at_ms,
        }
    }

    /// Whether the service may have acted on this user without the panel learning it (the
    /// result is failed, its message says [`OUTCOME_UNKNOWN`]). A retry of such a user reads a
    /// 404 as "removed": by that earlier request.
    pub fn outcome_unknown(&self) -> bool {
        self.outcome == Outcome::Failed
            && crate::case::contains_ascii_ignoring_case(self.message.as_bytes(), OUTCOME_UNKNOWN)
    }
}

/// One user of a removal plan: the identifier to send and the input row it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanEntry {
    /// The row of the input file (as a spreadsheet numbers it).
    pub row: usize,
    /// The identifier sent to the service (RSA user ID, EPM login).
    pub user: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_the_panel_could_not_settle_say_their_outcome_is_unknown() {
        let result = |outcome, message: &str| UserResult {
            row: 2,
            user: "u".into(),
            outcome,
            http_status: None,
            message: message.into(),
            attempts: 1,
            at_ms: 0.0,
        };
        for message in [
            crate::run::journal::JOB_INTERRUPTED,
            crate::run::journal::UNKNOWN_WHEN_CLOSED,
        ] {
            assert!(
                result(Outcome::Failed, message).outcome_unknown(),
                "{message}"
            );
        }
        assert!(!result(
            Outcome::Failed,
            "Failed after 5 attempts: Server error (HTTP 503)."
        )
        .outcome_unknown());
        assert!(!result(Outcome::NotStarted, "Outcome unknown").outcome_unknown());
        assert!(result(
            Outcome::Failed,
            "Disabled; the delete got no clear answer. outcome unknown after 7 attempts"
        )
        .outcome_unknown());
    }

    #[test]
    fn every_label_is_distinct() {
        let labels: std::collections::HashSet<_> =
            Outcome::ALL.iter().map(Outcome::label).collect();
        assert_eq!(labels.len(), Outcome::ALL.len());
        assert!(Outcome::DisabledOnly.is_retryable() && !Outcome::Marked.is_retryable());
    }
}
