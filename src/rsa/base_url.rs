//! Where the Cloud Administration REST API lives, however the admin typed it.

/// The path every Cloud Administration v1 endpoint hangs from.
pub const API_PATH: &str = "/AdminInterface/restapi/v1";

/// A normalised Admin REST API base: `https://tenant/AdminInterface/restapi/v1`, or a reverse proxy's
/// address, as a path on the panel's own site (`/rsa/AdminInterface/restapi/v1`) or absolute
/// (`https://panel.example/rsa/AdminInterface/restapi/v1`). Never ends in `/`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiBase {
    url: String,
}

/// Why an entered address cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BaseUrlError {
    Empty,
    /// Not `https://…`, `http://…`, a host name or a path starting with `/`.
    NotAnAddress(String),
    /// It carries `?…` or `#…`, which the API address never has.
    HasQuery,
}

impl std::fmt::Display for BaseUrlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BaseUrlError::Empty => f.write_str(
                "Enter the Admin REST API URL: the adminRestApiUrl of your API key file, for example \
                 https://mycompany.access.securid.com/AdminInterface/restapi/v1.",
            ),
            BaseUrlError::NotAnAddress(s) => write!(
                f,
                "\"{s}\" is not a web address. Enter it as https://your-tenant/AdminInterface/restapi/v1, \
                 or as a path on this site such as /rsa/AdminInterface/restapi/v1 when a reverse proxy is used."
            ),
            BaseUrlError::HasQuery => {
                f.write_str("Remove the part from ? or # on: the API address has no query or fragment.")
            }
        }
    }
}

impl std::error::Error for BaseUrlError {}

impl ApiBase {
    /// Normalises what the admin entered. Accepted forms, all giving the same endpoints:
    /// - the key file's `adminRestApiUrl` (`https://t/AdminInterface/restapi/v1`), with or without `/`;
    /// - the tenant root (`https://t`, or just `t.access.securid.com`, taken as https);
    /// - anything containing `/AdminInterface` (`…/AdminInterface/restapi/v2/users` too): it is cut there;
    /// - a same-origin reverse-proxy path (`/rsa` or `/rsa/AdminInterface/restapi/v1`), or the same
    ///   absolute (`https://panel.example/rsa`): see [`ApiBase::via_proxy`].
    ///
    /// The result is the prefix before `/AdminInterface` (trailing slashes removed) plus [`API_PATH`].
    pub fn parse(input: &str) -> Result<ApiBase, BaseUrlError> {
        let text = input.trim();
        if text.is_empty() {
            return Err(BaseUrlError::Empty);
        }
        if text.contains(['?', '#']) {
            return Err(BaseUrlError::HasQuery);
        }
        if text.chars().any(char::is_whitespace) {
            return Err(BaseUrlError::NotAnAddress(text.to_string()));
        }
        let absolute = text.starts_with("https://") || text.starts_with("http://");
        let owned;
        let text = if absolute || text.starts_with('/') {
            text
        } else if !text.contains("://") && text.split('/').next().is_some_and(|h| h.contains('.')) {
            owned = format!("https://{text}");
            &owned
        } else {
            return Err(BaseUrlError::NotAnAddress(text.to_string()));
        };
        let path_start = if text.starts_with('/') {
            0
        } else {
            text.find("://").map_or(0, |i| i + 3)
        };
        let host_end = text[path_start..]
            .find('/')
            .map_or(text.len(), |i| path_start + i);
        if host_end == path_start && path_start > 0 {
            return Err(BaseUrlError::NotAnAddress(text.to_string()));
        }
        let lower = text.to_ascii_lowercase();
        let prefix = match lower[host_end..].find("/admininterface") {
            Some(i) => &text[..host_end + i],
            None => text,
        };
        Ok(ApiBase {
            url: format!("{}{API_PATH}", prefix.trim_end_matches('/')),
        })
    }

    /// `…/AdminInterface/restapi/v1`, no trailing slash.
    pub fn as_str(&self) -> &str {
        &self.url
    }

