//! User Details (lookup by e-mail): the user it returns, and what would stop its removal.

use crate::json::{self, Value};

use super::body::{excerpt, looks_like_html};
use crate::run::http::{NetError, Response};
use crate::run::retry_after;

/// A user as the lookup describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RsaUser {
    /// The user ID that Delete User Now needs.
    pub id: String,
    pub email_address: String,
    pub first_name: String,
    pub last_name: String,
    pub identity_source: String,
    /// `Enabled` or `Disabled`.
    pub user_status: String,
    /// Marked for deletion (pending deletion).
    pub mark_deleted: bool,
}

/// Why a looked-up user would not be removed, known before anything is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Blocker {
    /// Still enabled: the delete would answer 409.
    Enabled,
    /// Pending deletion: the delete would answer 409.
    PendingDeletion,
    /// SCIM-managed or Azure AD identity source: the delete would answer 405.
    ManagedSource,
}

impl Blocker {
    /// What the preview says about the user.
    pub fn message(self) -> &'static str {
        match self {
            Blocker::Enabled => "Still enabled: it will not be removed (409). Disable the user first.",
            Blocker::PendingDeletion => {
                "Pending deletion: it will not be removed now (409). Unmark it, or let it be removed within seven days."
            }
            Blocker::ManagedSource => {
                "SCIM-managed or Azure AD identity source: it cannot be removed here (405). Remove it in that directory."
            }
        }
    }
}

fn text(v: &Value, key: &str) -> String {
    match v.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Object(o)) => ["name", "type", "id"]
            .iter()
            .find_map(|k| o.get(k)?.as_str())
            .unwrap_or_default()
            .to_string(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

impl RsaUser {
    /// Reads the lookup's user object (or a one-element list of them). `None` without an `id`.
    pub fn parse(body: &[u8]) -> Option<RsaUser> {
        let value = json::parse_bytes(body).ok()?;
        let user = match &value {
            Value::Array(items) => items.first()?,
            v => v,
        };
        let id = text(user, "id");
        if id.is_empty() {
            return None;
        }
        let mark_deleted = match user.get("markDeleted") {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
            _ => false,
        };
        Some(RsaUser {
            id,
            email_address: text(user, "emailAddress"),
            first_name: text(user, "firstName"),
            last_name: text(user, "lastName"),
            identity_source: text(user, "identitySource"),
            user_status: text(user, "userStatus"),
            mark_deleted,
        })
    }

    /// "First Last", or the e-mail when the names are empty.
    pub fn display_name(&self) -> String {
        let name = format!("{} {}", self.first_name.trim(), self.last_name.trim());
        match name.trim() {
            "" => self.email_address.clone(),
            n => n.to_string(),
        }
    }

    /// Whether the user is enabled (`userStatus` "Enabled", in any case).
    pub fn is_enabled(&self) -> bool {
        self.user_status.trim().eq_ignore_ascii_case("enabled")
    }

    /// What would stop Delete User Now, judged from the lookup alone. The reference names the
    /// sources that answer 405 "SCIM Managed" and "Azure Active Directory (SCIM)": a source is
    /// taken for one of them when its name says SCIM (an LDAP directory named after Azure is not).
    pub fn blocker(&self) -> Option<Blocker> {
        if names_scim(&self.identity_source) {
            Some(Blocker::ManagedSource)
        } else if self.mark_deleted {
            Some(Blocker::PendingDeletion)
        } else if self.is_enabled() {
            Some(Blocker::Enabled)
        } else {
            None
        }
    }
}

/// Whether `source` holds "SCIM" in any case. An index loop: the release build (opt-level z) leaves
/// `windows(4).any(…)` as a call per window, and the end of a lookup asks this of every user found.
fn names_scim(source: &str) -> bool {
    let bytes = source.as_bytes();
    let mut at = 0;
    while at + 4 <= bytes.len() {
        if bytes[at..at + 4].eq_ignore_ascii_case(b"scim") {
            return true;
        }
        at += 1;
    }
    false
}

/// What one lookup answer means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LookupAnswer {
    Found(RsaUser),
    /// No synchronised user has this e-mail address.
    NotFound,
    /// 403: the credential was refused (pause and ask for a new one).
    CredentialRefused,
    /// 429: wait (`wait_ms` if the service said) and ask again.
    Throttled {
        wait_ms: Option<u64>,
    },
    /// 5xx or no answer: worth asking again.
    Retry(String),
    /// Anything else: this e-mail cannot be resolved; why.
    Failed(String),
}

