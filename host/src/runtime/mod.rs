//! The plugin runtime: one wasmtime engine, plugins compiled once (or loaded precompiled),
//! instances pooled and reused across threads, every call sandboxed and bounded.

pub mod bindings;
pub mod cache;
pub mod sandbox;

use std::path::PathBuf;
use std::sync::Mutex;

use serde::Serialize;
use sha2::{Digest, Sha256};
use wasmtime::component::{HasSelf, Linker};
use wasmtime::{Config, Engine, Store, Trap};

use bindings::{control, waiver, wit};
pub use cache::Provenance;
pub use sandbox::{HostState, Limits};

/// Errors of the runtime itself (as opposed to a plugin's failure during a call).
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// The engine could not be set up.
    #[error("cannot set up the WebAssembly engine: {0}")]
    Engine(String),
    /// A plugin file could not be read.
    #[error("cannot read plugin {path}: {source}")]
    Read {
        /// The path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The bytes are not a valid component.
    #[error("not a valid WebAssembly component: {0}")]
    Compile(String),
    /// The component exports neither world.
    #[error(
        "not a stiglint plugin: it exports neither `check` (control-plugin) nor `review` (waiver-plugin)"
    )]
    NotAPlugin,
    /// Linking or instantiating failed.
    #[error("cannot instantiate: {0}")]
    Instantiate(String),
    /// The plugin was built against another version of the WIT interface.
    #[error(
        "built for interface {found}, this stiglint speaks {INTERFACE}: rebuild the plugin with a matching stiglint-sdk"
    )]
    Interface {
        /// The interface the plugin names (`stiglint:plugin@0.1.0`).
        found: String,
    },
    /// The plugin failed during `describe` or `configure`.
    #[error("{0}")]
    Call(#[from] Failure),
}

/// How a plugin call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Failure {
    /// The call ran past its deadline.
    #[error("timed out after {0} ms")]
    Timeout(u128),
    /// The plugin wanted more memory than its cap.
    #[error("exceeded its memory limit of {0} MiB")]
    OutOfMemory(usize),
    /// The plugin trapped (a panic, an unreachable, a denied WASI call...).
    #[error("trapped: {0}")]
    Trap(String),
    /// The plugin answered with an error.
    #[error("refused: {0}")]
    Refused(String),
    /// The plugin answered with something invalid.
    #[error("returned invalid output: {0}")]
    Invalid(String),
}

/// Which world a plugin implements.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PluginKind {
    /// `control-plugin`.
    Control,
    /// `waiver-plugin`.
    Waiver,
}

/// Where a plugin came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "type", content = "path")]
pub enum PluginSource {
    /// Embedded in the binary.
    Builtin,
    /// A `.wasm` file.
    File(PathBuf),
}

/// Severity of a control (CAT I = high).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// CAT III.
    Low,
    /// CAT II.
    Medium,
    /// CAT I.
    High,
}

impl Severity {
    /// `high`, `medium`, `low`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        }
    }

    /// `CAT I`, `CAT II`, `CAT III`.
    #[must_use]
    pub fn cat(self) -> &'static str {
        match self {
            Self::Low => "CAT III",
            Self::Medium => "CAT II",
            Self::High => "CAT I",
        }
    }
}

/// DISA references of a control.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct StigRef {
    /// STIG ID.
    pub stig_id: String,
    /// Vuln ID.
    pub vuln_id: String,
    /// Rule ID.
    pub rule_id: String,
    /// CCIs.
    pub ccis: Vec<String>,
    /// NIST SP 800-53.
    pub nist: Vec<String>,
}

/// The WIT interface this host speaks (package and version of `wit/plugin.wit`).
pub const INTERFACE: &str = "stiglint:plugin@0.2.0";

/// What a finding does to the run, beside its severity.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Enforcement {
    /// Counts for the exit code, `--fail-on` and admission.
    #[default]
    Deny,
    /// Reported everywhere, never fails a run.
    Warn,
    /// Reported everywhere, never fails a run.
    Audit,
}

