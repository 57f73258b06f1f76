//! The reference documents' own examples, run with the real `curl` binary: the two EPM
//! commands (Basic and OAuth) and the RSA request example get the documented shapes.

use crate::common::*;
use serde_json::{json, Value};
use std::process::Command;

/// Runs curl with `args` (proxies disabled); `None` when curl is not installed.
async fn curl(args: Vec<String>) -> Option<String> {
    let output = tokio::task::spawn_blocking(move || {
        let mut cmd = Command::new("curl");
        for var in [
            "http_proxy",
            "HTTP_PROXY",
            "https_proxy",
            "HTTPS_PROXY",
            "all_proxy",
            "ALL_PROXY",
        ] {
            cmd.env_remove(var);
        }
        cmd.env("NO_PROXY", "*").args(&args).output()
    })
    .await
    .unwrap()
    .ok()?;
    assert!(
        output.status.success(),
        "curl failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(String::from_utf8(output.stdout).unwrap())
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

async fn curl_json(args: &[&str]) -> Option<Value> {
    let out = curl(strings(args)).await?;
    Some(serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}")))
}

async fn have_curl() -> bool {
    let found = curl(strings(&["--version"])).await.is_some();
    if !found {
        eprintln!("SKIPPED: the curl binary is not installed; the reference-example tests need it");
    }
    found
}

/// Example 1 of the reference, with `<BASE-URL>` and the job ID filled in.
fn example_1(base: &str, job_id: &str) -> Value {
    json!({
        "links": [
            {
                "rel": "self",
                "href": format!("{base}/interop/rest/security/v1/users?filename=removeUsers.csv"),
                "data": { "jobType": "REMOVE_USERS", "filename": "removeUsers.csv" },
                "action": "DELETE"
            },
            {
                "rel": "Job Status",
                "href": format!("{base}/interop/rest/security/v1/jobs/{job_id}"),
                "data": null,
                "action": "GET"
            }
        ],
        "details": null,
        "status": -1,
        "items": null
    })
}

fn job_id(answer: &Value) -> String {
    job_href(answer).rsplit('/').next().unwrap().to_string()
}

async fn poll_with_curl(credentials: &[&str], href: &str) -> Value {
    for _ in 0..400 {
        let mut args = credentials.to_vec();
        args.extend(["-s", href]);
        let body = curl_json(&args).await.unwrap();
        if body["status"] != -1 {
            return body;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("job did not finish");
}

#[tokio::test]
async fn epm_basic_auth_example_gets_examples_1_and_3() {
    if !have_curl().await {
        return;
    }
    let sb = &sandbox().await;
    let base = sb.url.as_str();
    let user_pass = format!("{ADMIN}:{PASSWORD}");
    let known = sb
        .epm_logins()
        .await
        .into_iter()
        .find(|l| l != ADMIN)
        .unwrap();
    let csv = format!("User Login\n{known}\njane.nobody@example.com\njdoe-unknown\n");
    let file = data_dir().join("removeUsers.csv");
    std::fs::write(&file, csv).unwrap();
    let upload = format!(
        "{base}/interop/rest/11.1.2.3.600/applicationsnapshots/removeUsers.csv/contents?q=%7B%22isLast%22%3Atrue%2C%22chunkSize%22%3A{}%2C%22isFirst%22%3Atrue%7D",
        std::fs::metadata(&file).unwrap().len()
    );
    let data = format!("@{}", file.display());
    let uploaded = curl_json(&[
        "-X",
        "POST",
        "-s",
        "-u",
        &user_pass,
        "-H",
        "Content-Type: application/octet-stream",
        "--data-binary",
        &data,
        &upload,
    ])
    .await
    .unwrap();
    assert_eq!(
        (&uploaded["status"], &uploaded["details"]),
        (&json!(0), &Value::Null)
    );

    // The reference's "Sample cURL Command Basic Auth", verbatim but for the placeholders.
    let url = format!("{base}/interop/rest/security/v1/users?filename=removeUsers.csv");
    let answer = curl_json(&[
        "-X",
        "DELETE",
        "-s",
        "-u",
        &user_pass,
        "-H",
        "Content-Type: application/x-www-form-urlencoded",
        &url,
    ])
    .await
    .unwrap();
    assert_eq!(answer, example_1(base, &job_id(&answer)));

    let done = poll_with_curl(&["-u", &user_pass], &job_href(&answer)).await;
    let href = format!("{base}/interop/rest/security/v1/jobs/{}", job_id(&answer));
    let not_found = |u: &str| json!({"UserName": u, "Error_Details": format!("User {u} is not found. Verify that the user exists.")});
    let example_3 = json!({
        "links": [{ "rel": "self", "href": href, "data": null, "action": "GET" }],
        "details": "Processed - 3, Succeeded - 1, Failed - 2.",
        "status": 0,
        "items": [not_found("jane.nobody@example.com"), not_found("jdoe-unknown")]
    });
    assert_eq!(done, example_3);
}

#[tokio::test]
async fn epm_oauth_example_gets_examples_1_and_2() {
    if !have_curl().await {
        return;
    }
    let sb = &sandbox().await;
    let base = sb.url.as_str();
    let token = sb.get("demo").await["epm"]["bearer"]
        .as_str()
        .unwrap()
        .to_string();
    let auth = format!("Authorization: Bearer {token}");

    // The reference's "Sample cURL Command OAuth 2.0"; no file was uploaded: Example 2.
    let url = format!("{base}/interop/rest/security/v1/users?filename=removeUsers.csv");
    let answer = curl_json(&[
        "-X",
        "DELETE",
        "--header",
        &auth,
        "-H",
        "Content-Type: application/x-www-form-urlencoded",
        &url,
    ])
    .await
    .unwrap();
    assert_eq!(answer, example_1(base, &job_id(&answer)));
    let done = poll_with_curl(&["--header", &auth], &job_href(&answer)).await;
    let example_2 = json!({
        "links": [{ "rel": "self", "href": job_href(&answer), "data": null, "action": "GET" }],
        "details": "Failed to remove users. Input file removeUsers.csv is not found. Specify a valid file name.",
        "status": 1,
        "items": null
    });
    assert_eq!(done, example_2);
}

#[tokio::test]
async fn rsa_request_example_gets_json_answers() {
    if !have_curl().await {
        return;
    }
    let sb = &sandbox().await;
    let jwt = sb.get("demo").await["rsa"]["jwt"]
        .as_str()
        .unwrap()
        .to_string();
    let auth = format!("Authorization: Bearer {jwt}");
    let id = sb.rsa_user(deletable).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let delete = |user_id: String| {
        let url = format!("{}/AdminInterface/restapi/v1/users/{user_id}", sb.url);
        let auth = auth.clone();
        async move {
            let out = curl(strings(&[
                "-s",
                "-w",
                "\n%{http_code}",
                "-X",
                "DELETE",
                &url,
                "-H",
                "Content-Type: application/json",
                "-H",
                &auth,
            ]))
            .await
            .unwrap();
            let (body, code) = out.rsplit_once('\n').unwrap();
            (
                code.parse::<u16>().unwrap(),
                serde_json::from_str::<Value>(body).unwrap(),
            )
        }
    };
    let (code, body) = delete(id.clone()).await;
    assert_eq!(code, 200);
    assert_eq!(body["id"], id.as_str());
    let (code, body) = delete("eb2e12ae-1112-451b-98e1-dfe4e6afd60d".into()).await;
    assert_eq!(
        (code, body["message"].as_str()),
        (404, Some("User is not found."))
    );
    assert_eq!(sb.audit().await.len(), 1);
}
