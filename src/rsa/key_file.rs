//! The Administration API key file: reading it, preparing its key for WebCrypto, and building the
//! RS256 signing input for a fresh token. The browser shell signs; this module never does crypto.

use super::b64;
use super::der;
use super::jwt::MAX_LIFETIME_S;
use crate::json::{self, Map, Value};

/// The JWT header the service requires, exactly.
pub const JWT_HEADER: &str = r#"{"typ":"JWT","alg":"RS256"}"#;

/// A parsed key file. The private key is held only in memory and never shown by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyFile {
    pub customer_name: String,
    /// Becomes the token's `sub`.
    pub access_id: String,
    pub description: String,
    /// Becomes the token's `aud`, and is the default API base.
    pub admin_rest_api_url: String,
    pkcs8: Vec<u8>,
    modulus_bits: usize,
}

impl std::fmt::Debug for KeyFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyFile")
            .field("customer_name", &self.customer_name)
            .field("access_id", &self.access_id)
            .field("admin_rest_api_url", &self.admin_rest_api_url)
            .field(
                "key",
                &format_args!("<{} bit RSA key, redacted>", self.modulus_bits),
            )
            .finish()
    }
}

/// Why a dropped file cannot be used to make tokens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyFileError {
    NotJson,
    MissingField(&'static str),
    /// `accessKey` holds no PEM private key.
    NoPrivateKey,
    /// The PEM key is password-protected.
    Encrypted,
    /// The PEM block decodes to something that is not an RSA private key.
    Damaged,
}

impl std::fmt::Display for KeyFileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyFileError::NotJson => f.write_str(
                "This is not an RSA Administration API key file (it is not JSON). Download the key file from \
                 the Cloud Administration Console, Platform > API Access Management.",
            ),
            KeyFileError::MissingField(name) => write!(
                f,
                "The key file has no \"{name}\". Use the file exactly as downloaded from API Access Management."
            ),
            KeyFileError::NoPrivateKey => f.write_str(
                "The key file's accessKey holds no private key (-----BEGIN RSA PRIVATE KEY-----). \
                 Use the file exactly as downloaded.",
            ),
            KeyFileError::Encrypted => f.write_str(
                "The private key in this file is password-protected. Use the key file as downloaded, unencrypted.",
            ),
            KeyFileError::Damaged => {
                f.write_str("The private key in this file is damaged: it is not a valid RSA key. Download it again.")
            }
        }
    }
}

impl std::error::Error for KeyFileError {}

/// The key file's fields, each absent, `null` or a string.
struct RawKeyFile {
    customer_name: Option<String>,
    access_id: Option<String>,
    description: Option<String>,
    access_key: Option<String>,
    admin_rest_api_url: Option<String>,
}

impl RawKeyFile {
    /// `None` when the text is not a JSON object or a field is neither a string nor `null`.
    fn parse(text: &str) -> Option<RawKeyFile> {
        let value = json::parse(text).ok()?;
        let obj = value.as_object()?;
        Some(RawKeyFile {
            customer_name: string_field(obj, "customerName")?,
            access_id: string_field(obj, "accessID")?,
            description: string_field(obj, "description")?,
            access_key: string_field(obj, "accessKey")?,
            admin_rest_api_url: string_field(obj, "adminRestApiUrl")?,
        })
    }
}

/// `Some(None)` when absent or `null`, `None` when not a string.
fn string_field(obj: &Map, key: &str) -> Option<Option<String>> {
    match obj.get(key) {
        None | Some(Value::Null) => Some(None),
        Some(Value::String(s)) => Some(Some(s.clone())),
        Some(_) => None,
    }
}

fn required(value: Option<String>, name: &'static str) -> Result<String, KeyFileError> {
    value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .ok_or(KeyFileError::MissingField(name))
}

/// The base64 body of the first PEM block labelled `label`, if present.
fn pem_body<'a>(pem: &'a str, label: &str) -> Option<&'a str> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = pem.find(&begin)? + begin.len();
    let stop = start + pem[start..].find(&end)?;
    Some(&pem[start..stop])
}

/// Accepts PKCS#1 (`RSA PRIVATE KEY`, what the console issues) or PKCS#8 (`PRIVATE KEY`); returns PKCS#8 DER.
fn pkcs8_from_pem(pem: &str) -> Result<(Vec<u8>, usize), KeyFileError> {
    if let Some(body) = pem_body(pem, "RSA PRIVATE KEY") {
        if body.contains("ENCRYPTED") {
            return Err(KeyFileError::Encrypted);
        }
        let pkcs1 = b64::decode_standard(body).ok_or(KeyFileError::Damaged)?;
        let bits = der::pkcs1_modulus_bits(&pkcs1).ok_or(KeyFileError::Damaged)?;
        return Ok((der::pkcs1_to_pkcs8(&pkcs1), bits));
    }
    if pem_body(pem, "ENCRYPTED PRIVATE KEY").is_some() {
        return Err(KeyFileError::Encrypted);
    }
    let body = pem_body(pem, "PRIVATE KEY").ok_or(KeyFileError::NoPrivateKey)?;
    let pkcs8 = b64::decode_standard(body).ok_or(KeyFileError::Damaged)?;
    let bits = der::pkcs8_inner_rsa(&pkcs8)
        .and_then(der::pkcs1_modulus_bits)
        .ok_or(KeyFileError::Damaged)?;
    Ok((pkcs8, bits))
}

