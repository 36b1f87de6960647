//! Structured logs through `tracing`; `RUST_LOG` chooses the level (default `info`).

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;

/// Installs the log subscriber once; later calls do nothing (tests call it many times).
pub fn init() {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        // One line per request when its span closes: method, path, status, request id, latency.
        .with_span_events(FmtSpan::CLOSE)
        .try_init();
}
