//! Offboard sandbox: a native server that emulates the RSA Cloud Access Service and Oracle EPM
//! Cloud user-removal APIs exactly as their reference documents describe, with switchable
//! faults, an audit log for tests, demo credentials and sample files.

pub mod admin;
pub mod audit;
pub mod bodies;
pub mod clock;
pub mod config;
pub mod cors;
pub mod demo;
pub mod epm_api;
pub mod epm_auth;
pub mod epm_csv;
pub mod epm_files;
pub mod epm_jobs;
pub mod epm_store;
pub mod epm_v2;
pub mod faults;
pub mod jwt;
pub mod rate;
pub mod rsa_api;
pub mod samples;
pub mod seed;
pub mod server;
pub mod state;
pub mod tenant;
pub mod tls;
pub mod vendor;

pub use config::Config;
pub use server::{start, Sandbox};
