//! JSON Web Tokens as the RSA Cloud Administration APIs use them: RS256, `sub` = access ID,
//! `aud` = adminRestApiUrl, lifetime of one hour at most, 60 s of clock skew. Newer tenants' OAuth
//! 2.0 API clients send their access tokens the same way (NOTES.md); the sandbox's are JWTs too,
//! checked by [`verify_oauth`].

use base64::alphabet::URL_SAFE;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;
use hmac::{Hmac, Mac};
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::signature::{SignatureEncoding, Signer, Verifier};
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde_json::{json, Value};
use sha2::Sha256;
use std::fmt;

/// Longest allowed `exp - iat`, seconds.
pub const MAX_LIFETIME_SECS: u64 = 3600;
/// Allowed clock skew, seconds.
pub const SKEW_SECS: u64 = 60;

const B64: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Why a token was refused (every reason answers 403).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// No `Authorization: Bearer` header.
    Missing,
    /// Not three base64url JSON parts.
    Malformed,
    /// `alg` other than RS256 (including `none`).
    Algorithm(String),
    /// A required claim is absent or of the wrong type.
    Claim(&'static str),
    /// `sub` is not a known access ID.
    UnknownSubject,
    /// The signature does not verify with the access ID's key.
    Signature,
    /// `aud` is not the Admin REST API URL.
    Audience,
    /// `exp` is more than one hour after `iat`.
    Lifetime,
    /// `exp` has passed (beyond the skew).
    Expired,
    /// `iat` is in the future (beyond the skew).
    NotYetValid,
    /// Issued before the credentials were revoked.
    Revoked,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::Missing => write!(f, "missing Authorization: Bearer <JWT>"),
            Rejection::Malformed => write!(f, "malformed JWT"),
            Rejection::Algorithm(a) => write!(f, "algorithm {a:?} is not allowed; use RS256"),
            Rejection::Claim(c) => write!(f, "claim {c} is missing or invalid"),
            Rejection::UnknownSubject => write!(f, "sub is not a known access ID"),
            Rejection::Signature => write!(f, "signature does not verify"),
            Rejection::Audience => write!(f, "aud is not the Admin REST API URL"),
            Rejection::Lifetime => write!(f, "token lifetime exceeds one hour"),
            Rejection::Expired => write!(f, "token expired"),
            Rejection::NotYetValid => write!(f, "token issued in the future"),
            Rejection::Revoked => write!(f, "credentials revoked"),
        }
    }
}

/// The claims of an accepted token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// Access ID.
    pub sub: String,
    /// Issued at, Unix seconds.
    pub iat: u64,
    /// Expires, Unix seconds.
    pub exp: u64,
}

