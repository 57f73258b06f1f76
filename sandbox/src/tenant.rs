//! The emulated tenant: RSA users and EPM users, their current state and lookups.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Identity source whose users Delete User Now refuses with 405.
pub const SCIM_MANAGED: &str = "SCIM Managed";
/// The other identity source refused with 405.
pub const AZURE_SCIM: &str = "Azure Active Directory (SCIM)";

/// RSA user status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum UserStatus {
    /// Can sign in; Delete User Now refuses (409).
    Enabled,
    /// Cannot sign in; Delete User Now accepts.
    Disabled,
}

/// An RSA Cloud Access Service user, with the User Details API's field names.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RsaUser {
    /// The `userID` (8-4-4-4-12 hex).
    pub id: String,
    /// E-mail address.
    pub email_address: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Name of the identity source the user comes from.
    pub identity_source: String,
    /// Enabled or Disabled.
    pub user_status: UserStatus,
    /// Pending deletion.
    pub mark_deleted: bool,
    /// When it was marked (ISO-8601), if it is.
    pub mark_deleted_at: Option<String>,
    /// ISO-8601.
    pub creation_date: String,
    /// ISO-8601.
    pub last_sync_time: String,
}

impl RsaUser {
    /// Whether the user comes from a SCIM-managed source (405 on delete).
    pub fn is_scim(&self) -> bool {
        self.identity_source == SCIM_MANAGED || self.identity_source == AZURE_SCIM
    }
}

/// An EPM Cloud identity-domain user, with the List Users API's field names.
#[derive(Debug, Clone, Serialize)]
pub struct EpmUser {
    /// Login (case-insensitive).
    pub userlogin: String,
    /// First name.
    pub firstname: String,
    /// Last name.
    pub lastname: String,
    /// E-mail address.
    pub email: String,
}

/// Both user directories; removed users are gone from them.
#[derive(Debug, Default)]
pub struct Tenant {
    rsa: BTreeMap<usize, RsaUser>,
    rsa_by_id: HashMap<String, usize>,
    rsa_by_email: HashMap<String, usize>,
    epm: BTreeMap<usize, EpmUser>,
    epm_by_login: HashMap<String, usize>,
    epm_admin: String,
}

impl Tenant {
    /// Builds a tenant; `epm_admin` is the login of the EPM caller (it must be among `epm`).
    pub fn new(rsa: Vec<RsaUser>, epm: Vec<EpmUser>, epm_admin: &str) -> Tenant {
        let mut t = Tenant {
            epm_admin: epm_admin.to_string(),
            ..Tenant::default()
        };
        for (i, u) in rsa.into_iter().enumerate() {
            t.rsa_by_id.insert(u.id.to_lowercase(), i);
            t.rsa_by_email.insert(u.email_address.to_lowercase(), i);
            t.rsa.insert(i, u);
        }
        for (i, u) in epm.into_iter().enumerate() {
            t.epm_by_login.insert(u.userlogin.to_lowercase(), i);
            t.epm.insert(i, u);
        }
        t
    }

    /// RSA users, in seed order.
    pub fn rsa_users(&self) -> impl Iterator<Item = &RsaUser> {
        self.rsa.values()
    }

    /// EPM users, in seed order (the caller's own account first).
    pub fn epm_users(&self) -> impl Iterator<Item = &EpmUser> {
        self.epm.values()
    }

    /// The EPM caller's login.
    pub fn epm_admin(&self) -> &str {
        &self.epm_admin
    }

    /// An RSA user by ID (case-insensitive).
    pub fn rsa_user_mut(&mut self, id: &str) -> Option<&mut RsaUser> {
        let i = self.rsa_by_id.get(&id.to_lowercase())?;
        self.rsa.get_mut(i)
    }

    /// An RSA user by e-mail (case-insensitive).
    pub fn rsa_by_email(&self, email: &str) -> Option<&RsaUser> {
        let i = self.rsa_by_email.get(&email.trim().to_lowercase())?;
        self.rsa.get(i)
    }

    /// Removes an RSA user; returns it if it existed.
    pub fn remove_rsa(&mut self, id: &str) -> Option<RsaUser> {
        let i = self.rsa_by_id.remove(&id.to_lowercase())?;
        let u = self.rsa.remove(&i)?;
        self.rsa_by_email.remove(&u.email_address.to_lowercase());
        Some(u)
    }

    /// An EPM user by login (case-insensitive).
    pub fn epm_user(&self, login: &str) -> Option<&EpmUser> {
        let i = self.epm_by_login.get(&login.trim().to_lowercase())?;
        self.epm.get(i)
    }

    /// Whether `login` is the caller's own account.
    pub fn is_epm_admin(&self, login: &str) -> bool {
        login.trim().to_lowercase() == self.epm_admin.to_lowercase()
    }

    /// Removes an EPM user by login; returns it if it existed.
    pub fn remove_epm(&mut self, login: &str) -> Option<EpmUser> {
        let i = self.epm_by_login.remove(&login.trim().to_lowercase())?;
        self.epm.remove(&i)
    }
}

/// Whether `s` has the shape of an RSA user ID: 8-4-4-4-12 hexadecimal digits.
pub fn is_user_id(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_id_pattern_only_checks_the_shape() {
        assert!(is_user_id("eb2e12ae-1112-451b-98e1-dfe4e6afd60d"));
        assert!(
            is_user_id("EB2E12AE-1112-F51B-08E1-DFE4E6AFD60D"),
            "no UUID version rules"
        );
        assert!(!is_user_id("eb2e12ae-1112-451b-98e1-dfe4e6afd60"));
        assert!(!is_user_id("eb2e12ae11124-51b-98e1-dfe4e6afd60d"));
        assert!(!is_user_id("gb2e12ae-1112-451b-98e1-dfe4e6afd60d"));
    }

    #[test]
    fn epm_logins_match_case_insensitively_and_removal_is_final() {
        let u = |l: &str| EpmUser {
            userlogin: l.into(),
            firstname: "A".into(),
            lastname: "B".into(),
            email: l.into(),
        };
        let mut t = Tenant::new(vec![], vec![u("admin"), u("Jane.Doe@example.com")], "admin");
        assert!(t.epm_user("JANE.DOE@EXAMPLE.COM").is_some());
        assert!(t.is_epm_admin("ADMIN"));
        assert!(t.remove_epm("jane.doe@example.com").is_some());
        assert!(t.remove_epm("jane.doe@example.com").is_none());
        assert_eq!(t.epm_users().count(), 1);
    }
}
