//! Reading JSON text: strict RFC 8259, with serde_json's limits (127 nested arrays and
//! objects; numbers beyond the range of `f64` refused). [`parse_allowing_trailing_commas`] also
//! takes a comma before a closing bracket, as a vendor's documented answer has one.

use super::{Map, Number, Value, N};

/// Containers may nest this deep, minus one (serde_json's limit).
const DEPTH_LIMIT: usize = 128;

/// Why a text is not JSON: what was wrong, and where (line and column, from 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonError {
    what: &'static str,
    line: usize,
    column: usize,
}

impl std::fmt::Display for JsonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} at line {} column {}",
            self.what, self.line, self.column
        )
    }
}

impl std::error::Error for JsonError {}

/// Parses one JSON value; only whitespace may follow it.
pub fn parse(text: &str) -> Result<Value, JsonError> {
    parse_with(text, false)
}

/// [`parse`], also taking a comma after the last item of an array or object (`[1,2,]`), as the
/// EPM reference's "Job Completes without Errors" example has one.
pub fn parse_allowing_trailing_commas(text: &str) -> Result<Value, JsonError> {
    parse_with(text, true)
}

fn parse_with(text: &str, trailing_commas: bool) -> Result<Value, JsonError> {
    let mut p = Parser {
        text,
        at: 0,
        depth: 0,
        trailing_commas,
    };
    let value = p.value()?;
    p.skip_whitespace();
    match p.peek() {
        None => Ok(value),
        Some(_) => Err(p.error("trailing characters")),
    }
}

/// Parses UTF-8 bytes as one JSON value.
pub fn parse_bytes(bytes: &[u8]) -> Result<Value, JsonError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => parse(text),
        Err(e) => {
            let valid = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default();
            Err(error_at(valid, valid.len(), "invalid UTF-8"))
        }
    }
}

fn error_at(text: &str, at: usize, what: &'static str) -> JsonError {
    let before = &text.as_bytes()[..at];
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    JsonError {
        what,
        line: 1 + before.iter().filter(|&&b| b == b'\n').count(),
        column: 1 + String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count(),
    }
}

