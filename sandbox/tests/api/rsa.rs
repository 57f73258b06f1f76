//! RSA Cloud Administration APIs: every response code, JWT checks, lookup, mark, status.

use crate::common::*;
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn delete_user_now_removes_a_disabled_user_once() {
    let sb = &sandbox().await;
    let user = sb.rsa_user(deletable).await;
    let id = user["id"].as_str().unwrap();
    let path = format!("/users/{id}");

    let (status, body) =
        status_json(sb.rsa(Method::DELETE, &path).await.send().await.unwrap()).await;
    assert_eq!((status, body["id"].as_str()), (200, Some(id)));
    let (status, body) =
        status_json(sb.rsa(Method::DELETE, &path).await.send().await.unwrap()).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (404, Some("User is not found."))
    );

    assert!(!sb.rsa_users().await.iter().any(|u| u["id"] == id));
    let audit = sb.audit().await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0]["system"], "rsa");
    assert_eq!(audit[0]["user"], id);
    assert_eq!(audit[0]["via"], "delete-user-now");
    assert_eq!(audit[0]["action"], "remove");
}

#[tokio::test]
async fn delete_user_now_refuses_with_the_documented_codes() {
    let sb = &sandbox().await;
    let users = sb.rsa_users().await;
    let find = |f: &dyn Fn(&Value) -> bool| {
        users.iter().find(|u| f(u)).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let enabled =
        find(&|u| u["userStatus"] == "Enabled" && u["markDeleted"] == false && !is_scim(u));
    let pending = find(&|u| u["markDeleted"] == true && !is_scim(u));
    let scim = find(&|u| u["identitySource"] == "SCIM Managed");
    let azure = find(&|u| u["identitySource"] == "Azure Active Directory (SCIM)");
    let cases = [
        (enabled, 409, "User is in enabled state."),
        (pending, 409, "User is in pending deletion state."),
        (scim.clone(), 405, ""),
        (azure, 405, ""),
        (
            "0a1b2c3d-0000-4000-8000-00000000abcd".into(),
            404,
            "User is not found.",
        ),
        ("not-a-user-id".into(), 404, "User is not found."),
        ("lookup".into(), 404, "User is not found."),
        (scim.to_uppercase(), 405, ""),
    ];
    for (id, code, message) in cases {
        let (status, body) = status_json(
            sb.rsa(Method::DELETE, &format!("/users/{id}"))
                .await
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, code, "{id}: {body}");
        assert_eq!(body["status"], code, "JSON body for {id}");
        if code == 405 {
            assert!(body["message"].as_str().unwrap().contains("SCIM"), "{body}");
        } else {
            assert_eq!(body["message"], message);
        }
    }
    assert!(sb.audit().await.is_empty(), "nobody removed");
    assert_eq!(sb.rsa_users().await.len(), users.len());
}

#[tokio::test]
async fn jwt_defects_are_refused_with_403() {
    let sb = &sandbox().await;
    let now = now_secs();
    let aud = format!("{}/AdminInterface/restapi/v1", sb.url);
    let unknown_user = "/users/0a1b2c3d-0000-4000-8000-00000000abcd";
    let good = sb.jwt().await;
    let parts: Vec<&str> = good.split('.').collect();
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        parts[1],
        &parts[2][..parts[2].len() - 4]
    );
    // Every bit of a signature's first base64url character is significant, so changing it
    // always yields a different, invalid signature.
    let first = if parts[2].starts_with('A') { "B" } else { "A" };
    let flipped = format!("{first}{}", &parts[2][1..]);
    let cases: Vec<(String, &str)> =
        vec![
        (
            sb.token(json!({"iat": now - 4000, "exp": now - 3000}))
                .await,
            "expired",
        ),
        (
            sb.token(json!({"iat": now, "exp": now + 3601})).await,
            "lifetime",
        ),
        (sb.token(json!({"iat": now + 120})).await, "future"),
        (
            sb.token(
                json!({"aud": "https://mycompany.access.securid.com/AdminInterface/restapi/v1"}),
            )
            .await,
            "aud",
        ),
        (sb.token(json!({"alg": "none"})).await, "algorithm"),
        (sb.token(json!({"alg": "HS256"})).await, "algorithm"),
        (sb.token(json!({"alg": "RS512"})).await, "algorithm"),
        (sb.token(json!({"sub": "someone-else"})).await, "sub"),
        (format!("{}.{}.{}", parts[0], parts[1], flipped), "signature"),
        (tampered, "signature"),
        ("not.a.jwt".into(), "malformed"),
    ];
    for (jwt, reason) in cases {
        let (status, body) = status_json(
            sb.rsa_with(Method::DELETE, unknown_user, &jwt)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 403, "{reason}: {body}");
        assert_eq!(body["message"], "Not authorized to perform the request.");
        assert!(
            body["detail"].as_str().unwrap().contains(reason),
            "{reason}: {body}"
        );
    }
    let no_token = sb
        .client
        .delete(format!(
            "{}/AdminInterface/restapi/v1{unknown_user}",
            sb.url
        ))
        .send()
        .await;
    assert_eq!(no_token.unwrap().status(), 403);

    // Accepted: the audience with a trailing slash, and an expiry within the 60 s skew.
    for jwt in [
        sb.token(json!({"aud": format!("{aud}/")})).await,
        sb.token(json!({"iat": now - 3600, "exp": now - 30})).await,
        sb.token(json!({"iat": now, "exp": now + 3600})).await,
    ] {
        let r = sb
            .rsa_with(Method::DELETE, unknown_user, &jwt)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "authenticated, then user not found");
    }
}

