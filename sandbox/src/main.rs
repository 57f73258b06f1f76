//! The `sandbox` binary: starts the server, prints `SANDBOX_URL=…` and the demo credentials.

use clap::Parser;
use offboard_sandbox::{start, Config};
use std::io::Write;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let config = Config::parse();
    let sandbox = match start(config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("sandbox: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut out = std::io::stdout();
    let printed = write!(out, "{}", sandbox.banner()).and_then(|()| out.flush());
    if let Err(e) = printed {
        eprintln!("sandbox: cannot print the banner: {e}");
    }
    match tokio::signal::ctrl_c().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sandbox: {e}");
            ExitCode::FAILURE
        }
    }
}
