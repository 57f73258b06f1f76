//! Oracle EPM Cloud APIs: upload, removal jobs, job status, v2 removal, List Users, auth.

use crate::common::*;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// Seeded logins other than the admin's, skipping `skip`.
async fn logins(sb: &Sb, skip: usize, n: usize) -> Vec<String> {
    sb.epm_logins()
        .await
        .into_iter()
        .filter(|l| l != ADMIN)
        .skip(skip)
        .take(n)
        .collect()
}

#[tokio::test]
async fn removal_job_reports_unknown_users_and_never_removes_the_caller() {
    let sb = &sandbox().await;
    let known = logins(sb, 0, 3).await;
    let file = format!(
        "\u{feff}User Login\r\n{}\r\n{}\r\nnobody@example.com\r\n\r\n{}\r\n{}\r\n",
        known[0],
        known[1].to_uppercase(),
        ADMIN.to_uppercase(),
        known[2]
    );
    assert_eq!(
        sb.upload("removeUsers.csv", file.as_bytes(), 1 << 20).await[0]["status"],
        0
    );
    let answer = sb.remove_v1("removeUsers.csv").await;
    assert_eq!(answer["status"], -1);
    assert_eq!(
        (answer["details"].is_null(), answer["items"].is_null()),
        (true, true)
    );
    let self_link = &answer["links"][0];
    assert_eq!(self_link["rel"], "self");
    assert_eq!(self_link["action"], "DELETE");
    assert_eq!(
        self_link["href"],
        format!(
            "{}/interop/rest/security/v1/users?filename=removeUsers.csv",
            sb.url
        )
    );
    assert_eq!(
        self_link["data"],
        json!({"jobType": "REMOVE_USERS", "filename": "removeUsers.csv"})
    );
    let href = job_href(&answer);
    assert!(
        href.starts_with(&format!("{}/interop/rest/security/v1/jobs/", sb.url)),
        "{href}"
    );
    assert_eq!(answer["links"][1]["action"], "GET");

    let (done, _) = sb.poll(&href).await;
    assert_eq!(done["status"], 0);
    assert_eq!(done["details"], "Processed - 5, Succeeded - 3, Failed - 2.");
    assert_eq!(
        done["items"],
        json!([
            {"UserName": "nobody@example.com", "Error_Details": "User nobody@example.com is not found. Verify that the user exists."},
            {"UserName": ADMIN.to_uppercase(), "Error_Details": format!("User {} cannot be removed. It is the account of the user who executes this command.", ADMIN.to_uppercase())},
        ])
    );
    assert_eq!(done["links"][0]["rel"], "self");

    let remaining = sb.epm_logins().await;
    assert!(remaining.iter().any(|l| l == ADMIN));
    assert!(known.iter().all(|k| !remaining.contains(k)));
    let audit = sb.audit().await;
    let removed: Vec<&str> = audit.iter().map(|e| e["user"].as_str().unwrap()).collect();
    assert_eq!(
        removed,
        known.iter().map(String::as_str).collect::<Vec<_>>(),
        "in file order, once each"
    );
    assert!(audit
        .iter()
        .all(|e| e["system"] == "epm" && e["via"] == "remove-users-v1" && e["action"] == "remove"));
}

#[tokio::test]
async fn job_runs_at_the_configured_speed_and_reads_ansi_files() {
    let sb = &sandbox().await;
    sb.faults(json!({"epmUsersPerSec": 20})).await;
    let known = logins(sb, 10, 19).await;
    let mut file = b"User Login\n".to_vec();
    for l in &known {
        file.extend_from_slice(l.as_bytes());
        file.push(b'\n');
    }
    file.extend_from_slice(b"ren\xE9e@example.com\n");
    sb.upload("ansi.csv", &file, 1 << 20).await;
    let started = Instant::now();
    let (done, running_polls) = sb.poll(&job_href(&sb.remove_v1("ansi.csv").await)).await;
    assert!(
        running_polls > 3,
        "status -1 while the job runs ({running_polls} polls)"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "20 users at 20/s take about a second"
    );
    assert_eq!(
        done["details"],
        "Processed - 20, Succeeded - 19, Failed - 1."
    );
    assert_eq!(done["items"][0]["UserName"], "ren\u{e9}e@example.com");
}

