//! The server's stdio transport: reads `Content-Length` frames into [`lsp_server::Message`]s
//! and writes the server's messages, like `lsp_server::Connection::stdio`, but a client's
//! mistake never ends the server.
//!
//! * A frame that cannot be read (a header line without a colon, a missing, duplicated or
//!   non-numeric `Content-Length`, a header section over [`MAX_HEADER`] bytes) is answered
//!   with `-32700` (parse error, `id: null`); the reader then resumes at the next
//!   `Content-Length` header in the stream.
//! * A body over [`MAX_BODY`] bytes is answered with `-32600` (invalid request, `id: null`)
//!   and skipped the same way, without being allocated.
//! * A body that is not JSON (or not UTF-8) is answered with `-32700`; a JSON value that is
//!   not a request, notification or response (a batch array, a message without `method`, a
//!   wrong `jsonrpc` version, an id that is neither an integer nor a string) with `-32600`,
//!   carrying the request's id when it has one the client can match, else `null`. A body of
//!   more than [`MAX_VALUES`] JSON values is refused with `-32600` before it is parsed.
//! * After `shutdown`, requests are answered with `-32600` (as LSP requires) and
//!   notifications and responses other than `exit` are ignored with a `window/logMessage`
//!   warning, so the server's loop only ever sees `exit` next.
//! * `exit` ends the reader.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};

use crossbeam_channel::bounded;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use serde_json::{Value, json};

/// The largest message body read (64 MiB). An editor's buffer travels whole in `didOpen`, so
/// this is also the largest file the server can be shown.
pub const MAX_BODY: u64 = 64 << 20;

/// The largest header section of one message (8 KiB).
pub const MAX_HEADER: usize = 8 << 10;

/// The most JSON values (objects, arrays, strings, numbers, ...) one message may hold, so the
/// parsed form of a body stays a small multiple of its size (a 64 MiB `[0,0,...]` would
/// otherwise take 1 GiB).
pub const MAX_VALUES: usize = 1_000_000;

/// What the reader found next in the stream.
#[derive(Debug)]
pub enum Incoming {
    /// A message for the server's loop.
    Message(Message),
    /// A frame or message the transport answers itself with an error.
    Error(Reply),
    /// A message that is not answered (JSON-RPC answers no notification or response), and why
    /// it was not passed on.
    Ignored(String),
}

/// An error response written by the transport: its id can be `null`, or an id `lsp_server`
/// cannot represent.
#[derive(Clone, Debug, PartialEq)]
pub struct Reply {
    /// The request's id, or `null`.
    pub id: Value,
    /// The JSON-RPC error code.
    pub code: i32,
    /// What is wrong.
    pub message: String,
}

impl Reply {
    fn new(id: Value, code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            id,
            code: code as i32,
            message: message.into(),
        }
    }

    /// The response as JSON-RPC.
    #[must_use]
    pub fn to_json(&self) -> Value {
        json!({
            "jsonrpc": "2.0",
            "id": self.id,
            "error": {"code": self.code, "message": self.message},
        })
    }
}

/// A frame read from the stream.
enum Frame {
    /// A body of the announced length.
    Body(Vec<u8>),
    /// A header section that gives no usable length: the error code and what is wrong.
    Bad(ErrorCode, String),
    /// A blank line between messages.
    Blank,
}

/// Reads messages from a byte stream (the client's stdin).
pub struct Reader<R> {
    input: R,
    /// The stream is not at a message boundary: skip to the next `Content-Length`.
    lost: bool,
    phase: Phase,
}

/// Where the session is, as far as the reader must know.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Before `initialize`.
    Starting,
    /// `initialize` was passed on.
    Running,
    /// `shutdown` was passed on: only `exit` goes through now.
    ShuttingDown,
    /// `exit` was passed on.
    Exited,
}

impl<R: BufRead> Reader<R> {
    /// A reader at the start of a stream.
    pub fn new(input: R) -> Self {
        Self {
            input,
            lost: false,
            phase: Phase::Starting,
        }
    }

