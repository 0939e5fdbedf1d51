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
    /// Bypass both caches: the precompiled plugins and the per-file results.
    pub no_cache: bool,
    /// Keep per-file results in memory instead of on disk (the language server).
    pub memory_results: bool,
    /// Judge every file afresh, but keep the precompiled-plugin cache (benchmarks).
    pub no_result_cache: bool,
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
    /// The key file that authenticates cache entries (default: `$STIGLINT_KEY_FILE`, else
    /// `cache.key` in the user configuration directory).
    pub key_file: Option<PathBuf>,
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
}

/// Which plugin provides each control ID, by the ID case-folded (so a look-alike in another
/// case is caught too).
#[derive(Default)]
struct ControlOwners(std::collections::HashMap<String, (String, String)>);

impl ControlOwners {
    /// Give `plugin` its control IDs, unless one of them (or a look-alike) is taken: then
    /// nothing is given and the message says which and by whom.
    fn claim(&mut self, plugin: &str, ids: &[&str]) -> Result<(), String> {
        for id in ids {
            if let Some((theirs, first)) = self.0.get(&id.to_ascii_lowercase()) {
                return Err(if id == theirs {
                    format!("control {id} is already provided by plugin '{first}'")
                } else {
                    format!(
                        "control {id} is a look-alike of {theirs}, provided by plugin '{first}'"
                    )
                });
            }
        }
        for id in ids {
            self.0.insert(
                id.to_ascii_lowercase(),
                ((*id).to_owned(), plugin.to_owned()),
            );
        }
        Ok(())
    }
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
    /// `select` of the options or configuration (for controls declared from the inputs).
    select: Option<Vec<String>>,
    /// `ignore` of the configuration and the options.
    ignore: Vec<String>,
    /// Per-file results (`None` with `--no-cache`, or when the cache directory is refused).
    results: Option<crate::scan::ResultCache>,
    /// Everything a file's result depends on besides its bytes.
    fingerprint: String,
    /// Why the precompiled plugin cache is not used, when it was refused as unsafe (a
    /// warning: plugins are compiled afresh and the scan goes on).
    pub cache_warning: Option<String>,
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
                facts: config.limits.facts_mb.map_or(d.facts, |m| m << 20),
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
        let cache = cache.map_or(crate::runtime::Cache::Off, |dir| {
            crate::runtime::Cache::open(&dir, options.key_file.as_deref())
        });
        let cache_warning = cache
            .refused()
            .map(|why| format!("precompiled plugin cache not used: {why}"));
        let runtime = Runtime::with_cache(limits, cache)?;
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

