//! `--tls`: HTTPS on the sandbox's port, offering HTTP/2 and HTTP/1.1 by ALPN like the real
//! vendors, with a self-signed certificate for `127.0.0.1` and `localhost` kept in the data
//! directory so that clients can trust it.

use base64::Engine;
use rcgen::{CertifiedKey, KeyPair, PublicKeyData};
use sha2::{Digest, Sha256};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::TlsAcceptor;

/// The certificate, PEM, in the data directory.
pub const CERT_FILE: &str = "tls-cert.pem";
/// Its private key (PKCS#8 PEM), next to it.
pub const KEY_FILE: &str = "tls-key.pem";
/// The names the certificate is valid for.
pub const NAMES: [&str; 2] = ["127.0.0.1", "localhost"];

/// The server side of `--tls`.
pub struct Tls {
    /// Accepts TLS connections; ALPN offers `h2`, then `http/1.1`.
    pub acceptor: TlsAcceptor,
    /// Where the certificate is (`{data-dir}/tls-cert.pem`).
    pub cert_path: PathBuf,
    /// Base64 of the SHA-256 of the certificate's SubjectPublicKeyInfo, as Chromium's
    /// `--ignore-certificate-errors-spki-list` takes it.
    pub spki_sha256: String,
}

impl Tls {
    /// Loads the certificate and key from `dir`, or creates them there when either is missing.
    pub fn load_or_create(dir: &Path) -> io::Result<Tls> {
        let cert_path = dir.join(CERT_FILE);
        let key_path = dir.join(KEY_FILE);
        let (cert_pem, key_pem) = if cert_path.exists() && key_path.exists() {
            (
                std::fs::read_to_string(&cert_path)?,
                std::fs::read_to_string(&key_path)?,
            )
        } else {
            let names = NAMES.map(String::from).to_vec();
            let CertifiedKey { cert, signing_key } =
                rcgen::generate_simple_self_signed(names).map_err(io::Error::other)?;
            let (cert_pem, key_pem) = (cert.pem(), signing_key.serialize_pem());
            std::fs::write(&key_path, &key_pem)?;
            std::fs::write(&cert_path, &cert_pem)?;
            (cert_pem, key_pem)
        };
        let bad = |what: &str, e: &dyn std::fmt::Display| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{what} in {}: {e}", dir.display()),
            )
        };
        let spki = KeyPair::from_pem(&key_pem)
            .map_err(|e| bad(KEY_FILE, &e))?
            .subject_public_key_info();
        let cert =
            CertificateDer::from_pem_slice(cert_pem.as_bytes()).map_err(|e| bad(CERT_FILE, &e))?;
        let key =
            PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).map_err(|e| bad(KEY_FILE, &e))?;
        let mut config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(io::Error::other)?
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)
            .map_err(|e| bad("certificate and key", &e))?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Tls {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            cert_path,
            spki_sha256: base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&spki)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_certificate_is_written_once_and_reused() {
        let dir = std::env::temp_dir().join(format!("sandbox-tls-unit-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let first = Tls::load_or_create(&dir).unwrap();
        let pem = std::fs::read_to_string(&first.cert_path).unwrap();
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
        let again = Tls::load_or_create(&dir).unwrap();
        assert_eq!(first.spki_sha256, again.spki_sha256);
        assert_eq!(pem, std::fs::read_to_string(&again.cert_path).unwrap());
        assert_eq!(first.spki_sha256.len(), 44);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
