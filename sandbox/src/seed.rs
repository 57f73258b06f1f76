//! The deterministic seeded tenant: the same people in RSA and in EPM, with a realistic mix.

use crate::clock::iso8601;
use crate::tenant::{EpmUser, RsaUser, Tenant, UserStatus, AZURE_SCIM, SCIM_MANAGED};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use std::collections::HashSet;

/// Login of the EPM account the demo credentials belong to (never removable).
pub const EPM_ADMIN_LOGIN: &str = "offboard.admin@example.com";

/// Share of seeded RSA users that are enabled (Delete User Now: 409).
pub const SHARE_ENABLED: f64 = 0.12;
/// Share pending deletion (409).
pub const SHARE_PENDING: f64 = 0.08;
/// Share from the "SCIM Managed" source (405).
pub const SHARE_SCIM: f64 = 0.06;
/// Share from "Azure Active Directory (SCIM)" (405).
pub const SHARE_AZURE: f64 = 0.04;
/// Share of EPM users whose login is a short name rather than an e-mail address.
pub const SHARE_SHORT_LOGIN: f64 = 0.15;

const FIRST: &[&str] = &[
    "Jane", "John", "Maria", "Ahmed", "Wei", "Priya", "Lukas", "Sofia", "Noah", "Emma", "Liam",
    "Olivia", "Mateo", "Chloé", "José", "Zoë", "Søren", "Aiko", "Kwame", "Fatima", "Ivan", "Elena",
    "Omar", "Grace", "Hugo", "Ines", "Raj", "Mei", "Oscar", "Lena", "Pedro", "Anna", "Tomás",
    "Yuki", "Amara", "David", "Sara", "Ali", "Nina", "Felix",
];
const LAST: &[&str] = &[
    "Doe",
    "Smith",
    "Garcia",
    "Khan",
    "Zhang",
    "Patel",
    "Müller",
    "Rossi",
    "Johnson",
    "Brown",
    "Nguyen",
    "Silva",
    "O'Brien",
    "Kowalski",
    "Dubois",
    "Tanaka",
    "Mensah",
    "Haddad",
    "Petrov",
    "Novak",
    "Larsen",
    "Fernández",
    "Kim",
    "Walker",
    "Martin",
    "Bianchi",
    "Cohen",
    "Sato",
    "Okafor",
    "Jensen",
    "Murphy",
    "Schmidt",
    "Lopez",
    "Andersson",
    "Costa",
    "Ibrahim",
    "Wright",
    "Moreau",
    "Yilmaz",
    "Reyes",
];

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Disabled,
    Enabled,
    Pending,
    Scim,
    Azure,
}

/// Builds the tenant of `users` people from `seed`; timestamps are relative to `now_ms`.
pub fn seed_tenant(users: usize, seed: u64, now_ms: u64) -> Tenant {
    let mut rng = StdRng::seed_from_u64(seed);
    let count = |share: f64| ((users as f64) * share).round() as usize;
    let mut kinds = Vec::with_capacity(users);
    for (kind, n) in [
        (Kind::Enabled, count(SHARE_ENABLED)),
        (Kind::Pending, count(SHARE_PENDING)),
        (Kind::Scim, count(SHARE_SCIM)),
        (Kind::Azure, count(SHARE_AZURE)),
    ] {
        kinds.extend(std::iter::repeat_n(kind, n));
    }
    kinds.truncate(users);
    kinds.resize(users, Kind::Disabled);
    kinds.shuffle(&mut rng);

    let mut emails = HashSet::new();
    let mut logins: HashSet<String> = HashSet::from([EPM_ADMIN_LOGIN.to_string()]);
    let mut rsa = Vec::with_capacity(users);
    let mut epm = vec![EpmUser {
        userlogin: EPM_ADMIN_LOGIN.into(),
        firstname: "Offboard".into(),
        lastname: "Admin".into(),
        email: EPM_ADMIN_LOGIN.into(),
    }];
    for kind in kinds {
        let first = FIRST[rng.gen_range(0..FIRST.len())];
        let last = LAST[rng.gen_range(0..LAST.len())];
        let stem = format!("{}.{}", ascii(first), ascii(last));
        let email = unique(&mut emails, &stem, "@example.com");
        let short_stem = format!("{}{}", &ascii(first)[..1], ascii(last));
        let login = if rng.gen_bool(SHARE_SHORT_LOGIN) {
            unique(&mut logins, &short_stem, "")
        } else {
            email.clone()
        };
        logins.insert(login.clone());
        rsa.push(rsa_user(&mut rng, kind, first, last, &email, now_ms));
        epm.push(EpmUser {
            userlogin: login,
            firstname: first.into(),
            lastname: last.into(),
            email,
        });
    }
    Tenant::new(rsa, epm, EPM_ADMIN_LOGIN)
}