#[tokio::test]
async fn missing_file_fails_the_job_with_status_1() {
    let sb = &sandbox().await;
    let answer = sb.remove_v1("nothere.csv").await;
    assert_eq!(answer["status"], -1);
    let (done, _) = sb.poll(&job_href(&answer)).await;
    assert_eq!(done["status"], 1);
    assert_eq!(
        done["details"],
        "Failed to remove users. Input file nothere.csv is not found. Specify a valid file name."
    );
    assert!(done["items"].is_null());
    assert_eq!(done["links"][0]["rel"], "self");

    sb.upload("noheader.csv", b"jane@example.com\n", 100).await;
    let (done, _) = sb
        .poll(&job_href(&sb.remove_v1("noheader.csv").await))
        .await;
    assert_eq!(done["status"], 1);
    let r = sb
        .epm(Method::DELETE, "/security/v1/users")
        .send()
        .await
        .unwrap();
    let (status, body) = status_json(r).await;
    assert_eq!((status, body["status"].as_i64()), (400, Some(1)));
    let r = sb
        .epm(Method::GET, "/security/v1/jobs/999")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert!(sb.audit().await.is_empty());
}

#[tokio::test]
async fn chunked_upload_is_assembled_in_order_and_never_overwritten() {
    let sb = &sandbox().await;
    let known = logins(sb, 20, 30).await;
    let file = format!("User Login\n{}\n", known.join("\n"));
    let answers = sb.upload("big.csv", file.as_bytes(), 97).await;
    assert!(answers.len() > 3);
    assert!(
        answers
            .iter()
            .all(|a| a["status"] == 0 && a["details"].is_null()),
        "{answers:?}"
    );

    let other = format!("User Login\n{}\n", logins(sb, 60, 1).await[0]);
    let refused = sb.upload("big.csv", other.as_bytes(), 1 << 20).await;
    assert_ne!(refused[0]["status"], 0);
    assert!(refused[0]["details"]
        .as_str()
        .unwrap()
        .contains("already exists"));

    let (done, _) = sb.poll(&job_href(&sb.remove_v1("big.csv").await)).await;
    assert_eq!(
        done["details"],
        "Processed - 30, Succeeded - 30, Failed - 0."
    );
    let removed: Vec<String> = sb
        .audit()
        .await
        .iter()
        .map(|e| e["user"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(removed, known, "the first upload, whole and in order");

    let q = json!({"isFirst": false, "isLast": true, "chunkSize": 3}).to_string();
    let orphan = sb
        .epm(
            Method::POST,
            "/11.1.2.3.600/applicationsnapshots/orphan.csv/contents",
        )
        .query(&[("q", q)])
        .body("abc")
        .send()
        .await
        .unwrap();
    assert_ne!(
        status_json(orphan).await.1["status"],
        0,
        "a later chunk without a first one"
    );
    let q = json!({"isFirst": true, "isLast": true, "chunkSize": 50 * 1024 * 1024 + 1}).to_string();
    let huge = sb
        .epm(
            Method::POST,
            "/11.1.2.3.600/applicationsnapshots/huge.csv/contents",
        )
        .query(&[("q", q)]);
    let (status, body) = status_json(huge.body("x").send().await.unwrap()).await;
    assert_eq!((status, body["status"].as_i64()), (413, Some(1)));
}

#[tokio::test]
async fn uploaded_files_can_be_deleted_once() {
    let sb = &sandbox().await;
    sb.upload("gone.csv", b"User Login\n", 100).await;
    let delete = || async {
        let r = sb
            .epm(
                Method::DELETE,
                "/11.1.2.3.600/applicationsnapshots/gone.csv",
            )
            .send()
            .await
            .unwrap();
        status_json(r).await
    };
    let (status, body) = delete().await;
    assert_eq!(
        (status, &body["status"], &body["details"]),
        (200, &json!(0), &Value::Null)
    );
    assert_eq!(body["links"][0]["rel"], "self");
    let (status, body) = delete().await;
    assert_eq!((status, body["status"].as_i64()), (404, Some(1)));
    assert_eq!(
        sb.upload("gone.csv", b"User Login\n", 100).await[0]["status"],
        0,
        "the name is free again"
    );
}

#[tokio::test]
async fn authentication_basic_with_or_without_domain_and_bearer() {
    let sb = &sandbox().await;
    let demo = sb.get("demo").await;
    let bearer = demo["epm"]["bearer"].as_str().unwrap();
    let url = format!("{}/interop/rest/security/v1/jobs/1", sb.url);
    let attempts = [
        (sb.client.get(&url), 401),
        (sb.client.get(&url).basic_auth(ADMIN, Some("wrong")), 401),
        (
            sb.client
                .get(&url)
                .basic_auth("someone@example.com", Some(PASSWORD)),
            401,
        ),
        (sb.client.get(&url).bearer_auth("made-up"), 401),
        (sb.client.get(&url).basic_auth(ADMIN, Some(PASSWORD)), 404),
        (
            sb.client
                .get(&url)
                .basic_auth(format!("exampleco.{ADMIN}"), Some(PASSWORD)),
            404,
        ),
        (
            sb.client
                .get(&url)
                .basic_auth(ADMIN.to_uppercase(), Some(PASSWORD)),
            404,
        ),
        (sb.client.get(&url).bearer_auth(bearer), 404),
    ];
    for (i, (request, expected)) in attempts.into_iter().enumerate() {
        let (status, body) = status_json(request.send().await.unwrap()).await;
        assert_eq!(status, expected, "attempt {i}: {body}");
        assert_eq!(body["status"], 1, "attempt {i}: JSON body");
    }
}

#[tokio::test]
async fn v2_removal_is_synchronous_with_failed_items_and_request_errors() {
    let sb = &sandbox().await;
    let known = logins(sb, 0, 2).await;
    let users = json!({"users": [{"userlogin": known[0]}, {"userlogin": "ghost"}, {"userlogin": known[1].to_uppercase()}, {"userlogin": ADMIN}]});
    let r = sb
        .epm(Method::POST, "/security/v2/users/remove")
        .json(&users)
        .send()
        .await
        .unwrap();
    let (status, body) = status_json(r).await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], 0);
    assert!(body["error"].is_null());
    assert_eq!(
        body["links"],
        json!({"href": format!("{}/interop/rest/security/v2/users/remove", sb.url), "action": "POST"})
    );
    let details = &body["details"];
    assert_eq!(
        (
            &details["processed"],
            &details["succeeded"],
            &details["failed"]
        ),
        (&json!(4), &json!(2), &json!(2))
    );
    let failed = details["faileditems"].as_array().unwrap();
    assert_eq!(failed[0]["userlogin"], "ghost");
    assert!(failed[0]["errormessage"]
        .as_str()
        .unwrap()
        .contains("is not found"));
    assert!(failed[0]["errorcode"]
        .as_str()
        .unwrap()
        .starts_with("EPMCSS-"));
    assert_eq!(failed[1]["userlogin"], ADMIN);
    let audit = sb.audit().await;
    assert_eq!(audit.len(), 2);
    assert!(audit.iter().all(|e| e["via"] == "remove-users-v2"));

    let one = json!({"users": [{"userlogin": logins(sb, 5, 1).await[0]}]});
    let r = sb
        .epm(Method::POST, "/security/v2/users/remove")
        .json(&one)
        .send()
        .await
        .unwrap();
    assert_eq!(
        status_json(r).await.1["details"]["faileditems"],
        Value::Null
    );

    for bad in [
        json!({}),
        json!({"users": []}),
        json!({"users": [{"login": "x"}]}),
        json!("users"),
    ] {
        let r = sb
            .epm(Method::POST, "/security/v2/users/remove")
            .json(&bad)
            .send()
            .await
            .unwrap();
        let (status, body) = status_json(r).await;
        assert_eq!(status, 400, "{bad}");
        assert_eq!(body["status"], 1);
        assert_eq!(body["error"]["errorcode"], "EPMCSS-21147");
        assert!(body["error"]["errormessage"]
            .as_str()
            .unwrap()
            .starts_with("Failed to remove users. Invalid or insufficient parameters specified."));
        assert!(body["details"].is_null());
    }
    assert_eq!(sb.audit().await.len(), 3);
}

