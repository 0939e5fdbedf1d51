//! Waivers: reviewed, expiring exceptions with a justification and an approver — in
//! `stiglint.toml` (`[[waivers]]`, or a separate file), inline in the sources, or granted by
//! waiver plugins. A waived finding is never hidden: it stays in every report with its record;
//! an expired or rejected waiver leaves the finding open and says why; a waiver that covers
//! nothing is reported as unused.

pub mod inline;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use globset::{Glob, GlobMatcher};

use crate::problem::{Problem, ProblemKind};
use crate::runtime::bindings::wit;
use crate::runtime::{ControlMeta, Plugin};
use crate::scan::{Finding, FindingStatus, ScanResult};
use crate::source::SourceFile;

// The records themselves are part of a finding's result (the engine's data model): the waivers
// phase reads and writes them, the engine never calls back into this module.
pub use crate::scan::waiver::{
    Applied, Entry, Origin, Record, RegisterEntry, Scope, Status, Verdict,
};

/// How waivers are applied.
#[derive(Clone, Debug)]
pub struct Options {
    /// Today (`YYYY-MM-DD`).
    pub today: String,
    /// Whether inline waivers count.
    pub inline: bool,
    /// Waivers expiring within this many days are warned about.
    pub warn_days: i64,
    /// The namespace objects without one go to.
    pub default_namespace: Option<String>,
    /// Where relative `path` globs start.
    pub base_dir: PathBuf,
    /// Every control of the loaded plugins (an inline waiver may name one not selected).
    pub known: Vec<ControlMeta>,
}

/// Apply the file waivers, the inline waivers of the scanned files and the waiver plugins to
/// a scan's findings; return the register.
pub fn apply(
    result: &mut ScanResult,
    file_waivers: &[Record],
    plugins: &[&Plugin],
    options: &Options,
) -> Vec<RegisterEntry> {
    // Inline waivers of every scanned file (well formed or not: a malformed one is an error),
    // and of the files findings point into besides (a tfvars file a Terraform value was
    // written in).
    let mut inline_records = Vec::new();
    if options.inline {
        let sources: Vec<Arc<SourceFile>> = result
            .sources
            .iter()
            .flatten()
            .chain(&result.referenced)
            .cloned()
            .collect();
        for source in &sources {
            let (records, errors) = inline::scan(source);
            for e in errors {
                let at = source.position(e.line, 0);
                result.problems.push(
                    Problem::new(ProblemKind::Config, format!("inline waiver: {}", e.message))
                        .in_file(&*source.name)
                        .at(crate::source::Range::new(at, at)),
                );
            }
            for r in records {
                if find_control(&options.known, &r.control).is_none() {
                    let Origin::Inline { line, .. } = r.origin else {
                        continue;
                    };
                    let at = source.position(line, 0);
                    result.problems.push(
                        Problem::new(
                            ProblemKind::Config,
                            format!("inline waiver: unknown control '{}'", r.control),
                        )
                        .in_file(&*source.name)
                        .at(crate::source::Range::new(at, at)),
                    );
                    continue;
                }
                inline_records.push(r);
            }
        }
    }
    let all: Vec<&Record> = inline_records.iter().chain(file_waivers).collect();
    let matchers: Vec<Matchers> = all.iter().map(|r| Matchers::new(&r.scope)).collect();
    let mut claims: Vec<Option<usize>> = Vec::with_capacity(result.findings.len());
    // Without waivers no finding has a claim (and the controls need not be looked up).
    if !all.is_empty() {
        let controls: std::collections::HashMap<&str, &ControlMeta> = result
            .controls
            .iter()
            .rev()
            .map(|c| (c.id.as_str(), c))
            .collect();
        for f in &result.findings {
            let meta = controls
                .get(f.control.as_str())
                .copied()
                .or_else(|| find_control(&result.controls, &f.control));
            let claim = all.iter().zip(&matchers).position(|(r, m)| {
                control_matches(&r.control, &f.control, meta) && covers(r, m, f, options)
            });
            claims.push(claim);
        }
    } else {
        claims.resize(result.findings.len(), None);
    }
    for (f, claim) in result.findings.iter_mut().zip(&claims) {
        f.waiver = claim.map(|i| Box::new(judge(all[i].clone(), &options.today)));
    }
    review(result, plugins, options);
    for f in &mut result.findings {
        f.status = match &f.waiver {
            Some(a) if a.verdict == Verdict::Waived => FindingStatus::Waived,
            _ => FindingStatus::Open,
        };
    }
    register(result, &all, &claims, options)
}