struct Parser<'a> {
    text: &'a str,
    /// Byte offset of the next character.
    at: usize,
    /// Containers open around the current position.
    depth: usize,
    /// A comma may come before a closing bracket.
    trailing_commas: bool,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.at += 1;
        Some(b)
    }

    fn error(&self, what: &'static str) -> JsonError {
        error_at(self.text, self.at.min(self.text.len()), what)
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn value(&mut self) -> Result<Value, JsonError> {
        self.skip_whitespace();
        match self.peek() {
            None => Err(self.error("EOF while parsing a value")),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'"') => {
                self.at += 1;
                self.string().map(Value::String)
            }
            Some(b'[') => self.nested(Parser::array),
            Some(b'{') => self.nested(Parser::object),
            Some(b'-' | b'0'..=b'9') => self.number().map(Value::Number),
            Some(_) => Err(self.error("expected value")),
        }
    }

    fn literal(&mut self, word: &str, value: Value) -> Result<Value, JsonError> {
        for expected in word.bytes() {
            match self.next() {
                Some(b) if b == expected => {}
                None => return Err(self.error("EOF while parsing a value")),
                Some(_) => {
                    self.at -= 1;
                    return Err(self.error("expected value"));
                }
            }
        }
        Ok(value)
    }

    /// Parses a container (its opening bracket next) one level deeper.
    fn nested(
        &mut self,
        container: fn(&mut Self) -> Result<Value, JsonError>,
    ) -> Result<Value, JsonError> {
        self.depth += 1;
        if self.depth >= DEPTH_LIMIT {
            return Err(self.error("recursion limit exceeded"));
        }
        self.at += 1;
        let value = container(self);
        self.depth -= 1;
        value
    }

    /// After a comma: whether trailing commas are taken and `close` comes next (then read).
    fn closes_after_comma(&mut self, close: u8) -> bool {
        if !self.trailing_commas {
            return false;
        }
        self.skip_whitespace();
        let closes = self.peek() == Some(close);
        self.at += usize::from(closes);
        closes
    }

    fn array(&mut self) -> Result<Value, JsonError> {
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.at += 1;
            return Ok(Value::Array(items));
        }
        loop {
            items.push(self.value()?);
            self.skip_whitespace();
            match self.next() {
                Some(b',') if self.closes_after_comma(b']') => return Ok(Value::Array(items)),
                Some(b',') => {}
                Some(b']') => return Ok(Value::Array(items)),
                None => return Err(self.error("EOF while parsing a list")),
                Some(_) => {
                    self.at -= 1;
                    return Err(self.error("expected `,` or `]`"));
                }
            }
        }
    }

    fn object(&mut self) -> Result<Value, JsonError> {
        let mut entries = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Ok(Value::Object(Map::default()));
        }
        loop {
            self.skip_whitespace();
            self.expect_in_object(b'"', "key must be a string")?;
            let key = self.string()?;
            self.skip_whitespace();
            self.expect_in_object(b':', "expected `:`")?;
            entries.push((key, self.value()?));
            self.skip_whitespace();
            match self.next() {
                Some(b',') if self.closes_after_comma(b'}') => {
                    return Ok(Value::Object(entries.into_iter().collect()))
                }
                Some(b',') => {}
                Some(b'}') => return Ok(Value::Object(entries.into_iter().collect())),
                None => return Err(self.error("EOF while parsing an object")),
                Some(_) => {
                    self.at -= 1;
                    return Err(self.error("expected `,` or `}`"));
                }
            }
        }
    }

    /// Reads `byte` inside an object, or fails with `wrong` (pointing at what is there instead) or at the end.
    fn expect_in_object(&mut self, byte: u8, wrong: &'static str) -> Result<(), JsonError> {
        match self.next() {
            Some(b) if b == byte => Ok(()),
            None => Err(self.error("EOF while parsing an object")),
            Some(_) => {
                self.at -= 1;
                Err(self.error(wrong))
            }
        }
    }

    /// The rest of a string, its opening quote read.
    fn string(&mut self) -> Result<String, JsonError> {
        let mut out = String::new();
        loop {
            let start = self.at;
            let bytes = self.text.as_bytes();
            while bytes
                .get(self.at)
                .is_some_and(|&b| b != b'"' && b != b'\\' && b >= 0x20)
            {
                self.at += 1;
            }
            // Stopped at an ASCII byte or the end: a character boundary.
            out.push_str(&self.text[start..self.at]);
            match self.next() {
                Some(b'"') => return Ok(out),
                Some(b'\\') => self.escape(&mut out)?,
                None => return Err(self.error("EOF while parsing a string")),
                Some(_) => {
                    self.at -= 1;
                    return Err(self.error(
                        "control character (\\u0000-\\u001F) found while parsing a string",
                    ));
                }
            }
        }
    }

    /// One escape, its backslash read.
    fn escape(&mut self, out: &mut String) -> Result<(), JsonError> {
        let c = match self.next() {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => self.unicode_escape()?,
            None => return Err(self.error("EOF while parsing a string")),
            Some(_) => {
                self.at -= 1;
                return Err(self.error("invalid escape"));
            }
        };
        out.push(c);
        Ok(())
    }

    /// The character of `\uXXXX` (its `\u` read), or of a surrogate pair `\uD83D\uDE00`.
    fn unicode_escape(&mut self) -> Result<char, JsonError> {
        let first = self.hex4()?;
        let code = match first {
            0xD800..=0xDBFF => {
                if !self.text[self.at..].starts_with("\\u") {
                    return Err(self.error("unexpected end of hex escape"));
                }
                self.at += 2;
                match self.hex4()? {
                    low @ 0xDC00..=0xDFFF => {
                        0x1_0000 + ((u32::from(first) - 0xD800) << 10) + (u32::from(low) - 0xDC00)
                    }
                    _ => return Err(self.error("lone leading surrogate in hex escape")),
                }
            }
            other => u32::from(other),
        };
        char::from_u32(code).ok_or_else(|| self.error("lone trailing surrogate in hex escape"))
    }

    fn hex4(&mut self) -> Result<u16, JsonError> {
        let mut n = 0u16;
        for _ in 0..4 {
            let digit = match self.peek() {
                None => return Err(self.error("EOF while parsing a string")),
                Some(b) => (b as char).to_digit(16),
            };
            let digit = digit.ok_or_else(|| self.error("invalid escape"))?;
            self.at += 1;
            n = n * 16 + digit as u16;
        }
        Ok(n)
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.at += 1;
        }
        self.at - start
    }

    /// A number: `-`? (`0` | `[1-9][0-9]*`) (`.` digits)? (`e` sign? digits)?
    fn number(&mut self) -> Result<Number, JsonError> {
        let start = self.at;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.at += 1;
        }
        let int_start = self.at;
        match self.digits() {
            0 => return Err(self.error("invalid number")),
            n if n > 1 && self.text.as_bytes()[int_start] == b'0' => {
                self.at = int_start + 1;
                return Err(self.error("invalid number"));
            }
            _ => {}
        }
        let int_end = self.at;
        let mut float = false;
        if self.peek() == Some(b'.') {
            self.at += 1;
            float = true;
            if self.digits() == 0 {
                return Err(self.error("invalid number"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            float = true;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            if self.digits() == 0 {
                return Err(self.error("invalid number"));
            }
        }
        let text = &self.text[start..self.at];
        if !float {
            if let Ok(n) = self.text[int_start..int_end].parse::<u64>() {
                return Ok(integer(negative, n));
            }
        }
        match super::float::parse_f64(text) {
            Some(f) => Ok(Number(N::Float(f))),
            None => Err(error_at(self.text, start, "number out of range")),
        }
    }
}

/// An integer as serde_json keeps it: `-0` and those below `i64::MIN` become floats.
fn integer(negative: bool, magnitude: u64) -> Number {
    match (negative, magnitude) {
        (false, n) => Number(N::PosInt(n)),
        (true, 0) => Number(N::Float(-0.0)),
        (true, n) if n <= 1 << 63 => Number(N::NegInt(0i64.wrapping_sub_unsigned(n))),
        (true, n) => Number(N::Float(-(n as f64))),
    }
}
