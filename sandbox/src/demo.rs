//! Demo credentials: the RSA Administration API key file (cached in the data directory so
//! restarts are fast and stable) and the EPM account.

use crate::clock::now_secs;
use crate::jwt;
use rand::Rng;
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey, LineEnding};
use rsa::traits::PublicKeyParts;
use rsa::{RsaPrivateKey, RsaPublicKey};
use serde_json::{json, Value};
use std::io;
use std::path::{Path, PathBuf};

/// File name of the key file inside the data directory.
pub const KEY_FILE_NAME: &str = "demo-admin.key";
/// Key size, bits.
pub const KEY_BITS: usize = 2048;
/// EPM identity domain (Basic users may be written `exampleco.<login>`).
pub const EPM_IDENTITY_DOMAIN: &str = "exampleco";
/// EPM demo password.
pub const EPM_PASSWORD: &str = "sandbox-demo-pw";
/// The demo OAuth 2.0 API client (newer tenants' form of API access): its ID is its tokens' `sub`.
pub const OAUTH_CLIENT_ID: &str = "offboard-demo-client";
/// The audience of the demo client's access tokens: the API, named as a resource, not as a URL.
pub const OAUTH_AUDIENCE: &str = "cloud-administration-api";
/// How long the demo client's access tokens live: the one-hour limit is the API key's, not theirs.
pub const OAUTH_TTL_SECS: u64 = 2 * 3600;

/// The demo Administration API key.
#[derive(Clone)]
pub struct DemoKey {
    /// The private key (`accessKey`).
    pub private: RsaPrivateKey,
    /// Its public half, to verify tokens.
    pub public: RsaPublicKey,
    /// `accessID`, the JWT `sub`.
    pub access_id: String,
    /// PEM PKCS#1 text of the private key.
    pub pem: String,
}

impl DemoKey {
    /// Loads the key cached in `dir`, or generates and caches a new one.
    pub fn load_or_create(dir: &Path) -> io::Result<DemoKey> {
        if let Some(key) = Self::load(&dir.join(KEY_FILE_NAME)) {
            return Ok(key);
        }
        let private =
            RsaPrivateKey::new(&mut rand::thread_rng(), KEY_BITS).map_err(io::Error::other)?;
        let mut rng = rand::thread_rng();
        let access_id = format!("{:016x}{:016x}", rng.gen::<u64>(), rng.gen::<u64>());
        Self::from_parts(private, access_id)
    }

    fn load(path: &Path) -> Option<DemoKey> {
        let v: Value = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
        let private = RsaPrivateKey::from_pkcs1_pem(v.get("accessKey")?.as_str()?).ok()?;
        if private.size() * 8 != KEY_BITS {
            return None;
        }
        Self::from_parts(private, v.get("accessID")?.as_str()?.to_string()).ok()
    }

    fn from_parts(private: RsaPrivateKey, access_id: String) -> io::Result<DemoKey> {
        let pem = private
            .to_pkcs1_pem(LineEnding::LF)
            .map_err(io::Error::other)?
            .to_string();
        Ok(DemoKey {
            public: private.to_public_key(),
            private,
            access_id,
            pem,
        })
    }

    /// The key file's JSON, pointing at `admin_url`.
    pub fn key_file(&self, admin_url: &str) -> Value {
        json!({
            "customerName": "Offboard Sandbox",
            "accessID": self.access_id,
            "description": "Demo Administration API key of the Offboard sandbox (not a real credential)",
            "accessKey": self.pem,
            "adminRestApiUrl": admin_url,
        })
    }

    /// Writes the key file into `dir` (atomically) and returns its path.
    pub fn write_key_file(&self, dir: &Path, admin_url: &str) -> io::Result<PathBuf> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(KEY_FILE_NAME);
        let tmp = dir.join(format!("{KEY_FILE_NAME}.{}.tmp", std::process::id()));
        let text =
            serde_json::to_string_pretty(&self.key_file(admin_url)).map_err(io::Error::other)?;
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, &path)?;
        Ok(path)
    }

    /// An OAuth 2.0 access token of the demo API client, as the tenant's authorisation server at
    /// `issuer` would issue it: issued now, valid [`OAUTH_TTL_SECS`].
    pub fn oauth_token(&self, issuer: &str) -> String {
        let iat = now_secs();
        let claims = json!({
            "iss": issuer,
            "sub": OAUTH_CLIENT_ID,
            "client_id": OAUTH_CLIENT_ID,
            "aud": OAUTH_AUDIENCE,
            "scope": "cloud-administration",
            "iat": iat,
            "exp": iat + OAUTH_TTL_SECS,
        });
        jwt::mint(&self.private, "RS256", &claims).unwrap_or_default()
    }

    /// A valid RS256 token for `audience`, issued now, valid `ttl_secs`.
    pub fn token(&self, audience: &str, ttl_secs: u64) -> String {
        let iat = now_secs();
        let claims =
            json!({ "sub": self.access_id, "aud": audience, "iat": iat, "exp": iat + ttl_secs });
        jwt::mint(&self.private, "RS256", &claims).unwrap_or_default()
    }
}

/// A fresh opaque EPM OAuth access token.
pub fn new_bearer() -> String {
    let mut rng = rand::thread_rng();
    format!(
        "epm-{:016x}{:016x}{:016x}",
        rng.gen::<u64>(),
        rng.gen::<u64>(),
        rng.gen::<u64>()
    )
}
