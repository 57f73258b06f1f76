//! "Remove Users from an Identity Domain (v2)": the synchronous removal, its request, its
//! answer and what the answer means for each user.

use crate::json::{Map, Value};

use crate::run::outcome::PlanEntry;
use crate::run::Outcome;
use crate::run::{Auth, Method, Request};

use super::batch::{
    failed_job_listed, failures_disagree, map_failures, whole_batch_failed, BatchReport, Stamp,
    UserFailure,
};
use super::job::Counts;
use super::json::{self, ParseError};
use super::lost::Listed;
use super::url::EpmBase;

/// A request-level error (`error.errorcode`, `error.errormessage`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceError {
    pub code: String,
    pub message: String,
}

impl std::fmt::Display for ServiceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.code.is_empty(), self.message.is_empty()) {
            (true, _) => f.write_str(&self.message),
            (false, true) => f.write_str(&self.code),
            (false, false) => write!(f, "{}: {}", self.code, self.message),
        }
    }
}

/// A parsed v2 removal answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct V2Answer {
    /// 0 succeeded; anything else failed (in whole or in part).
    pub status: i64,
    pub error: Option<ServiceError>,
    /// `details.processed/succeeded/failed`, when all three are there.
    pub counts: Option<Counts>,
    /// `details.faileditems`: the logins that were not removed, and why.
    pub failed: Vec<UserFailure>,
    /// Whether the answer had a `details` object at all.
    pub has_details: bool,
}

impl V2Answer {
    /// A failed answer (non-zero status, or an error) whose `details` give no counts: the failures
    /// it names need not be all of them, so who was removed is not known from the answer.
    fn failed_without_counts(&self) -> bool {
        self.has_details && self.counts.is_none() && (self.status != 0 || self.error.is_some())
    }
}

/// `POST {base}/interop/rest/security/v2/users/remove` with `{"users":[{"userlogin":…}]}`.
pub fn remove_v2_request<'a>(
    base: &EpmBase,
    logins: impl IntoIterator<Item = &'a str>,
    auth: &Auth,
) -> Request {
    let users: Vec<Value> = logins
        .into_iter()
        .map(|l| Value::object([("userlogin", Value::from(l))]))
        .collect();
    Request::new(
        Method::Post,
        base.url("/interop/rest/security/v2/users/remove"),
    )
    .header("Authorization", auth.header_value())
    .header("Accept", "application/json")
    .header("Content-Type", "application/json")
    .body(Value::object([("users", Value::Array(users))]).to_string())
}

/// Reads the `error` object shared by the synchronous security APIs.
pub(crate) fn service_error(root: &Map) -> Result<Option<ServiceError>, ParseError> {
    match json::get_ci(root, "error") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(e)) => Ok(Some(ServiceError {
            code: json::optional_string(e, "errorcode")
                .map_err(|x| x.within("error"))?
                .unwrap_or_default(),
            message: json::optional_string(e, "errormessage")
                .map_err(|x| x.within("error"))?
                .unwrap_or_default(),
        })),
        Some(Value::String(s)) => Ok(Some(ServiceError {
            code: String::new(),
            message: s.clone(),
        })),
        Some(other) => Err(json::wrong_type("error", "an object", other)),
    }
}

/// Parses a v2 removal answer; malformed bodies give an error naming what was wrong.
pub fn parse_v2(body: &[u8]) -> Result<V2Answer, ParseError> {
    let root = json::object(body)?;
    let status = json::required_int(&root, "status")?;
    let error = service_error(&root)?;
    let details = match json::get_ci(&root, "details") {
        None | Some(Value::Null) => None,
        Some(Value::Object(d)) => Some(d),
        Some(other) => return Err(json::wrong_type("details", "an object", other)),
    };
    let (counts, failed) = match details {
        None => (None, Vec::new()),
        Some(d) => {
            let count = |k: &str| json::optional_int(d, k).map_err(|e| e.within("details"));
            let counts = match (count("processed")?, count("succeeded")?, count("failed")?) {
                (Some(p), Some(s), Some(f)) if p >= 0 && s >= 0 && f >= 0 => Some(Counts {
                    processed: p as u64,
                    succeeded: s as u64,
                    failed: f as u64,
                }),
                _ => None,
            };
            let failed = json::object_array(d, "faileditems")
                .map_err(|e| e.within("details"))?
                .into_iter()
                .enumerate()
                .map(|(i, item)| {
                    failed_item(item).map_err(|e| e.within(&format!("details.faileditems[{i}]")))
                })
                .collect::<Result<_, _>>()?;
            (counts, failed)
        }
    };
    Ok(V2Answer {
        status,
        error,
        counts,
        failed,
        has_details: details.is_some(),
    })
}

