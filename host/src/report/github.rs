//! GitHub Actions workflow commands: each open finding an annotation on its lines
//! (`::error` for CAT I, `::warning` for CAT II, `::notice` for CAT III), each error an
//! `::error`; waived findings are notices that say so.

use std::io::Write;

use super::ReportOptions;
use crate::runtime::Severity;
use crate::scan::{FindingStatus, ScanResult};

/// A workflow command's data, escaped.
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A workflow command's property, escaped.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Write the report.
pub fn write(
    result: &ScanResult,
    _options: &ReportOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    for f in &result.findings {
        let level = match (f.status, f.severity) {
            (FindingStatus::Waived, _) | (_, Severity::Low) => "notice",
            (_, Severity::High) => "error",
            (_, Severity::Medium) => "warning",
        };
        let r = &f.location.range;
        let mut message = f.message.clone();
        if f.status == FindingStatus::Waived
            && let Some(w) = &f.waiver
        {
            message = format!("(waived until {}) {message}", w.record.expires);
        }
        writeln!(
            out,
            "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            property(&f.location.file),
            r.start.line,
            r.start.column,
            r.end.line,
            r.end.column,
            property(&f.control),
            data(&message)
        )?;
    }
    for f in &result.files {
        if let crate::scan::FileStatus::Skipped { reason } = &f.status {
            writeln!(
                out,
                "::notice file={},title=stiglint skipped::{}",
                property(&f.name),
                data(reason)
            )?;
        }
    }
    for p in &result.problems {
        match (&p.file, p.location_range()) {
            (Some(file), Some(r)) => writeln!(
                out,
                "::error file={},line={},col={},title=stiglint::{}",
                property(file),
                r.start.line,
                r.start.column,
                data(&p.message)
            )?,
            _ => writeln!(out, "::error title=stiglint::{}", data(&p.headline()))?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes() {
        assert_eq!(super::data("a%b\nc"), "a%25b%0Ac");
        assert_eq!(super::property("a:b,c"), "a%3Ab%2Cc");
    }
}
