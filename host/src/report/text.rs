//! Text output: rustc-style code frames (annotate-snippets) and a summary of what was scanned,
//! skipped and failed.

use std::collections::BTreeMap;
use std::io::Write;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use super::{ReportOptions, Summary};
use crate::problem::Problem;
use crate::runtime::Severity;
use crate::scan::{FileStatus, Finding, NoteKind, ScanResult};
use crate::source::{Range, SourceFile};

fn level(s: Severity) -> Level<'static> {
    match s {
        Severity::High => Level::ERROR,
        Severity::Medium => Level::WARNING,
        Severity::Low => Level::NOTE,
    }
}

/// The lines of `source` a range covers, as (text, first line, byte range within the text).
fn excerpt(source: &SourceFile, range: Range) -> (&str, usize, std::ops::Range<usize>) {
    let first = range.start.line.max(1);
    let last = range.end.line.max(first);
    let start = source.line_start(first);
    let end = source.line_start(last + 1).min(source.text.len());
    let text = source.text[start..end].trim_end_matches(['\n', '\r']);
    let lo = (range.start.offset as usize)
        .saturating_sub(start)
        .min(text.len());
    let hi = (range.end.offset as usize)
        .saturating_sub(start)
        .clamp(lo, text.len());
    (text, first as usize, lo..hi)
}

fn renderer(color: bool) -> Renderer {
    if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    }
}

fn finding_frame(
    result: &ScanResult,
    f: &Finding,
    color: bool,
    chart_dir: Option<&std::path::Path>,
) -> String {
    let waived = f.status == crate::scan::FindingStatus::Waived;
    let title = if waived {
        format!("{} (waived): {}", f.control, f.message)
    } else {
        format!("{}: {}", f.control, f.message)
    };
    let level = if waived {
        Level::NOTE
    } else {
        level(f.severity)
    };
    let mut group = Group::with_title(level.primary_title(title));
    let source = result.source(&f.location.file);
    if let Some(source) = source {
        let (text, line, span) = excerpt(source, f.location.range);
        let label = if f.exact {
            "here"
        } else {
            "the object that lacks it"
        };
        group = group.element(
            Snippet::source(text)
                .line_start(line)
                .path(&*f.location.file)
                .annotation(AnnotationKind::Primary.span(span).label(label)),
        );
    }
    let mut groups = vec![group];
    if source.is_none() {
        // No text to frame (a plan read as a stream, a file gone since): the place, at least.
        let at = f.location.range.start;
        groups.push(Group::with_title(Level::NOTE.secondary_title(format!(
            "at {}:{}:{}",
            f.location.file, at.line, at.column
        ))));
    }
    if let Some(t) = &f.template {
        groups.push(Group::with_title(Level::NOTE.secondary_title(format!(
            "rendered from Helm template {}",
            super::template_path(t, chart_dir)
        ))));
    }
    for r in &f.related {
        groups.push(Group::with_title(Level::NOTE.secondary_title(format!(
            "{}:{}:{}: {}",
            r.location.file, r.location.range.start.line, r.location.range.start.column, r.message
        ))));
    }
    if let Some(w) = &f.waiver {
        let r = &w.record;
        let text = match &w.reason {
            None => format!(
                "waived until {} by {}, approved by {}{}: {}",
                r.expires,
                r.origin.describe(),
                r.approved_by,
                r.ticket
                    .as_ref()
                    .map_or_else(String::new, |t| format!(" ({t})")),
                r.justification
            ),
            Some(reason) => format!("not waived: {reason}"),
        };
        groups.push(Group::with_title(Level::NOTE.secondary_title(text)));
    }
    if let Some(fix) = &f.fix {
        groups.push(Group::with_title(
            Level::HELP.secondary_title(format!("fix: {}", fix.description)),
        ));
    }
    let meta = result.controls.iter().find(|c| c.id == f.control);
    if let Some(m) = meta {
        let stig = m.stig.as_ref().map_or_else(String::new, |s| {
            if s.stig_id == m.id {
                format!(", {}", s.vuln_id)
            } else {
                format!(", stands in for {} ({})", s.stig_id, s.vuln_id)
            }
        });
        groups.push(Group::with_title(Level::NOTE.secondary_title(format!(
            "{}{stig}: {} — `stiglint explain {}`",
            m.severity.cat(),
            m.title,
            m.id
        ))));
    }
    renderer(color).render(&groups)
}

fn problem_frame(result: &ScanResult, p: &Problem, color: bool) -> String {
    let mut group = Group::with_title(Level::ERROR.primary_title(p.headline()));
    let source = p.file.as_ref().and_then(|name| result.source(name));
    if let (Some(source), Some(range)) = (source, p.range) {
        let (text, line, span) = excerpt(source, range);
        group = group.element(
            Snippet::source(text)
                .line_start(line)
                .path(&*source.name)
                .annotation(AnnotationKind::Primary.span(span).label(p.message.as_str())),
        );
    }
    renderer(color).render(&[group])
}