/// One failed item: the login (`userlogin`, or `UserName`) and its error code and message.
fn failed_item(item: &Map) -> Result<UserFailure, ParseError> {
    let login = match json::optional_string(item, "userlogin")? {
        Some(l) => l,
        None => json::optional_string(item, "UserName")?
            .ok_or_else(|| ParseError::Missing("userlogin".into()))?,
    };
    let message = match json::optional_string(item, "errormessage")? {
        Some(m) => m,
        None => json::optional_string(item, "Error_Details")?.unwrap_or_default(),
    };
    let code = json::optional_string(item, "errorcode")?.unwrap_or_default();
    let message = ServiceError { code, message }.to_string();
    Ok(UserFailure { login, message })
}

/// Whether a v2 answer's counts disagree with the failures it names, or a failed answer gives no
/// counts (List Users then settles the users it does not name).
pub fn is_unclear(users: &[PlanEntry], answer: &V2Answer) -> bool {
    answer.failed_without_counts()
        || answer.has_details && failures_disagree(users, &answer.failed, answer.counts)
}

/// Maps a v2 answer to one outcome per user of the batch: per-user outcomes when the answer
/// has `details` with counts (or succeeded); a failed answer without counts follows List Users
/// (`listed`) and otherwise fails the whole batch, as does a request-level error without `details`.
pub fn map_v2(
    batch_index: usize,
    users: &[PlanEntry],
    answer: &V2Answer,
    stamp: Stamp,
    listed: Option<&Listed>,
) -> BatchReport {
    if answer.has_details && !answer.failed_without_counts() {
        let mut report = map_failures(
            batch_index,
            users,
            &answer.failed,
            answer.counts,
            stamp,
            listed,
        );
        if let Some(e) = &answer.error {
            report.notes.push(format!(
                "Batch {}: the service also reported {e}.",
                batch_index + 1
            ));
        }
        return report;
    }
    let reason = match (&answer.error, answer.status) {
        (Some(e), _) => e.to_string(),
        (None, 0) => return map_failures(batch_index, users, &[], None, stamp, None),
        (None, status) if answer.has_details => {
            format!("the service answered status {status} without counts")
        }
        (None, status) => format!("the service answered status {status} without details"),
    };
    if !answer.failed_without_counts() {
        return whole_batch_failed(batch_index, users, &reason, None, stamp);
    }
    // The users it names keep their own outcome and reason; of the others, List Users tells.
    let named = map_failures(batch_index, users, &answer.failed, None, stamp, None);
    let mut report = match listed {
        Some(listed) => failed_job_listed(
            batch_index,
            users,
            "the removal request",
            &reason,
            listed,
            stamp,
        ),
        None => whole_batch_failed(batch_index, users, &reason, None, stamp),
    };
    for (result, own) in report.results.iter_mut().zip(named.results) {
        if own.outcome != Outcome::Removed {
            *result = own;
        }
    }
    report.notes.extend(named.notes);
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::Outcome;

    const STAMP: Stamp = Stamp {
        http_status: Some(200),
        attempts: 1,
        at_ms: 0.0,
    };

    fn outcomes(report: &BatchReport) -> Vec<Outcome> {
        report.results.iter().map(|r| r.outcome.clone()).collect()
    }

    fn users(logins: &[&str]) -> Vec<PlanEntry> {
        crate::epm::testing::plan(logins)
    }

    #[test]
    fn the_request_carries_the_logins_as_documented() {
        let base = EpmBase::parse("https://epm.example.com").unwrap();
        let req = remove_v2_request(&base, ["jdoe", "chris"], &Auth::Bearer("t".into()));
        assert_eq!(req.method, Method::Post);
        assert_eq!(
            req.url,
            "https://epm.example.com/interop/rest/security/v2/users/remove"
        );
        assert!(req
            .headers
            .contains(&("Content-Type".into(), "application/json".into())));
        let body: serde_json::Value = serde_json::from_slice(req.body.as_deref().unwrap()).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"users": [{"userlogin": "jdoe"}, {"userlogin": "chris"}]})
        );
    }

    #[test]
    fn all_succeeded() {
        let a = parse_v2(
            br#"{"links":{"href":"x","action":"POST"},"status":0,"error":null,
            "details":{"processed":2,"succeeded":2,"failed":0,"faileditems":null}}"#,
        )
        .unwrap();
        assert_eq!(
            a.counts,
            Some(Counts {
                processed: 2,
                succeeded: 2,
                failed: 0
            })
        );
        let report = map_v2(0, &users(&["jdoe", "chris"]), &a, STAMP, None);
        assert!(report.results.iter().all(|r| r.outcome == Outcome::Removed));
        assert!(report.notes.is_empty(), "{:?}", report.notes);
    }

    #[test]
    fn partial_failure_names_the_failed_users() {
        let a = parse_v2(br#"{"status":1,"error":null,"details":{"processed":3,"succeeded":1,"failed":2,
            "faileditems":[{"userlogin":"JDOE","errorcode":"EPMCSS-21104","errormessage":"User jdoe is not found."},
                           {"userlogin":"chris","errorcode":"EPMCSS-21105","errormessage":"Cannot remove an administrator."}]}}"#)
        .unwrap();
        let report = map_v2(0, &users(&["jdoe", "chris", "ann"]), &a, STAMP, None);
        assert_eq!(
            outcomes(&report),
            [Outcome::NotFound, Outcome::Failed, Outcome::Removed]
        );
        assert_eq!(
            report.results[1].message,
            "EPMCSS-21105: Cannot remove an administrator."
        );
        assert!(report.notes.is_empty(), "{:?}", report.notes);
    }

    #[test]
    fn a_request_error_fails_the_batch_with_its_code_and_message() {
        let a = parse_v2(br#"{"links":{},"status":1,"error":{"errorcode":"EPMCSS-21147",
            "errormessage":"Failed to remove users. Invalid or insufficient parameters specified."},"details":null}"#)
        .unwrap();
        let report = map_v2(0, &users(&["a", "b"]), &a, STAMP, None);
        assert!(report.results.iter().all(|r| r.outcome == Outcome::Failed
            && r.message == "EPMCSS-21147: Failed to remove users. Invalid or insufficient parameters specified."));
    }

    #[test]
    fn a_failed_answer_without_counts_removes_nobody_unless_list_users_says_so() {
        let a = parse_v2(br#"{"status":1,"error":{"errorcode":"EPMCSS-21147","errormessage":"Failed to remove users."},
            "details":{"faileditems":null}}"#)
        .unwrap();
        let batch = users(&["jdoe", "chris"]);
        assert!(is_unclear(&batch, &a), "List Users is asked who is gone");
        let report = map_v2(0, &batch, &a, STAMP, None);
        assert!(
            report.results.iter().all(|r| r.outcome == Outcome::Failed
                && r.message == "EPMCSS-21147: Failed to remove users."),
            "{:?}",
            report.results
        );
        // Check who exists found both before the run: the one List Users no longer has was removed.
        let (gone, everyone_there) = ([true, false], std::collections::HashSet::new());
        let listed = Listed {
            gone: &gone,
            absent_before: Some(&everyone_there),
        };
        let report = map_v2(0, &batch, &a, STAMP, Some(&listed));
        assert_eq!(outcomes(&report), [Outcome::Removed, Outcome::Failed]);
        assert!(report.results[0]
            .message
            .contains("List Users no longer has this login"));
        assert_eq!(
            report.results[1].message,
            "EPMCSS-21147: Failed to remove users."
        );
    }

    #[test]
    fn a_failed_answer_without_counts_keeps_the_reasons_it_names() {
        let a = parse_v2(br#"{"status":1,"error":null,"details":{"faileditems":[
            {"userlogin":"jdoe","errorcode":"EPMCSS-21104","errormessage":"User jdoe is not found."},
            {"userlogin":"chris","errorcode":"EPMCSS-21105","errormessage":"Cannot remove an administrator."}]}}"#)
        .unwrap();
        let batch = users(&["jdoe", "chris", "ann"]);
        assert!(is_unclear(&batch, &a), "who else went is not known");
        let report = map_v2(0, &batch, &a, STAMP, None);
        assert_eq!(
            outcomes(&report),
            [Outcome::NotFound, Outcome::Failed, Outcome::Failed]
        );
        assert_eq!(
            report.results[1].message,
            "EPMCSS-21105: Cannot remove an administrator."
        );
        assert_eq!(
            report.results[2].message,
            "the service answered status 1 without counts"
        );
        let (gone, everyone_there) = ([true, false, true], std::collections::HashSet::new());
        let listed = Listed {
            gone: &gone,
            absent_before: Some(&everyone_there),
        };
        let report = map_v2(0, &batch, &a, STAMP, Some(&listed));
        assert_eq!(
            outcomes(&report),
            [Outcome::NotFound, Outcome::Failed, Outcome::Removed]
        );
        assert!(
            report.results[2]
                .message
                .contains("the removal request failed"),
            "{}",
            report.results[2].message
        );
    }

    #[test]
    fn malformed_answers_are_clear_errors() {
        let cases: &[(&str, &str)] = &[
            ("<html><body>Bad Gateway</body></html>", "HTML page"),
            ("{", "not valid JSON"),
            (r#"{"error":null}"#, "no \"status\""),
            (
                r#"{"status":0,"details":[]}"#,
                "\"details\" should be an object",
            ),
            (
                r#"{"status":0,"details":{"processed":"2"}}"#,
                "\"details.processed\" should be an integer",
            ),
            (
                r#"{"status":0,"details":{"faileditems":[{"errorcode":"X"}]}}"#,
                "details.faileditems[0].userlogin",
            ),
            (
                r#"{"status":1,"error":42}"#,
                "\"error\" should be an object",
            ),
        ];
        for (body, expected) in cases {
            let err = parse_v2(body.as_bytes()).unwrap_err().to_string();
            assert!(
                err.contains(expected),
                "{body} gave {err:?}, expected {expected:?}"
            );
        }
    }
}
