//! Browser adapters for the core's seams: `fetch` (from the page or a worker), timers, files, downloads and storage. wasm32 only.

pub mod clock;
pub mod crypto;
pub mod file;
pub mod http;
pub mod live_run;
pub mod storage;
pub mod worker_http;
pub mod yield_now;

pub use clock::{sleep_ms, BrowserClock};
pub use file::{download_in_slices, download_text, read_file};
pub use http::FetchHttp;
pub use storage::{clear_journal, load_journal, load_setting, save_setting, JournalStore};
pub use worker_http::WorkerHttp;
