//! The sandbox every plugin call runs in: no WASI capability at all (the WASI imports a
//! wasm32-wasip2 guest carries are defined as traps), a memory cap, and an epoch deadline.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use wasmtime::{Engine, ResourceLimiter};

use super::bindings::{control, waiver};

/// How often the epoch advances.
pub const TICK: Duration = Duration::from_millis(10);

/// Per-call limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Wall-clock budget of one call.
    pub timeout: Duration,
    /// Linear memory cap of one instance, in bytes.
    pub memory: usize,
    /// Bytes of facts one plugin may keep for the cross-document phase in one scan.
    pub facts: usize,
}

/// Default of [`Limits::facts`]: 256 MiB.
pub const DEFAULT_FACTS: usize = 256 << 20;

impl Default for Limits {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            memory: 512 << 20,
            facts: DEFAULT_FACTS,
        }
    }
}

impl Limits {
    /// The timeout in epoch ticks (at least one).
    #[must_use]
    pub fn ticks(&self) -> u64 {
        (self.timeout.as_millis() / TICK.as_millis()).max(1) as u64
    }
}

/// The data of one plugin instance's store.
pub struct HostState {
    memory_cap: usize,
    /// Set when the plugin asked for more memory than its cap.
    pub memory_exceeded: bool,
    /// The size of the instance's linear memory, in bytes (as last grown).
    pub memory_size: usize,
    /// Where the plugin's log lines go (shared by all instances of a plugin).
    pub logs: Arc<Mutex<LogBuffer>>,
}

impl HostState {
    /// State for an instance with the given memory cap and a log of its own.
    #[must_use]
    pub fn new(memory_cap: usize) -> Self {
        Self::with_logs(memory_cap, Arc::default())
    }

    /// State for an instance with the given memory cap, logging into `logs`.
    #[must_use]
    pub fn with_logs(memory_cap: usize, logs: Arc<Mutex<LogBuffer>>) -> Self {
        Self {
            memory_cap,
            memory_exceeded: false,
            memory_size: 0,
            logs,
        }
    }
}

impl ResourceLimiter for HostState {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.memory_cap {
            self.memory_exceeded = true;
            return Err(wasmtime::Error::msg(format!(
                "memory limit of {} MiB exceeded",
                self.memory_cap >> 20
            )));
        }
        self.memory_size = self.memory_size.max(desired);
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 1_000_000)
    }
}

/// Log lines kept per plugin and scan.
pub const MAX_LOG_LINES: usize = 1000;
/// Bytes kept of one log line; the rest is cut off with a marker.
pub const MAX_LOG_LINE: usize = 4 << 10;
/// Bytes of log lines kept per plugin and scan.
pub const MAX_LOG_BYTES: usize = 256 << 10;

/// A plugin's log lines, bounded: at most [`MAX_LOG_LINES`] lines of at most
/// [`MAX_LOG_LINE`] bytes each and [`MAX_LOG_BYTES`] in all; what does not fit is counted,
/// not kept.
#[derive(Debug, Default)]
pub struct LogBuffer {
    lines: Vec<String>,
    bytes: usize,
    dropped: usize,
    dropped_bytes: usize,
}

impl LogBuffer {
    /// Keep a line (cut to [`MAX_LOG_LINE`] bytes) if the budget allows.
    pub fn push(&mut self, mut message: String) {
        let len = message.len();
        if len > MAX_LOG_LINE {
            let mut end = MAX_LOG_LINE;
            while !message.is_char_boundary(end) {
                end -= 1;
            }
            message.truncate(end);
            message.push_str(&format!(" [... {} more bytes cut]", len - end));
        }
        if self.lines.len() >= MAX_LOG_LINES || self.bytes + message.len() > MAX_LOG_BYTES {
            self.dropped += 1;
            self.dropped_bytes += len;
            return;
        }
        self.bytes += message.len();
        self.lines.push(message);
    }

    /// The lines kept (and a last line counting those that were not), emptied.
    pub fn take(&mut self) -> Vec<String> {
        let mut lines = std::mem::take(&mut self.lines);
        if self.dropped > 0 {
            lines.push(format!(
                "[{} more log lines ({} bytes) dropped: a plugin may log {MAX_LOG_LINES} lines and {} KiB per scan]",
                self.dropped,
                self.dropped_bytes,
                MAX_LOG_BYTES >> 10
            ));
        }
        *self = Self::default();
        lines
    }
}

impl HostState {
    fn push_log(&mut self, message: String) {
        self.logs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(message);
    }
}

/// The `types` interface has no functions; the bindings still want it implemented.
impl control::stiglint::plugin::types::Host for HostState {}

impl control::ControlPluginImports for HostState {
    fn log(&mut self, message: String) {
        self.push_log(message);
    }
}

impl waiver::WaiverPluginImports for HostState {
    fn log(&mut self, message: String) {
        self.push_log(message);
    }
}

/// Advances the engine's epoch every [`TICK`] while alive, so deadlines fire.
pub struct EpochTicker {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl EpochTicker {
    /// Start ticking.
    #[must_use]
    pub fn start(engine: &Engine) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let engine = engine.clone();
        let flag = Arc::clone(&stop);
        let handle = std::thread::Builder::new()
            .name("stiglint-epoch".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(TICK);
                    engine.increment_epoch();
                }
            })
            .ok();
        Self { stop, handle }
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_lines_are_cut_and_the_log_bounded() {
        let mut log = LogBuffer::default();
        // A multi-byte character straddles the cut: the line is cut before it.
        log.push(format!(
            "{}é{}",
            "a".repeat(MAX_LOG_LINE - 1),
            "b".repeat(100)
        ));
        let lines = log.take();
        assert_eq!(lines.len(), 1);
        assert!(lines[0].starts_with(&"a".repeat(MAX_LOG_LINE - 1)));
        assert!(
            lines[0].ends_with(" [... 102 more bytes cut]"),
            "{}",
            lines[0]
        );

        for _ in 0..70 {
            log.push("x".repeat(1 << 20));
        }
        let lines = log.take();
        let kept: usize = lines.iter().map(String::len).sum();
        assert!(kept <= MAX_LOG_BYTES + 200, "{kept}");
        assert!(
            lines.last().is_some_and(|l| l.contains("more log lines")),
            "{:?}",
            lines.last()
        );
        for i in 0..MAX_LOG_LINES + 5 {
            log.push(i.to_string());
        }
        let lines = log.take();
        assert_eq!(lines.len(), MAX_LOG_LINES + 1);
        assert!(lines[MAX_LOG_LINES].starts_with("[5 more log lines"));
        assert!(log.take().is_empty(), "taking empties the log");
    }
}
