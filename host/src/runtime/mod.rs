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
pub use cache::{Cache, Provenance};
pub use sandbox::{HostState, Limits, LogBuffer};

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
    /// A control ID outside the grammar (see [`check_control_id`]), or declared twice.
    #[error("refused: control ID {id:?} {why}")]
    ControlId {
        /// The ID as declared (quoted with escapes in the message, so invisible characters
        /// show).
        id: String,
        /// What is wrong with it.
        why: String,
    },
    /// A built-in plugin's bytes are not those the binary was built with.
    #[error(
        "built-in plugin is corrupt: its SHA-256 {0} is not one this binary was built with (reinstall stiglint)"
    )]
    CorruptBuiltin(String),
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
    /// The control this one stands for when its plugin named it by ID alone (a STIG reference
    /// without Vuln ID and rule ID: a Gatekeeper constraint's `stiglint.dev/control`).
    #[must_use]
    pub fn stands_for(&self) -> Option<&str> {
        self.stig
            .as_ref()
            .filter(|s| s.vuln_id.is_empty() && s.rule_id.is_empty())
            .map(|s| s.stig_id.as_str())
    }

    /// Take the STIG rule, CAT, CCI and NIST of the control it stands for: a loaded control
    /// (`lookup`), else a DISA STIG rule of the catalogue. The control keeps its own ID.
    pub fn inherit(&mut self, lookup: &dyn Fn(&str) -> Option<ControlMeta>) -> Result<(), String> {
        let Some(id) = self.stands_for().map(str::to_owned) else {
            return Ok(());
        };
        if let Some(other) = lookup(&id).filter(|o| o.id != self.id) {
            self.severity = other.severity;
            self.stig = other.stig;
            for n in other.nist {
                if !self.nist.contains(&n) {
                    self.nist.push(n);
                }
            }
            return Ok(());
        }
        if let Some(rule) = stiglint_sdk::catalogue::rule(&id) {
            self.severity = match rule.cat.as_str() {
                "I" => Severity::High,
                "III" => Severity::Low,
                _ => Severity::Medium,
            };
            self.stig = Some(StigRef {
                stig_id: rule.stig_id.clone(),
                vuln_id: rule.vuln_id.clone(),
                rule_id: rule.rule_id.clone(),
                ccis: rule.cci_list(),
                nist: rule.nist_list(),
            });
            for n in rule.nist_list() {
                if !self.nist.contains(&n) {
                    self.nist.push(n);
                }
            }
            return Ok(());
        }
        self.stig = None;
        Err(format!(
            "control {}: stiglint.dev/control names {id:?}, which is neither a loaded control nor a DISA Kubernetes STIG rule",
            self.id
        ))
    }

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

    /// Whether the control is sent documents of this format and kind: those it looks at
    /// ([`Self::applies_to`]) and, for a control that judges pod templates (its kinds list
    /// `Pod` and `Deployment`, as `stiglint_sdk::Meta::pod_kinds` makes them), every Kubernetes
    /// document: an object of a kind it does not know may carry a pod template, which the SDK
    /// notes as *not evaluated* for the control instead of passing it in silence (also under
    /// `--select` of that control alone).
    #[must_use]
    pub fn receives(&self, format: &str, kind: Option<&str>) -> bool {
        let judges_pods = ["Pod", "Deployment"]
            .iter()
            .all(|k| self.kinds.iter().any(|x| x == k));
        self.applies_to(format, kind)
            || (judges_pods && format == "k8s" && self.formats.iter().any(|f| f == format))
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

/// The longest control ID accepted.
pub const MAX_CONTROL_ID: usize = 128;

/// Check a control ID against the one grammar every plugin's IDs follow (ASCII,
/// case-sensitive):
///
/// * `^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$`: seed and STIG IDs (`KUBER-L2-000070`, `CNTR-K8-000360`);
/// * `^GK-[A-Za-z0-9._-]+/[A-Za-z0-9._-]+$`: a Gatekeeper template's constraint
///   (`GK-<ConstraintKind>/<name>`, e.g. `GK-K8sPSPPrivilegedContainer/psp-privileged`);
///
/// at most [`MAX_CONTROL_ID`] bytes. Anything else (lowercase seed IDs, spaces, zero-width or
/// other non-ASCII characters) is refused with the reason.
pub fn check_control_id(id: &str) -> Result<(), String> {
    if id.is_empty() {
        return Err("is empty".to_owned());
    }
    if let Some(c) = id.chars().find(|c| !c.is_ascii() || c.is_ascii_control()) {
        return Err(format!(
            "contains the character U+{:04X}: control IDs are printable ASCII",
            u32::from(c)
        ));
    }
    if id.len() > MAX_CONTROL_ID {
        return Err(format!("is longer than {MAX_CONTROL_ID} characters"));
    }
    if let Some(rest) = id.strip_prefix("GK-") {
        let part = |p: &str| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        };
        return match rest.split_once('/') {
            Some((kind, name)) if part(kind) && part(name) => Ok(()),
            _ => Err(
                "is not of the form GK-<ConstraintKind>/<name> (kind and name of A-Z a-z 0-9 . _ -)"
                    .to_owned(),
            ),
        };
    }
    let mut parts = id.split('-');
    let first = parts.next().unwrap_or_default();
    let upper_digits = |p: &str| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    };
    let ok = first.starts_with(|c: char| c.is_ascii_uppercase())
        && upper_digits(first)
        && id.contains('-')
        && parts.all(upper_digits);
    if ok {
        Ok(())
    } else {
        Err(
            "does not follow the control ID grammar: uppercase A-Z and digits in dash-separated parts, starting with a letter (e.g. KUBER-L2-000070), or GK-<ConstraintKind>/<name>"
                .to_owned(),
        )
    }
}

