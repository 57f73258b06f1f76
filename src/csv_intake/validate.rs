//! One identifier: cleaning invisible characters, and checking its shape for the target.

use std::borrow::Cow;
use std::fmt;

use super::words::{exact_zero_bytes, load, splat, HIGH, ONES};
use crate::target::Target;

/// Why a value cannot be an identifier for the target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Invalid {
    /// The identifier cell is empty (or missing) while the row has other values.
    Empty,
    /// A line break inside the value (a quoted value spanning lines).
    LineBreak,
    /// A control character inside the value.
    ControlChar(char),
    /// RSA: not 8-4-4-4-12 hexadecimal digits.
    NotUserId,
    /// RSA: the all-zero user ID, which no user has (the template's example row).
    NilUserId,
    /// RSA: an e-mail address, which must be resolved to a user ID first.
    RsaEmail,
    /// Several e-mail addresses in one cell (`a@x.com; b@x.com`): how many.
    SeveralAddresses { count: u32 },
    /// EPM: whitespace inside the login (the character found).
    Space(char),
    /// EPM: longer than [`MAX_LOGIN_CHARS`] characters.
    TooLong { chars: u32 },
}

/// The longest EPM login accepted, in characters.
pub const MAX_LOGIN_CHARS: usize = 255;

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Invalid::Empty => write!(f, "the identifier cell is empty"),
            Invalid::LineBreak => write!(f, "contains a line break"),
            Invalid::ControlChar(c) => write!(f, "contains the control character U+{:04X}", *c as u32),
            Invalid::NotUserId => write!(f, "not a user ID: a user ID is 8-4-4-4-12 hexadecimal digits"),
            Invalid::NilUserId => write!(
                f,
                "the all-zero user ID, which no user has: the template's example row, to replace with real ones"
            ),
            Invalid::RsaEmail => write!(
                f,
                "an e-mail address, not a user ID: RSA removes users by user ID, so look the user ID up first"
            ),
            Invalid::SeveralAddresses { count } => {
                write!(f, "the cell holds {count} e-mail addresses: put one user per row")
            }
            Invalid::Space(' ') => write!(f, "a login cannot contain a space"),
            Invalid::Space(c) => write!(f, "a login cannot contain a space ({}, U+{:04X})", space_name(*c), *c as u32),
            Invalid::TooLong { chars } => {
                write!(f, "{chars} characters long; a login has at most {MAX_LOGIN_CHARS}")
            }
        }
    }
}

/// Something worth telling the admin about a value that was still read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Note {
    /// Invisible characters were removed: how many, and the first one.
    Invisible { first: char, count: u32 },
    /// A non-ASCII letter among ASCII letters, which may be a look-alike (Cyrillic `а` for Latin `a`).
    LookAlike(char),
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Note::Invisible { first, count: 1 } => {
                write!(
                    f,
                    "removed an invisible character: {} (U+{:04X})",
                    invisible_name(*first),
                    *first as u32
                )
            }
            Note::Invisible { first, count } => write!(
                f,
                "removed {count} invisible characters, the first a {} (U+{:04X})",
                invisible_name(*first),
                *first as u32
            ),
            Note::LookAlike(c) => write!(
                f,
                "'{c}' (U+{:04X}) is not an ASCII letter: check it is not a look-alike of one",
                *c as u32
            ),
        }
    }
}

/// A value after cleaning, with what was found.
#[derive(Debug, PartialEq, Eq)]
pub struct Checked<'a> {
    /// Trimmed, invisible characters removed: borrowed from the raw value unless characters were removed.
    pub value: Cow<'a, str>,
    pub invisible: Option<Note>,
    pub look_alike: Option<Note>,
    pub shape: Result<(), Invalid>,
    pub email: bool,
    /// Whether the value is ASCII (then `fold_hash` can skip looking).
    pub ascii: bool,
}

/// Cleans `raw` and checks it against the target's identifier shape.
#[inline(always)]
pub fn check(raw: &str, target: Target) -> Checked<'_> {
    if is_plain_ascii(raw.as_bytes()) {
        // Nothing to trim or clean, no space, control character or '@': only the shape is left to check.
        let plain = AsciiScan {
            control: None,
            space: None,
            email: false,
            ats: false,
        };
        return Checked {
            value: Cow::Borrowed(raw),
            invisible: None,
            look_alike: None,
            shape: shape_ascii(raw.as_bytes(), target, &plain),
            email: false,
            ascii: true,
        };
    }
    check_any(raw, target)
}

