//! Control endpoints, demo credentials, the seeded mix, the binary's start-up contract.

use crate::common::*;
use reqwest::Method;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

#[tokio::test]
async fn demo_credentials_work_and_match_the_key_file() {
    let sb = &sandbox().await;
    let demo = sb.get("demo").await;
    let admin_url = format!("{}/AdminInterface/restapi/v1", sb.url);
    assert_eq!(demo["url"], sb.url);
    assert_eq!(demo["rsa"]["adminRestApiUrl"], admin_url);
    let key_file = &demo["rsa"]["keyFile"];
    for field in [
        "customerName",
        "accessID",
        "description",
        "accessKey",
        "adminRestApiUrl",
    ] {
        assert!(key_file[field].is_string(), "{field}");
    }
    assert_eq!(key_file["accessID"], demo["rsa"]["accessId"]);
    assert_eq!(key_file["adminRestApiUrl"], admin_url);
    let pem = key_file["accessKey"].as_str().unwrap();
    assert!(pem.starts_with("-----BEGIN RSA PRIVATE KEY-----"));
    let on_disk: Value = serde_json::from_slice(
        &std::fs::read(sb.sandbox.state.config.data_dir.join("demo-admin.key")).unwrap(),
    )
    .unwrap();
    assert_eq!(&on_disk, key_file);
    let key = <rsa::RsaPrivateKey as rsa::pkcs1::DecodeRsaPrivateKey>::from_pkcs1_pem(pem).unwrap();
    assert_eq!(rsa::traits::PublicKeyParts::size(&key) * 8, 2048);

    let jwt = demo["rsa"]["jwt"].as_str().unwrap();
    let unknown = "/users/0a1b2c3d-0000-4000-8000-00000000abcd";
    assert_eq!(
        sb.rsa_with(Method::DELETE, unknown, jwt)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let epm = &demo["epm"];
    assert_eq!(epm["baseUrl"], sb.url);
    let jobs = format!("{}/interop/rest/security/v1/jobs/1", sb.url);
    let basic = sb
        .client
        .get(&jobs)
        .basic_auth(epm["user"].as_str().unwrap(), epm["password"].as_str());
    assert_eq!(basic.send().await.unwrap().status(), 404);
    let prefixed = format!(
        "{}.{}",
        epm["identityDomain"].as_str().unwrap(),
        epm["user"].as_str().unwrap()
    );
    let basic = sb
        .client
        .get(&jobs)
        .basic_auth(prefixed, epm["password"].as_str());
    assert_eq!(basic.send().await.unwrap().status(), 404);
    let bearer = sb
        .client
        .get(&jobs)
        .bearer_auth(epm["bearer"].as_str().unwrap());
    assert_eq!(bearer.send().await.unwrap().status(), 404);
}

#[tokio::test]
async fn default_tenant_has_the_documented_mix() {
    let sb = &sandbox_with(|c| c.users = 3000).await;
    let tenant = sb.get("tenant").await;
    let rsa = tenant["rsa"].as_array().unwrap();
    let count = |f: &dyn Fn(&Value) -> bool| rsa.iter().filter(|u| f(u)).count();
    assert_eq!(rsa.len(), 3000);
    assert_eq!(count(&|u| u["identitySource"] == "SCIM Managed"), 180);
    assert_eq!(
        count(&|u| u["identitySource"] == "Azure Active Directory (SCIM)"),
        120
    );
    assert_eq!(count(&|u| u["markDeleted"] == true), 240);
    assert_eq!(count(&|u| u["userStatus"] == "Enabled"), 360);
    assert_eq!(count(&deletable), 2100);
    for field in [
        "id",
        "emailAddress",
        "firstName",
        "lastName",
        "identitySource",
        "userStatus",
        "markDeleted",
    ] {
        assert!(rsa.iter().all(|u| u.get(field).is_some()), "{field}");
    }
    let epm = tenant["epm"].as_array().unwrap();
    assert_eq!(epm.len(), 3001);
    assert_eq!(tenant["epmAdmin"], ADMIN);
    let emails = epm
        .iter()
        .filter(|u| u["userlogin"].as_str().unwrap().contains('@'))
        .count();
    assert!(
        emails > 2400 && emails < 3001,
        "mostly e-mail logins: {emails}"
    );
}

#[tokio::test]
async fn samples_are_written_and_served() {
    let sb = &sandbox().await;
    let names = sb.get("samples").await;
    assert_eq!(
        names,
        serde_json::json!(["rsa-user-ids.csv", "rsa-emails.csv", "epm-logins.csv"])
    );
    for name in ["rsa-user-ids.csv", "rsa-emails.csv", "epm-logins.csv"] {
        let served = sb
            .client
            .get(format!("{}/sandbox/samples/{name}", sb.url))
            .send()
            .await
            .unwrap();
        assert_eq!(served.headers()["content-type"], "text/csv; charset=utf-8");
        let served = served.text().await.unwrap();
        let path = sb.sandbox.state.config.data_dir.join("samples").join(name);
        assert_eq!(std::fs::read_to_string(path).unwrap(), served, "{name}");
    }
    let epm = sb
        .client
        .get(format!("{}/sandbox/samples/epm-logins.csv", sb.url))
        .send()
        .await
        .unwrap();
    let epm = epm.text().await.unwrap();
    assert!(epm.starts_with("User Login\n"));
    let logins = sb.epm_logins().await;
    let unknown = epm
        .lines()
        .skip(1)
        .filter(|l| !logins.iter().any(|k| k.eq_ignore_ascii_case(l)))
        .count();
    assert_eq!(unknown, 4);
    let missing = sb
        .client
        .get(format!("{}/sandbox/samples/nope.csv", sb.url))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn serves_the_panel_at_the_root() {
    let sb = &sandbox_with(|c| {
        let dist = c.data_dir.join("dist");
        std::fs::create_dir_all(&dist).unwrap();
        std::fs::write(
            dist.join("index.html"),
            "<!doctype html><title>Offboard</title>",
        )
        .unwrap();
        std::fs::write(dist.join("app.js"), "console.log(1)").unwrap();
        c.dist = dist;
    })
    .await;
    let root = sb.client.get(format!("{}/", sb.url)).send().await.unwrap();
    assert_eq!(root.status(), 200);
    assert!(root
        .text()
        .await
        .unwrap()
        .contains("<title>Offboard</title>"));
    let js = sb
        .client
        .get(format!("{}/app.js", sb.url))
        .send()
        .await
        .unwrap();
    assert_eq!(js.text().await.unwrap(), "console.log(1)");
    assert_eq!(
        sb.client
            .get(format!("{}/missing.js", sb.url))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test]
async fn binary_prints_the_url_first_and_its_jwt_works() {
    let data = data_dir();
    let child = Command::new(env!("CARGO_BIN_EXE_sandbox"))
        .args(["--port", "0", "--users", "100", "--data-dir"])
        .arg(&data)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut child = KillOnDrop(child);
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let banner: Vec<String> = lines.by_ref().take(12).map(Result::unwrap).collect();
    let url = first
        .strip_prefix("SANDBOX_URL=http://127.0.0.1:")
        .map(|port| format!("http://127.0.0.1:{port}"));
    let url = url.unwrap_or_else(|| panic!("first line: {first}"));
    let jwt = banner
        .iter()
        .find_map(|l| l.trim().strip_prefix("JWT (valid 60 min): "))
        .unwrap()
        .to_string();
    assert!(banner.iter().any(|l| l.contains("demo-admin.key")));
    assert!(banner.iter().any(|l| l.contains("sandbox-demo-pw")));
    let key: Value =
        serde_json::from_slice(&std::fs::read(data.join("demo-admin.key")).unwrap()).unwrap();
    assert_eq!(
        key["adminRestApiUrl"],
        format!("{url}/AdminInterface/restapi/v1")
    );

    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let r = client
        .delete(format!(
            "{url}/AdminInterface/restapi/v1/users/0a1b2c3d-0000-4000-8000-00000000abcd"
        ))
        .bearer_auth(jwt)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "the printed JWT is accepted");
}

/// Stops the child process however the test ends.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
