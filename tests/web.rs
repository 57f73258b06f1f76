//! Tests that need a real browser: run with `wasm-bindgen-test-runner` in headless Chromium.
#![cfg(target_arch = "wasm32")]

use offboard::flow::Step;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn the_panel_mounts_with_a_five_step_stepper_that_follows_the_url_hash() {
    let document = web_sys::window().unwrap().document().unwrap();
    let _ = web_sys::window().unwrap().location().set_hash("#/preview");
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    let handle = leptos::mount::mount_to(root.clone().unchecked_into(), offboard::ui::App);

    let steps = root.query_selector_all(".stepper li").unwrap();
    assert_eq!(steps.length(), 5);
    let current = root
        .query_selector("[aria-current=step]")
        .unwrap()
        .expect("a current step");
    assert!(current
        .text_content()
        .unwrap()
        .contains(Step::Preview.label()));
    drop(handle);
}

#[wasm_bindgen_test]
async fn intake_reads_a_real_utf16_file_built_in_the_page() {
    use offboard::csv_intake::{self, Class, Options};
    use offboard::target::Target;

    let text = "User Login\tName\r\njane.doe@example.com\tJane\r\nJANE.DOE@example.com\tJane again\r\n\r\nbad login\tX\r\n";
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes.as_slice()));
    let file = web_sys::File::new_with_u8_array_sequence(&parts, "leavers.txt").unwrap();

    let read = offboard::browser::read_file(&file).await.unwrap();
    let table = csv_intake::read_bytes(read).unwrap();
    assert_eq!(table.encoding().name(), "UTF-16 LE");
    let detection = csv_intake::detect(&table, Target::Epm);
    let plan = csv_intake::plan(&table, &Options::detected(Target::Epm, &detection)).unwrap();
    assert_eq!(plan.counts().total(), 5);
    assert_eq!(
        plan.targets(&table).collect::<Vec<_>>(),
        [(2, "jane.doe@example.com")]
    );
    assert_eq!(plan.class(2), Class::Duplicate { of_row: 2 });
    assert_eq!(plan.class(3), Class::Blank);
    assert!(matches!(plan.class(4), Class::Invalid { .. }));
}

