//! Reading a pasted JWT (decoded, not verified) and saying what is wrong with it before any request is sent.
//!
//! The service's rules (RS256, `sub`, `aud` = adminRestApiUrl, `iat`, `exp` at most an hour later) are those
//! of a token made from an Administration API key. Newer tenants use OAuth 2.0 API clients, whose access
//! tokens are sent the same way (NOTES.md) but are written by the authorisation server: for those only the
//! expiry, and an audience naming another tenant's API, are checked.

use crate::json::{self, Value};

use super::b64;
use super::base_url::ApiBase;

/// Clock skew the service tolerates, in seconds.
pub const SKEW_S: i64 = 60;
/// The longest lifetime (`exp - iat`) the service accepts, in seconds.
pub const MAX_LIFETIME_S: i64 = 3600;

/// What a pasted token says about itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JwtSummary {
    pub alg: String,
    /// The access ID the token was made for.
    pub sub: Option<String>,
    /// The audiences named (`aud` may be one string or a list).
    pub aud: Vec<String>,
    /// Issued at, Unix seconds.
    pub iat: Option<i64>,
    /// Expires at, Unix seconds.
    pub exp: Option<i64>,
    /// An OAuth 2.0 access token rather than one made from an API key: it carries claims only an
    /// authorisation server writes (`iss`, `scope`, `scp`, `client_id`), or its audience names the
    /// API as a resource, not a web address (an API key's token names the adminRestApiUrl).
    pub oauth: bool,
}

/// A pasted text that is not a JWT at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotAJwt(pub &'static str);

impl std::fmt::Display for NotAJwt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "This is not a JWT: {}. Paste the whole token (three parts separated by dots).",
            self.0
        )
    }
}

impl std::error::Error for NotAJwt {}

/// Something the service would refuse, or that will stop the run part-way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JwtProblem {
    /// The header's `alg` is not RS256.
    WrongAlgorithm(String),
    /// A claim the service requires is absent.
    MissingClaim(&'static str),
    /// `exp` is more than the allowed skew in the past.
    Expired { exp: i64, now: i64 },
    /// `iat` is in the future beyond the allowed skew.
    IssuedInFuture { iat: i64, now: i64 },
    /// `exp - iat` exceeds one hour.
    LifetimeTooLong { seconds: i64 },
    /// `aud` is not this tenant's Admin REST API URL.
    WrongAudience { aud: Vec<String>, expected: String },
    /// Valid now, but expires before the run is expected to end.
    ExpiresBeforeRunEnds { exp: i64, run_end: i64 },
    /// An OAuth 2.0 access token: only its expiry can be checked here.
    OAuthToken { aud: Vec<String> },
}

impl JwtProblem {
    /// True when the service would refuse the token right away; false for a warning.
    pub fn is_blocking(&self) -> bool {
        !matches!(
            self,
            JwtProblem::ExpiresBeforeRunEnds { .. } | JwtProblem::OAuthToken { .. }
        )
    }
}

impl std::fmt::Display for JwtProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JwtProblem::WrongAlgorithm(alg) => write!(
                f,
                "The token is signed with {alg}; the service accepts only RS256 and would refuse it. \
                 Create it with the RS256 algorithm."
            ),
            JwtProblem::MissingClaim(name) => {
                write!(f, "The token has no \"{name}\" claim; the service requires sub, aud, iat and exp.")
            }
            JwtProblem::Expired { exp, now } => write!(
                f,
                "The token expired {} ago. Create a new one, or drop in the API key file so the panel can make them.",
                duration_words(now.saturating_sub(*exp))
            ),
            JwtProblem::IssuedInFuture { iat, now } => write!(
                f,
                "The token claims to be issued {} from now: the clock of the computer that made it is wrong, \
                 and the service will refuse it.",
                duration_words(iat.saturating_sub(*now))
            ),
            JwtProblem::LifetimeTooLong { seconds } => write!(
                f,
                "The token is valid for {}; the service refuses tokens valid for more than one hour.",
                duration_words(*seconds)
            ),
            JwtProblem::WrongAudience { aud, expected } => write!(
                f,
                "The token is for {} but this panel talks to {expected}. The token's \"aud\" must be the \
                 adminRestApiUrl of the same tenant.",
                if aud.is_empty() { "no audience".to_string() } else { aud.join(", ") }
            ),
            JwtProblem::OAuthToken { aud } => write!(
                f,
                "This looks like an OAuth 2.0 access token (audience: {}), not a token made from an API key: \
                 Offboard checks only when it expires. Test connection tells whether the service accepts it.",
                if aud.is_empty() { "none".to_string() } else { aud.join(", ") }
            ),
            JwtProblem::ExpiresBeforeRunEnds { exp, run_end } => write!(
                f,
                "The token expires about {} before the run is expected to finish. The run will pause then and \
                 ask for a new token; dropping in the API key file instead avoids the stop.",
                duration_words(run_end.saturating_sub(*exp))
            ),
        }
    }
}

