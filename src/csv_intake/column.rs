//! Finding the identifier column: by its header, or by what its values look like.

use super::table::Table;
use super::validate::{check, is_user_id, looks_like_email};
use crate::target::Target;

/// What a recognised header says its column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HeaderKind {
    /// `user id`, `userID`, `id`, `uuid`, `guid`…
    UserId,
    /// `User Login`, `login`, `username`, `UPN`, `userPrincipalName`, `sAMAccountName`…
    Login,
    /// `email`, `e-mail`, `mail`, `email address`…
    Email,
}

/// Header texts recognised, normalised by [`normalise`], with what they mean.
const ALIASES: &[(&str, HeaderKind)] = &[
    ("userid", HeaderKind::UserId),
    ("id", HeaderKind::UserId),
    ("uid", HeaderKind::UserId),
    ("uuid", HeaderKind::UserId),
    ("guid", HeaderKind::UserId),
    ("objectid", HeaderKind::UserId),
    ("userlogin", HeaderKind::Login),
    ("login", HeaderKind::Login),
    ("loginname", HeaderKind::Login),
    ("loginid", HeaderKind::Login),
    ("username", HeaderKind::Login),
    ("user", HeaderKind::Login),
    ("logon", HeaderKind::Login),
    ("logonname", HeaderKind::Login),
    ("userlogonname", HeaderKind::Login),
    ("samaccountname", HeaderKind::Login),
    ("account", HeaderKind::Login),
    ("accountname", HeaderKind::Login),
    ("upn", HeaderKind::Login),
    ("userprincipalname", HeaderKind::Login),
    ("benutzername", HeaderKind::Login),
    ("anmeldename", HeaderKind::Login),
    ("identifiant", HeaderKind::Login),
    ("utilisateur", HeaderKind::Login),
    ("email", HeaderKind::Email),
    ("emailaddress", HeaderKind::Email),
    ("mail", HeaderKind::Email),
    ("mailaddress", HeaderKind::Email),
    ("useremail", HeaderKind::Email),
    ("workemail", HeaderKind::Email),
    ("primaryemail", HeaderKind::Email),
    ("courriel", HeaderKind::Email),
    ("adresseemail", HeaderKind::Email),
];

/// How many data rows are looked at to judge a column by content.
const SAMPLE_ROWS: usize = 1000;

/// What is known about one column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    /// Position, from 0.
    pub index: usize,
    /// The header text, when the table has a header row.
    pub header: Option<String>,
    /// What the header says the column holds, when it is recognised.
    pub kind: Option<HeaderKind>,
    /// Non-empty values looked at (up to the first 1,000 data rows).
    pub sampled: u32,
    /// Of those, how many are valid identifiers for the target.
    pub valid: u32,
    /// Of those, how many are e-mail addresses.
    pub emails: u32,
}

impl Column {
    /// The name shown to the admin: the header text, or "column 2".
    pub fn title(&self) -> String {
        match &self.header {
            Some(header) if !header.is_empty() => header.clone(),
            _ => format!("column {}", self.index + 1),
        }
    }

    /// Whether most sampled values are e-mail addresses (RSA needs them looked up as user IDs).
    pub fn holds_emails(&self) -> bool {
        self.sampled > 0 && self.emails * 2 > self.sampled
    }

    fn mostly_valid(&self) -> bool {
        self.sampled > 0 && self.valid * 2 > self.sampled
    }
}

/// Whether the table has a header, every column, and which ones could hold the identifiers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Detection {
    /// Whether the first non-blank row is a header.
    pub header: bool,
    /// The first non-blank row (index from 0), the one that may be a header; `None` when every row is blank.
    pub first: Option<usize>,
    /// Whether the header was judged by the values below alone: the first row names no column [`header_kind`]
    /// knows, so it may be a user (the admin is told, and can say it is not a header).
    pub by_content: bool,
    /// Every column, in file order.
    pub columns: Vec<Column>,
    /// The indexes of the columns that could hold the identifiers, likeliest first: those with a recognised
    /// header, of user IDs (RSA) or of e-mail addresses (EPM); every column when none is.
    pub candidates: Vec<usize>,
}

impl Detection {
    /// The likeliest identifier column (the first column when nothing qualifies).
    pub fn suggested(&self) -> usize {
        self.candidates.first().copied().unwrap_or(0)
    }
}

/// Header text reduced for comparison: lower case, letters and digits only.
pub fn normalise(header: &str) -> String {
    header
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(crate::case::lower)
        .collect()
}

/// What a header text says its column holds, if it is recognised.
pub fn header_kind(header: &str) -> Option<HeaderKind> {
    let normal = normalise(header);
    ALIASES
        .iter()
        .find(|(alias, _)| *alias == normal)
        .map(|(_, kind)| *kind)
}

