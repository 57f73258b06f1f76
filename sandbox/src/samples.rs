//! Sample CSV files for the demo, drawn from the seeded tenant with a known mix of outcomes.

use crate::seed::random_user_id;
use crate::tenant::{RsaUser, Tenant, UserStatus, AZURE_SCIM, SCIM_MANAGED};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;

/// A named CSV file.
#[derive(Debug, Clone)]
pub struct Sample {
    /// File name, e.g. `rsa-user-ids.csv`.
    pub name: &'static str,
    /// UTF-8 text, LF line ends.
    pub text: String,
}

/// Builds the three sample files (see README.md for their exact mix).
pub fn build_samples(tenant: &Tenant, seed: u64) -> Vec<Sample> {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x5a5a_5a5a);
    let users: Vec<&RsaUser> = tenant.rsa_users().collect();
    let mut pools = Pools::new(&users);

    let mut ids: Vec<String> = pools
        .take(20, 4, 3, 2, 1)
        .into_iter()
        .map(|u| u.id.clone())
        .collect();
    let with_unknown = ids.len() + 2;
    while ids.len() < with_unknown {
        let id = random_user_id(&mut rng);
        if !users.iter().any(|u| u.id == id) {
            ids.push(id);
        }
    }
    ids.push("not-a-user-id".into());
    ids.shuffle(&mut rng);

    let mut emails: Vec<String> = pools
        .take(20, 4, 2, 1, 1)
        .into_iter()
        .map(|u| u.email_address.clone())
        .collect();
    emails.extend([
        "former.contractor@example.com".into(),
        "no.such.person@example.com".into(),
    ]);
    emails.shuffle(&mut rng);

    let mut logins: Vec<String> = tenant
        .epm_users()
        .filter(|u| !tenant.is_epm_admin(&u.userlogin))
        .skip(100)
        .take(36)
        .enumerate()
        .map(|(i, u)| {
            if i % 12 == 5 {
                u.userlogin.to_uppercase()
            } else {
                u.userlogin.clone()
            }
        })
        .collect();
    logins.extend(
        [
            "ghost.user@example.com",
            "temp-contractor",
            "j.nobody@example.com",
            "old.account@example.org",
        ]
        .map(String::from),
    );
    logins.shuffle(&mut rng);

    vec![
        Sample {
            name: "rsa-user-ids.csv",
            text: csv("User ID", &ids),
        },
        Sample {
            name: "rsa-emails.csv",
            text: csv("Email", &emails),
        },
        Sample {
            name: "epm-logins.csv",
            text: csv("User Login", &logins),
        },
    ]
}

fn csv(header: &str, rows: &[String]) -> String {
    let mut s = format!("{header}\n");
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    s
}

/// Users grouped by expected Delete User Now outcome; each user is handed out once.
struct Pools<'a> {
    disabled: Vec<&'a RsaUser>,
    enabled: Vec<&'a RsaUser>,
    pending: Vec<&'a RsaUser>,
    scim: Vec<&'a RsaUser>,
    azure: Vec<&'a RsaUser>,
}

impl<'a> Pools<'a> {
    fn new(users: &[&'a RsaUser]) -> Pools<'a> {
        let pick = |f: &dyn Fn(&RsaUser) -> bool| {
            users.iter().copied().filter(|u| f(u)).collect::<Vec<_>>()
        };
        Pools {
            disabled: pick(&|u| {
                !u.is_scim() && !u.mark_deleted && u.user_status == UserStatus::Disabled
            }),
            enabled: pick(&|u| {
                !u.is_scim() && !u.mark_deleted && u.user_status == UserStatus::Enabled
            }),
            pending: pick(&|u| !u.is_scim() && u.mark_deleted),
            scim: pick(&|u| u.identity_source == SCIM_MANAGED),
            azure: pick(&|u| u.identity_source == AZURE_SCIM),
        }
    }

    fn take(
        &mut self,
        disabled: usize,
        enabled: usize,
        pending: usize,
        scim: usize,
        azure: usize,
    ) -> Vec<&'a RsaUser> {
        let mut out = Vec::new();
        for (pool, n) in [
            (&mut self.disabled, disabled),
            (&mut self.enabled, enabled),
            (&mut self.pending, pending),
            (&mut self.scim, scim),
            (&mut self.azure, azure),
        ] {
            let n = n.min(pool.len());
            out.extend(pool.drain(..n));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::seed_tenant;

    #[test]
    fn samples_have_the_documented_mix() {
        let t = seed_tenant(3000, 42, 1_700_000_000_000);
        let s = build_samples(&t, 42);
        let rows = |i: usize| {
            s[i].text
                .lines()
                .skip(1)
                .map(String::from)
                .collect::<Vec<_>>()
        };
        let ids = rows(0);
        assert_eq!(s[0].text.lines().next(), Some("User ID"));
        assert_eq!(ids.len(), 33);
        let all: Vec<_> = t.rsa_users().collect();
        let known = ids
            .iter()
            .filter(|id| all.iter().any(|u| &u.id == *id))
            .count();
        assert_eq!(known, 30, "2 unknown IDs and 1 malformed");
        assert_eq!(rows(1).len(), 30);
        let logins = rows(2);
        assert_eq!(logins.len(), 40);
        assert_eq!(
            logins.iter().filter(|l| t.epm_user(l).is_some()).count(),
            36
        );
    }
}
