//! The service address as the admin typed it, made into request URLs, and percent-encoding.

/// The EPM service base: an absolute `https://host[/prefix]`, or a same-origin path such as
/// `/epm` when a reverse proxy forwards to EPM (browsers get no CORS from EPM itself).
/// Never ends with `/`; an empty base means the page's own origin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EpmBase(String);

/// Why an address cannot be used as the service base.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BaseError {
    Empty,
    /// It contains spaces, a query or a fragment; the message says which.
    Malformed(String),
}

impl std::fmt::Display for BaseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BaseError::Empty => {
                f.write_str("enter the service address, e.g. https://tenant.epm.oraclecloud.com")
            }
            BaseError::Malformed(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for BaseError {}

impl EpmBase {
    /// Reads an address: trims it, drops trailing slashes and anything from `/interop` on,
    /// and adds `https://` to a bare host name.
    pub fn parse(input: &str) -> Result<EpmBase, BaseError> {
        let text = input.trim();
        if text.is_empty() {
            return Err(BaseError::Empty);
        }
        if text.chars().any(char::is_whitespace) {
            return Err(BaseError::Malformed("the address contains spaces".into()));
        }
        if text.contains(['?', '#']) {
            return Err(BaseError::Malformed(
                "remove the part from ? or # on: the address is the service's base URL".into(),
            ));
        }
        let mut base = if text.starts_with('/') || has_scheme(text) {
            text.to_string()
        } else {
            format!("https://{text}")
        };
        if let Some(at) = base.to_ascii_lowercase().find("/interop") {
            if base[at + "/interop".len()..].is_empty()
                || base[at + "/interop".len()..].starts_with('/')
            {
                base.truncate(at);
            }
        }
        if let Some((_, rest)) = base.split_once("://") {
            if rest.split('/').next().is_none_or(str::is_empty) {
                return Err(BaseError::Malformed("the address has no host name".into()));
            }
        }
        let base = base.trim_end_matches('/').to_string();
        Ok(EpmBase(base))
    }

    /// The base as normalised.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The full URL of an API path (which starts with `/interop/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.0, path)
    }

    /// The URL to poll for a link the service returned: its `/interop/…` path (job id
    /// included, exactly as given) reached through this base, so that polling goes through the
    /// same proxy as every other call and the credential never goes to another host.
    pub fn follow(&self, href: &str) -> Result<String, String> {
        let href = href.trim();
        match href.find("/interop/") {
            Some(at) => Ok(self.url(&href[at..])),
            None => Err(format!(
                "the service returned a link outside its API: {href:?}"
            )),
        }
    }
}

fn has_scheme(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

/// Percent-encodes everything but RFC 3986 unreserved characters (for query values and path
/// segments).
pub fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Decodes `%XX` escapes (and `+` as a space when `plus_is_space`); invalid escapes stay as
/// they are. Used by the fake service in tests.
#[cfg(test)]
pub(crate) fn decode_component(text: &str, plus_is_space: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus_is_space => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(s: &str) -> String {
        EpmBase::parse(s).unwrap().as_str().to_string()
    }

    #[test]
    fn addresses_are_normalised_whatever_the_admin_pasted() {
        assert_eq!(
            base("https://tenant.epm.example.com/"),
            "https://tenant.epm.example.com"
        );
        assert_eq!(
            base("  https://tenant.epm.example.com//  "),
            "https://tenant.epm.example.com"
        );
        assert_eq!(
            base("tenant.epm.example.com"),
            "https://tenant.epm.example.com"
        );
        assert_eq!(
            base("https://tenant.epm.example.com/interop/rest/security/v1/users"),
            "https://tenant.epm.example.com"
        );
        assert_eq!(
            base("HTTP://localhost:8080/interop"),
            "HTTP://localhost:8080"
        );
        assert_eq!(base("/epm/"), "/epm");
        assert_eq!(base("/"), "");
        assert_eq!(
            base("https://host/interoperability"),
            "https://host/interoperability"
        );
    }

    #[test]
    fn unusable_addresses_are_refused_with_a_reason() {
        assert_eq!(EpmBase::parse("  "), Err(BaseError::Empty));
        assert!(EpmBase::parse("https://host/a b").is_err());
        assert!(EpmBase::parse("https://host/?x=1").is_err());
        assert!(EpmBase::parse("https://").is_err());
    }

    #[test]
    fn job_links_are_followed_through_the_configured_base() {
        let href = "https://tenant.epm.example.com/interop/rest/security/v1/jobs/42";
        let direct = EpmBase::parse("https://tenant.epm.example.com").unwrap();
        assert_eq!(direct.follow(href).unwrap(), href);
        let proxy = EpmBase::parse("/epm").unwrap();
        assert_eq!(
            proxy.follow(href).unwrap(),
            "/epm/interop/rest/security/v1/jobs/42"
        );
        assert_eq!(
            proxy.follow("/interop/rest/security/v1/jobs/42").unwrap(),
            "/epm/interop/rest/security/v1/jobs/42"
        );
        assert!(proxy.follow("https://evil.example.com/steal").is_err());
    }

    #[test]
    fn percent_encoding_round_trips_and_keeps_unreserved_characters() {
        let q = r#"{"isLast":true,"chunkSize":10,"isFirst":true}"#;
        let enc = encode_component(q);
        assert_eq!(
            enc,
            "%7B%22isLast%22%3Atrue%2C%22chunkSize%22%3A10%2C%22isFirst%22%3Atrue%7D"
        );
        assert_eq!(decode_component(&enc, false), q);
        assert_eq!(encode_component("a-b.c_d~e f/é"), "a-b.c_d~e%20f%2F%C3%A9");
        assert_eq!(decode_component("a+b%2", true), "a b%2");
        assert_eq!(decode_component("%zz%41", false), "%zzA");
    }
}
