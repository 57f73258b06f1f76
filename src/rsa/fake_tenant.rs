//! A test model of the sandbox's RSA tenant (sandbox/src/rsa_api.rs): Delete User Now, Mark
//! User Deleted and User Status answer with the same codes, checked in the same order.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use serde_json::Value;

use crate::run::testing::{Call, Reply};
use crate::run::Method;

/// The sandbox's SCIM-managed identity sources (405 to delete and mark).
pub const SCIM_SOURCES: [&str; 2] = ["SCIM Managed", "Azure Active Directory (SCIM)"];

/// One user of the model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakeUser {
    pub enabled: bool,
    pub pending: bool,
    pub source: &'static str,
}

impl FakeUser {
    fn is_scim(&self) -> bool {
        SCIM_SOURCES.contains(&self.source)
    }
}

/// A tenant whose users change as requests arrive. Clones share one tenant.
#[derive(Clone, Default)]
pub struct FakeTenant(Rc<RefCell<HashMap<String, FakeUser>>>);

impl FakeTenant {
    /// Adds a user.
    pub fn add(&self, id: &str, user: FakeUser) {
        self.0.borrow_mut().insert(id.to_ascii_lowercase(), user);
    }

    /// A user as it is now; `None` once removed.
    pub fn user(&self, id: &str) -> Option<FakeUser> {
        self.0.borrow().get(&id.to_ascii_lowercase()).cloned()
    }

    /// The status the sandbox answers `call` with, applying its change.
    pub fn answer(&self, call: &Call) -> u16 {
        let body: Value = serde_json::from_str(&call.body).unwrap_or(Value::Null);
        let mut users = self.0.borrow_mut();
        let key = call.user.to_ascii_lowercase();
        if call.method == Method::Delete {
            let Some(u) = users.get(&key) else { return 404 };
            return match () {
                _ if u.is_scim() => 405,
                _ if u.pending || u.enabled => 409,
                _ => {
                    users.remove(&key);
                    200
                }
            };
        }
        if call.url.ends_with("/markDeleted") {
            let Some(mark) = body.get("markDeleted").and_then(Value::as_bool) else {
                return 400;
            };
            let Some(u) = users.get_mut(&key) else {
                return 404;
            };
            return match () {
                _ if u.is_scim() => 405,
                _ if u.pending == mark => 409,
                _ => {
                    u.pending = mark;
                    200
                }
            };
        }
        let wanted = match body.get("userStatus").and_then(Value::as_str) {
            Some(s) if s.eq_ignore_ascii_case("enabled") => true,
            Some(s) if s.eq_ignore_ascii_case("disabled") => false,
            _ => return 400,
        };
        let Some(u) = users.get_mut(&key) else {
            return 404;
        };
        if u.enabled == wanted {
            return 409;
        }
        u.enabled = wanted;
        200
    }

    /// [`FakeTenant::answer`] as a fake reply after 100 ms.
    pub fn reply(&self, call: &Call) -> Reply {
        Reply::status(self.answer(call))
    }
}