#[tokio::test]
async fn an_oauth_api_clients_access_token_is_accepted_with_its_own_lifetime() {
    let sb = &sandbox().await;
    let now = now_secs();
    let unknown_user = "/users/0a1b2c3d-0000-4000-8000-00000000abcd";
    let demo = sb.get("demo").await;
    let oauth = |claims: Value| {
        let mut c = json!({"sub": "offboard-demo-client", "aud": "cloud-administration-api", "iat": now, "exp": now + 7200});
        c.as_object_mut()
            .unwrap()
            .extend(claims.as_object().unwrap().clone());
        sb.token(c)
    };
    let status = |jwt: String| async move {
        status_json(
            sb.rsa_with(Method::DELETE, unknown_user, &jwt)
                .send()
                .await
                .unwrap(),
        )
        .await
    };
    let demo_token = demo["rsa"]["oauthToken"].as_str().unwrap().to_string();
    assert_eq!(
        status(demo_token).await.0,
        404,
        "authenticated, then user not found"
    );
    assert_eq!(
        status(oauth(json!({})).await).await.0,
        404,
        "two hours of life are the server's choice"
    );
    for (claims, reason) in [
        (json!({"iat": now - 9000, "exp": now - 1800}), "expired"),
        (
            json!({"aud": format!("{}/AdminInterface/restapi/v1", sb.url)}),
            "aud",
        ),
        (json!({"sub": "another-client"}), "sub"),
    ] {
        let (code, body) = status(oauth(claims).await).await;
        assert_eq!(code, 403, "{reason}: {body}");
        assert!(
            body["detail"].as_str().unwrap().contains(reason),
            "{reason}: {body}"
        );
    }
}

#[tokio::test]
async fn lookup_returns_the_user_by_email() {
    let sb = &sandbox().await;
    let user = sb.rsa_user(|u| u["userStatus"] == "Enabled").await;
    let email = user["emailAddress"].as_str().unwrap().to_uppercase();
    let lookup = |body: Value| async move {
        let r = sb
            .rsa(Method::POST, "/users/lookup")
            .await
            .header("Accept", "application/json")
            .json(&body);
        status_json(r.send().await.unwrap()).await
    };
    let (status, found) = lookup(json!({"email": email, "searchUnsynched": false})).await;
    assert_eq!(status, 200);
    for field in [
        "id",
        "emailAddress",
        "firstName",
        "lastName",
        "identitySource",
        "userStatus",
        "markDeleted",
    ] {
        assert_eq!(found[field], user[field], "{field}");
    }
    assert!(found["creationDate"].is_string() && found["lastSyncTime"].is_string());
    assert!(found.get("markDeletedAt").is_some());

    assert_eq!(
        lookup(json!({"email": "nobody@example.com", "searchUnsynched": false}))
            .await
            .0,
        404
    );
    assert_eq!(lookup(json!({"searchUnsynched": false})).await.0, 400);
    assert_eq!(
        lookup(json!({"email": "a@b.c", "searchUnsynched": "no"}))
            .await
            .0,
        400
    );

    let jwt = sb.jwt().await;
    let wrong_type = sb
        .client
        .post(format!("{}/AdminInterface/restapi/v1/users/lookup", sb.url))
        .bearer_auth(&jwt)
        .header("Content-Type", "text/plain")
        .body(json!({"email": email}).to_string());
    let (status, body) = status_json(wrong_type.send().await.unwrap()).await;
    assert_eq!((status, body["status"].as_u64()), (415, Some(415)));
    let anonymous = sb
        .client
        .post(format!("{}/AdminInterface/restapi/v1/users/lookup", sb.url))
        .json(&json!({"email": email}));
    assert_eq!(anonymous.send().await.unwrap().status(), 403);
}

