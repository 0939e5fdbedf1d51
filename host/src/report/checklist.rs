//! STIG Viewer checklists for the DISA Kubernetes STIG V2R4: `ckl` (STIG Viewer 2, XML, written
//! with quick-xml) and `cklb` (STIG Viewer 3, JSON). Every rule of the STIG is listed, with a
//! status from the scan:
//!
//! * **Open** — a finding of a control that checks the rule or stands in for it (waived
//!   findings too: a waiver is a risk acceptance, not compliance; its record is in COMMENTS);
//! * **Not_Applicable** — the controls say so (a removed feature on this Kubernetes version);
//! * **NotAFinding** — the controls judged the rule's artifact (the component's static pod
//!   manifest, a kubelet configuration, workload manifests, Terraform) and found nothing, and
//!   none of them was left undecided;
//! * **Not_Reviewed** — everything else: a rule no file can decide, a rule whose artifact was not
//!   in the scan (no control-plane manifest, no kubelet configuration), a value not known before
//!   apply. Never NotAFinding without evidence.

use std::fmt::Write as _;
use std::io::Write;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::ReportOptions;
use crate::scan::{FindingStatus, NoteKind, ScanResult};
use crate::stig::{Benchmark, Coverage, Rule, coverage_of};

/// A rule's checklist status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// A finding.
    Open,
    /// Checked, nothing found.
    NotAFinding,
    /// Does not apply.
    NotApplicable,
    /// Not decided.
    NotReviewed,
}

impl Status {
    fn ckl(self) -> &'static str {
        match self {
            Self::Open => "Open",
            Self::NotAFinding => "NotAFinding",
            Self::NotApplicable => "Not_Applicable",
            Self::NotReviewed => "Not_Reviewed",
        }
    }

    fn cklb(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::NotAFinding => "not_a_finding",
            Self::NotApplicable => "not_applicable",
            Self::NotReviewed => "not_reviewed",
        }
    }
}

/// One rule's verdict.
pub struct Verdict<'a> {
    /// The rule.
    pub rule: &'a Rule,
    /// Its status.
    pub status: Status,
    /// FINDING_DETAILS: the findings with file:line, or why it was not reviewed.
    pub details: String,
    /// COMMENTS: the waiver records of its findings.
    pub comments: String,
}

/// Every rule's verdict from a scan.
#[must_use]
pub fn verdicts<'b>(result: &ScanResult, benchmark: &'b Benchmark) -> Vec<Verdict<'b>> {
    let controls: Vec<&crate::runtime::ControlMeta> = result.controls.iter().collect();
    coverage_of(&benchmark.rules, &controls)
        .into_iter()
        .filter_map(|rs| {
            let rule: &'b Rule = benchmark
                .rules
                .iter()
                .find(|r| r.stig_id == rs.rule.stig_id)?;
            let ids: Vec<&str> = rs.controls.clone();
            let findings: Vec<&crate::scan::Finding> = result
                .findings
                .iter()
                .filter(|f| ids.contains(&f.control.as_str()))
                .collect();
            let notes: Vec<&crate::scan::Note> = result
                .notes
                .iter()
                .filter(|n| ids.contains(&n.control.as_str()))
                .collect();
            let judged: usize = result
                .controls
                .iter()
                .filter(|c| ids.contains(&c.id.as_str()))
                .map(|c| result.judged_by(c))
                .sum();
            let mut details = String::new();
            let mut comments = String::new();
            for f in &findings {
                let _ = writeln!(
                    details,
                    "{}:{}: {} {}{}",
                    f.location.file,
                    f.location.range.start.line,
                    f.control,
                    f.message,
                    if f.status == FindingStatus::Waived {
                        " (waived)"
                    } else {
                        ""
                    }
                );
                if let Some(w) = &f.waiver {
                    let r = &w.record;
                    let _ = writeln!(
                        comments,
                        "{}:{}: waiver {} ({}): {}; approved by {}{}, expires {}{}",
                        f.location.file,
                        f.location.range.start.line,
                        r.origin.describe(),
                        match w.verdict {
                            crate::waivers::Verdict::Waived => "in force",
                            crate::waivers::Verdict::Expired => "expired",
                            crate::waivers::Verdict::Rejected => "rejected",
                        },
                        r.justification,
                        r.approved_by,
                        r.approved_on
                            .as_ref()
                            .map_or_else(String::new, |d| format!(" on {d}")),
                        r.expires,
                        r.ticket
                            .as_ref()
                            .map_or_else(String::new, |t| format!(", ticket {t}")),
                    );
                }
            }
            let undecided: Vec<&&crate::scan::Note> = notes
                .iter()
                .filter(|n| matches!(n.kind, NoteKind::NotEvaluated | NoteKind::Partial))
                .collect();
            let not_applicable = notes.iter().any(|n| n.kind == NoteKind::NotApplicable);
            let status = match rs.coverage {
                Coverage::NotDecidableFromFiles => {
                    details = format!(
                        "Not decidable from files ({}): review on the running system.",
                        rule.field
                    );
                    Status::NotReviewed
                }
                Coverage::NotImplemented => {
                    details = "No stiglint control checks this rule.".to_owned();
                    Status::NotReviewed
                }
                _ if !findings.is_empty() => Status::Open,
                _ if !undecided.is_empty() => {
                    for n in undecided {
                        let _ = writeln!(details, "{}: {}", n.control, n.reason);
                    }
                    Status::NotReviewed
                }
                _ if not_applicable => {
                    for n in notes.iter().filter(|n| n.kind == NoteKind::NotApplicable) {
                        let _ = writeln!(details, "{}: {}", n.control, n.reason);
                    }
                    Status::NotApplicable
                }
                _ if judged > 0 && artifact_in_scan(result, rule) => {
                    details = format!(
                        "{} judged {judged} object(s) of the scan: no finding.",
                        ids.join(", ")
                    );
                    Status::NotAFinding
                }
                _ => {
                    details = format!(
                        "Nothing in the scan for {} to judge ({}).",
                        ids.join(", "),
                        rule.field
                    );
                    Status::NotReviewed
                }
            };
            Some(Verdict {
                rule,
                status,
                details: details.trim_end().to_owned(),
                comments: comments.trim_end().to_owned(),
            })
        })
        .collect()
}

