//! [`Journal::encode`]: the text of [`Journal::to_json`], reusing what the last call wrote for
//! the parts that did not change (the plan, the skipped rows, the step codes and each known
//! result), so saving a large journal often costs little more than copying its text.

use std::collections::HashMap;

use super::{outcome_code, skip_to_wire, target_code, DoneWire, Journal, JOURNAL_VERSION};
use crate::json::to_string as json;
use crate::run::action::RunAction;
use crate::target::Target;

/// What [`Journal::encode`] kept from its last call (not saved, not compared).
#[derive(Clone, Debug, Default)]
pub(super) struct Encoded {
    /// `{` up to the `"skipped"` array and its comma, with what it was written from.
    head: Option<(HeadKey, String)>,
    /// `,"act":…,"stp":…}`, with the action it was written for (the steps never change after
    /// [`Journal::for_action`], which forgets it).
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
    /// Exactly the text of [`Journal::to_json`], written again only where the journal changed
    /// since the last call.
    pub fn encode(&mut self) -> String {
        let key = HeadKey {
            target: self.target,
            base_url: self.base_url.clone(),
            run_id: self.run_id.clone(),
            started_bits: self.started_ms.to_bits(),
        };
        let cache = &mut self.encoded;
        if cache.head.as_ref().is_none_or(|(k, _)| *k != key) {
            let rows: Vec<usize> = self.plan.iter().map(|e| e.row).collect();
            let users: Vec<&str> = self.plan.iter().map(|e| e.user.as_str()).collect();
            let skipped: Vec<_> = self.skipped.iter().map(skip_to_wire).collect();
            let head = format!(
                "{{\"v\":{},\"target\":{},\"base\":{},\"run\":{},\"started\":{},\"rows\":{},\"users\":{},\"skipped\":{},",
                json(&JOURNAL_VERSION),
                json(target_code(self.target)),
                json(&self.base_url),
                json(&self.run_id),
                json(&self.started_ms),
                json(&rows),
                json(&users),
                json(&skipped),
            );
            cache.head = Some((key, head));
        }
        if cache.tail.as_ref().is_none_or(|(a, _)| *a != self.action) {
            let tail = format!(
                ",\"act\":{},\"stp\":{}}}",
                json(self.action.code()),
                json(&self.steps)
            );
            cache.tail = Some((self.action, tail));
        }
        cache.done.resize(self.results.len(), None);

        let mut messages: Vec<&str> = Vec::new();
        let mut message_index: HashMap<&str, u32> = HashMap::new();
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
        let sent = json(&self.in_flight);
        let job = json(&self.in_job);
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
            head.len() + msgs.len() + done_len + sent.len() + job.len() + tail.len() + 32,
        );
        out.push_str(head);
        out.push_str("\"msgs\":");
        out.push_str(&msgs);
        out.push_str(",\"done\":[");
        for (i, (result, done)) in self.results.iter().zip(&cache.done).enumerate() {
            if i > 0 {
                out.push(',');
            }
            match (result, done) {
                (Some(_), Some((_, text))) => out.push_str(text),
                _ => out.push_str("null"),
            }
        }
        out.push_str("],\"sent\":");
        out.push_str(&sent);
        out.push_str(",\"job\":");
        out.push_str(&job);
        out.push_str(tail);
        out
    }
}
