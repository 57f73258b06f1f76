//! Per-row results and their CSV export.
