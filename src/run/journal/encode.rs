//! [`Journal::encode`]: the text of [`Journal::to_json`], reusing what the last call wrote for
//! the parts that did not change (the plan, the skipped rows, the step codes and each known
//! result), so saving a large journal often costs little more than copying its text. The plan
//! and the skipped rows, the bulk of a new journal's text, can be written ahead in pieces
//! ([`Journal::prepare_encode`]).

use std::collections::HashMap;

use super::{outcome_code, skip_to_wire, target_code, DoneWire, Journal, JOURNAL_VERSION};
use crate::hash::FxBuild;
use crate::json::{to_string as json, ToJson};
use crate::results::Skipped;
use crate::run::action::RunAction;
use crate::run::outcome::PlanEntry;
use crate::target::Target;

/// The keys [`Journal::encode`] writes between the head and the tail, in order (their length is
/// reserved with the rest, so that a journal of megabytes is never copied to grow its text).
const KEYS: [&str; 6] = [
    "\"msgs\":",
    ",\"done\":[",
    "],\"sent\":",
    ",\"job\":",
    ",\"jobs\":",
    ",\"files\":",
];

/// What [`Journal::encode`] kept from its last call (not saved, not compared).
#[derive(Clone, Debug, Default)]
pub(super) struct Encoded {
    /// `{` up to the `"skipped"` array and its comma, with what it was written from.
    head: Option<(HeadKey, String)>,
    /// The head while [`Journal::prepare_encode`] writes it a piece at a time.
    draft: Option<HeadDraft>,
    /// `,"abs":…,"act":…,"stp":…}`, with the action it was written for (the steps and the
    /// absent users never change after [`Journal::for_action`] and
    /// [`Journal::with_absent_before`], which forget it).
    tail: Option<(RunAction, String)>,
    /// Each known result's text by plan index, with the message index written in it.
    done: Vec<Option<(u32, String)>>,
}

/// The public fields the head is written from.
#[derive(Clone, Debug, PartialEq)]
struct HeadKey {
    target: Target,
    base_url: String,
    run_id: String,
    started_bits: u64,
}

/// A head being written: its text so far, and which entry of which array comes next.
#[derive(Clone, Debug)]
struct HeadDraft {
    key: HeadKey,
    text: String,
    part: HeadPart,
    next: usize,
}

/// The arrays of the head, in the order they are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum HeadPart {
    Rows,
    Users,
    Skipped,
}

impl HeadDraft {
    fn new(key: HeadKey, plan: &[PlanEntry]) -> HeadDraft {
        let estimate: usize = plan.iter().map(|e| e.user.len() + 12).sum();
        let mut text = String::with_capacity(estimate + key.base_url.len() + 128);
        text.push_str(&format!(
            "{{\"v\":{},\"target\":{},\"base\":{},\"run\":{},\"started\":{},\"rows\":[",
            json(&JOURNAL_VERSION),
            json(target_code(key.target)),
            json(&key.base_url),
            json(&key.run_id),
            json(&f64::from_bits(key.started_bits)),
        ));
        HeadDraft {
            key,
            text,
            part: HeadPart::Rows,
            next: 0,
        }
    }

    /// Writes up to `budget` more array entries; `true` once the head is whole.
    fn write(&mut self, plan: &[PlanEntry], skipped: &[Skipped], mut budget: usize) -> bool {
        loop {
            let len = match self.part {
                HeadPart::Rows | HeadPart::Users => plan.len(),
                HeadPart::Skipped => skipped.len(),
            };
            while self.next < len {
                if budget == 0 {
                    return false;
                }
                budget -= 1;
                if self.next > 0 {
                    self.text.push(',');
                }
                let out = &mut self.text;
                match self.part {
                    HeadPart::Rows => plan[self.next].row.write_json(out),
                    HeadPart::Users => plan[self.next].user.write_json(out),
                    HeadPart::Skipped => skip_to_wire(&skipped[self.next]).write_json(out),
                }
                self.next += 1;
            }
            self.next = 0;
            let (close, part) = match self.part {
                HeadPart::Rows => ("],\"users\":[", HeadPart::Users),
                HeadPart::Users => ("],\"skipped\":[", HeadPart::Skipped),
                HeadPart::Skipped => {
                    self.text.push_str("],");
                    return true;
                }
            };
            self.text.push_str(close);
            self.part = part;
        }
    }
}

