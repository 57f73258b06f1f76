//! Whole-intake tests: bytes or pasted text in, classes, values, notes and row numbers out.

use super::*;
use crate::target::Target;

const A: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";
const B: &str = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

fn options(target: Target, table: &Table) -> Options {
    Options::detected(target, &detect(table, target))
}

fn epm_plan(text: &str) -> (Table, Plan) {
    let table = read_pasted(text).unwrap();
    let plan = plan(&table, &options(Target::Epm, &table)).unwrap();
    (table, plan)
}

fn targets(table: &Table, plan: &Plan) -> Vec<(u32, String)> {
    plan.targets(table)
        .map(|(row, value)| (row, value.to_string()))
        .collect()
}

#[test]
fn every_class_in_one_file_with_spreadsheet_row_numbers_and_counts_that_add_up() {
    let text = "User Login,Name\n\
                jdoe,John\n\
                \n\
                JDOE ,John again\n\
                jane doe,Jane\n\
                Admin@Example.com,Me\n\
                svc_backup,Service\n\
                ,No login\n\
                \"multi\nline\",x\n\
                asmith,Anna\n";
    let table = read_pasted(text).unwrap();
    let mut options = options(Target::Epm, &table);
    options.own_account = Some("admin@example.com".into());
    options.protected = vec!["svc_*".into()];
    let plan = plan(&table, &options).unwrap();
    assert_eq!(
        plan.classes(),
        [
            Class::Header,
            Class::Target,
            Class::Blank,
            Class::Duplicate { of_row: 2 },
            Class::Invalid {
                reason: Invalid::Space(' ')
            },
            Class::ExcludedSelf,
            Class::Protected { pattern: 0 },
            Class::Invalid {
                reason: Invalid::Empty
            },
            Class::Invalid {
                reason: Invalid::LineBreak
            },
            Class::Target,
        ]
    );
    let counts = plan.counts();
    assert_eq!(
        counts,
        Counts {
            targets: 2,
            duplicates: 1,
            invalid: 3,
            blank: 1,
            header: 1,
            excluded_self: 1,
            protected: 1
        }
    );
    assert_eq!(counts.total(), table.len());
    assert_eq!(
        targets(&table, &plan),
        [(2, "jdoe".into()), (10, "asmith".into())]
    );
    assert_eq!(plan.protected_pattern(0), "svc_*");
    assert_eq!(plan.class(3).to_string(), "duplicate of row 2");
    assert_eq!(
        plan.class(4).to_string(),
        "invalid: a login cannot contain a space"
    );
    assert_eq!(plan.class(5).to_string(), "excluded: your own account");
}

#[test]
fn rsa_email_rows_matching_a_protected_pattern_are_never_looked_up() {
    let table = read_pasted("email\nadmin@corp.io\njane@corp.io\nbreak-glass@corp.io\n").unwrap();
    let mut options = options(Target::Rsa, &table);
    options.protected = vec!["admin@*".into(), "*glass@*".into()];
    let plan = plan(&table, &options).unwrap();
    assert_eq!(
        plan.classes()[1..],
        [
            Class::Protected { pattern: 0 },
            Class::Invalid {
                reason: Invalid::RsaEmail
            },
            Class::Protected { pattern: 1 },
        ]
    );
}

#[test]
fn a_duplicate_always_names_the_first_occurrence() {
    let (_, plan) = epm_plan("login\na@x.io\nb@x.io\nA@X.IO\n  a@x.io  \nB@x.io\n");
    assert_eq!(
        plan.classes()[1..],
        [
            Class::Target,
            Class::Target,
            Class::Duplicate { of_row: 2 },
            Class::Duplicate { of_row: 2 },
            Class::Duplicate { of_row: 3 },
        ]
    );
}