/// A 2048-bit RSA key pair made with `openssl genrsa -traditional 2048` and `openssl rsa -pubout`
/// for this test only. TEST KEY: it protects nothing and must never be used for a real tenant.
const TEST_ONLY_PRIVATE_KEY: &str = "-----BEGIN RSA PRIVATE KEY-----\n\
MIIEowIBAAKCAQEAuFo5H1dKTFlVY0oNvE8BK+n+aqznXlZFyHRRPnY/fZqFxYbm\n\
1xjA0RXEgGuBXUNuJkXzFDJHUmv5Dsvdj+nxIHw+5XpjLrqbYdgIOOx4sKsZhlkm\n\
nz7NWLQfwlRV4uyf033u7lficTvkFvmGgVwIiXk1WD9HK4ghNsHxaRiK0HW0UgZI\n\
DnhLOduvpD21Bj4ewltBkvw7lINuFmNdEMpA6rJffNzm1RO3pdS7azXS14E4VC2I\n\
xHR6x+BLZNZQQ1nD+0VB66JJyjaLG0xdZDTCJ3A5azwSe2z8x0rGsRpFrksgvvif\n\
PM/31FSPw541d77LUiv4Exl2KKeeC0dXrZFlxwIDAQABAoIBADwBJfGlFGpoc2oX\n\
ewQNhRiZl7V6JO7oTttxvNYDYCQObTc/cxiVFoGXv7d7BoboQUyU3Qt4WA2kVlMy\n\
GSJUJ6eGuWQxI2Jc2+GLkxWQJrJ+Zpb7op4Xr3gNXP8AO1pa4aTRqzkKAwsPTu0J\n\
d/XYEnFIsgvQwOYS75impOCr29cAw1DEMRzyhIygtsToJn1kCnNKen19C5vOZ7wH\n\
jhw0UIMnhQFO+Rdzg+5kxpXscT81OSflBsaPJbQ9i9R8XHd/nnFudW9E2CQZdXHz\n\
dryxE8mMKiOLzil5i9zmcKbqWuj4VVINSlisw01hZ5j3h3UrqNlQh58u6+VYMyTN\n\
QAGA0DECgYEA4i56adGcx9ZL8HlNZHGAGvP4DlgLsINag6Fl0pUrKMUHegBWVeTg\n\
ccJ1d6dsHALssSdPVEaUEIrygRT+4Ga3Dr8Pt5PZdMN1Oj/H0r0Jad+M4Q+foiV/\n\
r5naffxU2fx58Posw2c9BaNwiZBJ0oq0wlvUgeeR1fHGLTh/74OwwzcCgYEA0KgI\n\
Gq9ses/7TqaOaueggyIW7Jex9nKysv65Bn+ZyAEvHapSZJPPHqt+KuiESsuZB7Fh\n\
lZQ6vlxO/eXewhau/Fc3+OM+wV6POqBs/ksHEm1kUWgfchECL2pjYdyuNnjdApec\n\
caGuJAL0TEIQvM4lqspdhdvcRKY5nMh6Mc7Q2fECgYAQBiDwDESiN8FriPx9qDje\n\
L/ib84rod3XbK30OPTkwizzrXMjBDxUDmjY+QuM63M4uAs3w94sX3PAvSvB/r2c6\n\
qTiQ1e2rAwn0FX6vpGrdUFQnwbaagzOXmjvLfyv3wZZWBzNSqKa/FoQrishgHSmP\n\
N3hHt8MyOA3FOGJ/8oF8YwKBgFhcH/p0+UJU2v5mh/77kbyWbhDI+IL99XDZb68x\n\
0ASjg7lTTErtUROS2f3/sy4dY/OfCU0XlXzRiF36v0d/5aBUqw5J5WRrz8mq8B0L\n\
1rXV/1p99nsOetdrfSSPGHNW4XjcjVKNfjofyiaU/5OE1Oyrf8lU3sVvgwxC1YRM\n\
KaNxAoGBALCM54GAaCauIfwRtYv4Xj4GqmtmVZt1t0yCQR/8cRFrQK1yeR8PLKWG\n\
AH14B4TqI7ZfqIDdtaFJpdY8bTXLFOrN/UMgakJ2UVkqAqq5TBpvX6vAWO/Hl/L5\n\
Yinq0SqH8rlT+PegbrTN2rjy+iqAKq3WoK8DbvjK6Mfel8sE4ac6\n\
-----END RSA PRIVATE KEY-----";
/// The public half of [`TEST_ONLY_PRIVATE_KEY`] (SPKI), from `openssl rsa -pubout`. TEST KEY.
const TEST_ONLY_PUBLIC_KEY: &str = "-----BEGIN PUBLIC KEY-----\n\
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAuFo5H1dKTFlVY0oNvE8B\n\
K+n+aqznXlZFyHRRPnY/fZqFxYbm1xjA0RXEgGuBXUNuJkXzFDJHUmv5Dsvdj+nx\n\
IHw+5XpjLrqbYdgIOOx4sKsZhlkmnz7NWLQfwlRV4uyf033u7lficTvkFvmGgVwI\n\
iXk1WD9HK4ghNsHxaRiK0HW0UgZIDnhLOduvpD21Bj4ewltBkvw7lINuFmNdEMpA\n\
6rJffNzm1RO3pdS7azXS14E4VC2IxHR6x+BLZNZQQ1nD+0VB66JJyjaLG0xdZDTC\n\
J3A5azwSe2z8x0rGsRpFrksgvvifPM/31FSPw541d77LUiv4Exl2KKeeC0dXrZFl\n\
xwIDAQAB\n\
-----END PUBLIC KEY-----";