    /// An endpoint below the base, e.g. `endpoint("users/lookup")`.
    pub fn endpoint(&self, path: &str) -> String {
        format!("{}/{}", self.url, path.trim_start_matches('/'))
    }

    /// True when the address is a path on the panel's own site (`/rsa/…`), with no scheme or host.
    pub fn is_same_origin_path(&self) -> bool {
        self.url.starts_with('/')
    }

    /// True when requests go through a reverse proxy rather than to the tenant itself: a path on the
    /// panel's own site (`/rsa`), or an absolute URL with a path before `/AdminInterface`
    /// (`https://panel.example/rsa`). A tenant's own `adminRestApiUrl` never has such a path, so only a
    /// proxy that strips its prefix can serve the API there.
    pub fn via_proxy(&self) -> bool {
        self.is_same_origin_path() || !self.proxy_prefix().is_empty()
    }

    /// `scheme://host[:port]` of an absolute address; empty for a path on this site.
    fn origin(&self) -> &str {
        &self.url[..self.path_start()]
    }

    /// Where the host starts: after `scheme://`, or 0 for a path.
    fn host_start(&self) -> usize {
        if self.is_same_origin_path() {
            return 0;
        }
        self.url.find("://").map_or(0, |i| i + 3)
    }

    /// Where the path starts: after `scheme://host`, or 0 for a path.
    fn path_start(&self) -> usize {
        if self.is_same_origin_path() {
            return 0;
        }
        let host = self.host_start();
        self.url[host..]
            .find('/')
            .map_or(self.url.len(), |i| host + i)
    }

    /// The path before [`API_PATH`]: `/rsa` for `…/rsa/AdminInterface/restapi/v1`, empty for a tenant.
    fn proxy_prefix(&self) -> &str {
        &self.url[self.path_start()..self.url.len() - API_PATH.len()]
    }

    /// Who the admin is talking to: the tenant's host name (`mycompany.access.securid.com`), or the
    /// proxy (`/rsa`, `panel.example/rsa`).
    pub fn tenant_label(&self) -> &str {
        let start = self.host_start();
        let end = if self.via_proxy() {
            self.url.len() - API_PATH.len()
        } else {
            self.path_start()
        };
        &self.url[start..end]
    }

    /// Whether a JWT audience fits this API. The audience must be an absolute `http(s)` URL whose path
    /// is [`API_PATH`] (an `adminRestApiUrl`); trailing slashes are ignored, scheme and host compare
    /// case-insensitively.
    /// - Addressed directly, the tenant is known: the audience must name this very scheme and host, so a
    ///   token is never sent to a host it was not made for.
    /// - Through a proxy ([`ApiBase::via_proxy`]), the tenant is behind the proxy and not in the address:
    ///   any tenant's `adminRestApiUrl` fits. The service still checks `aud` against itself and refuses
    ///   a token made for another tenant (Test connection then says so).
    pub fn matches_audience(&self, aud: &str) -> bool {
        let aud = aud.trim().trim_end_matches('/');
        let Some((scheme, rest)) = aud.split_once("://") else {
            return false;
        };
        let host_end = rest.find('/').unwrap_or(rest.len());
        let (host, path) = rest.split_at(host_end);
        let well_formed = (scheme.eq_ignore_ascii_case("https")
            || scheme.eq_ignore_ascii_case("http"))
            && !host.is_empty()
            && path == API_PATH;
        if !well_formed {
            return false;
        }
        self.via_proxy()
            || self
                .origin()
                .eq_ignore_ascii_case(&aud[..aud.len() - path.len()])
    }
}

