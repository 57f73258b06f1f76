//! What happened, for tests to check: the audit log of effective changes and the log of
//! every vendor API request received.

use crate::clock::now_ms;
use serde::Serialize;

/// Which vendor a record belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum System {
    /// RSA Cloud Access Service.
    Rsa,
    /// Oracle EPM Cloud.
    Epm,
}

/// What an audited change did to a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// The account is gone.
    Remove,
    /// Marked pending deletion (RSA Mark User Deleted).
    Mark,
    /// Pending-deletion mark withdrawn.
    Unmark,
    /// Status set to Disabled.
    Disable,
    /// Status set to Enabled.
    Enable,
}

/// One effective change.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    /// 1, 2, 3… in order of occurrence.
    pub seq: u64,
    /// The vendor.
    pub system: System,
    /// RSA user ID or EPM login (as stored in the tenant).
    pub user: String,
    /// When, Unix ms.
    pub at: u64,
    /// The API that did it: `delete-user-now`, `remove-users-v1`, `remove-users-v2`,
    /// `mark-deleted` or `user-status`.
    pub via: &'static str,
    /// What it did.
    pub action: Action,
}

/// The audit log.
#[derive(Debug, Default)]
pub struct AuditLog {
    entries: Vec<AuditEntry>,
}

impl AuditLog {
    /// Appends an entry stamped now.
    pub fn record(&mut self, system: System, user: &str, via: &'static str, action: Action) {
        let seq = self.entries.len() as u64 + 1;
        let entry = AuditEntry {
            seq,
            system,
            user: user.to_string(),
            at: now_ms(),
            via,
            action,
        };
        self.entries.push(entry);
    }

    /// Every entry, oldest first.
    pub fn entries(&self) -> &[AuditEntry] {
        &self.entries
    }
}

/// One vendor API request as received.
#[derive(Debug, Clone, Serialize)]
pub struct RequestRecord {
    /// 1, 2, 3… in order of arrival.
    pub seq: u64,
    /// Which vendor API.
    pub system: System,
    /// HTTP method.
    pub method: String,
    /// Path, without the query.
    pub path: String,
    /// Raw query string, if any.
    pub query: Option<String>,
    /// Status answered; `null` when the connection was dropped.
    pub status: Option<u16>,
    /// Whether the connection was dropped instead of answered.
    pub dropped: bool,
    /// Arrival, Unix ms.
    pub at: u64,
}

/// The log of vendor API requests.
#[derive(Debug, Default)]
pub struct RequestLog {
    records: Vec<RequestRecord>,
}

impl RequestLog {
    /// Appends a record at arrival, numbering it; returns its number.
    pub fn push(&mut self, mut record: RequestRecord) -> u64 {
        record.seq = self.records.len() as u64 + 1;
        self.records.push(record);
        self.records.len() as u64
    }

    /// Sets the answer of record `seq` (arrived at `at`); `None` means dropped.
    pub fn finish(&mut self, seq: u64, at: u64, status: Option<u16>) {
        let index = seq.saturating_sub(1) as usize;
        if let Some(r) = self.records.get_mut(index).filter(|r| r.at == at) {
            r.status = status;
            r.dropped = status.is_none();
        }
    }

    /// Every record, oldest first.
    pub fn records(&self) -> &[RequestRecord] {
        &self.records
    }
}
