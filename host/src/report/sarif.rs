//! SARIF 2.1.0 (serde-sarif types): `ruleId` is the control ID, rules carry their help text and
//! DISA references, regions carry start/end line and column (in Unicode code points), and every
//! error is a tool execution notification.

use std::collections::BTreeMap;
use std::io::Write;

use serde_json::json;
use serde_sarif::sarif::{
    ArtifactLocation, Invocation, Location, Message, MultiformatMessageString, Notification,
    PhysicalLocation, PropertyBag, Region, ReportingConfiguration, ReportingDescriptor,
    Result as SarifResult, ResultKind, ResultLevel, Run, Sarif, Tool, ToolComponent,
};
use sha2::{Digest, Sha256};

use super::{ReportOptions, Summary, exit_code};
use crate::runtime::{ControlMeta, Enforcement, Severity};
use crate::scan::{Location as Loc, ScanResult};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// A waiver as a SARIF suppression: `inSource` for an inline comment, `external` for the
/// waiver file or a plugin; `accepted` when it waives, `rejected` when it expired or a waiver
/// plugin refused it. The record goes in the properties.
fn suppression(w: &crate::waivers::Applied) -> serde_sarif::sarif::Suppression {
    let kind = if w.record.origin.in_source() {
        "inSource"
    } else {
        "external"
    };
    let status = if w.verdict == crate::waivers::Verdict::Waived {
        "accepted"
    } else {
        "rejected"
    };
    let mut props = BTreeMap::new();
    props.insert(
        "waiver".to_owned(),
        serde_json::to_value(&w.record).unwrap_or_default(),
    );
    if let Some(reason) = &w.reason {
        props.insert("reason".to_owned(), json!(reason));
    }
    serde_sarif::sarif::Suppression::builder()
        .kind(json!(kind))
        .status(json!(status))
        .justification(w.record.justification.clone())
        .properties(bag(props, Vec::new()))
        .build()
}

fn level(s: Severity) -> ResultLevel {
    match s {
        Severity::High => ResultLevel::Error,
        Severity::Medium => ResultLevel::Warning,
        Severity::Low => ResultLevel::Note,
    }
}

fn level_name(s: Severity) -> &'static str {
    match s {
        Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

/// GitHub code scanning reads `security-severity` (0–10) to rank security results.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::High => "8.9",
        Severity::Medium => "5.5",
        Severity::Low => "2.0",
    }
}

/// A URI reference for a file name as reports show it.
fn uri(name: &str) -> (String, Option<String>) {
    if name == "<stdin>" {
        return ("stdin".to_owned(), None);
    }
    let path = name.replace('\\', "/");
    let mut encoded = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    if path.starts_with('/') {
        (format!("file://{encoded}"), None)
    } else {
        let trimmed = encoded.trim_start_matches("./").to_owned();
        (trimmed, Some("%SRCROOT%".to_owned()))
    }
}

fn artifact(name: &str) -> ArtifactLocation {
    let (uri, base) = uri(name);
    match base {
        Some(b) => ArtifactLocation::builder().uri(uri).uri_base_id(b).build(),
        None => ArtifactLocation::builder().uri(uri).build(),
    }
}

fn region(loc: &Loc) -> Region {
    let r = loc.range;
    Region::builder()
        .start_line(i64::from(r.start.line.max(1)))
        .start_column(i64::from(r.start.column.max(1)))
        .end_line(i64::from(r.end.line.max(r.start.line).max(1)))
        .end_column(i64::from(r.end.column.max(1)))
        .build()
}

fn location(loc: &Loc, message: Option<&str>) -> Location {
    let physical = PhysicalLocation::builder()
        .artifact_location(artifact(&loc.file))
        .region(region(loc))
        .build();
    match message {
        Some(m) => Location::builder()
            .physical_location(physical)
            .message(Message::builder().text(m.to_owned()).build())
            .build(),
        None => Location::builder().physical_location(physical).build(),
    }
}

fn bag(values: BTreeMap<String, serde_json::Value>, tags: Vec<String>) -> PropertyBag {
    PropertyBag::builder()
        .tags(tags)
        .additional_properties(values)
        .build()
}

