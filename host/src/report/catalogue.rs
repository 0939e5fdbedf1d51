//! The control catalogue: `stiglint controls` (table or JSON) and `stiglint explain`.

use std::io::Write;

use crate::runtime::ControlMeta;

/// A table of controls.
pub fn write_table(controls: &[&ControlMeta], out: &mut dyn Write) -> std::io::Result<()> {
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
    writeln!(out, "\n{} controls", controls.len())
}

/// The controls as JSON.
pub fn write_json(controls: &[&ControlMeta], out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, controls)?;
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