    /// The next message, error to answer or ignored message; `None` at the end of the
    /// stream or after `exit`. Errors are I/O errors of the stream only.
    pub fn next_incoming(&mut self) -> io::Result<Option<Incoming>> {
        loop {
            if self.phase == Phase::Exited {
                return Ok(None);
            }
            let found_header = if self.lost {
                if !self.skip_to_header()? {
                    return Ok(None);
                }
                self.lost = false;
                true
            } else {
                false
            };
            let Some(frame) = self.read_frame(found_header)? else {
                return Ok(None);
            };
            match frame {
                Frame::Blank => {}
                Frame::Bad(code, message) => {
                    self.lost = true;
                    return Ok(Some(Incoming::Error(Reply::new(
                        Value::Null,
                        code,
                        message,
                    ))));
                }
                Frame::Body(body) => return Ok(Some(self.decode(&body))),
            }
        }
    }

    /// Skip bytes up to and including the next `Content-Length` (any case); false at the end
    /// of the stream. Reads the stream in place: nothing is kept.
    fn skip_to_header(&mut self) -> io::Result<bool> {
        const NAME: &[u8] = b"content-length";
        let mut matched = 0;
        loop {
            let buf = match self.input.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buf.is_empty() {
                return Ok(false);
            }
            for (i, b) in buf.iter().enumerate() {
                // `c` occurs once in the name, so a mismatch restarts the match here.
                if b.to_ascii_lowercase() == NAME[matched] {
                    matched += 1;
                } else {
                    matched = usize::from(b.to_ascii_lowercase() == NAME[0]);
                }
                if matched == NAME.len() {
                    self.input.consume(i + 1);
                    return Ok(true);
                }
            }
            let n = buf.len();
            self.input.consume(n);
        }
    }

    /// Read one header line (without its line end) into `line`, at most `limit` bytes
    /// counted with its line end. Returns the bytes consumed; 0 at the end of the stream.
    /// A line over the limit is cut there (the rest is left in the stream).
    fn read_line(&mut self, line: &mut Vec<u8>, limit: usize) -> io::Result<usize> {
        let mut consumed = 0;
        loop {
            let buf = match self.input.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buf.is_empty() {
                return Ok(consumed);
            }
            let room = limit.saturating_sub(consumed);
            let window = &buf[..buf.len().min(room)];
            if let Some(i) = window.iter().position(|&b| b == b'\n') {
                line.extend_from_slice(&window[..i]);
                self.input.consume(i + 1);
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Ok(consumed + i + 1);
            }
            let n = window.len();
            line.extend_from_slice(window);
            self.input.consume(n);
            consumed += n;
            if consumed >= limit {
                return Ok(consumed);
            }
        }
    }

