//! Rehearsal: what an EPM removal would report for each login, from List Users, before anything
//! is sent.

use super::batch::login_key;
use super::list::Presence;
use crate::run::outcome::{Outcome, UserResult};

/// The predicted result of removing `presence`'s login: removed when the tenant has it; "not
/// found" when it does not (the removal job names it with "User … is not found"); not allowed
/// for one of `own_logins` (the run's own account: the Basic user and `EpmConfig::own_login`),
/// which the run never sends. Nothing was sent (no status, no attempts).
pub fn rehearse(presence: &Presence, own_logins: &[&str], at_ms: f64) -> UserResult {
    let login = &presence.entry.user;
    let own = own_logins
        .iter()
        .any(|o| !o.trim().is_empty() && login_key(o) == login_key(login));
    let (outcome, message) = match &presence.user {
        _ if own => (
            Outcome::NotAllowed,
            "Would not be removed: this is the signed-in admin's own account.".to_string(),
        ),
        Some(user) => {
            let name = format!("{} {}", user.first_name.trim(), user.last_name.trim());
            let who = match (name.trim(), user.email.trim()) {
                ("", "") => user.login.clone(),
                ("", email) => email.to_string(),
                (name, "") => name.to_string(),
                (name, email) => format!("{name} ({email})"),
            };
            (Outcome::Removed, format!("Would be removed: {who}."))
        }
        None => (
            Outcome::NotFound,
            format!(
                "Would fail: the identity domain has no user with the login {login}, so the removal reports it \
                 as not found."
            ),
        ),
    };
    UserResult {
        row: presence.entry.row,
        user: login.clone(),
        outcome,
        http_status: None,
        message,
        attempts: 0,
        at_ms,
    }
}

/// [`rehearse`] for every login, in order.
pub fn rehearse_all(presence: &[Presence], own_logins: &[&str], at_ms: f64) -> Vec<UserResult> {
    presence
        .iter()
        .map(|p| rehearse(p, own_logins, at_ms))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::epm::list::{match_plan, EpmUser};
    use crate::epm::service::{Epm, EpmConfig};
    use crate::epm::testing::{plan, FakeEpm};
    use crate::epm::url::EpmBase;
    use crate::run::testing::{block_on, VirtualClock};
    use crate::run::{Auth, Control};

    const TENANT: [&str; 3] = ["Jane.Doe@example.com", "chris", "admin@example.com"];
    const PLAN: [&str; 4] = [
        "jane.doe@example.com",
        "ghost",
        "CHRIS",
        "Admin@Example.com",
    ];

    fn tenant_users() -> Vec<EpmUser> {
        TENANT
            .iter()
            .map(|l| EpmUser {
                login: l.to_string(),
                first_name: format!("First {l}"),
                last_name: String::new(),
                email: format!("{l}@mail.example.com"),
            })
            .collect()
    }

    #[test]
    fn every_prediction_is_what_the_real_v1_and_v2_runs_report() {
        let p = plan(&PLAN);
        let predicted: Vec<Outcome> = rehearse_all(
            &match_plan(&p, &tenant_users()),
            &["admin@example.com"],
            0.0,
        )
        .into_iter()
        .map(|r| r.outcome)
        .collect();
        assert_eq!(
            predicted,
            [
                Outcome::Removed,
                Outcome::NotFound,
                Outcome::Removed,
                Outcome::NotAllowed
            ]
        );
        for v2 in [false, true] {
            let clock = VirtualClock::new();
            let fake = FakeEpm::new(&clock, &TENANT);
            let control = Control::new(Auth::Basic {
                user: "admin@example.com".into(),
                password: "pw".into(),
            });
            let base = EpmBase::parse("https://epm.example.com").unwrap();
            let config = EpmConfig::default();
            let epm = Epm {
                http: &fake,
                clock: &clock,
                control: &control,
                base: &base,
                config: &config,
                outage: Default::default(),
            };
            let results = if v2 {
                block_on(&clock, 1e9, epm.remove_v2(&p, &mut |_| {}))
            } else {
                block_on(&clock, 1e9, epm.remove_v1("run1", &p, &mut |_| {}))
            };
            let real: Vec<Outcome> = p
                .iter()
                .map(|e| {
                    results
                        .iter()
                        .find(|r| r.row == e.row)
                        .unwrap()
                        .outcome
                        .clone()
                })
                .collect();
            assert_eq!(real, predicted, "v2: {v2}");
        }
    }

    #[test]
    fn predictions_name_the_user_or_say_why_it_would_fail() {
        let p = plan(&PLAN);
        let said = rehearse_all(
            &match_plan(&p, &tenant_users()),
            &[" ", "ADMIN@example.com"],
            5.0,
        );
        assert_eq!(
            said[0].message,
            "Would be removed: First Jane.Doe@example.com (Jane.Doe@example.com@mail.example.com)."
        );
        assert!(said[1]
            .message
            .starts_with("Would fail: the identity domain has no user with the login ghost"));
        assert!(
            said[3].message.contains("own account"),
            "{}",
            said[3].message
        );
        assert!(said
            .iter()
            .all(|r| r.attempts == 0 && r.http_status.is_none() && r.at_ms == 5.0));
        assert_eq!(said.iter().map(|r| r.row).collect::<Vec<_>>(), [2, 3, 4, 5]);
    }
}
