//! The stiglint JSON report (schema version 1; see the README for the schema).
//!
//! ```json
//! { "schema_version": 1, "tool": {...}, "exit_code": 1, "summary": {...},
//!   "findings": [...], "notes": [...], "errors": [...], "files": [...], "plugins": [...] }
//! ```
//! Fields are only ever added within a schema version; a removal or change of meaning bumps it.

use std::io::Write;

use serde::Serialize;

use super::{ReportOptions, Summary, exit_code};
use crate::problem::Problem;
use crate::runtime::PluginInfo;
use crate::scan::{FileReport, Finding, Note, ScanResult};

/// The schema version of the JSON report.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct PluginOut<'a> {
    #[serde(flatten)]
    info: &'a PluginInfo,
    controls: Vec<&'a str>,
    /// Precompiled cache `hit`, `miss` or `off`, with `--verbose` only (it varies by run);
    /// `refused` (the cache directory or its key was unsafe, so nothing was loaded from it)
    /// always.
    #[serde(skip_serializing_if = "Option::is_none")]
    cache: Option<crate::runtime::Provenance>,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    schema_version: u32,
    tool: Tool,
    exit_code: u8,
    fail_on: &'static str,
    summary: Summary,
    findings: Findings<'a>,
    notes: &'a [Note],
    errors: Vec<Problem>,
    files: &'a [FileReport],
    /// The waiver register: every waiver and its standing.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    waivers: &'a [crate::waivers::RegisterEntry],
    plugins: Vec<PluginOut<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logs: Vec<LogLine<'a>>,
}

#[derive(Serialize)]
struct LogLine<'a> {
    plugin: &'a str,
    message: &'a str,
}

/// The findings, pretty-printed on all cores a chunk at a time (a scan can have hundreds of
/// thousands): the same bytes as printing them one by one, without holding them all as text.
struct Findings<'a>(&'a [Finding]);

/// Findings printed at once: enough to keep every core busy, few enough to hold as text.
const CHUNK: usize = 4096;

impl Serialize for Findings<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use rayon::prelude::*;
        use serde::ser::{Error, SerializeSeq};
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for chunk in self.0.chunks(CHUNK) {
            let printed: Vec<Box<serde_json::value::RawValue>> = chunk
                .par_iter()
                .map(|f| {
                    // A finding sits two levels deep in the report (`findings`, its array):
                    // its lines are indented as the report's printer would. Every newline the
                    // printer writes is its own (a string's newlines are escaped).
                    let text = serde_json::to_string_pretty(f)?.replace('\n', "\n    ");
                    serde_json::value::RawValue::from_string(text)
                })
                .collect::<serde_json::Result<_>>()
                .map_err(S::Error::custom)?;
            for f in &printed {
                seq.serialize_element(f)?;
            }
        }
        seq.end()
    }
}

/// Write the JSON report.
pub fn write(
    result: &ScanResult,
    options: &ReportOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let report = JsonReport {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "stiglint",
            version: env!("CARGO_PKG_VERSION"),
        },
        exit_code: exit_code(result, options),
        fail_on: options.fail_on.name(),
        summary: Summary::of(result),
        findings: Findings(&result.findings),
        notes: &result.notes,
        // An error about a whole file sits at its line 1, column 1, as in every report.
        errors: result
            .problems
            .iter()
            .map(|p| Problem {
                range: p.location_range(),
                ..p.clone()
            })
            .collect(),
        files: &result.files,
        waivers: &result.waivers,
        plugins: result
            .plugins
            .iter()
            .map(|p| PluginOut {
                info: p,
                controls: result
                    .controls
                    .iter()
                    .filter(|c| c.plugin == p.name)
                    .map(|c| c.id.as_str())
                    .collect(),
                cache: (options.verbose || p.provenance == crate::runtime::Provenance::Refused)
                    .then_some(p.provenance),
            })
            .collect(),
        logs: if options.verbose {
            result
                .logs
                .iter()
                .map(|(p, m)| LogLine {
                    plugin: p,
                    message: m,
                })
                .collect()
        } else {
            Vec::new()
        },
    };
    serde_json::to_writer_pretty(&mut *out, &report)?;
    out.write_all(b"\n")
}
