//! The vendor systems Offboard removes users from.

/// A target system. It decides what an identifier must look like and how removal is called.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Target {
    /// RSA Cloud Access Service, Cloud Administration "Delete User Now" (one DELETE per user ID).
    #[default]
    Rsa,
    /// Oracle EPM Cloud, "Remove Users from an Identity Domain" (uploaded CSV of logins, asynchronous job).
    Epm,
}

impl Target {
    /// The placeholder of the Connect step's "own account" field. EPM with Basic sign-in
    /// protects the user name when the field is empty; an OAuth token does not name its user.
    pub fn own_account_placeholder(self, token_auth: bool) -> &'static str {
        match (self, token_auth) {
            (Target::Rsa, _) => "your user ID",
            (Target::Epm, false) => "your login (defaults to the user name)",
            (Target::Epm, true) => {
                "your login (required to protect it: a token does not name its user)"
            }
        }
    }

    /// What the Connect step says when the admin's own account cannot be known: EPM with an
    /// OAuth token and nothing entered. That login is then not kept out of the plan: it is sent,
    /// and the service refuses it.
    pub fn own_account_missing(self, token_auth: bool, own_account: &str) -> Option<&'static str> {
        (self == Target::Epm && token_auth && own_account.trim().is_empty()).then_some(
            "With an OAuth token Offboard cannot tell which login is yours. Enter your own login here for it to be \
             protected: otherwise a row with your login is sent for removal like any other (the service refuses it).",
        )
    }

    /// What the Connect step says when the own account is the EPM Basic user name (none entered)
    /// and that name may carry a classic identity domain (`idm1.jdoe@example.com`): the login
    /// without it is kept out of the removal too, and how to stop that if it is someone else's.
    pub fn own_account_from_sign_in(
        self,
        token_auth: bool,
        own_account: &str,
        user: &str,
    ) -> Option<String> {
        if self != Target::Epm || token_auth || !own_account.trim().is_empty() {
            return None;
        }
        let login = crate::csv_intake::classic_domain_user(user)?;
        Some(format!(
            "You sign in as {}. In a classic identity domain that is the login {login}, so {login} is kept out of the \
             removal too. If {login} is someone else, enter your own login here: only it is then kept out.",
            user.trim()
        ))
    }

    /// Why results from a run against `self` cannot start a run (retry, undo, enable again) while
    /// step 1 is switched to `connected`: the users are this system's, and the other would be sent them.
    pub fn switched_away(self, connected: Target) -> Option<String> {
        (self != connected).then(|| {
            format!(
                "These results are from a run against {}, and step 1 is now switched to {}: switch back and connect \
                 to {} to start a run from them.",
                self.name(),
                connected.name(),
                self.name()
            )
        })
    }

    /// The product name shown to the admin.
    pub fn name(self) -> &'static str {
        match self {
            Target::Rsa => "RSA Cloud Access Service",
            Target::Epm => "Oracle EPM Cloud",
        }
    }

    /// What one identifier is called for this target.
    pub fn identifier_name(self) -> &'static str {
        match self {
            Target::Rsa => "user ID",
            Target::Epm => "user login",
        }
    }
    /// A CSV template the admin can fill in: the header this target expects and one example
    /// row that matches no real account.
    pub fn template_csv(self) -> &'static str {
        match self {
            Target::Rsa => "User ID,Email,Note\r\n00000000-0000-0000-0000-000000000000,jane.doe@example.com,example row: replace it\r\n",
            Target::Epm => "User Login\r\n",
        }
    }

    /// The file name of [`Target::template_csv`].
    pub fn template_name(self) -> &'static str {
        match self {
            Target::Rsa => "offboard-template-rsa.csv",
            Target::Epm => "offboard-template-epm.csv",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csv_intake::{detect, plan, read_pasted, Options};

    #[test]
    fn a_template_sent_back_unchanged_removes_nobody() {
        let planned = |target: Target| {
            let table = read_pasted(target.template_csv()).unwrap();
            let detection = detect(&table, target);
            plan(&table, &Options::detected(target, &detection))
        };
        let rsa = planned(Target::Rsa).unwrap();
        let counts = rsa.counts();
        assert_eq!((counts.header, counts.invalid, counts.targets), (1, 1, 0));
        assert!(rsa
            .class(1)
            .to_string()
            .contains("the template's example row"));
        assert_eq!(
            planned(Target::Epm).unwrap_err(),
            crate::csv_intake::IntakeError::HeaderOnly { header_row: 1 }
        );
    }

    #[test]
    fn with_an_epm_token_and_no_own_login_the_connect_step_asks_for_it() {
        let missing = Target::Epm.own_account_missing(true, "  ");
        assert!(missing.is_some_and(|m| m.contains("Enter your own login")));
        assert_eq!(
            Target::Epm.own_account_missing(true, "admin@example.com"),
            None
        );
        assert_eq!(
            Target::Epm.own_account_missing(false, ""),
            None,
            "Basic sign-in protects the user name"
        );
        assert_eq!(Target::Rsa.own_account_missing(true, ""), None);
        assert!(!Target::Epm
            .own_account_placeholder(true)
            .contains("defaults to the user name"));
        assert!(Target::Epm
            .own_account_placeholder(false)
            .contains("defaults to the user name"));
    }

    #[test]
    fn results_start_runs_only_against_the_system_they_came_from() {
        assert_eq!(Target::Rsa.switched_away(Target::Rsa), None);
        assert_eq!(
            Target::Rsa.switched_away(Target::Epm).as_deref(),
            Some(
                "These results are from a run against RSA Cloud Access Service, and step 1 is now switched to \
                 Oracle EPM Cloud: switch back and connect to RSA Cloud Access Service to start a run from them."
            )
        );
        assert!(Target::Epm.switched_away(Target::Rsa).is_some());
    }

    #[test]
    fn a_sign_in_name_that_may_carry_an_identity_domain_says_which_other_login_it_keeps_out() {
        let note = Target::Epm.own_account_from_sign_in(false, "", " offboard.admin@example.com ");
        assert_eq!(
            note.as_deref(),
            Some(
                "You sign in as offboard.admin@example.com. In a classic identity domain that is the login \
                 admin@example.com, so admin@example.com is kept out of the removal too. If admin@example.com is \
                 someone else, enter your own login here: only it is then kept out."
            )
        );
        let user = "idm1.jdoe";
        assert_eq!(
            Target::Epm.own_account_from_sign_in(false, "jdoe", user),
            None,
            "entered: taken as written"
        );
        assert_eq!(
            Target::Epm.own_account_from_sign_in(false, "idm1.jdoe", user),
            None,
            "the sign-in name entered is taken as written too: its dot is the login's"
        );
        assert_eq!(
            Target::Epm.own_account_from_sign_in(true, "", user),
            None,
            "a token names nobody"
        );
        assert_eq!(Target::Rsa.own_account_from_sign_in(false, "", user), None);
        assert_eq!(
            Target::Epm.own_account_from_sign_in(false, "", "jdoe@example.com"),
            None
        );
    }
}