#[test]
fn rsa_user_ids_dedupe_across_case_and_emails_are_counted_for_lookup() {
    let text = format!(
        "user id\n{A}\n{}\njdoe@example.com\nnot-an-id\n{B}\n",
        A.to_uppercase()
    );
    let table = read_pasted(&text).unwrap();
    let plan = plan(&table, &options(Target::Rsa, &table)).unwrap();
    assert_eq!(
        plan.classes(),
        [
            Class::Header,
            Class::Target,
            Class::Duplicate { of_row: 2 },
            Class::Invalid {
                reason: Invalid::RsaEmail
            },
            Class::Invalid {
                reason: Invalid::NotUserId
            },
            Class::Target,
        ]
    );
    assert_eq!(plan.emails(), 1);
    assert_eq!(targets(&table, &plan), [(2, A.into()), (6, B.into())]);
}

#[test]
fn invisible_characters_are_stripped_reported_on_their_row_and_the_row_still_targets() {
    let (table, plan) = epm_plan("login\n\u{200B}jdoe\nasmith\u{A0}\nj\u{FEFF}doe\n");
    assert_eq!(
        plan.classes()[1..],
        [Class::Target, Class::Target, Class::Duplicate { of_row: 2 }]
    );
    assert_eq!(plan.value(&table, 1), "jdoe");
    assert_eq!(plan.value(&table, 2), "asmith");
    assert_eq!(
        plan.notes(1).collect::<Vec<_>>(),
        [Note::Invisible {
            first: '\u{200B}',
            count: 1
        }]
    );
    assert_eq!(
        plan.notes(2).collect::<Vec<_>>(),
        [Note::Invisible {
            first: '\u{A0}',
            count: 1
        }]
    );
    assert_eq!(plan.notes(0).count(), 0);
    assert_eq!(plan.noted().len(), 3);
    assert_eq!(
        targets(&table, &plan),
        [(2, "jdoe".into()), (3, "asmith".into())]
    );
}

#[test]
fn a_look_alike_letter_is_flagged_and_is_not_taken_for_the_ascii_login() {
    let (table, plan) = epm_plan("login\njane\nj\u{430}ne\n");
    assert_eq!(plan.classes()[1..], [Class::Target, Class::Target]);
    assert_eq!(
        plan.notes(2).collect::<Vec<_>>(),
        [Note::LookAlike('\u{430}')]
    );
    assert_eq!(plan.value(&table, 2), "j\u{430}ne");
}

#[test]
fn choosing_another_column_reclassifies_the_same_table() {
    let table = read_pasted("login,email\njdoe,john@example.com\njdoe,jd@example.com\n").unwrap();
    let mut options = options(Target::Epm, &table);
    assert_eq!(options.column, 0);
    let by_login = plan(&table, &options).unwrap();
    assert_eq!(targets(&table, &by_login), [(2, "jdoe".into())]);
    options.column = 1;
    let by_email = plan(&table, &options).unwrap();
    assert_eq!(
        targets(&table, &by_email),
        [(2, "john@example.com".into()), (3, "jd@example.com".into())]
    );
}

#[test]
fn turning_the_header_off_makes_the_first_row_data() {
    let table = read_pasted("leavers\njdoe\n").unwrap();
    let mut options = options(Target::Epm, &table);
    assert!(!options.header);
    assert_eq!(plan(&table, &options).unwrap().counts().targets, 2);
    options.header = true;
    let plan = plan(&table, &options).unwrap();
    assert_eq!(plan.classes(), [Class::Header, Class::Target]);
}

#[test]
fn a_repeated_header_row_is_a_header_not_an_invalid_login() {
    let (_, plan) = epm_plan("User Login\njdoe\nuser login\nasmith\n");
    assert_eq!(
        plan.classes(),
        [Class::Header, Class::Target, Class::Header, Class::Target]
    );
    assert_eq!(plan.counts().header, 2);
}

#[test]
fn a_header_with_no_rows_is_refused() {
    let table = read_pasted("\nUser Login\n\n\n").unwrap();
    let error = plan(&table, &options(Target::Epm, &table)).unwrap_err();
    assert_eq!(error, IntakeError::HeaderOnly { header_row: 2 });
    assert_eq!(
        error.to_string(),
        "Row 2 is a header and there are no data rows below it."
    );
}

