//! Per-row results: every input row with its outcome (or why it was skipped), counts that add
//! up to the rows read, filters for the table, the CSV export and its import, and new plans
//! from results ("retry failed", "undo marks", "enable again").

pub mod export;
pub mod filter;
pub mod import;
pub mod retry;
pub mod row;
pub mod time;

pub use export::{export_csv, export_head, export_rows};
pub use filter::{Filter, OutcomeClass, Tally};
pub use import::{import_results, ImportError, ResultsImport};
pub use retry::{action_shown, reenable_plan, retry_plan, uncertain_marks, undo_plan};
pub use row::{rows, RowOutcome, SkipReason, Skipped};
