//! `textDocument/didChange`: full or incremental changes applied to the buffer, then a scan.

use lsp_types::DidChangeTextDocumentParams;

use crate::convert;
use crate::state::State;

/// Handle it.
pub fn handle(state: &mut State, params: DidChangeTextDocumentParams) {
    let Some(path) = convert::path_of(&params.text_document.uri) else {
        return;
    };
    let mut text = state.open.remove(&path).unwrap_or_default();
    for change in params.content_changes {
        match change.range {
            None => text = change.text,
            Some(r) => {
                let start = convert::offset_of(&text, r.start);
                let end = convert::offset_of(&text, r.end).max(start);
                text.replace_range(start..end, &change.text);
            }
        }
    }
    state.open.insert(path, text);
    state.rescan();
}
