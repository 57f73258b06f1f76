//! Where the Cloud Administration REST API lives, however the admin typed it.

/// The path every Cloud Administration v1 endpoint hangs from.
pub const API_PATH: &str = "/AdminInterface/restapi/v1";

/// A normalised Admin REST API base: `https://tenant/AdminInterface/restapi/v1`, or a
/// same-origin proxy path such as `/rsa/AdminInterface/restapi/v1`. Never ends in `/`.
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
    /// - a same-origin reverse-proxy path (`/rsa` or `/rsa/AdminInterface/restapi/v1`).
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

    /// True when requests go to a path on the panel's own site (a reverse proxy), not to the tenant directly.
    pub fn is_same_origin_path(&self) -> bool {
        self.url.starts_with('/')
    }

    /// The tenant's host name to show the admin (`mycompany.access.securid.com`), or the proxy path.
    pub fn tenant_label(&self) -> &str {
        match self.url.find("://") {
            Some(i) => {
                let rest = &self.url[i + 3..];
                &rest[..rest.find('/').unwrap_or(rest.len())]
            }
            None => &self.url[..self.url.len() - API_PATH.len()],
        }
    }

    /// Whether a JWT audience names this API. The scheme and host compare case-insensitively,
    /// trailing slashes are ignored. Through a proxy the tenant is unknown, so only the API path is checked.
    pub fn matches_audience(&self, aud: &str) -> bool {
        let aud = aud.trim().trim_end_matches('/');
        if self.is_same_origin_path() {
            return aud.contains("://") && aud.ends_with(API_PATH);
        }
        let split = |s: &str| {
            let after_scheme = s.find("://").map_or(0, |i| i + 3);
            let host_end = s[after_scheme..]
                .find('/')
                .map_or(s.len(), |i| after_scheme + i);
            (
                s[..host_end].to_ascii_lowercase(),
                s[host_end..].to_string(),
            )
        };
        split(aud) == split(&self.url)
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
        assert!(base.matches_audience(CANON));
        assert!(base.matches_audience("HTTPS://ACME.access.securid.com/AdminInterface/restapi/v1/"));
        assert!(!base.matches_audience("https://acme.access.securid.com"));
        assert!(
            !base.matches_audience("https://other.access.securid.com/AdminInterface/restapi/v1")
        );
        let proxied = ApiBase::parse("/rsa").unwrap();
        assert!(proxied.matches_audience(CANON));
        assert!(!proxied.matches_audience("https://acme.access.securid.com/"));
    }
}