#[test]
fn a_column_that_does_not_exist_is_refused() {
    let table = read_pasted("a,b\nc,d\n").unwrap();
    let mut options = options(Target::Epm, &table);
    options.column = 2;
    assert_eq!(
        plan(&table, &options).unwrap_err().to_string(),
        "There is no column 3 (the widest row has 2)."
    );
}

#[test]
fn short_rows_have_an_empty_identifier() {
    let (_, plan) = epm_plan("name,login\nJohn,jdoe\nAnna\n");
    assert_eq!(
        plan.class(2),
        Class::Invalid {
            reason: Invalid::Empty
        }
    );
}

#[test]
fn values_are_kept_as_text_never_interpreted() {
    let (table, plan) = epm_plan("login\n00123\n=1+2\n1e5\n+33612345678\nTRUE\n");
    let values: Vec<String> = targets(&table, &plan).into_iter().map(|(_, v)| v).collect();
    assert_eq!(values, ["00123", "=1+2", "1e5", "+33612345678", "TRUE"]);
}

#[test]
fn the_own_account_with_an_identity_domain_prefix_is_excluded_without_it() {
    let table = read_pasted("login\njadmin\njdoe\n").unwrap();
    let mut options = options(Target::Epm, &table);
    options.own_account = Some("idm1.JAdmin".into());
    options.own_is_sign_in = true;
    let plan = plan(&table, &options).unwrap();
    assert_eq!(
        plan.classes(),
        [Class::Header, Class::ExcludedSelfGuess, Class::Target]
    );
    assert_eq!(plan.counts().excluded_self, 1);
    assert!(Class::ExcludedSelfGuess
        .to_string()
        .starts_with("excluded: perhaps your own account"));
}

#[test]
fn an_own_login_entered_by_the_admin_is_taken_as_written() {
    let table = read_pasted(
        "login
admin@example.com
offboard.admin@example.com
",
    )
    .unwrap();
    let mut options = options(Target::Epm, &table);
    options.own_account = Some("offboard.admin@example.com".into());
    options.own_is_sign_in = true;
    assert_eq!(
        plan(&table, &options).unwrap().classes(),
        [Class::Header, Class::ExcludedSelfGuess, Class::ExcludedSelf],
        "a sign-in name may carry a classic identity domain: both are kept out, the guess said to be one"
    );
    options.own_is_sign_in = false;
    assert_eq!(
        plan(&table, &options).unwrap().classes(),
        [Class::Header, Class::Target, Class::ExcludedSelf],
        "the login entered is the admin's, dot and all"
    );
}

#[test]
fn the_same_list_gives_the_same_rows_with_any_line_end() {
    for end in ["\n", "\r\n", "\r"] {
        let text = ["User Login", "jdoe", "", "asmith", "jdoe", ""].join(end);
        let (table, plan) = epm_plan(&text);
        assert_eq!(
            plan.classes(),
            [
                Class::Header,
                Class::Target,
                Class::Blank,
                Class::Target,
                Class::Duplicate { of_row: 2 }
            ],
            "{end:?}"
        );
        assert_eq!(plan.counts().total(), table.len());
    }
}

#[test]
fn excel_unicode_text_is_read_as_utf16_with_tabs() {
    let text = "User Login\tFirst Name\r\nzo\u{EB}@example.com\tZo\u{EB}\r\njdoe@example.com\tJohn, Jr\r\n";
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let table = read_bytes(bytes).unwrap();
    assert_eq!(table.encoding().name(), "UTF-16 LE");
    assert_eq!(table.delimiter(), Some(Delimiter::Tab));
    let plan = plan(&table, &options(Target::Epm, &table)).unwrap();
    assert_eq!(
        targets(&table, &plan),
        [
            (2, "zo\u{EB}@example.com".into()),
            (3, "jdoe@example.com".into())
        ]
    );
}

#[test]
fn an_ansi_file_from_european_excel_is_read_with_semicolons() {
    let table =
        read_bytes(b"Benutzername;Name\r\nj.m\xFCller;M\xFCller, J\xFCrgen\r\n".to_vec()).unwrap();
    assert_eq!(table.encoding(), Encoding::Windows1252);
    assert_eq!(table.delimiter(), Some(Delimiter::Semicolon));
    let plan = plan(&table, &options(Target::Epm, &table)).unwrap();
    assert_eq!(targets(&table, &plan), [(2, "j.m\u{FC}ller".into())]);
}

