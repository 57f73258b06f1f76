//! The module against serde_json, the implementation it replaces: the same values, the same
//! written text, and the same texts refused.

use proptest::prelude::*;

use super::*;

/// serde_json's value as ours.
fn from_serde(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => Value::Number(match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Number(N::PosInt(u)),
            (None, Some(i)) => Number(N::NegInt(i)),
            _ => Number(N::Float(n.as_f64().unwrap())),
        }),
        serde_json::Value::String(s) => Value::String(s.clone()),
        serde_json::Value::Array(items) => Value::Array(items.iter().map(from_serde).collect()),
        serde_json::Value::Object(map) => {
            Value::object(map.iter().map(|(k, v)| (k.as_str(), from_serde(v))))
        }
    }
}

/// Our value as serde_json's.
fn to_serde(v: &Value) -> serde_json::Value {
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Number(Number(N::PosInt(n))) => (*n).into(),
        Value::Number(Number(N::NegInt(n))) => (*n).into(),
        Value::Number(Number(N::Float(f))) => serde_json::Number::from_f64(*f).unwrap().into(),
        Value::String(s) => s.clone().into(),
        Value::Array(items) => items.iter().map(to_serde).collect(),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| (k.to_string(), to_serde(v)))
            .collect(),
    }
}

/// Equal, floats bit for bit (`-0.0` is not `0.0`). The oracle's serde_json reads floats
/// correctly rounded (`float_roundtrip`), as ours does (the standard library's parsing); its
/// default parsing is sometimes a few units in the last place off ("59267668423904608.40E-24").
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(Number(N::Float(x))), Value::Number(Number(N::Float(y)))) => {
            x.to_bits() == y.to_bits()
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y.iter())
                    .all(|((k, a), (l, b))| k == l && same(a, b))
        }
        _ => a == b,
    }
}

/// Both parsers on one text: both refuse it, or both read the same value.
fn agree(text: &str) -> Result<(), TestCaseError> {
    let ours = parse(text);
    let theirs = serde_json::from_str::<serde_json::Value>(text);
    match (&ours, &theirs) {
        (Ok(a), Ok(b)) => {
            prop_assert!(same(a, &from_serde(b)), "{text:?}: {a:?} vs {b:?}");
            prop_assert_eq!(to_string(a), serde_json::to_string(&to_serde(a)).unwrap());
        }
        (Err(_), Err(_)) => {}
        _ => prop_assert!(false, "{text:?}: ours {ours:?}, serde_json {theirs:?}"),
    }
    prop_assert_eq!(ours.is_ok(), parse_bytes(text.as_bytes()).is_ok());
    Ok(())
}

fn number() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        any::<u64>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        (-1e6..1e6f64).prop_map(serde_json::Value::from),
        (0..100_000_000_000_000u64).prop_map(|n| serde_json::Value::from(n as f64 / 1000.0)),
    ]
}

fn value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        number(),
        any::<String>().prop_map(serde_json::Value::String),
        "[a-c\"\\\\/\u{0}-\u{1f}\u{7f}é\u{2028}😀]{0,6}".prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(4, 40, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            prop::collection::vec(("[a-dA-D]{0,3}", inner), 0..6)
                .prop_map(|entries| serde_json::Value::Object(entries.into_iter().collect())),
        ]
    })
}

/// Small edits that make many near-JSON texts: (where, what to do, which character).
fn edits() -> impl Strategy<Value = Vec<(prop::sample::Index, u8, char)>> {
    let chars = prop::sample::select(
        "{}[]:,\"\\ \t\n0123456789-+.eEtrufalsn\u{1}u\u{e9}x/bD8"
            .chars()
            .collect::<Vec<_>>(),
    );
    prop::collection::vec((any::<prop::sample::Index>(), 0..3u8, chars), 1..4)
}

