//! A session: the runtime, the loaded plugins and the selected controls, ready to scan. The
//! CLI makes one per run; the language server keeps one alive.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;

use rayon::prelude::*;

use crate::config::Config;
use crate::problem::{Problem, ProblemKind};
use crate::runtime::bindings::wit;
use crate::runtime::{
    ControlMeta, Limits, Plugin, PluginKind, PluginSource, Runtime, RuntimeError,
};
use crate::scan::{self, ScanResult, ScanSpec};

/// What a session is made of.
#[derive(Clone, Debug, Default)]
pub struct SessionOptions {
    /// The configuration.
    pub config: Config,
    /// Plugins named on the command line (besides the configuration's).
    pub extra_plugins: Vec<PathBuf>,
    /// Bypass the precompiled plugin cache.
    pub no_cache: bool,
    /// Leave the built-in plugins out (only `--plugin`s run).
    pub no_builtin: bool,
    /// Controls to run (overrides the configuration's `select`).
    pub select: Option<Vec<String>>,
    /// Controls not to run (added to the configuration's `ignore`).
    pub ignore: Vec<String>,
    /// Today (`YYYY-MM-DD`).
    pub today: String,
    /// Kubernetes version (overrides the configuration's).
    pub k8s_version: Option<String>,
    /// Namespace (overrides the configuration's).
    pub namespace: Option<String>,
    /// Limits (overrides the configuration's).
    pub limits: Option<Limits>,
    /// Bound on YAML alias expansion.
    pub alias_limit: Option<usize>,
    /// Per-file input size cap in bytes (overrides the configuration's `max-file-size`).
    pub max_file_size: Option<u64>,
    /// Precompiled plugin cache directory (default: the user cache directory).
    pub cache_dir: Option<PathBuf>,
    /// Walk directories without honouring `.gitignore`/`.ignore`.
    pub no_ignore: bool,
    /// Terraform variable values (`--var`, `--var-file`).
    pub terraform: crate::input::terraform::Variables,
    /// Where the `.tf` sources of plan JSON files are (`--source-dir`).
    pub plan_sources: Option<PathBuf>,
    /// Ignore inline waivers (only the reviewed waiver file counts).
    pub no_inline_waivers: bool,
    /// Told the scan's progress (the CLI's progress bar).
    pub progress: Option<std::sync::Arc<dyn crate::scan::Progress + Send + Sync>>,
}

/// Errors that stop a session before it scans.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The runtime cannot start.
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    /// A `[[waivers]]` entry is incomplete, malformed or names no control.
    #[error("{path}:{line}: waiver {field}: {message}")]
    Waiver {
        /// The file.
        path: String,
        /// The line of the `[[waivers]]` entry.
        line: u32,
        /// The field at fault.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
    /// `--select`/`--ignore` name no control.
    #[error("unknown control selector '{0}' (see `stiglint controls`)")]
    UnknownSelector(String),
    /// Two plugins provide the same control.
    #[error("control {id} is provided by both plugin '{first}' and plugin '{second}'")]
    DuplicateControl {
        /// The control.
        id: String,
        /// One plugin.
        first: String,
        /// The other.
        second: String,
    },
}

/// A runtime with loaded plugins and a control selection.
pub struct Session {
    /// The plugins (control plugins first, in load order).
    pub plugins: Vec<Plugin>,
    /// Problems met while loading plugins (each makes the run fail).
    pub problems: Vec<Problem>,
    /// IDs of the selected controls.
    pub selected: HashSet<String>,
    /// The options.
    pub options: SessionOptions,
    /// The waivers of the configuration (and its waivers file), checked.
    pub waivers: Vec<crate::waivers::Record>,
    _runtime: Runtime,
}

