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

/// A cheap, cloneable handle to a run's mode and credential. Single-threaded (browser).
#[derive(Clone, Debug)]
pub struct Control {
    mode: Rc<Cell<Mode>>,
    auth: Rc<RefCell<Auth>>,
    /// Bumped each time the credential is replaced, so the engine can tell a fresh one.
    auth_generation: Rc<Cell<u32>>,
}

impl Control {
    /// A running control with a credential.
    pub fn new(auth: Auth) -> Self {
        Control {
            mode: Rc::new(Cell::new(Mode::Running)),
            auth: Rc::new(RefCell::new(auth)),
            auth_generation: Rc::new(Cell::new(0)),
        }
    }

    /// The current mode.
    pub fn mode(&self) -> Mode {
        self.mode.get()
    }

    /// Pauses for `reason` (a cancelled run stays cancelled).
    pub fn pause(&self, reason: PauseReason) {
        if self.mode.get() != Mode::Cancelled {
            self.mode.set(Mode::Paused(reason));
        }
    }

    /// Resumes a paused run (a cancelled run stays cancelled).
    pub fn resume(&self) {
        if self.mode.get() != Mode::Cancelled {
            self.mode.set(Mode::Running);
        }
    }

    /// Cancels: nothing new starts.
    pub fn cancel(&self) {
        self.mode.set(Mode::Cancelled);
    }

    /// The credential to send now.
    pub fn auth(&self) -> Auth {
        self.auth.borrow().clone()
    }

    /// Replaces the credential (after expiry or revocation) and resumes a run paused for it.
    pub fn replace_auth(&self, auth: Auth) {
        *self.auth.borrow_mut() = auth;
        self.auth_generation.set(self.auth_generation.get() + 1);
        if self.mode.get() == Mode::Paused(PauseReason::CredentialRefused) {
            self.mode.set(Mode::Running);
        }
    }

    /// Changes each time [`Control::replace_auth`] is called.
    pub fn auth_generation(&self) -> u32 {
        self.auth_generation.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancel_is_final_and_a_new_credential_resumes_only_a_credential_pause() {
        let c = Control::new(Auth::Bearer("a".into()));
        c.pause(PauseReason::ByAdmin);
        c.replace_auth(Auth::Bearer("b".into()));
        assert_eq!(c.mode(), Mode::Paused(PauseReason::ByAdmin));
        c.pause(PauseReason::CredentialRefused);
        c.replace_auth(Auth::Bearer("c".into()));
        assert_eq!(c.mode(), Mode::Running);
        assert_eq!(c.auth_generation(), 2);
        c.cancel();
        c.resume();
        assert_eq!(c.mode(), Mode::Cancelled);
    }
}
