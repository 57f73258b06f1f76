//! Which requests each user's removal takes: optional preparatory steps (unmark, disable), then
//! Delete User Now, chosen from the user's lookup and the admin's options.

use std::collections::HashMap;

use crate::rsa::lookup::{Blocker, RsaUser};
use crate::rsa::resolve::Resolution;
use crate::run::outcome::PlanEntry;

/// One request of a user's removal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// `PUT …/users/{id}/markDeleted {"markDeleted": false}`.
    Unmark,
    /// `PUT …/users/{id}/userStatus {"userStatus": "Disabled"}`.
    Disable,
    /// `DELETE …/users/{id}` (Delete User Now).
    Delete,
}

impl Step {
    /// The step as a noun: "cancelled before the delete".
    pub fn noun(self) -> &'static str {
        match self {
            Step::Unmark => "unmark",
            Step::Disable => "disable",
            Step::Delete => "delete",
        }
    }

    /// What a user is once the step went through: "not deleted".
    pub fn past(self) -> &'static str {
        match self {
            Step::Unmark => "unmarked",
            Step::Disable => "disabled",
            Step::Delete => "deleted",
        }
    }
}

/// The steps of one user's removal, always in this order: unmark (if chosen), disable (if
/// chosen), delete. Built this way, every list ends with exactly one delete.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Steps {
    pub unmark: bool,
    pub disable: bool,
}

impl Steps {
    /// Delete User Now alone.
    pub const DELETE_ONLY: Steps = Steps {
        unmark: false,
        disable: false,
    };

    /// The requests, in order.
    pub fn list(self) -> Vec<Step> {
        let prep = [(self.unmark, Step::Unmark), (self.disable, Step::Disable)];
        prep.into_iter()
            .filter_map(|(on, step)| on.then_some(step))
            .chain([Step::Delete])
            .collect()
    }

    /// Step `index` (from 0); the delete for any index past the end.
    pub fn get(self, index: usize) -> Step {
        self.list().get(index).copied().unwrap_or(Step::Delete)
    }

    /// One character for the journal: `0` delete only, `1` unmark, `2` disable, `3` both first.
    pub fn code(self) -> char {
        match (self.unmark, self.disable) {
            (false, false) => '0',
            (true, false) => '1',
            (false, true) => '2',
            (true, true) => '3',
        }
    }

    /// The steps of a [`Steps::code`].
    pub fn from_code(code: char) -> Option<Steps> {
        let (unmark, disable) = match code {
            '0' => (false, false),
            '1' => (true, false),
            '2' => (false, true),
            '3' => (true, true),
            _ => return None,
        };
        Some(Steps { unmark, disable })
    }

    /// For a user whose state is unknown (no lookup): every step the options may need. A step
    /// the user does not need answers 409 ("already so") and the removal goes on.
    pub fn blind(options: RemovalOptions) -> Steps {
        Steps {
            unmark: options.unmark_pending,
            disable: options.disable_first || options.unmark_pending,
        }
    }
}

/// What the admin chose to do before Delete User Now, which removes only disabled users that
/// are not pending deletion.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RemovalOptions {
    /// "Disable first": disable an enabled user, then delete it.
    pub disable_first: bool,
    /// "Unmark and delete now": take the mark off a user pending deletion (and disable it if
    /// enabled), then delete it, instead of waiting for the service to remove it.
    pub unmark_pending: bool,
}

/// The steps for a looked-up user. A step is taken only when it makes the delete possible: a
/// SCIM-managed or Azure AD user (whose delete answers 405 anyway) and a user pending deletion
/// without "unmark and delete now" (whose delete answers 409 anyway) are left untouched.
pub fn steps_for(user: &RsaUser, options: RemovalOptions) -> Steps {
    let enabled = user.is_enabled();
    match user.blocker() {
        Some(Blocker::ManagedSource) => Steps::DELETE_ONLY,
        Some(Blocker::PendingDeletion) if options.unmark_pending => Steps {
            unmark: true,
            disable: enabled,
        },
        Some(Blocker::PendingDeletion) => Steps::DELETE_ONLY,
        Some(Blocker::Enabled) => Steps {
            unmark: false,
            disable: options.disable_first,
        },
        None => Steps::DELETE_ONLY,
    }
}

/// The steps of every user of a run, by user ID (ignoring case and surrounding spaces), with a
/// default for users not named.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StepMap {
    default: Steps,
    by_user: HashMap<String, Steps>,
}

impl StepMap {
    /// Every user takes `default`.
    pub fn new(default: Steps) -> StepMap {
        StepMap {
            default,
            by_user: HashMap::new(),
        }
    }

    /// Every user takes Delete User Now alone.
    pub fn delete_only() -> StepMap {
        StepMap::new(Steps::DELETE_ONLY)
    }

    /// The steps of each found user from its lookup ([`steps_for`]); users the lookups did not
    /// describe take [`Steps::blind`].
    pub fn from_resolutions(resolutions: &[Resolution], options: RemovalOptions) -> StepMap {
        let mut map = StepMap::new(Steps::blind(options));
        for user in resolutions.iter().filter_map(|r| r.answer.user()) {
            map.set(&user.id, steps_for(user, options));
        }
        map
    }