/// Judges the answer to `POST …/users/lookup`; `now_ms` is since the Unix epoch.
pub fn judge_lookup(reply: &Result<Response, NetError>, now_ms: f64) -> LookupAnswer {
    let r = match reply {
        Ok(r) => r,
        Err(e) => return LookupAnswer::Retry(e.to_string()),
    };
    if looks_like_html(&r.body) {
        return LookupAnswer::Failed(format!(
            "HTTP {} came from a web page, not from the Cloud Administration API: check the API address.",
            r.status
        ));
    }
    match r.status {
        200 => RsaUser::parse(&r.body).map_or_else(
            || {
                LookupAnswer::Failed(format!(
                    "The lookup answered without a user ID: {}",
                    excerpt(&r.body, 200)
                ))
            },
            LookupAnswer::Found,
        ),
        404 => LookupAnswer::NotFound,
        403 => LookupAnswer::CredentialRefused,
        429 => LookupAnswer::Throttled {
            wait_ms: r
                .header("Retry-After")
                .and_then(|v| retry_after::wait_ms(v, now_ms)),
        },
        400 => LookupAnswer::Failed(
            "The service did not accept this e-mail address (HTTP 400).".to_string(),
        ),
        500..=599 => LookupAnswer::Retry(format!("Server error (HTTP {})", r.status)),
        s => LookupAnswer::Failed(format!(
            "Unexpected answer HTTP {s}: {}",
            excerpt(&r.body, 200)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const USER: &str = r#"{"id":"eb2e12ae-1112-451b-98e1-dfe4e6afd60d","emailAddress":"jo@acme.com",
        "firstName":"Jo","lastName":"Doe","identitySource":"Corp AD","userStatus":"Disabled",
        "markDeleted":false,"markDeletedAt":null,"creationDate":"2024-01-01T00:00:00Z"}"#;

    #[test]
    fn a_found_user_gives_its_id_name_and_no_blocker() {
        let LookupAnswer::Found(u) = judge_lookup(&Ok(Response::new(200, USER)), 0.0) else {
            panic!()
        };
        assert_eq!(u.id, "eb2e12ae-1112-451b-98e1-dfe4e6afd60d");
        assert_eq!(u.display_name(), "Jo Doe");
        assert_eq!(u.blocker(), None);
    }

    #[test]
    fn enabled_pending_and_managed_users_are_flagged_before_removal() {
        let enabled = USER.replace("Disabled", "Enabled");
        assert_eq!(
            RsaUser::parse(enabled.as_bytes()).unwrap().blocker(),
            Some(Blocker::Enabled)
        );
        let pending = USER.replace("\"markDeleted\":false", "\"markDeleted\":true");
        assert_eq!(
            RsaUser::parse(pending.as_bytes()).unwrap().blocker(),
            Some(Blocker::PendingDeletion)
        );
        let scim = USER.replace("\"Corp AD\"", r#"{"name":"Azure AD (SCIM)"}"#);
        let u = RsaUser::parse(scim.as_bytes()).unwrap();
        assert_eq!(
            (u.identity_source.as_str(), u.blocker()),
            ("Azure AD (SCIM)", Some(Blocker::ManagedSource))
        );
        for (source, blocker) in [
            ("SCIM Managed", Some(Blocker::ManagedSource)),
            (
                "Azure Active Directory (SCIM)",
                Some(Blocker::ManagedSource),
            ),
            ("Azure AD DS (LDAP)", None),
            ("corp scim", Some(Blocker::ManagedSource)),
            ("SCI", None),
        ] {
            let u = USER.replace("\"Corp AD\"", &format!("{{\"name\":\"{source}\"}}"));
            assert_eq!(
                RsaUser::parse(u.as_bytes()).unwrap().blocker(),
                blocker,
                "{source}"
            );
        }
        assert!(Blocker::Enabled
            .message()
            .contains("Disable the user first"));
    }

    #[test]
    fn other_answers_are_classified() {
        assert_eq!(
            judge_lookup(&Ok(Response::new(404, "{}")), 0.0),
            LookupAnswer::NotFound
        );
        assert_eq!(
            judge_lookup(&Ok(Response::new(403, "")), 0.0),
            LookupAnswer::CredentialRefused
        );
        let mut r = Response::new(429, "");
        r.headers.push(("Retry-After".into(), "2".into()));
        assert_eq!(
            judge_lookup(&Ok(r), 0.0),
            LookupAnswer::Throttled {
                wait_ms: Some(2_000)
            }
        );
        assert!(matches!(
            judge_lookup(&Err(NetError::Timeout), 0.0),
            LookupAnswer::Retry(_)
        ));
        assert!(matches!(
            judge_lookup(&Ok(Response::new(200, "{}")), 0.0),
            LookupAnswer::Failed(_)
        ));
        assert!(
            matches!(judge_lookup(&Ok(Response::new(200, "<html>")), 0.0), LookupAnswer::Failed(m) if m.contains("web page"))
        );
        let name_only = r#"[{"id":"x","emailAddress":"a@b.c"}]"#;
        assert_eq!(
            RsaUser::parse(name_only.as_bytes()).unwrap().display_name(),
            "a@b.c"
        );
    }
}
