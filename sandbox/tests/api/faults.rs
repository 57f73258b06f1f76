//! Rate limiting, each switchable fault, CORS, reset.

use crate::common::*;
use offboard_sandbox::clock::http_date;
use offboard_sandbox::faults::RetryAfter;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const UNKNOWN: &str = "/users/0a1b2c3d-0000-4000-8000-00000000abcd";

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after_per_credential() {
    let sb = &sandbox_with(|c| {
        c.rate = 0.5;
        c.burst = 3.0;
    })
    .await;
    let jwt = sb.jwt().await;
    let mut statuses = Vec::new();
    let mut limited = None;
    for _ in 0..4 {
        let r = sb
            .rsa_with(Method::DELETE, UNKNOWN, &jwt)
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
        if r.status() == 429 {
            limited = Some(r);
        }
    }
    assert_eq!(statuses, [404, 404, 404, 429]);
    let limited = limited.unwrap();
    let retry: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry), "Retry-After {retry}");
    assert_eq!(
        status_json(limited).await.1["message"],
        "Too many requests."
    );

    let fresh_token_same_key = sb.jwt().await;
    let r = sb
        .rsa_with(Method::DELETE, UNKNOWN, &fresh_token_same_key)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        429,
        "the bucket belongs to the access ID, not the token"
    );
    let epm = sb
        .epm(Method::GET, "/security/v1/jobs/1")
        .send()
        .await
        .unwrap();
    assert_eq!(epm.status(), 404, "EPM credential has its own bucket");

    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(
        sb.rsa_with(Method::DELETE, UNKNOWN, &jwt)
            .send()
            .await
            .unwrap()
            .status(),
        404,
        "refilled"
    );
}

#[tokio::test]
async fn refused_credentials_are_not_rate_limited_and_drain_no_one_s_bucket() {
    let sb = &sandbox_with(|c| {
        c.rate = 0.1;
        c.burst = 3.0;
    })
    .await;
    let forged = [
        sb.token(json!({"alg": "none"})).await,
        sb.token(json!({"alg": "HS256"})).await,
    ];
    let mut statuses = Vec::new();
    for token in forged.iter().cycle().take(8) {
        let r = sb.rsa_with(Method::DELETE, UNKNOWN, token).send().await;
        statuses.push(r.unwrap().status().as_u16());
    }
    assert_eq!(statuses, [403; 8], "refused, never 429");
    let jwt = sb.jwt().await;
    for _ in 0..3 {
        let r = sb.rsa_with(Method::DELETE, UNKNOWN, &jwt).send().await;
        assert_eq!(
            r.unwrap().status(),
            404,
            "the access ID's bucket is whole: forged tokens with its sub did not drain it"
        );
    }

    let jobs = format!("{}/interop/rest/security/v1/jobs/1", sb.url);
    for _ in 0..5 {
        let anonymous = sb.client.get(&jobs).send().await.unwrap();
        assert_eq!(anonymous.status(), 401);
        let wrong_password = sb
            .client
            .get(&jobs)
            .basic_auth(ADMIN, Some("guess"))
            .send()
            .await
            .unwrap();
        assert_eq!(wrong_password.status(), 401);
    }
    let r = sb.epm(Method::GET, "/security/v1/jobs/1").send().await;
    assert_eq!(r.unwrap().status(), 404, "the admin's bucket is whole");
}

