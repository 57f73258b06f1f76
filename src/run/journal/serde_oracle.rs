//! The journal's text against the serde version it replaced (its `Wire` types, kept here as
//! they were): random journals are written alike, and random damage to their text is refused
//! by both or read alike, so saves of either version load in the other.

use proptest::prelude::*;
use serde::{Deserialize, Serialize};

use super::*;

#[derive(Serialize, Deserialize)]
struct OldWire<'a> {
    v: u32,
    target: Cow<'a, str>,
    base: Cow<'a, str>,
    run: Cow<'a, str>,
    started: f64,
    rows: Vec<usize>,
    users: Vec<Cow<'a, str>>,
    skipped: Vec<(usize, Cow<'a, str>, OldSkip<'a>)>,
    msgs: Vec<Cow<'a, str>>,
    done: Vec<Option<DoneWire>>,
    sent: Vec<Cow<'a, str>>,
    job: Vec<usize>,
    #[serde(default)]
    jobs: Vec<OldJob<'a>>,
    #[serde(default)]
    files: Vec<Cow<'a, str>>,
    #[serde(default)]
    abs: Option<Vec<usize>>,
    #[serde(default)]
    act: Cow<'a, str>,
    #[serde(default)]
    stp: Cow<'a, str>,
}

/// A started EPM job: batch, `Job Status` link, file, plan indices.
type OldJob<'a> = (usize, Cow<'a, str>, Cow<'a, str>, Vec<usize>);