impl Enforcement {
    /// `deny`, `warn`, `audit`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Deny => "deny",
            Self::Warn => "warn",
            Self::Audit => "audit",
        }
    }

    /// Whether its findings count for the exit code.
    #[must_use]
    pub fn denies(self) -> bool {
        self == Self::Deny
    }

    pub(crate) fn from_wit(e: wit::Enforcement) -> Self {
        match e {
            wit::Enforcement::Deny => Self::Deny,
            wit::Enforcement::Warn => Self::Warn,
            wit::Enforcement::Audit => Self::Audit,
        }
    }
}

/// Scope of a control.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// Per document.
    Document,
    /// Across the scan.
    Scan,
}

/// A control as the host knows it (from the plugin's `describe`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ControlMeta {
    /// ID.
    pub id: String,
    /// Title.
    pub title: String,
    /// Severity.
    pub severity: Severity,
    /// What its findings do to the run.
    pub enforcement: Enforcement,
    /// DISA references.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stig: Option<StigRef>,
    /// NIST SP 800-53.
    pub nist: Vec<String>,
    /// Formats.
    pub formats: Vec<String>,
    /// Kinds (empty: all).
    pub kinds: Vec<String>,
    /// Scope.
    pub scope: Scope,
    /// Markdown documentation.
    pub docs: String,
    /// How to fix.
    pub remediation: String,
    /// The plugin that provides it.
    pub plugin: String,
}

impl ControlMeta {
    pub(crate) fn from_wit(c: wit::ControlInfo, plugin: &str) -> Self {
        Self {
            id: c.id,
            title: c.title,
            severity: match c.severity {
                wit::Severity::Low => Severity::Low,
                wit::Severity::Medium => Severity::Medium,
                wit::Severity::High => Severity::High,
            },
            enforcement: Enforcement::from_wit(c.enforcement),
            stig: c.stig.map(|s| StigRef {
                stig_id: s.stig_id,
                vuln_id: s.vuln_id,
                rule_id: s.rule_id,
                ccis: s.ccis,
                nist: s.nist,
            }),
            nist: c.nist,
            formats: c.formats,
            kinds: c.kinds,
            scope: match c.scope {
                wit::Scope::Document => Scope::Document,
                wit::Scope::Scan => Scope::Scan,
            },
            docs: c.docs,
            remediation: c.remediation,
            plugin: plugin.to_owned(),
        }
    }

    /// Whether the control looks at documents of this format and kind.
    #[must_use]
    pub fn applies_to(&self, format: &str, kind: Option<&str>) -> bool {
        self.formats.iter().any(|f| f == format)
            && (self.kinds.is_empty() || kind.is_some_and(|k| self.kinds.iter().any(|x| x == k)))
    }

    /// Whether a selector (an ID, a Vuln ID, or a prefix of an ID) names this control.
    #[must_use]
    pub fn matches(&self, selector: &str) -> bool {
        self.id.starts_with(selector)
            || self
                .stig
                .as_ref()
                .is_some_and(|s| s.vuln_id == selector && s.stig_id == self.id)
    }
}

/// The engine and what every plugin shares.
pub struct Runtime {
    engine: Engine,
    limits: Limits,
    cache_dir: Option<PathBuf>,
    _ticker: sandbox::EpochTicker,
}

impl Runtime {
    /// A runtime with these limits; `cache_dir` `None` disables the precompiled cache.
    pub fn new(limits: Limits, cache_dir: Option<PathBuf>) -> Result<Self, RuntimeError> {
        let mut config = Config::new();
        config.wasm_component_model(true);
        config.epoch_interruption(true);
        config.cranelift_opt_level(wasmtime::OptLevel::Speed);
        let engine = Engine::new(&config).map_err(|e| RuntimeError::Engine(format!("{e:#}")))?;
        let ticker = sandbox::EpochTicker::start(&engine);
        Ok(Self {
            engine,
            limits,
            cache_dir,
            _ticker: ticker,
        })
    }