/// Check a plugin's declared controls: every ID follows [`check_control_id`] and none is
/// declared twice (also not in another case, a look-alike).
fn check_control_ids(controls: &[ControlMeta]) -> Result<(), RuntimeError> {
    let mut seen: std::collections::HashMap<String, &str> = std::collections::HashMap::new();
    for c in controls {
        check_control_id(&c.id).map_err(|why| RuntimeError::ControlId {
            id: c.id.clone(),
            why,
        })?;
        if let Some(first) = seen.insert(c.id.to_ascii_lowercase(), &c.id) {
            return Err(RuntimeError::ControlId {
                id: c.id.clone(),
                why: if first == c.id {
                    "is declared twice".to_owned()
                } else {
                    format!("is declared besides its look-alike {first:?}")
                },
            });
        }
    }
    Ok(())
}

/// The engine and what every plugin shares.
pub struct Runtime {
    engine: Engine,
    limits: Limits,
    cache: Cache,
    _ticker: sandbox::EpochTicker,
}

impl Runtime {
    /// A runtime with these limits; `cache_dir` `None` disables the precompiled cache. The
    /// cache key is the default one ([`crate::trust::CacheKey::default_path`]).
    pub fn new(limits: Limits, cache_dir: Option<PathBuf>) -> Result<Self, RuntimeError> {
        let cache = cache_dir.map_or(Cache::Off, |dir| Cache::open(&dir, None));
        Self::with_cache(limits, cache)
    }

    /// A runtime with these limits and this precompiled cache.
    pub fn with_cache(limits: Limits, cache: Cache) -> Result<Self, RuntimeError> {
        let mut config = Config::new();
        config.wasm_component_model(true);
        config.epoch_interruption(true);
        config.cranelift_opt_level(wasmtime::OptLevel::Speed);
        let engine = Engine::new(&config).map_err(|e| RuntimeError::Engine(format!("{e:#}")))?;
        let ticker = sandbox::EpochTicker::start(&engine);
        Ok(Self {
            engine,
            limits,
            cache,
            _ticker: ticker,
        })
    }

