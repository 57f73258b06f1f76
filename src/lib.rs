//! Offboard: remove user accounts in bulk from a CSV, entirely in the browser.
//!
//! Everything outside `browser` and `ui` is the functional core: plain Rust with no browser
//! imports, unit-tested natively. The `browser` adapters and the `ui` components (wasm32 only)
//! talk to the browser, render state and forward events.

pub mod case;
pub mod charts;
pub mod csv_intake;
pub mod decimal;
pub mod epm;
pub mod flow;
pub mod hash;
pub mod json;
pub mod removal_plan;
pub mod results;
pub mod rsa;
pub mod run;
pub mod search;
pub mod sort;
pub mod target;

#[cfg(target_arch = "wasm32")]
pub mod browser;
#[cfg(target_arch = "wasm32")]
pub mod ui;