        // A control ID belongs to the first plugin that declares it (built-ins first, then the
        // configuration's plugins, then `--plugin`s). A later plugin that declares it again, or
        // a look-alike of it (the same ID in another case), is refused — an error — and every
        // other plugin still runs.
        let mut owners = ControlOwners::default();
        let mut kept = Vec::with_capacity(plugins.len());
        for p in plugins {
            let ids: Vec<&str> = p.controls.iter().map(|c| c.id.as_str()).collect();
            if let Err(what) = owners.claim(&p.info.name, &ids) {
                let mut problem = Problem::new(
                    ProblemKind::Plugin,
                    format!("refused: {what}; this plugin's controls do not run"),
                )
                .from_plugin(p.info.name.clone());
                if let PluginSource::File(path) = &p.info.source {
                    problem = problem.in_file(path.display().to_string());
                }
                problems.push(problem);
                continue;
            }
            kept.push(p);
        }
        let mut plugins = kept;
        // Controls that stand for another (Gatekeeper constraints with `stiglint.dev/control`)
        // take its references.
        let statics: Vec<ControlMeta> = plugins
            .iter()
            .flat_map(|p| &p.controls)
            .filter(|c| c.stands_for().is_none())
            .cloned()
            .collect();
        let lookup = |id: &str| statics.iter().find(|c| c.id == id).cloned();
        for p in &mut plugins {
            let name = p.info.name.clone();
            for c in &mut p.controls {
                if let Err(why) = c.inherit(&lookup) {
                    problems.push(Problem::new(ProblemKind::Plugin, why).from_plugin(name.clone()));
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
            // A selector may also name controls a plugin declares from the inputs.
            let dynamic = plugins
                .iter()
                .flat_map(|p| &p.dynamic_prefixes)
                .any(|prefix| sel.starts_with(prefix.as_str()) || prefix.starts_with(sel));
            if ids.is_empty() && !dynamic {
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
        // An unusable result cache is a warning, like the plugin cache: the scan runs
        // uncached, with the same verdicts.
        let (results, warning) = result_cache(&options);
        let cache_warning = match (cache_warning, warning) {
            (Some(a), Some(b)) => Some(format!("{a}; {b}")),
            (a, b) => a.or(b),
        };
        let fingerprint = fingerprint(&plugins, (&selected, &select, &ignore), &options, &context);
        Ok(Self {
            plugins,
            problems,
            selected,
            options,
            waivers,
            select,
            ignore,
            results,
            fingerprint,
            cache_warning,
            _runtime: runtime,
        })
    }

    /// Whether a control declared from the inputs (a Gatekeeper constraint) is selected: the
    /// same `select` and `ignore` selectors, by prefix.
    #[must_use]
    pub fn admits_dynamic(&self, id: &str) -> bool {
        self.select
            .as_ref()
            .is_none_or(|s| s.iter().any(|sel| id.starts_with(sel.as_str())))
            && !self.ignore.iter().any(|sel| id.starts_with(sel.as_str()))
    }

    /// The per-file result cache in use, if any.
    #[must_use]
    pub fn result_cache(&self) -> Option<&crate::scan::ResultCache> {
        self.results.as_ref()
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
        let inputs = self.inputs(paths, overlay);
        self.scan_inputs(&inputs, stdin, overlay)
    }

    /// The inputs of paths: directories walked under the input policy, and the buffers an
    /// editor has not saved yet.
    #[must_use]
    pub fn inputs(&self, paths: &[PathBuf], overlay: Option<&crate::input::Overlay>) -> Inputs {
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
        let mut inputs = found.inputs;
        inputs.extend(unsaved.into_iter().map(|p| crate::input::Input {
            name: p.display().to_string(),
            origin: crate::source::Origin::File(p),
        }));
        Inputs {
            inputs,
            problems: found.problems,
            skipped: found.skipped,
            policy,
        }
    }

    /// Scan inputs found before (the language server keeps its workspace's list).
    #[must_use]
    pub fn scan_inputs(
        &self,
        found: &Inputs,
        stdin: Option<&Arc<str>>,
        overlay: Option<&crate::input::Overlay>,
    ) -> ScanResult {
        let inputs = &found.inputs;
        let mut problems = found.problems.clone();
        // The scan's alias budget starts afresh with every scan.
        let policy = found.policy.for_scan();
        let control_plugins: Vec<&Plugin> = self
            .plugins
            .iter()
            .filter(|p| p.info.kind == PluginKind::Control)
            .collect();
        let admits = |id: &str| self.admits_dynamic(id);
        let spec = ScanSpec {
            plugins: &control_plugins,
            selected: &self.selected,
            admits_dynamic: &admits,
            cache: self
                .results
                .as_ref()
                .map(|c| (c, self.fingerprint.as_str())),
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
        let mut result = scan::run(&spec, inputs, stdin);
        let mut clock = scan::Clock::new();
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
        clock.lap("waive");
        result.timings.append(&mut clock.laps);
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

/// What finding the inputs gave: the inputs, the problems met, the paths the input policy
/// skipped (name, reason), and the policy they were found under.
#[derive(Clone, Debug)]
pub struct Inputs {
    /// The inputs.
    pub inputs: Vec<crate::input::Input>,
    /// Paths that cannot be read.
    pub problems: Vec<Problem>,
    /// Paths the policy skipped, with the reason.
    pub skipped: Vec<(String, String)>,
    /// The policy.
    pub policy: crate::input::fs::Policy,
}

/// The per-file result cache the options ask for, or why there is none (a warning: the scan
/// runs uncached).
fn result_cache(options: &SessionOptions) -> (Option<crate::scan::ResultCache>, Option<String>) {
    use crate::scan::ResultCache;
    if options.no_cache || options.no_result_cache {
        return (None, None);
    }
    if options.memory_results {
        return (Some(ResultCache::memory()), None);
    }
    let dir = options
        .cache_dir
        .as_ref()
        .map(|d| d.join("results"))
        .or_else(ResultCache::default_dir);
    let Some(dir) = dir else {
        return (None, None);
    };
    let key = match &options.key_file {
        Some(path) => crate::trust::CacheKey::load_or_create(path),
        None => crate::trust::CacheKey::load_default(),
    };
    let opened =
        key.and_then(|key| ResultCache::disk(dir, key, crate::scan::cache::DEFAULT_MAX_BYTES));
    match opened {
        Ok(cache) => (Some(cache), None),
        Err(e) => (None, Some(format!("result cache not used: {e}"))),
    }
}

/// Everything a file's result depends on besides its bytes, hashed: stiglint's version and
/// interface, every control plugin (hash, settings), the selection, the scan context and the
/// loader's options.
/// The running program, as its size and modification time: a rebuilt stiglint of the same
/// version (a developer's build, a patched package) does not take the results its predecessor
/// computed (a reinstalled copy of the same program only misses once).
fn build_identity() -> Option<(u64, u128)> {
    let meta = std::env::current_exe().ok()?.metadata().ok()?;
    let modified = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_nanos();
    Some((meta.len(), modified))
}

fn fingerprint(
    plugins: &[Plugin],
    (selected, select, ignore): (&HashSet<String>, &Option<Vec<String>>, &[String]),
    options: &SessionOptions,
    context: &wit::ScanContext,
) -> String {
    use sha2::{Digest, Sha256};
    let mut selected: Vec<&String> = selected.iter().collect();
    selected.sort();
    let limits = options.limits.map(|l| (l.timeout.as_millis(), l.memory));
    let parts = serde_json::json!({
        "stiglint": env!("CARGO_PKG_VERSION"),
        "build": build_identity(),
        "interface": crate::runtime::INTERFACE,
        "plugins": plugins
            .iter()
            .filter(|p| p.info.kind == PluginKind::Control)
            .map(|p| [p.info.name.as_str(), p.info.sha256.as_str(), p.settings()])
            .collect::<Vec<_>>(),
        "selected": selected,
        // Controls declared from the inputs are selected by these.
        "select": select,
        "ignore": ignore,
        "context": [&context.today, &context.k8s_version.clone().unwrap_or_default(),
            &context.default_namespace.clone().unwrap_or_default()],
        "alias_limit": options.alias_limit,
        "plan_sources": options.plan_sources,
        "limits": limits,
        "config_limits": [options.config.limits.timeout_ms, options.config.limits.memory_mb.map(|m| m as u64)],
    });
    crate::scan::cache::hex(&Sha256::digest(parts.to_string().as_bytes()))
}
#[cfg(test)]
mod tests {
    use super::ControlOwners;

    #[test]
    fn a_control_id_or_its_look_alike_belongs_to_the_first_plugin() {
        let mut owners = ControlOwners::default();
        owners
            .claim("workload", &["KUBER-L2-000070", "GK-K8sAllowedRepos/repos"])
            .expect("first");
        assert_eq!(
            owners.claim("late", &["ORG-1", "KUBER-L2-000070"]),
            Err("control KUBER-L2-000070 is already provided by plugin 'workload'".to_owned())
        );
        assert_eq!(
            owners.claim("late", &["GK-k8sallowedrepos/REPOS"]),
            Err("control GK-k8sallowedrepos/REPOS is a look-alike of GK-K8sAllowedRepos/repos, provided by plugin 'workload'".to_owned())
        );
        // A refused plugin claimed nothing: its other IDs stay free.
        owners.claim("org", &["ORG-1"]).expect("ORG-1 is free");
    }
}
