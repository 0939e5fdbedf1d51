//! `workspace/didChangeConfiguration`: the client's `stiglint` settings (severity threshold,
//! hiding waived findings).

use lsp_types::DidChangeConfigurationParams;

use crate::state::{Settings, State};

/// Handle it.
pub fn handle(state: &mut State, params: &DidChangeConfigurationParams) {
    let settings = params.settings.get("stiglint").unwrap_or(&params.settings);
    if let Ok(s) = serde_json::from_value::<Settings>(settings.clone()) {
        state.settings = s;
    }
    // Published again under the new settings (the scan itself comes from memory).
    state.rescan();
}