/// [`check`] of any value (kept out of line: [`check`] is inlined where rows are classified).
#[inline(never)]
fn check_any(raw: &str, target: Target) -> Checked<'_> {
    if raw.is_ascii() {
        let value = trim_ascii(raw);
        let scan = scan_ascii(value.as_bytes());
        let shape = shape_ascii(value.as_bytes(), target, &scan);
        return Checked {
            value: Cow::Borrowed(value),
            invisible: None,
            look_alike: None,
            shape,
            email: scan.email,
            ascii: true,
        };
    }
    let (value, invisible) = clean(raw);
    let look_alike = look_alike(&value);
    let email = looks_like_email(&value);
    let shape = shape(&value, target, email);
    let ascii = value.is_ascii();
    Checked {
        value,
        invisible,
        look_alike,
        shape,
        email,
        ascii,
    }
}

/// Whether every byte of `value` is printable ASCII other than a space and `@`, the common case [`check`] takes
/// in one pass: eight bytes at a time (the last eight overlapping the ones before), or a byte at a time when
/// shorter.
#[inline(always)]
fn is_plain_ascii(value: &[u8]) -> bool {
    let Some(last) = value.len().checked_sub(8) else {
        let mut at = 0;
        while at < value.len() && (0x21..0x7f).contains(&value[at]) && value[at] != b'@' {
            at += 1;
        }
        return at == value.len();
    };
    let (mut found, mut at) = (0, 0);
    while at < last {
        found |= special_bytes(load(&value[at..]));
        at += 8;
    }
    found | special_bytes(load(&value[last..])) == 0
}

/// The high bit of each byte of `w` that is not printable ASCII (a control character, a space, DEL or not ASCII)
/// or is `@`; zero when there is none.
#[inline(always)]
fn special_bytes(w: u64) -> u64 {
    let low = w & !HIGH;
    let below_space = !(low + splat(0x80 - 0x21)) & HIGH;
    let del = (low + ONES) & HIGH;
    (w & HIGH) | below_space | del | exact_zero_bytes(w ^ splat(b'@'))
}

/// An ASCII value without surrounding whitespace: the same as `str::trim`, a byte at a time.
#[inline]
fn trim_ascii(value: &str) -> &str {
    let is_space = |b: &u8| *b == b' ' || (b'\t'..=b'\r').contains(b);
    let bytes = value.as_bytes();
    let start = bytes
        .iter()
        .position(|b| !is_space(b))
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !is_space(b))
        .map_or(start, |i| i + 1);
    &value[start..end]
}

/// Removes invisible characters, then trims whitespace (a non-breaking space at either end counts as invisible).
fn clean(raw: &str) -> (Cow<'_, str>, Option<Note>) {
    let mut first = None;
    let mut count = 0u32;
    let mut note = |c: char| {
        first.get_or_insert(c);
        count += 1;
    };
    let value = if raw.chars().any(is_invisible) {
        let mut kept = String::with_capacity(raw.len());
        for c in raw.chars() {
            if is_invisible(c) {
                note(c);
            } else {
                kept.push(c);
            }
        }
        Cow::Owned(kept)
    } else {
        Cow::Borrowed(raw)
    };
    let trimmed = value.trim();
    let (head, tail) = (
        &value[..value.len() - value.trim_start().len()],
        &value[value.trim_end().len()..],
    );
    for c in head.chars().chain(tail.chars()).filter(|c| !c.is_ascii()) {
        note(c);
    }
    let value = match value {
        Cow::Borrowed(raw) => Cow::Borrowed(raw.trim()),
        Cow::Owned(_) if trimmed.len() == value.len() => value,
        Cow::Owned(_) => Cow::Owned(trimmed.to_string()),
    };
    let note = first.map(|first| Note::Invisible { first, count });
    (value, note)
}

/// Characters that show as nothing: zero-width space, joiners, word joiner, BOM, soft hyphen, direction marks.
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

fn invisible_name(c: char) -> &'static str {
    match c {
        '\u{00A0}' => "non-breaking space",
        '\u{00AD}' => "soft hyphen",
        '\u{200B}' => "zero-width space",
        '\u{200C}' => "zero-width non-joiner",
        '\u{200D}' => "zero-width joiner",
        '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => {
            "text direction mark"
        }
        '\u{2060}' => "word joiner",
        '\u{FEFF}' => "byte order mark",
        _ => "invisible character",
    }
}

fn space_name(c: char) -> &'static str {
    match c {
        '\u{00A0}' => "a non-breaking space",
        '\t' => "a tab",
        _ => "a wide or special space",
    }
}

