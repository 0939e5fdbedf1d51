//! The sandbox every plugin call runs in: no WASI capability at all (the WASI imports a
//! wasm32-wasip2 guest carries are defined as traps), a memory cap, and an epoch deadline.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
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
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            memory: 512 << 20,
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
    /// Lines the plugin logged.
    pub logs: Vec<String>,
}

impl HostState {
    /// State for an instance with the given memory cap.
    #[must_use]
    pub fn new(memory_cap: usize) -> Self {
        Self {
            memory_cap,
            memory_exceeded: false,
            logs: Vec::new(),
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

const MAX_LOG_LINES: usize = 1000;

impl HostState {
    fn push_log(&mut self, message: String) {
        if self.logs.len() < MAX_LOG_LINES {
            self.logs.push(message);
        }
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
