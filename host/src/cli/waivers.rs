//! `stiglint waivers`: the waiver register.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};

use stiglint::report;
use stiglint::session::Session;

use super::{CommonArgs, load_config, session_options, write_file};

#[derive(Debug, Args)]
pub(crate) struct WaiversArgs {
    /// Files or directories the waivers apply to (`-` reads standard input). Default: `.`.
    #[arg(value_name = "PATH")]
    pub(crate) paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub(crate) format: RegisterFormat,
    /// Write the register to a file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub(crate) output: Option<PathBuf>,
    /// Today's date (YYYY-MM-DD; default: the clock).
    #[arg(long, value_name = "DATE")]
    pub(crate) today: Option<String>,
    /// Namespace objects without `metadata.namespace` are deployed to.
    #[arg(long)]
    pub(crate) namespace: Option<String>,
    /// Only the reviewed waiver file counts: ignore `# stiglint:waive` comments.
    #[arg(long)]
    pub(crate) no_inline_waivers: bool,
    #[command(flatten)]
    pub(crate) common: CommonArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum RegisterFormat {
    /// Aligned columns, for people.
    Table,
    /// JSON, for tools.
    Json,
    /// CSV, for the security controls tracking system.
    Csv,
}

/// Run it.
pub(crate) fn run(args: &WaiversArgs) -> Result<u8> {
    let config = load_config(&args.common, &args.paths)?;
    let mut options = session_options(&args.common, config);
    options.today = super::today(args.today.as_ref())?;
    options.namespace.clone_from(&args.namespace);
    options.no_inline_waivers = args.no_inline_waivers;
    let session = Session::new(options)?;
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    // Standard input is read by the scan, with the input size cap.
    let stdin: Option<Arc<str>> = None;
    let result = session.scan(&paths, stdin.as_ref());
    let write = |out: &mut dyn Write| -> std::io::Result<()> {
        match args.format {
            RegisterFormat::Table => report::register::write_table(&result.waivers, out)?,
            RegisterFormat::Json => report::register::write_json(&result.waivers, out)?,
            RegisterFormat::Csv => report::register::write_csv(&result.waivers, out)?,
        }
        out.flush()
    };
    match &args.output {
        Some(path) => write_file(path, write)?,
        None => write(&mut std::io::BufWriter::new(std::io::stdout().lock()))
            .context("cannot write the register")?,
    }
    let mut summary = Vec::new();
    report::text::write_problems(&result, &mut summary)?;
    anstream::stderr().write_all(&summary).ok();
    std::mem::forget(result);
    Ok(if summary.is_empty() { 0 } else { 2 })
}
