//! What happened to each user, in the admin's words.

/// The final outcome of one user of the plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The account was removed (RSA 200; EPM counted as succeeded).
    Removed,
    /// The service does not know this user (RSA 404; EPM "not found").
    NotFound,
    /// Removal is not allowed for this user's identity source (RSA 405: SCIM-managed or Azure AD).
    NotAllowed,
    /// The user is still enabled or pending deletion (RSA 409).
    Conflict,
    /// The service refused or failed for this user (EPM per-user failure, or attempts exhausted).
    Failed,
    /// No request for this user was sent (run cancelled first, or its batch never started).
    NotStarted,
}

impl Outcome {
    /// Short label for tables and the CSV export.
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Removed => "removed",
            Outcome::NotFound => "not found",
            Outcome::NotAllowed => "not allowed",
            Outcome::Conflict => "still enabled or pending deletion",
            Outcome::Failed => "failed",
            Outcome::NotStarted => "not started",
        }
    }

    /// Whether "retry failed" should include this user.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Outcome::Failed | Outcome::NotStarted)
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

/// One user of a removal plan: the identifier to send and the input row it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanEntry {
    /// The row of the input file (as a spreadsheet numbers it).
    pub row: usize,
    /// The identifier sent to the service (RSA user ID, EPM login).
    pub user: String,
}
