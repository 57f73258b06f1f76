//! Pause, resume and cancel, shared between the UI and a running engine.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use super::http::Auth;

/// What the admin (or the engine itself) wants the run to do now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Running,
    /// No new request starts; in-flight ones finish.
    Paused(PauseReason),
    /// No new request starts; the rest are reported "not started".
    Cancelled,
}

impl Mode {
    /// Why the run is paused, if it is.
    pub fn pause_reason(self) -> Option<PauseReason> {
        match self {
            Mode::Paused(reason) => Some(reason),
            Mode::Running | Mode::Cancelled => None,
        }
    }
}

/// Why a run is paused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PauseReason {
    /// The admin pressed pause.
    ByAdmin,
    /// The service refused the credential (RSA 403, EPM 401/403): a new one is needed.
    CredentialRefused,
    /// The browser went offline.
    Offline,
}

impl PauseReason {
    /// Most pressing first: what [`Control::mode`] reports when several reasons hold.
    const ALL: [PauseReason; 3] = [
        PauseReason::CredentialRefused,
        PauseReason::Offline,
        PauseReason::ByAdmin,
    ];

    fn bit(self) -> u8 {
        match self {
            PauseReason::ByAdmin => 1,
            PauseReason::CredentialRefused => 2,
            PauseReason::Offline => 4,
        }
    }
}

/// A cheap, cloneable handle to a run's mode and credential. Single-threaded (browser).
///
/// Pause reasons add up: a run paused by the admin stays paused when the credential is then
/// refused and replaced, or the browser goes offline and back online. Only the admin's resume
/// lifts every reason.
#[derive(Clone, Debug)]
pub struct Control {
    cancelled: Rc<Cell<bool>>,
    /// One [`PauseReason::bit`] per reason that holds.
    paused: Rc<Cell<u8>>,
    auth: Rc<RefCell<Auth>>,
    /// Bumped each time the credential is replaced, so the engine can tell a fresh one.
    auth_generation: Rc<Cell<u32>>,
}

impl Control {
    /// A running control with a credential.
    pub fn new(auth: Auth) -> Self {
        Control {
            cancelled: Rc::new(Cell::new(false)),
            paused: Rc::new(Cell::new(0)),
            auth: Rc::new(RefCell::new(auth)),
            auth_generation: Rc::new(Cell::new(0)),
        }
    }

    /// The current mode; when paused for several reasons, the most pressing one.
    pub fn mode(&self) -> Mode {
        if self.cancelled.get() {
            return Mode::Cancelled;
        }
        let paused = self.paused.get();
        PauseReason::ALL
            .into_iter()
            .find(|r| paused & r.bit() != 0)
            .map_or(Mode::Running, Mode::Paused)
    }

    /// Whether the run is paused for `reason` (among others, perhaps).
    pub fn is_paused_for(&self, reason: PauseReason) -> bool {
        !self.cancelled.get() && self.paused.get() & reason.bit() != 0
    }

    /// Pauses for `reason`, in addition to any other (a cancelled run stays cancelled).
    pub fn pause(&self, reason: PauseReason) {
        self.paused.set(self.paused.get() | reason.bit());
    }

    /// The admin's resume: lifts every pause (a cancelled run stays cancelled).
    pub fn resume(&self) {
        self.paused.set(0);
    }

    /// Lifts the pause for `reason` only: the run goes on if no other reason holds.
    pub fn lift(&self, reason: PauseReason) {
        self.paused.set(self.paused.get() & !reason.bit());
    }

    /// Cancels: nothing new starts.
    pub fn cancel(&self) {
        self.cancelled.set(true);
    }

    /// The credential to send now.
    pub fn auth(&self) -> Auth {
        self.auth.borrow().clone()
    }

    /// Replaces the credential (after expiry or revocation) and lifts a pause for it.
    pub fn replace_auth(&self, auth: Auth) {
        *self.auth.borrow_mut() = auth;
        self.auth_generation.set(self.auth_generation.get() + 1);
        self.lift(PauseReason::CredentialRefused);
    }

    /// Changes each time [`Control::replace_auth`] is called.
    pub fn auth_generation(&self) -> u32 {
        self.auth_generation.get()
    }
}

/// How every note of a refused credential ends: the run asks for a new one. Such a note is
/// dropped once a new credential is given (it would outlive the pause).
pub const ASKS_FOR_CREDENTIAL: &str = "give a new credential to continue.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancel_is_final_and_a_new_credential_resumes_only_a_credential_pause() {
        let c = Control::new(Auth::Bearer("a".into()));
        c.pause(PauseReason::ByAdmin);
        c.replace_auth(Auth::Bearer("b".into()));
        assert_eq!(c.mode(), Mode::Paused(PauseReason::ByAdmin));
        c.resume();
        c.pause(PauseReason::CredentialRefused);
        c.replace_auth(Auth::Bearer("c".into()));
        assert_eq!(c.mode(), Mode::Running);
        assert_eq!(c.auth_generation(), 2);
        c.cancel();
        c.resume();
        assert_eq!(c.mode(), Mode::Cancelled);
    }

    #[test]
    fn an_admin_pause_outlasts_a_refused_credential_and_going_offline() {
        let c = Control::new(Auth::Bearer("a".into()));
        c.pause(PauseReason::ByAdmin);
        c.pause(PauseReason::CredentialRefused);
        c.pause(PauseReason::Offline);
        assert_eq!(c.mode(), Mode::Paused(PauseReason::CredentialRefused));
        c.replace_auth(Auth::Bearer("b".into()));
        assert_eq!(c.mode(), Mode::Paused(PauseReason::Offline));
        c.lift(PauseReason::Offline);
        assert_eq!(c.mode(), Mode::Paused(PauseReason::ByAdmin));
        assert!(c.is_paused_for(PauseReason::ByAdmin));
        c.pause(PauseReason::Offline);
        c.resume();
        assert_eq!(c.mode(), Mode::Running);
        assert!(!c.is_paused_for(PauseReason::Offline));
    }
}
