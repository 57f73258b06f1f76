//! What a run does to each user of its plan.

/// The action of a run, as its journal records it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RunAction {
    /// Remove each user (RSA: Delete User Now, after any steps chosen for the user; EPM: remove).
    #[default]
    Remove,
    /// RSA: mark each user for deletion (the service removes it within seven days).
    Mark,
    /// RSA: undo a mark for deletion.
    Unmark,
    /// RSA: enable each user again.
    Reenable,
}

impl RunAction {
    /// The action in the admin's words ("Removing from …").
    pub fn label(self) -> &'static str {
        match self {
            RunAction::Remove => "remove",
            RunAction::Mark => "mark for deletion",
            RunAction::Unmark => "undo the mark for deletion",
            RunAction::Reenable => "enable again",
        }
    }

    /// The short code a journal saves.
    pub fn code(self) -> &'static str {
        match self {
            RunAction::Remove => "remove",
            RunAction::Mark => "mark",
            RunAction::Unmark => "unmark",
            RunAction::Reenable => "enable",
        }
    }

    /// The action of a [`RunAction::code`].
    pub fn from_code(code: &str) -> Option<RunAction> {
        [
            RunAction::Remove,
            RunAction::Mark,
            RunAction::Unmark,
            RunAction::Reenable,
        ]
        .into_iter()
        .find(|a| a.code() == code)
    }
}
