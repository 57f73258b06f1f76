//! The HTTP seam: the engine speaks to vendors only through [`Http`] and waits only
//! through [`Clock`], so native tests drive it with fakes and the browser with `fetch`.

use std::future::Future;

/// HTTP methods the vendor APIs use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    /// The method as it goes on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

/// One request, fully formed (URL, headers, body).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

impl Request {
    /// A request with no headers and no body.
    pub fn new(method: Method, url: impl Into<String>) -> Self {
        Request {
            method,
            url: url.into(),
            headers: Vec::new(),
            body: None,
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = Some(body.into());
        self
    }
}

/// A response that arrived (any status code).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// A response with a status and a body, no headers.
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Response {
            status,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// A header's value, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// No response arrived.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NetError {
    /// The request could not be sent or its answer could not be read: the server is
    /// unreachable, the connection dropped, or the browser blocked it (CORS). Browsers do
    /// not say which; the message carries what they did say.
    Unreachable(String),
    /// No answer within the time allowed.
    Timeout,
}

impl std::fmt::Display for NetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NetError::Unreachable(m) if m.is_empty() => {
                f.write_str("no response (network error or blocked by CORS)")
            }
            NetError::Unreachable(m) => {
                write!(f, "no response (network error or blocked by CORS): {m}")
            }
            NetError::Timeout => f.write_str("no response in time"),
        }
    }
}

/// Sends requests. The browser implementation uses `fetch`; tests use a fake.
pub trait Http {
    /// Sends one request and waits for its response.
    fn send(&self, req: Request) -> impl Future<Output = Result<Response, NetError>>;
}

/// Time, so that waits are fakeable.
pub trait Clock {
    /// Milliseconds since some fixed origin.
    fn now_ms(&self) -> f64;
    /// Resolves after `ms` milliseconds.
    fn sleep(&self, ms: u64) -> impl Future<Output = ()>;
}

/// How requests authenticate.
#[derive(Clone, PartialEq, Eq)]
pub enum Auth {
    /// `Authorization: Bearer <token>` (an RSA JWT, or an EPM OAuth access token).
    Bearer(String),
    /// HTTP Basic (EPM), `user` may carry an identity-domain prefix.
    Basic { user: String, password: String },
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::Bearer(_) => f.write_str("Bearer(<redacted>)"),
            Auth::Basic { user, .. } => write!(f, "Basic({user}:<redacted>)"),
        }
    }
}

impl Auth {
    /// The `Authorization` header value.
    pub fn header_value(&self) -> String {
        match self {
            Auth::Bearer(token) => format!("Bearer {}", token.trim()),
            Auth::Basic { user, password } => {
                format!(
                    "Basic {}",
                    base64_encode(format!("{user}:{password}").as_bytes())
                )
            }
        }
    }
}

/// Standard base64 with padding.
pub fn base64_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_auth_header_is_rfc_7617_base64() {
        let auth = Auth::Basic {
            user: "Aladdin".into(),
            password: "open sesame".into(),
        };
        assert_eq!(auth.header_value(), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
        assert_eq!(base64_encode(b"a"), "YQ==");
        assert_eq!(base64_encode(b"ab"), "YWI=");
        assert_eq!(base64_encode(b""), "");
    }

    #[test]
    fn debug_output_never_shows_the_secret() {
        let shown = format!(
            "{:?} {:?}",
            Auth::Bearer("eyJsecret".into()),
            Auth::Basic {
                user: "admin".into(),
                password: "hunter2".into()
            }
        );
        assert!(
            !shown.contains("eyJsecret") && !shown.contains("hunter2"),
            "{shown}"
        );
    }

    #[test]
    fn response_headers_match_case_insensitively() {
        let mut r = Response::new(429, "");
        r.headers.push(("retry-after".into(), "3".into()));
        assert_eq!(r.header("Retry-After"), Some("3"));
    }
}