fn edit(text: &str, edits: &[(prop::sample::Index, u8, char)]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for (at, op, c) in edits {
        let i = at.index(chars.len() + 1);
        match op {
            0 => chars.insert(i, *c),
            1 if i < chars.len() => drop(chars.remove(i)),
            _ if i < chars.len() => chars[i] = *c,
            _ => chars.push(*c),
        }
    }
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn serde_json_text_reads_back_and_writes_alike(v in value()) {
        let text = serde_json::to_string(&v).unwrap();
        let ours = parse(&text).unwrap();
        prop_assert!(same(&ours, &from_serde(&v)), "{text}");
        prop_assert_eq!(to_string(&from_serde(&v)), text);
        let pretty = serde_json::to_string_pretty(&v).unwrap();
        prop_assert_eq!(parse(&pretty).unwrap(), ours);
    }

    #[test]
    fn edited_texts_are_refused_or_read_alike(v in value(), e in edits()) {
        agree(&edit(&serde_json::to_string(&v).unwrap(), &e))?;
    }

    #[test]
    fn arbitrary_texts_are_refused_or_read_alike(
        text in "[\\[\\]{}:,\" \t\n0-9.eE+\\-tfnrulas\\\\u]{0,24}"
    ) {
        agree(&text)?;
    }

    #[test]
    fn number_texts_are_refused_or_read_alike(
        text in "-?[0-9]{0,25}(\\.[0-9]{0,20})?([eE][+\\-]?[0-9]{0,4})?"
    ) {
        agree(&text)?;
    }

    #[test]
    fn floats_are_written_alike(bits in any::<u64>(), scale in -330i32..330) {
        let f = f64::from_bits(bits);
        prop_assert_eq!(to_string(&f), serde_json::to_string(&f).unwrap());
        let g = 1.234_567 * 10f64.powi(scale);
        prop_assert_eq!(to_string(&g), serde_json::to_string(&g).unwrap());
    }

    #[test]
    fn floats_halfway_between_two_shortest_texts_are_written_alike(
        k in 100_000_000_000_000u64..1 << 49,
        eighths in 0..8u32,
        negative in any::<bool>(),
    ) {
        // Exact: 15 digits and 3 decimals, half of them halfway between two 17-digit texts.
        let f = k as f64 + f64::from(eighths) / 8.0;
        let f = if negative { -f } else { f };
        prop_assert_eq!(to_string(&f), serde_json::to_string(&f).unwrap());
    }

    #[test]
    fn strings_are_written_alike(s in any::<String>()) {
        prop_assert_eq!(to_string(&s), serde_json::to_string(&s).unwrap());
    }
}