/// Splits and decodes a token. A leading `Bearer ` and surrounding whitespace are ignored.
pub fn decode(token: &str) -> Result<JwtSummary, NotAJwt> {
    let token = strip_bearer(token);
    if token.is_empty() {
        return Err(NotAJwt("nothing was pasted"));
    }
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 {
        return Err(NotAJwt("it does not have three parts separated by dots"));
    }
    if parts[2].is_empty() {
        return Err(NotAJwt("the signature part is empty"));
    }
    let header =
        json_part(parts[0]).ok_or(NotAJwt("its first part is not an encoded JSON header"))?;
    let claims =
        json_part(parts[1]).ok_or(NotAJwt("its second part is not encoded JSON claims"))?;
    b64::decode_url(parts[2]).ok_or(NotAJwt("its signature is not base64url"))?;
    let aud = match claims.get("aud") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    };
    let oauth = ["iss", "scope", "scp", "client_id"]
        .iter()
        .any(|claim| claims.get(claim).is_some())
        || (!aud.is_empty() && !aud.iter().any(|a| a.contains("://")));
    Ok(JwtSummary {
        oauth,
        alg: header
            .get("alg")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        sub: claims
            .get("sub")
            .and_then(Value::as_str)
            .map(str::to_string),
        aud,
        iat: claims.get("iat").and_then(seconds),
        exp: claims.get("exp").and_then(seconds),
    })
}

/// The token text without a pasted `Bearer ` prefix or surrounding whitespace.
pub fn strip_bearer(token: &str) -> &str {
    let t = token.trim();
    match t.get(..7) {
        Some(p) if p.eq_ignore_ascii_case("bearer ") => t[7..].trim(),
        _ => t,
    }
}

/// Why a token pasted to resume a paused run cannot be used against `base` at `now` (Unix
/// seconds): it is not a JWT, it has a problem that [`JwtProblem::is_blocking`], or it expires
/// within a minute (the run would stop again at once). `None` when it can be tried.
pub fn refusal(token: &str, base: &ApiBase, now: i64) -> Option<String> {
    let summary = match decode(strip_bearer(token)) {
        Err(e) => return Some(e.to_string()),
        Ok(summary) => summary,
    };
    if let Some(p) = summary
        .problems(base, now, None)
        .into_iter()
        .find(JwtProblem::is_blocking)
    {
        return Some(p.to_string());
    }
    summary
        .seconds_left(now)
        .filter(|&left| left < 60)
        .map(|left| {
            format!(
                "The token expires in {}: paste a fresh one.",
                duration_words(left)
            )
        })
}

impl JwtSummary {
    /// Everything wrong with the token for `base` at `now` (Unix seconds). `run_end` is when the
    /// run is expected to finish, if known. Empty means it should be accepted.
    pub fn problems(&self, base: &ApiBase, now: i64, run_end: Option<i64>) -> Vec<JwtProblem> {
        if self.oauth {
            return self.oauth_problems(base, now, run_end);
        }
        let mut out = Vec::new();
        if self.alg != "RS256" {
            out.push(JwtProblem::WrongAlgorithm(if self.alg.is_empty() {
                "no algorithm".into()
            } else {
                self.alg.clone()
            }));
        }
        if self.sub.as_deref().is_none_or(str::is_empty) {
            out.push(JwtProblem::MissingClaim("sub"));
        }
        if self.aud.is_empty() {
            out.push(JwtProblem::MissingClaim("aud"));
        } else if !self.aud.iter().any(|a| base.matches_audience(a)) {
            out.push(JwtProblem::WrongAudience {
                aud: self.aud.clone(),
                expected: base.to_string(),
            });
        }
        match self.iat {
            None => out.push(JwtProblem::MissingClaim("iat")),
            Some(iat) if iat > now.saturating_add(SKEW_S) => {
                out.push(JwtProblem::IssuedInFuture { iat, now })
            }
            Some(_) => {}
        }
        let Some(exp) = self.exp else {
            out.push(JwtProblem::MissingClaim("exp"));
            return out;
        };
        if let Some(iat) = self.iat {
            let lifetime = exp.saturating_sub(iat);
            if lifetime > MAX_LIFETIME_S {
                out.push(JwtProblem::LifetimeTooLong { seconds: lifetime });
            }
        }
        out.extend(self.expiry_problems(now, run_end));
        out
    }