    /// The limits every call runs under.
    #[must_use]
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Load a plugin from a `.wasm` file.
    pub fn load_file(
        &self,
        path: &std::path::Path,
        settings: &dyn Fn(&str) -> String,
        context: &wit::ScanContext,
    ) -> Result<Plugin, RuntimeError> {
        let bytes = std::fs::read(path).map_err(|source| RuntimeError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        self.load(
            &bytes,
            PluginSource::File(path.to_path_buf()),
            settings,
            context,
        )
    }

    /// Load a plugin from its bytes: compile (or load precompiled), detect its world,
    /// describe and configure it.
    pub fn load(
        &self,
        bytes: &[u8],
        source: PluginSource,
        settings: &dyn Fn(&str) -> String,
        context: &wit::ScanContext,
    ) -> Result<Plugin, RuntimeError> {
        let sha256: String = Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let (component, provenance) =
            cache::component(&self.engine, bytes, &sha256, self.cache_dir.as_deref())?;
        check_interface(&component, &self.engine)?;
        let exports: Vec<String> = component
            .component_type()
            .exports(&self.engine)
            .map(|(name, _)| name.to_owned())
            .collect();
        let kind = if exports.iter().any(|e| e == "check") {
            PluginKind::Control
        } else if exports.iter().any(|e| e == "review") {
            PluginKind::Waiver
        } else {
            return Err(RuntimeError::NotAPlugin);
        };
        let mut linker: Linker<HostState> = Linker::new(&self.engine);
        let inst = |e: wasmtime::Error| RuntimeError::Instantiate(format!("{e:#}"));
        match kind {
            PluginKind::Control => {
                control::ControlPlugin::add_to_linker::<HostState, HasSelf<HostState>>(
                    &mut linker,
                    |s| s,
                )
                .map_err(inst)?;
            }
            PluginKind::Waiver => {
                waiver::WaiverPlugin::add_to_linker::<HostState, HasSelf<HostState>>(
                    &mut linker,
                    |s| s,
                )
                .map_err(inst)?;
            }
        }
        // Every other import (the wasi:* interfaces a wasm32-wasip2 guest carries) traps:
        // no files, environment, arguments, stdio, sockets, clocks or randomness.
        linker
            .define_unknown_imports_as_traps(&component)
            .map_err(inst)?;
        let pre = linker.instantiate_pre(&component).map_err(inst)?;
        let pre = match kind {
            PluginKind::Control => Pre::Control(control::ControlPluginPre::new(pre).map_err(inst)?),
            PluginKind::Waiver => Pre::Waiver(waiver::WaiverPluginPre::new(pre).map_err(inst)?),
        };
        let mut plugin = Plugin {
            info: PluginInfo {
                name: String::new(),
                version: String::new(),
                description: String::new(),
                kind,
                source,
                sha256,
                provenance,
            },
            controls: Vec::new(),
            dynamic_prefixes: Vec::new(),
            engine: self.engine.clone(),
            limits: self.limits,
            pre,
            settings: String::new(),
            context: context.clone(),
            pool: Mutex::new(Vec::new()),
        };
        let mut slot = plugin.instantiate_raw()?;
        let described = plugin.call(&mut slot, |bindings, store| match bindings {
            Bindings::Control(b) => b.call_describe(store),
            Bindings::Waiver(b) => b.call_describe(store),
        })?;
        plugin.settings = settings(&described.name);
        plugin.info.name = described.name.clone();
        plugin.info.version = described.version;
        plugin.info.description = described.description;
        plugin.dynamic_prefixes = described.dynamic_prefixes;
        plugin.controls = described
            .controls
            .into_iter()
            .map(|c| ControlMeta::from_wit(c, &described.name))
            .collect();
        plugin.configure(&mut slot)?;
        plugin.release(slot);
        Ok(plugin)
    }
}

enum Pre {
    Control(control::ControlPluginPre<HostState>),
    Waiver(waiver::WaiverPluginPre<HostState>),
}

enum Bindings {
    Control(control::ControlPlugin),
    Waiver(waiver::WaiverPlugin),
}

struct Slot {
    store: Store<HostState>,
    bindings: Bindings,
}

/// What identifies a loaded plugin.
#[derive(Clone, Debug, Serialize)]
pub struct PluginInfo {
    /// Name from `describe`.
    pub name: String,
    /// Version from `describe`.
    pub version: String,
    /// Description from `describe`.
    pub description: String,
    /// Its world.
    pub kind: PluginKind,
    /// Where it came from.
    pub source: PluginSource,
    /// SHA-256 of its bytes.
    pub sha256: String,
    /// Whether it came from the precompiled cache. Not in reports by default: it differs from
    /// one run to the next, and reports are deterministic.
    #[serde(skip)]
    pub provenance: Provenance,
}

/// A loaded, configured plugin with a pool of ready instances.
pub struct Plugin {
    /// Identity.
    pub info: PluginInfo,
    /// Its controls.
    pub controls: Vec<ControlMeta>,
    /// ID prefixes of the controls it declares from the inputs.
    pub dynamic_prefixes: Vec<String>,
    engine: Engine,
    limits: Limits,
    pre: Pre,
    settings: String,
    context: wit::ScanContext,
    pool: Mutex<Vec<Slot>>,
}

impl Plugin {
    fn instantiate_raw(&self) -> Result<Slot, RuntimeError> {
        let mut store = Store::new(&self.engine, HostState::new(self.limits.memory));
        store.limiter(|s| s as &mut dyn wasmtime::ResourceLimiter);
        store.set_epoch_deadline(self.limits.ticks());
        let inst = |e: wasmtime::Error| RuntimeError::Instantiate(format!("{e:#}"));
        let bindings = match &self.pre {
            Pre::Control(p) => Bindings::Control(p.instantiate(&mut store).map_err(inst)?),
            Pre::Waiver(p) => Bindings::Waiver(p.instantiate(&mut store).map_err(inst)?),
        };
        Ok(Slot { store, bindings })
    }