    /// The limits every call runs under.
    #[must_use]
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Why the precompiled cache is not used, when it was refused as unsafe.
    #[must_use]
    pub fn cache_refused(&self) -> Option<&str> {
        self.cache.refused()
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
        let sha256 = crate::scan::cache::hex(&Sha256::digest(bytes));
        // A built-in is only trusted (and only looked up in the cache) under a hash compiled
        // into the binary: a corrupted binary section cannot pass as a built-in.
        if source == PluginSource::Builtin && !crate::builtin::BUILTIN_SHA256.contains(&&*sha256) {
            return Err(RuntimeError::CorruptBuiltin(sha256));
        }
        let (component, provenance) = cache::component(&self.engine, bytes, &sha256, &self.cache)?;
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
            logs: std::sync::Arc::default(),
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
        check_control_ids(&plugin.controls)?;
        plugin.configure(&mut slot)?;
        // A plugin that declares controls from its inputs may know some of them once
        // configured (Gatekeeper constraints given in its settings): it is asked again, and
        // those under its dynamic prefixes become its own controls, seen before any check.
        if !plugin.dynamic_prefixes.is_empty() {
            let again = plugin.call(&mut slot, |bindings, store| match bindings {
                Bindings::Control(b) => b.call_describe(store),
                Bindings::Waiver(b) => b.call_describe(store),
            })?;
            for c in again.controls {
                let known = plugin.controls.iter().any(|k| k.id == c.id);
                let dynamic = plugin
                    .dynamic_prefixes
                    .iter()
                    .any(|p| c.id.starts_with(p.as_str()));
                if !known && dynamic {
                    plugin
                        .controls
                        .push(ControlMeta::from_wit(c, &described.name));
                }
            }
            check_control_ids(&plugin.controls)?;
        }
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
    /// Calls served (besides `configure`).
    calls: u32,
}

/// A pooled instance is replaced by a fresh one after this many calls: state a plugin keeps
/// in its globals lives a bounded time.
pub const RECYCLE_CALLS: u32 = 64;

/// A pooled instance whose linear memory grew past this (or past half the memory cap, if
/// less) is replaced by a fresh one after its call: memory a plugin hoards is given back, and
/// no call starts on an instance already near its cap.
pub const RECYCLE_MEMORY: usize = 64 << 20;

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
    /// What every instance logged, and trap backtraces (shown with `--verbose`).
    logs: std::sync::Arc<Mutex<LogBuffer>>,
}

impl Plugin {
    fn instantiate_raw(&self) -> Result<Slot, RuntimeError> {
        let mut store = Store::new(
            &self.engine,
            HostState::with_logs(self.limits.memory, std::sync::Arc::clone(&self.logs)),
        );
        store.limiter(|s| s as &mut dyn wasmtime::ResourceLimiter);
        store.set_epoch_deadline(self.limits.ticks());
        let inst = |e: wasmtime::Error| RuntimeError::Instantiate(format!("{e:#}"));
        let bindings = match &self.pre {
            Pre::Control(p) => Bindings::Control(p.instantiate(&mut store).map_err(inst)?),
            Pre::Waiver(p) => Bindings::Waiver(p.instantiate(&mut store).map_err(inst)?),
        };
        Ok(Slot {
            store,
            bindings,
            calls: 0,
        })
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
        self.fresh()
    }

    /// The limits this plugin runs under.
    #[must_use]
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// A fresh instance, configured.
    fn fresh(&self) -> Result<Slot, RuntimeError> {
        let mut slot = self.instantiate_raw()?;
        self.configure(&mut slot)?;
        Ok(slot)
    }

