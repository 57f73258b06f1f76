//! `--tls`: HTTPS with HTTP/2 or HTTP/1.1 by ALPN, the certificate in the data directory, and a
//! dropped answer under HTTP/2 resetting only its own stream.

use crate::common::*;
use axum::body::Body;
use hyper::client::conn::http2;
use hyper::{Request, StatusCode, Version};
use hyper_util::rt::{TokioExecutor, TokioIo};
use reqwest::{Certificate, Client, Method};
use serde_json::{json, Value};
use std::sync::Arc;
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;

/// A sandbox with `--tls`, its client trusting the certificate it wrote, and that PEM.
async fn tls_sandbox(http1_only: bool) -> (Sb, String) {
    let mut sb = sandbox_with(|c| c.tls = true).await;
    let pem = std::fs::read_to_string(sb.sandbox.state.config.data_dir.join("tls-cert.pem"))
        .expect("the certificate is written to the data directory");
    let builder = Client::builder()
        .no_proxy()
        .add_root_certificate(Certificate::from_pem(pem.as_bytes()).unwrap());
    let builder = if http1_only {
        builder.http1_only()
    } else {
        builder
    };
    sb.client = builder.build().unwrap();
    (sb, pem)
}

async fn a_disabled_user(sb: &Sb) -> String {
    let u = sb
        .rsa_user(|u| {
            u["userStatus"] == "Disabled"
                && u["markDeleted"] == false
                && !u["identitySource"].as_str().unwrap().contains("SCIM")
        })
        .await;
    u["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn tls_serves_http2_and_writes_the_certificate() {
    let (sb, pem) = tls_sandbox(false).await;
    assert!(sb.url.starts_with("https://127.0.0.1:"), "{}", sb.url);
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
    let (path, spki) = sb.sandbox.tls.clone().expect("TLS details");
    let banner = sb.sandbox.banner();
    assert!(banner.starts_with(&format!("SANDBOX_URL={}\n", sb.url)));
    assert!(banner.contains(&path.display().to_string()));
    assert!(banner.contains(&format!("--ignore-certificate-errors-spki-list={spki}")));

    let demo = sb
        .client
        .get(format!("{}/sandbox/demo", sb.url))
        .send()
        .await
        .unwrap();
    assert_eq!(demo.version(), Version::HTTP_2);
    let demo: Value = demo.json().await.unwrap();
    assert!(demo["rsa"]["adminRestApiUrl"]
        .as_str()
        .unwrap()
        .starts_with("https://127.0.0.1:"));

    let id = a_disabled_user(&sb).await;
    let r = sb
        .rsa(Method::DELETE, &format!("/users/{id}"))
        .await
        .send()
        .await
        .unwrap();
    assert_eq!((r.version(), r.status()), (Version::HTTP_2, StatusCode::OK));
    assert_eq!(sb.audit().await[0]["user"], id.as_str());
}

#[tokio::test]
async fn tls_serves_http1_to_a_client_that_asks_for_it() {
    let (sb, _) = tls_sandbox(true).await;
    let r = sb
        .client
        .get(format!("{}/sandbox/faults", sb.url))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (r.version(), r.status()),
        (Version::HTTP_11, StatusCode::OK)
    );

    sb.faults(json!({ "dropRate": 1.0 })).await;
    let cut = sb.rsa(Method::DELETE, "/users/x").await.send().await;
    assert!(cut.is_err(), "the connection is cut: {cut:?}");
}

#[tokio::test]
async fn under_http2_a_drop_resets_only_its_own_request() {
    let (sb, pem) = tls_sandbox(false).await;
    let jwt = sb.jwt().await;
    let id = a_disabled_user(&sb).await;
    sb.faults(json!({ "dropRate": 1.0, "dropAfter": true }))
        .await;

    // One HTTP/2 connection by hand, so that both requests surely share it.
    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(pem.as_bytes()).unwrap())
        .unwrap();
    let mut config = ClientConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec()];
    let port = sb.url.rsplit(':').next().unwrap();
    let tcp = tokio::net::TcpStream::connect(format!("127.0.0.1:{port}"))
        .await
        .unwrap();
    let tls = TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .unwrap();
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    let (mut send, conn) = http2::handshake(TokioExecutor::new(), TokioIo::new(tls))
        .await
        .unwrap();
    let conn = tokio::spawn(conn);

    let delete = Request::delete(format!("{}/AdminInterface/restapi/v1/users/{id}", sb.url))
        .header("authorization", format!("Bearer {jwt}"))
        .body(Body::empty())
        .unwrap();
    let reset = send.send_request(delete).await;
    let err = reset.expect_err("the dropped answer fails");
    assert!(
        format!("{err:?}").contains("INTERNAL_ERROR"),
        "a stream reset: {err:?}"
    );

    let faults = Request::get(format!("{}/sandbox/faults", sb.url))
        .body(Body::empty())
        .unwrap();
    let r = send
        .send_request(faults)
        .await
        .expect("the connection goes on");
    assert_eq!(r.status(), StatusCode::OK);
    assert!(!conn.is_finished());

    let audit = sb.audit().await;
    assert_eq!(audit.len(), 1, "the removal went through (drop after)");
    let requests = sb.get("requests").await;
    assert_eq!(requests[0]["dropped"], true);
}