impl KeyFile {
    /// Reads the key file's JSON text.
    pub fn parse(text: &str) -> Result<KeyFile, KeyFileError> {
        let raw =
            RawKeyFile::parse(text.trim_start_matches('\u{feff}')).ok_or(KeyFileError::NotJson)?;
        let access_key = raw
            .access_key
            .ok_or(KeyFileError::MissingField("accessKey"))?;
        let (pkcs8, modulus_bits) = pkcs8_from_pem(&access_key)?;
        Ok(KeyFile {
            customer_name: raw.customer_name.unwrap_or_default().trim().to_string(),
            access_id: required(raw.access_id, "accessID")?,
            description: raw.description.unwrap_or_default(),
            admin_rest_api_url: required(raw.admin_rest_api_url, "adminRestApiUrl")?,
            pkcs8,
            modulus_bits,
        })
    }

    /// The private key as PKCS#8 `PrivateKeyInfo` DER, for
    /// `crypto.subtle.importKey("pkcs8", der, {name: "RSASSA-PKCS1-v1_5", hash: "SHA-256"}, false, ["sign"])`.
    pub fn pkcs8_der(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The key size in bits (shown to the admin as a sanity check).
    pub fn modulus_bits(&self) -> usize {
        self.modulus_bits
    }

    /// What to sign for a token issued at `now` (Unix seconds) and valid for `lifetime_s`
    /// (clamped to 1..=3600, the service's limit).
    pub fn signing_input(&self, now: i64, lifetime_s: i64) -> SigningInput {
        let exp = now + lifetime_s.clamp(1, MAX_LIFETIME_S);
        let claims = Value::object([
            ("sub", Value::from(self.access_id.as_str())),
            ("aud", Value::from(self.admin_rest_api_url.as_str())),
            ("iat", Value::from(now)),
            ("exp", Value::from(exp)),
        ]);
        let text = format!(
            "{}.{}",
            b64::encode_url(JWT_HEADER.as_bytes()),
            b64::encode_url(claims.to_string().as_bytes())
        );
        SigningInput {
            text,
            iat: now,
            exp,
        }
    }
}

/// `base64url(header).base64url(claims)`, waiting for its RS256 signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SigningInput {
    text: String,
    /// Issued at, Unix seconds.
    pub iat: i64,
    /// Expires at, Unix seconds.
    pub exp: i64,
}

impl SigningInput {
    /// The bytes to pass to `crypto.subtle.sign("RSASSA-PKCS1-v1_5", key, bytes)`.
    pub fn as_bytes(&self) -> &[u8] {
        self.text.as_bytes()
    }

    /// The finished token, given the signature WebCrypto returned.
    pub fn assemble(&self, signature: &[u8]) -> String {
        format!("{}.{}", self.text, b64::encode_url(signature))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::OnceLock;

    use rsa::pkcs1::{EncodeRsaPrivateKey, LineEnding};
    use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
    use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey};
    use rsa::signature::{SignatureEncoding, Signer, Verifier};
    use rsa::RsaPrivateKey;
    use sha2::Sha256;

    use super::*;
    use crate::rsa::base_url::ApiBase;
    use crate::rsa::jwt;

    const URL: &str = "https://acme.access.securid.com/AdminInterface/restapi/v1";

    /// A deterministic generator, so the test key is the same on every run without shipping one.
    struct SeededRng(u64);