    /// Read a header section and its body. `found_header`: the stream is just past a
    /// `Content-Length` name (after skipping to it).
    fn read_frame(&mut self, found_header: bool) -> io::Result<Option<Frame>> {
        let mut length: Option<u64> = None;
        let mut problem: Option<(ErrorCode, String)> = None;
        let mut total = 0;
        let mut first = true;
        loop {
            let mut line = if found_header && first {
                b"Content-Length".to_vec()
            } else {
                Vec::new()
            };
            let n = self.read_line(&mut line, MAX_HEADER - total)?;
            if n == 0 && !(found_header && first) {
                // The end of the stream (in the middle of a header section, the message is
                // lost with the stream: nobody is left to answer).
                return Ok(None);
            }
            total += n;
            if total >= MAX_HEADER {
                return Ok(Some(Frame::Bad(
                    ErrorCode::ParseError,
                    format!("header section longer than {MAX_HEADER} bytes"),
                )));
            }
            if line.is_empty() {
                if first {
                    return Ok(Some(Frame::Blank));
                }
                break;
            }
            first = false;
            if problem.is_some() {
                continue;
            }
            let text = String::from_utf8_lossy(&line);
            let Some((name, value)) = text.split_once(':') else {
                problem = Some((
                    ErrorCode::ParseError,
                    format!("malformed header line {:?} (no `:`)", shorten(&text)),
                ));
                continue;
            };
            if !name.trim().eq_ignore_ascii_case("content-length") {
                continue;
            }
            let value = value.trim();
            let parsed = if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
                // Digits only: too many of them is a length over the cap, not a bad number.
                Some(value.parse::<u64>().unwrap_or(u64::MAX))
            } else {
                None
            };
            problem = match (parsed, length) {
                (None, _) => Some((
                    ErrorCode::ParseError,
                    format!("Content-Length {:?} is not a number", shorten(value)),
                )),
                (Some(n), Some(m)) if n != m => Some((
                    ErrorCode::ParseError,
                    format!("two different Content-Length headers ({m} and {n})"),
                )),
                (Some(n), _) if n > MAX_BODY => Some((
                    ErrorCode::InvalidRequest,
                    format!(
                        "message of {n} bytes is larger than the limit of {MAX_BODY} bytes (64 MiB)"
                    ),
                )),
                (Some(n), _) => {
                    length = Some(n);
                    None
                }
            };
        }
        if let Some((code, message)) = problem {
            return Ok(Some(Frame::Bad(code, message)));
        }
        let Some(length) = length else {
            return Ok(Some(Frame::Bad(
                ErrorCode::ParseError,
                "message without a Content-Length header".to_owned(),
            )));
        };
        // Read what arrives, up to the length: memory follows the bytes sent, not the
        // length announced.
        let mut body = Vec::new();
        (&mut self.input).take(length).read_to_end(&mut body)?;
        if (body.len() as u64) < length {
            return Ok(None);
        }
        Ok(Some(Frame::Body(body)))
    }

    /// A body into a message, or the error that answers it.
    fn decode(&mut self, body: &[u8]) -> Incoming {
        if values_over(body, MAX_VALUES) {
            return Incoming::Error(Reply::new(
                Value::Null,
                ErrorCode::InvalidRequest,
                format!("message with more than {MAX_VALUES} JSON values"),
            ));
        }
        let value: Value = match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(e) => {
                return Incoming::Error(Reply::new(
                    Value::Null,
                    ErrorCode::ParseError,
                    format!("message body is not JSON: {e}"),
                ));
            }
        };
        let mut map = match value {
            Value::Object(map) => map,
            Value::Array(_) => {
                return Incoming::Error(Reply::new(
                    Value::Null,
                    ErrorCode::InvalidRequest,
                    "JSON-RPC batches are not supported by the Language Server Protocol",
                ));
            }
            _ => {
                return Incoming::Error(Reply::new(
                    Value::Null,
                    ErrorCode::InvalidRequest,
                    "a message must be a JSON object",
                ));
            }
        };
        let id = map.remove("id");
        // The id the answer carries: the client's, when it is one it can match.
        let reply_id = match &id {
            Some(v @ (Value::Number(_) | Value::String(_))) => v.clone(),
            _ => Value::Null,
        };
        let invalid = |message: String| {
            Incoming::Error(Reply::new(
                reply_id.clone(),
                ErrorCode::InvalidRequest,
                message,
            ))
        };
        if map.get("jsonrpc") != Some(&Value::from("2.0")) {
            return invalid("`jsonrpc` must be \"2.0\"".to_owned());
        }
        let method = match map.remove("method") {
            Some(Value::String(method)) => method,
            Some(_) => return invalid("`method` must be a string".to_owned()),
            None if map.contains_key("result") || map.contains_key("error") => {
                return self.response(id, map);
            }
            None => {
                return invalid(
                    "a message needs a `method` (request, notification) or a `result` or `error` (response)"
                        .to_owned(),
                );
            }
        };
        let params = map.remove("params").unwrap_or(Value::Null);
        if !matches!(params, Value::Object(_) | Value::Array(_) | Value::Null) {
            return invalid(format!("{method}: `params` must be an object or an array"));
        }
        let Some(id) = id else {
            return self.notification(Notification { method, params });
        };
        let Some(id) = request_id(&id) else {
            return invalid(format!(
                "{method}: the id must be a string or an integer of 32 bits, not {id}"
            ));
        };
        self.request(Request { id, method, params })
    }

    fn request(&mut self, req: Request) -> Incoming {
        if self.phase == Phase::ShuttingDown {
            return Incoming::Error(Reply::new(
                serde_json::to_value(&req.id).unwrap_or_default(),
                ErrorCode::InvalidRequest,
                format!(
                    "{}: the server is shutting down (after `shutdown` only `exit` is accepted)",
                    req.method
                ),
            ));
        }
        match req.method.as_str() {
            "initialize" if self.phase == Phase::Starting => self.phase = Phase::Running,
            "shutdown" if self.phase == Phase::Running => self.phase = Phase::ShuttingDown,
            _ => {}
        }
        Incoming::Message(Message::Request(req))
    }

    fn notification(&mut self, n: Notification) -> Incoming {
        if n.method == "exit" {
            self.phase = Phase::Exited;
        } else if self.phase == Phase::ShuttingDown {
            return Incoming::Ignored(format!(
                "ignored notification {} after `shutdown`",
                n.method
            ));
        }
        Incoming::Message(Message::Notification(n))
    }

    fn response(&self, id: Option<Value>, mut map: serde_json::Map<String, Value>) -> Incoming {
        map.remove("jsonrpc");
        map.insert("id".to_owned(), id.unwrap_or_default());
        match serde_json::from_value::<Response>(Value::Object(map)) {
            Ok(_) if self.phase == Phase::ShuttingDown => {
                Incoming::Ignored("ignored a response after `shutdown`".to_owned())
            }
            Ok(response) => Incoming::Message(Message::Response(response)),
            Err(e) => Incoming::Ignored(format!("ignored an invalid response: {e}")),
        }
    }
}

