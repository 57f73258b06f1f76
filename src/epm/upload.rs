//! The v1 file: the logins written as the documented CSV, its unique name, its chunks, and
//! the requests that upload it, remove its users and delete it.

use crate::run::{Auth, Method, Request};

use super::url::{encode_component, EpmBase};

/// The largest chunk the Upload API accepts: 50 × 1024 × 1024 bytes.
pub const MAX_CHUNK_BYTES: usize = 50 * 1024 * 1024;

/// The header line of the removal file, as documented.
pub const HEADER: &str = "User Login";

/// Line ending of the written file (the service reads either).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LineEnding {
    /// `\r\n`, as RFC 4180 and spreadsheet tools write CSV.
    #[default]
    CrLf,
    Lf,
}

impl LineEnding {
    fn as_str(self) -> &'static str {
        match self {
            LineEnding::CrLf => "\r\n",
            LineEnding::Lf => "\n",
        }
    }
}

/// The removal file: `User Login`, then one login per line, UTF-8 without a byte-order mark,
/// a value quoted only when it holds a comma, quote, line break or edge whitespace.
pub fn logins_csv<'a>(logins: impl IntoIterator<Item = &'a str>, ending: LineEnding) -> Vec<u8> {
    let eol = ending.as_str();
    let mut out = format!("{HEADER}{eol}");
    for login in logins {
        let needs_quotes = login.contains([',', '"', '\r', '\n'])
            || login.starts_with(char::is_whitespace)
            || login.ends_with(char::is_whitespace);
        if needs_quotes {
            out.push('"');
            out.push_str(&login.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(login);
        }
        out.push_str(eol);
    }
    out.into_bytes()
}

/// A run id safe in file names: ASCII letters, digits, `-` and `_` only, at most 32 characters.
pub fn safe_run_id(run_id: &str) -> String {
    let cleaned: String = run_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .take(32)
        .collect();
    if cleaned.is_empty() {
        "run".to_string()
    } else {
        cleaned
    }
}

/// A run id from a timestamp (milliseconds), base 36: short and unique per run in practice.
pub fn run_id_from_ms(ms: f64) -> String {
    let mut n = if ms.is_finite() && ms > 0.0 {
        ms as u64
    } else {
        0
    };
    let digits = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(digits[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// The uploaded file's name for a batch (`offboard-<run>-b0007.csv`, batch numbered from 1);
/// a repeated upload attempt gets `-2`, `-3`… since the service never overwrites a file.
pub fn batch_file_name(run_id: &str, batch_index: usize, attempt: u32) -> String {
    let run = safe_run_id(run_id);
    let number = batch_index + 1;
    if attempt <= 1 {
        format!("offboard-{run}-b{number:04}.csv")
    } else {
        format!("offboard-{run}-b{number:04}-{attempt}.csv")
    }
}

/// One piece of a file to upload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Chunk<'a> {
    pub bytes: &'a [u8],
    pub is_first: bool,
    pub is_last: bool,
}

/// Splits a file into chunks of at most `chunk_size` bytes (at least one chunk, even if empty).
pub fn chunks(file: &[u8], chunk_size: usize) -> Vec<Chunk<'_>> {
    let size = chunk_size.max(1);
    let count = file.len().div_ceil(size).max(1);
    (0..count)
        .map(|i| Chunk {
            bytes: &file[(i * size).min(file.len())..((i + 1) * size).min(file.len())],
            is_first: i == 0,
            is_last: i + 1 == count,
        })
        .collect()
}

fn authorised(req: Request, auth: &Auth) -> Request {
    req.header("Authorization", auth.header_value())
        .header("Accept", "application/json")
}

fn snapshot_path(file_name: &str) -> String {
    format!(
        "/interop/rest/11.1.2.3.600/applicationsnapshots/{}",
        encode_component(file_name)
    )
}

/// `POST …/applicationsnapshots/{name}/contents?q={"isLast":…,"chunkSize":…,"isFirst":…}`.
pub fn upload_chunk_request(
    base: &EpmBase,
    file_name: &str,
    chunk: &Chunk,
    auth: &Auth,
) -> Request {
    let q = format!(
        r#"{{"isLast":{},"chunkSize":{},"isFirst":{}}}"#,
        chunk.is_last,
        chunk.bytes.len(),
        chunk.is_first
    );
    let url = base.url(&format!(
        "{}/contents?q={}",
        snapshot_path(file_name),
        encode_component(&q)
    ));
    authorised(Request::new(Method::Post, url), auth)
        .header("Content-Type", "application/octet-stream")
        .body(chunk.bytes.to_vec())
}

/// `DELETE …/applicationsnapshots/{name}`: removes an uploaded file.
pub fn delete_file_request(base: &EpmBase, file_name: &str, auth: &Auth) -> Request {
    authorised(
        Request::new(Method::Delete, base.url(&snapshot_path(file_name))),
        auth,
    )
}

/// `DELETE …/security/v1/users?filename={name}`, as the reference's curl sends it.
pub fn remove_users_request(base: &EpmBase, file_name: &str, auth: &Auth) -> Request {
    let url = base.url(&format!(
        "/interop/rest/security/v1/users?filename={}",
        encode_component(file_name)
    ));
    authorised(Request::new(Method::Delete, url), auth)
        .header("Content-Type", "application/x-www-form-urlencoded")
}

/// `GET` of a job's status, at the URL [`EpmBase::follow`] made of its `Job Status` link.
pub fn job_status_request(url: &str, auth: &Auth) -> Request {
    authorised(Request::new(Method::Get, url), auth)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth() -> Auth {
        Auth::Basic {
            user: "admin".into(),
            password: "pw".into(),
        }
    }

    #[test]
    fn the_file_is_the_documented_csv() {
        let csv = logins_csv(
            ["jane.doe@example.com", "jdoe@example.com"],
            LineEnding::CrLf,
        );
        assert_eq!(
            csv,
            b"User Login\r\njane.doe@example.com\r\njdoe@example.com\r\n"
        );
        let lf = logins_csv(["J\u{f6}rg@example.com"], LineEnding::Lf);
        assert_eq!(
            String::from_utf8(lf).unwrap(),
            "User Login\nJ\u{f6}rg@example.com\n"
        );
    }

    #[test]
    fn only_values_that_need_it_are_quoted() {
        let csv = logins_csv(["a,b", "say \"hi\"", " padded", "plain"], LineEnding::Lf);
        assert_eq!(
            String::from_utf8(csv).unwrap(),
            "User Login\n\"a,b\"\n\"say \"\"hi\"\"\"\n\" padded\"\nplain\n"
        );
    }

    #[test]
    fn file_names_are_unique_per_batch_and_attempt_and_safe() {
        assert_eq!(batch_file_name("k3x9", 6, 1), "offboard-k3x9-b0007.csv");
        assert_eq!(batch_file_name("k3x9", 6, 2), "offboard-k3x9-b0007-2.csv");
        assert_eq!(batch_file_name("a/b c", 0, 1), "offboard-a-b-c-b0001.csv");
        assert_eq!(batch_file_name("", 0, 1), "offboard-run-b0001.csv");
        assert_ne!(
            run_id_from_ms(1_700_000_000_000.0),
            run_id_from_ms(1_700_000_000_001.0)
        );
        assert_eq!(run_id_from_ms(35.0), "z");
    }

    #[test]
    fn files_are_cut_at_the_chunk_size() {
        let file = vec![b'x'; 25];
        let parts = chunks(&file, 10);
        let sizes: Vec<_> = parts.iter().map(|c| c.bytes.len()).collect();
        assert_eq!(sizes, [10, 10, 5]);
        assert!(parts[0].is_first && !parts[0].is_last);
        assert!(!parts[1].is_first && !parts[1].is_last);
        assert!(parts[2].is_last);
        let one = chunks(&file, MAX_CHUNK_BYTES);
        assert_eq!(one.len(), 1);
        assert!(one[0].is_first && one[0].is_last);
        assert_eq!(chunks(&file[..20], 10).len(), 2);
    }

    #[test]
    fn upload_request_matches_the_documented_call() {
        let base = EpmBase::parse("https://epm.example.com/").unwrap();
        let file = b"User Login\r\njdoe\r\n";
        let chunk = chunks(file, MAX_CHUNK_BYTES)[0];
        let req = upload_chunk_request(&base, "offboard-r-b0001.csv", &chunk, &auth());
        assert_eq!(req.method, Method::Post);
        assert_eq!(
            req.url,
            "https://epm.example.com/interop/rest/11.1.2.3.600/applicationsnapshots/offboard-r-b0001.csv/contents?q=%7B%22isLast%22%3Atrue%2C%22chunkSize%22%3A18%2C%22isFirst%22%3Atrue%7D"
        );
        assert!(req
            .headers
            .contains(&("Content-Type".into(), "application/octet-stream".into())));
        assert!(req
            .headers
            .iter()
            .any(|(n, v)| n == "Authorization" && v.starts_with("Basic ")));
        assert_eq!(req.body.as_deref(), Some(&file[..]));
    }

    #[test]
    fn removal_and_file_deletion_requests_match_the_reference() {
        let base = EpmBase::parse("/epm").unwrap();
        let req = remove_users_request(&base, "remove users.csv", &Auth::Bearer("t".into()));
        assert_eq!(req.method, Method::Delete);
        assert_eq!(
            req.url,
            "/epm/interop/rest/security/v1/users?filename=remove%20users.csv"
        );
        assert!(req.headers.contains(&(
            "Content-Type".into(),
            "application/x-www-form-urlencoded".into()
        )));
        assert!(req
            .headers
            .contains(&("Authorization".into(), "Bearer t".into())));
        assert_eq!(req.body, None);
        let del = delete_file_request(&base, "f.csv", &auth());
        assert_eq!(del.method, Method::Delete);
        assert_eq!(
            del.url,
            "/epm/interop/rest/11.1.2.3.600/applicationsnapshots/f.csv"
        );
    }
}
