//! From bytes to text: which encoding the file is in, and refusing what is not text.

use super::words::find_byte;
use super::{IntakeError, MAX_BYTES};

/// How the text was obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// UTF-8 without a byte order mark.
    Utf8,
    /// UTF-8 starting with a byte order mark (Excel's "CSV UTF-8").
    Utf8Bom,
    /// UTF-16 little-endian with a byte order mark (Excel's "Unicode text").
    Utf16Le,
    /// UTF-16 big-endian with a byte order mark.
    Utf16Be,
    /// UTF-16 little-endian without a byte order mark, recognised by its NUL bytes.
    Utf16LeNoBom,
    /// UTF-16 big-endian without a byte order mark, recognised by its NUL bytes.
    Utf16BeNoBom,
    /// Windows-1252, used when the bytes are not valid UTF-8.
    Windows1252,
    /// Windows-1252, although the lines before `line` hold UTF-8 accents: the first byte that is not
    /// UTF-8 is on `line`. A file saved partly in each encoding; its UTF-8 accents read wrongly.
    Windows1252AfterUtf8 { line: u32 },
    /// Text pasted into the page: no decoding took place.
    Pasted,
}

impl Encoding {
    /// The name shown to the admin.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf8Bom => "UTF-8 with BOM",
            Encoding::Utf16Le => "UTF-16 LE",
            Encoding::Utf16Be => "UTF-16 BE",
            Encoding::Utf16LeNoBom => "UTF-16 LE (no BOM)",
            Encoding::Utf16BeNoBom => "UTF-16 BE (no BOM)",
            Encoding::Windows1252 | Encoding::Windows1252AfterUtf8 { .. } => "ANSI (Windows-1252)",
            Encoding::Pasted => "pasted text",
        }
    }

    /// What the admin should know about how the text was read, if anything.
    pub fn warning(self) -> Option<String> {
        match self {
            Encoding::Windows1252AfterUtf8 { line } => Some(format!(
                "The file mixes encodings: it holds UTF-8 accents before line {line}, where a byte is not UTF-8, so it was \
                 read as ANSI (Windows-1252) and those accents show wrongly (é as Ã©). Save it again as CSV UTF-8 and take \
                 it in again."
            )),
            _ => None,
        }
    }

    fn is_utf16(self) -> bool {
        matches!(
            self,
            Encoding::Utf16Le | Encoding::Utf16Be | Encoding::Utf16LeNoBom | Encoding::Utf16BeNoBom
        )
    }

    /// Whether tab is the likeliest delimiter: Excel writes UTF-16 "Unicode text" tab-separated, and
    /// cells copied from a spreadsheet are pasted tab-separated.
    pub(crate) fn prefers_tab(self) -> bool {
        self.is_utf16() || self == Encoding::Pasted
    }
}

