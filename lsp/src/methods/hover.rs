//! `textDocument/hover`: on a finding's range, its control's documentation (what it checks,
//! why, how to fix, references) and the finding's waiver, if any.

use std::fmt::Write as _;

use anyhow::Result;
use lsp_types::{Hover, HoverContents, HoverParams, MarkupContent, MarkupKind};
use serde_json::Value;

use crate::convert;
use crate::state::State;

/// Handle it.
pub fn handle(state: &State, params: &HoverParams) -> Result<Value> {
    let at = &params.text_document_position_params;
    let Some(path) = convert::path_of(&at.text_document.uri) else {
        return Ok(Value::Null);
    };
    let text = state.text(&path).unwrap_or_default();
    let Some(last) = &state.last else {
        return Ok(Value::Null);
    };
    let mut parts = Vec::new();
    let mut range = None;
    for (_, f) in state.findings_in(&path) {
        let r = convert::LineIndex::new(&text).range(&text, f.location.range);
        let p = at.position;
        let inside = (r.start.line, r.start.character) <= (p.line, p.character)
            && (p.line, p.character) <= (r.end.line, r.end.character);
        if !inside {
            continue;
        }
        range.get_or_insert(r);
        let docs = last
            .controls
            .iter()
            .find(|c| c.id == f.control)
            .map_or("", |c| c.docs.as_str());
        let mut part = format!(
            "**{}** ({}): {}\n\n{docs}",
            f.control,
            f.severity.cat(),
            f.message
        );
        if let Some(w) = &f.waiver {
            let _ = write!(
                part,
                "\n\n---\nWaiver: {} (expires {}, approved by {})",
                w.record.justification, w.record.expires, w.record.approved_by
            );
        }
        parts.push(part);
    }
    if parts.is_empty() {
        return Ok(Value::Null);
    }
    Ok(serde_json::to_value(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: parts.join("\n\n---\n\n"),
        }),
        range,
    })?)
}