/// The waiver's verdict by its expiry.
fn judge(record: Record, today: &str) -> Applied {
    if record.expires.as_str() < today {
        Applied {
            verdict: Verdict::Expired,
            reason: Some(format!(
                "the waiver from {} expired on {}",
                record.origin.describe(),
                record.expires
            )),
            record,
        }
    } else {
        Applied {
            verdict: Verdict::Waived,
            reason: None,
            record,
        }
    }
}

/// Pass every finding, with its claimed waiver, through each waiver plugin in order. A plugin
/// that fails is reported, and no claimed waiver is honoured (fail closed).
fn review(result: &mut ScanResult, plugins: &[&Plugin], options: &Options) {
    for plugin in plugins {
        if result.findings.is_empty() {
            return;
        }
        let items: Vec<wit::ReviewItem> = result
            .findings
            .iter()
            .map(|f| review_item(f, &result.controls))
            .collect();
        let name = plugin.info.name.clone();
        match plugin.review(&items) {
            Ok(decisions) => {
                for (f, d) in result.findings.iter_mut().zip(decisions) {
                    match d {
                        wit::Decision::Keep => {}
                        wit::Decision::Waive(w) => {
                            let record = Record {
                                control: w.control,
                                scope: Scope::default(),
                                justification: w.justification,
                                approved_by: w.approved_by,
                                approved_on: w.approved_on,
                                expires: w.expires,
                                ticket: w.ticket,
                                origin: Origin::Plugin { name: name.clone() },
                            };
                            let meta = find_control(&result.controls, &f.control);
                            f.waiver = Some(Box::new(
                                match granted_for(&record, &f.control, meta) {
                                    Ok(()) => judge(record, &options.today),
                                    Err(why) => {
                                        // Fail closed: the finding stays open and the run fails.
                                        let message = format!(
                                            "granted an invalid waiver for {} ({why}); the finding stays open",
                                            f.control
                                        );
                                        result.problems.push(
                                            Problem::new(ProblemKind::Plugin, message)
                                                .from_plugin(name.clone())
                                                .in_file(&*f.location.file)
                                                .at(f.location.range),
                                        );
                                        Applied {
                                            verdict: Verdict::Rejected,
                                            reason: Some(format!(
                                                "waiver plugin '{name}' granted an invalid waiver ({why})"
                                            )),
                                            record,
                                        }
                                    }
                                },
                            ));
                        }
                        wit::Decision::RejectWaiver(reason) => {
                            if let Some(a) = &mut f.waiver {
                                a.verdict = Verdict::Rejected;
                                a.reason =
                                    Some(format!("rejected by waiver plugin '{name}': {reason}"));
                            }
                        }
                    }
                }
            }
            Err(failure) => {
                result.problems.push(
                    Problem::new(
                        ProblemKind::Plugin,
                        format!("{failure} while reviewing waivers; no waiver is honoured"),
                    )
                    .from_plugin(name.clone()),
                );
                for a in result.findings.iter_mut().filter_map(|f| f.waiver.as_mut()) {
                    a.verdict = Verdict::Rejected;
                    a.reason = Some(format!(
                        "waiver plugin '{name}' failed: waivers are not honoured"
                    ));
                }
            }
        }
    }
}