fn shape(value: &str, target: Target, email: bool) -> Result<(), Invalid> {
    if value.is_empty() {
        return Err(Invalid::Empty);
    }
    if let Some(c) = value.chars().find(|c| c.is_control() && *c != '\t') {
        return Err(if c == '\n' || c == '\r' {
            Invalid::LineBreak
        } else {
            Invalid::ControlChar(c)
        });
    }
    if value.bytes().filter(|&b| b == b'@').nth(1).is_some() {
        if let Some(count) = several_addresses(value) {
            return Err(Invalid::SeveralAddresses { count });
        }
    }
    match target {
        Target::Rsa if is_user_id(value) => not_nil(value.as_bytes()),
        Target::Rsa if email || email_address(value).is_some() => Err(Invalid::RsaEmail),
        Target::Rsa => Err(Invalid::NotUserId),
        Target::Epm => {
            if let Some(c) = value.chars().find(|c| c.is_whitespace()) {
                return Err(Invalid::Space(c));
            }
            let chars = value.chars().count();
            if chars > MAX_LOGIN_CHARS {
                return Err(Invalid::TooLong {
                    chars: chars as u32,
                });
            }
            Ok(())
        }
    }
}

/// What one pass over an ASCII value finds.
struct AsciiScan {
    control: Option<u8>,
    space: Option<u8>,
    email: bool,
    /// More than one `@`.
    ats: bool,
}

/// Control characters, spaces and e-mail shape of an ASCII value, in one pass (most values are ASCII).
#[inline]
fn scan_ascii(value: &[u8]) -> AsciiScan {
    let (mut control, mut space) = (None, None);
    let (mut ats, mut at, mut dot_after_at) = (0, 0, false);
    for (i, &b) in value.iter().enumerate() {
        match b {
            b'@' => {
                ats += 1;
                at = i;
            }
            b'.' if ats > 0 => dot_after_at = true,
            b' ' | b'\t' => _ = space.get_or_insert(b),
            0..=0x1F | 0x7F => _ = control.get_or_insert(b),
            _ => {}
        }
    }
    let email = ats == 1
        && at > 0
        && dot_after_at
        && value.get(at + 1) != Some(&b'.')
        && value.last() != Some(&b'.')
        && control.is_none()
        && space.is_none();
    AsciiScan {
        control,
        space,
        email,
        ats: ats > 1,
    }
}

/// [`shape`] for an ASCII value.
#[inline(always)]
fn shape_ascii(value: &[u8], target: Target, scan: &AsciiScan) -> Result<(), Invalid> {
    if value.is_empty() {
        return Err(Invalid::Empty);
    }
    if let Some(b) = scan.control {
        return Err(if b == b'\n' || b == b'\r' {
            Invalid::LineBreak
        } else {
            Invalid::ControlChar(b as char)
        });
    }
    if scan.ats {
        let several = std::str::from_utf8(value).ok().and_then(several_addresses);
        if let Some(count) = several {
            return Err(Invalid::SeveralAddresses { count });
        }
    }
    match target {
        Target::Rsa if is_user_id_bytes(value) => not_nil(value),
        Target::Rsa
            if scan.email
                || std::str::from_utf8(value).is_ok_and(|v| email_address(v).is_some()) =>
        {
            Err(Invalid::RsaEmail)
        }
        Target::Rsa => Err(Invalid::NotUserId),
        Target::Epm if scan.space.is_some() => {
            Err(Invalid::Space(scan.space.unwrap_or(b' ') as char))
        }
        Target::Epm if value.len() > MAX_LOGIN_CHARS => Err(Invalid::TooLong {
            chars: value.len() as u32,
        }),
        Target::Epm => Ok(()),
    }
}

/// How many e-mail addresses `value` holds when it holds more than one, separated as recipients are (`,`, `;`
/// or spaces) or as a list's values may be (`|`): `a@x.com; b@x.com`.
fn several_addresses(value: &str) -> Option<u32> {
    let count = value
        .split(|c: char| matches!(c, ',' | ';' | '|') || c.is_whitespace())
        .filter(|part| email_address(part).is_some())
        .count() as u32;
    (count > 1).then_some(count)
}

/// The all-zero user ID.
const NIL_USER_ID: &[u8] = b"00000000-0000-0000-0000-000000000000";