    impl rsa::rand_core::RngCore for SeededRng {
        fn next_u32(&mut self) -> u32 {
            self.next_u64() as u32
        }
        fn next_u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }
        fn fill_bytes(&mut self, dest: &mut [u8]) {
            for chunk in dest.chunks_mut(8) {
                chunk.copy_from_slice(&self.next_u64().to_le_bytes()[..chunk.len()]);
            }
        }
        fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rsa::rand_core::Error> {
            self.fill_bytes(dest);
            Ok(())
        }
    }

    impl rsa::rand_core::CryptoRng for SeededRng {}

    pub(crate) fn test_key() -> &'static RsaPrivateKey {
        static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
        KEY.get_or_init(|| RsaPrivateKey::new(&mut SeededRng(7), 2048).expect("key generation"))
    }

    pub(crate) fn key_file_json(pem: &str) -> String {
        serde_json::json!({
            "customerName": "Acme",
            "accessID": "8a6e1f0c-aaaa-bbbb-cccc-1234567890ab",
            "description": "offboarding",
            "accessKey": pem,
            "adminRestApiUrl": URL,
        })
        .to_string()
    }

    fn pkcs1_pem() -> String {
        test_key()
            .to_pkcs1_pem(LineEnding::CRLF)
            .unwrap()
            .to_string()
    }

    #[test]
    fn the_wrapped_key_is_pkcs8_that_a_standard_library_accepts() {
        let kf = KeyFile::parse(&key_file_json(&pkcs1_pem())).unwrap();
        assert_eq!(kf.modulus_bits(), 2048);
        let decoded = RsaPrivateKey::from_pkcs8_der(kf.pkcs8_der()).expect("PKCS#8 parses");
        assert_eq!(&decoded, test_key());
        assert_eq!(
            kf.pkcs8_der(),
            test_key().to_pkcs8_der().unwrap().as_bytes()
        );
    }

    #[test]
    fn a_token_from_the_signing_input_verifies_and_carries_the_required_claims() {
        let kf = KeyFile::parse(&key_file_json(&pkcs1_pem())).unwrap();
        let now = 1_700_000_000;
        let input = kf.signing_input(now, 3000);
        let signature: Signature =
            SigningKey::<Sha256>::new(test_key().clone()).sign(input.as_bytes());
        let token = input.assemble(&signature.to_bytes());

        let (signed, sig) = token.rsplit_once('.').unwrap();
        let sig = Signature::try_from(b64::decode_url(sig).unwrap().as_slice()).unwrap();
        VerifyingKey::<Sha256>::new(test_key().to_public_key())
            .verify(signed.as_bytes(), &sig)
            .expect("verifies");

        let header = b64::decode_url(token.split('.').next().unwrap()).unwrap();
        assert_eq!(header, JWT_HEADER.as_bytes());
        let summary = jwt::decode(&token).unwrap();
        assert_eq!(
            summary.sub.as_deref(),
            Some("8a6e1f0c-aaaa-bbbb-cccc-1234567890ab")
        );
        assert_eq!((summary.iat, summary.exp), (Some(now), Some(now + 3000)));
        assert_eq!(
            summary.problems(&ApiBase::parse(URL).unwrap(), now, None),
            vec![]
        );
    }

    #[test]
    fn lifetime_is_capped_at_one_hour() {
        let kf = KeyFile::parse(&key_file_json(&pkcs1_pem())).unwrap();
        assert_eq!(kf.signing_input(100, 10_000).exp, 3700);
    }

    #[test]
    fn a_pkcs8_pem_is_accepted_too() {
        let pem = test_key().to_pkcs8_pem(LineEnding::LF).unwrap().to_string();
        let kf = KeyFile::parse(&key_file_json(&pem)).unwrap();
        assert_eq!(
            RsaPrivateKey::from_pkcs8_der(kf.pkcs8_der()).unwrap(),
            *test_key()
        );
    }

    #[test]
    fn unusable_files_are_explained() {
        assert_eq!(
            KeyFile::parse("not json").unwrap_err(),
            KeyFileError::NotJson
        );
        assert_eq!(
            KeyFile::parse("{}").unwrap_err(),
            KeyFileError::MissingField("accessKey")
        );
        assert_eq!(
            KeyFile::parse(&key_file_json("abc")).unwrap_err(),
            KeyFileError::NoPrivateKey
        );
        let damaged =
            "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAK\n-----END RSA PRIVATE KEY-----";
        assert_eq!(
            KeyFile::parse(&key_file_json(damaged)).unwrap_err(),
            KeyFileError::Damaged
        );
        let encrypted = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n-----END RSA PRIVATE KEY-----";
        assert_eq!(
            KeyFile::parse(&key_file_json(encrypted)).unwrap_err(),
            KeyFileError::Encrypted
        );
        let no_id = key_file_json(&pkcs1_pem()).replace("accessID", "other");
        assert_eq!(
            KeyFile::parse(&no_id).unwrap_err(),
            KeyFileError::MissingField("accessID")
        );
        assert!(KeyFileError::Encrypted
            .to_string()
            .contains("password-protected"));
    }

    #[test]
    fn debug_output_never_shows_the_key() {
        let kf = KeyFile::parse(&key_file_json(&pkcs1_pem())).unwrap();
        let shown = format!("{kf:?}");
        let pem = pkcs1_pem();
        let key_line = pem.lines().nth(1).unwrap();
        assert!(
            !shown.contains(&key_line[..20]) && shown.contains("redacted"),
            "{shown}"
        );
    }
}