fn enforcement(e: crate::runtime::Enforcement) -> wit::Enforcement {
    match e {
        crate::runtime::Enforcement::Deny => wit::Enforcement::Deny,
        crate::runtime::Enforcement::Warn => wit::Enforcement::Warn,
        crate::runtime::Enforcement::Audit => wit::Enforcement::Audit,
    }
}

/// Whether a waiver a plugin granted may waive a finding of `control`: a well-formed record
/// (strict `YYYY-MM-DD` dates, approved no later than it expires) for that very control (its
/// ID, Vuln ID or STIG ID, exactly as written). `Err` says what is wrong.
fn granted_for(record: &Record, control: &str, meta: Option<&ControlMeta>) -> Result<(), String> {
    record
        .validate()
        .map_err(|(field, why)| format!("{field}: {why}"))?;
    if let Some(on) = &record.approved_on
        && on > &record.expires
    {
        return Err(format!(
            "approved-on: approved on {on}, after it expires on {}",
            record.expires
        ));
    }
    let same = record.control == control
        || meta.and_then(|m| m.stig.as_ref()).is_some_and(|s| {
            (!s.vuln_id.is_empty() && s.vuln_id == record.control)
                || (!s.stig_id.is_empty() && s.stig_id == record.control)
        });
    if !same {
        return Err(format!(
            "control: the waiver is for '{}', not for {control}",
            record.control
        ));
    }
    Ok(())
}

fn review_item(f: &Finding, controls: &[ControlMeta]) -> wit::ReviewItem {
    let meta = controls.iter().find(|c| c.id == f.control);
    wit::ReviewItem {
        control: wit::ControlInfo {
            id: f.control.clone(),
            title: meta.map(|m| m.title.clone()).unwrap_or_default(),
            severity: match f.severity {
                crate::runtime::Severity::Low => wit::Severity::Low,
                crate::runtime::Severity::Medium => wit::Severity::Medium,
                crate::runtime::Severity::High => wit::Severity::High,
            },
            enforcement: enforcement(f.enforcement),
            stig: meta.and_then(|m| m.stig.as_ref()).map(|s| wit::StigRef {
                stig_id: s.stig_id.clone(),
                vuln_id: s.vuln_id.clone(),
                rule_id: s.rule_id.clone(),
                ccis: s.ccis.clone(),
                nist: s.nist.clone(),
            }),
            nist: meta.map(|m| m.nist.clone()).unwrap_or_default(),
            formats: meta.map(|m| m.formats.clone()).unwrap_or_default(),
            kinds: meta.map(|m| m.kinds.clone()).unwrap_or_default(),
            scope: wit::Scope::Document,
            docs: String::new(),
            remediation: meta.map(|m| m.remediation.clone()).unwrap_or_default(),
        },
        finding: wit::Finding {
            control: f.control.clone(),
            document: 0,
            pointer: f.location.pointer.clone(),
            message: f.message.clone(),
            fix: None,
            related: Vec::new(),
            related_total: 0,
            enforcement: Some(enforcement(f.enforcement)),
            properties: f
                .properties
                .as_ref()
                .map(|p| serde_json::Value::Object((**p).clone()).to_string()),
        },
        uri: f.location.file.to_string(),
        line: f.location.range.start.line,
        hints: wit::KindHints {
            api_version: f.object.api_version.clone(),
            kind: f.object.kind.clone(),
            namespace: f.object.namespace.clone(),
            name: f.object.name.clone(),
            labels: f.object.labels.clone(),
        },
        claimed: f
            .waiver
            .as_ref()
            .filter(|a| a.verdict != Verdict::Rejected)
            .map(|a| a.record.to_wit()),
    }
}

