//! Per-row results: every input row with its outcome (or why it was skipped), counts that add
//! up to the rows read, filters for the table, the CSV export, and "retry failed".

pub mod export;
pub mod filter;
pub mod retry;
pub mod row;
pub mod time;

pub use export::export_csv;
pub use filter::{Filter, OutcomeClass, Tally};
pub use retry::retry_plan;
pub use row::{rows, RowOutcome, SkipReason, Skipped};
