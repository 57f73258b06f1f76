//! The removal engine: scheduling, retries and progress, driven through a small HTTP trait.
