//! JUnit XML: one test suite per control, one test case per object it judged with a finding
//! (failed, its location and message) or a waiver (skipped, with the record), and a suite of
//! the inputs (each file scanned, skipped with its reason, or in error; the plugins as
//! properties), for GitLab, Jenkins and any JUnit reader. Written with quick-xml, never by
//! string concatenation.

use std::collections::BTreeMap;
use std::io::Write;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use super::ReportOptions;
use crate::scan::{FileStatus, Finding, FindingStatus, ScanResult};

/// The object a finding is about, as a test case name.
fn case_name(f: &Finding) -> String {
    let o = &f.object;
    match (o.kind.as_deref(), o.name.as_deref()) {
        (Some(kind), Some(name)) if o.labels.is_empty() => match o.namespace.as_deref() {
            Some(ns) => format!("{kind} {ns}/{name}"),
            None => format!("{kind} {name}"),
        },
        (_, Some(name)) => name.to_owned(),
        _ => f.location.file.to_string(),
    }
}

/// Write the report.
pub fn write(
    result: &ScanResult,
    _options: &ReportOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mut by_control: BTreeMap<&str, BTreeMap<String, Vec<&Finding>>> = BTreeMap::new();
    for c in &result.controls {
        by_control.entry(c.id.as_str()).or_default();
    }
    for f in &result.findings {
        by_control
            .entry(f.control.as_str())
            .or_default()
            .entry(format!("{} ({})", case_name(f), f.location.file))
            .or_default()
            .push(f);
    }
    let mut buf: Vec<u8> = Vec::new();
    let mut w = Writer::new_with_indent(&mut buf, b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let failures = result
        .findings
        .iter()
        .filter(|f| f.status == FindingStatus::Open && f.enforcement.denies())
        .count();
    let tests: usize = by_control.values().map(|c| c.len().max(1)).sum();
    let mut suites = BytesStart::new("testsuites");
    suites.push_attribute(("name", "stiglint"));
    suites.push_attribute(("tests", tests.to_string().as_str()));
    suites.push_attribute(("failures", failures.to_string().as_str()));
    suites.push_attribute(("errors", result.problems.len().to_string().as_str()));
    w.write_event(Event::Start(suites))?;
    for (control, cases) in &by_control {
        let meta = result.controls.iter().find(|c| c.id == *control);
        let title = meta.map_or("", |m| m.title.as_str());
        let failed = cases
            .values()
            .filter(|fs| {
                fs.iter()
                    .any(|f| f.status == FindingStatus::Open && f.enforcement.denies())
            })
            .count();
        let skipped = cases.len() - failed;
        let mut suite = BytesStart::new("testsuite");
        suite.push_attribute(("name", format!("{control}: {title}").as_str()));
        suite.push_attribute(("tests", cases.len().max(1).to_string().as_str()));
        suite.push_attribute(("failures", failed.to_string().as_str()));
        suite.push_attribute(("errors", "0"));
        suite.push_attribute(("skipped", skipped.to_string().as_str()));
        w.write_event(Event::Start(suite))?;
        if cases.is_empty() {
            // A control with no finding passed on everything it judged.
            let mut case = BytesStart::new("testcase");
            case.push_attribute(("classname", *control));
            case.push_attribute(("name", "all objects"));
            w.write_event(Event::Empty(case))?;
        }
        for (name, findings) in cases {
            let mut case = BytesStart::new("testcase");
            case.push_attribute(("classname", *control));
            case.push_attribute(("name", name.as_str()));
            let first = findings[0];
            case.push_attribute(("file", &*first.location.file));
            case.push_attribute(("line", first.location.range.start.line.to_string().as_str()));
            w.write_event(Event::Start(case))?;
            // `warn` and `audit` findings never fail (a run or a test case).
            let open: Vec<&&Finding> = findings
                .iter()
                .filter(|f| f.status == FindingStatus::Open && f.enforcement.denies())
                .collect();
            if open.is_empty() {
                let mut skip = BytesStart::new("skipped");
                // Every distinct record of the case's findings (an inline waiver on one
                // container, a plugin's on another).
                let mut records: Vec<String> = Vec::new();
                for w in findings.iter().filter_map(|f| f.waiver.as_ref()) {
                    let line = format!(
                        "waived until {} by {} (approved by {}): {}",
                        w.record.expires,
                        w.record.origin.describe(),
                        w.record.approved_by,
                        w.record.justification
                    );
                    if !records.contains(&line) {
                        records.push(line);
                    }
                }
                records.extend(
                    findings
                        .iter()
                        .filter(|f| f.status == FindingStatus::Open)
                        .map(|f| format!("{} (enforcement {})", f.message, f.enforcement.name())),
                );
                let why = records.join("; ");
                skip.push_attribute(("message", why.as_str()));
                w.write_event(Event::Empty(skip))?;
            } else {
                let mut failure = BytesStart::new("failure");
                failure.push_attribute(("message", open[0].message.as_str()));
                failure.push_attribute(("type", open[0].severity.cat()));
                w.write_event(Event::Start(failure))?;
                let body: Vec<String> = open
                    .iter()
                    .map(|f| {
                        format!(
                            "{}:{}:{}: {}: {}",
                            f.location.file,
                            f.location.range.start.line,
                            f.location.range.start.column,
                            f.control,
                            f.message
                        )
                    })
                    .collect();
                w.write_event(Event::Text(BytesText::new(&body.join("\n"))))?;
                w.write_event(Event::End(BytesEnd::new("failure")))?;
            }
            w.write_event(Event::End(BytesEnd::new("testcase")))?;
        }
        w.write_event(Event::End(BytesEnd::new("testsuite")))?;
    }
    // The inputs' accounting: a test case per file, skipped (with the reason) or failed
    // (unreadable, unparseable), and the plugins that ran as properties.
    let skipped = result
        .files
        .iter()
        .filter(|f| matches!(f.status, FileStatus::Skipped { .. }))
        .count();
    let failed = result
        .files
        .iter()
        .filter(|f| f.status == FileStatus::Failed)
        .count();
    let mut suite = BytesStart::new("testsuite");
    suite.push_attribute(("name", "stiglint: inputs"));
    suite.push_attribute(("tests", result.files.len().to_string().as_str()));
    suite.push_attribute(("failures", "0"));
    suite.push_attribute(("errors", failed.to_string().as_str()));
    suite.push_attribute(("skipped", skipped.to_string().as_str()));
    w.write_event(Event::Start(suite))?;
    w.write_event(Event::Start(BytesStart::new("properties")))?;
    for p in &result.plugins {
        let mut prop = BytesStart::new("property");
        prop.push_attribute(("name", format!("plugin {}", p.name).as_str()));
        prop.push_attribute((
            "value",
            format!("{} sha256:{}", p.version, p.sha256).as_str(),
        ));
        w.write_event(Event::Empty(prop))?;
    }
    w.write_event(Event::End(BytesEnd::new("properties")))?;
    for f in &result.files {
        let mut case = BytesStart::new("testcase");
        case.push_attribute(("classname", "stiglint.inputs"));
        case.push_attribute(("name", f.name.as_str()));
        match &f.status {
            FileStatus::Scanned => w.write_event(Event::Empty(case))?,
            FileStatus::Skipped { reason } => {
                w.write_event(Event::Start(case))?;
                let mut skip = BytesStart::new("skipped");
                skip.push_attribute(("message", reason.as_str()));
                w.write_event(Event::Empty(skip))?;
                w.write_event(Event::End(BytesEnd::new("testcase")))?;
            }
            FileStatus::Failed => {
                let problems: Vec<&crate::problem::Problem> = result
                    .problems
                    .iter()
                    .filter(|p| p.file.as_deref() == Some(f.name.as_str()))
                    .collect();
                // The file and the line of its first error (line 1 for a whole-file error).
                case.push_attribute(("file", f.name.as_str()));
                let line = problems
                    .first()
                    .and_then(|p| p.location_range())
                    .map_or(1, |r| r.start.line);
                case.push_attribute(("line", line.to_string().as_str()));
                w.write_event(Event::Start(case))?;
                let messages: Vec<String> = problems.iter().map(|p| p.headline()).collect();
                let mut error = BytesStart::new("error");
                error.push_attribute(("message", messages.join("; ").as_str()));
                w.write_event(Event::Empty(error))?;
                w.write_event(Event::End(BytesEnd::new("testcase")))?;
            }
        }
    }
    w.write_event(Event::End(BytesEnd::new("testsuite")))?;
    w.write_event(Event::End(BytesEnd::new("testsuites")))?;
    w.into_inner().write_all(b"\n")?;
    // A C0 control character in a message (`name: "app\x01"`) is not XML 1.0.
    super::write_xml(&buf, out)
}
