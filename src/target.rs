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
            Target::Epm => "User Login\r\njane.doe@example.com\r\n",
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
    fn each_template_reads_back_as_one_user_with_its_header() {
        for target in [Target::Rsa, Target::Epm] {
            let table = read_pasted(target.template_csv()).unwrap();
            let detection = detect(&table, target);
            let plan = plan(&table, &Options::detected(target, &detection)).unwrap();
            let counts = plan.counts();
            assert_eq!((counts.header, counts.targets), (1, 1), "{target:?}");
        }
    }
}
