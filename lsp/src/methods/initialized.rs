//! After `initialized`: ask the client to watch the files a scan reads, so changes made
//! outside the editor (a `git pull`, a new `stiglint.toml`) reach the server.

use anyhow::Result;
use lsp_server::{Connection, Message, Request, RequestId};
use lsp_types::request::{RegisterCapability, Request as _};
use lsp_types::{
    DidChangeWatchedFilesRegistrationOptions, FileSystemWatcher, GlobPattern, Registration,
    RegistrationParams,
};

/// Register the file watchers (dynamic registration; a client that cannot just answers with
/// an error, which is fine).
pub fn register_watchers(connection: &Connection) -> Result<()> {
    let watchers = [
        "**/*.{yaml,yml,json,tf,tfvars}",
        "**/{Dockerfile,Containerfile,dockerfile,containerfile}",
        "**/*.{Dockerfile,Containerfile,dockerfile,containerfile}",
        "**/{Dockerfile,Containerfile}.*",
        "**/stiglint.toml",
        "**/kubelet.service.d/*.conf",
    ]
    .iter()
    .map(|g| FileSystemWatcher {
        glob_pattern: GlobPattern::String((*g).to_owned()),
        kind: None,
    })
    .collect();
    let params = RegistrationParams {
        registrations: vec![Registration {
            id: "stiglint-files".to_owned(),
            method: "workspace/didChangeWatchedFiles".to_owned(),
            register_options: Some(serde_json::to_value(
                DidChangeWatchedFilesRegistrationOptions { watchers },
            )?),
        }],
    };
    connection.sender.send(Message::Request(Request::new(
        RequestId::from("stiglint-register-watchers".to_owned()),
        RegisterCapability::METHOD.to_owned(),
        params,
    )))?;
    Ok(())
}
