//! "List Users": who exists in the tenant, matched locally against the plan before anything
//! is removed.

use std::collections::{HashMap, HashSet};

use crate::json::{Map, Value};

use crate::run::outcome::PlanEntry;
use crate::run::{Auth, Clock, Http, Method, Request, RunEvent};

use super::batch::login_key;
use super::json::{self, ParseError};
use super::service::Epm;
use super::url::EpmBase;
use super::v2::{service_error, ServiceError};

/// A user the tenant knows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EpmUser {
    pub login: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
}

/// A parsed List Users answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListAnswer {
    pub status: i64,
    pub error: Option<ServiceError>,
    pub users: Vec<EpmUser>,
}

/// `POST {base}/interop/rest/security/v1/users/list` with an empty filter: every user.
pub fn list_users_request(base: &EpmBase, auth: &Auth) -> Request {
    Request::new(
        Method::Post,
        base.url("/interop/rest/security/v1/users/list"),
    )
    .header("Authorization", auth.header_value())
    .header("Accept", "application/json")
    .header("Content-Type", "application/json")
    .body(Value::Object(Map::default()).to_string())
}

/// The harmless authenticated call behind "Test connection": List Users filtered on a login that
/// cannot exist, so the answer proves reachability and authorisation without listing the tenant.
pub fn connection_test_request(base: &EpmBase, auth: &Auth) -> Request {
    Request::new(
        Method::Post,
        base.url("/interop/rest/security/v1/users/list"),
    )
    .header("Authorization", auth.header_value())
    .header("Accept", "application/json")
    .header("Content-Type", "application/json")
    .body(
        Value::object([("userlogin", Value::from("offboard-connection-test.invalid"))]).to_string(),
    )
}

/// Parses a List Users answer. The users are read from `details` (an array of
/// `{userlogin, firstname, lastname, email}`), or from `details.users` or `items`.
pub fn parse_list(body: &[u8]) -> Result<ListAnswer, ParseError> {
    let root = json::object(body)?;
    let status = json::required_int(&root, "status")?;
    let error = service_error(&root)?;
    let (field, users) = match json::get_ci(&root, "details") {
        Some(Value::Object(d)) => (
            "details.users",
            json::object_array(d, "users").map_err(|e| e.within("details"))?,
        ),
        Some(Value::Array(_)) => ("details", json::object_array(&root, "details")?),
        None | Some(Value::Null) => ("items", json::object_array(&root, "items")?),
        Some(other) => return Err(json::wrong_type("details", "an array", other)),
    };
    let users = users
        .into_iter()
        .enumerate()
        .map(|(i, u)| user(u).map_err(|e| e.within(&format!("{field}[{i}]"))))
        .collect::<Result<_, _>>()?;
    Ok(ListAnswer {
        status,
        error,
        users,
    })
}

fn user(obj: &Map) -> Result<EpmUser, ParseError> {
    let text = |k: &str| json::optional_string(obj, k).map(Option::unwrap_or_default);
    let login = json::optional_string(obj, "userlogin")?
        .ok_or_else(|| ParseError::Missing("userlogin".into()))?;
    Ok(EpmUser {
        login,
        first_name: text("firstname")?,
        last_name: text("lastname")?,
        email: text("email")?,
    })
}

/// One plan entry and the tenant's user with that login, if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Presence {
    pub entry: PlanEntry,
    /// `None`: the tenant has no such login; removing it would fail.
    pub user: Option<EpmUser>,
}

/// Matches every plan login to the tenant's users, case-insensitively, as EPM does.
pub fn match_plan(plan: &[PlanEntry], users: &[EpmUser]) -> Vec<Presence> {
    let by_login: HashMap<String, &EpmUser> =
        users.iter().map(|u| (login_key(&u.login), u)).collect();
    plan.iter()
        .map(|entry| Presence {
            entry: entry.clone(),
            user: by_login.get(&login_key(&entry.user)).map(|u| (*u).clone()),
        })
        .collect()
}

/// The [`login_key`]s of the logins the tenant did not have, for [`super::EpmConfig::absent_before`].
pub fn absent_keys(presence: &[Presence]) -> HashSet<String> {
    presence
        .iter()
        .filter(|p| p.user.is_none())
        .map(|p| login_key(&p.entry.user))
        .collect()
}

/// The logins "Check who exists" found missing before a run that started at `run_started_ms`
/// (ms since the epoch): `None` without a check, or when its answer came at `checked_ms` after the
/// run started (a resumed run, checked again meanwhile): a login missing then may be one the run
/// itself removed.
pub fn absent_before(
    presence: &[Presence],
    checked_ms: f64,
    run_started_ms: f64,
) -> Option<HashSet<String>> {
    (!presence.is_empty() && checked_ms <= run_started_ms).then(|| absent_keys(presence))
}

