//! The waiver register (`stiglint waivers`): every waiver with its standing, what it covers
//! and who approved it — as a table, JSON or CSV for the security controls tracking system.

use std::io::Write;

use serde::Serialize;

use crate::waivers::{Origin, RegisterEntry, Status};

/// One row, flat (the CSV's columns, in order).
#[derive(Serialize)]
struct Row<'a> {
    status: Status,
    control: &'a str,
    findings: usize,
    expires: &'a str,
    days_left: i64,
    approved_by: &'a str,
    approved_on: &'a str,
    ticket: &'a str,
    scope: String,
    origin: String,
    justification: &'a str,
}

fn row(e: &RegisterEntry) -> Row<'_> {
    let r = &e.record;
    let s = &r.scope;
    let scope: Vec<String> = [
        ("path", &s.path),
        ("kind", &s.kind),
        ("namespace", &s.namespace),
        ("name", &s.name),
        ("container", &s.container),
        ("address", &s.address),
    ]
    .iter()
    .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={v}")))
    .collect();
    let scope = match &r.origin {
        Origin::Inline { file, covers, .. } if scope.is_empty() => {
            format!("{file}:{}-{}", covers.0, covers.1)
        }
        Origin::Plugin { .. } if scope.is_empty() => "granted per finding".to_owned(),
        _ => scope.join(" "),
    };
    Row {
        status: e.status,
        control: &r.control,
        findings: e.findings,
        expires: &r.expires,
        days_left: e.days_left,
        approved_by: &r.approved_by,
        approved_on: r.approved_on.as_deref().unwrap_or(""),
        ticket: r.ticket.as_deref().unwrap_or(""),
        scope,
        origin: r.origin.describe(),
        justification: &r.justification,
    }
}

fn status_name(s: Status) -> &'static str {
    match s {
        Status::Active => "active",
        Status::Expiring => "expiring",
        Status::Expired => "expired",
        Status::Rejected => "rejected",
        Status::Unused => "unused",
    }
}

/// Aligned columns.
pub fn write_table(entries: &[RegisterEntry], out: &mut dyn Write) -> std::io::Result<()> {
    let rows: Vec<Row<'_>> = entries.iter().map(row).collect();
    let w =
        |f: &dyn Fn(&Row<'_>) -> usize, min: usize| rows.iter().map(f).max().unwrap_or(0).max(min);
    let cw = w(&|r| r.control.len(), 7);
    let aw = w(&|r| r.approved_by.chars().count(), 11);
    let ow = w(&|r| r.origin.chars().count(), 6);
    writeln!(
        out,
        "{:8}  {:cw$}  {:>8}  {:10}  {:aw$}  {:ow$}  SCOPE",
        "STATUS", "CONTROL", "FINDINGS", "EXPIRES", "APPROVED BY", "ORIGIN"
    )?;
    for r in &rows {
        writeln!(
            out,
            "{:8}  {:cw$}  {:>8}  {:10}  {:aw$}  {:ow$}  {}",
            status_name(r.status),
            r.control,
            r.findings,
            r.expires,
            r.approved_by,
            r.origin,
            r.scope
        )?;
    }
    writeln!(out, "\n{} waivers", rows.len())
}

/// JSON: the entries with their full records.
pub fn write_json(entries: &[RegisterEntry], out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &serde_json::json!({ "waivers": entries }))?;
    out.write_all(b"\n")
}

/// CSV with a header row.
pub fn write_csv(entries: &[RegisterEntry], out: &mut dyn Write) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    for e in entries {
        w.serialize(row(e)).map_err(std::io::Error::other)?;
    }
    w.flush()
}
