//! Accounts that are never removed: the admin's own, and protected ones matching a `*` pattern.

use super::dedupe::{fold_eq, fold_hash, folded};
use crate::target::Target;

/// The login a Basic user name means in a classic identity domain, where it is written
/// `identitydomain.user` (NOTES.md): `jdoe@example.com` for `idm1.jdoe@example.com`. A login with a
/// dot of its own (`john.smith@example.com`) reads the same way, so this is a guess, said to the admin.
pub fn classic_domain_user(sign_in: &str) -> Option<&str> {
    let (domain, user) = sign_in.trim().split_once('.')?;
    (!domain.is_empty() && !domain.contains('@') && !user.is_empty()).then_some(user)
}

/// Why a valid identifier is kept out of the plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exclusion {
    /// The admin's own account.
    OwnAccount,
    /// The login the admin's EPM sign-in name would be in a classic identity domain
    /// ([`classic_domain_user`]): perhaps the admin's own account, perhaps someone else's.
    OwnAccountGuess,
    /// Matches the protected pattern with this index.
    Protected(u32),
}

/// The admin's account in every form it is compared in (with its [`fold_hash`]), and the protected patterns:
/// those without a `*` looked up by hash, the others lower-cased and matched in turn. A list of thousands of
/// plain logins costs a row one lookup, not thousands of comparisons.
pub struct Exclusions {
    own: Vec<(u64, String)>,
    /// Patterns without a `*`: (their [`fold_hash`], index in the list, pattern), by hash then index.
    exact: Vec<(u64, u32, String)>,
    /// Patterns with a `*`, lower-cased, with their index in the list, in list order.
    globs: Vec<(u32, String)>,
}

impl Exclusions {
    /// `own`: the admin's account. For EPM, when it is the Basic sign-in name (`own_is_sign_in`: none
    /// was entered), a classic identity-domain form `domain.jdoe` also excludes `jdoe`
    /// ([`classic_domain_user`]). `patterns`: protected accounts, `*` matching any run of characters,
    /// case-insensitive.
    pub fn new(
        target: Target,
        own: Option<&str>,
        own_is_sign_in: bool,
        patterns: &[String],
    ) -> Exclusions {
        let mut forms = Vec::new();
        if let Some(own) = own.map(str::trim).filter(|o| !o.is_empty()) {
            forms.push(own.to_string());
            if target == Target::Epm && own_is_sign_in {
                forms.extend(classic_domain_user(own).map(str::to_string));
            }
        }
        let (mut exact, mut globs) = (Vec::new(), Vec::new());
        for (i, pattern) in patterns.iter().enumerate() {
            let (i, pattern) = (i as u32, pattern.trim());
            if pattern.contains('*') {
                globs.push((i, folded(pattern).collect()));
            } else {
                exact.push((fold_hash(pattern), i, pattern.to_string()));
            }
        }
        crate::sort::sort_by_key(&mut exact, |(hash, _, _)| *hash);
        Exclusions {
            own: forms
                .into_iter()
                .map(|form| (fold_hash(&form), form))
                .collect(),
            exact,
            globs,
        }
    }

    /// Whether `value` (cleaned, with its [`fold_hash`]) is excluded, and why. Of several protected patterns it
    /// matches, the first in the list is named.
    #[inline(always)]
    pub fn check(&self, value: &str, hash: u64) -> Option<Exclusion> {
        let own = self
            .own
            .iter()
            .position(|(own_hash, own)| *own_hash == hash && fold_eq(own, value));
        match own {
            Some(0) => return Some(Exclusion::OwnAccount),
            Some(_) => return Some(Exclusion::OwnAccountGuess),
            None => {}
        }
        if self.exact.is_empty() && self.globs.is_empty() {
            return None;
        }
        self.protected(value, hash)
    }