#[test]
fn utf8_with_bom_keeps_the_first_header_recognisable() {
    let table = read_bytes(b"\xEF\xBB\xBFlogin\njdoe\n".to_vec()).unwrap();
    assert_eq!(table.encoding(), Encoding::Utf8Bom);
    assert!(detect(&table, Target::Epm).header);
}

#[test]
fn pasted_text_is_reported_as_such_and_an_empty_paste_is_refused() {
    let table = read_pasted("\u{FEFF}jdoe\nasmith").unwrap();
    assert_eq!(table.encoding().name(), "pasted text");
    assert_eq!(table.field(0, 0), Some("jdoe"));
    assert_eq!(
        read_pasted("").unwrap_err().to_string(),
        "Nothing was pasted."
    );
    assert_eq!(
        read_pasted("\n \n").unwrap_err().to_string(),
        "There are no rows: every line is blank."
    );
}

#[test]
fn more_than_a_million_data_rows_without_a_header_is_refused() {
    let text = "a\n".repeat(MAX_ROWS + 1);
    let table = read_pasted(&text).unwrap();
    let options = Options {
        target: Target::Epm,
        column: 0,
        header: false,
        own_account: None,
        own_is_sign_in: false,
        protected: vec![],
    };
    assert_eq!(
        plan(&table, &options).unwrap_err(),
        IntakeError::TooManyRows
    );
}

/// What a read and its plan come to, in comparable form.
#[derive(Debug, PartialEq)]
struct Outcome {
    encoding: Encoding,
    delimiter: Option<Delimiter>,
    width: usize,
    rows: Vec<Vec<String>>,
    plan: Result<PlanSummary, IntakeError>,
}

#[derive(Debug, PartialEq)]
struct PlanSummary {
    classes: Vec<Class>,
    counts: Counts,
    notes: Vec<(u32, Note)>,
    values: Vec<String>,
    emails: usize,
}

fn summary(table: &Table, plan: Result<Plan, IntakeError>) -> Outcome {
    Outcome {
        encoding: table.encoding(),
        delimiter: table.delimiter(),
        width: table.width(),
        rows: (0..table.len())
            .map(|r| table.fields(r).map(str::to_string).collect())
            .collect(),
        plan: plan.map(|plan| PlanSummary {
            classes: plan.classes().to_vec(),
            counts: plan.counts(),
            notes: plan.noted().to_vec(),
            values: (0..table.len())
                .map(|r| plan.value(table, r).to_string())
                .collect(),
            emails: plan.emails(),
        }),
    }
}

fn own_options(table: &Table, target: Target) -> Options {
    let mut options = options(target, table);
    options.own_account = Some("Admin@Example.com".into());
    options.protected = vec!["svc_*".into()];
    options
}

/// `read_bytes` (or `read_pasted`), `detect` and `plan` in one pass each.
fn one_pass(input: &[u8], pasted: bool, target: Target) -> Result<Outcome, IntakeError> {
    let table = if pasted {
        read_pasted(std::str::from_utf8(input).unwrap())
    } else {
        read_bytes(input.to_vec())
    }?;
    let plan = plan(&table, &own_options(&table, target));
    Ok(summary(&table, plan))
}

