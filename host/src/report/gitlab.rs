//! GitLab Code Quality JSON: one issue per open finding, with a stable fingerprint (the same
//! as SARIF's), the CAT as severity (`blocker` for CAT I, `major` for CAT II, `minor` for CAT
//! III) and the location's lines; and one `critical` issue per error (a file that cannot be
//! read or parsed at its line, line 1 for a whole-file error; a plugin failure at the plugin).

use std::io::Write;

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::ReportOptions;
use crate::runtime::Severity;
use crate::scan::{FindingStatus, ScanResult};

#[derive(Serialize)]
struct Issue<'a> {
    description: String,
    check_name: String,
    fingerprint: String,
    severity: &'static str,
    location: Location<'a>,
}

#[derive(Serialize)]
struct Location<'a> {
    path: &'a str,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: u32,
    end: u32,
}

/// Write the report.
pub fn write(
    result: &ScanResult,
    _options: &ReportOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let issues: Vec<Issue<'_>> = result
        .findings
        .iter()
        .filter(|f| f.status == FindingStatus::Open)
        .map(|f| {
            let mut h = Sha256::new();
            h.update(f.control.as_bytes());
            h.update(b"\0");
            h.update(f.location.file.as_bytes());
            h.update(b"\0");
            h.update(f.location.pointer.as_bytes());
            h.update(b"\0");
            h.update(f.message.as_bytes());
            let fingerprint = crate::scan::cache::hex(&h.finalize());
            Issue {
                description: format!("{}: {}", f.control, f.message),
                check_name: f.control.clone(),
                fingerprint,
                severity: match f.severity {
                    Severity::High => "blocker",
                    Severity::Medium => "major",
                    Severity::Low => "minor",
                },
                location: Location {
                    path: f.location.file.trim_start_matches("./"),
                    lines: Lines {
                        begin: f.location.range.start.line,
                        end: f.location.range.end.line,
                    },
                },
            }
        })
        .collect();
    let errors = result.problems.iter().map(|p| {
        let mut h = Sha256::new();
        h.update(b"stiglint-error\0");
        h.update(p.headline().as_bytes());
        let fingerprint = crate::scan::cache::hex(&h.finalize());
        let range = p.location_range();
        Issue {
            description: p.headline(),
            check_name: "stiglint-error".to_owned(),
            fingerprint,
            severity: "critical",
            location: Location {
                path: p.file.as_deref().map_or_else(
                    || p.plugin.as_deref().unwrap_or("stiglint"),
                    |f| f.trim_start_matches("./"),
                ),
                lines: Lines {
                    begin: range.map_or(1, |r| r.start.line),
                    end: range.map_or(1, |r| r.end.line.max(r.start.line)),
                },
            },
        }
    });
    let issues: Vec<Issue<'_>> = issues.into_iter().chain(errors).collect();
    serde_json::to_writer_pretty(&mut *out, &issues)?;
    out.write_all(b"\n")
}