fn rule(c: &ControlMeta) -> ReportingDescriptor {
    let mut props = BTreeMap::new();
    props.insert(
        "security-severity".to_owned(),
        json!(security_severity(c.severity)),
    );
    props.insert("severity".to_owned(), json!(c.severity.name()));
    props.insert("cat".to_owned(), json!(c.severity.cat()));
    props.insert("nist-800-53".to_owned(), json!(c.nist));
    props.insert("plugin".to_owned(), json!(c.plugin));
    if let Some(s) = &c.stig {
        props.insert(
            "stig".to_owned(),
            json!({
                "stig-id": s.stig_id,
                "vuln-id": s.vuln_id,
                "rule-id": s.rule_id,
                "ccis": s.ccis,
                "nist-800-53": s.nist,
                "relation": if s.stig_id == c.id { "rule" } else { "stands-in-for" },
            }),
        );
    }
    let mut tags = vec![
        "security".to_owned(),
        "STIG".to_owned(),
        c.severity.cat().to_owned(),
    ];
    tags.extend(c.stig.iter().map(|s| s.vuln_id.clone()));
    let help_text = if c.remediation.is_empty() {
        c.docs.clone()
    } else {
        format!("{}\n\nRemediation: {}", c.docs, c.remediation)
    };
    ReportingDescriptor::builder()
        .id(c.id.clone())
        .name(c.title.clone())
        .short_description(
            MultiformatMessageString::builder()
                .text(c.title.clone())
                .build(),
        )
        .full_description(
            MultiformatMessageString::builder()
                .text(first_paragraph(&c.docs).unwrap_or(&c.title).to_owned())
                .build(),
        )
        .help(
            MultiformatMessageString::builder()
                .text(help_text.clone())
                .markdown(help_text)
                .build(),
        )
        .default_configuration(
            ReportingConfiguration::builder()
                .level(json!(level_name(c.severity)))
                .build(),
        )
        .properties(bag(props, tags))
        .build()
}

/// The first paragraph after the `# title` line of a control's docs.
fn first_paragraph(docs: &str) -> Option<&str> {
    docs.split("\n\n")
        .map(str::trim)
        .find(|p| !p.is_empty() && !p.starts_with('#'))
}

fn fingerprint(control: &str, loc: &Loc, message: &str) -> String {
    let digest = Sha256::digest(format!(
        "{control}\0{}\0{}\0{message}",
        loc.file, loc.pointer
    ));
    crate::scan::cache::hex(&digest[..16])
}

