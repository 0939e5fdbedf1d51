//! `textDocument/codeAction`: for each finding in the range, its quick fix (the CLI's `--fix`
//! engine: edits that keep the file's indentation) and "Waive <ID> here" (an inline waiver on
//! the line above, expiring in 90 days, with placeholders for the approver and the reason).

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Result;
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, Position, Range, TextEdit,
    WorkspaceEdit,
};
use serde_json::Value;
use stiglint::source::{Origin, SourceFile};

use crate::convert;
use crate::state::State;

/// Days an inline waiver written by "waive here" lasts.
const WAIVER_DAYS: i64 = 90;

/// Handle it.
pub fn handle(state: &State, params: &CodeActionParams) -> Result<Value> {
    let uri = &params.text_document.uri;
    let Some(path) = convert::path_of(uri) else {
        return Ok(Value::Array(Vec::new()));
    };
    let text = state.text(&path).unwrap_or_default();
    let lines = convert::LineIndex::new(&text);
    let mut actions = Vec::new();
    for (_, f) in state.findings_in(&path) {
        let r = lines.range(&text, f.location.range);
        let want = params.range;
        let overlaps = (r.start.line, r.start.character) <= (want.end.line, want.end.character)
            && (want.start.line, want.start.character) <= (r.end.line, r.end.character);
        if !overlaps {
            continue;
        }
        let source = Arc::new(SourceFile::new(
            Origin::File(path.clone()),
            f.location.file.as_ref(),
            Arc::from(text.as_str()),
        ));
        if let (Some(fix), Some(edits)) = (&f.fix, stiglint::fix::edits(&source, f)) {
            let edits = edits
                .into_iter()
                .map(|e| TextEdit {
                    range: Range {
                        start: lines.position_of_offset(&text, e.start),
                        end: lines.position_of_offset(&text, e.end),
                    },
                    new_text: e.text,
                })
                .collect();
            actions.push(action(
                format!("{}: {}", f.control, fix.description),
                uri,
                edits,
                true,
            ));
        }
        if f.status == stiglint::scan::FindingStatus::Open {
            let line = f.location.range.start.line.saturating_sub(1);
            let line_text = text.lines().nth(line as usize).unwrap_or("");
            let indent: String = line_text
                .chars()
                .take_while(|c| c.is_whitespace())
                .collect();
            let today = stiglint::dates::today_utc();
            let expires = stiglint::dates::add_days(&today, WAIVER_DAYS).unwrap_or(today);
            let comment = format!(
                "{indent}# stiglint:waive {} expires={expires} approved-by=\"APPROVER\" -- JUSTIFICATION\n",
                f.control
            );
            let at = Position { line, character: 0 };
            actions.push(action(
                format!("Waive {} here", f.control),
                uri,
                vec![TextEdit {
                    range: Range { start: at, end: at },
                    new_text: comment,
                }],
                false,
            ));
        }
    }
    Ok(serde_json::to_value(actions)?)
}

// lsp-types keys a WorkspaceEdit by Uri, whose interior the map never mutates.
#[allow(clippy::mutable_key_type)]
fn action(
    title: String,
    uri: &lsp_types::Uri,
    edits: Vec<TextEdit>,
    preferred: bool,
) -> CodeActionOrCommand {
    let mut changes = HashMap::new();
    changes.insert(uri.clone(), edits);
    CodeActionOrCommand::CodeAction(CodeAction {
        title,
        kind: Some(CodeActionKind::QUICKFIX),
        edit: Some(WorkspaceEdit {
            changes: Some(changes),
            ..WorkspaceEdit::default()
        }),
        is_preferred: Some(preferred),
        ..CodeAction::default()
    })
}
