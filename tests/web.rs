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
