//! The `stiglint` command line.

//!
//! One file per subcommand under `cli/`: `check` (the default), `controls`, `explain`,
//! `waivers`, `serve`; what they share (configuration, session options, writing a file) is in
//! `cli/mod.rs`.

mod cli;

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use cli::check::CheckArgs;
use cli::controls::ControlsArgs;
use cli::explain::ExplainArgs;
use cli::serve::ServeArgs;
use cli::verify::VerifyArgs;
use cli::waivers::WaiversArgs;

/// mimalloc: the scan allocates many small values on every core; glibc's allocator spent a
/// fifth of the time of a 100,000-document scan in malloc and free.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Check Kubernetes manifests and Helm output against DISA STIG controls.
///
/// Exit status: 0 no open findings at or above the threshold, 1 open findings, 2 an error
/// (bad input, bad configuration, a plugin failure).
#[derive(Debug, Parser)]
#[command(
    name = "stiglint",
    version,
    args_conflicts_with_subcommands = true,
    max_term_width = 100
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    check: CheckArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check files, directories or standard input (`-`). The default command.
    Check(Box<CheckArgs>),
    /// List the controls of the loaded plugins.
    Controls(ControlsArgs),
    /// Show a control's documentation.
    Explain(ExplainArgs),
    /// The waiver register: every waiver with its standing (active, expiring, expired,
    /// rejected, unused), what it covers and who approved it.
    Waivers(WaiversArgs),
    /// Serve the controls as a Kubernetes validating admission webhook (HTTPS: `POST
    /// /validate`, `GET /healthz`, `/readyz`, `/metrics`).
    Serve(Box<ServeArgs>),
    /// Run Gatekeeper test suites (`kind: Suite`, as `gator verify` reads them) with the
    /// built-in gatekeeper plugin. Exit 0 when every case passes, 1 when one fails, 2 on an
    /// error.
    Verify(VerifyArgs),
}

/// No transparent huge pages for this process: mimalloc asks for them, and the kernel then
/// zeroes 2 MiB at every first touch, which doubled the peak memory of small scans and spent a
/// fifth of their time in page faults. Best effort: where `prctl` refuses, nothing changes.
fn tune_memory() {
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
}

fn main() -> ExitCode {
    tune_memory();
    let cli = Cli::parse();
    let outcome = match cli.command {
        None => cli::check::run(cli.check),
        Some(Command::Check(args)) => cli::check::run(*args),
        Some(Command::Controls(args)) => cli::controls::run(&args),
        Some(Command::Explain(args)) => cli::explain::run(&args),
        Some(Command::Waivers(args)) => cli::waivers::run(&args),
        Some(Command::Serve(args)) => cli::serve::run(*args),
        Some(Command::Verify(args)) => cli::verify::run(&args),
    };
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            let _ = writeln!(anstream::stderr(), "error: {e:#}");
            ExitCode::from(2)
        }
    }
}