/// The plan without the logins the tenant does not have.
pub fn existing_only(presence: &[Presence]) -> Vec<PlanEntry> {
    presence
        .iter()
        .filter(|p| p.user.is_some())
        .map(|p| p.entry.clone())
        .collect()
}

impl<H: Http, C: Clock> Epm<'_, H, C> {
    /// Lists every user of the tenant (one call; repeated on network errors, 5xx and 429).
    pub async fn list_users(
        &self,
        mut emit: &mut dyn FnMut(RunEvent),
    ) -> Result<Vec<EpmUser>, String> {
        let (answer, _) = self
            .call_safely(
                |auth| list_users_request(self.base, auth),
                parse_list,
                &mut emit,
            )
            .await?;
        match (answer.status, answer.error) {
            (0, _) => Ok(answer.users),
            (_, Some(e)) => Err(format!("the service could not list users: {e}")),
            (status, None) => Err(format!(
                "the service could not list users (status {status})"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::epm::service::EpmConfig;
    use crate::epm::testing::{plan, FakeEpm};
    use crate::run::testing::{block_on, VirtualClock};
    use crate::run::{Control, NetError};

    const ANSWER: &str = r#"{"links":{"href":"x","action":"POST"},"status":0,"error":null,"details":[
        {"userlogin":"Jane.Doe@Example.com","firstname":"Jane","lastname":"Doe","email":"jane.doe@example.com"},
        {"userlogin":"chris","firstname":"Chris","lastname":null,"email":"chris@example.com"}]}"#;

    #[test]
    fn users_are_read_with_their_names_and_emails() {
        let a = parse_list(ANSWER.as_bytes()).unwrap();
        assert_eq!(a.status, 0);
        assert_eq!(a.users.len(), 2);
        assert_eq!(a.users[0].first_name, "Jane");
        assert_eq!(a.users[1].last_name, "");
        let nested =
            parse_list(br#"{"status":0,"details":{"users":[{"userlogin":"x"}]}}"#).unwrap();
        assert_eq!(nested.users[0].login, "x");
    }

    #[test]
    fn plan_logins_match_existing_users_in_any_case() {
        let a = parse_list(ANSWER.as_bytes()).unwrap();
        let p = plan(&["jane.doe@example.com", "ghost", "CHRIS"]);
        let presence = match_plan(&p, &a.users);
        assert_eq!(presence[0].user.as_ref().unwrap().last_name, "Doe");
        assert_eq!(presence[1].user, None);
        assert!(presence[2].user.is_some());
        assert_eq!(absent_keys(&presence), HashSet::from(["ghost".to_string()]));
        assert_eq!(
            absent_before(&presence, 1_000.0, 2_000.0),
            Some(HashSet::from(["ghost".to_string()]))
        );
        assert_eq!(
            absent_before(&presence, 3_000.0, 2_000.0),
            None,
            "checked after the run started: it may have removed them"
        );
        assert_eq!(absent_before(&[], 1_000.0, 2_000.0), None);
        let kept = existing_only(&presence);
        assert_eq!(
            kept.iter().map(|e| e.row).collect::<Vec<_>>(),
            [2, 4],
            "original rows are kept"
        );
    }

    #[test]
    fn malformed_and_refused_listings_are_clear_errors() {
        let err = parse_list(br#"{"status":0,"details":[{"firstname":"x"}]}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("details[0].userlogin"), "{err}");
        let err = parse_list(br#"{"status":0,"details":{"users":7}}"#)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("\"details.users\" should be an array"),
            "{err}"
        );
        let refused = parse_list(
            br#"{"status":1,"error":{"errorcode":"EPMCSS-1","errormessage":"No."},"details":null}"#,
        )
        .unwrap();
        assert_eq!(refused.error.unwrap().to_string(), "EPMCSS-1: No.");
    }

    #[test]
    fn the_listing_is_fetched_once_and_retried_after_a_network_error() {
        let clock = VirtualClock::new();
        let fake = FakeEpm::new(&clock, &["a", "B"]);
        fake.fail(1, |_| true, Err(NetError::Unreachable("reset".into())));
        let control = Control::new(crate::run::Auth::Basic {
            user: "admin@example.com".into(),
            password: "pw".into(),
        });
        let base = EpmBase::parse("https://epm.example.com").unwrap();
        let cfg = EpmConfig::default();
        let epm = Epm {
            http: &fake,
            clock: &clock,
            control: &control,
            base: &base,
            config: &cfg,
            outage: Default::default(),
        };
        let users = block_on(&clock, 1e9, epm.list_users(&mut |_| {})).unwrap();
        let logins: Vec<_> = users.iter().map(|u| u.login.as_str()).collect();
        assert_eq!(logins, ["a", "B"]);
        assert_eq!(fake.log().len(), 2);
    }
}