/// Formats a file is often mistaken for a CSV in, by their first bytes.
const MAGIC: &[(&[u8], &str)] = &[
    (
        b"PK\x03\x04",
        "a ZIP archive (an Excel .xlsx workbook is one)",
    ),
    (b"PK\x05\x06", "an empty ZIP archive"),
    (
        b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1",
        "an Excel 97-2003 workbook (.xls) or another old Office document",
    ),
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG\r\n\x1A\n", "a PNG image"),
    (b"\xFF\xD8\xFF", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\x1F\x8B", "a gzip-compressed file"),
    (b"7z\xBC\xAF\x27\x1C", "a 7-Zip archive"),
];

/// Decodes a file's bytes. Takes ownership so that UTF-8, the common case, is not copied.
pub fn decode(bytes: Vec<u8>) -> Result<(String, Encoding), IntakeError> {
    let mut decoder = Decoder::new(bytes)?;
    loop {
        if let Some(done) = decoder.step(usize::MAX)? {
            return Ok(done);
        }
    }
}

/// Decoding a piece at a time: [`Decoder::step`] looks at a number of input bytes and hands back the text once
/// the input is decoded. The outcome is the same however it is cut.
pub(crate) struct Decoder {
    stage: Stage,
    /// Input bytes, for progress.
    len: usize,
}

enum Stage {
    /// UTF-8 or ANSI: looking for a NUL byte (which refuses the file) up to `pos`, before validating.
    FindNul {
        bytes: Vec<u8>,
        pos: usize,
    },
    /// UTF-8 with a BOM (removed), valid: looking for a NUL character up to `pos`.
    FindNulInText {
        text: String,
        pos: usize,
    },
    /// Not UTF-8: Windows-1252, decoded up to `pos`.
    Ansi {
        bytes: Vec<u8>,
        pos: usize,
        text: String,
        encoding: Encoding,
    },
    Utf16(Utf16),
    /// Handed out.
    Done,
}

/// UTF-16 decoded up to `pos` (a unit boundary, never inside a surrogate pair).
struct Utf16 {
    bytes: Vec<u8>,
    pos: usize,
    big_endian: bool,
    encoding: Encoding,
    text: String,
    /// The line `pos` is on, and whether the last character was a CR.
    line: u32,
    after_cr: bool,
    /// Where in `text` the first U+0000 is.
    first_nul: Option<usize>,
}

impl Decoder {
    /// Checks what needs no decoding (empty, too large, a known binary format) and picks the encoding.
    pub(crate) fn new(mut bytes: Vec<u8>) -> Result<Decoder, IntakeError> {
        let len = bytes.len();
        if bytes.is_empty() {
            return Err(IntakeError::Empty { pasted: false });
        }
        check_size(bytes.len())?;
        if let Some((_, looks_like)) = MAGIC.iter().find(|(magic, _)| bytes.starts_with(magic)) {
            return Err(IntakeError::NotText { looks_like });
        }
        let utf16 = |start: usize, big_endian: bool, encoding: Encoding, bytes: Vec<u8>| {
            let total = bytes.len();
            if !(total - start).is_multiple_of(2) {
                return Err(IntakeError::TruncatedUtf16 { bytes: total });
            }
            let text = String::with_capacity((total - start) / 2 * 3 / 2);
            Ok(Stage::Utf16(Utf16 {
                bytes,
                pos: start,
                big_endian,
                encoding,
                text,
                line: 1,
                after_cr: false,
                first_nul: None,
            }))
        };
        let stage = if bytes.starts_with(b"\xEF\xBB\xBF") {
            bytes.drain(..3);
            match String::from_utf8(bytes) {
                Ok(text) => Stage::FindNulInText { text, pos: 0 },
                Err(e) => {
                    let at = e.utf8_error().valid_up_to();
                    return Err(IntakeError::InvalidUtf8 {
                        line: line_at(e.as_bytes(), at),
                    });
                }
            }
        } else if bytes.starts_with(b"\xFF\xFE") {
            utf16(2, false, Encoding::Utf16Le, bytes)?
        } else if bytes.starts_with(b"\xFE\xFF") {
            utf16(2, true, Encoding::Utf16Be, bytes)?
        } else {
            match bomless_utf16(&bytes) {
                Some(true) => utf16(0, true, Encoding::Utf16BeNoBom, bytes)?,
                Some(false) => utf16(0, false, Encoding::Utf16LeNoBom, bytes)?,
                None => Stage::FindNul { bytes, pos: 0 },
            }
        };
        Ok(Decoder { stage, len })
    }

    /// How far decoding is, from 0 to 1.
    pub(crate) fn progress(&self) -> f64 {
        let at = match &self.stage {
            Stage::FindNul { pos, .. } => *pos / 2,
            Stage::FindNulInText { pos, .. } | Stage::Ansi { pos, .. } => self.len / 2 + *pos / 2,
            Stage::Utf16(u) => u.pos,
            Stage::Done => self.len,
        };
        at as f64 / self.len.max(1) as f64
    }

    /// Decodes about `piece` more input bytes (UTF-8 validation is one piece); the text once it is all decoded.
    pub(crate) fn step(&mut self, piece: usize) -> Result<Option<(String, Encoding)>, IntakeError> {
        let piece = piece.max(1);
        match &mut self.stage {
            Stage::FindNul { bytes, pos } => {
                let end = pos.saturating_add(piece).min(bytes.len());
                if let Some(at) = find_byte(&bytes[*pos..end], 0) {
                    return Err(IntakeError::NulByte {
                        line: line_at(bytes, *pos + at),
                    });
                }
                *pos = end;
                if end == bytes.len() {
                    let bytes = std::mem::take(bytes);
                    match String::from_utf8(bytes) {
                        Ok(text) => return Ok(self.done(text, Encoding::Utf8)),
                        Err(e) => {
                            let valid = e.utf8_error().valid_up_to();
                            let bytes = e.into_bytes();
                            let encoding = if bytes[..valid].is_ascii() {
                                Encoding::Windows1252
                            } else {
                                Encoding::Windows1252AfterUtf8 {
                                    line: line_at(&bytes, valid),
                                }
                            };
                            let text = String::with_capacity(bytes.len() + bytes.len() / 8);
                            self.stage = Stage::Ansi {
                                bytes,
                                pos: 0,
                                text,
                                encoding,
                            };
                        }
                    }
                }
            }
            Stage::FindNulInText { text, pos } => {
                let end = pos.saturating_add(piece).min(text.len());
                if let Some(at) = find_byte(&text.as_bytes()[*pos..end], 0) {
                    return Err(IntakeError::NulByte {
                        line: line_at(text.as_bytes(), *pos + at),
                    });
                }
                *pos = end;
                if end == text.len() {
                    let text = std::mem::take(text);
                    return Ok(self.done(text, Encoding::Utf8Bom));
                }
            }
            Stage::Ansi {
                bytes,
                pos,
                text,
                encoding,
            } => {
                let end = pos.saturating_add(piece).min(bytes.len());
                windows_1252_into(&bytes[*pos..end], text);
                *pos = end;
                if end == bytes.len() {
                    let (text, encoding) = (std::mem::take(text), *encoding);
                    return Ok(self.done(text, encoding));
                }
            }
            Stage::Utf16(utf16) => {
                if utf16.step(piece)? {
                    if let Some(at) = utf16.first_nul {
                        return Err(IntakeError::NulByte {
                            line: line_at(utf16.text.as_bytes(), at),
                        });
                    }
                    let (text, encoding) = (std::mem::take(&mut utf16.text), utf16.encoding);
                    return Ok(self.done(text, encoding));
                }
            }
            Stage::Done => {}
        }
        Ok(None)
    }

    fn done(&mut self, text: String, encoding: Encoding) -> Option<(String, Encoding)> {
        self.stage = Stage::Done;
        Some((text, encoding))
    }
}

impl Utf16 {
    /// Decodes about `piece` more bytes; `Ok(true)` at the end. Refuses broken surrogates, naming their line.
    fn step(&mut self, piece: usize) -> Result<bool, IntakeError> {
        let mut end = self.pos.saturating_add(piece.max(4)).min(self.bytes.len());
        end -= (end - self.pos) % 2;
        let unit = |p: &[u8]| {
            if self.big_endian {
                u16::from_be_bytes([p[0], p[1]])
            } else {
                u16::from_le_bytes([p[0], p[1]])
            }
        };
        // Keep a high surrogate with the low one after it.
        if end < self.bytes.len() && (0xD800..0xDC00).contains(&unit(&self.bytes[end - 2..end])) {
            end -= 2;
        }
        let units = self.bytes[self.pos..end].chunks_exact(2).map(unit);
        // Lines end at LF, CRLF or a lone CR, as everywhere else: a CR counts once the next character is not LF.
        for decoded in char::decode_utf16(units) {
            match decoded {
                Ok(c) => {
                    self.line += u32::from(c == '\n' || self.after_cr);
                    self.after_cr = c == '\r';
                    if c == '\0' && self.first_nul.is_none() {
                        self.first_nul = Some(self.text.len());
                    }
                    self.text.push(c);
                }
                Err(_) => {
                    return Err(IntakeError::InvalidUtf16 {
                        line: self.line + u32::from(self.after_cr),
                    })
                }
            }
        }
        self.pos = end;
        Ok(end == self.bytes.len())
    }
}

/// Refuses more than [`MAX_BYTES`]; the UI may call it with a file's size before reading it.
pub fn check_size(bytes: usize) -> Result<(), IntakeError> {
    if bytes > MAX_BYTES {
        Err(IntakeError::TooLarge { bytes })
    } else {
        Ok(())
    }
}

/// The characters of Windows-1252 bytes 0x80 to 0x9F (the WHATWG mapping: the five undefined
/// bytes stand for the C1 controls of the same value). Every other byte is the code point of its value.
const CP1252_HIGH: [char; 32] = [
    '\u{20AC}', '\u{81}', '\u{201A}', '\u{192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}',
    '\u{2C6}', '\u{2030}', '\u{160}', '\u{2039}', '\u{152}', '\u{8D}', '\u{17D}', '\u{8F}',
    '\u{90}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}',
    '\u{2DC}', '\u{2122}', '\u{161}', '\u{203A}', '\u{153}', '\u{9D}', '\u{17E}', '\u{178}',
];

/// Decodes Windows-1252 ("ANSI"): every byte is one character.
#[cfg(test)]
fn windows_1252(bytes: &[u8]) -> String {
    let mut text = String::new();
    windows_1252_into(bytes, &mut text);
    text
}

/// Appends Windows-1252 bytes to `text`, decoded.
fn windows_1252_into(bytes: &[u8], text: &mut String) {
    text.extend(bytes.iter().map(|&b| match b {
        0x80..=0x9F => CP1252_HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }));
}

/// `Some(big_endian)` when the first bytes have the NUL pattern of ASCII text in UTF-16.
fn bomless_utf16(bytes: &[u8]) -> Option<bool> {
    let sample = &bytes[..bytes.len().min(1024)];
    let pairs = sample.len() / 2;
    if pairs < 2 {
        return None;
    }
    let even_nul = sample
        .iter()
        .step_by(2)
        .take(pairs)
        .filter(|&&b| b == 0)
        .count();
    let odd_nul = sample
        .iter()
        .skip(1)
        .step_by(2)
        .filter(|&&b| b == 0)
        .count();
    let mostly = |n: usize| n * 10 >= pairs * 9;
    let rarely = |n: usize| n * 10 <= pairs;
    if mostly(even_nul) && rarely(odd_nul) {
        Some(true)
    } else if mostly(odd_nul) && rarely(even_nul) {
        Some(false)
    } else {
        None
    }
}

/// The 1-based line holding byte `at`, counting LF, CRLF and lone CR as line ends.
fn line_at(bytes: &[u8], at: usize) -> u32 {
    let before = &bytes[..at];
    let lf = before.iter().filter(|&&b| b == b'\n').count();
    let lone_cr = before
        .windows(2)
        .filter(|w| w[0] == b'\r' && w[1] != b'\n')
        .count();
    let trailing_cr = usize::from(before.last() == Some(&b'\r') && bytes.get(at) != Some(&b'\n'));
    (1 + lf + lone_cr + trailing_cr) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_windows_1252_byte_decodes_as_the_whatwg_standard_says() {
        let all: Vec<u8> = (0..=255).collect();
        let expected = encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(&all)
            .0;
        assert_eq!(windows_1252(&all), expected);
    }

    fn utf16le(s: &str, bom: bool) -> Vec<u8> {
        let mut out = if bom { vec![0xFF, 0xFE] } else { vec![] };
        out.extend(s.encode_utf16().flat_map(u16::to_le_bytes));
        out
    }

    fn utf16be(s: &str, bom: bool) -> Vec<u8> {
        let mut out = if bom { vec![0xFE, 0xFF] } else { vec![] };
        out.extend(s.encode_utf16().flat_map(u16::to_be_bytes));
        out
    }

    #[test]
    fn utf8_without_and_with_bom() {
        assert_eq!(
            decode("login\nzoë\n".into()).unwrap(),
            ("login\nzoë\n".into(), Encoding::Utf8)
        );
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend("login\nzoë\n".as_bytes());
        assert_eq!(
            decode(bytes).unwrap(),
            ("login\nzoë\n".into(), Encoding::Utf8Bom)
        );
    }

    #[test]
    fn utf16_with_bom_both_byte_orders() {
        let text = "User Login\tName\r\nzoë@example.com\tZoë\r\n";
        assert_eq!(
            decode(utf16le(text, true)).unwrap(),
            (text.into(), Encoding::Utf16Le)
        );
        assert_eq!(
            decode(utf16be(text, true)).unwrap(),
            (text.into(), Encoding::Utf16Be)
        );
        assert_eq!(Encoding::Utf16Le.name(), "UTF-16 LE");
    }

    #[test]
    fn utf16_without_bom_is_recognised_by_its_nul_bytes() {
        let text = "login\njdoe\nasmith\n";
        assert_eq!(
            decode(utf16le(text, false)).unwrap(),
            (text.into(), Encoding::Utf16LeNoBom)
        );
        assert_eq!(
            decode(utf16be(text, false)).unwrap(),
            (text.into(), Encoding::Utf16BeNoBom)
        );
    }

    #[test]
    fn utf16_outside_the_basic_plane_decodes() {
        let text = "login\nemoji😀user\n";
        assert_eq!(decode(utf16le(text, true)).unwrap().0, text);
    }

    #[test]
    fn invalid_utf8_is_read_as_windows_1252_and_named_ansi() {
        let (text, encoding) = decode(b"login\nren\xE9e\n\x80uro\n".to_vec()).unwrap();
        assert_eq!(text, "login\nrenée\n€uro\n");
        assert_eq!(encoding, Encoding::Windows1252);
        assert_eq!(encoding.name(), "ANSI (Windows-1252)");
    }

    #[test]
    fn empty_file_is_refused() {
        assert_eq!(decode(vec![]), Err(IntakeError::Empty { pasted: false }));
        assert_eq!(
            IntakeError::Empty { pasted: false }.to_string(),
            "The file is empty (0 bytes)."
        );
    }

    #[test]
    fn file_over_the_limit_is_refused_before_anything_else() {
        let err = decode(vec![0; MAX_BYTES + 1]).unwrap_err();
        assert_eq!(
            err,
            IntakeError::TooLarge {
                bytes: MAX_BYTES + 1
            }
        );
        assert_eq!(check_size(MAX_BYTES), Ok(()));
    }

    #[test]
    fn binary_formats_are_named() {
        let cases: &[(&[u8], &str)] = &[
            (
                b"PK\x03\x04\x14\x00rest",
                "ZIP archive (an Excel .xlsx workbook is one)",
            ),
            (b"%PDF-1.7\n", "PDF document"),
            (b"\x89PNG\r\n\x1A\n\0\0", "PNG image"),
            (b"\x1F\x8B\x08\0", "gzip-compressed file"),
            (b"\xFF\xD8\xFF\xE0", "JPEG image"),
            (
                b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0",
                "Excel 97-2003 workbook (.xls)",
            ),
        ];
        for (bytes, name) in cases {
            let message = decode(bytes.to_vec()).unwrap_err().to_string();
            assert!(message.contains(name), "{message}");
            assert!(message.starts_with("This is not a text file"), "{message}");
        }
    }

    #[test]
    fn nul_byte_in_utf8_or_ansi_names_its_line() {
        let err = decode(b"login\njdoe\nas\0mith\n".to_vec()).unwrap_err();
        assert_eq!(err, IntakeError::NulByte { line: 3 });
        assert_eq!(
            err.to_string(),
            "This is not a text file: line 3 contains a NUL byte. Save the list as CSV and use that file."
        );
        assert_eq!(
            decode(b"a\r\nb\rc\xE9\0".to_vec()),
            Err(IntakeError::NulByte { line: 3 })
        );
    }

    #[test]
    fn nul_character_inside_utf16_is_refused() {
        let err = decode(utf16le("login\njd\0oe\n", true)).unwrap_err();
        assert_eq!(err, IntakeError::NulByte { line: 2 });
    }

    #[test]
    fn odd_length_utf16_is_reported_as_cut_short() {
        let mut bytes = utf16le("login\njdoe\n", true);
        bytes.pop();
        let err = decode(bytes.clone()).unwrap_err();
        assert_eq!(err, IntakeError::TruncatedUtf16 { bytes: bytes.len() });
        assert!(err
            .to_string()
            .contains("odd number of bytes (23): it is cut short"));
    }

    #[test]
    fn unpaired_surrogate_in_utf16_names_its_line() {
        let mut bytes = utf16le("login\njdoe\n", true);
        bytes.extend([0x00, 0xD8, b'x', 0x00]);
        assert_eq!(decode(bytes), Err(IntakeError::InvalidUtf16 { line: 3 }));
    }

    #[test]
    fn unpaired_surrogate_in_utf16_counts_cr_only_and_crlf_line_ends() {
        for (text, line) in [
            ("login\rjdoe\r", 3),
            ("login\rjd", 2),
            ("a\r\nb\rc\nd", 4),
            ("a\r\n\r\n", 3),
        ] {
            let mut bytes = utf16le(text, true);
            bytes.extend([0x00, 0xDC]);
            assert_eq!(
                decode(bytes),
                Err(IntakeError::InvalidUtf16 { line }),
                "{text:?}"
            );
        }
    }

    #[test]
    fn bom_marked_utf8_that_is_not_utf8_names_its_line() {
        assert_eq!(
            decode(b"\xEF\xBB\xBFlogin\r\nren\xE9e\r\n".to_vec()),
            Err(IntakeError::InvalidUtf8 { line: 2 })
        );
    }

    #[test]
    fn the_first_nul_is_found_wherever_it_is() {
        for at in 0..20 {
            let mut bytes = vec![b'a'; 20];
            bytes[at] = 0;
            if at < 19 {
                bytes[19] = 0;
            }
            assert_eq!(find_byte(&bytes, 0), Some(at));
        }
        assert_eq!(find_byte(&[0x80, 0x01, 0xFF, 1, 2, 3, 4, 5, 6], 0), None);
    }

    #[test]
    fn lines_are_counted_across_all_line_ends() {
        assert_eq!(line_at(b"a\r\nb\rc\nd", 8), 4);
        assert_eq!(line_at(b"a\r\nb", 2), 1);
        assert_eq!(line_at(b"a\rb", 2), 2);
    }
}
