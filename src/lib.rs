//! Offboard: remove user accounts in bulk from a CSV, entirely in the browser.
//!
//! Everything outside [`ui`] is the functional core: plain Rust with no browser
//! imports, unit-tested natively. The `ui` module (wasm32 only) renders state and
//! forwards events.

pub mod csv_intake;
pub mod epm;
pub mod flow;
pub mod results;
pub mod rsa;
pub mod run;
pub mod target;

#[cfg(target_arch = "wasm32")]
pub mod ui;