    /// Sets one user's steps.
    pub fn set(&mut self, user_id: &str, steps: Steps) {
        self.by_user.insert(key(user_id), steps);
    }

    /// One user's steps.
    pub fn get(&self, user_id: &str) -> Steps {
        if self.by_user.is_empty() {
            return self.default;
        }
        self.by_user
            .get(&key(user_id))
            .copied()
            .unwrap_or(self.default)
    }

    /// One [`Steps::code`] per entry of `plan`, for the journal; empty when every user of the
    /// plan takes the delete alone.
    pub fn journal_codes(&self, plan: &[PlanEntry]) -> String {
        let codes: String = plan.iter().map(|e| self.get(&e.user).code()).collect();
        if codes.chars().all(|c| c == Steps::DELETE_ONLY.code()) {
            String::new()
        } else {
            codes
        }
    }

    /// The map a journal's codes describe ([`StepMap::journal_codes`]); empty codes: delete only.
    pub fn from_journal_codes(plan: &[PlanEntry], codes: &str) -> Result<StepMap, String> {
        let mut map = StepMap::delete_only();
        if codes.is_empty() {
            return Ok(map);
        }
        if codes.chars().count() != plan.len() {
            return Err("the saved steps do not match the plan".to_string());
        }
        for (entry, code) in plan.iter().zip(codes.chars()) {
            let steps = Steps::from_code(code)
                .ok_or_else(|| format!("row {}: unknown steps {code:?}", entry.row))?;
            map.set(&entry.user, steps);
        }
        Ok(map)
    }
}

fn key(user_id: &str) -> String {
    user_id.trim().to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(status: &str, marked: bool, source: &str) -> RsaUser {
        RsaUser {
            id: "eb2e12ae-1112-451b-98e1-dfe4e6afd60d".into(),
            email_address: "jo@acme.com".into(),
            first_name: "Jo".into(),
            last_name: "Doe".into(),
            identity_source: source.into(),
            user_status: status.into(),
            mark_deleted: marked,
        }
    }

    const DISABLE_FIRST: RemovalOptions = RemovalOptions {
        disable_first: true,
        unmark_pending: false,
    };
    const UNMARK: RemovalOptions = RemovalOptions {
        disable_first: false,
        unmark_pending: true,
    };

    fn steps(user: &RsaUser, options: RemovalOptions) -> Vec<Step> {
        steps_for(user, options).list()
    }

    #[test]
    fn steps_follow_the_users_state_and_the_admins_choice() {
        use Step::*;
        let enabled = user("Enabled", false, "Corp AD");
        let disabled = user("Disabled", false, "Corp AD");
        let pending = user("Disabled", true, "Corp AD");
        let pending_enabled = user("Enabled", true, "Corp AD");
        assert_eq!(steps(&enabled, DISABLE_FIRST), [Disable, Delete]);
        assert_eq!(steps(&enabled, RemovalOptions::default()), [Delete]);
        assert_eq!(steps(&disabled, DISABLE_FIRST), [Delete]);
        assert_eq!(steps(&pending, UNMARK), [Unmark, Delete]);
        assert_eq!(steps(&pending_enabled, UNMARK), [Unmark, Disable, Delete]);
        assert_eq!(
            steps(&pending_enabled, DISABLE_FIRST),
            [Delete],
            "disabling would not make the delete possible"
        );
        for source in ["SCIM Managed", "Azure Active Directory (SCIM)"] {
            let both = RemovalOptions {
                disable_first: true,
                unmark_pending: true,
            };
            assert_eq!(steps(&user("Enabled", true, source), both), [Delete]);
        }
    }

    #[test]
    fn the_map_answers_per_user_with_a_default_and_survives_the_journal() {
        let mut map = StepMap::new(Steps::blind(DISABLE_FIRST));
        map.set(" AAAAAAAA-0000-4000-8000-000000000001", Steps::DELETE_ONLY);
        assert_eq!(
            map.get("aaaaaaaa-0000-4000-8000-000000000001"),
            Steps::DELETE_ONLY
        );
        assert_eq!(map.get("other").list(), [Step::Disable, Step::Delete]);
        let plan: Vec<PlanEntry> = ["aaaaaaaa-0000-4000-8000-000000000001", "other"]
            .iter()
            .enumerate()
            .map(|(i, u)| PlanEntry {
                row: i + 2,
                user: u.to_string(),
            })
            .collect();
        let codes = map.journal_codes(&plan);
        assert_eq!(codes, "02");
        let back = StepMap::from_journal_codes(&plan, &codes).unwrap();
        assert!(plan.iter().all(|e| back.get(&e.user) == map.get(&e.user)));
        assert_eq!(StepMap::delete_only().journal_codes(&plan), "");
        assert!(StepMap::from_journal_codes(&plan, "0").is_err());
        assert!(StepMap::from_journal_codes(&plan, "09")
            .unwrap_err()
            .contains("row 3"));
        for code in ['0', '1', '2', '3'] {
            assert_eq!(Steps::from_code(code).unwrap().code(), code);
        }
        assert_eq!(
            Steps::blind(UNMARK).list(),
            [Step::Unmark, Step::Disable, Step::Delete]
        );
    }
}
