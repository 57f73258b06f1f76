//! Reading the Remove Users CSV: UTF-8 (with or without BOM) or ANSI (Windows-1252), header
//! `User Login`, one login per line.

/// Why a file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CsvError {
    /// The first line is not `User Login`.
    Header,
}

/// The logins of a Remove Users file, in file order, as written (blank lines skipped).
pub fn parse_logins(bytes: &[u8]) -> Result<Vec<String>, CsvError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(bytes)
            .0
            .into_owned(),
    };
    let mut lines = text.lines().map(first_field).filter(|l| !l.is_empty());
    match lines.next() {
        Some(h) if h.eq_ignore_ascii_case("User Login") => Ok(lines.collect()),
        _ => Err(CsvError::Header),
    }
}

/// The first field of a CSV line, unquoted and trimmed.
fn first_field(line: &str) -> String {
    let line = line.trim();
    if let Some(rest) = line.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = rest.chars().peekable();
        while let Some(c) = chars.next() {
            match (c, chars.peek()) {
                ('"', Some('"')) => {
                    out.push('"');
                    chars.next();
                }
                ('"', _) => break,
                _ => out.push(c),
            }
        }
        out.trim().to_string()
    } else {
        line.split(',').next().unwrap_or("").trim().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_utf8_with_bom_crlf_and_quotes() {
        let file = b"\xEF\xBB\xBFUser Login\r\njane.doe@example.com\r\n\r\n\"jdoe\"\r\n";
        assert_eq!(
            parse_logins(file),
            Ok(vec!["jane.doe@example.com".into(), "jdoe".into()])
        );
    }

    #[test]
    fn reads_ansi() {
        let file = b"User Login\nren\xE9e@example.com\n";
        assert_eq!(
            parse_logins(file),
            Ok(vec!["ren\u{e9}e@example.com".into()])
        );
    }

    #[test]
    fn refuses_a_missing_header() {
        assert_eq!(
            parse_logins(b"jane.doe@example.com\n"),
            Err(CsvError::Header)
        );
        assert_eq!(parse_logins(b""), Err(CsvError::Header));
    }
}