#[derive(Serialize, Deserialize)]
enum OldSkip<'a> {
    #[serde(rename = "d")]
    Duplicate(usize),
    #[serde(rename = "i")]
    Invalid(Cow<'a, str>),
    #[serde(rename = "b")]
    Blank,
    #[serde(rename = "h")]
    Header,
    #[serde(rename = "s")]
    ExcludedSelf,
    #[serde(rename = "g")]
    ExcludedSelfGuess,
    #[serde(rename = "p")]
    Protected(Cow<'a, str>),
    #[serde(rename = "n")]
    NotInTenant(Cow<'a, str>),
    #[serde(rename = "l")]
    NotLookedUp(Cow<'a, str>),
    #[serde(rename = "o")]
    LeftOut,
}

fn old_skip(s: &Skipped) -> (usize, Cow<'_, str>, OldSkip<'_>) {
    let reason = match &s.reason {
        SkipReason::Duplicate { of_row } => OldSkip::Duplicate(*of_row),
        SkipReason::Invalid(why) => OldSkip::Invalid(Cow::Borrowed(why)),
        SkipReason::Blank => OldSkip::Blank,
        SkipReason::Header => OldSkip::Header,
        SkipReason::ExcludedSelf => OldSkip::ExcludedSelf,
        SkipReason::ExcludedSelfGuess => OldSkip::ExcludedSelfGuess,
        SkipReason::Protected(p) => OldSkip::Protected(Cow::Borrowed(p)),
        SkipReason::NotInTenant(how) => OldSkip::NotInTenant(Cow::Borrowed(how)),
        SkipReason::NotLookedUp(why) => OldSkip::NotLookedUp(Cow::Borrowed(why)),
        SkipReason::LeftOut => OldSkip::LeftOut,
    };
    (s.row, Cow::Borrowed(&s.value), reason)
}

/// What the serde version's `to_json` wrote.
fn old_to_json(j: &Journal) -> String {
    let mut messages: Vec<&str> = Vec::new();
    let mut message_index: HashMap<&str, u32> = HashMap::new();
    let done = j
        .results
        .iter()
        .map(|r| {
            r.as_ref().map(|r| {
                let m = *message_index.entry(&r.message).or_insert_with(|| {
                    messages.push(&r.message);
                    (messages.len() - 1) as u32
                });
                let code = outcome_code(&r.outcome);
                (code, r.http_status, m, r.attempts, r.at_ms - j.started_ms)
            })
        })
        .collect();
    let wire = OldWire {
        v: JOURNAL_VERSION,
        target: Cow::Borrowed(target_code(j.target)),
        base: Cow::Borrowed(&j.base_url),
        run: Cow::Borrowed(&j.run_id),
        started: j.started_ms,
        rows: j.plan.iter().map(|e| e.row).collect(),
        users: j.plan.iter().map(|e| Cow::Borrowed(&*e.user)).collect(),
        skipped: j.skipped.iter().map(old_skip).collect(),
        msgs: messages.into_iter().map(Cow::Borrowed).collect(),
        done,
        sent: j
            .in_flight
            .as_slice()
            .iter()
            .map(|u| Cow::Borrowed(&**u))
            .collect(),
        job: j.in_job.to_vec(),
        jobs: j
            .live_jobs()
            .into_iter()
            .map(|(batch, href, file, members)| {
                (
                    *batch,
                    Cow::Borrowed(&**href),
                    Cow::Borrowed(&**file),
                    members.clone(),
                )
            })
            .collect(),
        files: j.files.iter().map(|f| Cow::Borrowed(&**f)).collect(),
        abs: j.absent.clone(),
        act: Cow::Borrowed(j.action.code()),
        stp: Cow::Borrowed(&j.steps),
    };
    serde_json::to_string(&wire).unwrap()
}

/// What the serde version's `from_json` gave: the same checks on what serde read.
fn old_from_json(text: &str) -> Result<Journal, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let version = value.get("v").ok_or("not a journal")?.as_u64();
    if version != Some(u64::from(JOURNAL_VERSION)) {
        return Err("another version".into());
    }
    let w: OldWire<'static> = serde_json::from_value(value).map_err(|e| e.to_string())?;
    let strings = |v: Vec<Cow<str>>| v.into_iter().map(Cow::into_owned).collect();
    let skip = |(row, value, reason): (usize, Cow<str>, OldSkip<'static>)| {
        let reason = match reason {
            OldSkip::Duplicate(r) => SkipWire::Duplicate(r),
            OldSkip::Invalid(w) => SkipWire::Invalid(w),
            OldSkip::Blank => SkipWire::Blank,
            OldSkip::Header => SkipWire::Header,
            OldSkip::ExcludedSelf => SkipWire::ExcludedSelf,
            OldSkip::ExcludedSelfGuess => SkipWire::ExcludedSelfGuess,
            OldSkip::Protected(p) => SkipWire::Protected(p),
            OldSkip::NotInTenant(how) => SkipWire::NotInTenant(how),
            OldSkip::NotLookedUp(why) => SkipWire::NotLookedUp(why),
            OldSkip::LeftOut => SkipWire::LeftOut,
        };
        (row, value.into_owned(), reason)
    };
    from_wire(Wire {
        target: w.target.into_owned(),
        base: w.base.into_owned(),
        run: w.run.into_owned(),
        started: w.started,
        rows: w.rows,
        users: strings(w.users),
        skipped: w.skipped.into_iter().map(skip).collect(),
        msgs: strings(w.msgs),
        done: w.done,
        sent: strings(w.sent),
        job: w.job,
        jobs: w
            .jobs
            .into_iter()
            .map(|(batch, href, file, members)| {
                (batch, href.into_owned(), file.into_owned(), members)
            })
            .collect(),
        files: strings(w.files),
        abs: w.abs,
        act: w.act.into_owned(),
        stp: w.stp.into_owned(),
    })
}

fn text() -> impl Strategy<Value = String> {
    "[a-c\"\\\\/\u{1}\u{7f}é😀 ]{0,5}"
}

/// Times with at most 15 significant digits, which serde_json's own float parsing reads exactly.
fn ms() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(0.0),
        (0..1u64 << 50).prop_map(|n| n as f64 / 1000.0),
        -1e6..1e6f64
    ]
    .prop_map(|f| format!("{f:.3}").parse().unwrap())
}

fn reason() -> impl Strategy<Value = SkipReason> {
    prop_oneof![
        (0..100usize).prop_map(|of_row| SkipReason::Duplicate { of_row }),
        text().prop_map(SkipReason::Invalid),
        Just(SkipReason::Blank),
        Just(SkipReason::Header),
        Just(SkipReason::ExcludedSelf),
        Just(SkipReason::ExcludedSelfGuess),
        text().prop_map(SkipReason::Protected),
        text().prop_map(SkipReason::NotInTenant),
        text().prop_map(SkipReason::NotLookedUp),
        Just(SkipReason::LeftOut),
    ]
}

type Done = Option<(usize, Option<u16>, usize, u32, f64)>;