/// Write the findings, the errors and a summary.
pub fn write(
    result: &ScanResult,
    options: &ReportOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    for f in &result.findings {
        writeln!(
            out,
            "{}\n",
            finding_frame(result, f, options.color, options.chart_dir.as_deref())
        )?;
    }
    for p in &result.problems {
        writeln!(out, "{}\n", problem_frame(result, p, options.color))?;
    }
    if options.verbose {
        for (plugin, line) in &result.logs {
            writeln!(out, "log: plugin '{plugin}': {line}")?;
        }
    }
    write_summary(result, options, out)
}

/// Only the errors (for stderr when the report itself is machine-readable).
pub fn write_problems(result: &ScanResult, out: &mut dyn Write) -> std::io::Result<()> {
    for p in &result.problems {
        writeln!(out, "error: {}", p.headline())?;
    }
    Ok(())
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn write_summary(
    result: &ScanResult,
    options: &ReportOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let s = Summary::of(result);
    let skipped: Vec<_> = result
        .files
        .iter()
        .filter_map(|f| match &f.status {
            FileStatus::Skipped { reason } => Some((f.name.as_str(), reason.as_str())),
            _ => None,
        })
        .collect();
    if !skipped.is_empty() {
        writeln!(out, "Skipped files:")?;
        for (name, reason) in &skipped {
            writeln!(out, "  {name}: {reason}")?;
        }
    }
    let docs_skipped: Vec<_> = result
        .files
        .iter()
        .filter(|f| !matches!(f.status, FileStatus::Skipped { .. }))
        .flat_map(|f| {
            f.skipped_documents
                .iter()
                .map(move |d| (f.name.as_str(), d))
        })
        .collect();
    if !docs_skipped.is_empty() {
        writeln!(out, "Skipped documents:")?;
        for (name, d) in &docs_skipped {
            writeln!(out, "  {name}:{}: {}", d.range.start.line, d.reason)?;
        }
    }
    if !result.notes.is_empty() {
        writeln!(
            out,
            "Not findings (not applicable, not evaluated, partly evaluated):"
        )?;
        for n in &result.notes {
            let at = n.location.as_ref().map_or_else(String::new, |l| {
                format!("{}:{}: ", l.file, l.range.start.line)
            });
            let kind = match n.kind {
                NoteKind::NotApplicable => "not applicable",
                NoteKind::NotEvaluated => "not evaluated",
                NoteKind::Partial => "partly evaluated",
            };
            writeln!(out, "  {at}{} {kind}: {}", n.control, n.reason)?;
        }
    }
    if !result.findings.is_empty() {
        let mut per_control: BTreeMap<&str, (Severity, usize)> = BTreeMap::new();
        for f in &result.findings {
            per_control
                .entry(f.control.as_str())
                .or_insert((f.severity, 0))
                .1 += 1;
        }
        writeln!(out, "Findings by control:")?;
        let id_w = per_control.keys().map(|id| id.len()).max().unwrap_or(0);
        for (id, (sev, n)) in &per_control {
            let title = result
                .controls
                .iter()
                .find(|c| c.id == *id)
                .map_or("", |c| c.title.as_str());
            writeln!(out, "  {n:>5}  {id:<id_w$}  {:<7}  {title}", sev.cat())?;
        }
    }
    writeln!(
        out,
        "Scanned {} ({}), skipped {}, failed {}; {} checked by {} from {}.",
        plural(s.files_scanned, "file", "files"),
        plural(s.documents, "object", "objects"),
        s.files_skipped,
        s.files_failed,
        plural(s.controls, "control", "controls"),
        plural(s.plugins, "plugin", "plugins"),
        result
            .plugins
            .iter()
            .map(|p| format!("{} {}", p.name, p.version))
            .collect::<Vec<_>>()
            .join(", "),
    )?;
    for w in &result.waivers {
        let what = match w.status {
            crate::waivers::Status::Unused => "covers no finding (unused)".to_owned(),
            crate::waivers::Status::Expiring => {
                format!("expires in {} days ({})", w.days_left, w.record.expires)
            }
            crate::waivers::Status::Expired => format!("expired on {}", w.record.expires),
            crate::waivers::Status::Rejected => "was rejected by a waiver plugin".to_owned(),
            crate::waivers::Status::Active => continue,
        };
        writeln!(
            out,
            "warning: waiver for {} at {} {what}",
            w.record.control,
            w.record.origin.describe()
        )?;
    }
    let verdict = if s.errors > 0 {
        format!("{} — the run failed.", plural(s.errors, "error", "errors"))
    } else if s.findings_total == 0 {
        if s.waived > 0 {
            "No open findings.".to_owned()
        } else {
            "No findings.".to_owned()
        }
    } else {
        let failing = result
            .findings
            .iter()
            .filter(|f| f.fails(options.fail_on))
            .count();
        format!(
            "{} ({} high, {} medium, {} low); {failing} at or above {}.",
            plural(s.findings_total, "finding", "findings"),
            s.count(Severity::High),
            s.count(Severity::Medium),
            s.count(Severity::Low),
            options.fail_on.name()
        )
    };
    let verdict = if s.waived > 0 {
        format!(
            "{verdict} {} waived.",
            plural(s.waived, "finding", "findings")
        )
    } else {
        verdict
    };
    let verdict = if s.errors > 0 && s.findings_total > 0 {
        format!(
            "{}; {verdict}",
            plural(s.findings_total, "finding", "findings")
        )
    } else {
        verdict
    };
    writeln!(out, "{verdict}")
}
