//! The RSA Cloud Access Service protocol: credentials, requests and what each answer means.

pub mod api;
pub mod b64;
pub mod base_url;
mod body;
pub mod connection;
pub mod delete;
mod der;
#[cfg(test)]
mod fake_tenant;
pub mod jwt;
pub mod key_file;
pub mod looked_up;
pub mod lookup;
pub mod minter;
pub mod rehearse;
pub mod resolve;
pub mod run;
pub mod steps;

pub use base_url::ApiBase;
pub use connection::{classify_connection, confirm_credential_checked, ConnectionCheck};
pub use jwt::{JwtProblem, JwtSummary};
pub use key_file::{KeyFile, SigningInput};
pub use lookup::{judge_lookup, Blocker, LookupAnswer, RsaUser};
pub use minter::{MintPolicy, RefusalAction, TokenMinter};
pub use run::{run_rsa, run_rsa_checked, run_rsa_removal, run_rsa_removal_resuming};
pub use steps::{RemovalOptions, RsaJob, RsaMode, StepMap};
