//! The journal's text saved as pieces under keys of their own, with a manifest naming them.
//!
//! One `localStorage.setItem` of a 20,000-user journal (1.3 MB) held the page for 20 to 60 ms
//! every two seconds of a run. Cut into pieces, a save writes only the pieces whose text
//! changed since the last save (as results arrive, the journal grows near its end), each
//! under a new key, then the manifest. A key's text never changes once written, so a page
//! closed in the middle of a save leaves the previous manifest naming complete pieces: the
//! run resumes from the last finished save. Keys no manifest names are removed after a save.
//! Each piece is kept [packed](super::packing) 15 bits to a character.

use std::ops::Range;

use super::packing::{pack, unpack};
use crate::json::{self, to_string as json_text};

/// The most bytes of text in one piece (fewer when a character would be cut).
pub const PIECE_BYTES: usize = 64 * 1024;

/// What has been saved, so the next save can keep the pieces that did not change.
#[derive(Debug)]
pub struct Pieces {
    /// Every key this saver writes starts with it; unique to the page session.
    prefix: String,
    written: u64,
    last: Option<Saved>,
}

#[derive(Debug)]
struct Saved {
    text: String,
    keys: Vec<String>,
}

/// One save: the pieces to write, then the manifest to write under the journal's key.
#[derive(Debug)]
pub struct Save {
    /// New keys and the byte range of the text each holds, in order.
    pub writes: Vec<(String, Range<usize>)>,
    /// The manifest's text.
    pub manifest: String,
    /// Every key the manifest names, in order.
    pub keys: Vec<String>,
}

impl Save {
    /// The key and the stored text of write `i` of this save, planned for `text`.
    pub fn piece(&self, i: usize, text: &str) -> (&str, String) {
        let (key, range) = &self.writes[i];
        (key, pack(&text.as_bytes()[range.clone()]))
    }
}

/// A manifest read back.
#[derive(Debug, PartialEq)]
pub struct Manifest {
    pub keys: Vec<String>,
    pub bytes: usize,
    /// Whether its pieces are packed (an earlier version kept them as plain text).
    pub packed: bool,
}

impl Pieces {
    /// A saver whose keys start with `prefix` (which must differ from any earlier session's).
    pub fn new(prefix: String) -> Pieces {
        Pieces {
            prefix,
            written: 0,
            last: None,
        }
    }

    /// Whether nothing has been saved yet ([`Pieces::saved`]).
    pub fn is_fresh(&self) -> bool {
        self.last.is_none()
    }

    /// What to write to save `text`: new keys for the pieces that differ from the last save.
    pub fn plan(&mut self, text: &str) -> Save {
        let mut writes = Vec::new();
        let mut keys = Vec::new();
        for (i, range) in bounds(text).into_iter().enumerate() {
            let kept = self.last.as_ref().and_then(|last| {
                let key = last.keys.get(i)?;
                (last.text.get(range.clone())? == &text[range.clone()]).then(|| key.clone())
            });
            let key = kept.unwrap_or_else(|| {
                let key = format!("{}{}", self.prefix, self.written);
                self.written += 1;
                writes.push((key.clone(), range));
                key
            });
            keys.push(key);
        }
        let manifest = format!(
            "{{\"pieces\":{},\"bytes\":{},\"packed\":true}}",
            json_text(&keys),
            text.len()
        );
        Save {
            writes,
            manifest,
            keys,
        }
    }

    /// `save`, planned for `text`, is written (manifest included); `text` is kept to compare
    /// the next save with.
    pub fn saved(&mut self, save: Save, text: String) {
        self.last = Some(Saved {
            text,
            keys: save.keys,
        });
    }
}

/// Where each piece of `text` starts and ends: [`PIECE_BYTES`] each, never inside a character.
fn bounds(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::with_capacity(text.len() / PIECE_BYTES + 1);
    let mut start = 0;
    while start < text.len() {
        let mut end = (start + PIECE_BYTES).min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        out.push(start..end);
        start = end;
    }
    out
}

/// The manifest in `saved`, or `None` when `saved` is something else (a journal saved whole
/// under one key by an earlier version).
pub fn read_manifest(saved: &str) -> Option<Manifest> {
    let value = json::parse(saved).ok()?;
    let obj = value.as_object()?;
    Some(Manifest {
        keys: json::required(obj, "pieces").ok()?,
        bytes: json::required(obj, "bytes").ok()?,
        packed: obj.get("packed") == Some(&json::Value::Bool(true)),
    })
}

/// The text a manifest names, read back a piece at a time ([`Assembly::add`]), so that a page
/// can give its event loop a turn between pieces.
pub struct Assembly<'m> {
    manifest: &'m Manifest,
    bytes: Vec<u8>,
    read: usize,
}

