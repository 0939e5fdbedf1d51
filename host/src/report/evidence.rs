//! The evidence record of a run, for an ATO's continuous monitoring: when (UTC), with what
//! (stiglint and every plugin, with their SHA-256), under which configuration (its SHA-256),
//! on what (every input file with its SHA-256 and account), and what came out (counts by status
//! and severity, the waiver register, every finding and verdict).

use std::io::Write;

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{ReportOptions, Summary, exit_code};
use crate::scan::ScanResult;

fn sha256(bytes: &[u8]) -> String {
    crate::scan::cache::hex(&Sha256::digest(bytes))
}

#[derive(Serialize)]
struct Input<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    sha256: Option<String>,
    #[serde(flatten)]
    report: &'a crate::scan::FileReport,
}

#[derive(Serialize)]
struct Config {
    path: String,
    sha256: String,
}

/// Write the evidence record; `timestamp` is the run's UTC time.
pub fn write(
    result: &ScanResult,
    options: &ReportOptions,
    timestamp: &str,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let inputs: Vec<Input<'_>> = result
        .files
        .iter()
        .zip(&result.sources)
        .map(|(f, s)| Input {
            name: &f.name,
            sha256: s.as_ref().map(|s| sha256(s.text.as_bytes())),
            report: f,
        })
        .collect();
    let config = options.config.as_ref().and_then(|p| {
        let bytes = std::fs::read(p).ok()?;
        Some(Config {
            path: p.display().to_string(),
            sha256: sha256(&bytes),
        })
    });
    let record = serde_json::json!({
        "schema": "stiglint-evidence/1",
        "timestamp": timestamp,
        "tool": {"name": "stiglint", "version": env!("CARGO_PKG_VERSION")},
        "plugins": result.plugins,
        "configuration": config,
        "fail_on": options.fail_on.name(),
        "exit_code": exit_code(result, options),
        "inputs": inputs,
        "summary": Summary::of(result),
        "waivers": result.waivers,
        "findings": result.findings,
        "notes": result.notes,
        "errors": result.problems,
    });
    serde_json::to_writer_pretty(&mut *out, &record)?;
    out.write_all(b"\n")
}