#[wasm_bindgen_test]
async fn a_token_minted_from_the_key_file_verifies_with_webcrypto_and_carries_the_claims() {
    use js_sys::{Array, Object, Reflect, Uint8Array};
    use offboard::browser::crypto::{import_signing_key, mint_token};
    use offboard::rsa::{b64, jwt, KeyFile};
    use wasm_bindgen_futures::JsFuture;

    let url = "https://acme.access.securid.com/AdminInterface/restapi/v1";
    let access_id = "8a6e1f0c-aaaa-bbbb-cccc-1234567890ab";
    let json = offboard::json::Value::object([
        ("customerName", "Acme".into()),
        ("accessID", access_id.into()),
        ("description", "offboarding".into()),
        ("accessKey", TEST_ONLY_PRIVATE_KEY.into()),
        ("adminRestApiUrl", url.into()),
    ]);
    let key_file = KeyFile::parse(&json.to_string()).unwrap();
    let key = import_signing_key(&key_file).await.unwrap();
    assert!(
        !key.extractable(),
        "the private key cannot be read back out of the page"
    );
    let now = 1_700_000_000;
    let token = mint_token(&key, &key_file, now, 3000).await.unwrap();

    let summary = jwt::decode(&token).unwrap();
    assert_eq!(summary.alg, "RS256");
    assert_eq!(summary.sub.as_deref(), Some(access_id));
    assert_eq!(summary.aud, [url]);
    assert_eq!((summary.iat, summary.exp), (Some(now), Some(now + 3000)));

    let subtle = web_sys::window().unwrap().crypto().unwrap().subtle();
    let algorithm = Object::new();
    Reflect::set(&algorithm, &"name".into(), &"RSASSA-PKCS1-v1_5".into()).unwrap();
    Reflect::set(&algorithm, &"hash".into(), &"SHA-256".into()).unwrap();
    let pem = TEST_ONLY_PUBLIC_KEY
        .trim_start_matches("-----BEGIN PUBLIC KEY-----")
        .trim_end_matches("-----END PUBLIC KEY-----");
    let spki = Uint8Array::from(b64::decode_standard(pem).unwrap().as_slice());
    let usages = Array::of1(&"verify".into());
    let public = JsFuture::from(
        subtle
            .import_key_with_object("spki", &spki, &algorithm, false, &usages)
            .unwrap(),
    )
    .await
    .unwrap()
    .unchecked_into::<web_sys::CryptoKey>();
    let verifies = |signed: String, signature: Vec<u8>| {
        let promise = subtle
            .verify_with_str_and_u8_array_and_u8_array(
                "RSASSA-PKCS1-v1_5",
                &public,
                &signature,
                signed.as_bytes(),
            )
            .unwrap();
        async move { JsFuture::from(promise).await.unwrap().as_bool() }
    };
    let (signed, signature) = token.rsplit_once('.').unwrap();
    let signature = b64::decode_url(signature).unwrap();
    assert_eq!(signature.len(), 256, "a 2048-bit RSA signature");
    assert_eq!(
        verifies(signed.to_string(), signature.clone()).await,
        Some(true)
    );
    let other_claims = mint_token(&key, &key_file, now + 1, 3000).await.unwrap();
    let (other_signed, _) = other_claims.rsplit_once('.').unwrap();
    assert_eq!(
        verifies(other_signed.to_string(), signature).await,
        Some(false),
        "the signature covers the claims"
    );
}

/// Replaces the page's `clearTimeout` with one that also records each handle in `__cleared`.
fn record_cleared_timeouts() {
    js_sys::Function::new_no_args(
        "const real = window.clearTimeout.bind(window);
         window.__cleared = [];
         window.clearTimeout = (handle) => { window.__cleared.push(handle); real(handle); };",
    )
    .call0(&wasm_bindgen::JsValue::UNDEFINED)
    .unwrap();
}

fn cleared_timeouts() -> u32 {
    let cleared = js_sys::Reflect::get(&web_sys::window().unwrap(), &"__cleared".into()).unwrap();
    cleared.unchecked_into::<js_sys::Array>().length()
}