#[test]
fn every_control_character_and_escape_is_written_alike() {
    let all: String = (0..0x80u8)
        .map(char::from)
        .chain(['é', '\u{2028}', '😀'])
        .collect();
    assert_eq!(to_string(&all), serde_json::to_string(&all).unwrap());
    assert_eq!(to_string("a\u{1}\"\\"), r#""a\u0001\"\\""#);
}

#[test]
fn floats_at_the_edges_of_the_decimal_range_are_written_alike() {
    for f in [
        0.0,
        -0.0,
        1.0,
        0.1,
        1e-5,
        1.5e-5,
        9.99e-5,
        1e-4,
        1e-7,
        1e15,
        1e16,
        1.5e16,
        1e21,
        1e300,
        f64::MAX,
        f64::MIN_POSITIVE,
        5e-324,
        -2.5e-5,
        1_712_345_678_901.0,
        f64::NAN,
        f64::INFINITY,
    ] {
        assert_eq!(to_string(&f), serde_json::to_string(&f).unwrap(), "{f:e}");
    }
}

#[test]
fn numbers_are_integers_when_they_fit_as_serde_json_keeps_them() {
    let n = |text: &str| parse(text).unwrap();
    assert_eq!(n("-1").as_i64(), Some(-1));
    assert_eq!(n("-1").as_u64(), None);
    assert_eq!(n("18446744073709551615").as_u64(), Some(u64::MAX));
    assert_eq!(n("18446744073709551615").as_i64(), None);
    assert_eq!(n("-9223372036854775808").as_i64(), Some(i64::MIN));
    assert_eq!(n("18446744073709551616").as_u64(), None);
    assert_eq!(
        n("18446744073709551616").as_f64(),
        Some(1.8446744073709552e19)
    );
    assert_eq!(n("1.0").as_i64(), None);
    assert_eq!(n("1e2").as_i64(), None);
    assert_eq!(to_string(&n("-0")), "-0.0");
    assert!(parse("1e400")
        .unwrap_err()
        .to_string()
        .contains("out of range"));
    assert_eq!(n("1e-400").as_f64(), Some(0.0));
}

#[test]
fn nesting_stops_where_serde_json_stops() {
    for depth in [1, 126, 127, 128, 129, 5000] {
        let arrays = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let objects = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
        for text in [arrays, objects] {
            assert_eq!(
                parse(&text).is_ok(),
                serde_json::from_str::<serde_json::Value>(&text).is_ok(),
                "depth {depth}"
            );
        }
    }
    assert!(parse(&"[".repeat(128))
        .unwrap_err()
        .to_string()
        .contains("recursion limit"));
}

#[test]
fn surrogate_pairs_are_joined_and_lone_surrogates_refused() {
    assert_eq!(
        parse(r#""\uD83D\uDE00\u00e9\u0041""#).unwrap(),
        Value::from("😀éA")
    );
    for text in [
        r#""\uD83D""#,
        r#""\uD83Dx""#,
        r#""\uD83D\n""#,
        r#""\uDE00""#,
        r#""\uD83D\u0041""#,
    ] {
        assert!(parse(text).is_err(), "{text}");
        assert!(
            serde_json::from_str::<serde_json::Value>(text).is_err(),
            "{text}"
        );
    }
}

#[test]
fn repeated_keys_keep_the_last_value_and_objects_are_written_in_key_order() {
    let v = parse(r#"{"b":1,"a":2,"b":3}"#).unwrap();
    assert_eq!(v.get("b").and_then(Value::as_i64), Some(3));
    assert_eq!(v.to_string(), r#"{"a":2,"b":3}"#);
    let built = Value::object([("sub", Value::from("x")), ("aud", Value::from(1i64))]);
    assert_eq!(
        built.to_string(),
        serde_json::json!({"sub": "x", "aud": 1}).to_string()
    );
}

#[test]
fn errors_say_what_and_where() {
    let e = |text: &str| parse(text).unwrap_err().to_string();
    assert_eq!(e(""), "EOF while parsing a value at line 1 column 1");
    assert_eq!(
        e("{\"v\":1"),
        "EOF while parsing an object at line 1 column 7"
    );
    assert_eq!(e("[1,\n 2 x]"), "expected `,` or `]` at line 2 column 4");
    assert_eq!(e("1 2"), "trailing characters at line 1 column 3");
    assert_eq!(
        e("\"\u{1}\""),
        "control character (\\u0000-\\u001F) found while parsing a string at line 1 column 2"
    );
    assert_eq!(
        parse_bytes(b"[\"\xff\"]").unwrap_err().to_string(),
        "invalid UTF-8 at line 1 column 3"
    );
    assert_eq!(
        parse_bytes("\u{feff}{}".as_bytes())
            .unwrap_err()
            .to_string(),
        "expected value at line 1 column 1"
    );
}

#[test]
fn typed_reading_names_the_place_of_the_fault() {
    let v = parse(r#"{"done":[[1,2],[3,"x"]],"n":300}"#).unwrap();
    let obj = v.as_object().unwrap();
    let done: Result<Vec<(u8, u8, u8)>, _> = required(obj, "done");
    assert_eq!(
        done.unwrap_err().to_string(),
        "invalid length at done[0]: expected 3 elements, found 2"
    );
    let done: Result<Vec<Vec<u8>>, _> = required(obj, "done");
    assert_eq!(
        done.unwrap_err().to_string(),
        "invalid type at done[1][1]: expected an integer, found the string \"x\""
    );
    let n: Result<u8, _> = required(obj, "n");
    assert_eq!(
        n.unwrap_err().to_string(),
        "invalid value at n: expected an integer from 0 to 255, found 300"
    );
    assert_eq!(
        required::<u8>(obj, "m").unwrap_err().to_string(),
        "missing field: \"m\""
    );
    assert_eq!(field::<Option<String>>(obj, "m"), Ok(None));
}

#[test]
fn a_trailing_comma_is_taken_only_where_asked_for_and_only_one() {
    use super::parse_allowing_trailing_commas as lenient;
    assert_eq!(lenient("[1, 2 ,\n]").unwrap(), parse("[1,2]").unwrap());
    assert_eq!(
        lenient(r#"{"a": [1,], "b": {"c": null,},}"#).unwrap(),
        parse(r#"{"a": [1], "b": {"c": null}}"#).unwrap()
    );
    for strict_only in ["[1,]", r#"{"a":1,}"#] {
        assert!(parse(strict_only).is_err(), "{strict_only}");
    }
    for never in ["[,]", "[1,,]", "{,}", r#"{"a":1,,}"#, "[1,", "[1 2]"] {
        assert!(lenient(never).is_err(), "{never}");
    }
}