#[tokio::test]
async fn list_users_filters_case_insensitively() {
    let sb = &sandbox().await;
    let list = |body: Option<Value>| async move {
        let mut r = sb.epm(Method::POST, "/security/v1/users/list");
        if let Some(b) = body {
            r = r.json(&b);
        }
        status_json(r.send().await.unwrap()).await
    };
    let (status, all) = list(None).await;
    assert_eq!(
        (status, &all["status"], &all["error"]),
        (200, &json!(0), &Value::Null)
    );
    let users = all["details"].as_array().unwrap();
    assert_eq!(users.len(), 301, "300 seeded + the admin");
    let someone = &users[7];
    for field in ["userlogin", "firstname", "lastname", "email"] {
        assert!(someone[field].is_string(), "{field}");
    }
    let login = someone["userlogin"].as_str().unwrap().to_uppercase();
    let (_, one) = list(Some(
        json!({"userlogin": login, "roles": true, "memberof": true}),
    ))
    .await;
    assert_eq!(one["details"].as_array().unwrap().len(), 1);
    assert_eq!(one["details"][0]["userlogin"], someone["userlogin"]);
    assert_eq!(one["details"][0]["memberof"], json!([]));
    let (_, by_name) = list(Some(
        json!({"userattribute": someone["lastname"].as_str().unwrap().to_lowercase()}),
    ))
    .await;
    assert!(by_name["details"]
        .as_array()
        .unwrap()
        .iter()
        .all(|u| u["lastname"] == someone["lastname"]));
    let (_, none) = list(Some(json!({"userlogin": "ghost"}))).await;
    assert_eq!(none["details"], json!([]));
    let (status, bad) = list(Some(json!({"userlogin": 5}))).await;
    assert_eq!((status, &bad["status"]), (400, &json!(1)));
    assert!(bad["error"]["errorcode"].is_string());
}