impl<'m> Assembly<'m> {
    /// An assembly of the pieces `manifest` names.
    pub fn new(manifest: &'m Manifest) -> Assembly<'m> {
        // The manifest may be damaged: its length only hints at the room needed (a browser
        // keeps about 5 million characters for a site: at most 10 MB of packed text).
        let room = manifest
            .bytes
            .min(manifest.keys.len().saturating_mul(PIECE_BYTES))
            .min(16 << 20);
        Assembly {
            manifest,
            bytes: Vec::with_capacity(room),
            read: 0,
        }
    }

    /// The key of the piece to read next, or `None` once all are read.
    pub fn next_key(&self) -> Option<&'m str> {
        self.manifest.keys.get(self.read).map(String::as_str)
    }

    /// Adds the piece read under [`Assembly::next_key`] (`None` if the browser has none); why
    /// the journal cannot be read otherwise.
    pub fn add(&mut self, piece: Option<String>) -> Result<(), String> {
        let keys = &self.manifest.keys;
        let which = || {
            let key = keys.get(self.read).map_or("", String::as_str);
            format!("piece {} of {} ({key})", self.read + 1, keys.len())
        };
        let piece =
            piece.ok_or_else(|| format!("{} is missing from the browser's storage", which()))?;
        if !self.manifest.packed {
            self.bytes.extend_from_slice(piece.as_bytes());
        } else if unpack(&piece, &mut self.bytes).is_none() {
            return Err(format!("{} is not a journal's piece", which()));
        }
        self.read += 1;
        Ok(())
    }

    /// How many pieces have been added.
    pub fn pieces_read(&self) -> usize {
        self.read
    }