#[wasm_bindgen_test]
async fn a_sleep_that_loses_a_race_clears_its_timer_and_one_that_ends_does_not_need_to() {
    use futures::future::{select, Either};
    use offboard::browser::sleep_ms;
    use std::pin::pin;

    record_cleared_timeouts();
    sleep_ms(5).await;
    assert_eq!(
        cleared_timeouts(),
        0,
        "a sleep that ran out has no timer left to clear"
    );

    match select(pin!(sleep_ms(60_000)), pin!(sleep_ms(5))).await {
        Either::Right(((), _long)) => {}
        Either::Left(_) => panic!("the 60 s sleep ended first"),
    }
    assert_eq!(
        cleared_timeouts(),
        1,
        "the 60 s sleep was dropped, so its timer must be cleared rather than left pending"
    );
}

/// A worker from the panel's `fetch_worker.js`, loaded from a blob URL (the test server does not
/// serve the panel's files).
fn worker_script_url() -> String {
    let parts = js_sys::Array::of1(&include_str!("../src/browser/fetch_worker.js").into());
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("text/javascript");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).unwrap();
    web_sys::Url::create_object_url_with_blob(&blob).unwrap()
}

/// The test page's own address, which answers a GET with the page.
fn page_url() -> String {
    web_sys::window().unwrap().location().href().unwrap()
}

#[wasm_bindgen_test]
async fn requests_sent_through_the_worker_come_back_with_status_headers_and_body() {
    use offboard::browser::WorkerHttp;
    use offboard::run::{Http, Method, Request};

    let script = worker_script_url();
    let http = WorkerHttp::start(&script, 10_000);
    let direct = offboard::browser::FetchHttp::default()
        .send(Request::new(Method::Get, page_url()))
        .await
        .unwrap();
    let (a, b) = futures::join!(
        http.send(Request::new(Method::Get, page_url())),
        http.send(Request::new(Method::Get, script.clone()))
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.status, direct.status);
    assert_eq!(a.body, direct.body, "the body arrives byte for byte");
    assert!(a
        .headers
        .iter()
        .any(|(name, value)| name == "content-type" && value.contains("html")));
    assert_eq!(
        b.body,
        include_str!("../src/browser/fetch_worker.js").as_bytes(),
        "each answer reaches its own request"
    );
    assert!(http.through_worker());
}

#[wasm_bindgen_test]
async fn without_its_worker_file_the_run_still_sends_its_requests_from_the_page() {
    use offboard::browser::WorkerHttp;
    use offboard::run::{Http, Method, Request};

    let http = WorkerHttp::start("/no-such-worker.js", 10_000);
    let answer = http
        .send(Request::new(Method::Get, page_url()))
        .await
        .expect("the request goes through the page's own fetch");
    assert_eq!(answer.status, 200);
    let again = http.send(Request::new(Method::Get, page_url())).await;
    assert_eq!(again.unwrap().status, 200);
    assert!(!http.through_worker());
}

#[wasm_bindgen_test]
async fn a_request_nobody_answers_fails_with_what_the_browser_said_from_the_page_or_the_worker() {
    use offboard::browser::{FetchHttp, WorkerHttp};
    use offboard::run::{Http, Method, NetError, Request};

    let closed_port = "http://127.0.0.1:9/";
    let expected = NetError::Unreachable("TypeError: Failed to fetch".to_string());
    let from_page = FetchHttp::default()
        .send(Request::new(Method::Get, closed_port))
        .await;
    assert_eq!(from_page.unwrap_err(), expected);
    let worker = WorkerHttp::start(&worker_script_url(), 10_000);
    let from_worker = worker.send(Request::new(Method::Get, closed_port)).await;
    assert_eq!(from_worker.unwrap_err(), expected);
    assert!(worker.through_worker());
}

fn journal_piece_keys() -> Vec<String> {
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    let mut keys: Vec<String> = (0..storage.length().unwrap())
        .filter_map(|i| storage.key(i).unwrap())
        .filter(|key| key.starts_with("offboard.journal.v1.p"))
        .collect();
    keys.sort();
    keys
}

