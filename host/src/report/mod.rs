//! Reports: one module per output format, all fed from the same [`ScanResult`].

pub mod catalogue;
pub mod checklist;
pub mod evidence;
pub mod github;
pub mod gitlab;
pub mod json;
pub mod junit;
pub mod register;
pub mod sarif;
pub mod text;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::runtime::Severity;
use crate::scan::{FileStatus, FindingStatus, NoteKind, ScanResult};

/// XML 1.0 text: every character XML 1.0 cannot carry (C0 controls other than tab, line
/// feed and carriage return; U+FFFE, U+FFFF) written as a visible `\u{XXXX}` escape, so
/// that a message holding one (a container named `"app\x01"`) keeps the report well-formed.
/// Markup never holds such characters, so the whole written document can be passed through.
#[must_use]
pub fn xml_safe(text: &str) -> std::borrow::Cow<'_, str> {
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r') || (c >= '\u{20}' && !matches!(c, '\u{FFFE}' | '\u{FFFF}'))
    };
    if text.chars().all(allowed) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if allowed(c) {
            out.push(c);
        } else {
            out.push_str(&format!("\\u{{{:04X}}}", u32::from(c)));
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Write an XML document built in memory, made [`xml_safe`].
fn write_xml(xml: &[u8], out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let text = std::str::from_utf8(xml).map_err(std::io::Error::other)?;
    out.write_all(xml_safe(text).as_bytes())
}

/// How a report is written.
#[derive(Clone, Debug)]
pub struct ReportOptions {
    /// Lowest severity that fails the run.
    pub fail_on: Severity,
    /// ANSI colour.
    pub color: bool,
    /// Include plugin logs.
    pub verbose: bool,
    /// A control that could not decide (*not evaluated*) fails the run like a finding.
    pub strict: bool,
    /// A waiver that covers nothing fails the run.
    pub fail_on_unused_waivers: bool,
    /// The checklist's asset (host name).
    pub asset: Option<String>,
    /// The configuration file in force (its hash goes in the evidence record).
    pub config: Option<std::path::PathBuf>,
    /// A skipped file fails the run (every input must be checked).
    pub fail_on_skip: bool,
    /// The Helm chart's directory: `# Source: <chart>/templates/x.yaml` is its
    /// `templates/x.yaml`.
    pub chart_dir: Option<std::path::PathBuf>,
}

/// The file a Helm `# Source:` names: the path as written, or, with the chart's directory,
/// the template file in it (the chart name that starts the path replaced by the directory).
#[must_use]
pub fn template_path(template: &str, chart_dir: Option<&std::path::Path>) -> String {
    match (chart_dir, template.split_once('/')) {
        (Some(dir), Some((_, rest))) => dir.join(rest).display().to_string(),
        _ => template.to_owned(),
    }
}

/// Exit status of a run: 2 on any error, 1 on open (not waived) findings at or above
/// `fail_on` (with `strict`, also on *not evaluated* verdicts of such controls; with
/// `fail_on_unused_waivers`, also on a waiver that covers nothing), else 0.
#[must_use]
pub fn exit_code(result: &ScanResult, options: &ReportOptions) -> u8 {
    let (fail_on, strict) = (options.fail_on, options.strict);
    let unused = || {
        options.fail_on_unused_waivers
            && result
                .waivers
                .iter()
                .any(|w| w.status == crate::waivers::Status::Unused)
    };
    let undecided = || {
        result.notes.iter().any(|n| {
            n.kind == crate::scan::NoteKind::NotEvaluated
                && result
                    .controls
                    .iter()
                    .any(|c| c.id == n.control && c.severity >= fail_on)
        })
    };
    if !result.problems.is_empty() {
        2
    } else if result.findings.iter().any(|f| f.fails(fail_on))
        || (strict && undecided())
        || unused()
        || (options.fail_on_skip
            && result
                .files
                .iter()
                .any(|f| matches!(f.status, FileStatus::Skipped { .. })))
        || (strict && result.files.iter().any(|f| f.refused))
    {
        1
    } else {
        0
    }
}

/// Counts every format reports.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    /// Files whose objects were checked.
    pub files_scanned: usize,
    /// Files with nothing to check.
    pub files_skipped: usize,
    /// Files that could not be (fully) read or parsed.
    pub files_failed: usize,
    /// Kubernetes objects checked.
    pub documents: usize,
    /// Documents skipped inside scanned files.
    pub documents_skipped: usize,
    /// Open findings by severity.
    pub findings: BTreeMap<Severity, usize>,
    /// Total open findings.
    pub findings_total: usize,
    /// Waived findings (reported, not counted above).
    pub waived: usize,
    /// Waivers by standing (`active`, `expiring`, `expired`, `rejected`, `unused`).
    pub waivers: BTreeMap<crate::waivers::Status, usize>,
    /// Verdicts that are not findings, by kind (`not-applicable`, `not-evaluated`, `partial`).
    pub notes: BTreeMap<NoteKind, usize>,
    /// Errors.
    pub errors: usize,
    /// Controls run.
    pub controls: usize,
    /// Plugins run.
    pub plugins: usize,
}

impl Summary {
    /// Count a result.
    #[must_use]
    pub fn of(result: &ScanResult) -> Self {
        let mut s = Self {
            errors: result.problems.len(),
            controls: result.controls.len(),
            plugins: result.plugins.len(),
            ..Self::default()
        };
        for w in &result.waivers {
            *s.waivers.entry(w.status).or_default() += 1;
        }
        for f in &result.files {
            match f.status {
                FileStatus::Scanned => s.files_scanned += 1,
                FileStatus::Skipped { .. } => s.files_skipped += 1,
                FileStatus::Failed => s.files_failed += 1,
            }
            s.documents += f.documents;
            s.documents_skipped += f.skipped_documents.len();
        }
        for f in &result.findings {
            if f.status == FindingStatus::Waived {
                s.waived += 1;
            } else {
                s.findings_total += 1;
                *s.findings.entry(f.severity).or_default() += 1;
            }
        }
        for n in &result.notes {
            *s.notes.entry(n.kind).or_default() += 1;
        }
        s
    }

    /// Findings of one severity.
    #[must_use]
    pub fn count(&self, severity: Severity) -> usize {
        self.findings.get(&severity).copied().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn xml_safe_escapes_what_xml_cannot_carry() {
        assert_eq!(super::xml_safe("a\tb\nc\r"), "a\tb\nc\r");
        assert_eq!(super::xml_safe("app\u{1}"), "app\\u{0001}");
        assert_eq!(
            super::xml_safe("\u{0}\u{1F}\u{FFFF}é"),
            "\\u{0000}\\u{001F}\\u{FFFF}é"
        );
    }
}