impl Encoded {
    /// The result at plan index `i` changed.
    pub(super) fn forget_result(&mut self, i: usize) {
        if let Some(done) = self.done.get_mut(i) {
            *done = None;
        }
    }

    /// The step codes changed.
    pub(super) fn forget_tail(&mut self) {
        self.tail = None;
    }
}

impl Journal {
    /// Writes up to `entries` more entries of the plan's rows and users and of the skipped rows,
    /// which [`Journal::encode`] would otherwise write in one go for a new journal; `true` once
    /// none is left. A page calls it between turns of its event loop before the first encode of
    /// a large journal, so that no turn writes the whole plan.
    pub fn prepare_encode(&mut self, entries: usize) -> bool {
        let key = HeadKey {
            target: self.target,
            base_url: self.base_url.clone(),
            run_id: self.run_id.clone(),
            started_bits: self.started_ms.to_bits(),
        };
        let cache = &mut self.encoded;
        if cache.head.as_ref().is_some_and(|(k, _)| *k == key) {
            return true;
        }
        let mut draft = match cache.draft.take() {
            Some(draft) if draft.key == key => draft,
            _ => HeadDraft::new(key, &self.plan),
        };
        if draft.write(&self.plan, &self.skipped, entries) {
            cache.head = Some((draft.key, draft.text));
            true
        } else {
            cache.draft = Some(draft);
            false
        }
    }

    /// Exactly the text of [`Journal::to_json`], written again only where the journal changed
    /// since the last call.
    pub fn encode(&mut self) -> String {
        self.prepare_encode(usize::MAX);
        let jobs = json(&self.live_jobs());
        let files = json(&self.files);
        let cache = &mut self.encoded;
        if cache.tail.as_ref().is_none_or(|(a, _)| *a != self.action) {
            let tail = format!(
                ",\"abs\":{},\"act\":{},\"stp\":{}}}",
                json(&self.absent),
                json(self.action.code()),
                json(&self.steps)
            );
            cache.tail = Some((self.action, tail));
        }
        cache.done.resize(self.results.len(), None);

        let mut messages: Vec<&str> = Vec::new();
        let mut message_index: HashMap<&str, u32, FxBuild> = HashMap::default();
        for (result, done) in self.results.iter().zip(cache.done.iter_mut()) {
            let Some(r) = result else {
                continue;
            };
            let m = *message_index.entry(&r.message).or_insert_with(|| {
                messages.push(&r.message);
                (messages.len() - 1) as u32
            });
            if done.as_ref().is_none_or(|(written, _)| *written != m) {
                let wire: DoneWire = (
                    outcome_code(&r.outcome),
                    r.http_status,
                    m,
                    r.attempts,
                    r.at_ms - self.started_ms,
                );
                *done = Some((m, json(&wire)));
            }
        }

        let msgs = json(&messages);
        let sent = json(self.in_flight.as_slice());
        let job = json(&self.in_job.to_vec());
        let (head, tail) = match (&cache.head, &cache.tail) {
            (Some((_, head)), Some((_, tail))) => (head, tail),
            _ => unreachable!("both were written above"),
        };
        let done_len: usize = self
            .results
            .iter()
            .zip(&cache.done)
            .map(|(r, d)| match (r, d) {
                (Some(_), Some((_, text))) => text.len() + 1,
                _ => "null,".len(),
            })
            .sum();
        let mut out = String::with_capacity(
            head.len()
                + msgs.len()
                + done_len
                + sent.len()
                + job.len()
                + jobs.len()
                + files.len()
                + tail.len()
                + KEYS.iter().map(|k| k.len()).sum::<usize>(),
        );
        let [msgs_key, done_key, sent_key, job_key, jobs_key, files_key] = KEYS;
        out.push_str(head);
        out.push_str(msgs_key);
        out.push_str(&msgs);
        out.push_str(done_key);
        for (i, (result, done)) in self.results.iter().zip(&cache.done).enumerate() {
            if i > 0 {
                out.push(',');
            }
            match (result, done) {
                (Some(_), Some((_, text))) => out.push_str(text),
                _ => out.push_str("null"),
            }
        }
        out.push_str(sent_key);
        out.push_str(&sent);
        out.push_str(job_key);
        out.push_str(&job);
        out.push_str(jobs_key);
        out.push_str(&jobs);
        out.push_str(files_key);
        out.push_str(&files);
        out.push_str(tail);
        out
    }
}
