//! Reading response bodies safely for messages: short, single-line, and never mistaken for the API.

/// At most `max` characters of the body on one line, control characters removed, "…" when cut.
/// Meant to be shown as text, never as HTML.
pub fn excerpt(body: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(body);
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect();
    let line = words.join(" ");
    match line.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

/// True for a web page rather than the JSON the API sends: a proxy's or web server's error
/// page, or a single-page app answering every path.
pub fn looks_like_html(body: &[u8]) -> bool {
    let text = String::from_utf8_lossy(&body[..body.len().min(512)]);
    let start = text.trim_start().to_ascii_lowercase();
    start.starts_with("<!doctype html")
        || start.starts_with("<html")
        || start.starts_with("<head")
        || start.starts_with("<body")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_one_short_line() {
        assert_eq!(
            excerpt(b"  {\"error\":\n\t\"bad\"}\r\n", 100),
            "{\"error\": \"bad\"}"
        );
        assert_eq!(excerpt("ééééé".as_bytes(), 3), "ééé…");
        assert_eq!(excerpt(b"", 10), "");
        assert_eq!(excerpt(b"a\x1b[31mb", 10), "a [31mb");
    }

    #[test]
    fn web_pages_are_told_from_json() {
        assert!(looks_like_html(b"\n<!DOCTYPE html><html>"));
        assert!(looks_like_html(b"<html><body>404</body></html>"));
        assert!(!looks_like_html(b"{\"message\":\"<html>\"}"));
        assert!(!looks_like_html(b""));
    }
}