    fn configure(&self, slot: &mut Slot) -> Result<(), RuntimeError> {
        let settings = self.settings.clone();
        let context = self.context.clone();
        let answer = self.call(slot, |bindings, store| match bindings {
            Bindings::Control(b) => b.call_configure(store, &settings, &context),
            Bindings::Waiver(b) => b.call_configure(store, &settings, &context),
        })?;
        answer.map_err(|e| RuntimeError::Call(Failure::Refused(plugin_error(&e))))
    }

    fn checkout(&self) -> Result<Slot, RuntimeError> {
        let pooled = self
            .pool
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .pop();
        if let Some(slot) = pooled {
            return Ok(slot);
        }
        let mut slot = self.instantiate_raw()?;
        self.configure(&mut slot)?;
        Ok(slot)
    }

    fn release(&self, slot: Slot) {
        self.pool
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(slot);
    }

    /// Run one call on an instance under the deadline, classifying any failure.
    fn call<R>(
        &self,
        slot: &mut Slot,
        f: impl FnOnce(&Bindings, &mut Store<HostState>) -> wasmtime::Result<R>,
    ) -> Result<R, Failure> {
        slot.store.set_epoch_deadline(self.limits.ticks());
        f(&slot.bindings, &mut slot.store).map_err(|e| {
            if slot.store.data().memory_exceeded {
                Failure::OutOfMemory(self.limits.memory >> 20)
            } else if e.downcast_ref::<Trap>() == Some(&Trap::Interrupt) {
                Failure::Timeout(self.limits.timeout.as_millis())
            } else {
                Failure::Trap(format!("{e:#}"))
            }
        })
    }

