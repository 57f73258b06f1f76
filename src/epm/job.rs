//! The status body every EPM migration and security call answers with (upload, removal job,
//! job status, file deletion), and the job's `details` counts.

use crate::json::Map;

use super::json::{self, ParseError};

/// Where a job is, from the body's `status` (0 done, -1 running, anything else failed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobState {
    /// `status` -1: still running; the API gives no percentage.
    Running,
    /// `status` 0: finished; per-user failures, if any, are in `items`.
    Done,
    /// Any other status: the operation failed as a whole; `details` says why.
    Failed(i64),
}

/// One link of a status body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    pub rel: String,
    pub href: String,
    pub action: Option<String>,
}

/// One entry of a finished job's `items`: a login that could not be removed, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailedItem {
    pub user_name: String,
    pub error_details: String,
}

/// A parsed EPM status body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusBody {
    pub status: i64,
    pub details: Option<String>,
    pub links: Vec<Link>,
    pub items: Vec<FailedItem>,
}

/// The numbers of a finished job's `details` (`Processed - N, Succeeded - N, Failed - N.`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counts {
    pub processed: u64,
    pub succeeded: u64,
    pub failed: u64,
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Processed - {}, Succeeded - {}, Failed - {}",
            self.processed, self.succeeded, self.failed
        )
    }
}

impl StatusBody {
    /// What `status` means.
    pub fn state(&self) -> JobState {
        match self.status {
            -1 => JobState::Running,
            0 => JobState::Done,
            other => JobState::Failed(other),
        }
    }

    /// The `href` of the link whose `rel` is `Job Status`, to be polled as given.
    pub fn job_status_href(&self) -> Option<&str> {
        self.links
            .iter()
            .find(|l| l.rel.trim().eq_ignore_ascii_case("job status"))
            .map(|l| l.href.as_str())
    }

    /// The counts in `details`, when it carries all three.
    pub fn counts(&self) -> Option<Counts> {
        self.details.as_deref().and_then(parse_counts)
    }

    /// `details`, or a description of the status when there is none.
    pub fn details_or_status(&self) -> String {
        match self.details.as_deref().map(str::trim) {
            Some(d) if !d.is_empty() => d.to_string(),
            _ => format!("status {} with no details", self.status),
        }
    }
}

/// Parses a status body. Malformed bodies give an error that names what was wrong.
pub fn parse_status(body: &[u8]) -> Result<StatusBody, ParseError> {
    let root = json::object(body)?;
    let status = json::required_int(&root, "status")?;
    let details = json::optional_string(&root, "details")?;
    let links = json::object_array(&root, "links")?
        .into_iter()
        .enumerate()
        .map(|(i, l)| link(l).map_err(|e| e.within(&format!("links[{i}]"))))
        .collect::<Result<_, _>>()?;
    let items = json::object_array(&root, "items")?
        .into_iter()
        .map(failed_item)
        .collect();
    Ok(StatusBody {
        status,
        details,
        links,
        items,
    })
}

fn link(obj: &Map) -> Result<Link, ParseError> {
    Ok(Link {
        rel: json::optional_string(obj, "rel")?.unwrap_or_default(),
        href: json::optional_string(obj, "href")?.unwrap_or_default(),
        action: json::optional_string(obj, "action")?,
    })
}

/// One failure. An item whose `UserName` is missing or not text is still a failure, naming no
/// login (the job's answer stays readable: its status and counts decide the batch).
fn failed_item(obj: &Map) -> FailedItem {
    let text = |key| {
        json::optional_string(obj, key)
            .ok()
            .flatten()
            .unwrap_or_default()
    };
    FailedItem {
        user_name: text("UserName"),
        error_details: text("Error_Details"),
    }
}

/// Reads `Processed - N, Succeeded - N, Failed - N.` from a job's `details`, tolerant of case,
/// spacing, `-`/`:`/`=` separators and a missing final dot. `None` unless all three are there.
pub fn parse_counts(details: &str) -> Option<Counts> {
    let lower = details.to_ascii_lowercase();
    Some(Counts {
        processed: number_after(&lower, "processed")?,
        succeeded: number_after(&lower, "succeeded")?,
        failed: number_after(&lower, "failed")?,
    })
}