    /// Put an instance back in the pool, unless it has served its share of calls or its memory
    /// grew large: then it is dropped and a later call gets a fresh one.
    fn release(&self, slot: Slot) {
        let memory = slot.store.data().memory_size;
        if slot.calls >= RECYCLE_CALLS || memory > RECYCLE_MEMORY.min(self.limits.memory / 2) {
            return;
        }
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
                let (line, full) = trap_text(&e);
                if full != line {
                    self.logs
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .push(format!("trapped: {full}"));
                }
                Failure::Trap(line)
            }
        })
    }

    /// Run a call on a pooled instance. A failed instance is dropped (a trapped instance cannot
    /// be entered again), a good one goes back to the pool (see [`Plugin::release`]). When an
    /// instance that had served earlier calls traps or runs out of memory, the call is run
    /// again on a fresh instance: what the earlier calls left behind, not this input, may be
    /// at fault, and only a failure on a fresh instance is blamed on the input.
    fn pooled<R>(
        &self,
        f: impl Fn(&Bindings, &mut Store<HostState>) -> wasmtime::Result<R>,
    ) -> Result<R, Failure> {
        let as_failure = |e: RuntimeError| match e {
            RuntimeError::Call(f) => f,
            other => Failure::Trap(other.to_string()),
        };
        let mut slot = self.checkout().map_err(as_failure)?;
        let reused = slot.calls > 0;
        slot.calls += 1;
        let answer = match self.call(&mut slot, &f) {
            Err(Failure::OutOfMemory(_) | Failure::Trap(_)) if reused => {
                drop(slot);
                slot = self.fresh().map_err(as_failure)?;
                slot.calls = 1;
                self.call(&mut slot, &f)?
            }
            other => other?,
        };
        self.release(slot);
        Ok(answer)
    }

    /// Run a control-plugin call on a pooled instance; a failed instance is dropped (a
    /// trapped instance cannot be entered again), a good one goes back to the pool.
    fn with_control<R>(
        &self,
        f: impl Fn(
            &control::ControlPlugin,
            &mut Store<HostState>,
        ) -> wasmtime::Result<Result<R, wit::PluginError>>,
    ) -> Result<R, Failure> {
        let answer = self.pooled(|bindings, store| match bindings {
            Bindings::Control(b) => f(b, store),
            Bindings::Waiver(_) => Err(wasmtime::Error::msg("not a control plugin")),
        })?;
        answer.map_err(|e| Failure::Refused(plugin_error(&e)))
    }

    /// `review` of a waiver plugin: one decision per item, in order (checked here: a plugin
    /// that answers with another number of decisions has answered invalidly).
    pub fn review(&self, items: &[wit::ReviewItem]) -> Result<Vec<wit::Decision>, Failure> {
        let answer = self.pooled(|bindings, store| match bindings {
            Bindings::Waiver(b) => b.call_review(store, items),
            Bindings::Control(_) => Err(wasmtime::Error::msg("not a waiver plugin")),
        })?;
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

    /// The same plugin configured with other settings (a fresh pool of instances, configured
    /// at once): `stiglint verify` runs each test of a suite with its own template and
    /// constraint this way, without compiling the component again.
    pub fn reconfigured(&self, settings: String) -> Result<Plugin, RuntimeError> {
        let plugin = Plugin {
            info: self.info.clone(),
            controls: self.controls.clone(),
            dynamic_prefixes: self.dynamic_prefixes.clone(),
            engine: self.engine.clone(),
            limits: self.limits,
            pre: match &self.pre {
                Pre::Control(p) => Pre::Control(p.clone()),
                Pre::Waiver(p) => Pre::Waiver(p.clone()),
            },
            settings,
            context: self.context.clone(),
            pool: Mutex::new(Vec::new()),
            logs: std::sync::Arc::default(),
        };
        let mut slot = plugin.instantiate_raw()?;
        plugin.configure(&mut slot)?;
        plugin.release(slot);
        Ok(plugin)
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

    /// The lines the plugin logged, and the backtraces of its traps (drained).
    #[must_use]
    pub fn take_logs(&self) -> Vec<String> {
        self.logs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
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

/// A trap as one line (what trapped, and the function it trapped in), and in full with the
/// wasm backtrace (for `--verbose`).
fn trap_text(e: &wasmtime::Error) -> (String, String) {
    let full = format!("{e:#}");
    let cause = e.root_cause().to_string();
    let mut line = cause.lines().next().unwrap_or_default().trim().to_owned();
    if let Some(name) = e
        .downcast_ref::<wasmtime::WasmBacktrace>()
        .and_then(|bt| bt.frames().first())
        .and_then(wasmtime::FrameInfo::func_name)
    {
        line.push_str(&format!(" (in {name})"));
    }
    (line, full)
}

fn plugin_error(e: &wit::PluginError) -> String {
    match e {
        wit::PluginError::InvalidSettings(m) => format!("invalid settings: {m}"),
        wit::PluginError::InvalidInput(m) => format!("invalid input: {m}"),
        wit::PluginError::Internal(m) => m.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::check_control_id;

    #[test]
    fn control_id_grammar() {
        for ok in [
            "KUBER-L2-000070",
            "CNTR-K8-000360",
            "TEST-MEMORY-000001",
            "ORG-1",
            "GK-K8sPSPPrivilegedContainer/psp-privileged-container",
            "GK-K8sRequiredLabels/must_have.owner-1",
        ] {
            assert_eq!(check_control_id(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "kuber-l2-000070",
            "Kuber-L2-000070",
            "KUBER",
            "KUBER-",
            "KUBER--000070",
            "-KUBER-L2",
            "1KUBER-L2",
            "KUBER_L2-000070",
            "KUBER-L2-000070 ",
            "KUBER-L2-000070\u{200b}",
            "KUBER-L2-\u{ff10}00070",
            "KUBER-L2-000070\n",
            "GK-",
            "GK-K8sPSP",
            "GK-K8sPSP/",
            "GK-/name",
            "GK-K8s PSP/name",
            "GK-K8sPSP/a/b",
            "GK-K8sPSP/na\u{200b}me",
        ] {
            assert!(check_control_id(bad).is_err(), "{bad:?} must be refused");
        }
        assert!(check_control_id(&format!("A-{}", "1".repeat(200))).is_err());
        let zw = check_control_id("KUBER-L2-000070\u{200b}").expect_err("refused");
        assert!(zw.contains("U+200B"), "{zw}");
    }
}

#[cfg(test)]
mod id_tests {
    use super::{ControlMeta, RuntimeError, Scope, Severity, check_control_ids};

    fn control(id: &str) -> ControlMeta {
        ControlMeta {
            id: id.to_owned(),
            title: String::new(),
            severity: Severity::Low,
            enforcement: super::Enforcement::Deny,
            stig: None,
            nist: Vec::new(),
            formats: Vec::new(),
            kinds: Vec::new(),
            scope: Scope::Document,
            docs: String::new(),
            remediation: String::new(),
            plugin: "p".to_owned(),
        }
    }

    #[test]
    fn a_plugin_declaring_an_id_twice_or_a_look_alike_is_refused() {
        let ok = [control("ORG-1"), control("GK-K8sRepos/a")];
        assert!(check_control_ids(&ok).is_ok());
        let twice = [control("ORG-1"), control("ORG-1")];
        assert!(matches!(
            check_control_ids(&twice),
            Err(RuntimeError::ControlId { why, .. }) if why == "is declared twice"
        ));
        let alike = [control("GK-K8sRepos/a"), control("GK-k8srepos/A")];
        let e = check_control_ids(&alike).expect_err("look-alike");
        assert!(
            e.to_string().contains("look-alike \"GK-K8sRepos/a\""),
            "{e}"
        );
        let bad = [control("kuber-l2-000070")];
        assert!(check_control_ids(&bad).is_err());
    }
}
