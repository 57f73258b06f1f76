//! The sandbox server: serves the built panel and emulates the vendor APIs on 127.0.0.1.

use clap::Parser;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Command-line options.
#[derive(Parser, Debug)]
#[command(name = "sandbox", about = "Offboard sandbox: emulated RSA and EPM APIs")]
struct Args {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8787)]
    port: u16,
    /// The built panel to serve at `/`.
    #[arg(long, default_value = "dist")]
    dist: PathBuf,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let app = axum::Router::new()
        .route("/healthz", axum::routing::get(|| async { "ok" }))
        .fallback_service(tower_http::services::ServeDir::new(&args.dist));
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], args.port))).await?;
    let addr = listener.local_addr()?;
    println!("SANDBOX_URL=http://{addr}");
    axum::serve(listener, app).await
}
