#[cfg(target_arch = "wasm32")]
fn main() {
    offboard::ui::install_panic_banner();
    leptos::mount::mount_to_body(offboard::ui::App);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("offboard is a browser app: build it with `trunk build --release` (see README.md).");
    std::process::exit(2);
}