/// A user ID other than [`NIL_USER_ID`].
#[inline(always)]
fn not_nil(user_id: &[u8]) -> Result<(), Invalid> {
    // Most IDs differ at their first digit: only those starting with 0 are compared whole.
    if user_id.first() == Some(&b'0') && user_id == NIL_USER_ID {
        Err(Invalid::NilUserId)
    } else {
        Ok(())
    }
}

/// 8-4-4-4-12 hexadecimal digits, any case; UUID version and variant are not checked.
pub fn is_user_id(value: &str) -> bool {
    is_user_id_bytes(value.as_bytes())
}

#[inline]
fn is_user_id_bytes(b: &[u8]) -> bool {
    b.len() == 36
        && b.iter().enumerate().all(|(i, &c)| match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// `local@domain.tld`: one `@`, something before it, a dot inside the domain, no whitespace.
pub fn looks_like_email(value: &str) -> bool {
    if value.is_ascii() {
        return scan_ascii(value.as_bytes()).email;
    }
    let bytes = value.as_bytes();
    let Some(at) = bytes.iter().position(|&b| b == b'@') else {
        return false;
    };
    let domain = &bytes[at + 1..];
    at > 0
        && !domain.contains(&b'@')
        && domain.contains(&b'.')
        && domain.first() != Some(&b'.')
        && domain.last() != Some(&b'.')
        && !value.chars().any(char::is_whitespace)
}

/// The e-mail address in a cell as mail programs copy it: `a@b.co` itself, `Name <a@b.co>`,
/// `<a@b.co>` or `mailto:a@b.co`, with or without the `;` or `,` that separates recipients in a
/// copied list. `None` when what remains does not look like an address ([`looks_like_email`]).
pub fn email_address(value: &str) -> Option<&str> {
    let mut s = value.trim();
    if let Some(inner) = s.strip_suffix(|c| c == ';' || c == ',').map(str::trim_end) {
        s = inner;
    }
    if let Some(open) = s.rfind('<') {
        s = s[open + 1..].strip_suffix('>')?.trim();
    }
    if s.get(..7)
        .is_some_and(|m| m.eq_ignore_ascii_case("mailto:"))
    {
        s = s[7..].trim_start();
    }
    looks_like_email(s).then_some(s)
}

/// The first letter of a value with ASCII letters that could pass for an ASCII letter: a letter of another
/// script (Cyrillic `а`, Greek `ο`), a fullwidth or mathematical one, or a dotless `ı`. Accented Latin letters
/// (`é`, `ß`) look different and are not flagged.
fn look_alike(value: &str) -> Option<Note> {
    if !value.chars().any(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    value
        .chars()
        .find(|&c| !c.is_ascii() && c.is_alphabetic() && !is_distinct_latin(c))
        .map(Note::LookAlike)
}

/// Latin letters with marks or shapes that no one mistakes for plain ASCII.
fn is_distinct_latin(c: char) -> bool {
    let latin = matches!(c, '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}');
    latin && !matches!(c, '\u{0131}' | '\u{017F}' | '\u{01C0}' | '\u{0237}')
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";

    #[test]
    fn the_one_pass_check_of_plain_values_agrees_with_the_full_check() {
        let specials = [
            '@', ' ', '\t', '\n', '\0', '\x1f', '\x7f', '!', '~', '.', 'é', '\u{200B}', 'A',
        ];
        for len in 0..20 {
            for at in 0..len.max(1) {
                for c in specials {
                    let mut value: String =
                        (0..len).map(|i| (b'a' + (i % 26) as u8) as char).collect();
                    if len > 0 {
                        value.replace_range(at..=at, &c.to_string());
                    }
                    let plain = value
                        .bytes()
                        .all(|b| (0x21..0x7f).contains(&b) && b != b'@');
                    assert_eq!(is_plain_ascii(value.as_bytes()), plain, "{value:?}");
                    for target in [Target::Epm, Target::Rsa] {
                        assert_eq!(
                            check(&value, target),
                            check_any(&value, target),
                            "{value:?}"
                        );
                    }
                }
            }
        }
        assert_eq!(check(&ID.to_uppercase(), Target::Rsa).shape, Ok(()));
        assert_eq!(
            check(&"a".repeat(256), Target::Epm).shape,
            Err(Invalid::TooLong { chars: 256 })
        );
    }

    #[test]
    fn rsa_user_ids_are_8_4_4_4_12_hex_in_any_case_without_version_checks() {
        assert_eq!(check(ID, Target::Rsa).shape, Ok(()));
        assert_eq!(check(&ID.to_uppercase(), Target::Rsa).shape, Ok(()));
        assert_eq!(
            check("00000000-0000-0000-0000-000000000001", Target::Rsa).shape,
            Ok(())
        );
        assert_eq!(
            check("00000000-0000-0000-0000-000000000000", Target::Rsa).shape,
            Err(Invalid::NilUserId),
            "no user has the all-zero ID"
        );
        for bad in [
            "zzzzzzzz-0000-0000-0000-000000000000",
            "0f8fad5bd9cb469fa16570867728950e",
            "{0f8fad5b-d9cb-469f-a165-70867728950e}",
            "0f8fad5b-d9cb-469f-a165-70867728950",
            "jdoe",
        ] {
            assert_eq!(
                check(bad, Target::Rsa).shape,
                Err(Invalid::NotUserId),
                "{bad}"
            );
        }
    }

    #[test]
    fn an_rsa_email_says_to_look_the_user_id_up() {
        let checked = check("jane.doe@example.com", Target::Rsa);
        assert_eq!(checked.shape, Err(Invalid::RsaEmail));
        assert!(checked.email);
        assert_eq!(
            Invalid::RsaEmail.to_string(),
            "an e-mail address, not a user ID: RSA removes users by user ID, so look the user ID up first"
        );
    }

    #[test]
    fn several_addresses_in_one_cell_are_named_as_such_for_both_targets() {
        for (value, count) in [
            ("oscar.costa@example.com; lukas.khan@example.com", 2),
            ("a@x.com,b@x.com", 2),
            ("A <a@x.com>, B <b@x.com>, c@x.com", 3),
            ("ä@x.com;b@x.com", 2),
            ("a@example.com|b@example.com", 2),
        ] {
            for target in [Target::Rsa, Target::Epm] {
                let shape = check(value, target).shape;
                assert_eq!(shape, Err(Invalid::SeveralAddresses { count }), "{value:?}");
            }
        }
        assert_eq!(
            Invalid::SeveralAddresses { count: 2 }.to_string(),
            "the cell holds 2 e-mail addresses: put one user per row"
        );
        // One address, or a login with two '@' that is not two addresses, keeps its own reason.
        assert_eq!(
            check("Jane <jane@x.com>", Target::Rsa).shape,
            Err(Invalid::RsaEmail)
        );
        assert_eq!(check("a@b@x.com", Target::Epm).shape, Ok(()));
        assert_eq!(
            check("a@x.com b", Target::Epm).shape,
            Err(Invalid::Space(' '))
        );
    }

    #[test]
    fn epm_logins_refuse_spaces_control_characters_and_excess_length() {
        assert_eq!(check("jane.doe@example.com", Target::Epm).shape, Ok(()));
        assert_eq!(check("jdoe", Target::Epm).shape, Ok(()));
        assert_eq!(
            check("jane doe", Target::Epm).shape,
            Err(Invalid::Space(' '))
        );
        assert_eq!(
            check("jane\u{A0}doe", Target::Epm).shape,
            Err(Invalid::Space('\u{A0}'))
        );
        assert_eq!(
            check("jane\tdoe", Target::Epm).shape,
            Err(Invalid::Space('\t'))
        );
        assert_eq!(
            check("ja\u{7}ne", Target::Epm).shape,
            Err(Invalid::ControlChar('\u{7}'))
        );
        assert_eq!(
            check("two\nlines", Target::Epm).shape,
            Err(Invalid::LineBreak)
        );
        assert_eq!(check(&"a".repeat(255), Target::Epm).shape, Ok(()));
        assert_eq!(
            check(&"é".repeat(256), Target::Epm).shape,
            Err(Invalid::TooLong { chars: 256 })
        );
        assert_eq!(
            Invalid::TooLong { chars: 256 }.to_string(),
            "256 characters long; a login has at most 255"
        );
        assert_eq!(
            Invalid::Space('\u{A0}').to_string(),
            "a login cannot contain a space (a non-breaking space, U+00A0)"
        );
    }

    #[test]
    fn empty_values_are_invalid_for_both_targets() {
        assert_eq!(check("   ", Target::Epm).shape, Err(Invalid::Empty));
        assert_eq!(check("", Target::Rsa).shape, Err(Invalid::Empty));
    }

    #[test]
    fn invisible_characters_are_removed_and_reported() {
        for c in [
            '\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}', '\u{AD}',
        ] {
            let raw = format!("jd{c}oe");
            let checked = check(&raw, Target::Epm);
            assert_eq!(checked.value, "jdoe", "{:?}", c);
            assert_eq!(
                checked.invisible,
                Some(Note::Invisible { first: c, count: 1 })
            );
            assert_eq!(checked.shape, Ok(()));
        }
        let checked = check("\u{FEFF}\u{A0}jdoe\u{200B}\u{A0}", Target::Epm);
        assert_eq!(checked.value, "jdoe");
        assert_eq!(
            checked.invisible,
            Some(Note::Invisible {
                first: '\u{FEFF}',
                count: 4
            })
        );
        assert_eq!(
            checked.invisible.unwrap().to_string(),
            "removed 4 invisible characters, the first a byte order mark (U+FEFF)"
        );
        assert_eq!(
            Note::Invisible {
                first: '\u{200B}',
                count: 1
            }
            .to_string(),
            "removed an invisible character: zero-width space (U+200B)"
        );
    }

    #[test]
    fn a_user_id_with_a_zero_width_space_is_still_a_user_id() {
        let raw = format!("{ID}\u{200B}");
        let checked = check(&raw, Target::Rsa);
        assert_eq!(checked.value, ID);
        assert_eq!(checked.shape, Ok(()));
    }

    #[test]
    fn non_ascii_letters_among_ascii_letters_are_flagged_as_possible_look_alikes() {
        let checked = check("j\u{430}ne.doe@example.com", Target::Epm);
        assert_eq!(checked.look_alike, Some(Note::LookAlike('\u{430}')));
        assert_eq!(checked.shape, Ok(()));
        assert_eq!(
            Note::LookAlike('\u{430}').to_string(),
            "'\u{430}' (U+0430) is not an ASCII letter: check it is not a look-alike of one"
        );
        for spoof in ["\u{FF4A}doe", "\u{3BF}liver", "jdo\u{435}", "\u{131}van"] {
            assert!(check(spoof, Target::Epm).look_alike.is_some(), "{spoof}");
        }
        for plain in [
            "jdoe",
            "ren\u{E9}e",
            "stra\u{DF}e",
            "\u{432}\u{430}\u{441}\u{44F}",
            "\u{C9}lodie",
        ] {
            assert_eq!(check(plain, Target::Epm).look_alike, None, "{plain}");
        }
    }

    #[test]
    fn ascii_trimming_matches_str_trim() {
        for s in ["", " ", " a ", "\t\x0B\x0Ca b\r\n", "ab", "\x1Fa\x1F"] {
            assert_eq!(trim_ascii(s), s.trim(), "{s:?}");
        }
    }

    #[test]
    fn addresses_copied_from_a_mail_program_are_found_and_offered_for_a_lookup() {
        for (cell, address) in [
            ("jane.doe@example.com", "jane.doe@example.com"),
            ("  <emma.garcia@example.com> ", "emma.garcia@example.com"),
            (
                "Emma Garcia <emma.garcia@example.com>",
                "emma.garcia@example.com",
            ),
            (
                "\"Garcia, Emma\" <emma.garcia@example.com>;",
                "emma.garcia@example.com",
            ),
            (
                "mailto:amara.ibrahim@example.com",
                "amara.ibrahim@example.com",
            ),
            (
                "MAILTO:amara.ibrahim@example.com",
                "amara.ibrahim@example.com",
            ),
            ("lena.bianchi@example.com;", "lena.bianchi@example.com"),
            ("lena.bianchi@example.com ,", "lena.bianchi@example.com"),
        ] {
            assert_eq!(email_address(cell), Some(address), "{cell:?}");
            let checked = check(cell, Target::Rsa);
            assert_eq!(checked.shape, Err(Invalid::RsaEmail), "{cell:?}");
        }
        for cell in [
            "Emma Garcia <emma.garcia@example.com",
            "<emma.garcia@example.com> Emma",
            "mailto:",
            "<>",
            "a b@c.co;",
            "jdoe;",
            "\u{E9}",
        ] {
            assert_eq!(email_address(cell), None, "{cell:?}");
            assert_eq!(
                check(cell, Target::Rsa).shape,
                Err(Invalid::NotUserId),
                "{cell:?}"
            );
        }
    }

    #[test]
    fn email_shape() {
        assert!(looks_like_email("a@b.co"));
        assert!(looks_like_email("zo\u{EB}@exampl\u{E9}.fr"));
        for not in [
            "a@b",
            "@b.co",
            "a@.co",
            "a@b.",
            "a@b@c.co",
            "a b@c.co",
            "a\n@b.co",
            "jdoe",
            "z\u{EB} @b.co",
        ] {
            assert!(!looks_like_email(not), "{not:?}");
        }
    }
}
