//! The language server's framing and message handling: the bytes a client writes to stdin go
//! through the transport's reader (frames, JSON-RPC checks, the shutdown rule), and every
//! message it passes on to the server's method handlers, as the server's loop does, against
//! a workspace of one empty directory. The server's state is made once per process (loading
//! the plugins takes a while) and its buffers are forgotten after each input.
#![no_main]

use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use libfuzzer_sys::fuzz_target;
use lsp_server::{Connection, Message};
use stiglint_lsp::methods;
use stiglint_lsp::state::{Settings, State};
use stiglint_lsp::transport::{Incoming, Reader};

struct Server {
    state: State,
    server: Connection,
    client: Connection,
}

fn server() -> &'static Mutex<Server> {
    static SERVER: OnceLock<Mutex<Server>> = OnceLock::new();
    SERVER.get_or_init(|| {
        // Fixed, so seeds can name files inside it; never written to.
        let root = PathBuf::from("/tmp/stiglint-fuzz-lsp");
        std::fs::create_dir_all(&root).expect("create the fuzz workspace");
        let root: PathBuf = root.canonicalize().expect("workspace path");
        let (server, client) = Connection::memory();
        Mutex::new(Server {
            state: State::new(root, Settings::default()),
            server,
            client,
        })
    })
}

fuzz_target!(
    // Before the first input (and its timeout): loading the plugins takes seconds.
    init: {
        server();
    },
    |data: &[u8]| {
    let mut guard = server()
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let Server {
        state,
        server,
        client,
    } = &mut *guard;
    let mut reader = Reader::new(data);
    while let Ok(Some(incoming)) = reader.next_incoming() {
        match incoming {
            Incoming::Message(Message::Request(req)) => {
                let response = methods::request(state, req);
                let _ = serde_json::to_string(&response);
            }
            Incoming::Message(Message::Notification(n)) => {
                let _ = methods::notification(server, state, n);
            }
            Incoming::Message(Message::Response(_)) | Incoming::Ignored(_) => {}
            Incoming::Error(reply) => {
                let _ = reply.to_json().to_string();
            }
        }
        // What the server published: serialised as the writer would.
        while let Ok(m) = client.receiver.try_recv() {
            let _ = serde_json::to_string(&m);
        }
    }
    // The next input starts from the same state.
    state.open.clear();
    state.last = None;
    state.settings = Settings::default();
});