impl Session {
    /// Start a runtime, load the built-in and extra plugins (in parallel), select controls.
    pub fn new(options: SessionOptions) -> Result<Self, SessionError> {
        let config = &options.config;
        let limits = options.limits.unwrap_or_else(|| {
            let d = Limits::default();
            Limits {
                timeout: config
                    .limits
                    .timeout_ms
                    .map_or(d.timeout, std::time::Duration::from_millis),
                memory: config.limits.memory_mb.map_or(d.memory, |m| m << 20),
            }
        });
        let cache = if options.no_cache {
            None
        } else {
            options
                .cache_dir
                .clone()
                .or_else(crate::runtime::cache::default_dir)
        };
        let runtime = Runtime::new(limits, cache)?;
        let context = wit::ScanContext {
            k8s_version: options
                .k8s_version
                .clone()
                .or_else(|| config.k8s_version.clone()),
            today: options.today.clone(),
            default_namespace: options
                .namespace
                .clone()
                .or_else(|| config.namespace.clone()),
        };
        let settings = |name: &str| config.plugin_settings_json(name);

        enum Source<'a> {
            Builtin(&'a [u8]),
            File(PathBuf),
        }
        let mut sources: Vec<Source<'_>> = Vec::new();
        if !options.no_builtin {
            sources.extend(
                crate::builtin::BUILTIN_PLUGINS
                    .iter()
                    .map(|(_, b)| Source::Builtin(b)),
            );
        }
        sources.extend(
            config
                .plugin_paths()
                .into_iter()
                .chain(options.extra_plugins.iter().cloned())
                .map(Source::File),
        );
        let loaded: Vec<Result<Plugin, Problem>> = sources
            .par_iter()
            .map(|s| match s {
                Source::Builtin(bytes) => runtime
                    .load(bytes, PluginSource::Builtin, &settings, &context)
                    .map_err(|e| {
                        Problem::new(
                            ProblemKind::Plugin,
                            format!("built-in plugin failed to load: {e}"),
                        )
                    }),
                Source::File(path) => runtime.load_file(path, &settings, &context).map_err(|e| {
                    Problem::new(ProblemKind::Plugin, format!("cannot load plugin: {e}"))
                        .in_file(path.display().to_string())
                }),
            })
            .collect();
        let mut plugins = Vec::new();
        let mut problems = Vec::new();
        for l in loaded {
            match l {
                Ok(p) => plugins.push(p),
                Err(p) => problems.push(p),
            }
        }
        plugins.sort_by_key(|p| p.info.kind == PluginKind::Waiver);

        let mut owner: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
        for p in &plugins {
            for c in &p.controls {
                if let Some(first) = owner.insert(&c.id, &p.info.name) {
                    return Err(SessionError::DuplicateControl {
                        id: c.id.clone(),
                        first: first.to_owned(),
                        second: p.info.name.clone(),
                    });
                }
            }
        }
        let all: Vec<&ControlMeta> = plugins.iter().flat_map(|p| &p.controls).collect();
        let select = options.select.clone().or_else(|| config.select.clone());
        let ignore: Vec<String> = config
            .ignore
            .iter()
            .chain(&options.ignore)
            .cloned()
            .collect();
        let matching = |sel: &str| -> Result<Vec<String>, SessionError> {
            let ids: Vec<String> = all
                .iter()
                .filter(|c| c.matches(sel))
                .map(|c| c.id.clone())
                .collect();
            if ids.is_empty() {
                Err(SessionError::UnknownSelector(sel.to_owned()))
            } else {
                Ok(ids)
            }
        };
        let mut selected: HashSet<String> = match &select {
            None => all.iter().map(|c| c.id.clone()).collect(),
            Some(list) => {
                let mut s = HashSet::new();
                for sel in list {
                    s.extend(matching(sel)?);
                }
                s
            }
        };
        for sel in &ignore {
            for id in matching(sel)? {
                selected.remove(&id);
            }
        }
        let mut waivers = Vec::new();
        let controls: Vec<ControlMeta> = plugins.iter().flat_map(|p| p.controls.clone()).collect();
        for (entry, path, line) in &options.config.waiver_entries {
            let bad = |field, message| SessionError::Waiver {
                path: path.clone(),
                line: *line,
                field,
                message,
            };
            let record = entry.record(path, *line).map_err(|(f, m)| bad(f, m))?;
            if crate::waivers::find_control(&controls, &record.control).is_none() {
                return Err(bad(
                    "control",
                    format!(
                        "unknown control '{}' (see `stiglint controls`)",
                        record.control
                    ),
                ));
            }
            waivers.push(record);
        }
        Ok(Self {
            plugins,
            problems,
            selected,
            options,
            waivers,
            _runtime: runtime,
        })
    }

