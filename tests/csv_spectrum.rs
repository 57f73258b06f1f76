//! The csv-spectrum corpus (npm `csv-spectrum@2.0.0`, installed by the test setup into `node_modules/`): every
//! `csvs/*.csv` read with the intake parser (delimiter sniffed, first row the header) gives its `json/*.json`.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use offboard::csv_intake::{read_bytes, Delimiter};
use serde_json::{Map, Value};

/// Known mistakes in the corpus's expected JSON, each checked to still be there (so a fixed upstream file makes
/// this list fail rather than hide a regression): (file, record, column, what the JSON says, what the CSV holds).
const ERRATA: &[(&str, usize, &str, &str, &str)] = &[
    // csv-spectrum issue #20: the JSON was anonymised, the CSV was not.
    (
        "location_coordinates",
        0,
        "Contact Phone Number",
        "1234567890",
        "2095257564",
    ),
];

/// Expected files that hold one object instead of an array of one (csv-spectrum issue #22).
const SINGLE_OBJECT: &[&str] = &["location_coordinates"];

fn corpus() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("node_modules/csv-spectrum");
    assert!(
        dir.join("csvs").is_dir() && dir.join("json").is_dir(),
        "the csv-spectrum corpus is missing at {}: run the test setup (`npm install` at the repository root) first",
        dir.display()
    );
    let package: Value =
        serde_json::from_slice(&fs::read(dir.join("package.json")).unwrap()).unwrap();
    assert_eq!(
        package["version"], "2.0.0",
        "csv-spectrum must be version 2.0.0"
    );
    dir
}

fn parse(csv: &Path) -> Vec<Map<String, Value>> {
    let table =
        read_bytes(fs::read(csv).unwrap()).unwrap_or_else(|e| panic!("{}: {e}", csv.display()));
    assert!(
        matches!(table.delimiter(), Some(Delimiter::Comma) | None),
        "{}: sniffed {:?}",
        csv.display(),
        table.delimiter()
    );
    let header: Vec<&str> = table.fields(0).collect();
    (1..table.len())
        .filter(|&row| !table.is_blank(row))
        .map(|row| {
            let fields: Vec<&str> = table.fields(row).collect();
            assert_eq!(
                fields.len(),
                header.len(),
                "{} row {}",
                csv.display(),
                row + 1
            );
            header
                .iter()
                .zip(fields)
                .map(|(k, v)| (k.to_string(), Value::from(v)))
                .collect()
        })
        .collect()
}

fn expected(name: &str, json: &Path) -> Vec<Map<String, Value>> {
    let value: Value = serde_json::from_slice(&fs::read(json).unwrap()).unwrap();
    let records = match value {
        Value::Array(records) => records,
        Value::Object(_) if SINGLE_OBJECT.contains(&name) => vec![value],
        other => panic!("{name}.json: expected an array of objects, found {other}"),
    };
    let mut records: Vec<Map<String, Value>> = records
        .into_iter()
        .map(|r| {
            r.as_object()
                .cloned()
                .unwrap_or_else(|| panic!("{name}.json: a record is not an object"))
        })
        .collect();
    for (file, record, column, json_says, csv_has) in ERRATA.iter().filter(|e| e.0 == name) {
        let field = records[*record].get_mut(*column).unwrap();
        assert_eq!(
            field, json_says,
            "erratum for {file}.json no longer applies: remove it"
        );
        *field = Value::from(*csv_has);
    }
    records
}

#[test]
fn every_csv_in_the_corpus_parses_to_its_json() {
    let dir = corpus();
    let mut results = BTreeMap::new();
    for entry in fs::read_dir(dir.join("csvs")).unwrap() {
        let csv = entry.unwrap().path();
        let name = csv.file_stem().unwrap().to_string_lossy().into_owned();
        let json = dir.join("json").join(format!("{name}.json"));
        assert!(json.is_file(), "{name}.csv has no {name}.json");
        results.insert(name.clone(), (parse(&csv), expected(&name, &json)));
    }
    assert_eq!(
        results.len(),
        12,
        "csv-spectrum 2.0.0 has 12 files: {:?}",
        results.keys()
    );
    for (name, (parsed, expected)) in &results {
        assert_eq!(parsed, expected, "{name}.csv");
    }
}
