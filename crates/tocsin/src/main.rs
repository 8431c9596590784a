//! `tocsin`: the command-line tool and server of the Tocsin early-warning platform.
//!
//! Invariant: this binary is the only place that reads the clock, the environment and the
//! command line, and the only place that sets up logging. It parses and validates what the
//! user asked for, then calls the library crates.

mod cli;
mod commands;
mod config;
mod output;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::Cli;

/// Requests allocate and free many small buffers on several threads at once; mimalloc does that
/// with less work than the C library's allocator (about a sixth of the server's time went to
/// it under load).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit codes: 0 success, 1 ran but found problems, 2 could not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    ProblemsFound,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(&cli);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::ProblemsFound) => ExitCode::from(1),
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// Logs go to stderr so that stdout stays clean for `--json`. `TOCSIN_LOG` (or `RUST_LOG`)
/// takes an env-filter directive; the default shows warnings, and `serve` shows info.
fn init_tracing(cli: &Cli) {
    use tracing_subscriber::EnvFilter;
    let default = if cli.is_server() { "info" } else { "warn" };
    let filter = std::env::var("TOCSIN_LOG")
        .ok()
        .and_then(|directive| EnvFilter::try_new(directive).ok())
        .or_else(|| EnvFilter::try_from_default_env().ok())
        .unwrap_or_else(|| EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