/// Write the SARIF log.
pub fn write(
    result: &ScanResult,
    options: &ReportOptions,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mut controls: Vec<&ControlMeta> = result.controls.iter().collect();
    controls.sort_by(|a, b| a.id.cmp(&b.id));
    let index: BTreeMap<&str, usize> = controls
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();

    let results: Vec<SarifResult> = result
        .findings
        .iter()
        .map(|f| {
            let mut props = BTreeMap::new();
            props.insert("severity".to_owned(), json!(f.severity.name()));
            props.insert("pointer".to_owned(), json!(f.location.pointer));
            props.insert(
                "object".to_owned(),
                serde_json::to_value(&f.object).unwrap_or_default(),
            );
            props.insert(
                "status".to_owned(),
                serde_json::to_value(f.status).unwrap_or_default(),
            );
            if let Some(t) = &f.template {
                props.insert("helm-template".to_owned(), json!(t));
            }
            if let Some(extra) = &f.properties {
                for (k, v) in extra.iter() {
                    props.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
            if let Some(fix) = &f.fix {
                props.insert(
                    "fix".to_owned(),
                    serde_json::to_value(fix).unwrap_or_default(),
                );
            }
            let mut related: Vec<Location> = f
                .related
                .iter()
                .map(|r| location(&r.location, Some(&r.message)))
                .collect();
            if let Some(t) = &f.template {
                // The Helm template the document was rendered from (the real file with
                // --chart-dir).
                let path = super::template_path(t, options.chart_dir.as_deref());
                related.push(
                    Location::builder()
                        .physical_location(
                            PhysicalLocation::builder()
                                .artifact_location(artifact(&path))
                                .build(),
                        )
                        .message(
                            Message::builder()
                                .text(format!("rendered from Helm template {t}"))
                                .build(),
                        )
                        .build(),
                );
            }
            let mut fingerprints = BTreeMap::new();
            fingerprints.insert(
                "stiglint/v1".to_owned(),
                fingerprint(&f.control, &f.location, &f.message),
            );
            let builder = SarifResult::builder()
                .rule_id(f.control.clone())
                .level(match f.enforcement {
                    // `warn` and `audit` never fail a run: no error level for them.
                    Enforcement::Deny => level(f.severity),
                    Enforcement::Warn => ResultLevel::Warning,
                    Enforcement::Audit => ResultLevel::Note,
                })
                .message(Message::builder().text(f.message.clone()).build())
                .locations(vec![location(&f.location, None)])
                .partial_fingerprints(fingerprints)
                .properties(bag(props, Vec::new()));
            let mut out = match (index.get(f.control.as_str()), related.is_empty()) {
                (Some(i), true) => builder.rule_index(*i as i64).build(),
                (Some(i), false) => builder
                    .rule_index(*i as i64)
                    .related_locations(related)
                    .build(),
                (None, true) => builder.build(),
                (None, false) => builder.related_locations(related).build(),
            };
            out.suppressions = f.waiver.as_ref().map(|w| vec![suppression(w)]);
            out
        })
        .collect();

    // Notes are results too, of kind notApplicable (rule does not apply) or review (it could
    // not be fully evaluated), so the log shows every verdict, not only failures.
    let results: Vec<SarifResult> = results
        .into_iter()
        .chain(result.notes.iter().map(|n| {
            let kind = match n.kind {
                crate::scan::NoteKind::NotApplicable => ResultKind::NotApplicable,
                crate::scan::NoteKind::NotEvaluated | crate::scan::NoteKind::Partial => {
                    ResultKind::Review
                }
            };
            let mut props = BTreeMap::new();
            props.insert(
                "status".to_owned(),
                serde_json::to_value(n.kind).unwrap_or_default(),
            );
            // SARIF's "no rule index" is -1.
            let rule_index = index.get(n.control.as_str()).map_or(-1, |i| *i as i64);
            let builder = SarifResult::builder()
                .rule_id(n.control.clone())
                .rule_index(rule_index)
                .kind(kind)
                .level(ResultLevel::None)
                .message(Message::builder().text(n.reason.clone()).build())
                .properties(bag(props, Vec::new()));
            match &n.location {
                Some(l) => builder.locations(vec![location(l, None)]).build(),
                None => builder.build(),
            }
        }))
        .collect();

    let notifications: Vec<Notification> = result
        .problems
        .iter()
        .map(|p| {
            let message = Message::builder().text(p.headline()).build();
            let mut props = BTreeMap::new();
            props.insert(
                "kind".to_owned(),
                serde_json::to_value(p.kind).unwrap_or_default(),
            );
            if let Some(plugin) = &p.plugin {
                props.insert("plugin".to_owned(), json!(plugin));
            }
            let base = Notification::builder()
                .level(json!("error"))
                .message(message)
                .properties(bag(props, Vec::new()));
            match (&p.file, p.location_range()) {
                (Some(file), Some(range)) => base
                    .locations(vec![location(
                        &Loc {
                            file: file.as_str().into(),
                            range,
                            pointer: String::new(),
                        },
                        None,
                    )])
                    .build(),
                _ => base.build(),
            }
        })
        .collect();

    let code = exit_code(result, options);
    let invocation = Invocation::builder()
        .execution_successful(result.problems.is_empty())
        .exit_code(i64::from(code))
        .tool_execution_notifications(notifications)
        .build();

    let mut run_props = BTreeMap::new();
    run_props.insert(
        "summary".to_owned(),
        serde_json::to_value(Summary::of(result)).unwrap_or_default(),
    );
    run_props.insert(
        "files".to_owned(),
        serde_json::to_value(&result.files).unwrap_or_default(),
    );
    run_props.insert(
        "plugins".to_owned(),
        serde_json::to_value(&result.plugins).unwrap_or_default(),
    );

    let driver = ToolComponent::builder()
        .name("stiglint")
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .information_uri("https://public.cyber.mil/stigs/")
        .rules(controls.into_iter().map(rule).collect::<Vec<_>>())
        .build();
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .invocations(vec![invocation])
        .column_kind(json!("unicodeCodePoints"))
        .properties(bag(run_props, Vec::new()))
        .build();
    let log = Sarif::builder()
        .schema(SCHEMA)
        .version(json!("2.1.0"))
        .runs(vec![run])
        .build();
    serde_json::to_writer_pretty(&mut *out, &log)?;
    out.write_all(b"\n")
}