/// Signs `claims` under the header `alg`: `HS256` is keyed with the public key's PEM (the
/// classic confusion attack), `none` is unsigned, anything else (`RS256`, but also e.g. `RS512`
/// for tests of the refusal) gets an RS256 signature.
pub fn mint(key: &RsaPrivateKey, alg: &str, claims: &Value) -> Result<String, String> {
    let header = json!({ "typ": "JWT", "alg": alg });
    let signing_input = format!(
        "{}.{}",
        B64.encode(header.to_string()),
        B64.encode(claims.to_string())
    );
    let signature = match alg {
        "HS256" => {
            let secret = rsa::pkcs1::EncodeRsaPublicKey::to_pkcs1_pem(
                &key.to_public_key(),
                Default::default(),
            )
            .map_err(|e| e.to_string())?;
            let mut mac =
                Hmac::<Sha256>::new_from_slice(secret.as_bytes()).map_err(|e| e.to_string())?;
            mac.update(signing_input.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        "none" => Vec::new(),
        _ => SigningKey::<Sha256>::new(key.clone())
            .sign(signing_input.as_bytes())
            .to_vec(),
    };
    Ok(format!("{signing_input}.{}", B64.encode(signature)))
}

/// Verifies a token made from an API key against the known `(access ID, public key)` pairs and
/// the expected audience.
pub fn verify(
    token: &str,
    keys: &[(&str, &RsaPublicKey)],
    audience: &str,
    now: u64,
) -> Result<Verified, Rejection> {
    verify_with(token, keys, audience, Some(MAX_LIFETIME_SECS), now)
}

/// Verifies an OAuth 2.0 access token issued to `client` (its ID and the authorisation
/// server's public key) for `audience`: the same checks, but its lifetime is the server's choice.
pub fn verify_oauth(
    token: &str,
    client: (&str, &RsaPublicKey),
    audience: &str,
    now: u64,
) -> Result<Verified, Rejection> {
    verify_with(token, &[client], audience, None, now)
}

fn verify_with(
    token: &str,
    keys: &[(&str, &RsaPublicKey)],
    audience: &str,
    max_lifetime_secs: Option<u64>,
    now: u64,
) -> Result<Verified, Rejection> {
    let parts: Vec<&str> = token.trim().split('.').collect();
    let [header, payload, signature] = parts[..] else {
        return Err(Rejection::Malformed);
    };
    let decode_json = |s: &str| -> Result<Value, Rejection> {
        let bytes = B64.decode(s).map_err(|_| Rejection::Malformed)?;
        serde_json::from_slice(&bytes).map_err(|_| Rejection::Malformed)
    };
    let header = decode_json(header)?;
    let alg = header.get("alg").and_then(Value::as_str).unwrap_or("");
    if alg != "RS256" {
        return Err(Rejection::Algorithm(alg.to_string()));
    }
    if !matches!(
        header.get("typ").and_then(Value::as_str),
        None | Some("JWT" | "jwt")
    ) {
        return Err(Rejection::Malformed);
    }
    let claims = decode_json(payload)?;
    let sub = claims
        .get("sub")
        .and_then(Value::as_str)
        .ok_or(Rejection::Claim("sub"))?;
    let key = keys
        .iter()
        .find(|(id, _)| *id == sub)
        .map(|(_, k)| *k)
        .ok_or(Rejection::UnknownSubject)?;
    let signature = B64.decode(signature).map_err(|_| Rejection::Signature)?;
    let signature = Signature::try_from(signature.as_slice()).map_err(|_| Rejection::Signature)?;
    let signing_input = &token.trim()[..header_payload_len(token.trim())];
    VerifyingKey::<Sha256>::new(key.clone())
        .verify(signing_input.as_bytes(), &signature)
        .map_err(|_| Rejection::Signature)?;
    if !audience_matches(claims.get("aud"), audience) {
        return Err(Rejection::Audience);
    }
    let iat = seconds(&claims, "iat")?;
    let exp = seconds(&claims, "exp")?;
    if exp < iat || max_lifetime_secs.is_some_and(|max| exp - iat > max) {
        return Err(Rejection::Lifetime);
    }
    if now > exp.saturating_add(SKEW_SECS) {
        return Err(Rejection::Expired);
    }
    if iat > now + SKEW_SECS {
        return Err(Rejection::NotYetValid);
    }
    Ok(Verified {
        sub: sub.to_string(),
        iat,
        exp,
    })
}

fn header_payload_len(token: &str) -> usize {
    token.rfind('.').unwrap_or(0)
}

fn seconds(claims: &Value, name: &'static str) -> Result<u64, Rejection> {
    let v = claims
        .get(name)
        .and_then(Value::as_f64)
        .ok_or(Rejection::Claim(name))?;
    if v.is_finite() && v >= 0.0 {
        Ok(v as u64)
    } else {
        Err(Rejection::Claim(name))
    }
}

fn audience_matches(aud: Option<&Value>, expected: &str) -> bool {
    let norm = |s: &str| s.trim_end_matches('/').to_string();
    let expected = norm(expected);
    match aud {
        Some(Value::String(s)) => norm(s) == expected,
        Some(Value::Array(items)) => items
            .iter()
            .any(|v| v.as_str().is_some_and(|s| norm(s) == expected)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    const AUD: &str = "http://127.0.0.1:1/AdminInterface/restapi/v1";

    fn key() -> &'static RsaPrivateKey {
        static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
        KEY.get_or_init(|| RsaPrivateKey::new(&mut rand::thread_rng(), 1024).expect("key"))
    }

    fn check(alg: &str, claims: Value, now: u64) -> Result<Verified, Rejection> {
        let public = key().to_public_key();
        verify(
            &mint(key(), alg, &claims).unwrap(),
            &[("abc", &public)],
            AUD,
            now,
        )
    }

    #[test]
    fn accepts_a_good_token_with_or_without_trailing_slash() {
        let ok = check(
            "RS256",
            json!({"sub":"abc","aud":AUD,"iat":1000,"exp":4600}),
            2000,
        );
        assert_eq!(
            ok,
            Ok(Verified {
                sub: "abc".into(),
                iat: 1000,
                exp: 4600
            })
        );
        let slash = format!("{AUD}/");
        assert!(check(
            "RS256",
            json!({"sub":"abc","aud":slash,"iat":1000,"exp":4600}),
            2000
        )
        .is_ok());
    }

    #[test]
    fn refuses_each_defect() {
        let c = |iat: u64, exp: u64| json!({"sub":"abc","aud":AUD,"iat":iat,"exp":exp});
        assert_eq!(
            check("RS256", c(1000, 4601), 2000),
            Err(Rejection::Lifetime)
        );
        assert_eq!(check("RS256", c(1000, 2000), 2061), Err(Rejection::Expired));
        assert!(check("RS256", c(1000, 2000), 2060).is_ok(), "60 s skew");
        assert_eq!(
            check("RS256", c(3000, 4000), 2000),
            Err(Rejection::NotYetValid)
        );
        assert_eq!(
            check("none", c(1000, 2000), 1500),
            Err(Rejection::Algorithm("none".into()))
        );
        assert_eq!(
            check("HS256", c(1000, 2000), 1500),
            Err(Rejection::Algorithm("HS256".into()))
        );
        let wrong_aud = json!({"sub":"abc","aud":"http://elsewhere/","iat":1000,"exp":2000});
        assert_eq!(check("RS256", wrong_aud, 1500), Err(Rejection::Audience));
        let stranger = json!({"sub":"xyz","aud":AUD,"iat":1000,"exp":2000});
        assert_eq!(
            check("RS256", stranger, 1500),
            Err(Rejection::UnknownSubject)
        );
        let far_future = json!({"sub":"abc","aud":AUD,"iat":1e30,"exp":1e30});
        assert_eq!(
            check("RS256", far_future, 1500),
            Err(Rejection::NotYetValid)
        );
        let no_exp = json!({"sub":"abc","aud":AUD,"iat":1000});
        assert_eq!(check("RS256", no_exp, 1500), Err(Rejection::Claim("exp")));
    }

    #[test]
    fn refuses_a_tampered_payload() {
        let token = mint(
            key(),
            "RS256",
            &json!({"sub":"abc","aud":AUD,"iat":1000,"exp":2000}),
        )
        .unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        let forged = B64.encode(json!({"sub":"abc","aud":AUD,"iat":1000,"exp":4000}).to_string());
        let public = key().to_public_key();
        let forged = format!("{}.{forged}.{}", parts[0], parts[2]);
        assert_eq!(
            verify(&forged, &[("abc", &public)], AUD, 1500),
            Err(Rejection::Signature)
        );
        assert_eq!(
            verify("a.b", &[("abc", &public)], AUD, 1500),
            Err(Rejection::Malformed)
        );
    }
}