#[wasm_bindgen_test]
async fn a_journal_saved_in_pieces_comes_back_after_each_save_and_leaves_no_stray_piece() {
    use offboard::browser::{clear_journal, load_journal, JournalStore};
    use offboard::run::journal::pieces::PIECE_BYTES;
    use offboard::run::{Journal, Outcome, PlanEntry, RunEvent, UserResult};
    use offboard::target::Target;

    clear_journal();
    let entries: Vec<PlanEntry> = (0..5_000)
        .map(|i| PlanEntry {
            row: i + 2,
            user: format!("user-{i:05}-é@example.com"),
        })
        .collect();
    let mut journal = Journal::new(
        Target::Rsa,
        "https://tenant.example",
        "run-1",
        1.7e12,
        entries.clone(),
        Vec::new(),
    );
    let mut store = JournalStore::new();
    let json = journal.encode();
    assert!(json.len() > 2 * PIECE_BYTES, "a journal of several pieces");
    store.save_sliced(json).await.unwrap();
    assert_eq!(load_journal().await.unwrap().unwrap(), journal);
    let first_keys = journal_piece_keys();

    for entry in &entries[..300] {
        journal.apply(&RunEvent::Result(UserResult {
            row: entry.row,
            user: entry.user.clone(),
            outcome: Outcome::Removed,
            http_status: Some(200),
            message: "removed".into(),
            attempts: 1,
            at_ms: 1.7e12 + 1_000.0,
        }));
    }
    store.save(journal.encode()).unwrap();
    assert_eq!(load_journal().await.unwrap().unwrap(), journal);
    let second_keys = journal_piece_keys();
    let kept = second_keys
        .iter()
        .filter(|k| first_keys.contains(k))
        .count();
    assert!(
        kept >= first_keys.len() - 2,
        "the pieces before the change are kept: {kept} of {}",
        first_keys.len()
    );

    let mut later_session = JournalStore::new();
    later_session.save(journal.encode()).unwrap();
    assert_eq!(load_journal().await.unwrap().unwrap(), journal);
    assert!(
        journal_piece_keys()
            .iter()
            .all(|k| !second_keys.contains(k)),
        "the earlier store's pieces are removed once the later one's manifest is written"
    );

    clear_journal();
    assert!(load_journal().await.is_none());
    assert_eq!(journal_piece_keys(), Vec::<String>::new());
}

/// A journal of `users` users whose IDs are `width` characters long.
fn long_journal(run: &str, users: usize, width: usize) -> offboard::run::Journal {
    use offboard::run::{Journal, PlanEntry};
    use offboard::target::Target;
    let entries: Vec<PlanEntry> = (0..users)
        .map(|i| PlanEntry {
            row: i + 2,
            user: format!("{run}-{i:07}-{}", "x".repeat(width)),
        })
        .collect();
    Journal::new(
        Target::Rsa,
        "https://tenant.example",
        run,
        1.7e12,
        entries,
        Vec::new(),
    )
}

#[wasm_bindgen_test]
async fn a_new_runs_first_save_makes_room_by_forgetting_the_journal_it_replaces() {
    use offboard::browser::{clear_journal, load_journal, JournalStore};

    clear_journal();
    // Chromium keeps about 5.24 million characters per site, and a journal is kept packed in
    // about half as many characters as its text has bytes: each journal alone fits (its text
    // would not), both do not.
    let mut last_run = long_journal("run-1", 60_000, 80);
    let last_json = last_run.encode();
    assert!(
        (5_400_000..9_000_000).contains(&last_json.len()),
        "{} bytes",
        last_json.len()
    );
    JournalStore::new().save_sliced(last_json).await.unwrap();
    assert_eq!(load_journal().await.unwrap().unwrap(), last_run);
    let last_keys = journal_piece_keys();

    let mut this_run = long_journal("run-2", 60_000, 80);
    let mut store = JournalStore::new();
    store.save_sliced(this_run.encode()).await.unwrap();
    assert_eq!(load_journal().await.unwrap().unwrap(), this_run);
    assert!(
        journal_piece_keys().iter().all(|k| !last_keys.contains(k)),
        "the replaced run's pieces are gone"
    );

    // A journal that does not fit even alone is refused, saying so, and leaves no piece behind.
    let mut too_big = long_journal("run-3", 120_000, 80);
    let refused = JournalStore::new()
        .save_sliced(too_big.encode())
        .await
        .unwrap_err();
    assert!(refused.contains("does not fit"), "{refused}");
    assert!(load_journal().await.is_none());
    assert_eq!(journal_piece_keys(), Vec::<String>::new());
}

