//! `initialize`: the workspace root, the client's settings, and what the server can do.

use anyhow::Result;
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability, HoverProviderCapability,
    InitializeParams, SaveOptions, ServerCapabilities, ServerInfo, TextDocumentSyncCapability,
    TextDocumentSyncKind, TextDocumentSyncOptions, TextDocumentSyncSaveOptions,
};
use serde_json::Value;

use crate::convert;
use crate::state::{Settings, State};

/// The answer to `initialize`, and the state for the workspace.
pub fn handle(params: Value) -> Result<(Value, State)> {
    let params: InitializeParams = serde_json::from_value(params)?;
    #[allow(deprecated)] // `root_uri` is what older clients send
    let root = params
        .workspace_folders
        .as_ref()
        .and_then(|f| f.first())
        .and_then(|f| convert::path_of(&f.uri))
        .or_else(|| params.root_uri.as_ref().and_then(convert::path_of))
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_default();
    let settings: Settings = params
        .initialization_options
        .clone()
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    let capabilities = ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                    include_text: Some(true),
                })),
                ..TextDocumentSyncOptions::default()
            },
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..CodeActionOptions::default()
        })),
        ..ServerCapabilities::default()
    };
    let answer = serde_json::json!({
        "capabilities": capabilities,
        "serverInfo": ServerInfo {
            name: "stiglint".to_owned(),
            version: Some(env!("CARGO_PKG_VERSION").to_owned()),
        },
    });
    Ok((answer, State::new(root, settings)))
}
