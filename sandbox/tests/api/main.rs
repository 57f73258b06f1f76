//! Integration tests: a sandbox started in-process on a free port, called over plain HTTP (and
//! over HTTPS in `tls.rs`).

mod admin;
mod common;
mod curl;
mod epm;
mod faults;
mod rsa;
mod tls;
