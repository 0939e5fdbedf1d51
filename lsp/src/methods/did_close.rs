//! `textDocument/didClose`: the buffer leaves the overlay (the file on disk counts again) and
//! its diagnostics are cleared.

use std::path::PathBuf;

use lsp_types::DidCloseTextDocumentParams;

use crate::convert;
use crate::state::State;

/// Handle it; the path whose diagnostics to clear.
pub fn handle(state: &mut State, params: &DidCloseTextDocumentParams) -> Option<PathBuf> {
    let path = convert::path_of(&params.text_document.uri)?;
    state.open.remove(&path);
    state.rescan();
    Some(path)
}