/// The rows a virtual list shows: (aria-rowindex, text, element) in order.
fn shown_rows(root: &web_sys::Element) -> Vec<(u32, String, web_sys::Element)> {
    let rows = root.query_selector_all(".vrow").unwrap();
    (0..rows.length())
        .map(|i| {
            let row: web_sys::Element = rows.item(i).unwrap().unchecked_into();
            let index = row.get_attribute("aria-rowindex").unwrap().parse().unwrap();
            (index, row.text_content().unwrap(), row)
        })
        .collect()
}

#[wasm_bindgen_test]
async fn a_virtual_list_keeps_the_rows_still_in_view_while_scrolling_and_draws_them_again_when_the_rows_change(
) {
    use leptos::prelude::*;
    use offboard::browser::sleep_ms;
    use offboard::ui::VirtualList;

    let document = web_sys::window().unwrap().document().unwrap();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    // As in the panel, the length is derived from the rows, so a change of the rows reaches the list through it.
    let edition = RwSignal::new(1u32);
    let len = Signal::derive(move || {
        edition.track();
        100_000usize
    });
    let handle = leptos::mount::mount_to(root.clone().unchecked_into(), move || {
        view! {
            <VirtualList len row=move |i| format!("edition {} row {i}", edition.get_untracked()) label="Test rows" row_height=32 height=320 />
        }
    });
    let list: web_sys::HtmlElement = root
        .query_selector(".vlist")
        .unwrap()
        .unwrap()
        .unchecked_into();
    list.style().set_property("overflow-y", "auto").unwrap();

    let top = shown_rows(&root);
    assert_eq!(top.first().map(|r| r.0), Some(1));
    assert!(top
        .iter()
        .all(|(n, text, _)| *text == format!("edition 1 row {}", n - 1)));
    let last_at_top = top.last().unwrap().0;

    // Scrolling down by 20 rows: every row shown is the right one, and the ones still in view are the same elements.
    list.set_scroll_top(20 * 32);
    list.dispatch_event(&web_sys::Event::new("scroll").unwrap())
        .unwrap();
    sleep_ms(30).await;
    let scrolled = shown_rows(&root);
    assert!(
        scrolled.last().unwrap().0 > last_at_top,
        "rows came in at the bottom: scrollTop {}, {:?}",
        list.scroll_top(),
        scrolled.iter().map(|r| r.0).collect::<Vec<_>>()
    );
    assert!(
        scrolled.windows(2).all(|w| w[1].0 == w[0].0 + 1),
        "the rows are in order"
    );
    assert!(scrolled
        .iter()
        .all(|(n, text, _)| *text == format!("edition 1 row {}", n - 1)));
    let kept = scrolled
        .iter()
        .filter(|(n, _, row)| {
            top.iter()
                .any(|(m, _, old)| m == n && old.is_same_node(Some(row)))
        })
        .count();
    let still_in_view = scrolled
        .iter()
        .filter(|(n, _, _)| *n <= last_at_top)
        .count();
    assert!(still_in_view > 0);
    assert_eq!(
        kept, still_in_view,
        "the rows still in view were not drawn again"
    );

    // New rows with the same length: every row shows the new edition.
    edition.set(2);
    sleep_ms(30).await;
    let redrawn = shown_rows(&root);
    assert_eq!(redrawn.len(), scrolled.len());
    assert!(
        redrawn
            .iter()
            .all(|(n, text, _)| *text == format!("edition 2 row {}", n - 1)),
        "{:?}",
        redrawn.iter().map(|r| &r.1).collect::<Vec<_>>()
    );
    drop(handle);
    root.remove();
}
