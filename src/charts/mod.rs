//! Geometry of the panel's inline SVG pictures (no chart library): pure, so it is tested natively.

pub mod breakdown;
pub mod throughput;

pub use breakdown::{stacked, Part, Segment};
pub use throughput::{Samples, Sparkline};