impl std::fmt::Display for ApiBase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CANON: &str = "https://acme.access.securid.com/AdminInterface/restapi/v1";

    #[test]
    fn every_documented_spelling_of_the_tenant_gives_the_same_endpoints() {
        for input in [
            CANON,
            "https://acme.access.securid.com/AdminInterface/restapi/v1/",
            "  https://acme.access.securid.com  ",
            "https://acme.access.securid.com/",
            "acme.access.securid.com",
            "https://acme.access.securid.com/AdminInterface",
            "https://acme.access.securid.com/admininterface/restapi/v2/users/search",
        ] {
            let base = ApiBase::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(base.as_str(), CANON, "{input}");
            assert_eq!(base.tenant_label(), "acme.access.securid.com");
        }
        assert_eq!(
            ApiBase::parse(CANON).unwrap().endpoint("users/abc"),
            format!("{CANON}/users/abc")
        );
    }

    #[test]
    fn a_same_origin_proxy_path_is_kept_as_a_path() {
        for input in [
            "/rsa",
            "/rsa/",
            "/rsa/AdminInterface/restapi/v1",
            "/rsa/AdminInterface/restapi/v1/",
        ] {
            let base = ApiBase::parse(input).unwrap();
            assert_eq!(base.as_str(), "/rsa/AdminInterface/restapi/v1", "{input}");
            assert!(base.is_same_origin_path());
            assert_eq!(base.tenant_label(), "/rsa");
        }
        assert_eq!(ApiBase::parse("/").unwrap().as_str(), API_PATH);
        assert_eq!(
            ApiBase::parse("http://127.0.0.1:8080")
                .unwrap()
                .tenant_label(),
            "127.0.0.1:8080"
        );
    }

    #[test]
    fn nonsense_is_refused_with_a_reason() {
        assert_eq!(ApiBase::parse("  "), Err(BaseUrlError::Empty));
        assert_eq!(
            ApiBase::parse("https://x/?a=1"),
            Err(BaseUrlError::HasQuery)
        );
        assert!(matches!(
            ApiBase::parse("ftp://x"),
            Err(BaseUrlError::NotAnAddress(_))
        ));
        assert!(matches!(
            ApiBase::parse("hello"),
            Err(BaseUrlError::NotAnAddress(_))
        ));
        assert!(matches!(
            ApiBase::parse("https://"),
            Err(BaseUrlError::NotAnAddress(_))
        ));
        assert!(ApiBase::parse("")
            .unwrap_err()
            .to_string()
            .contains("adminRestApiUrl"));
    }

    #[test]
    fn audience_must_be_the_full_api_url_of_this_tenant() {
        let base = ApiBase::parse("https://acme.access.securid.com").unwrap();
        assert!(!base.via_proxy());
        assert!(base.matches_audience(CANON));
        assert!(base.matches_audience("HTTPS://ACME.access.securid.com/AdminInterface/restapi/v1/"));
        assert!(!base.matches_audience("https://acme.access.securid.com"));
        assert!(
            !base.matches_audience("https://other.access.securid.com/AdminInterface/restapi/v1")
        );
        assert!(!base.matches_audience("http://acme.access.securid.com/AdminInterface/restapi/v1"));
        let proxied = ApiBase::parse("/rsa").unwrap();
        assert!(proxied.matches_audience(CANON));
        assert!(!proxied.matches_audience("https://acme.access.securid.com/"));
    }

    #[test]
    fn an_absolute_address_with_a_path_before_the_api_is_a_proxy() {
        for input in [
            "https://panel.example/rsa",
            "https://panel.example/rsa/",
            "https://panel.example/rsa/AdminInterface/restapi/v1",
            "panel.example/rsa/AdminInterface/restapi/v1/",
        ] {
            let base = ApiBase::parse(input).unwrap();
            assert_eq!(
                base.as_str(),
                "https://panel.example/rsa/AdminInterface/restapi/v1",
                "{input}"
            );
            assert!(base.via_proxy() && !base.is_same_origin_path(), "{input}");
            assert_eq!(base.tenant_label(), "panel.example/rsa");
            assert_eq!(base.origin(), "https://panel.example");
            assert_eq!(base.proxy_prefix(), "/rsa");
        }
        let deep = ApiBase::parse("http://127.0.0.1:8080/tools/offboard/rsa").unwrap();
        assert!(deep.via_proxy());
        assert_eq!(deep.tenant_label(), "127.0.0.1:8080/tools/offboard/rsa");
        let path = ApiBase::parse("/rsa").unwrap();
        assert!(path.via_proxy() && path.is_same_origin_path());
        assert_eq!((path.origin(), path.proxy_prefix()), ("", "/rsa"));
        let root = ApiBase::parse("/").unwrap();
        assert!(root.via_proxy() && root.is_same_origin_path());
        let odd = ApiBase::parse("/a://b").unwrap();
        assert_eq!((odd.origin(), odd.tenant_label()), ("", "/a://b"));
    }

    /// The bug: `https://panel.example/rsa` (the panel's own origin + `/rsa`) was taken for another
    /// tenant and every token was refused, although `/rsa` on the same site was accepted.
    #[test]
    fn an_absolute_proxy_address_checks_the_audience_like_the_path() {
        let path = ApiBase::parse("/rsa").unwrap();
        let sandbox = "http://127.0.0.1:8787/AdminInterface/restapi/v1";
        for input in [
            "https://panel.example/rsa",
            "http://127.0.0.1:41234/rsa/AdminInterface/restapi/v1",
            "https://acme.access.securid.com/rsa",
        ] {
            let absolute = ApiBase::parse(input).unwrap();
            for (aud, fits) in [
                (CANON, true),
                (sandbox, true),
                (
                    "HTTPS://Other.Access.SecurID.com/AdminInterface/restapi/v1/",
                    true,
                ),
                (
                    "  https://acme.access.securid.com/AdminInterface/restapi/v1//  ",
                    true,
                ),
                // Not an adminRestApiUrl: no API path, another path, the proxy's own address, no host.
                ("https://acme.access.securid.com", false),
                ("https://acme.access.securid.com/", false),
                (
                    "https://acme.access.securid.com/AdminInterface/restapi/v2",
                    false,
                ),
                (
                    "https://acme.access.securid.com/x/AdminInterface/restapi/v1",
                    false,
                ),
                ("https://panel.example/rsa/AdminInterface/restapi/v1", false),
                ("https:///AdminInterface/restapi/v1", false),
                // Not absolute, or not the web.
                ("acme.access.securid.com/AdminInterface/restapi/v1", false),
                ("/AdminInterface/restapi/v1", false),
                (
                    "ftp://acme.access.securid.com/AdminInterface/restapi/v1",
                    false,
                ),
                ("", false),
            ] {
                assert_eq!(
                    absolute.matches_audience(aud),
                    fits,
                    "{input} with aud {aud:?}"
                );
                assert_eq!(path.matches_audience(aud), fits, "/rsa with aud {aud:?}");
            }
        }
        // Without a path before the API, an address is a tenant's own: another host is another tenant.
        let root = ApiBase::parse("https://panel.example").unwrap();
        assert!(!root.via_proxy());
        assert!(!root.matches_audience(CANON));
        assert!(root.matches_audience("https://panel.example/AdminInterface/restapi/v1"));
    }

    #[test]
    fn a_token_for_the_tenant_has_no_problem_through_an_absolute_proxy_address() {
        use crate::rsa::{b64, jwt};
        const NOW: i64 = 1_700_000_000;
        let claims = format!(
            r#"{{"sub":"a","aud":"{CANON}","iat":{NOW},"exp":{}}}"#,
            NOW + 600
        );
        let token = format!(
            "{}.{}.c2ln",
            b64::encode_url(br#"{"alg":"RS256","typ":"JWT"}"#),
            b64::encode_url(claims.as_bytes())
        );
        let summary = jwt::decode(&token).unwrap();
        for input in ["/rsa", "https://panel.example/rsa", CANON] {
            let base = ApiBase::parse(input).unwrap();
            assert_eq!(summary.problems(&base, NOW, None), vec![], "{input}");
        }
        let other = ApiBase::parse("https://other.access.securid.com").unwrap();
        assert!(matches!(
            &summary.problems(&other, NOW, None)[..],
            [jwt::JwtProblem::WrongAudience { .. }]
        ));
    }
}