#[tokio::test]
async fn injected_500s_change_nothing_and_can_be_switched_off() {
    let sb = &sandbox_with(|c| c.fail_rate = 1.0).await;
    let id = sb.rsa_user(deletable).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, body) = status_json(
        sb.rsa(Method::DELETE, &format!("/users/{id}"))
            .await
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, body["status"].as_u64()), (500, Some(500)));
    assert_eq!(
        body["message"],
        "Internal error occurred when processing the request."
    );
    let (status, body) = status_json(
        sb.epm(Method::GET, "/security/v1/jobs/1")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, body["status"].as_i64()), (500, Some(1)));
    assert!(sb.audit().await.is_empty());

    assert_eq!(sb.faults(json!({"failRate": 0})).await["failRate"], 0.0);
    assert_eq!(
        sb.rsa(Method::DELETE, &format!("/users/{id}"))
            .await
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn injected_500s_after_the_effect_answer_500_for_a_change_that_was_made() {
    let sb = &sandbox_with(|c| {
        c.fail_rate = 1.0;
        c.fail_after = true;
    })
    .await;
    let ids: Vec<String> = sb
        .rsa_users()
        .await
        .iter()
        .filter(|u| deletable(u))
        .take(2)
        .map(|u| u["id"].as_str().unwrap().into())
        .collect();
    let (status, body) = status_json(
        sb.rsa(Method::DELETE, &format!("/users/{}", ids[0]))
            .await
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (500, Some("INTERNAL_ERROR"))
    );
    let audit = sb.audit().await;
    assert_eq!(audit.len(), 1, "removed although the caller heard 500");
    assert_eq!(audit[0]["user"], ids[0].as_str());

    let login = sb
        .epm_logins()
        .await
        .into_iter()
        .find(|l| l != ADMIN)
        .unwrap();
    let r = sb
        .epm(Method::POST, "/security/v2/users/remove")
        .json(&json!({"users": [{"userlogin": login}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        status_json(r).await,
        (
            500,
            json!({"links": [], "details": "Internal server error. Try again later.", "status": 1, "items": null})
        )
    );
    assert!(
        !sb.epm_logins().await.contains(&login),
        "removed all the same"
    );

    assert_eq!(
        sb.faults(json!({"failAfter": false})).await["failAfter"],
        false
    );
    let r = sb
        .rsa(Method::DELETE, &format!("/users/{}", ids[1]))
        .await
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 500);
    assert_eq!(
        sb.audit().await.len(),
        2,
        "before the effect: nothing more changed"
    );

    sb.faults(json!({"failRate": 0})).await;
    let retried = sb
        .rsa(Method::DELETE, &format!("/users/{}", ids[0]))
        .await
        .send()
        .await
        .unwrap();
    assert_eq!(retried.status(), 404, "a retry finds the user already gone");
}

#[tokio::test]
async fn dropped_connections_before_and_after_the_effect() {
    let sb = &sandbox().await;
    let users: Vec<String> = sb
        .rsa_users()
        .await
        .iter()
        .filter(|u| deletable(u))
        .take(2)
        .map(|u| u["id"].as_str().unwrap().into())
        .collect();
    sb.faults(json!({"dropRate": 1})).await;
    let r = sb
        .rsa(Method::DELETE, &format!("/users/{}", users[0]))
        .await
        .send()
        .await;
    assert!(r.is_err(), "no answer: {r:?}");
    assert!(sb.audit().await.is_empty(), "dropped before the effect");

    sb.faults(json!({"dropAfter": true})).await;
    let r = sb
        .rsa(Method::DELETE, &format!("/users/{}", users[1]))
        .await
        .send()
        .await;
    assert!(r.is_err(), "no answer");
    let audit = sb.audit().await;
    assert_eq!(audit.len(), 1, "removed although the caller never heard");
    assert_eq!(audit[0]["user"], users[1].as_str());

    let requests = sb.get("requests").await;
    let dropped: Vec<&Value> = requests
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["dropped"] == true)
        .collect();
    assert_eq!(dropped.len(), 2);
    assert!(dropped
        .iter()
        .all(|r| r["status"].is_null() && r["method"] == "DELETE"));
    assert_eq!(
        dropped[1]["path"],
        format!("/AdminInterface/restapi/v1/users/{}", users[1])
    );

    sb.faults(json!({"dropRate": 0})).await;
    assert_eq!(
        sb.rsa(Method::DELETE, &format!("/users/{}", users[0]))
            .await
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn latency_is_added_to_vendor_calls_only() {
    let sb = &sandbox().await;
    sb.faults(json!({"latencyMs": 400})).await;
    let t = Instant::now();
    sb.epm(Method::GET, "/security/v1/jobs/1")
        .send()
        .await
        .unwrap();
    assert!(t.elapsed() >= Duration::from_millis(400));
    let t = Instant::now();
    sb.get("faults").await;
    assert!(
        t.elapsed() < Duration::from_millis(400),
        "control endpoints are not slowed"
    );
}

#[tokio::test]
async fn storm_of_429_for_a_while() {
    let sb = &sandbox().await;
    sb.faults(json!({"storm429Secs": 1.5})).await;
    for r in [
        sb.rsa(Method::DELETE, UNKNOWN).await.send().await.unwrap(),
        sb.epm(Method::GET, "/security/v1/jobs/1")
            .send()
            .await
            .unwrap(),
    ] {
        assert_eq!(r.status(), 429);
        let retry: u64 = r.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=2).contains(&retry));
    }
    tokio::time::sleep(Duration::from_millis(1600)).await;
    assert_eq!(
        sb.rsa(Method::DELETE, UNKNOWN)
            .await
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test]
async fn retry_after_can_be_left_out_or_sent_as_a_date() {
    let sb = &sandbox_with(|c| c.retry_after = RetryAfter::Omitted).await;
    sb.faults(json!({"storm429Secs": 30})).await;
    let r = sb.rsa(Method::DELETE, UNKNOWN).await.send().await.unwrap();
    assert_eq!(r.status(), 429);
    assert!(
        r.headers().get("retry-after").is_none(),
        "{:?}",
        r.headers()
    );

    assert_eq!(
        sb.faults(json!({"retryAfter": "date"})).await["retryAfter"],
        "date"
    );
    let before = now_secs();
    let r = sb
        .epm(Method::GET, "/security/v1/jobs/1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    let date = r.headers()["retry-after"].to_str().unwrap().to_string();
    let due: Vec<String> = (before + 29..=before + 32).map(http_date).collect();
    assert!(due.contains(&date), "{date} is not about 30 s from now");

    sb.faults(json!({"retryAfter": "seconds"})).await;
    let r = sb.rsa(Method::DELETE, UNKNOWN).await.send().await.unwrap();
    let secs: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((29..=30).contains(&secs), "Retry-After {secs}");
}

#[tokio::test]
async fn revoked_credentials_are_refused_and_new_ones_work() {
    let sb = &sandbox().await;
    let old_jwt = sb.token(json!({"iat": now_secs() - 5})).await;
    let demo = sb.get("demo").await;
    let old_bearer = demo["epm"]["bearer"].as_str().unwrap().to_string();
    sb.faults(json!({"revokeCredentials": true})).await;

    let (status, body) = status_json(
        sb.rsa_with(Method::DELETE, UNKNOWN, &old_jwt)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["detail"].as_str()),
        (403, Some("credentials revoked"))
    );
    let jobs = format!("{}/interop/rest/security/v1/jobs/1", sb.url);
    assert_eq!(
        sb.client
            .get(&jobs)
            .basic_auth(ADMIN, Some(PASSWORD))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(
        sb.client
            .get(&jobs)
            .bearer_auth(&old_bearer)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );

    let fresh = sb.post("token", json!({})).await;
    let r = sb
        .rsa_with(Method::DELETE, UNKNOWN, fresh["jwt"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "a token issued after the revocation works");
    let r = sb
        .client
        .get(&jobs)
        .bearer_auth(fresh["epmBearer"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    sb.faults(json!({"revokeCredentials": false})).await;
    assert_eq!(
        sb.rsa_with(Method::DELETE, UNKNOWN, &old_jwt)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test]
async fn revocation_can_be_scheduled() {
    let sb = &sandbox().await;
    let jwt = sb.jwt().await;
    sb.faults(json!({"revokeAfterSecs": 1.2})).await;
    assert_eq!(
        sb.rsa_with(Method::DELETE, UNKNOWN, &jwt)
            .send()
            .await
            .unwrap()
            .status(),
        404,
        "still valid"
    );
    tokio::time::sleep(Duration::from_millis(1300)).await;
    assert_eq!(
        sb.rsa_with(Method::DELETE, UNKNOWN, &jwt)
            .send()
            .await
            .unwrap()
            .status(),
        403,
        "revoked at T"
    );
}

#[tokio::test]
async fn a_job_can_fail_midway() {
    let sb = &sandbox().await;
    sb.faults(json!({"jobFailMidway": true})).await;
    let known: Vec<String> = sb
        .epm_logins()
        .await
        .into_iter()
        .filter(|l| l != ADMIN)
        .take(10)
        .collect();
    sb.upload(
        "half.csv",
        format!("User Login\n{}\n", known.join("\n")).as_bytes(),
        1 << 20,
    )
    .await;
    let (done, _) = sb.poll(&job_href(&sb.remove_v1("half.csv").await)).await;
    assert_eq!(done["status"], 1);
    assert!(
        done["details"]
            .as_str()
            .unwrap()
            .contains("after processing 5 of 10"),
        "{done}"
    );
    let removed: Vec<String> = sb
        .audit()
        .await
        .iter()
        .map(|e| e["user"].as_str().unwrap().into())
        .collect();
    assert_eq!(removed, known[..5]);
}

#[tokio::test]
async fn fail_next_jobs_fails_only_that_many_jobs() {
    let sb = &sandbox().await;
    sb.faults(json!({"failNextJobs": 1})).await;
    let known: Vec<String> = sb
        .epm_logins()
        .await
        .into_iter()
        .filter(|l| l != ADMIN)
        .take(8)
        .collect();
    let mut statuses = Vec::new();
    for (i, pair) in known.chunks(4).enumerate() {
        let name = format!("next-{i}.csv");
        sb.upload(
            &name,
            format!("User Login\n{}\n", pair.join("\n")).as_bytes(),
            1 << 20,
        )
        .await;
        let (done, _) = sb.poll(&job_href(&sb.remove_v1(&name).await)).await;
        statuses.push(done["status"].as_i64().unwrap());
    }
    assert_eq!(statuses, [1, 0], "only the first job fails");
    assert_eq!(
        sb.audit().await.len(),
        2 + 4,
        "half of the failed job, all of the next"
    );
}

#[tokio::test]
async fn no_cors_headers_by_default_like_the_vendors() {
    let sb = &sandbox().await;
    let preflight = sb
        .client
        .request(
            Method::OPTIONS,
            format!("{}/AdminInterface/restapi/v1{UNKNOWN}", sb.url),
        )
        .header("Origin", "http://localhost:8080")
        .header("Access-Control-Request-Method", "DELETE")
        .send()
        .await
        .unwrap();
    let call = sb
        .rsa(Method::DELETE, UNKNOWN)
        .await
        .header("Origin", "http://localhost:8080")
        .send()
        .await
        .unwrap();
    assert_eq!(call.status(), 404);
    for r in [&preflight, &call] {
        assert!(
            !r.headers()
                .keys()
                .any(|h| h.as_str().starts_with("access-control-")),
            "{:?}",
            r.headers()
        );
    }
    let faults = sb.get("faults").await;
    assert_eq!(
        (&faults["cors"], &faults["corsOrigins"]),
        (&json!(false), &json!([]))
    );
    let r = sb
        .client
        .post(format!("{}/sandbox/faults", sb.url))
        .json(&json!({"cors": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "no origin to allow");
}

#[tokio::test]
async fn cors_preflight_and_switch() {
    let sb = &sandbox_with(|c| c.cors_origins = vec!["http://localhost:8080".into()]).await;
    let preflight = || async {
        sb.client
            .request(
                Method::OPTIONS,
                format!("{}/AdminInterface/restapi/v1{UNKNOWN}", sb.url),
            )
            .header("Origin", "http://localhost:8080")
            .header("Access-Control-Request-Method", "DELETE")
            .header(
                "Access-Control-Request-Headers",
                "authorization,content-type",
            )
            .send()
            .await
            .unwrap()
    };
    let r = preflight().await;
    assert!(r.status().is_success());
    let h = r.headers();
    assert_eq!(h["access-control-allow-origin"], "http://localhost:8080");
    let methods = h["access-control-allow-methods"].to_str().unwrap();
    assert!(["DELETE", "PUT", "POST"]
        .iter()
        .all(|m| methods.contains(m)));
    let headers = h["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    assert!(headers.contains("authorization") && headers.contains("content-type"));

    sb.faults(json!({"rate": 1, "burst": 1})).await;
    let jwt = sb.jwt().await;
    let mut last = None;
    for _ in 0..2 {
        let r = sb
            .rsa_with(Method::DELETE, UNKNOWN, &jwt)
            .header("Origin", "http://localhost:8080")
            .send()
            .await;
        last = Some(r.unwrap());
    }
    let limited = last.unwrap();
    assert_eq!(limited.status(), 429);
    assert_eq!(
        limited.headers()["access-control-allow-origin"],
        "http://localhost:8080"
    );
    assert_eq!(
        limited.headers()["access-control-expose-headers"],
        "Retry-After"
    );

    sb.faults(json!({"cors": false})).await;
    let r = preflight().await;
    assert!(r.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn cors_origins_from_the_command_line() {
    let sb = &sandbox_with(|c| c.cors_origins = vec!["http://127.0.0.1:8080".into()]).await;
    let ask = |origin: &'static str| async move {
        let r = sb
            .client
            .get(format!("{}/sandbox/faults", sb.url))
            .header("Origin", origin)
            .send()
            .await
            .unwrap();
        r.headers()
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap().to_string())
    };
    assert_eq!(
        ask("http://127.0.0.1:8080").await.as_deref(),
        Some("http://127.0.0.1:8080")
    );
    assert_eq!(ask("http://evil.example").await, None);

    let off = &sandbox_with(|c| {
        c.cors_origins = vec!["*".into()];
        c.no_cors = true;
    })
    .await;
    assert_eq!(off.get("faults").await["cors"], false);
    let any = &sandbox_with(|c| c.cors_origins = vec!["*".into()]).await;
    let r = any
        .client
        .get(format!("{}/sandbox/faults", any.url))
        .header("Origin", "http://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "http://evil.example"
    );
}

#[tokio::test]
async fn fault_settings_are_validated_and_reset_restores_everything() {
    let sb = &sandbox().await;
    for bad in [
        json!({"failRate": 2}),
        json!({"nonsense": 1}),
        json!({"rate": -1}),
    ] {
        let r = sb
            .client
            .post(format!("{}/sandbox/faults", sb.url))
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{bad}");
    }
    let before = sb.get("tenant").await;
    let id = sb.rsa_user(deletable).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        sb.rsa(Method::DELETE, &format!("/users/{id}"))
            .await
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    sb.faults(json!({"failRate": 0.5, "latencyMs": 5})).await;

    sb.post("reset", json!({})).await;
    assert_eq!(
        before["rsa"].as_array().unwrap().len(),
        sb.rsa_users().await.len()
    );
    let ids = |t: &Value| {
        t["rsa"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["id"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids(&before),
        ids(&sb.get("tenant").await),
        "same seed, same tenant"
    );
    assert!(sb.audit().await.is_empty());
    assert_eq!(sb.get("requests").await, json!([]));
    let faults = sb.get("faults").await;
    assert_eq!(
        (faults["failRate"].as_f64(), faults["latencyMs"].as_u64()),
        (Some(0.0), Some(0))
    );

    sb.post("reset", json!({"users": 50, "seed": 9})).await;
    assert_eq!(sb.rsa_users().await.len(), 50);
}
