//! `stiglint-lsp`: the stiglint language server over stdio. Squiggles on the exact range of
//! every finding, the control's documentation on hover, quick fixes and "waive here" — from the
//! same engine, plugins and ranges as the CLI. One protocol method per file in `methods/`.

use std::process::ExitCode;

use anyhow::{Context, Result};
use lsp_server::Message;
use stiglint_lsp::{methods, transport};

/// mimalloc, as in the `stiglint` binary: a rescan clones and drops many small values, and
/// glibc's allocator spent about a sixth of the server's time in malloc, free and
/// consolidation (perf, the 1,676-file workspace edited 100 times).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // No transparent huge pages (see the `stiglint` binary's `tune_memory`): a long-lived
    // server would otherwise hold 2 MiB pages that its small allocations barely touch.
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("stiglint-lsp: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn run() -> Result<()> {
    // Not `Connection::stdio()`: a client's broken frame is answered, not fatal (transport.rs).
    let (connection, io) = transport::stdio();
    let (id, params) = connection
        .initialize_start()
        .context("waiting for initialize")?;
    let (answer, mut state) = methods::initialize::handle(params)?;
    // Answered without waiting for `initialized` (lsp-server's `initialize_finish` would end
    // the server on any other message first): the loop ignores `initialized` itself.
    connection
        .sender
        .send(Message::Response(lsp_server::Response::new_ok(id, answer)))
        .context("answering initialize")?;
    methods::initialized::register_watchers(&connection)?;
    state.rescan();
    loop {
        // Changes that are already waiting are applied together and judged once: a burst of
        // keystrokes costs one scan, and no work is done for a text that is already stale.
        // The reader hands over one message at a time (its memory stays one message), so a
        // change waits two milliseconds for the next before the scan starts.
        let message = match connection
            .receiver
            .recv_timeout(std::time::Duration::from_millis(if state.dirty {
                2
            } else {
                0
            })) {
            Ok(m) => m,
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => {
                if state.flush() {
                    methods::publish(&connection, &state)?;
                }
                match connection.receiver.recv() {
                    Ok(m) => m,
                    Err(_) => break,
                }
            }
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => break,
        };
        match message {
            Message::Request(req) => {
                if connection.handle_shutdown(&req)? {
                    break;
                }
                if state.flush() {
                    methods::publish(&connection, &state)?;
                }
                let response = methods::request(&mut state, req);
                connection.sender.send(Message::Response(response))?;
            }
            Message::Notification(n) => {
                // A notification the server cannot use is not a reason to stop serving.
                if let Err(e) = methods::notification(&connection, &mut state, n) {
                    eprintln!("stiglint-lsp: {e:#}");
                }
            }
            Message::Response(_) => {}
        }
    }
    // The writer thread ends when the connection's sender is gone.
    drop(connection);
    io.join().context("closing stdio")?;
    Ok(())
}