fn journal() -> impl Strategy<Value = Journal> {
    let entry = (text(), any::<bool>(), any::<bool>());
    let done = prop::option::of((
        0..10usize,
        any::<Option<u16>>(),
        0..3usize,
        any::<u32>(),
        ms(),
    ));
    (
        prop::collection::vec((entry, done), 0..6),
        prop::collection::vec((0..1000usize, text(), reason()), 0..4),
        (any::<bool>(), text(), text(), ms()),
        (0..4usize, any::<bool>(), any::<bool>()),
        prop::collection::vec(text(), 0..3),
    )
        .prop_map(
            |(entries, skipped, (rsa, base, run, started), (action, steps, checked), files)| {
                let plan = entries
                    .iter()
                    .enumerate()
                    .map(|(i, ((user, _, _), _))| PlanEntry {
                        row: 2 + 3 * i,
                        user: user.clone(),
                    })
                    .collect();
                let skipped = skipped
                    .into_iter()
                    .map(|(row, value, reason)| Skipped { row, value, reason })
                    .collect();
                let target = if rsa { Target::Rsa } else { Target::Epm };
                let action = [
                    RunAction::Remove,
                    RunAction::Mark,
                    RunAction::Unmark,
                    RunAction::Reenable,
                ][action];
                let steps = if steps {
                    entries.iter().map(|_| 'é').collect()
                } else {
                    String::new()
                };
                let mut j = Journal::new(target, &base, &run, started, plan, skipped)
                    .for_action(action, steps);
                if checked {
                    j = j.with_absent_before(|user| user.len() % 2 == 0);
                }
                j.files = files;
                for (i, ((user, sent, job), done)) in entries.into_iter().enumerate() {
                    if sent {
                        j.in_flight.insert(user.clone());
                    }
                    if job {
                        j.in_job.insert(i);
                    }
                    let done: Done = done;
                    j.results[i] =
                        done.map(|(outcome, http_status, m, attempts, after)| UserResult {
                            row: j.plan[i].row,
                            user,
                            outcome: OUTCOMES[outcome].clone(),
                            http_status,
                            message: ["ok", "gone \"x\"", "✗"][m].to_string(),
                            attempts,
                            at_ms: started + after,
                        });
                }
                j
            },
        )
}

/// One change at the `at`-th node (in pre-order) of a JSON tree.
fn damage(v: &mut serde_json::Value, at: &mut usize, how: usize) -> bool {
    if *at == 0 {
        let replacements = [
            "null",
            "true",
            "-1",
            "0",
            "1",
            "1.5",
            "256",
            "65536",
            "4294967296",
            "\"x\"",
            "\"b\"",
            "\"d\"",
            "[]",
            "{}",
            "{\"d\":1}",
            "{\"b\":null}",
            "{\"b\":1}",
            "{\"i\":\"x\"}",
            "{\"d\":1,\"b\":null}",
            "[0,null,0,1,1.0]",
            "[0,200,0]",
        ];
        match v {
            serde_json::Value::Object(map) if how.is_multiple_of(3) && !map.is_empty() => {
                let key = map.keys().nth(how / 3 % map.len()).unwrap().clone();
                map.remove(&key);
            }
            serde_json::Value::Array(items) if how.is_multiple_of(3) && !items.is_empty() => {
                items.remove(how / 3 % items.len());
            }
            _ => *v = serde_json::from_str(replacements[how % replacements.len()]).unwrap(),
        }
        return true;
    }
    *at -= 1;
    match v {
        serde_json::Value::Array(items) => items.iter_mut().any(|i| damage(i, at, how)),
        serde_json::Value::Object(map) => map.values_mut().any(|i| damage(i, at, how)),
        _ => false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn journals_are_written_as_the_serde_version_wrote_them(j in journal()) {
        let text = j.to_json();
        prop_assert_eq!(&text, &old_to_json(&j));
        prop_assert_eq!(&j.clone().encode(), &text);
        prop_assert_eq!(Journal::from_json(&text).unwrap(), old_from_json(&text).unwrap());
    }

    #[test]
    fn damaged_journals_are_refused_by_both_versions_or_read_alike(
        j in journal(),
        at in any::<prop::sample::Index>(),
        how in 0..1000usize,
    ) {
        let mut value: serde_json::Value = serde_json::from_str(&j.to_json()).unwrap();
        let nodes = serde_json::to_string(&value).unwrap().matches([',', '[', '{']).count() + 1;
        damage(&mut value, &mut at.index(nodes), how);
        let text = serde_json::to_string(&value).unwrap();
        match (Journal::from_json(&text), old_from_json(&text)) {
            (Ok(new), Ok(old)) => prop_assert_eq!(new, old),
            (Err(_), Err(_)) => {}
            (new, old) => prop_assert!(false, "{text}: now {new:?}, before {old:?}"),
        }
    }
}