/// The same through an [`Intake`] cut into pieces of `piece` bytes and rows, checking the plan was built during
/// the steps.
fn sliced(
    input: &[u8],
    pasted: bool,
    target: Target,
    piece: usize,
) -> Result<Outcome, IntakeError> {
    let intake = if pasted {
        Intake::pasted(std::str::from_utf8(input).unwrap())
    } else {
        Intake::bytes(input.to_vec())
    };
    let mut planned = Options::detected(target, &Detection::default());
    planned.own_account = Some("Admin@Example.com".into());
    planned.protected = vec!["svc_*".into()];
    let mut intake = intake.planning(planned).pieces(Pieces {
        decode_bytes: piece,
        parse_bytes: piece,
        plan_rows: piece,
    });
    let mut last = 0.0;
    let mut steps = 0;
    while !intake.step() {
        let progress = intake.progress();
        assert!(
            (last..=1.0).contains(&progress),
            "progress goes forward: {last} then {progress}"
        );
        last = progress;
        steps += 1;
        assert!(steps <= 20 * input.len() + 20, "the intake never ends");
    }
    let table = intake.finish()?;
    let options = own_options(&table, target);
    let plan = match table.ready.take(&options) {
        Some(ready) => Ok(ready),
        None => {
            let refused = plan(&table, &options);
            assert!(
                refused.is_err(),
                "a plan that can be made is built during the steps"
            );
            refused
        }
    };
    Ok(summary(&table, plan))
}

fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    let mut out = match (bom, big_endian) {
        (false, _) => vec![],
        (true, false) => vec![0xFF, 0xFE],
        (true, true) => vec![0xFE, 0xFF],
    };
    for unit in text.encode_utf16() {
        out.extend(if big_endian {
            unit.to_be_bytes()
        } else {
            unit.to_le_bytes()
        });
    }
    out
}

