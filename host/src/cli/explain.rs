//! `stiglint explain ID`: a control's documentation.

use std::io::Write;

use anyhow::{Result, bail};
use clap::Args;

use stiglint::report;
use stiglint::session::Session;

use super::{CommonArgs, load_config, session_options};

#[derive(Debug, Args)]
pub(crate) struct ExplainArgs {
    /// Control ID (or Vuln ID).
    pub(crate) id: String,
    #[command(flatten)]
    pub(crate) common: CommonArgs,
}

/// Run it.
pub(crate) fn run(args: &ExplainArgs) -> Result<u8> {
    let config = load_config(&args.common, &[])?;
    let session = Session::new(session_options(&args.common, config))?;
    let Some(control) = session.control(&args.id) else {
        bail!("unknown control '{}' (see `stiglint controls`)", args.id);
    };
    let mut out = Vec::new();
    report::catalogue::write_explain(control, &mut out)?;
    std::io::stdout().lock().write_all(&out)?;
    Ok(0)
}
