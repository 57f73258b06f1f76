//! Reading EPM JSON answers field by field, so that a malformed body is an error that names
//! the field at fault instead of a panic or a silent default.

use crate::json::{Map, Value};

/// Why an answer could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParseError {
    /// The body is empty.
    Empty,
    /// The body is an HTML page (a proxy error, a login page), not JSON.
    Html(String),
    /// The body is not JSON; the parser's complaint and the start of the body.
    NotJson(String),
    /// The body is JSON but not an object.
    NotObject,
    /// A required field is absent (its path).
    Missing(String),
    /// A field has the wrong JSON type.
    WrongType {
        field: String,
        expected: &'static str,
        found: &'static str,
    },
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParseError::Empty => f.write_str("the answer was empty"),
            ParseError::Html(start) => {
                write!(
                    f,
                    "the answer was an HTML page, not JSON (a proxy or sign-in page?): {start}"
                )
            }
            ParseError::NotJson(why) => write!(f, "the answer is not valid JSON: {why}"),
            ParseError::NotObject => f.write_str("the answer is not a JSON object"),
            ParseError::Missing(field) => write!(f, "the answer has no \"{field}\""),
            ParseError::WrongType {
                field,
                expected,
                found,
            } => {
                write!(f, "\"{field}\" should be {expected}, not {found}")
            }
        }
    }
}

impl std::error::Error for ParseError {}

impl ParseError {
    /// The same error, with field paths placed under `prefix` (`links[0]` + `rel`).
    pub(crate) fn within(self, prefix: &str) -> Self {
        match self {
            ParseError::Missing(field) => ParseError::Missing(format!("{prefix}.{field}")),
            ParseError::WrongType {
                field,
                expected,
                found,
            } => ParseError::WrongType {
                field: format!("{prefix}.{field}"),
                expected,
                found,
            },
            other => other,
        }
    }
}

/// The first characters of a body, on one line, for error messages.
pub(crate) fn snippet(text: &str) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(80)
        .collect();
    let one_line = one_line.trim();
    if text.chars().count() > 80 {
        format!("\u{201c}{one_line}\u{2026}\u{201d}")
    } else {
        format!("\u{201c}{one_line}\u{201d}")
    }
}

/// Parses a body that must be a JSON object. A comma before a closing bracket is taken: the
/// reference's own example of a finished job has one after its last item (its `items` also
/// lacks its closing bracket, which is not guessed at).
pub(crate) fn object(body: &[u8]) -> Result<Map, ParseError> {
    let text = String::from_utf8_lossy(body);
    let text = text.trim_start_matches('\u{feff}').trim();
    if text.is_empty() {
        return Err(ParseError::Empty);
    }
    if text.starts_with('<') {
        return Err(ParseError::Html(snippet(text)));
    }
    match crate::json::parse_allowing_trailing_commas(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ParseError::NotObject),
        Err(e) => Err(ParseError::NotJson(format!(
            "{e}; it starts {}",
            snippet(text)
        ))),
    }
}

/// A field by exact name, else by case-insensitive name.
pub(crate) fn get_ci<'a>(obj: &'a Map, key: &str) -> Option<&'a Value> {
    obj.get(key).or_else(|| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// The error for a field of the wrong type.
pub(crate) fn wrong_type(field: &str, expected: &'static str, found: &Value) -> ParseError {
    ParseError::WrongType {
        field: field.to_string(),
        expected,
        found: found.type_name(),
    }
}

/// An integer field that must be present.
pub(crate) fn required_int(obj: &Map, key: &str) -> Result<i64, ParseError> {
    let value = get_ci(obj, key).ok_or_else(|| ParseError::Missing(key.to_string()))?;
    value
        .as_i64()
        .ok_or_else(|| wrong_type(key, "an integer", value))
}

/// An optional integer field (absent or null is `None`).
pub(crate) fn optional_int(obj: &Map, key: &str) -> Result<Option<i64>, ParseError> {
    match get_ci(obj, key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_i64()
            .map(Some)
            .ok_or_else(|| wrong_type(key, "an integer", v)),
    }
}

/// An optional string field (absent or null is `None`).
pub(crate) fn optional_string(obj: &Map, key: &str) -> Result<Option<String>, ParseError> {
    match get_ci(obj, key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(wrong_type(key, "a string", other)),
    }
}

/// An optional array of objects (absent or null is empty); each element must be an object.
pub(crate) fn object_array<'a>(obj: &'a Map, key: &str) -> Result<Vec<&'a Map>, ParseError> {
    match get_ci(obj, key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| {
                v.as_object()
                    .ok_or_else(|| wrong_type(&format!("{key}[{i}]"), "an object", v))
            })
            .collect(),
        Some(other) => Err(wrong_type(key, "an array", other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_byte_order_mark_before_the_json_is_accepted() {
        assert!(object("\u{feff}{\"status\":0}".as_bytes()).is_ok());
    }

    #[test]
    fn long_bodies_are_cut_in_messages() {
        let err = object("x".repeat(500).as_bytes()).unwrap_err().to_string();
        assert!(err.len() < 250, "{err}");
        assert!(err.contains('\u{2026}'), "{err}");
    }
}
