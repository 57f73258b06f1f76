//! Putting the batch's file on the service and taking it off again.

use crate::run::{Clock, Http, RunEvent};

use super::call::{classify, transient, Answer};
use super::job::parse_status;
use super::service::Epm;
use super::upload::{batch_file_name, chunks, delete_file_request, upload_chunk_request};

/// Why an upload did not complete.
pub(super) enum UploadEnd {
    Cancelled,
    Failed {
        message: String,
        http_status: Option<u16>,
    },
}

impl<H: Http, C: Clock> Epm<'_, H, C> {
    /// Uploads the file under a fresh name, chunk by chunk. A send that may have half-written
    /// the file starts over under the next name, since the service never overwrites. Through an
    /// outage it holds rather than fails (`src/epm/outage.rs`).
    pub(super) async fn upload(
        &self,
        index: usize,
        run_id: &str,
        file: &[u8],
        emit: &mut impl FnMut(RunEvent),
    ) -> Result<String, UploadEnd> {
        let parts = chunks(file, self.config.chunk_size);
        let mut backoff = self.backoff();
        let mut failures = 0;
        let mut leftovers: Vec<String> = Vec::new();
        let mut attempt = 1;
        let result = 'attempts: loop {
            let name = batch_file_name(run_id, index, attempt);
            emit(RunEvent::FileUploading { file: name.clone() });
            let mut next = 0;
            while next < parts.len() {
                if !self.wait_while_paused().await {
                    if next > 0 {
                        leftovers.push(name);
                    }
                    break 'attempts Err(UploadEnd::Cancelled);
                }
                let chunk = parts[next];
                let answer = classify(
                    self.send(|auth| upload_chunk_request(self.base, &name, &chunk, auth))
                        .await,
                    parse_status,
                );
                let outage = answer.is_outage();
                if !outage {
                    self.answered(emit);
                }
                let (mut wait, why) = match answer {
                    Answer::Body { body, .. } if body.status == 0 => {
                        next += 1;
                        continue;
                    }
                    Answer::Body { body, http_status } if transient(http_status) => (
                        backoff.next_ms(),
                        format!("HTTP {http_status}: {}", body.details_or_status()),
                    ),
                    Answer::Body { body, http_status } => {
                        if next > 0 {
                            leftovers.push(name);
                        }
                        break 'attempts Err(UploadEnd::Failed {
                            message: format!(
                                "the upload was refused: {}",
                                body.details_or_status()
                            ),
                            http_status: Some(http_status),
                        });
                    }
                    Answer::CredentialRefused(status) => {
                        if self.await_credential(status, emit).await {
                            continue;
                        }
                        if next > 0 {
                            leftovers.push(name);
                        }
                        break 'attempts Err(UploadEnd::Cancelled);
                    }
                    Answer::Refused {
                        http_status,
                        message,
                    } => {
                        break 'attempts Err(UploadEnd::Failed {
                            message: format!("the upload was refused: {message}"),
                            http_status: Some(http_status),
                        });
                    }
                    Answer::Throttled { wait_ms } => {
                        failures += 1;
                        if failures >= self.config.max_attempts {
                            if next > 0 {
                                leftovers.push(name);
                            }
                            break 'attempts Err(UploadEnd::Failed {
                                message: "the service kept answering 429 Too Many Requests; nothing was removed".into(),
                                http_status: Some(429),
                            });
                        }
                        let wait = wait_ms.unwrap_or_else(|| backoff.next_ms());
                        emit(RunEvent::Throttled { wait_ms: wait });
                        self.clock.sleep(wait).await;
                        continue;
                    }
                    Answer::Transient(why) => (backoff.next_ms(), why),
                    Answer::Unreadable { http_status, error } => {
                        (backoff.next_ms(), format!("HTTP {http_status}: {error}"))
                    }
                };
                leftovers.push(name);
                failures += 1;
                if failures >= self.config.max_attempts.max(1) {
                    let held = outage
                        .then(|| self.hold_or_give_up(&mut backoff, failures, &why, emit))
                        .flatten();
                    match held {
                        Some(hold) => wait = hold,
                        None => {
                            break 'attempts Err(UploadEnd::Failed {
                                message: format!(
                                    "the upload failed after {failures} attempts: {why}"
                                ),
                                http_status: None,
                            })
                        }
                    }
                }
                self.clock.sleep(wait).await;
                attempt += 1;
                continue 'attempts;
            }
            break Ok(name);
        };
        // Half-written files of ours that may or may not exist (gone already: deleted). Once one
        // cannot be deleted, the service is not deleting: the rest are named with it, for the
        // admin to delete by hand.
        let mut kept: Vec<String> = Vec::new();
        let mut why = String::new();
        for name in leftovers {
            if kept.is_empty() {
                match self.delete_named(&name, emit).await {
                    Ok(()) => continue,
                    Err(e) => why = e,
                }
            }
            kept.push(name);
        }
        if let (Some(first), Some(last)) = (kept.first(), kept.last()) {
            let files = match kept.len() {
                1 => format!("the partly uploaded file {first}"),
                n => format!("{n} partly uploaded files ({first} to {last})"),
            };
            emit(RunEvent::Note(format!(
                "Batch {}: {files} could not be deleted ({why}); delete what EPM's file list still has of them.",
                index + 1
            )));
        }
        result
    }

    /// Deletes an uploaded file; a note if that failed.
    pub(super) async fn delete_file(
        &self,
        index: usize,
        name: &str,
        emit: &mut dyn FnMut(RunEvent),
    ) -> Option<String> {
        let why = self.delete_named(name, emit).await.err()?;
        Some(format!(
            "Batch {}: the uploaded file {name} could not be deleted ({why}); delete it in EPM's file list.",
            index + 1
        ))
    }

    /// Deletes the files a page closed during the run left on the service (uploaded ahead for a
    /// batch whose job never started, or not deleted yet): a note for each that could not be.
    pub async fn delete_left_files(
        &self,
        files: &[String],
        emit: &mut dyn FnMut(RunEvent),
    ) -> Vec<String> {
        let mut notes = Vec::new();
        for name in files {
            if let Err(why) = self.delete_named(name, emit).await {
                notes.push(format!(
                    "The file {name}, uploaded before the page closed, could not be deleted ({why}); \
                     delete it in EPM's file list."
                ));
            }
        }
        notes
    }

    /// Deletes the file `name`; `Err` (why) when the service did not.
    pub(super) async fn delete_named(
        &self,
        name: &str,
        mut emit: &mut dyn FnMut(RunEvent),
    ) -> Result<(), String> {
        let outcome = self
            .call_safely(
                |auth| delete_file_request(self.base, name, auth),
                parse_status,
                &mut emit,
            )
            .await;
        match outcome {
            // Gone already (404): a first request whose answer was lost deleted it.
            Ok((body, status)) if body.status == 0 || status == 404 => {
                emit(RunEvent::FileDeleted {
                    file: name.to_string(),
                });
                Ok(())
            }
            Ok((body, _)) => Err(body.details_or_status()),
            Err(why) => Err(why),
        }
    }
}