fn register(
    result: &ScanResult,
    all: &[&Record],
    claims: &[Option<usize>],
    options: &Options,
) -> Vec<RegisterEntry> {
    let mut counts: BTreeMap<usize, (usize, usize)> = BTreeMap::new();
    for (f, claim) in result.findings.iter().zip(claims) {
        if let Some(i) = claim {
            let e = counts.entry(*i).or_default();
            e.0 += 1;
            if f.waiver
                .as_ref()
                .is_some_and(|a| a.verdict == Verdict::Rejected)
            {
                e.1 += 1;
            }
        }
    }
    let mut out: Vec<RegisterEntry> = all
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let days_left = crate::dates::days_between(&options.today, &r.expires).unwrap_or(0);
            let (findings, rejected) = counts.get(&i).copied().unwrap_or_default();
            let status = if r.expires.as_str() < options.today.as_str() {
                Status::Expired
            } else if findings == 0 {
                Status::Unused
            } else if rejected == findings {
                Status::Rejected
            } else if days_left <= options.warn_days {
                Status::Expiring
            } else {
                Status::Active
            };
            RegisterEntry {
                status,
                findings,
                days_left,
                record: (*r).clone(),
            }
        })
        .collect();
    // Waivers plugins granted appear once per distinct record.
    let mut granted: Vec<&Applied> = result
        .findings
        .iter()
        .filter_map(|f| f.waiver.as_deref())
        .filter(|a| matches!(a.record.origin, Origin::Plugin { .. }))
        .collect();
    granted.sort_by(|a, b| a.record.expires.cmp(&b.record.expires));
    let mut seen: Vec<&Record> = Vec::new();
    for a in granted {
        if seen.contains(&&a.record) {
            continue;
        }
        seen.push(&a.record);
        let findings = result
            .findings
            .iter()
            .filter(|f| f.waiver.as_ref().is_some_and(|w| w.record == a.record))
            .count();
        let days_left = crate::dates::days_between(&options.today, &a.record.expires).unwrap_or(0);
        out.push(RegisterEntry {
            status: match a.verdict {
                Verdict::Expired => Status::Expired,
                Verdict::Rejected => Status::Rejected,
                Verdict::Waived if days_left <= options.warn_days => Status::Expiring,
                Verdict::Waived => Status::Active,
            },
            findings,
            days_left,
            record: a.record.clone(),
        });
    }
    out
}

/// A control by ID, Vuln ID, or the STIG ID it stands in for.
#[must_use]
pub fn find_control<'a>(controls: &'a [ControlMeta], id: &str) -> Option<&'a ControlMeta> {
    controls
        .iter()
        .find(|c| control_matches(id, &c.id, Some(c)))
}

fn control_matches(waiver: &str, control: &str, meta: Option<&ControlMeta>) -> bool {
    waiver.eq_ignore_ascii_case(control)
        || meta.and_then(|m| m.stig.as_ref()).is_some_and(|s| {
            s.vuln_id.eq_ignore_ascii_case(waiver) || s.stig_id.eq_ignore_ascii_case(waiver)
        })
}

/// Compiled globs of a scope.
struct Matchers {
    path: Option<GlobMatcher>,
    name: Option<GlobMatcher>,
    address: Option<GlobMatcher>,
}

impl Matchers {
    fn new(scope: &Scope) -> Self {
        let glob = |g: &Option<String>| {
            g.as_deref()
                .and_then(|g| Glob::new(g).ok())
                .map(|g| g.compile_matcher())
        };
        Self {
            path: glob(&scope.path),
            name: glob(&scope.name),
            address: glob(&scope.address),
        }
    }
}