/// Looks at the table for `target`: is there a header, and which columns could be the identifiers.
pub fn detect(table: &Table, target: Target) -> Detection {
    detect_as(table, target, None)
}

/// [`detect`], with the admin's word on whether the first non-blank row is a header when there is one.
pub fn detect_as(table: &Table, target: Target, header: Option<bool>) -> Detection {
    let Some(first) = (0..table.len()).find(|&r| !table.is_blank(r)) else {
        return Detection::default();
    };
    // Read once: a row's fields are split when asked for, so asking column by column would be quadratic.
    let first_fields: Vec<&str> = table.fields(first).collect();
    let first_field = |column: usize| first_fields.get(column).copied().unwrap_or("");
    // A header word repeated down its column is a value (a column of "User" on every row), not a title.
    let by_alias = first_fields
        .iter()
        .enumerate()
        .any(|(column, f)| header_kind(f).is_some() && !repeats_below(table, first, column, f));
    // No header holds an address or a user ID, nor (without a header word) an '@' or eight hexadecimal digits in
    // a row, as an address or a user ID with a typo has: such a row is data.
    let holds_identifier = first_fields.iter().any(|f| {
        let f = f.trim();
        looks_like_email(f) || is_user_id(f) || (!by_alias && (f.contains('@') || hex_run(f)))
    });
    let detected = || {
        !holds_identifier
            && (by_alias || {
                let below = sample(table, first + 1, target);
                below.iter().any(|column| match target {
                    Target::Rsa => column.mostly_valid(),
                    Target::Epm => column.holds_emails(),
                })
            })
    };
    let by_content = header.is_none() && !by_alias;
    let header = header.unwrap_or_else(detected);
    let mut columns = sample(table, if header { first + 1 } else { first }, target);
    if header {
        for column in &mut columns {
            let text = first_field(column.index).trim();
            column.kind = header_kind(text);
            column.header = Some(text.to_string());
        }
    }
    let qualifies = |c: &&Column| {
        c.kind.is_some()
            || match target {
                Target::Rsa => c.mostly_valid(),
                Target::Epm => c.holds_emails(),
            }
    };
    let mut candidates: Vec<&Column> = columns.iter().filter(qualifies).collect();
    if candidates.is_empty() {
        candidates = columns.iter().collect();
    }
    crate::sort::sort_by_key(&mut candidates, |c| u64::MAX - rank(c, target));
    let candidates = candidates.iter().map(|c| c.index).collect();
    Detection {
        header,
        first: Some(first),
        by_content: header && by_content,
        columns,
        candidates,
    }
}

/// Whether `text` holds eight hexadecimal digits in a row, as a user ID does, even one with a typo.
fn hex_run(text: &str) -> bool {
    text.as_bytes()
        .split(|b| !b.is_ascii_hexdigit())
        .any(|run| run.len() >= 8)
}

/// Larger is likelier (columns with equal ranks keep file order). A column with any value comes before an empty
/// one, whatever its header says (a template's User ID column left empty, its Email column filled in). Then RSA
/// trusts content first (only user IDs can be removed); EPM trusts the header first (any word can be a login, so
/// content says little). The criteria, most significant first, are packed into one integer: 8 bits each, then the
/// 32-bit count of valid values.
fn rank(column: &Column, target: Target) -> u64 {
    let kind = |order: [HeaderKind; 3]| {
        column.kind.map_or(0, |k| {
            3 - order.iter().position(|o| *o == k).unwrap_or(3) as u64
        })
    };
    let (first, second, third, valid) = match target {
        Target::Rsa => (
            column.mostly_valid() as u64,
            kind([HeaderKind::UserId, HeaderKind::Email, HeaderKind::Login]),
            column.holds_emails() as u64,
            column.valid,
        ),
        Target::Epm => (
            kind([HeaderKind::Login, HeaderKind::Email, HeaderKind::UserId]),
            column.mostly_valid() as u64,
            0,
            0,
        ),
    };
    let filled = u64::from(column.sampled > 0);
    filled << 56 | first << 48 | second << 40 | third << 32 | u64::from(valid)
}

/// Whether most of the (up to 20) non-blank rows after `first` hold `text` in `column` too.
fn repeats_below(table: &Table, first: usize, column: usize, text: &str) -> bool {
    let (mut rows, mut same) = (0, 0);
    for row in (first + 1..table.len())
        .filter(|&r| !table.is_blank(r))
        .take(20)
    {
        rows += 1;
        same += table
            .field(row, column)
            .is_some_and(|f| f.trim().eq_ignore_ascii_case(text.trim())) as usize;
    }
    rows > 0 && same * 2 > rows
}