/// Whether the scan held what the rule is decided by: for a static pod flag, that
/// component's manifest; for a kubelet setting, a kubelet configuration or flags; otherwise
/// (workload manifests, Terraform) any object the controls judged.
fn artifact_in_scan(result: &ScanResult, rule: &Rule) -> bool {
    match rule.artifact_class.trim().chars().next() {
        Some('b') => {
            let component = rule.field.split_whitespace().next().unwrap_or("");
            result.components.contains(component)
        }
        Some('c') => result.documents_by_kind.keys().any(|(_, kind)| {
            matches!(
                kind.as_str(),
                "KubeletConfiguration" | "NodeConfig" | "KubeletFlags"
            )
        }),
        _ => true,
    }
}

fn severity(rule: &Rule) -> &'static str {
    match rule.cat.trim() {
        "I" => "high",
        "III" => "low",
        _ => "medium",
    }
}

/// A stable UUID-shaped identifier from a name (checklists are deterministic).
fn uuid(name: &str) -> String {
    let h = Sha256::digest(name.as_bytes());
    let hex = crate::scan::cache::hex(&h[..16]);
    format!(
        "{}-{}-5{}-8{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

fn element(w: &mut Writer<&mut dyn Write>, name: &str, text: &str) -> std::io::Result<()> {
    if text.is_empty() {
        w.write_event(Event::Empty(BytesStart::new(name)))
    } else {
        w.write_event(Event::Start(BytesStart::new(name)))?;
        w.write_event(Event::Text(BytesText::new(text)))?;
        w.write_event(Event::End(BytesEnd::new(name)))
    }
}

/// The check text of a rule: the XCCDF's, else what the bundled data says decides it.
fn check_text(b: &Benchmark, r: &Rule) -> String {
    b.checks
        .get(&r.stig_id)
        .filter(|c| !c.is_empty())
        .cloned()
        .unwrap_or_else(|| format!("{}: {}", r.field, r.compliant))
}

/// Write the STIG Viewer 2 checklist (`.ckl`).
pub fn write_ckl(
    result: &ScanResult,
    options: &ReportOptions,
    benchmark: &Benchmark,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mut buf: Vec<u8> = Vec::new();
    let mut w = Writer::new_with_indent(&mut buf as &mut dyn Write, b'\t', 1);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    w.write_event(Event::Start(BytesStart::new("CHECKLIST")))?;
    w.write_event(Event::Start(BytesStart::new("ASSET")))?;
    let host = options.asset.as_deref().unwrap_or("");
    for (k, v) in [
        ("ROLE", "None"),
        ("ASSET_TYPE", "Computing"),
        ("MARKING", "CUI"),
        ("HOST_NAME", host),
        ("HOST_IP", ""),
        ("HOST_MAC", ""),
        ("HOST_FQDN", ""),
        (
            "TARGET_COMMENT",
            "Evaluated from configuration files by stiglint",
        ),
        ("TECH_AREA", ""),
        ("TARGET_KEY", ""),
        ("WEB_OR_DATABASE", "false"),
        ("WEB_DB_SITE", ""),
        ("WEB_DB_INSTANCE", ""),
    ] {
        element(&mut w, k, v)?;
    }
    w.write_event(Event::End(BytesEnd::new("ASSET")))?;
    w.write_event(Event::Start(BytesStart::new("STIGS")))?;
    w.write_event(Event::Start(BytesStart::new("iSTIG")))?;
    w.write_event(Event::Start(BytesStart::new("STIG_INFO")))?;
    for (k, v) in [
        ("version", benchmark.version.as_str()),
        ("classification", "UNCLASSIFIED"),
        ("stigid", benchmark.id.as_str()),
        ("releaseinfo", benchmark.release.as_str()),
        ("title", benchmark.title.as_str()),
        ("uuid", &uuid(&benchmark.id)),
    ] {
        w.write_event(Event::Start(BytesStart::new("SI_DATA")))?;
        element(&mut w, "SID_NAME", k)?;
        element(&mut w, "SID_DATA", v)?;
        w.write_event(Event::End(BytesEnd::new("SI_DATA")))?;
    }
    w.write_event(Event::End(BytesEnd::new("STIG_INFO")))?;
    for v in verdicts(result, benchmark) {
        let r = v.rule;
        w.write_event(Event::Start(BytesStart::new("VULN")))?;
        let mut data: Vec<(&str, String)> = vec![
            ("Vuln_Num", r.vuln_id.clone()),
            ("Severity", severity(r).to_owned()),
            ("Group_Title", r.srg.clone()),
            ("Rule_ID", r.rule_id.clone()),
            ("Rule_Ver", r.stig_id.clone()),
            ("Rule_Title", r.summary.clone()),
            ("Check_Content", check_text(benchmark, r)),
            (
                "STIGRef",
                format!(
                    "{} :: Version {}, {}",
                    benchmark.title, benchmark.version, benchmark.release
                ),
            ),
        ];
        for cci in r.cci_list() {
            data.push(("CCI_REF", cci));
        }
        for (attr, value) in data {
            w.write_event(Event::Start(BytesStart::new("STIG_DATA")))?;
            element(&mut w, "VULN_ATTRIBUTE", attr)?;
            element(&mut w, "ATTRIBUTE_DATA", &value)?;
            w.write_event(Event::End(BytesEnd::new("STIG_DATA")))?;
        }
        element(&mut w, "STATUS", v.status.ckl())?;
        element(&mut w, "FINDING_DETAILS", &v.details)?;
        element(&mut w, "COMMENTS", &v.comments)?;
        element(&mut w, "SEVERITY_OVERRIDE", "")?;
        element(&mut w, "SEVERITY_JUSTIFICATION", "")?;
        w.write_event(Event::End(BytesEnd::new("VULN")))?;
    }
    w.write_event(Event::End(BytesEnd::new("iSTIG")))?;
    w.write_event(Event::End(BytesEnd::new("STIGS")))?;
    w.write_event(Event::End(BytesEnd::new("CHECKLIST")))?;
    w.into_inner().write_all(b"\n")?;
    // A C0 control character in a message (`name: "app\x01"`) is not XML 1.0.
    super::write_xml(&buf, out)
}

/// Write the STIG Viewer 3 checklist (`.cklb`, JSON).
pub fn write_cklb(
    result: &ScanResult,
    options: &ReportOptions,
    benchmark: &Benchmark,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let stig_uuid = uuid(&benchmark.id);
    let rules: Vec<serde_json::Value> = verdicts(result, benchmark)
        .into_iter()
        .map(|v| {
            let r = v.rule;
            json!({
                "uuid": uuid(&r.rule_id),
                "stig_uuid": stig_uuid,
                "group_id": r.vuln_id,
                "group_title": r.srg,
                "rule_id": r.rule_id.split('r').next().unwrap_or(&r.rule_id),
                "rule_id_src": r.rule_id,
                "rule_version": r.stig_id,
                "rule_title": r.summary,
                "severity": severity(r),
                "check_content": check_text(benchmark, r),
                "ccis": r.cci_list(),
                "status": v.status.cklb(),
                "finding_details": v.details,
                "comments": v.comments,
                "overrides": {},
            })
        })
        .collect();
    let doc = json!({
        "title": format!("stiglint: {}", benchmark.title),
        "id": uuid("stiglint-checklist"),
        "cklb_version": "1.0",
        "target_data": {
            "target_type": "Computing",
            "host_name": options.asset.as_deref().unwrap_or(""),
            "comments": "Evaluated from configuration files by stiglint",
            "role": "None",
            "technology_area": "",
            "is_web_database": false,
        },
        "stigs": [{
            "stig_name": benchmark.title,
            "display_name": "Kubernetes",
            "stig_id": benchmark.id,
            "version": benchmark.version,
            "release_info": benchmark.release,
            "uuid": stig_uuid,
            "reference_identifier": "",
            "size": rules.len(),
            "rules": rules,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    out.write_all(b"\n")
}