    /// [`Exclusions::check`]'s look through the protected patterns.
    #[inline(never)]
    fn protected(&self, value: &str, hash: u64) -> Option<Exclusion> {
        let from = self.exact.partition_point(|(h, _, _)| *h < hash);
        let exact = self.exact[from..]
            .iter()
            .take_while(|(h, _, _)| *h == hash)
            .find(|(_, _, p)| fold_eq(p, value))
            .map(|(_, i, _)| *i);
        let mut earlier = self
            .globs
            .iter()
            .take_while(|(i, _)| exact.is_none_or(|e| *i < e));
        let starred = if value.is_ascii() {
            let fold = |b: u8| b.to_ascii_lowercase();
            earlier.find(|(_, p)| glob(p.as_bytes(), value.as_bytes(), fold))
        } else {
            let lower: Vec<char> = folded(value).collect();
            earlier.find(|(_, p)| glob(&p.chars().collect::<Vec<_>>(), &lower, |c| c))
        };
        starred.map(|(i, _)| *i).or(exact).map(Exclusion::Protected)
    }
}

/// Whether `text`, each element passed through `fold`, matches `pattern`, where `*` matches any run (also empty).
/// Linear backtracking to the last star.
fn glob<T: Copy + PartialEq + From<u8>>(pattern: &[T], text: &[T], fold: impl Fn(T) -> T) -> bool {
    let star = T::from(b'*');
    let (mut p, mut t) = (0, 0);
    let mut resume: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && pattern[p] == star {
            resume = Some((p, t));
            p += 1;
        } else if p < pattern.len() && pattern[p] == fold(text[t]) {
            p += 1;
            t += 1;
        } else if let Some((star_at, matched_to)) = resume {
            p = star_at + 1;
            t = matched_to + 1;
            resume = Some((star_at, t));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == star)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patterns(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn own_account_is_matched_case_insensitively_and_trimmed() {
        let ex = Exclusions::new(Target::Epm, Some(" Admin@Example.com "), false, &[]);
        assert_eq!(
            ex.check("admin@example.COM", fold_hash("admin@example.COM")),
            Some(Exclusion::OwnAccount)
        );
        assert_eq!(
            ex.check("other@example.com", fold_hash("other@example.com")),
            None
        );
    }

    #[test]
    fn epm_identity_domain_prefix_also_excludes_the_bare_login() {
        let ex = Exclusions::new(Target::Epm, Some("idm123.jadmin"), true, &[]);
        assert_eq!(
            ex.check("JAdmin", fold_hash("JAdmin")),
            Some(Exclusion::OwnAccountGuess)
        );
        assert_eq!(
            ex.check("idm123.jadmin", fold_hash("idm123.jadmin")),
            Some(Exclusion::OwnAccount)
        );
        assert_eq!(ex.check("idm123", fold_hash("idm123")), None);
        let rsa = Exclusions::new(Target::Rsa, Some("idm123.jadmin"), true, &[]);
        assert_eq!(rsa.check("jadmin", fold_hash("jadmin")), None);
        let typed = Exclusions::new(Target::Epm, Some("idm123.jadmin"), false, &[]);
        assert_eq!(typed.check("jadmin", fold_hash("jadmin")), None);
        assert_eq!(
            classic_domain_user(" idm1.jdoe@example.com "),
            Some("jdoe@example.com")
        );
        assert_eq!(classic_domain_user("jdoe@example.com"), None);
        assert_eq!(classic_domain_user("jdoe@corp.example.com"), None);
        assert_eq!(classic_domain_user(".jdoe"), None);
    }

    #[test]
    fn protected_patterns_match_with_stars_and_report_which() {
        let ex = Exclusions::new(
            Target::Epm,
            None,
            false,
            &patterns(&["svc_*", "*@vip.example.com", "break*glass*"]),
        );
        assert_eq!(
            ex.check("SVC_backup", fold_hash("SVC_backup")),
            Some(Exclusion::Protected(0))
        );
        assert_eq!(
            ex.check("ceo@VIP.example.com", fold_hash("ceo@VIP.example.com")),
            Some(Exclusion::Protected(1))
        );
        assert_eq!(
            ex.check("break-the-glass-1", fold_hash("break-the-glass-1")),
            Some(Exclusion::Protected(2))
        );
        assert_eq!(ex.check("jdoe", fold_hash("jdoe")), None);
        assert_eq!(ex.check("xsvc_backup", fold_hash("xsvc_backup")), None);
    }

    #[test]
    fn a_pattern_without_stars_matches_exactly() {
        let ex = Exclusions::new(Target::Epm, None, false, &patterns(&["root"]));
        assert_eq!(
            ex.check("ROOT", fold_hash("ROOT")),
            Some(Exclusion::Protected(0))
        );
        assert_eq!(ex.check("root2", fold_hash("root2")), None);
    }

    #[test]
    fn the_first_matching_pattern_is_named_whether_plain_or_starred() {
        let list = patterns(&["svc_*", "svc_backup", "ops", "*"]);
        let ex = Exclusions::new(Target::Epm, None, false, &list);
        let named = |v: &str| ex.check(v, fold_hash(v));
        assert_eq!(named("SVC_Backup"), Some(Exclusion::Protected(0)));
        assert_eq!(named("Ops"), Some(Exclusion::Protected(2)));
        assert_eq!(named("anyone"), Some(Exclusion::Protected(3)));
        let plain_first = Exclusions::new(Target::Epm, None, false, &patterns(&["OPS", "o*"]));
        assert_eq!(
            plain_first.check("ops", fold_hash("ops")),
            Some(Exclusion::Protected(0))
        );
        assert_eq!(
            plain_first.check("owl", fold_hash("owl")),
            Some(Exclusion::Protected(1))
        );
    }

    #[test]
    fn thousands_of_plain_patterns_each_match_their_own_login_only() {
        let list: Vec<String> = (0..5_000).map(|i| format!("svc-{i}@Corp.io")).collect();
        let ex = Exclusions::new(Target::Epm, None, false, &list);
        for i in [0, 1, 2_499, 4_999] {
            let v = format!("SVC-{i}@corp.IO");
            assert_eq!(
                ex.check(&v, fold_hash(&v)),
                Some(Exclusion::Protected(i)),
                "{v}"
            );
        }
        for v in ["svc-5000@corp.io", "svc-1@corp.io.evil", "Ärger@corp.io"] {
            assert_eq!(ex.check(v, fold_hash(v)), None, "{v}");
        }
        let accented = Exclusions::new(Target::Epm, None, false, &patterns(&["ÉLODIE@corp.io"]));
        let v = "élodie@CORP.io";
        assert_eq!(
            accented.check(v, fold_hash(v)),
            Some(Exclusion::Protected(0))
        );
    }

    #[test]
    fn a_starred_pattern_with_a_capital_sigma_matches_its_own_spelling() {
        let ex = Exclusions::new(Target::Epm, None, false, &patterns(&["NIKOΣ@*"]));
        for v in ["NIKOΣ@corp.gr", "nikoσ@corp.gr", "nikoς@corp.gr"] {
            assert_eq!(
                ex.check(v, fold_hash(v)),
                Some(Exclusion::Protected(0)),
                "{v}"
            );
        }
    }

    #[test]
    fn a_final_sigma_is_the_same_letter_as_a_sigma_in_the_own_account_and_plain_patterns() {
        let own = Exclusions::new(Target::Rsa, Some("ΝΙΚΟΣ"), false, &[]);
        let listed = Exclusions::new(Target::Rsa, None, false, &patterns(&["ΑΝΝΑΣ"]));
        for (ex, v, why) in [
            (&own, "νικος", Exclusion::OwnAccount),
            (&own, "νικοσ", Exclusion::OwnAccount),
            (&listed, "αννας", Exclusion::Protected(0)),
        ] {
            assert_eq!(ex.check(v, fold_hash(v)), Some(why), "{v}");
        }
        assert_eq!(own.check("νικοι", fold_hash("νικοι")), None);
    }

    #[test]
    fn glob_backtracks() {
        let same = |b: u8| b;
        assert!(glob(b"*a*b", b"xaxxab", same));
        assert!(glob(b"a*b*c", b"abbbc", same));
        assert!(!glob(b"a*b*c", b"abbb", same));
        assert!(glob(b"*", b"", same));
        assert!(glob(&['é', '*'], &['é', 'x'], |c| c));
        assert!(glob(b"svc_*", b"SVC_Backup", |b: u8| b.to_ascii_lowercase()));
    }
}