    /// Every control of every loaded plugin, sorted by ID.
    #[must_use]
    pub fn controls(&self) -> Vec<&ControlMeta> {
        let mut all: Vec<&ControlMeta> = self.plugins.iter().flat_map(|p| &p.controls).collect();
        all.sort_by(|a, b| a.id.cmp(&b.id));
        all
    }

    /// A control by ID (or Vuln ID).
    #[must_use]
    pub fn control(&self, id: &str) -> Option<&ControlMeta> {
        self.controls().into_iter().find(|c| {
            c.id.eq_ignore_ascii_case(id)
                || c.stig
                    .as_ref()
                    .is_some_and(|s| s.vuln_id == id && s.stig_id == c.id)
        })
    }

    /// Scan paths (`-` is standard input, whose text is passed in).
    #[must_use]
    pub fn scan(&self, paths: &[PathBuf], stdin: Option<&Arc<str>>) -> ScanResult {
        self.scan_with(paths, stdin, None)
    }

    /// [`Session::scan`] with texts that replace files on disk (an editor's buffers, also of
    /// files not saved yet: name them in `paths`).
    #[must_use]
    pub fn scan_with(
        &self,
        paths: &[PathBuf],
        stdin: Option<&Arc<str>>,
        overlay: Option<&crate::input::Overlay>,
    ) -> ScanResult {
        // A buffer the editor has not saved yet has no file to find.
        let (unsaved, on_disk): (Vec<PathBuf>, Vec<PathBuf>) =
            paths.iter().cloned().partition(|p| {
                !p.exists()
                    && overlay.is_some_and(|o| o.contains_key(&crate::input::overlay_key(p)))
            });
        let max_file_size = self
            .options
            .max_file_size
            .or(self.options.config.max_file_size.map(|s| s.0))
            .unwrap_or(crate::input::fs::DEFAULT_MAX_FILE_SIZE);
        let policy = crate::input::fs::Policy::new(&on_disk, max_file_size);
        let found = crate::input::discover_in(&on_disk, !self.options.no_ignore, &policy);
        let (mut inputs, mut problems) = (found.inputs, found.problems);
        inputs.extend(unsaved.into_iter().map(|p| crate::input::Input {
            name: p.display().to_string(),
            origin: crate::source::Origin::File(p),
        }));
        let control_plugins: Vec<&Plugin> = self
            .plugins
            .iter()
            .filter(|p| p.info.kind == PluginKind::Control)
            .collect();
        let spec = ScanSpec {
            plugins: &control_plugins,
            selected: &self.selected,
            alias_limit: self
                .options
                .alias_limit
                .unwrap_or(crate::input::yaml::DEFAULT_ALIAS_LIMIT),
            terraform: &self.options.terraform,
            plan_sources: self.options.plan_sources.as_deref(),
            overlay,
            policy: &policy,
            skipped: &found.skipped,
            progress: self
                .options
                .progress
                .as_deref()
                .map(|p| p as &(dyn crate::scan::Progress + Sync)),
        };
        let mut result = scan::run(&spec, &inputs, stdin);
        let waiver_plugins: Vec<&Plugin> = self
            .plugins
            .iter()
            .filter(|p| p.info.kind == PluginKind::Waiver)
            .collect();
        let config = &self.options.config;
        let waiver_options = crate::waivers::Options {
            today: self.options.today.clone(),
            inline: !self.options.no_inline_waivers && config.inline_waivers.unwrap_or(true),
            warn_days: config.waiver_warn_days.unwrap_or(30),
            default_namespace: self
                .options
                .namespace
                .clone()
                .or_else(|| config.namespace.clone()),
            base_dir: config.base_dir.clone(),
            known: self
                .plugins
                .iter()
                .flat_map(|p| p.controls.clone())
                .collect(),
        };
        result.waivers =
            crate::waivers::apply(&mut result, &self.waivers, &waiver_plugins, &waiver_options);
        // Every loaded plugin is accounted for, waiver plugins too.
        result.plugins = self.plugins.iter().map(|p| p.info.clone()).collect();
        problems.extend(self.problems.iter().cloned());
        result.problems.extend(problems);
        result
            .problems
            .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        result
    }
}
