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
}
