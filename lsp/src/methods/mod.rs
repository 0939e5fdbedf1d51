//! One file per protocol method; this module routes messages to them.

pub mod code_action;
pub mod did_change;
pub mod did_change_configuration;
pub mod did_change_watched_files;
pub mod did_close;
pub mod did_open;
pub mod did_save;
pub mod hover;
pub mod initialize;
pub mod initialized;

use anyhow::Result;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::PublishDiagnosticsParams;
use lsp_types::notification::{Notification as _, PublishDiagnostics};

use crate::state::State;

/// Answer a request (on the state after every change received before it).
pub fn request(state: &mut State, req: Request) -> Response {
    let id = req.id.clone();
    let answer = match req.method.as_str() {
        "textDocument/hover" => parse(req).and_then(|p| hover::handle(state, &p)),
        "textDocument/codeAction" => parse(req).and_then(|p| code_action::handle(state, &p)),
        other => {
            return Response::new_err(
                id,
                ErrorCode::MethodNotFound as i32,
                format!("unsupported request {other}"),
            );
        }
    };
    match answer {
        Ok(value) => Response::new_ok(id, value),
        Err(e) => Response::new_err(id, ErrorCode::InvalidParams as i32, format!("{e:#}")),
    }
}

/// Act on a notification.
pub fn notification(connection: &Connection, state: &mut State, n: Notification) -> Result<()> {
    match n.method.as_str() {
        "textDocument/didOpen" => did_open::handle(state, serde_json::from_value(n.params)?),
        "textDocument/didChange" => did_change::handle(state, serde_json::from_value(n.params)?),
        "textDocument/didSave" => did_save::handle(state, serde_json::from_value(n.params)?),
        "textDocument/didClose" => {
            let path = did_close::handle(state, &serde_json::from_value(n.params)?);
            if let Some(path) = path {
                send(connection, &path, Vec::new())?;
            }
        }
        "workspace/didChangeWatchedFiles" => {
            did_change_watched_files::handle(state, &serde_json::from_value(n.params)?);
        }
        "workspace/didChangeConfiguration" => {
            did_change_configuration::handle(state, &serde_json::from_value(n.params)?);
        }
        _ => return Ok(()),
    }
    // Published once the changes that arrived together are applied (see the main loop).
    Ok(())
}

fn parse<P: serde::de::DeserializeOwned>(req: Request) -> Result<P> {
    Ok(serde_json::from_value(req.params)?)
}

/// Publish the diagnostics of every open file (a change in one file can change another's:
/// a `NetworkPolicy`, a Terraform variable).
pub fn publish(connection: &Connection, state: &State) -> Result<()> {
    let open: Vec<std::path::PathBuf> = state.open.keys().cloned().collect();
    for path in open {
        let diagnostics = state.diagnostics(&path);
        send(connection, &path, diagnostics)?;
    }
    Ok(())
}

fn send(
    connection: &Connection,
    path: &std::path::Path,
    diagnostics: Vec<lsp_types::Diagnostic>,
) -> Result<()> {
    let Some(uri) = crate::convert::uri_of(path) else {
        return Ok(());
    };
    let params = PublishDiagnosticsParams {
        uri,
        diagnostics,
        version: None,
    };
    connection
        .sender
        .send(Message::Notification(Notification::new(
            PublishDiagnostics::METHOD.to_owned(),
            params,
        )))?;
    Ok(())
}
