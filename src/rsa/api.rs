//! The Cloud Administration requests the panel sends, fully formed.

use super::base_url::ApiBase;
use crate::json::Value;
use crate::run::http::{Auth, Method, Request};

/// An address that is valid but can never belong to a user (`.invalid` is reserved, RFC 2606):
/// looking it up proves the API is reachable and the credential accepted without touching anyone.
pub const CONNECTION_TEST_EMAIL: &str = "offboard-connection-test@example.invalid";

/// Whether `id` has the shape of a Cloud Access Service user ID: 8-4-4-4-12 hexadecimal
/// (the pattern only: real IDs do not always follow UUID version rules).
pub fn is_user_id(id: &str) -> bool {
    let b = id.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Percent-encodes everything but RFC 3986 unreserved characters, so an identifier stays one path segment.
fn path_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `DELETE {base}/users/{userID}`: Delete User Now. Irreversible; only for disabled users.
pub fn delete_user(base: &ApiBase, user_id: &str, auth: &Auth) -> Request {
    Request::new(
        Method::Delete,
        base.endpoint(&format!("users/{}", path_segment(user_id.trim()))),
    )
    .header("Content-Type", "application/json")
    .header("Authorization", auth.header_value())
}

/// `PUT {base}/users/{userID}/markDeleted` with `{"markDeleted": mark}`: Mark User Deleted.
/// `true` marks the user pending deletion (the service removes it within seven days); `false`
/// takes the mark away.
pub fn mark_deleted(base: &ApiBase, user_id: &str, mark: bool, auth: &Auth) -> Request {
    let body = Value::object([("markDeleted", Value::from(mark))]);
    put_json(base, user_id, "markDeleted", &body, auth)
}

/// `PUT {base}/users/{userID}/userStatus` with `{"userStatus": "Enabled"}` or `"Disabled"`.
pub fn set_user_status(base: &ApiBase, user_id: &str, enabled: bool, auth: &Auth) -> Request {
    let status = if enabled { "Enabled" } else { "Disabled" };
    let body = Value::object([("userStatus", Value::from(status))]);
    put_json(base, user_id, "userStatus", &body, auth)
}

/// `PUT {base}/users/{userID}/{action}` with a JSON body, asking for JSON.
fn put_json(base: &ApiBase, user_id: &str, action: &str, body: &Value, auth: &Auth) -> Request {
    let path = format!("users/{}/{action}", path_segment(user_id.trim()));
    Request::new(Method::Put, base.endpoint(&path))
        .header("Accept", "application/json")
        .header("Content-Type", "application/json")
        .header("Authorization", auth.header_value())
        .body(body.to_string())
}

/// `POST {base}/users/lookup`: User Details for one e-mail address (synchronised users only).
pub fn lookup_user(base: &ApiBase, email: &str, auth: &Auth) -> Request {
    let body = Value::object([
        ("email", Value::from(email.trim())),
        ("searchUnsynched", Value::from(false)),
    ]);
    Request::new(Method::Post, base.endpoint("users/lookup"))
        .header("Accept", "application/json")
        .header("Content-Type", "application/json")
        .header("Authorization", auth.header_value())
        .body(body.to_string())
}

/// The harmless authenticated call behind "Test connection": a lookup of [`CONNECTION_TEST_EMAIL`].
pub fn connection_test(base: &ApiBase, auth: &Auth) -> Request {
    lookup_user(base, CONNECTION_TEST_EMAIL, auth)
}

/// The same lookup without a credential, which the API must refuse (see
/// [`super::confirm_credential_checked`]).
pub fn connection_test_without_credential(base: &ApiBase) -> Request {
    let mut request = connection_test(base, &Auth::Bearer(String::new()));
    request.headers.retain(|(name, _)| name != "Authorization");
    request
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> ApiBase {
        ApiBase::parse("https://acme.access.securid.com/AdminInterface/restapi/v1/").unwrap()
    }

    fn header<'a>(r: &'a Request, name: &str) -> Option<&'a str> {
        r.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn delete_matches_the_documented_request() {
        let auth = Auth::Bearer("tok".into());
        let r = delete_user(&base(), "eb2e12ae-1112-451b-98e1-dfe4e6afd60d", &auth);
        assert_eq!(r.method, Method::Delete);
        assert_eq!(
            r.url,
            "https://acme.access.securid.com/AdminInterface/restapi/v1/users/eb2e12ae-1112-451b-98e1-dfe4e6afd60d"
        );
        assert_eq!(header(&r, "Content-Type"), Some("application/json"));
        assert_eq!(header(&r, "Authorization"), Some("Bearer tok"));
        assert_eq!(r.body, None);
    }

    fn json_body(r: &Request) -> serde_json::Value {
        serde_json::from_slice(r.body.as_deref().expect("a body")).unwrap()
    }

    #[test]
    fn mark_and_status_changes_are_documented_puts_with_json_bodies() {
        let auth = Auth::Bearer("tok".into());
        let id = " eb2e12ae-1112-451b-98e1-dfe4e6afd60d ";
        let users = "https://acme.access.securid.com/AdminInterface/restapi/v1/users";
        let cases = [
            (
                mark_deleted(&base(), id, true, &auth),
                "markDeleted",
                serde_json::json!({ "markDeleted": true }),
            ),
            (
                mark_deleted(&base(), id, false, &auth),
                "markDeleted",
                serde_json::json!({ "markDeleted": false }),
            ),
            (
                set_user_status(&base(), id, false, &auth),
                "userStatus",
                serde_json::json!({ "userStatus": "Disabled" }),
            ),
            (
                set_user_status(&base(), id, true, &auth),
                "userStatus",
                serde_json::json!({ "userStatus": "Enabled" }),
            ),
        ];
        for (r, action, body) in cases {
            assert_eq!(r.method, Method::Put);
            assert_eq!(
                r.url,
                format!("{users}/eb2e12ae-1112-451b-98e1-dfe4e6afd60d/{action}")
            );
            assert_eq!(header(&r, "Content-Type"), Some("application/json"));
            assert_eq!(header(&r, "Accept"), Some("application/json"));
            assert_eq!(header(&r, "Authorization"), Some("Bearer tok"));
            assert_eq!(json_body(&r), body);
        }
        let r = set_user_status(&base(), "../x", true, &auth);
        assert!(r.url.ends_with("/users/%2E%2E%2Fx/userStatus"), "{}", r.url);
    }

    #[test]
    fn a_hostile_identifier_cannot_leave_its_path_segment() {
        let r = delete_user(&base(), "../../x?y#z", &Auth::Bearer("t".into()));
        assert!(
            r.url.ends_with("/users/%2E%2E%2F%2E%2E%2Fx%3Fy%23z"),
            "{}",
            r.url
        );
    }

    #[test]
    fn lookup_posts_the_email_as_json_and_asks_for_json() {
        let r = lookup_user(
            &ApiBase::parse("/rsa").unwrap(),
            " a\"b@x.com ",
            &Auth::Bearer("t".into()),
        );
        assert_eq!(
            (r.method, r.url.as_str()),
            (Method::Post, "/rsa/AdminInterface/restapi/v1/users/lookup")
        );
        assert_eq!(header(&r, "Accept"), Some("application/json"));
        let body: serde_json::Value = serde_json::from_slice(r.body.as_deref().unwrap()).unwrap();
        assert_eq!(
            body,
            serde_json::json!({ "email": "a\"b@x.com", "searchUnsynched": false })
        );
        let test = connection_test(&base(), &Auth::Bearer("t".into()));
        assert!(String::from_utf8(test.body.unwrap())
            .unwrap()
            .contains(CONNECTION_TEST_EMAIL));
        let bare = connection_test_without_credential(&base());
        assert_eq!(header(&bare, "Authorization"), None);
        assert_eq!(
            (bare.url, bare.body),
            (
                test.url,
                connection_test(&base(), &Auth::Bearer("t".into())).body
            )
        );
    }

    #[test]
    fn user_ids_are_checked_by_pattern_only() {
        assert!(is_user_id("eb2e12ae-1112-451b-98e1-dfe4e6afd60d"));
        assert!(
            is_user_id("EB2E12AE-1112-051B-08E1-DFE4E6AFD60D"),
            "no UUID version rules"
        );
        assert!(!is_user_id("eb2e12ae1112451b98e1dfe4e6afd60d"));
        assert!(!is_user_id("eb2e12ae-1112-451b-98e1-dfe4e6afd60g"));
        assert!(!is_user_id("jdoe@acme.com"));
        assert!(
            !is_user_id("eb2e12a-e1112-451b-98e1-dfe4e6afd60d"),
            "a dash one place early"
        );
        assert!(!is_user_id("-b2e12ae-1112-451b-98e1-dfe4e6afd60d"));
        assert!(!is_user_id("eb2e12ae-1112-451b-98e1-dfe4e6afd60d-"));
    }
}