/// An id `lsp_server` can carry: a string or a 32-bit integer.
fn request_id(id: &Value) -> Option<RequestId> {
    match id {
        Value::String(s) => Some(RequestId::from(s.clone())),
        Value::Number(n) => n
            .as_i64()
            .and_then(|n| i32::try_from(n).ok())
            .map(RequestId::from),
        _ => None,
    }
}

/// Whether a JSON text holds more than `limit` values, counted from the `[`, `{`, `,` and
/// `:` outside strings (each starts at most one value). Cheap and allocation-free; the text
/// need not be valid JSON.
fn values_over(body: &[u8], limit: usize) -> bool {
    let mut count = 1usize;
    let mut in_string = false;
    let mut escaped = false;
    for &b in body {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if b == b'"' {
            in_string = true;
        } else if matches!(b, b'[' | b'{' | b',' | b':') {
            count += 1;
            if count > limit {
                return true;
            }
        }
    }
    false
}

/// A header value for an error message: at most 60 characters.
fn shorten(text: &str) -> String {
    let mut s: String = text.chars().take(60).collect();
    if s.len() < text.len() {
        s.push('…');
    }
    s
}

/// The threads of a connection made by [`connect`] or [`stdio`].
pub struct IoThreads {
    reader: JoinHandle<io::Result<()>>,
    writer: JoinHandle<io::Result<()>>,
}

impl IoThreads {
    /// Wait for both threads: the reader ends at `exit` or the end of the input, the writer
    /// when the connection's sender is dropped.
    pub fn join(self) -> io::Result<()> {
        let reader = self
            .reader
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the reader thread panicked")));
        let writer = self
            .writer
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the writer thread panicked")));
        reader.and(writer)
    }
}

/// A connection over stdin and stdout.
#[must_use]
pub fn stdio() -> (Connection, IoThreads) {
    connect(io::stdin(), io::stdout())
}

/// A connection over any byte streams: a reader thread (frames in, errors answered) and a
/// writer thread (the server's messages out), sharing the output one frame at a time.
#[must_use]
pub fn connect<R, W>(input: R, output: W) -> (Connection, IoThreads)
where
    R: Read + Send + 'static,
    W: Write + Send + 'static,
{
    let output = Arc::new(Mutex::new(output));
    // Unbuffered, as `lsp_server`'s own: the server takes one message at a time.
    let (to_server, from_client) = bounded::<Message>(0);
    let (to_client, from_server) = bounded::<Message>(0);
    let out = Arc::clone(&output);
    let writer = thread::Builder::new()
        .name("lsp-writer".to_owned())
        .spawn(move || {
            for message in from_server {
                let mut out = lock(&out)?;
                message.write(&mut *out)?;
            }
            Ok(())
        })
        .unwrap_or_else(|e| failed_thread(&e));
    let reader = thread::Builder::new()
        .name("lsp-reader".to_owned())
        .spawn(move || {
            let mut reader = Reader::new(BufReader::new(input));
            while let Some(incoming) = reader.next_incoming()? {
                match incoming {
                    Incoming::Message(message) => {
                        if to_server.send(message).is_err() {
                            // The server's loop is gone.
                            break;
                        }
                    }
                    Incoming::Error(reply) => write_frame(&output, &reply.to_json())?,
                    Incoming::Ignored(why) => write_frame(
                        &output,
                        &json!({
                            "jsonrpc": "2.0",
                            "method": "window/logMessage",
                            "params": {"type": 2, "message": format!("stiglint: {why}")},
                        }),
                    )?,
                }
            }
            Ok(())
        })
        .unwrap_or_else(|e| failed_thread(&e));
    (
        Connection {
            sender: to_client,
            receiver: from_client,
        },
        IoThreads { reader, writer },
    )
}

/// A thread that could not be started: its join reports why.
fn failed_thread(e: &io::Error) -> JoinHandle<io::Result<()>> {
    let message = format!("cannot start a thread: {e}");
    thread::spawn(move || Err(io::Error::other(message)))
}