    /// The text, once every piece is added; why not when the pieces do not add up to the
    /// length the manifest gives.
    pub fn finish(self) -> Result<String, String> {
        if self.bytes.len() != self.manifest.bytes || self.next_key().is_some() {
            return Err(format!(
                "its pieces hold {} bytes where {} were saved",
                self.bytes.len(),
                self.manifest.bytes
            ));
        }
        String::from_utf8(self.bytes).map_err(|_| "its pieces do not make a text".to_string())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::run::rng::Rng;

    /// A `localStorage` stand-in: the manifest under `"journal"`, pieces under their keys.
    #[derive(Default)]
    struct Store(HashMap<String, String>);

    impl Store {
        /// Writes `save`'s pieces, and its manifest unless `crash` stops the page before it.
        fn write(&mut self, save: &Save, text: &str, crash: bool) {
            for i in 0..save.writes.len() {
                let (key, piece) = save.piece(i, text);
                assert!(
                    !self.0.contains_key(key),
                    "{key} is written twice: a saved piece changed"
                );
                self.0.insert(key.to_string(), piece);
            }
            if !crash {
                self.0.insert("journal".into(), save.manifest.clone());
            }
        }

        fn load(&self) -> Result<String, String> {
            load(&self.0["journal"], |key| self.0.get(key).cloned())
        }

        fn save(&mut self, pieces: &mut Pieces, text: &str) -> usize {
            let save = pieces.plan(text);
            let written = save.writes.len();
            self.write(&save, text, false);
            pieces.saved(save, text.to_string());
            written
        }
    }

    /// The journal text the manifest `saved` names, its pieces read with `read`.
    fn load(saved: &str, read: impl Fn(&str) -> Option<String>) -> Result<String, String> {
        let manifest = read_manifest(saved).expect("a manifest");
        let mut assembly = Assembly::new(&manifest);
        while let Some(key) = assembly.next_key() {
            assembly.add(read(key))?;
        }
        assembly.finish()
    }

    fn random_text(rng: &mut Rng, len: usize) -> String {
        const CHARS: [char; 6] = ['a', '"', 'é', '€', '😀', '\n'];
        (0..len).map(|_| CHARS[rng.up_to(5) as usize]).collect()
    }

    #[test]
    fn any_text_comes_back_whole_and_no_piece_cuts_a_character() {
        let mut rng = Rng::new(7);
        for len in [
            0,
            1,
            PIECE_BYTES / 4 - 1,
            PIECE_BYTES / 4,
            PIECE_BYTES,
            200_000,
        ] {
            let text = random_text(&mut rng, len);
            let mut store = Store::default();
            store.save(&mut Pieces::new("p1.".into()), &text);
            assert_eq!(store.load().unwrap(), text, "a text of {len} characters");
            for piece in store.0.iter().filter(|(k, _)| k.as_str() != "journal") {
                assert!(piece.1.chars().count() <= (PIECE_BYTES * 8 + 1).div_ceil(15));
            }
        }
    }

    #[test]
    fn a_journal_growing_at_its_end_rewrites_only_its_last_pieces() {
        let mut rng = Rng::new(3);
        let mut text: String = (0..10 * PIECE_BYTES + 100)
            .map(|_| char::from(b'a' + rng.up_to(25) as u8))
            .collect();
        let mut pieces = Pieces::new("p1.".into());
        let mut store = Store::default();
        assert_eq!(store.save(&mut pieces, &text), 11);
        text.push_str(&"r".repeat(500));
        assert_eq!(
            store.save(&mut pieces, &text),
            1,
            "only the last piece changed"
        );
        assert_eq!(store.load().unwrap(), text);
        text.replace_range(3 * PIECE_BYTES..3 * PIECE_BYTES + 1, "X");
        assert_eq!(store.save(&mut pieces, &text), 1, "one piece changed");
        assert_eq!(store.load().unwrap(), text);
        assert_eq!(store.save(&mut pieces, &text), 0, "nothing changed");
        text.insert(5, 'é');
        assert_eq!(
            store.save(&mut pieces, &text),
            11,
            "all shifted after the insertion"
        );
        assert_eq!(store.load().unwrap(), text);
    }

    #[test]
    fn a_page_closed_in_the_middle_of_a_save_resumes_from_the_save_before() {
        let mut rng = Rng::new(11);
        let mut pieces = Pieces::new("p1.".into());
        let mut store = Store::default();
        let first = random_text(&mut rng, 100_000);
        store.save(&mut pieces, &first);
        let mut second = first.clone();
        second.insert_str(0, "0123456789");
        second.push_str("more");
        let save = pieces.plan(&second);
        store.write(&save, &second, true);
        assert_eq!(store.load().unwrap(), first);
    }

    #[test]
    fn a_later_session_saves_next_to_an_earlier_one_without_touching_its_pieces() {
        let mut store = Store::default();
        store.save(
            &mut Pieces::new("p1.".into()),
            "the first session's journal",
        );
        let mut later = Pieces::new("p2.".into());
        let save = later.plan("the resumed journal");
        assert!(save.writes.iter().all(|(key, _)| key.starts_with("p2.")));
        store.write(&save, "the resumed journal", false);
        assert_eq!(store.load().unwrap(), "the resumed journal");
    }

    #[test]
    fn a_missing_or_short_piece_is_named_instead_of_read_as_a_journal() {
        let text = "j".repeat(3 * PIECE_BYTES);
        let mut store = Store::default();
        store.save(&mut Pieces::new("p1.".into()), &text);
        store.0.remove("p1.1");
        assert_eq!(
            store.load().unwrap_err(),
            "piece 2 of 3 (p1.1) is missing from the browser's storage"
        );
        store.0.insert("p1.1".into(), "j".repeat(PIECE_BYTES));
        assert_eq!(
            store.load().unwrap_err(),
            "piece 2 of 3 (p1.1) is not a journal's piece"
        );
        store.0.insert("p1.1".into(), pack(b"short"));
        assert_eq!(
            store.load().unwrap_err(),
            format!(
                "its pieces hold {} bytes where {} were saved",
                2 * PIECE_BYTES + 5,
                3 * PIECE_BYTES
            )
        );
    }

    #[test]
    fn a_manifest_with_a_length_no_memory_holds_is_damaged_not_a_crash() {
        for bytes in [usize::MAX, isize::MAX as usize, 4_294_967_295] {
            let saved = format!(r#"{{"pieces":["k0"],"bytes":{bytes},"packed":true}}"#);
            assert_eq!(
                load(&saved, |_| Some(pack(b"x"))).unwrap_err(),
                format!("its pieces hold 1 bytes where {bytes} were saved")
            );
        }
    }

    #[test]
    fn a_journal_takes_about_half_the_characters_of_its_text() {
        let text =
            r#"{"rows":[2,3],"users":["0f5e7a1c-…"],"done":[["r",200,0,1,1520]]}"#.repeat(9000);
        let mut store = Store::default();
        store.save(&mut Pieces::new("p1.".into()), &text);
        let stored: usize = store.0.values().map(|v| v.chars().count()).sum();
        assert!(
            stored * 15 < text.len() * 8 + 15 * 200,
            "{stored} characters stored for a text of {} bytes",
            text.len()
        );
        assert_eq!(store.load().unwrap(), text);
    }

    #[test]
    fn pieces_saved_as_plain_text_by_an_earlier_version_are_read() {
        let mut store = Store::default();
        store.0.insert(
            "journal".into(),
            r#"{"pieces":["p0.0","p0.1"],"bytes":16}"#.into(),
        );
        store.0.insert("p0.0".into(), "{\"v\":1,".into());
        store.0.insert("p0.1".into(), "\"x\":\"é\"}".into());
        assert_eq!(store.load().unwrap(), "{\"v\":1,\"x\":\"é\"}");
    }

    #[test]
    fn a_journal_saved_whole_by_an_earlier_version_is_not_a_manifest() {
        assert_eq!(read_manifest(r#"{"v":1,"target":"rsa"}"#), None);
        assert_eq!(read_manifest("not json"), None);
        assert_eq!(
            read_manifest(r#"{"pieces":["a","b"],"bytes":7}"#),
            Some(Manifest {
                keys: vec!["a".into(), "b".into()],
                bytes: 7,
                packed: false
            })
        );
    }
}
