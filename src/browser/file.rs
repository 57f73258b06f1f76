//! Reading a dropped or picked file, and offering text as a download.

use std::pin::pin;

use futures::future::{select, Either};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::yield_now::{in_slices, yield_now};

/// Reads a `File` (or any `Blob`) into bytes.
pub async fn read_file(file: &web_sys::Blob) -> Result<Vec<u8>, String> {
    read_file_warming(file, 0).await
}

/// Reads a `File` into bytes and, while the browser reads it, readies up to `warm` bytes of the wasm heap for the
/// work that follows: memory the page has not touched yet costs a page fault per 4 KiB on first use, which for the
/// ~100 MB a million-row intake needs adds up to a large share of its time. The heap is touched a few megabytes
/// per task, so the reading (which also needs the main thread) goes on in between; once the file is read, the
/// block is freed for the bytes and what follows.
pub async fn read_file_warming(file: &web_sys::Blob, warm: usize) -> Result<Vec<u8>, String> {
    let buffer = {
        let read = pin!(JsFuture::from(file.array_buffer()));
        let warming = pin!(warm_heap(warm));
        match select(read, warming).await {
            Either::Left((buffer, _)) => buffer,
            Either::Right(((), read)) => read.await,
        }
    }; // the warmed block is freed here, before the bytes are copied into it
    let buffer = buffer.map_err(|e| format!("the browser could not read the file: {e:?}"))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// Allocates `bytes` of heap and writes to each of its pages, a few megabytes per task; keeps the block until
/// dropped.
async fn warm_heap(bytes: usize) {
    const PAGE: usize = 4096;
    const SLICE: usize = 4 << 20;
    let mut block: Vec<u8> = Vec::new();
    if bytes == 0 || block.try_reserve_exact(bytes).is_err() {
        return;
    }
    for slice in block.spare_capacity_mut().chunks_mut(SLICE) {
        for byte in slice.iter_mut().step_by(PAGE) {
            byte.write(1);
        }
        std::hint::black_box(&slice);
        yield_now().await;
    }
    std::hint::black_box(&block);
}

/// Offers `text` as a file download named `file_name`.
pub fn download_text(file_name: &str, mime: &str, text: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    offer(file_name, mime, &parts)
}

/// Rows written into one piece of a [`download_in_slices`] file (a few milliseconds' work).
const DOWNLOAD_ROWS: usize = 2_000;

/// Offers a file of `rows` rows as a download named `file_name`: `head` writes its start, then
/// `write` its rows of a range, a few thousand at a time, each piece leaving wasm as bytes, with
/// turns of the event loop in between, so that a file of megabytes never stops the page.
pub async fn download_in_slices(
    file_name: &str,
    mime: &str,
    rows: usize,
    head: impl FnOnce(&mut String),
    mut write: impl FnMut(&mut String, std::ops::Range<usize>),
) -> Result<(), String> {
    let parts = js_sys::Array::new();
    let mut text = String::new();
    head(&mut text);
    let mut next = 0;
    let step = |next: &mut usize| {
        let end = (*next + DOWNLOAD_ROWS).min(rows);
        write(&mut text, *next..end);
        parts.push(&js_sys::Uint8Array::from(text.as_bytes()));
        text.clear();
        *next = end;
        end == rows
    };
    in_slices(&mut next, step, |_| true).await;
    offer(file_name, mime, &parts)
}

/// Offers a file of `parts` (strings or bytes) as a download named `file_name`.
fn offer(file_name: &str, mime: &str, parts: &js_sys::Array) -> Result<(), String> {
    let fail = |what: &str| format!("the download could not be prepared ({what})");
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(parts, &options)
        .map_err(|_| fail("blob"))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| fail("url"))?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| fail("document"))?;
    let anchor: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(|_| fail("link"))?
        .unchecked_into();
    anchor.set_href(&url);
    anchor.set_download(file_name);
    anchor.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}
