//! `textDocument/didOpen`: the buffer joins the overlay; the workspace is scanned again.

use lsp_types::DidOpenTextDocumentParams;

use crate::convert;
use crate::state::State;

/// Handle it.
pub fn handle(state: &mut State, params: DidOpenTextDocumentParams) {
    if let Some(path) = convert::path_of(&params.text_document.uri) {
        state.open.insert(path, params.text_document.text);
        state.rescan();
    }
}
