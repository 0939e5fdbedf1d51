//! `workspace/didChangeWatchedFiles`: files changed on disk; a changed `stiglint.toml` is
//! read again (and its plugins reloaded).

use lsp_types::DidChangeWatchedFilesParams;

use crate::convert;
use crate::state::State;

/// Handle it.
pub fn handle(state: &mut State, params: &DidChangeWatchedFilesParams) {
    let config_changed = params.changes.iter().any(|c| {
        convert::path_of(&c.uri).is_some_and(|p| p.ends_with(stiglint::config::FILE_NAME))
    });
    if config_changed {
        state.reload_config();
    }
    let paths: Vec<std::path::PathBuf> = params
        .changes
        .iter()
        .filter_map(|c| convert::path_of(&c.uri))
        .collect();
    state.files_changed(&paths);
}