/// Inputs that exercise every stage: encodings, quotes across lines, line ends, repeats, notes, refusals.
fn slicing_corpus() -> Vec<(Vec<u8>, bool)> {
    let text = "User Login;Name\r\n\"jd;oe\";\"Doe, \"\"J\"\"\r\nJohn\"\r\n\r\nzoë@example.com;Zoë 😀\rJD;OE;again\n\
                \u{200B}asmith ; Anna\nadmin@example.com;Me\nSVC_backup;svc\n\"\";empty\nUser Login;copy\nbad login;x\nlast";
    let mut corpus = vec![
        (text.as_bytes().to_vec(), false),
        (text.as_bytes().to_vec(), true),
        (
            [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
            false,
        ),
        (utf16(text, false, true), false),
        (utf16(text, true, true), false),
        (utf16("login\njdoe\nasmith\nJDOE\n", false, false), false),
        (
            b"Benutzername;Name\r\nj.m\xFCller;M\xFCller, J\xFCrgen\r\n\x80uro;x\r\n".to_vec(),
            false,
        ),
        (
            format!(
                "user id\n{A}\n{}\njdoe@example.com\nnot-an-id\n{B}\n",
                A.to_uppercase()
            )
            .into_bytes(),
            false,
        ),
        // Refusals, some of them late in the input.
        (b"login\njdoe\nasmith\nbob\nca\0rol\n".to_vec(), false),
        (b"\xEF\xBB\xBFlogin\nj\0doe\nren\xE9e\n".to_vec(), false),
        (
            b"login,name\njdoe,John\n\"asmith,Anna\nbob,Bob\n".to_vec(),
            false,
        ),
        (
            [
                utf16("login\njdoe\n", false, true),
                vec![0x00, 0xD8, b'x', 0x00],
            ]
            .concat(),
            false,
        ),
        (
            [utf16("login\njdoe\n", false, true), vec![0x3D, 0xD8]].concat(),
            false,
        ),
        (b"\n\r\n  \n,,\n".to_vec(), false),
        (b"\nUser Login\n\n\n".to_vec(), false),
        (b"%PDF-1.7\n".to_vec(), false),
        (vec![], false),
    ];
    corpus.push((b"login\njdoe\n".to_vec(), true));
    corpus
}

#[test]
fn slicing_at_every_boundary_gives_the_same_table_plan_and_errors_as_one_pass() {
    for (input, pasted) in slicing_corpus() {
        for target in [Target::Epm, Target::Rsa] {
            let expected = one_pass(&input, pasted, target);
            for piece in 1..=input.len() + 1 {
                assert_eq!(
                    sliced(&input, pasted, target, piece),
                    expected,
                    "{target:?}, pieces of {piece}, input {:?}",
                    String::from_utf8_lossy(&input)
                );
            }
        }
    }
}

#[test]
fn an_intake_without_planning_leaves_the_plan_to_plan() {
    let mut intake = Intake::bytes(b"login\njdoe\n".to_vec());
    while !intake.step() {}
    let table = intake.finish().unwrap();
    let options = options(Target::Epm, &table);
    assert!(table.ready.take(&options).is_none());
    assert_eq!(plan(&table, &options).unwrap().counts().targets, 1);
}

#[test]
fn a_plan_built_ahead_is_handed_out_only_for_the_options_it_was_built_for() {
    let table = Intake::bytes(b"login,email\njdoe,j@x.io\n".to_vec())
        .planning(Options::detected(Target::Epm, &Detection::default()))
        .finish()
        .unwrap();
    let mut other = options(Target::Epm, &table);
    other.column = 1;
    let by_email = plan(&table, &other).unwrap();
    assert_eq!(targets(&table, &by_email), [(2, "j@x.io".into())]);
    let copy = table.clone();
    assert!(
        copy.ready.take(&options(Target::Epm, &copy)).is_none(),
        "a copy has no plan ahead"
    );
    let by_login = plan(&table, &options(Target::Epm, &table)).unwrap();
    assert_eq!(targets(&table, &by_login), [(2, "jdoe".into())]);
    assert!(
        table.ready.take(&options(Target::Epm, &table)).is_none(),
        "handed out once"
    );
}

mod sliced_props {
    use super::*;
    use proptest::prelude::*;

    fn input() -> impl Strategy<Value = Vec<u8>> {
        let pieces: Vec<&'static [u8]> = vec![
            b"a",
            b"B",
            b"@",
            b".",
            b",",
            b";",
            b"\t",
            b"|",
            b" ",
            b"\"",
            b"\"\"",
            b"\r",
            b"\n",
            b"\r\n",
            "é".as_bytes(),
            "😀".as_bytes(),
            "\u{200B}".as_bytes(),
            b"\xE9",
            b"\0",
            b"User Login",
            b"jdoe",
            b"JDOE",
        ];
        prop::collection::vec(prop::sample::select(pieces), 0..80).prop_map(|p| p.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn any_cut_of_any_input_reads_as_one_pass(input in input(), piece in 1usize..40, rsa: bool) {
            let target = if rsa { Target::Rsa } else { Target::Epm };
            prop_assert_eq!(sliced(&input, false, target, piece), one_pass(&input, false, target));
            if let Ok(text) = std::str::from_utf8(&input) {
                if !text.contains('\0') {
                    prop_assert_eq!(sliced(&input, true, target, piece), one_pass(&input, true, target));
                }
            }
            let wide = utf16(&String::from_utf8_lossy(&input), false, true);
            prop_assert_eq!(sliced(&wide, false, target, piece), one_pass(&wide, false, target));
        }
    }
}

#[test]
fn a_search_without_the_separator_finds_the_same_rows_in_whole_lines_as_in_fields() {
    let mut random = crate::run::rng::Rng::new(11);
    let alphabet = ['a', 'B', ' ', '\t', ',', ';', '"', 'é', 'ß', 'S', 's', 'x'];
    let pick = |random: &mut crate::run::rng::Rng, len: u64| -> String {
        (0..random.next_u64() % len)
            .map(|_| alphabet[(random.next_u64() % alphabet.len() as u64) as usize])
            .collect()
    };
    let mut rows_compared = 0;
    for _ in 0..300 {
        let lines: Vec<String> = (0..8).map(|_| pick(&mut random, 14)).collect();
        let Ok(table) = read_pasted(&lines.join("\r\n")) else {
            continue;
        };
        for _ in 0..20 {
            let needle = crate::search::Needle::new(&pick(&mut random, 4));
            if needle.is_empty() || needle.holds(table.separator()) {
                continue;
            }
            for row in 0..table.len() {
                let holds = |text: &str| needle.found_in(text);
                assert_eq!(
                    table.any_field(row, holds),
                    table.fields(row).any(holds),
                    "{needle:?} in row {row} of {lines:?}"
                );
                rows_compared += 1;
            }
        }
    }
    assert!(rows_compared > 10_000, "{rows_compared}");
}