    /// An OAuth 2.0 access token's problems: the claims are the authorisation server's, so only
    /// the algorithm (every token the service takes is RS256), an audience naming another
    /// tenant's Admin REST API and the expiry are checked.
    fn oauth_problems(&self, base: &ApiBase, now: i64, run_end: Option<i64>) -> Vec<JwtProblem> {
        let mut out = vec![JwtProblem::OAuthToken {
            aud: self.aud.clone(),
        }];
        if self.alg != "RS256" {
            out.push(JwtProblem::WrongAlgorithm(self.alg.clone()));
        }
        let apis: Vec<&String> = self.aud.iter().filter(|a| names_admin_api(a)).collect();
        if !apis.is_empty() && !apis.iter().any(|a| base.matches_audience(a)) {
            out.push(JwtProblem::WrongAudience {
                aud: self.aud.clone(),
                expected: base.to_string(),
            });
        }
        out.extend(self.expiry_problems(now, run_end));
        out
    }

    /// Expired (beyond the skew), or expiring before `run_end`; nothing without `exp`.
    fn expiry_problems(&self, now: i64, run_end: Option<i64>) -> Option<JwtProblem> {
        let exp = self.exp?;
        if now > exp.saturating_add(SKEW_S) {
            Some(JwtProblem::Expired { exp, now })
        } else {
            run_end
                .filter(|end| *end > exp)
                .map(|run_end| JwtProblem::ExpiresBeforeRunEnds { exp, run_end })
        }
    }

    /// Seconds until expiry (negative once expired), if the token says.
    pub fn seconds_left(&self, now: i64) -> Option<i64> {
        self.exp.map(|exp| exp.saturating_sub(now))
    }
}

/// Whether an audience names a Cloud Administration REST API (`…/AdminInterface/…`).
fn names_admin_api(aud: &str) -> bool {
    aud.to_ascii_lowercase().contains("/admininterface")
}

fn json_part(part: &str) -> Option<Value> {
    let value = json::parse_bytes(&b64::decode_url(part)?).ok()?;
    value.is_object().then_some(value)
}

