//! The control catalogue: `stiglint controls` (table or JSON) and `stiglint explain`.

use std::io::Write;

use serde::Serialize;

use crate::runtime::ControlMeta;
use crate::stig::{Coverage, RuleStatus};

/// A table of controls, and with `rules` the STIG's rules and their coverage.
pub fn write_table(
    controls: &[&ControlMeta],
    rules: Option<&[RuleStatus<'_>]>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let id_w = controls
        .iter()
        .map(|c| c.id.len())
        .max()
        .unwrap_or(2)
        .max(2);
    writeln!(
        out,
        "{:id_w$}  {:7}  {:9}  {:10}  TITLE",
        "ID", "CAT", "VULN", "PLUGIN"
    )?;
    for c in controls {
        let vuln = c.stig.as_ref().map_or("-", |s| s.vuln_id.as_str());
        writeln!(
            out,
            "{:id_w$}  {:7}  {:9}  {:10}  {}",
            c.id,
            c.severity.cat(),
            vuln,
            c.plugin,
            c.title
        )?;
    }
    writeln!(out, "\n{} controls", controls.len())?;
    let Some(rules) = rules else {
        return Ok(());
    };
    writeln!(out, "\nDISA Kubernetes STIG V2R4: {} rules", rules.len())?;
    writeln!(
        out,
        "{:14}  {:8}  {:4}  {:26}  SUMMARY",
        "STIG ID", "VULN", "CAT", "COVERAGE"
    )?;
    for r in rules {
        let coverage = match r.coverage {
            Coverage::Checked => "checked".to_owned(),
            Coverage::StoodInFor => format!("stood in for ({})", r.controls.join(", ")),
            Coverage::NotDecidableFromFiles => "not decidable from files".to_owned(),
            Coverage::NotImplemented => "not implemented".to_owned(),
        };
        writeln!(
            out,
            "{:14}  {:8}  {:4}  {:26}  {}",
            r.rule.stig_id, r.rule.vuln_id, r.rule.cat, coverage, r.rule.summary
        )?;
    }
    let count = |c: Coverage| rules.iter().filter(|r| r.coverage == c).count();
    writeln!(
        out,
        "\n{} checked, {} stood in for, {} not decidable from files (Not Reviewed), {} not implemented",
        count(Coverage::Checked),
        count(Coverage::StoodInFor),
        count(Coverage::NotDecidableFromFiles),
        count(Coverage::NotImplemented)
    )
}

#[derive(Serialize)]
struct All<'a> {
    controls: &'a [&'a ControlMeta],
    rules: &'a [RuleStatus<'a>],
}

/// The controls as JSON: a list, or with `rules` an object `{controls, rules}`.
pub fn write_json(
    controls: &[&ControlMeta],
    rules: Option<&[RuleStatus<'_>]>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match rules {
        Some(rules) => serde_json::to_writer_pretty(&mut *out, &All { controls, rules })?,
        None => serde_json::to_writer_pretty(&mut *out, controls)?,
    }
    out.write_all(b"\n")
}

/// One control's documentation.
pub fn write_explain(c: &ControlMeta, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "{}: {}", c.id, c.title)?;
    writeln!(
        out,
        "Severity: {} ({})",
        c.severity.cat(),
        c.severity.name()
    )?;
    if let Some(s) = &c.stig {
        let relation = if s.stig_id == c.id {
            "Rule"
        } else {
            "Stands in for"
        };
        writeln!(
            out,
            "{relation}: DISA Kubernetes STIG {} ({}, {}), {}",
            s.stig_id,
            s.vuln_id,
            s.rule_id,
            s.ccis.join(", ")
        )?;
    }
    if !c.nist.is_empty() {
        writeln!(out, "NIST SP 800-53: {}", c.nist.join(", "))?;
    }
    writeln!(out, "Plugin: {}", c.plugin)?;
    writeln!(out)?;
    writeln!(out, "{}", c.docs)?;
    if !c.remediation.is_empty() {
        writeln!(out, "\nRemediation: {}", c.remediation)?;
    }
    Ok(())
}