fn covers(r: &Record, m: &Matchers, f: &Finding, options: &Options) -> bool {
    // A Terraform finding at a use site may be waived where its value was written too.
    let written = || {
        f.related
            .iter()
            .filter(|r| r.message == crate::input::terraform::ORIGIN_MESSAGE)
            .map(|r| &r.location)
    };
    if let Origin::Inline { file, covers, .. } = &r.origin {
        return std::iter::once(&f.location).chain(written()).any(|at| {
            let line = at.range.start.line;
            **file == *at.file && covers.0 <= line && line <= covers.1
        });
    }
    let s = &r.scope;
    // Terraform documents carry their block labels; Kubernetes objects none.
    let terraform = !f.object.labels.is_empty();
    if let Some(p) = &m.path {
        let matches = |file: &str| {
            let name = file.trim_start_matches("./");
            let relative = Path::new(name)
                .strip_prefix(&options.base_dir)
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_else(|_| name.to_owned());
            p.is_match(name) || p.is_match(&relative)
        };
        if !matches(&f.location.file) && !written().any(|at| matches(&at.file)) {
            return false;
        }
    }
    if let Some(kind) = &s.kind {
        let ours = if terraform {
            f.object.labels.first().map(String::as_str)
        } else {
            f.object.kind.as_deref()
        };
        if ours != Some(kind.as_str()) {
            return false;
        }
    }
    if let Some(ns) = &s.namespace {
        let ours = f
            .object
            .namespace
            .as_deref()
            .or(options.default_namespace.as_deref())
            .unwrap_or("default");
        if ours != ns || terraform {
            return false;
        }
    }
    if let Some(g) = &m.name {
        let name = if terraform {
            f.object.labels.get(1).map(String::as_str)
        } else {
            f.object.name.as_deref()
        };
        if !name.is_some_and(|n| g.is_match(n)) {
            return false;
        }
    }
    if let Some(c) = &s.container
        && f.container.as_deref() != Some(c.as_str())
    {
        return false;
    }
    if let Some(g) = &m.address
        && !(terraform && f.object.name.as_deref().is_some_and(|a| g.is_match(a)))
    {
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::{Origin, Record, Scope};

    fn record(origin: Origin) -> Record {
        Record {
            control: "KUBER-L2-000070".to_owned(),
            scope: Scope::default(),
            justification: "j".to_owned(),
            approved_by: "a".to_owned(),
            approved_on: Some("2026-11-01".to_owned()),
            expires: "2099-12-31".to_owned(),
            ticket: None,
            origin,
        }
    }

    /// Every origin serialises (an internally tagged enum cannot carry a bare string: the
    /// reports would fail on a plugin's waiver).
    #[test]
    fn every_origin_serialises() {
        for (origin, json) in [
            (
                Origin::Plugin {
                    name: "p".to_owned(),
                },
                serde_json::json!({"type": "plugin", "name": "p"}),
            ),
            (
                Origin::File {
                    path: "w.toml".to_owned(),
                    line: 3,
                },
                serde_json::json!({"type": "file", "path": "w.toml", "line": 3}),
            ),
            (
                Origin::Inline {
                    file: "a.yaml".into(),
                    line: 4,
                    covers: (4, 5),
                },
                serde_json::json!({"type": "inline", "file": "a.yaml", "line": 4}),
            ),
        ] {
            let value = serde_json::to_value(record(origin)).expect("serialises");
            assert_eq!(value["origin"], json);
        }
    }

    /// A granted record must be for the finding's control, exactly, with dates in order.
    #[test]
    fn a_granted_record_fits_its_finding() {
        let plugin = || Origin::Plugin {
            name: "p".to_owned(),
        };
        assert_eq!(
            super::granted_for(&record(plugin()), "KUBER-L2-000070", None),
            Ok(())
        );
        for (edit, why) in [
            (
                (|r: &mut Record| r.control = "NOT-A-CONTROL".to_owned()) as fn(&mut Record),
                "control:",
            ),
            (|r| r.control = "kuber-l2-000070".to_owned(), "control:"),
            (|r| r.expires = "2099-+1-+1".to_owned(), "expires:"),
            (
                |r| r.approved_on = Some("2100-01-01".to_owned()),
                "approved-on:",
            ),
        ] {
            let mut r = record(plugin());
            edit(&mut r);
            let err = super::granted_for(&r, "KUBER-L2-000070", None).expect_err("refused");
            assert!(err.starts_with(why), "{err}");
        }
    }
}