/// A NumericDate claim in whole seconds. One beyond ±2^40 s (some 35,000 years) reads as that
/// bound, so that no sum or difference of claims and clock can overflow.
fn seconds(v: &Value) -> Option<i64> {
    const BOUND: i64 = 1 << 40;
    v.as_i64()
        .or_else(|| v.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
        .map(|s| s.clamp(-BOUND, BOUND))
}

/// When a token with `seconds_left` expires, in words: the time left, or how long ago it expired.
pub fn expiry_words(seconds_left: i64) -> String {
    if seconds_left < 0 {
        format!(
            "expired {} ago",
            duration_words(seconds_left.saturating_neg())
        )
    } else {
        duration_words(seconds_left)
    }
}

/// "3 minutes", "1 hour 5 minutes", "40 seconds".
pub fn duration_words(seconds: i64) -> String {
    let s = seconds.max(0);
    let plural = |n: i64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    match s {
        0..60 => plural(s, "second"),
        60..3600 => plural((s + 30) / 60, "minute"),
        _ if s < 86_400 => {
            let m = (s % 3600) / 60;
            let h = plural(s / 3600, "hour");
            if m == 0 {
                h
            } else {
                format!("{h} {}", plural(m, "minute"))
            }
        }
        _ => plural(s / 86_400, "day"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AUD: &str = "https://acme.access.securid.com/AdminInterface/restapi/v1";
    const NOW: i64 = 1_700_000_000;

    fn token(header: &str, claims: &str) -> String {
        format!(
            "{}.{}.c2ln",
            b64::encode_url(header.as_bytes()),
            b64::encode_url(claims.as_bytes())
        )
    }

    fn good(iat: i64, exp: i64) -> String {
        token(
            r#"{"typ":"JWT","alg":"RS256"}"#,
            &format!(r#"{{"sub":"ak-1","aud":"{AUD}","iat":{iat},"exp":{exp}}}"#),
        )
    }

    fn base() -> ApiBase {
        ApiBase::parse(AUD).unwrap()
    }

    #[test]
    fn a_good_token_shows_its_claims_and_has_no_problems() {
        let s = decode(&format!("Bearer {}\n", good(NOW - 10, NOW + 3000))).unwrap();
        assert_eq!(s.sub.as_deref(), Some("ak-1"));
        assert_eq!(s.aud, vec![AUD.to_string()]);
        assert_eq!((s.iat, s.exp), (Some(NOW - 10), Some(NOW + 3000)));
        assert_eq!(s.problems(&base(), NOW, Some(NOW + 600)), vec![]);
        assert_eq!(s.seconds_left(NOW), Some(3000));
    }

    #[test]
    fn an_expired_token_says_how_long_ago_it_expired() {
        assert_eq!(expiry_words(45 * 60), "45 minutes");
        assert_eq!(expiry_words(-7 * 60), "expired 7 minutes ago");
        assert_eq!(expiry_words(i64::MIN), "expired 106751991167300 days ago");
    }

    #[test]
    fn a_token_pasted_to_resume_is_refused_when_it_cannot_work() {
        assert_eq!(refusal(&good(NOW - 10, NOW + 3000), &base(), NOW), None);
        assert_eq!(
            refusal(
                &format!("Bearer {}", good(NOW - 10, NOW + 3000)),
                &base(),
                NOW
            ),
            None
        );
        let nearly = refusal(&good(NOW - 3000, NOW + 6), &base(), NOW).unwrap();
        assert!(nearly.contains("expires in 6 seconds"), "{nearly}");
        let expired = refusal(&good(NOW - 4000, NOW - 600), &base(), NOW).unwrap();
        assert!(expired.contains("expired"), "{expired}");
        assert!(refusal("garbage", &base(), NOW).is_some());
        let other =
            ApiBase::parse("https://other.access.securid.com/AdminInterface/restapi/v1").unwrap();
        let tenant = refusal(&good(NOW - 10, NOW + 3000), &other, NOW).unwrap();
        assert!(tenant.contains("acme.access.securid.com"), "{tenant}");
    }

    #[test]
    fn absurd_times_are_reported_as_such_without_overflowing() {
        let claims = |iat: &str, exp: &str| {
            let claims = format!(r#"{{"sub":"ak-1","aud":"{AUD}","iat":{iat},"exp":{exp}}}"#);
            decode(&token(r#"{"alg":"RS256"}"#, &claims)).unwrap()
        };
        let words = |s: &JwtSummary, run_end| {
            let problems = s.problems(&base(), NOW, run_end);
            problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" ")
        };
        let forever = claims(&NOW.to_string(), "1e300");
        assert!(words(&forever, Some(NOW + 3600)).contains("more than one hour"));
        assert!(forever.seconds_left(NOW).unwrap() > 0);
        let max = claims(&NOW.to_string(), &i64::MAX.to_string());
        assert!(words(&max, None).contains("more than one hour"));
        let long_ago = claims("-1e300", "-1e300");
        assert!(words(&long_ago, None).contains("expired"));
        assert!(long_ago.seconds_left(NOW).unwrap() < 0);
        let reversed = claims("1e300", "-1e300");
        let said = words(&reversed, Some(NOW + 60));
        assert!(
            said.contains("issued") && said.contains("expired"),
            "{said}"
        );
    }

    #[test]
    fn text_that_is_not_a_token_is_explained() {
        assert!(decode("")
            .unwrap_err()
            .to_string()
            .contains("nothing was pasted"));
        assert!(decode("abc.def")
            .unwrap_err()
            .to_string()
            .contains("three parts"));
        assert!(decode("a!b.c.d")
            .unwrap_err()
            .to_string()
            .contains("first part"));
        let no_sig = good(NOW, NOW + 60);
        assert!(decode(&no_sig[..no_sig.len() - 4]).is_err());
        let claims_not_json = format!(
            "{}.{}.c2ln",
            b64::encode_url(b"{}"),
            b64::encode_url(b"nope")
        );
        assert!(decode(&claims_not_json)
            .unwrap_err()
            .0
            .contains("second part"));
    }

    #[test]
    fn hs256_or_none_is_refused_as_the_service_would() {
        let t = token(
            r#"{"alg":"HS256"}"#,
            &format!(
                r#"{{"sub":"a","aud":"{AUD}","iat":{NOW},"exp":{}}}"#,
                NOW + 60
            ),
        );
        let problems = decode(&t).unwrap().problems(&base(), NOW, None);
        assert_eq!(problems, vec![JwtProblem::WrongAlgorithm("HS256".into())]);
        assert!(problems[0].is_blocking());
        assert!(problems[0].to_string().contains("only RS256"));
    }

    #[test]
    fn expiry_allows_sixty_seconds_of_skew() {
        let s = decode(&good(NOW - 3600, NOW - 60)).unwrap();
        assert_eq!(s.problems(&base(), NOW, None), vec![]);
        let s = decode(&good(NOW - 3600, NOW - 61)).unwrap();
        let p = s.problems(&base(), NOW, None);
        assert_eq!(
            p,
            vec![JwtProblem::Expired {
                exp: NOW - 61,
                now: NOW
            }]
        );
        assert!(
            p[0].to_string().contains("expired 1 minute ago"),
            "{}",
            p[0]
        );
    }

    #[test]
    fn lifetime_over_an_hour_and_future_issue_time_are_flagged() {
        let s = decode(&good(NOW, NOW + 3601)).unwrap();
        assert_eq!(
            s.problems(&base(), NOW, None),
            vec![JwtProblem::LifetimeTooLong { seconds: 3601 }]
        );
        let s = decode(&good(NOW + 3600, NOW + 3700)).unwrap();
        assert_eq!(
            s.problems(&base(), NOW, None),
            vec![JwtProblem::IssuedInFuture {
                iat: NOW + 3600,
                now: NOW
            }]
        );
    }

    #[test]
    fn audience_must_match_the_entered_base_ignoring_a_trailing_slash() {
        let s = decode(&good(NOW, NOW + 600)).unwrap();
        let with_slash = ApiBase::parse(&format!("{AUD}/")).unwrap();
        assert_eq!(s.problems(&with_slash, NOW, None), vec![]);
        let other = ApiBase::parse("https://other.access.securid.com").unwrap();
        let p = s.problems(&other, NOW, None);
        assert!(
            matches!(&p[..], [JwtProblem::WrongAudience { .. }]),
            "{p:?}"
        );
        assert!(p[0].to_string().contains("other.access.securid.com"));
    }

    #[test]
    fn a_token_expiring_mid_run_is_a_warning_not_a_refusal() {
        let s = decode(&good(NOW, NOW + 900)).unwrap();
        let p = s.problems(&base(), NOW, Some(NOW + 900 + 1800));
        assert_eq!(
            p,
            vec![JwtProblem::ExpiresBeforeRunEnds {
                exp: NOW + 900,
                run_end: NOW + 2700
            }]
        );
        assert!(!p[0].is_blocking());
        assert!(p[0].to_string().contains("30 minutes before"), "{}", p[0]);
    }

    #[test]
    fn missing_claims_are_named_and_a_list_audience_is_accepted() {
        let t = token(r#"{"alg":"RS256"}"#, "{}");
        let p = decode(&t).unwrap().problems(&base(), NOW, None);
        for claim in ["sub", "aud", "iat", "exp"] {
            assert!(
                p.contains(&JwtProblem::MissingClaim(claim)),
                "{claim}: {p:?}"
            );
        }
        let t = token(
            r#"{"alg":"RS256"}"#,
            &format!(
                r#"{{"sub":"a","aud":["x","{AUD}"],"iat":{NOW},"exp":{}.0}}"#,
                NOW + 60
            ),
        );
        assert_eq!(decode(&t).unwrap().problems(&base(), NOW, None), vec![]);
    }

    #[test]
    fn an_oauth_access_token_is_checked_for_its_expiry_only() {
        let blocking = |t: &str, now: i64| -> Vec<JwtProblem> {
            let s = decode(t).unwrap();
            assert!(s.oauth, "{t}");
            s.problems(&base(), now, None)
                .into_iter()
                .filter(JwtProblem::is_blocking)
                .collect()
        };
        // An audience that names the API as a resource, two hours of life: not the API key's rules.
        let t = token(
            r#"{"typ":"at+jwt","alg":"RS256"}"#,
            &format!(
                r#"{{"sub":"client-7","aud":"cloud-administration-api","iat":{NOW},"exp":{}}}"#,
                NOW + 7200
            ),
        );
        assert_eq!(blocking(&t, NOW), vec![]);
        let p = decode(&t).unwrap().problems(&base(), NOW, Some(NOW + 9000));
        assert!(
            matches!(
                &p[..],
                [
                    JwtProblem::OAuthToken { .. },
                    JwtProblem::ExpiresBeforeRunEnds { .. }
                ]
            ),
            "{p:?}"
        );
        assert!(
            p[0].to_string()
                .contains("OAuth 2.0 access token (audience: cloud-administration-api)"),
            "{}",
            p[0]
        );
        assert_eq!(refusal(&t, &base(), NOW), None, "a resumed run takes it");
        assert_eq!(
            blocking(&t, NOW + 7300),
            vec![JwtProblem::Expired {
                exp: NOW + 7200,
                now: NOW + 7300
            }]
        );
        assert!(refusal(&t, &base(), NOW + 7300).is_some_and(|r| r.contains("expired")));
        // An authorisation server's claims mark it even with the API's audience; another tenant's API is still refused.
        let other = "https://other.access.securid.com/AdminInterface/restapi/v1";
        let t = token(
            r#"{"alg":"RS256"}"#,
            &format!(
                r#"{{"iss":"https://idp.example","scope":"admin","aud":"{other}","exp":{}}}"#,
                NOW + 7200
            ),
        );
        assert!(matches!(
            &blocking(&t, NOW)[..],
            [JwtProblem::WrongAudience { .. }]
        ));
        let t = token(
            r#"{"alg":"RS256"}"#,
            &format!(
                r#"{{"iss":"https://idp.example","aud":"{AUD}","iat":{NOW},"exp":{}}}"#,
                NOW + 7200
            ),
        );
        assert_eq!(
            blocking(&t, NOW),
            vec![],
            "no one-hour limit for an OAuth token"
        );
    }

    #[test]
    fn a_token_without_an_audience_or_oauth_claims_is_held_to_the_api_keys_rules() {
        let s = decode(&token(
            r#"{"alg":"RS256"}"#,
            r#"{"sub":"ak-1","iat":1,"exp":2}"#,
        ))
        .unwrap();
        assert!(!s.oauth);
        assert!(s
            .problems(&base(), NOW, None)
            .contains(&JwtProblem::MissingClaim("aud")));
        assert!(!decode(&good(NOW, NOW + 60)).unwrap().oauth);
        // A web address that is not the API (the tenant's host alone) is a mistaken API-key token.
        let host_only = token(
            r#"{"alg":"RS256"}"#,
            &format!(
                r#"{{"sub":"ak-1","aud":"https://acme.access.securid.com","iat":{NOW},"exp":{}}}"#,
                NOW + 60
            ),
        );
        let p = decode(&host_only).unwrap().problems(&base(), NOW, None);
        assert!(
            matches!(&p[..], [JwtProblem::WrongAudience { .. }]),
            "{p:?}"
        );
        // An OAuth token too must be RS256.
        let hs = token(
            r#"{"alg":"HS256"}"#,
            &format!(
                r#"{{"iss":"https://idp.example","aud":"api","exp":{}}}"#,
                NOW + 60
            ),
        );
        let p = decode(&hs).unwrap().problems(&base(), NOW, None);
        assert!(
            p.contains(&JwtProblem::WrongAlgorithm("HS256".into())),
            "{p:?}"
        );
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration_words(1), "1 second");
        assert_eq!(duration_words(59), "59 seconds");
        assert_eq!(duration_words(90), "2 minutes");
        assert_eq!(duration_words(3600), "1 hour");
        assert_eq!(duration_words(3900), "1 hour 5 minutes");
        assert_eq!(duration_words(200_000), "2 days");
    }
}