#[tokio::test]
async fn mark_deleted_marks_and_unmarks_with_the_documented_codes() {
    let sb = &sandbox().await;
    let id = sb.rsa_user(deletable).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let scim = sb.rsa_user(is_scim).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mark = |id: String, body: Value| async move {
        let r = sb
            .rsa(Method::PUT, &format!("/users/{id}/markDeleted"))
            .await
            .json(&body);
        status_json(r.send().await.unwrap()).await
    };
    let delete = || async {
        sb.rsa(Method::DELETE, &format!("/users/{id}"))
            .await
            .send()
            .await
            .unwrap()
            .status()
    };

    let (status, body) = mark(id.clone(), json!({"markDeleted": true})).await;
    assert_eq!((status, &body["markDeleted"]), (200, &json!(true)));
    assert!(body["markDeletedAt"].is_string());
    assert_eq!(
        mark(id.clone(), json!({"markDeleted": true})).await.0,
        409,
        "already marked"
    );
    assert_eq!(delete().await, 409, "pending deletion");
    assert_eq!(mark(id.clone(), json!({"markDeleted": false})).await.0, 200);
    assert_eq!(
        mark(id.clone(), json!({"markDeleted": false})).await.0,
        409,
        "not marked"
    );
    assert_eq!(mark(id.clone(), json!({"markDeleted": "yes"})).await.0, 400);
    assert_eq!(mark(scim, json!({"markDeleted": true})).await.0, 405);
    assert_eq!(
        mark(
            "0a1b2c3d-0000-4000-8000-00000000abcd".into(),
            json!({"markDeleted": true})
        )
        .await
        .0,
        404
    );
    assert_eq!(delete().await, 200);

    let actions: Vec<Value> = sb
        .audit()
        .await
        .iter()
        .map(|e| json!([e["action"], e["via"], e["user"]]))
        .collect();
    assert_eq!(
        actions,
        vec![
            json!(["mark", "mark-deleted", id]),
            json!(["unmark", "mark-deleted", id]),
            json!(["remove", "delete-user-now", id]),
        ]
    );
}

#[tokio::test]
async fn user_status_disables_so_that_delete_succeeds() {
    let sb = &sandbox().await;
    let user = sb
        .rsa_user(|u| u["userStatus"] == "Enabled" && u["markDeleted"] == false && !is_scim(u))
        .await;
    let id = user["id"].as_str().unwrap().to_string();
    let path = format!("/users/{id}/userStatus");
    let set = |body: Value| {
        let path = path.clone();
        async move {
            let r = sb.rsa(Method::PUT, &path).await.json(&body);
            status_json(r.send().await.unwrap()).await
        }
    };
    assert_eq!(
        sb.rsa(Method::DELETE, &format!("/users/{id}"))
            .await
            .send()
            .await
            .unwrap()
            .status(),
        409
    );
    assert_eq!(
        set(json!({"userStatus": "Disabled"})).await,
        (200, json!({"id": id, "userStatus": "Disabled"}))
    );
    assert_eq!(
        set(json!({"userStatus": "Disabled"})).await.0,
        409,
        "already disabled"
    );
    assert_eq!(set(json!({"userStatus": "Gone"})).await.0, 400);
    let unknown = sb
        .rsa(
            Method::PUT,
            "/users/0a1b2c3d-0000-4000-8000-00000000abcd/userStatus",
        )
        .await;
    assert_eq!(
        unknown
            .json(&json!({"userStatus": "Disabled"}))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        sb.rsa(Method::DELETE, &format!("/users/{id}"))
            .await
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    let audit = sb.audit().await;
    let steps: Vec<(&str, &str)> = audit
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["via"].as_str().unwrap()))
        .collect();
    assert_eq!(
        steps,
        [("disable", "user-status"), ("remove", "delete-user-now")]
    );
    assert!(audit[0]["seq"].as_u64() < audit[1]["seq"].as_u64());
}