fn rsa_user(
    rng: &mut StdRng,
    kind: Kind,
    first: &str,
    last: &str,
    email: &str,
    now_ms: u64,
) -> RsaUser {
    const DAY_MS: u64 = 86_400_000;
    const JAN_2019_MS: u64 = 1_546_300_800_000;
    let source = match kind {
        Kind::Scim => SCIM_MANAGED,
        Kind::Azure => AZURE_SCIM,
        _ if rng.gen_bool(0.25) => "Corporate LDAP",
        _ => "Active Directory",
    };
    let pending = kind == Kind::Pending;
    RsaUser {
        id: random_user_id(rng),
        email_address: email.into(),
        first_name: first.into(),
        last_name: last.into(),
        identity_source: source.into(),
        user_status: if kind == Kind::Enabled {
            UserStatus::Enabled
        } else {
            UserStatus::Disabled
        },
        mark_deleted: pending,
        mark_deleted_at: pending.then(|| iso8601(now_ms - rng.gen_range(0..6 * DAY_MS))),
        creation_date: iso8601(JAN_2019_MS + rng.gen_range(0..5 * 365 * DAY_MS)),
        last_sync_time: iso8601(now_ms - rng.gen_range(0..DAY_MS)),
    }
}

/// A user ID: 8-4-4-4-12 hex digits, without UUID version rules.
pub fn random_user_id(rng: &mut impl Rng) -> String {
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        rng.gen::<u32>(),
        rng.gen::<u16>(),
        rng.gen::<u16>(),
        rng.gen::<u16>(),
        rng.gen::<u64>() & 0xffff_ffff_ffff
    )
}

fn unique(taken: &mut HashSet<String>, stem: &str, suffix: &str) -> String {
    let mut n = 1;
    loop {
        let candidate = if n == 1 {
            format!("{stem}{suffix}")
        } else {
            format!("{stem}{n}{suffix}")
        };
        if taken.insert(candidate.clone()) {
            return candidate;
        }
        n += 1;
    }
}

/// Lower-case ASCII form of a name, for e-mail addresses and logins.
fn ascii(name: &str) -> String {
    name.chars()
        .filter_map(|c| match c {
            'á' | 'à' => Some('a'),
            'é' | 'ë' | 'è' => Some('e'),
            'í' => Some('i'),
            'ó' | 'ø' | 'ö' => Some('o'),
            'ú' | 'ü' => Some('u'),
            'ñ' => Some('n'),
            c if c.is_ascii_alphabetic() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_tenant_and_exact_mix() {
        let a = seed_tenant(1000, 7, 1_700_000_000_000);
        let b = seed_tenant(1000, 7, 1_700_000_000_000);
        let ids = |t: &Tenant| t.rsa_users().map(|u| u.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&a), ids(&b));
        let users: Vec<_> = a.rsa_users().collect();
        assert_eq!(
            users
                .iter()
                .filter(|u| u.user_status == UserStatus::Enabled)
                .count(),
            120
        );
        assert_eq!(users.iter().filter(|u| u.mark_deleted).count(), 80);
        assert_eq!(
            users
                .iter()
                .filter(|u| u.identity_source == SCIM_MANAGED)
                .count(),
            60
        );
        assert_eq!(
            users
                .iter()
                .filter(|u| u.identity_source == AZURE_SCIM)
                .count(),
            40
        );
        assert_eq!(a.epm_users().count(), 1001, "the admin account is extra");
    }

    #[test]
    fn addresses_are_unique_ascii() {
        let t = seed_tenant(3000, 42, 1_700_000_000_000);
        let emails: HashSet<_> = t.rsa_users().map(|u| u.email_address.clone()).collect();
        assert_eq!(emails.len(), 3000);
        assert!(emails.iter().all(|e| e.is_ascii()));
        let short = t.epm_users().filter(|u| !u.userlogin.contains('@')).count();
        assert!((300..600).contains(&short), "{short} short logins");
    }
}
