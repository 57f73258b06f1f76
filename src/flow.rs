//! The five steps of a removal and how they appear in the URL hash.

/// One step of the stepper, in the order an admin walks through them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Step {
    Connect,
    Csv,
    Preview,
    Run,
    Results,
}

impl Step {
    /// Every step, in order.
    pub const ALL: [Step; 5] = [
        Step::Connect,
        Step::Csv,
        Step::Preview,
        Step::Run,
        Step::Results,
    ];

    /// The label shown in the stepper.
    pub fn label(self) -> &'static str {
        match self {
            Step::Connect => "Connect",
            Step::Csv => "CSV",
            Step::Preview => "Preview",
            Step::Run => "Run",
            Step::Results => "Results",
        }
    }

    /// The one line of help shown under the step's title.
    pub fn help(self) -> &'static str {
        match self {
            Step::Connect => "Choose the target system and paste a credential. It stays in this tab's memory only.",
            Step::Csv => "Drop the list of leavers, pick the file, or paste it. Nothing is sent anywhere yet.",
            Step::Preview => "Check exactly who will be removed and which rows will be skipped, and why.",
            Step::Run => "Confirm who is removed and how, then follow the removal: pause, resume or cancel it at any time.",
            Step::Results => "Every row of your file with its outcome. Download it for your records.",
        }
    }

    /// The fragment used in the URL (`#/preview`).
    pub fn hash(self) -> &'static str {
        match self {
            Step::Connect => "#/connect",
            Step::Csv => "#/csv",
            Step::Preview => "#/preview",
            Step::Run => "#/run",
            Step::Results => "#/results",
        }
    }

    /// Reads a URL fragment; anything unknown means the first step.
    pub fn from_hash(hash: &str) -> Step {
        let name = hash.trim_start_matches('#').trim_start_matches('/');
        Step::ALL
            .into_iter()
            .find(|s| s.hash()[2..].eq_ignore_ascii_case(name))
            .unwrap_or(Step::Connect)
    }

    /// Position in the stepper, from 0.
    pub fn index(self) -> usize {
        Step::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }

    /// The step after this one, if any.
    pub fn next(self) -> Option<Step> {
        Step::ALL.get(self.index() + 1).copied()
    }

    /// The step before this one, if any.
    pub fn prev(self) -> Option<Step> {
        self.index().checked_sub(1).map(|i| Step::ALL[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_round_trips_through_the_url_hash() {
        for step in Step::ALL {
            assert_eq!(Step::from_hash(step.hash()), step);
        }
    }

    #[test]
    fn unknown_or_empty_hash_starts_at_connect() {
        assert_eq!(Step::from_hash(""), Step::Connect);
        assert_eq!(Step::from_hash("#/nonsense"), Step::Connect);
        assert_eq!(Step::from_hash("#PREVIEW"), Step::Preview);
    }

    #[test]
    fn steps_walk_forward_and_back_in_order() {
        assert_eq!(Step::Connect.prev(), None);
        assert_eq!(Step::Connect.next(), Some(Step::Csv));
        assert_eq!(Step::Run.next(), Some(Step::Results));
        assert_eq!(Step::Results.next(), None);
        assert_eq!(Step::Results.prev(), Some(Step::Run));
    }
}
