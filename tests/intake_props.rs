//! Property: identifiers written with any delimiter, quoting, line end and encoding are read back exactly, in order,
//! with the row numbers a spreadsheet shows, and repeats point at their first row.

use offboard::csv_intake::{self, Class, Delimiter, Encoding, Options};
use offboard::target::Target;
use proptest::prelude::*;

#[derive(Clone, Copy, Debug)]
enum Quoting {
    /// Quote only what needs it (anything that could be a delimiter, quotes, line ends, edge spaces).
    Minimal,
    /// Quote every field.
    All,
    /// Minimal, with spaces around every field (outside the quotes).
    Padded,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Written {
    Utf8,
    Utf8Bom,
    Utf16Le,
    Windows1252,
    Pasted,
}

#[derive(Clone, Debug)]
struct File {
    target: Target,
    delimiter: Delimiter,
    quoting: Quoting,
    line_end: &'static str,
    final_line_end: bool,
    written: Written,
    header: bool,
    /// Where the identifier column is, when there is a second column of notes.
    layout: Layout,
    /// `None`: a blank line. Otherwise the identifier and the note beside it.
    rows: Vec<Option<(String, String)>>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Layout {
    Alone,
    First,
    Second,
}

/// Characters a login may hold here, all representable in Windows-1252 (the rest of the text is too).
const LOGIN_CHARS: &str = "abcxyzABCXYZ0129._@+-',;|\"éüßÉ";
const NOTE_CHARS: &str = "ab Z9 ,;\t|\"\r\n'éü€";

fn login() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(LOGIN_CHARS.chars().collect::<Vec<_>>()),
        1..16,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

fn user_id() -> impl Strategy<Value = String> {
    (any::<u128>(), any::<bool>()).prop_map(|(n, upper)| {
        let hex = format!("{n:032x}");
        let id = format!(
            "{}-{}-{}-{}-{}",
            &hex[..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..]
        );
        if upper {
            id.to_uppercase()
        } else {
            id
        }
    })
}

fn note() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(NOTE_CHARS.chars().collect::<Vec<_>>()),
        0..8,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

/// A pool of identifiers, then rows drawing from it (so repeats happen), each possibly in upper case.
fn file() -> impl Strategy<Value = File> {
    let target = prop_oneof![Just(Target::Epm), Just(Target::Rsa)];
    target.prop_flat_map(|target| {
        let pool = match target {
            Target::Epm => prop::collection::vec(login(), 1..6).boxed(),
            Target::Rsa => prop::collection::vec(user_id(), 1..6).boxed(),
        };
        let row = (any::<prop::sample::Index>(), any::<bool>(), note(), 0..8u8);
        (
            pool,
            prop::collection::vec(row, 1..25),
            prop::sample::select(Delimiter::ALL.to_vec()),
            prop_oneof![
                Just(Quoting::Minimal),
                Just(Quoting::All),
                Just(Quoting::Padded)
            ],
            prop::sample::select(vec!["\n", "\r\n", "\r"]),
            any::<bool>(),
            prop_oneof![
                Just(Written::Utf8),
                Just(Written::Utf8Bom),
                Just(Written::Utf16Le),
                Just(Written::Windows1252),
                Just(Written::Pasted),
            ],
            any::<bool>(),
            prop_oneof![
                Just(Layout::Alone),
                Just(Layout::First),
                Just(Layout::Second)
            ],
        )
            .prop_map(
                move |(
                    pool,
                    rows,
                    delimiter,
                    quoting,
                    line_end,
                    final_line_end,
                    written,
                    header,
                    layout,
                )| {
                    let rows = rows
                        .into_iter()
                        .map(|(pick, upper, note, blank)| {
                            (blank != 0).then(|| {
                                let id = pick.get(&pool);
                                let id = if upper { id.to_uppercase() } else { id.clone() };
                                (id, note)
                            })
                        })
                        .collect();
                    File {
                        target,
                        delimiter,
                        quoting,
                        line_end,
                        final_line_end,
                        written,
                        header,
                        layout,
                        rows,
                    }
                },
            )
    })
}

fn field(value: &str, quoting: Quoting) -> String {
    let needs_quotes = value.contains([',', ';', '\t', '|', '"', '\r', '\n'])
        || value.starts_with([' ', '\t'])
        || value.ends_with([' ', '\t']);
    let quoted = format!("\"{}\"", value.replace('"', "\"\""));
    match quoting {
        Quoting::All => quoted,
        Quoting::Minimal if needs_quotes => quoted,
        Quoting::Minimal => value.to_string(),
        Quoting::Padded if needs_quotes => format!("  {quoted} "),
        Quoting::Padded => format!(" {value}  "),
    }
}

fn cells<'a>(layout: Layout, id: &'a str, note: &'a str) -> Vec<&'a str> {
    match layout {
        Layout::Alone => vec![id],
        Layout::First => vec![id, note],
        Layout::Second => vec![note, id],
    }
}

fn text(file: &File) -> String {
    let separator = (file.delimiter.byte() as char).to_string();
    let mut lines = Vec::new();
    if file.header {
        let title = match file.target {
            Target::Epm => "User Login",
            Target::Rsa => "User ID",
        };
        lines.push(cells(file.layout, title, "Note").join(&separator));
    }
    for row in &file.rows {
        lines.push(match row {
            None => String::new(),
            Some((id, note)) => cells(file.layout, id, note)
                .into_iter()
                .map(|value| field(value, file.quoting))
                .collect::<Vec<_>>()
                .join(&separator),
        });
    }
    let mut text = lines.join(file.line_end);
    if file.final_line_end || file.rows.last().is_some_and(Option::is_none) {
        text.push_str(file.line_end);
    }
    text
}

fn bytes(text: &str, written: Written) -> Vec<u8> {
    match written {
        Written::Utf8 | Written::Pasted => text.as_bytes().to_vec(),
        Written::Utf8Bom => [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
        Written::Utf16Le => [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect(),
        Written::Windows1252 => {
            let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(text);
            assert!(
                !unmappable,
                "the generated text is meant to fit Windows-1252"
            );
            bytes.into_owned()
        }
    }
}

fn fold(s: &str) -> String {
    s.chars().flat_map(char::to_lowercase).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn identifiers_are_read_back_exactly_in_order_with_their_row_numbers(file in file()) {
        prop_assume!(file.rows.iter().any(Option::is_some));
        let text = text(&file);
        let bytes = bytes(&text, file.written);
        // Windows-1252 bytes that happen to form valid UTF-8 are read as UTF-8, as they should be.
        prop_assume!(file.written != Written::Windows1252 || text.is_ascii() || std::str::from_utf8(&bytes).is_err());

        let table = match file.written {
            Written::Pasted => csv_intake::read_pasted(&text),
            _ => csv_intake::read_bytes(bytes),
        }
        .unwrap();
        let expected_encoding = match file.written {
            Written::Utf8 => Encoding::Utf8,
            Written::Utf8Bom => Encoding::Utf8Bom,
            Written::Utf16Le => Encoding::Utf16Le,
            Written::Windows1252 if text.is_ascii() => Encoding::Utf8,
            Written::Windows1252 => Encoding::Windows1252,
            Written::Pasted => Encoding::Pasted,
        };
        prop_assert_eq!(table.encoding(), expected_encoding);

        let offset = usize::from(file.header);
        prop_assert_eq!(table.len(), file.rows.len() + offset);
        let column = if file.layout == Layout::Second { 1 } else { 0 };
        if file.header {
            let detection = csv_intake::detect(&table, file.target);
            prop_assert!(detection.header);
            prop_assert_eq!(detection.suggested(), column);
        }
        let options = Options { target: file.target, column, header: file.header, own_account: None, own_is_sign_in: false, protected: vec![] };
        let plan = csv_intake::plan(&table, &options).unwrap();
        prop_assert_eq!(plan.counts().total(), table.len());

        let mut first_row = std::collections::HashMap::new();
        let mut expected_targets = Vec::new();
        for (i, row) in file.rows.iter().enumerate() {
            let index = i + offset;
            let number = index as u32 + 1;
            match row {
                None => prop_assert_eq!(plan.class(index), Class::Blank, "row {}", number),
                Some((id, note)) => {
                    let fields: Vec<&str> = table.fields(index).collect();
                    let written: Vec<&str> = cells(file.layout, id, note);
                    prop_assert_eq!(fields, written, "row {}", number);
                    let class = match first_row.get(&fold(id)) {
                        Some(&of_row) => Class::Duplicate { of_row },
                        None => {
                            first_row.insert(fold(id), number);
                            expected_targets.push((number, id.clone()));
                            Class::Target
                        }
                    };
                    prop_assert_eq!(plan.class(index), class, "row {}", number);
                }
            }
        }
        let targets: Vec<(u32, String)> = plan.targets(&table).map(|(n, v)| (n, v.to_string())).collect();
        prop_assert_eq!(targets, expected_targets);
    }
}