fn lock<W>(output: &Mutex<W>) -> io::Result<std::sync::MutexGuard<'_, W>> {
    output
        .lock()
        .map_err(|_| io::Error::other("the output lock is poisoned"))
}

fn write_frame<W: Write>(output: &Mutex<W>, message: &Value) -> io::Result<()> {
    let text = message.to_string();
    let mut out = lock(output)?;
    write!(out, "Content-Length: {}\r\n\r\n{text}", text.len())?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    const HOVER: &str = r#"{"jsonrpc":"2.0","id":7,"method":"textDocument/hover","params":{}}"#;

    /// Everything a stream gives, as (kind, id, code) for errors and method/id for messages.
    fn read_all(input: &[u8]) -> Vec<Incoming> {
        let mut reader = Reader::new(input);
        let mut out = Vec::new();
        while let Some(i) = reader.next_incoming().expect("in-memory reads do not fail") {
            out.push(i);
        }
        out
    }

    fn error(i: &Incoming) -> (Value, i32) {
        match i {
            Incoming::Error(r) => (r.id.clone(), r.code),
            other => panic!("expected an error, got {other:?}"),
        }
    }

    fn is_hover(i: &Incoming) -> bool {
        matches!(i, Incoming::Message(Message::Request(r)) if r.method == "textDocument/hover" && r.id == RequestId::from(7))
    }

    /// Each broken frame is answered, and the next message is read.
    #[test]
    fn broken_frames_are_answered_and_the_next_message_read() {
        let cases: Vec<(String, i32)> = vec![
            (frame("{not json"), -32700),
            (frame("\u{0}\u{1}"), -32700),
            (format!("Content-Type: x\r\n\r\n{HOVER}"), -32700),
            (format!("Content-Length: ten\r\n\r\n{HOVER}"), -32700),
            (format!("Content-Length: -5\r\n\r\n{HOVER}"), -32700),
            (format!("Content-Length 5\r\n\r\n{HOVER}"), -32700),
            ("Content-Length: 99999999999\r\n\r\n{}".to_owned(), -32600),
            (
                "Content-Length: 999999999999999999999999999999\r\n\r\n{}".to_owned(),
                -32600,
            ),
            (
                "Content-Length: 3\r\nContent-Length: 4\r\n\r\n{}".to_owned(),
                -32700,
            ),
            (
                format!("X-Long: {}\r\n\r\n", "a".repeat(MAX_HEADER)),
                -32700,
            ),
            (
                frame(r#"[{"jsonrpc":"2.0","id":1,"method":"shutdown"}]"#),
                -32600,
            ),
            (frame("42"), -32600),
            (frame(r#"{"jsonrpc":"2.0"}"#), -32600),
            (frame(r#"{"jsonrpc":"2.0","method":5}"#), -32600),
            (frame(r#"{"method":"x"}"#), -32600),
            (frame(r#"{"jsonrpc":"2.0","id":{},"method":"x"}"#), -32600),
            (
                frame(r#"{"jsonrpc":"2.0","method":"x","params":3}"#),
                -32600,
            ),
        ];
        for (input, code) in cases {
            let all = read_all(format!("{input}{}", frame(HOVER)).as_bytes());
            assert_eq!(all.len(), 2, "{input:?}: {all:?}");
            assert_eq!(error(&all[0]), (Value::Null, code), "{input:?}");
            assert!(is_hover(&all[1]), "{input:?}: {all:?}");
        }
    }

    /// An id the client can match is kept in the answer, also one `lsp_server` cannot carry.
    #[test]
    fn invalid_requests_keep_a_usable_id() {
        let all = read_all(frame(r#"{"jsonrpc":"2.0","id":"a","method":5}"#).as_bytes());
        assert_eq!(error(&all[0]), (json!("a"), -32600));
        let all = read_all(frame(r#"{"jsonrpc":"1.0","id":1,"method":"x"}"#).as_bytes());
        assert_eq!(error(&all[0]), (json!(1), -32600));
        let all = read_all(frame(r#"{"jsonrpc":"2.0","id":8589934592,"method":"x"}"#).as_bytes());
        assert_eq!(error(&all[0]), (json!(8_589_934_592_u64), -32600));
    }

    /// A length within the limit is trusted: what follows is its body, and a stream that
    /// ends inside it ends the reader. Over the limit, the bytes are skipped to the next
    /// header, never allocated.
    #[test]
    fn lengths_within_the_limit_are_trusted_and_larger_ones_skipped() {
        let input = format!(
            "Content-Length: 1000000\r\n\r\n{}{}",
            "x".repeat(1000),
            frame(HOVER)
        );
        assert!(read_all(input.as_bytes()).is_empty());
        let input = format!(
            "Content-Length: {}\r\n\r\n{}{}",
            MAX_BODY + 1,
            "x".repeat(1000),
            frame(HOVER)
        );
        let all = read_all(input.as_bytes());
        assert_eq!(error(&all[0]), (Value::Null, -32600));
        assert!(is_hover(&all[1]), "{all:?}");
    }

    /// A body of many tiny values is refused before it is parsed.
    #[test]
    fn a_body_of_too_many_values_is_refused() {
        let body = format!("[{}0]", "0,".repeat(MAX_VALUES));
        let all = read_all(format!("{}{}", frame(&body), frame(HOVER)).as_bytes());
        assert_eq!(error(&all[0]), (Value::Null, -32600));
        assert!(is_hover(&all[1]));
        // Commas in strings do not count.
        let text = ",".repeat(MAX_VALUES + 10);
        let body = format!(r#"{{"jsonrpc":"2.0","method":"x","params":{{"t":"{text}"}}}}"#);
        let all = read_all(frame(&body).as_bytes());
        assert!(
            matches!(&all[0], Incoming::Message(Message::Notification(_))),
            "{:?}",
            all[0]
        );
    }

    /// After `shutdown`: requests are refused with their id, notifications ignored, `exit`
    /// passed on and the last message read.
    #[test]
    fn after_shutdown_only_exit() {
        let input = [
            frame(r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#),
            frame(r#"{"jsonrpc":"2.0","id":2,"method":"shutdown"}"#),
            frame(HOVER),
            frame(r#"{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{}}"#),
            frame(r#"{"jsonrpc":"2.0","id":"w","result":null}"#),
            frame(r#"{"jsonrpc":"2.0","method":"exit"}"#),
            frame(HOVER),
        ]
        .concat();
        let all = read_all(input.as_bytes());
        assert_eq!(all.len(), 6, "{all:?}");
        assert!(
            matches!(&all[1], Incoming::Message(Message::Request(r)) if r.method == "shutdown")
        );
        assert_eq!(error(&all[2]), (json!(7), -32600));
        assert!(matches!(&all[3], Incoming::Ignored(_)));
        assert!(matches!(&all[4], Incoming::Ignored(_)));
        assert!(
            matches!(&all[5], Incoming::Message(Message::Notification(n)) if n.method == "exit")
        );
    }

    /// Well-formed messages, with `\n` line ends and blank lines between frames.
    #[test]
    fn lenient_line_ends_and_blank_lines() {
        let input = format!(
            "\r\ncontent-length:{}\nContent-Type: application/vscode-jsonrpc; charset=utf-8\n\n{HOVER}\r\n{}",
            HOVER.len(),
            frame(r#"{"jsonrpc":"2.0","id":3,"result":{"ok":true}}"#)
        );
        let all = read_all(input.as_bytes());
        assert_eq!(all.len(), 2, "{all:?}");
        assert!(is_hover(&all[0]));
        assert!(
            matches!(&all[1], Incoming::Message(Message::Response(r)) if r.id == RequestId::from(3))
        );
    }

    /// The threads: an error is written as a frame while the server reads on.
    #[test]
    fn connect_answers_errors_and_passes_messages() {
        #[derive(Clone, Default)]
        struct Shared(Arc<Mutex<Vec<u8>>>);
        impl Write for Shared {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                self.0.lock().expect("lock").extend_from_slice(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let out = Shared::default();
        let input = format!("{}{}", frame("nope"), frame(HOVER));
        let (connection, io) = connect(io::Cursor::new(input.into_bytes()), out.clone());
        let message = connection.receiver.recv().expect("the hover request");
        assert!(matches!(message, Message::Request(r) if r.id == RequestId::from(7)));
        drop(connection);
        io.join().expect("threads end");
        let written = String::from_utf8(out.0.lock().expect("lock").clone()).expect("utf-8");
        let body = written.split_once("\r\n\r\n").expect("a frame").1;
        let reply: Value = serde_json::from_str(body).expect("json");
        assert_eq!(reply["id"], Value::Null);
        assert_eq!(reply["error"]["code"], -32700);
    }
}
