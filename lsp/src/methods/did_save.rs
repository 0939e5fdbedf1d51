//! `textDocument/didSave`: the saved text (when sent) replaces the buffer, then a scan.

use lsp_types::DidSaveTextDocumentParams;

use crate::convert;
use crate::state::State;

/// Handle it.
pub fn handle(state: &mut State, params: DidSaveTextDocumentParams) {
    if let (Some(path), Some(text)) = (convert::path_of(&params.text_document.uri), params.text) {
        state.open.insert(path, text);
    }
    state.rescan();
}