    /// Run a control-plugin call on a pooled instance; a failed instance is dropped (a
    /// trapped instance cannot be entered again), a good one goes back to the pool.
    fn with_control<R>(
        &self,
        f: impl FnOnce(
            &control::ControlPlugin,
            &mut Store<HostState>,
        ) -> wasmtime::Result<Result<R, wit::PluginError>>,
    ) -> Result<R, Failure> {
        let mut slot = self.checkout().map_err(|e| match e {
            RuntimeError::Call(f) => f,
            other => Failure::Trap(other.to_string()),
        })?;
        let answer = self.call(&mut slot, |bindings, store| match bindings {
            Bindings::Control(b) => f(b, store),
            Bindings::Waiver(_) => Err(wasmtime::Error::msg("not a control plugin")),
        })?;
        self.release(slot);
        answer.map_err(|e| Failure::Refused(plugin_error(&e)))
    }

    /// `review` of a waiver plugin: one decision per item, in order (checked here: a plugin
    /// that answers with another number of decisions has answered invalidly).
    pub fn review(&self, items: &[wit::ReviewItem]) -> Result<Vec<wit::Decision>, Failure> {
        let mut slot = self.checkout().map_err(|e| match e {
            RuntimeError::Call(f) => f,
            other => Failure::Trap(other.to_string()),
        })?;
        let answer = self.call(&mut slot, |bindings, store| match bindings {
            Bindings::Waiver(b) => b.call_review(store, items),
            Bindings::Control(_) => Err(wasmtime::Error::msg("not a waiver plugin")),
        })?;
        self.release(slot);
        let decisions = answer.map_err(|e| Failure::Refused(plugin_error(&e)))?;
        if decisions.len() != items.len() {
            return Err(Failure::Invalid(format!(
                "{} decisions for {} findings",
                decisions.len(),
                items.len()
            )));
        }
        Ok(decisions)
    }

    /// `check` on a shard of documents.
    pub fn check(
        &self,
        documents: &[wit::Document],
        controls: &[String],
    ) -> Result<wit::CheckOutput, Failure> {
        self.with_control(|b, store| b.call_check(store, documents, controls))
    }

    /// `finish` on the facts of the whole scan.
    pub fn finish(
        &self,
        facts: &[wit::Fact],
        controls: &[String],
    ) -> Result<wit::CheckOutput, Failure> {
        self.with_control(|b, store| b.call_finish(store, facts, controls))
    }

    /// The settings it was configured with (JSON text).
    #[must_use]
    pub fn settings(&self) -> &str {
        &self.settings
    }

    /// The scan context it was configured with.
    #[must_use]
    pub fn context(&self) -> &wit::ScanContext {
        &self.context
    }

    /// The log lines of pooled instances (drained).
    #[must_use]
    pub fn take_logs(&self) -> Vec<String> {
        let mut pool = self
            .pool
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        pool.iter_mut()
            .flat_map(|s| std::mem::take(&mut s.store.data_mut().logs))
            .collect()
    }
}

/// Refuse a component built against another version of the interface: its imports name the
/// `stiglint:plugin/types@X` instance (and `log`) it was generated from.
fn check_interface(
    component: &wasmtime::component::Component,
    engine: &Engine,
) -> Result<(), RuntimeError> {
    let (package, version) = INTERFACE.split_once('@').unwrap_or((INTERFACE, ""));
    let wanted = format!("{package}/types@{version}");
    for (name, _) in component.component_type().imports(engine) {
        if let Some(rest) = name.strip_prefix(&format!("{package}/")) {
            if name == wanted {
                continue;
            }
            let found = rest
                .split_once('@')
                .map_or_else(|| package.to_owned(), |(_, v)| format!("{package}@{v}"));
            return Err(RuntimeError::Interface { found });
        }
    }
    Ok(())
}

fn plugin_error(e: &wit::PluginError) -> String {
    match e {
        wit::PluginError::InvalidSettings(m) => format!("invalid settings: {m}"),
        wit::PluginError::InvalidInput(m) => format!("invalid input: {m}"),
        wit::PluginError::Internal(m) => m.clone(),
    }
}