/// The first number that follows `key` (after spaces and one separator), over every occurrence.
fn number_after(text: &str, key: &str) -> Option<u64> {
    text.match_indices(key).find_map(|(at, _)| {
        let rest = text[at + key.len()..].trim_start();
        let rest = rest
            .strip_prefix(['-', ':', '='])
            .unwrap_or(rest)
            .trim_start();
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE_1: &str = r#"{
      "links": [
        {"rel": "self", "href": "https://epm.example.com/interop/rest/security/v1/users?filename=removeUsers.csv",
         "data": {"jobType": "REMOVE_USERS", "filename": "removeUsers.csv"}, "action": "DELETE"},
        {"rel": "Job Status", "href": "https://epm.example.com/interop/rest/security/v1/jobs/17",
         "data": null, "action": "GET"}
      ],
      "details": null, "status": -1, "items": null
    }"#;

    const EXAMPLE_2: &str = r#"{
      "links": [{"rel": "self", "href": "https://epm.example.com/interop/rest/security/v1/jobs/17",
                 "data": null, "action": "GET"}],
      "details": "Failed to remove users. Input file removeUsers.csv is not found. Specify a valid file name.",
      "status": 1, "items": null
    }"#;

    /// The reference's Example 3, repaired: its comma after the last item removed, and the
    /// closing bracket of `items` it lacks put back.
    const EXAMPLE_3: &str = r#"{
      "links": [{"rel": "self", "href": "https://epm.example.com/interop/rest/security/v1/jobs/17",
                 "data": null, "action": "GET"}],
      "details": "Processed - 3, Succeeded - 1, Failed - 2.",
      "status": 0,
      "items": [
         {"UserName":"jdoe","Error_Details": "User jdoe is not found. Verify that the user exists."},
         {"UserName":"chris","Error_Details": "User chris could not be removed."}
      ]
    }"#;

    #[test]
    fn example_1_is_a_running_job_with_its_status_link() {
        let body = parse_status(EXAMPLE_1.as_bytes()).unwrap();
        assert_eq!(body.state(), JobState::Running);
        assert_eq!(
            body.job_status_href(),
            Some("https://epm.example.com/interop/rest/security/v1/jobs/17")
        );
        assert_eq!(body.details, None);
        assert!(body.items.is_empty());
        assert_eq!(body.counts(), None);
    }

    #[test]
    fn example_2_is_a_whole_job_failure_with_its_reason() {
        let body = parse_status(EXAMPLE_2.as_bytes()).unwrap();
        assert_eq!(body.state(), JobState::Failed(1));
        assert!(body.details_or_status().contains("is not found"));
        assert_eq!(body.job_status_href(), None);
        assert_eq!(body.counts(), None);
    }

    #[test]
    fn example_3_gives_counts_and_named_failures() {
        let body = parse_status(EXAMPLE_3.as_bytes()).unwrap();
        assert_eq!(body.state(), JobState::Done);
        assert_eq!(
            body.counts(),
            Some(Counts {
                processed: 3,
                succeeded: 1,
                failed: 2
            })
        );
        assert_eq!(body.items.len(), 2);
        assert_eq!(body.items[0].user_name, "jdoe");
        assert!(body.items[0].error_details.contains("not found"));
    }

    #[test]
    fn a_comma_after_the_last_item_as_in_the_reference_example_3_reads_the_same() {
        let as_documented = EXAMPLE_3.replace(
            "could not be removed.\"}\n      ]",
            "could not be removed.\"},\n      ]",
        );
        assert_ne!(as_documented, EXAMPLE_3);
        assert_eq!(
            parse_status(as_documented.as_bytes()).unwrap(),
            parse_status(EXAMPLE_3.as_bytes()).unwrap()
        );
        let doubled = as_documented.replace("},\n", "},,\n");
        let err = parse_status(doubled.as_bytes()).unwrap_err();
        assert!(matches!(err, ParseError::NotJson(_)), "{err}");
    }

    #[test]
    fn malformed_bodies_are_errors_that_say_what_was_wrong() {
        let cases: &[(&str, &str)] = &[
            ("", "empty"),
            ("Service Unavailable", "not valid JSON"),
            (
                "<!DOCTYPE html><html><body>Sign in</body></html>",
                "HTML page",
            ),
            ("[1,2]", "not a JSON object"),
            (r#"{"details": null}"#, "no \"status\""),
            (r#"{"status": "0"}"#, "\"status\" should be an integer"),
            (r#"{"status": 0.5}"#, "\"status\" should be an integer"),
            (
                r#"{"status": 0, "details": 3}"#,
                "\"details\" should be a string",
            ),
            (
                r#"{"status": 0, "items": {}}"#,
                "\"items\" should be an array",
            ),
            (
                r#"{"status": 0, "items": ["jdoe"]}"#,
                "\"items[0]\" should be an object",
            ),
            (
                r#"{"status": 0, "links": [{"rel": 1}]}"#,
                "\"links[0].rel\" should be a string",
            ),
        ];
        for (body, expected) in cases {
            let err = parse_status(body.as_bytes()).unwrap_err().to_string();
            assert!(
                err.contains(expected),
                "{body:?} gave {err:?}, expected {expected:?}"
            );
        }
    }

    #[test]
    fn an_item_naming_no_login_is_a_failure_without_one_not_an_unreadable_answer() {
        for item in [
            r#"{"Error_Details": "Line 3 could not be read."}"#,
            r#"{"UserName": null, "Error_Details": "Line 3 could not be read."}"#,
            r#"{"UserName": 7, "Error_Details": "Line 3 could not be read."}"#,
        ] {
            let body = format!(r#"{{"status": 0, "items": [{item}, {{"UserName": "jdoe"}}]}}"#);
            let parsed = parse_status(body.as_bytes()).unwrap();
            assert_eq!(
                parsed.items,
                [
                    FailedItem {
                        user_name: String::new(),
                        error_details: "Line 3 could not be read.".into()
                    },
                    FailedItem {
                        user_name: "jdoe".into(),
                        error_details: String::new()
                    }
                ],
                "{item}"
            );
        }
    }

    #[test]
    fn counts_tolerate_spacing_case_and_a_missing_dot() {
        let c = |p, s, f| {
            Some(Counts {
                processed: p,
                succeeded: s,
                failed: f,
            })
        };
        assert_eq!(
            parse_counts("Processed - 3, Succeeded - 1, Failed - 2."),
            c(3, 1, 2)
        );
        assert_eq!(
            parse_counts("Processed-10,Succeeded-10,Failed-0"),
            c(10, 10, 0)
        );
        assert_eq!(
            parse_counts("processed: 5 , succeeded: 4 , failed: 1"),
            c(5, 4, 1)
        );
        assert_eq!(
            parse_counts("Processed -  1000, Succeeded - 998, Failed - 2 ."),
            c(1000, 998, 2)
        );
        assert_eq!(
            parse_counts("Failed to remove some users. Processed - 3, Succeeded - 1, Failed - 2."),
            c(3, 1, 2)
        );
        assert_eq!(parse_counts("Processed - 3, Succeeded - 1"), None);
        assert_eq!(
            parse_counts("Failed to remove users. Input file x.csv is not found."),
            None
        );
        assert_eq!(parse_counts(""), None);
    }

    #[test]
    fn an_upload_answer_without_items_parses() {
        let body = parse_status(br#"{"status":0,"details":null,"links":[]}"#).unwrap();
        assert_eq!(body.state(), JobState::Done);
        let refused =
            parse_status(br#"{"status":8,"details":"File already exists.","links":[]}"#).unwrap();
        assert_eq!(refused.state(), JobState::Failed(8));
        assert_eq!(refused.details_or_status(), "File already exists.");
    }
}