/// Per-column statistics over up to [`SAMPLE_ROWS`] non-blank rows from `from`.
fn sample(table: &Table, from: usize, target: Target) -> Vec<Column> {
    let mut columns: Vec<Column> = (0..table.width())
        .map(|index| Column {
            index,
            header: None,
            kind: None,
            sampled: 0,
            valid: 0,
            emails: 0,
        })
        .collect();
    for row in (from..table.len())
        .filter(|&r| !table.is_blank(r))
        .take(SAMPLE_ROWS)
    {
        for (field, column) in table.fields(row).zip(columns.iter_mut()) {
            let checked = check(field, target);
            if checked.value.is_empty() {
                continue;
            }
            column.sampled += 1;
            column.valid += checked.shape.is_ok() as u32;
            column.emails += checked.email as u32;
        }
    }
    columns
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csv_intake::{read_pasted, Table};

    const A: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";
    const B: &str = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

    fn table(text: &str) -> Table {
        read_pasted(text).unwrap()
    }

    #[test]
    fn every_header_alias_is_recognised_whatever_its_case_spaces_underscores_and_hyphens() {
        let cases = [
            ("User Login", HeaderKind::Login),
            ("login", HeaderKind::Login),
            ("username", HeaderKind::Login),
            ("user name", HeaderKind::Login),
            ("USER_NAME", HeaderKind::Login),
            ("UPN", HeaderKind::Login),
            ("userPrincipalName", HeaderKind::Login),
            ("sAMAccountName", HeaderKind::Login),
            ("Benutzername", HeaderKind::Login),
            ("user id", HeaderKind::UserId),
            ("userID", HeaderKind::UserId),
            ("user-id", HeaderKind::UserId),
            ("id", HeaderKind::UserId),
            ("ID", HeaderKind::UserId),
            ("email", HeaderKind::Email),
            ("e-mail", HeaderKind::Email),
            ("E-Mail Address", HeaderKind::Email),
            ("mail", HeaderKind::Email),
            (" Email_Address ", HeaderKind::Email),
        ];
        for (header, kind) in cases {
            assert_eq!(header_kind(header), Some(kind), "{header}");
            let detection = detect(
                &table(&format!("name,{header}\nJohn,jdoe@example.com\n")),
                Target::Epm,
            );
            assert!(detection.header, "{header}");
            assert_eq!(detection.suggested(), 1, "{header}");
        }
        for other in ["name", "first name", "department", "identity"] {
            assert_eq!(header_kind(other), None, "{other}");
        }
    }

    #[test]
    fn epm_prefers_the_login_column_over_the_email_column() {
        let detection = detect(
            &table("first,last,email,login\nJohn,Doe,jdoe@example.com,jdoe\n"),
            Target::Epm,
        );
        assert_eq!(detection.candidates, [3, 2]);
        assert_eq!(detection.columns[3].title(), "login");
        assert!(detection.columns[2].holds_emails());
    }

    #[test]
    fn rsa_prefers_the_column_of_user_ids_even_under_a_plain_id_header() {
        let text = format!("id,email,user id\n1,a@example.com,{A}\n2,b@example.com,{B}\n");
        let detection = detect(&table(&text), Target::Rsa);
        assert_eq!(detection.candidates, [2, 0, 1]);
    }

    #[test]
    fn an_empty_column_is_never_suggested_over_one_with_values() {
        let rsa = detect(
            &table(
                "User ID,Email,Note
,jane.doe@example.com,
,john.roe@example.com,leaver
",
            ),
            Target::Rsa,
        );
        assert_eq!(rsa.suggested(), 1, "the e-mail addresses, to look up");
        let epm = detect(
            &table(
                "User Login,Email
,jane.doe@example.com
",
            ),
            Target::Epm,
        );
        assert_eq!(epm.suggested(), 1);
    }

    #[test]
    fn rsa_file_of_emails_only_suggests_the_email_column_and_says_it_holds_emails() {
        let detection = detect(
            &table("name,mail\nJohn,jdoe@example.com\nAnna,asmith@example.com\n"),
            Target::Rsa,
        );
        assert_eq!(detection.suggested(), 1);
        assert!(detection.columns[1].holds_emails());
        assert_eq!(detection.columns[1].valid, 0);
    }

    #[test]
    fn without_a_recognisable_header_rsa_finds_user_ids_by_content_and_sees_the_header() {
        let text = format!("Name;Whatever\nJohn;{A}\nAnna;{B}\n");
        let detection = detect(&table(&text), Target::Rsa);
        assert!(detection.header);
        assert_eq!(detection.candidates, [1]);
        assert_eq!(detection.columns[1].header.as_deref(), Some("Whatever"));
    }

    #[test]
    fn without_any_header_rsa_finds_user_ids_by_content() {
        let detection = detect(&table(&format!("John,{A}\nAnna,{B}\n")), Target::Rsa);
        assert!(!detection.header);
        assert_eq!(detection.candidates, [1]);
        assert_eq!(detection.columns[1].title(), "column 2");
    }

    #[test]
    fn without_a_header_epm_finds_email_addresses_by_content() {
        let detection = detect(
            &table("John,Doe,jdoe@example.com\nAnna,Smith,asmith@example.com\n"),
            Target::Epm,
        );
        assert!(!detection.header);
        assert_eq!(detection.candidates, [2]);
        let headed = detect(
            &table("Leavers,,\nJohn,Doe,jdoe@example.com\n"),
            Target::Epm,
        );
        assert!(headed.header);
    }

    #[test]
    fn a_single_column_of_plain_logins_has_no_header_and_is_the_candidate() {
        let detection = detect(&table("jdoe\nasmith\n"), Target::Epm);
        assert!(!detection.header);
        assert_eq!(detection.candidates, [0]);
    }

    #[test]
    fn several_candidates_are_all_offered() {
        let detection = detect(
            &table("login,upn,email\njdoe,jdoe@example.com,john@example.com\n"),
            Target::Epm,
        );
        assert_eq!(detection.candidates, [0, 1, 2]);
    }

    #[test]
    fn a_first_row_holding_an_address_or_a_user_id_is_data() {
        let typo = detect(
            &table("jdoe@corp\nasmith@corp.com\nbob@corp.com\n"),
            Target::Epm,
        );
        assert!(!typo.header);
        let to_look_up = format!("jdoe@corp.com\n{A}\n{B}\n");
        assert!(!detect(&table(&to_look_up), Target::Rsa).header);
        let constant = "jdoe@corp.com,User,Active\nasmith@corp.com,User,Active\n";
        let detection = detect(&table(constant), Target::Epm);
        assert!(!detection.header);
        assert_eq!(detection.suggested(), 0);
    }

    #[test]
    fn a_first_row_holding_a_user_id_with_a_typo_is_data() {
        let short = &A[..A.len() - 1];
        let dashes = A.replace('-', "\u{2013}");
        let noted = format!("{A} (left)");
        for first in [short, dashes.as_str(), noted.as_str()] {
            let detection = detect(&table(&format!("{first}\n{B}\n{A}\n")), Target::Rsa);
            assert!(!detection.header, "{first:?}");
        }
        let headed = detect(
            &table(&format!("Benutzer-Kennung\n{B}\n{A}\n")),
            Target::Rsa,
        );
        assert!(headed.header && headed.by_content);
    }

    #[test]
    fn a_header_guessed_from_the_values_below_says_so_and_the_admin_has_the_last_word() {
        let text = "kmartin\ntomas.patel@example.com\nraj.fernandez@example.com\n";
        let guessed = detect(&table(text), Target::Epm);
        assert!(guessed.header && guessed.by_content);
        assert_eq!(guessed.first, Some(0));
        let data = detect_as(&table(text), Target::Epm, Some(false));
        assert!(!data.header && !data.by_content);
        assert_eq!(data.columns[0].title(), "column 1");
        assert_eq!(data.columns[0].sampled, 3);
        let named = detect(&table("User Login\njdoe\n"), Target::Epm);
        assert!(
            named.header && !named.by_content,
            "a header word is no guess"
        );
        let said = detect_as(&table("\njdoe\nasmith\n"), Target::Epm, Some(true));
        assert!(said.header && !said.by_content);
        assert_eq!(
            (said.first, said.columns[0].title()),
            (Some(1), "jdoe".to_string())
        );
    }

    #[test]
    fn a_header_with_a_header_word_may_hold_an_at_sign() {
        let kibana = "@timestamp,user.name,user.email\n2026-01-01,jdoe,jdoe@corp.com\n2026-01-02,asmith,asmith@corp.com\n";
        let detection = detect(&table(kibana), Target::Epm);
        assert!(detection.header);
        assert_eq!(detection.suggested(), 1);
    }

    #[test]
    fn a_header_word_repeated_down_its_column_is_a_value() {
        let detection = detect(&table("jdoe,User\nasmith,User\nbob,User\n"), Target::Epm);
        assert!(!detection.header);
        let headed = detect(&table("login,type\njdoe,User\nasmith,User\n"), Target::Epm);
        assert!(headed.header);
        assert!(detect(&table("account\njdoe\nasmith\n"), Target::Epm).header);
    }

    #[test]
    fn a_header_after_leading_blank_lines_is_found() {
        let detection = detect(&table("\n\nUser Login\njdoe\n"), Target::Epm);
        assert!(detection.header);
        assert_eq!(detection.columns[0].sampled, 1);
    }
}
