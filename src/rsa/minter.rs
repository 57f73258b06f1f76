//! When the panel should make a fresh token from the key file, and when a refusal needs the admin.

use super::key_file::SigningInput;

/// How tokens minted from the key file are timed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MintPolicy {
    /// `exp - iat`, seconds (the service allows at most 3600).
    pub lifetime_s: i64,
    /// Renew this many seconds before `exp`.
    pub renew_before_s: i64,
    /// A token refused sooner than this after it was made is not an expiry problem.
    pub fresh_for_s: i64,
}

impl Default for MintPolicy {
    fn default() -> Self {
        MintPolicy {
            lifetime_s: 3300,
            renew_before_s: 300,
            fresh_for_s: 120,
        }
    }
}

/// What to do after the service refused (403) the current minted token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefusalAction {
    /// The token was old: make a new one and hand it to the run.
    MintNew,
    /// A fresh token was refused: minting again will not help; tell the admin why.
    AskAdmin(&'static str),
}

/// Explains a refused fresh token.
pub const FRESH_TOKEN_REFUSED: &str = "The service refused a token the panel had just made from the key file. \
    The key may have been revoked, the access ID may lack permission to delete users, or this computer's clock \
    may be more than a minute off. Check API Access Management in the Cloud Administration Console, then drop in \
    a current key file or paste a token.";

/// Tracks the token made from the key file. Pure: the shell asks it, signs, and reports back.
#[derive(Clone, Debug, Default)]
pub struct TokenMinter {
    policy: MintPolicy,
    current: Option<(i64, i64)>,
}

impl TokenMinter {
    /// A minter with no token yet.
    pub fn new(policy: MintPolicy) -> Self {
        TokenMinter {
            policy,
            current: None,
        }
    }

    /// The policy in force (its `lifetime_s` goes to `KeyFile::signing_input`).
    pub fn policy(&self) -> MintPolicy {
        self.policy
    }

    /// Records the token just made from `input`.
    pub fn minted(&mut self, input: &SigningInput) {
        self.current = Some((input.iat, input.exp));
    }

    /// When (Unix seconds) the current token should be replaced; `None` before the first.
    pub fn renew_at(&self) -> Option<i64> {
        self.current
            .map(|(_, exp)| exp - self.policy.renew_before_s)
    }

    /// Whether a token must be made now (none yet, or within `renew_before_s` of expiry).
    pub fn needs_token(&self, now: i64) -> bool {
        self.renew_at().is_none_or(|at| now >= at)
    }

    /// The service refused the current token at `now`.
    pub fn on_refused(&self, now: i64) -> RefusalAction {
        match self.current {
            Some((iat, _)) if now - iat < self.policy.fresh_for_s => {
                RefusalAction::AskAdmin(FRESH_TOKEN_REFUSED)
            }
            _ => RefusalAction::MintNew,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(iat: i64, exp: i64) -> SigningInput {
        let kf = crate::rsa::key_file::KeyFile::parse(&crate::rsa::key_file::tests::key_file_json(
            &rsa::pkcs1::EncodeRsaPrivateKey::to_pkcs1_pem(
                crate::rsa::key_file::tests::test_key(),
                rsa::pkcs1::LineEnding::LF,
            )
            .unwrap(),
        ))
        .unwrap();
        kf.signing_input(iat, exp - iat)
    }

    #[test]
    fn renews_five_minutes_before_expiry_and_not_before() {
        let mut m = TokenMinter::new(MintPolicy::default());
        assert!(m.needs_token(0), "no token yet");
        m.minted(&input(1000, 1000 + 3300));
        assert_eq!(m.renew_at(), Some(1000 + 3000));
        assert!(!m.needs_token(3999));
        assert!(m.needs_token(4000));
    }

    #[test]
    fn an_old_refused_token_is_replaced_but_a_fresh_refusal_goes_to_the_admin() {
        let mut m = TokenMinter::new(MintPolicy::default());
        assert_eq!(m.on_refused(0), RefusalAction::MintNew);
        m.minted(&input(1000, 4300));
        assert_eq!(m.on_refused(2500), RefusalAction::MintNew);
        assert!(
            matches!(m.on_refused(1030), RefusalAction::AskAdmin(msg) if msg.contains("revoked"))
        );
    }
}
