//! A list of users written on one line (`id1, id2, id3`, as copied from a ticket or an e-mail), alone or under a
//! title line: each value is read as a row of its own, in the line's order.

use super::column::Detection;
use super::parse::Parsing;
use super::table::Table;
use super::validate::{email_address, is_user_id};
use crate::target::Target;

/// The one row of values of `table` and how many non-empty values it holds, when it holds two or
/// more: its only non-blank row, or the second of two whose first holds a single value (a title,
/// such as `User ID`).
pub fn side_by_side(table: &Table) -> Option<(usize, usize)> {
    let mut rows = (0..table.len()).filter(|&r| !table.is_blank(r));
    let row = match (rows.next(), rows.next(), rows.next()) {
        (Some(row), None, _) => row,
        (Some(head), Some(row), None) if values(table, head) == 1 => row,
        _ => return None,
    };
    let values = values(table, row);
    (values > 1).then_some((row, values))
}

/// How many non-empty values row `row` holds.
fn values(table: &Table, row: usize) -> usize {
    table.fields(row).filter(|f| !f.trim().is_empty()).count()
}

/// A parse of `table`'s values one per row, when it is a list on one line: its row of values
/// ([`side_by_side`]) holds two or more and most of them are user IDs or e-mail addresses (a row of
/// plain words may be one user's details, and stays a row). A title line above it stays the first
/// row; empty values at the end of the line (a trailing delimiter) are dropped.
pub(crate) fn relisted(table: &Table) -> Option<Parsing> {
    let delimiter = table.delimiter()?;
    let (row, values) = side_by_side(table)?;
    let identifiers = table
        .fields(row)
        .map(str::trim)
        .filter(|f| is_user_id(f) || email_address(f).is_some())
        .count();
    if identifiers < 2 || identifiers * 2 <= values {
        return None;
    }
    let mut fields: Vec<&str> = table.fields(row).collect();
    while fields.last().is_some_and(|f| f.trim().is_empty()) {
        fields.pop();
    }
    let title = (0..row)
        .find(|&r| !table.is_blank(r))
        .and_then(|head| table.fields(head).find(|f| !f.trim().is_empty()));
    let mut text = String::with_capacity(table.text().len() + 2 * values);
    for field in title.into_iter().chain(fields) {
        if field.contains(['"', ',', '\n', '\r']) {
            text.push('"');
            text.push_str(&field.replace('"', "\"\""));
            text.push('"');
        } else {
            text.push_str(field);
        }
        text.push('\n');
    }
    Some(Parsing::listing(text, table.encoding(), delimiter))
}

/// Rows that hold a user ID or an e-mail address beside the one in `column`, in a column no header
/// names or that is mostly empty (`A` / `B, C` / `D`: a list with a line holding two users): the
/// first such row (index) and how many there are. Only `column` is read, so the admin is told. A
/// named column that is mostly filled in (managers) is part of a table, and is not looked through.
pub fn identifiers_beside(
    table: &Table,
    detection: &Detection,
    column: usize,
    target: Target,
) -> Option<(usize, usize)> {
    let read = detection.columns.get(column)?.sampled;
    // A column is another list's stray values when no header names it, or when it is mostly empty.
    let stray = detection.columns.iter().any(|c| {
        let identifiers = c.emails > 0 || (target == Target::Rsa && c.valid > 0);
        let unnamed = c.header.as_deref().is_none_or(str::is_empty);
        c.index != column && identifiers && (unnamed || c.sampled * 2 < read)
    });
    if !stray {
        return None;
    }
    let from = detection
        .first
        .map_or(0, |first| first + usize::from(detection.header));
    let mut found = (from..table.len()).filter(|&row| {
        table.fields(row).enumerate().any(|(c, f)| {
            let f = f.trim();
            c != column && (is_user_id(f) || email_address(f).is_some())
        })
    });
    let first = found.next()?;
    Some((first, 1 + found.count()))
}

#[cfg(test)]
mod tests {
    use crate::csv_intake::{read_bytes, read_pasted, Delimiter, Intake};

    const A: &str = "3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b";
    const B: &str = "9e8d7c6b-5a49-4838-a726-15f4e3d2c1b0";

    #[test]
    fn ids_or_addresses_on_one_line_are_one_row_each_numbered_in_order() {
        for (text, delimiter) in [
            (format!("{A}, {B}, jdoe@example.com\n"), Delimiter::Comma),
            (
                format!("{A};{B};\"Doe, Jane\" <jane@example.com>"),
                Delimiter::Semicolon,
            ),
            (format!("\n{A}\t{B}\tnot-an-id\r\n\r\n"), Delimiter::Tab),
        ] {
            let table = read_pasted(&text).unwrap();
            assert_eq!(table.listed(), Some(delimiter), "{text:?}");
            assert_eq!(table.delimiter(), None);
            assert_eq!(table.len(), 3, "{text:?}");
            assert_eq!(table.field(0, 0), Some(A));
            assert_eq!(table.field(1, 0), Some(B));
            assert_eq!(table.width(), 1);
            let bytes = read_bytes(text.clone().into_bytes()).unwrap();
            assert_eq!(bytes.field(2, 0), table.field(2, 0));
            let stepped = Intake::pasted(&text).finish().unwrap();
            assert_eq!((stepped.len(), stepped.listed()), (3, Some(delimiter)));
        }
        let titled = read_pasted(&format!("User ID\n{A}, {B},\n")).unwrap();
        assert_eq!(titled.listed(), Some(Delimiter::Comma));
        assert_eq!(
            titled.len(),
            3,
            "the title, then one row per value; the trailing comma adds none"
        );
        assert_eq!(
            (titled.field(0, 0), titled.field(2, 0)),
            (Some("User ID"), Some(B))
        );
        let quoted = read_pasted(&format!("\"Doe, Jane\" <jane@example.com>,{A},{B}")).unwrap();
        assert_eq!(quoted.field(0, 0), Some("Doe, Jane <jane@example.com>"));
    }

    #[test]
    fn a_second_identifier_on_a_line_of_a_list_is_found() {
        use crate::csv_intake::{detect, identifiers_beside};
        use crate::target::Target;
        let beside = |text: &str, target| {
            let table = read_pasted(text).unwrap();
            let detection = detect(&table, target);
            identifiers_beside(&table, &detection, detection.suggested(), target)
        };
        assert_eq!(
            beside(&format!("User ID\n{A}\n{B}, {A}\n{B}\n"), Target::Rsa),
            Some((2, 1))
        );
        assert_eq!(
            beside("a@x.com|b@x.com\nc@x.com\nd@x.com\n", Target::Epm),
            Some((0, 1))
        );
        // A table whose other column is filled in is no list.
        let table = format!("User ID,Manager\n{A},{B}\n{B},{A}\n");
        assert_eq!(beside(&table, Target::Rsa), None);
        assert_eq!(
            beside(&format!("User ID,Name\n{A},John\n{B},\n"), Target::Rsa),
            None
        );
    }

    #[test]
    fn a_row_of_words_or_of_one_identifier_stays_a_row() {
        for text in [
            "jdoe,John,Doe\n",
            &format!("{A},John,Doe,Sales\n"),
            &format!("{A},{B},John,Doe,Sales\n"),
            &format!("User ID,Name\n{A},{B}\n"),
            &format!("User ID\n{A}\n{B},{A}\n"),
            &format!("{A}\n"),
        ] {
            let table = read_pasted(text).unwrap();
            assert_eq!(table.listed(), None, "{text:?}");
        }
    }
}
