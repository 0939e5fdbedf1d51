//! `stiglint controls`: every control of the loaded plugins (and with `--all`, every rule of
//! the STIG with its coverage).

use std::io::Write;

use anyhow::Result;
use clap::{Args, ValueEnum};

use stiglint::report;
use stiglint::session::Session;

use super::{CommonArgs, load_config, session_options};

#[derive(Debug, Args)]
pub(crate) struct ControlsArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub(crate) format: ListFormat,
    /// Also list every rule of the DISA Kubernetes STIG V2R4 with how it is covered (checked,
    /// stood in for, not decidable from files, not implemented).
    #[arg(long)]
    pub(crate) all: bool,
    #[command(flatten)]
    pub(crate) common: CommonArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum ListFormat {
    Table,
    Json,
}

/// Run it.
pub(crate) fn run(args: &ControlsArgs) -> Result<u8> {
    let config = load_config(&args.common, &[])?;
    let session = Session::new(session_options(&args.common, config))?;
    let mut out = Vec::new();
    let controls = session.controls();
    let rules = args.all.then(|| stiglint::stig::coverage(&controls));
    match args.format {
        ListFormat::Table => report::catalogue::write_table(&controls, rules.as_deref(), &mut out)?,
        ListFormat::Json => report::catalogue::write_json(&controls, rules.as_deref(), &mut out)?,
    }
    std::io::stdout().lock().write_all(&out)?;
    for p in &session.problems {
        let _ = writeln!(anstream::stderr(), "error: {}", p.headline());
    }
    Ok(if session.problems.is_empty() { 0 } else { 2 })
}
