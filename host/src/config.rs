//! `stiglint.toml`: found upward from the working directory, or named with `--config`.
//! Unknown keys are errors (with file, line and column), never ignored.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::runtime::Severity;

/// The file name looked for.
pub const FILE_NAME: &str = "stiglint.toml";

/// Errors reading the configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("{path}: cannot read: {source}")]
    Read {
        /// File.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A Gatekeeper policy named in it (or with `--policy`) cannot be read.
    #[error("{0}")]
    Policy(String),
    /// The file is not valid.
    #[error("{path}:{line}:{column}: {message}")]
    Invalid {
        /// File.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
}

/// An extra plugin named in the configuration.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PluginEntry {
    /// Path of the `.wasm` file (relative to the configuration file).
    pub path: PathBuf,
}

/// Sandbox limits.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LimitsConfig {
    /// Wall-clock budget of one plugin call, in milliseconds.
    pub timeout_ms: Option<u64>,
    /// Memory cap of one plugin instance, in MiB.
    pub memory_mb: Option<usize>,
    /// Facts one plugin may keep for its cross-document controls in one scan, in MiB.
    pub facts_mb: Option<usize>,
}

/// What the admission webhook does when it cannot judge a request (a plugin error or timeout,
/// an unknown namespace): Kubernetes' `failurePolicy`, answered by the webhook itself.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum OnError {
    /// Refuse the request (the default: fail closed).
    #[default]
    Deny,
    /// Admit it, with a warning that says why it was not judged.
    Allow,
}

/// `[serve]`: the admission webhook (`stiglint serve`).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ServeConfig {
    /// Findings enforced as `deny` at or above this severity refuse the request (default: the
    /// configuration's `fail-on`, else `low`); every other finding is returned as a warning.
    pub deny: Option<Severity>,
    /// What a request that cannot be judged gets (default `deny`).
    #[serde(default)]
    pub on_error: OnError,
    /// Namespace manifests (paths or globs relative to this file) whose labels (Pod Security
    /// levels) apply at admission outside a cluster.
    #[serde(default)]
    pub namespaces: Vec<String>,
    /// Largest request body accepted (default 3 MiB, etcd's object limit).
    pub max_body_size: Option<Size>,
}

/// The configuration.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// Lowest severity that fails the run.
    pub fail_on: Option<Severity>,
    /// A control that cannot decide fails the run (`--strict`).
    #[serde(default)]
    pub strict: bool,
    /// Controls to run (IDs, Vuln IDs or ID prefixes); all when absent.
    pub select: Option<Vec<String>>,
    /// Controls not to run.
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Namespace objects without one are deployed to.
    pub namespace: Option<String>,
    /// Kubernetes version the manifests target (`1.31`).
    pub k8s_version: Option<String>,
    /// Extra plugins.
    #[serde(default)]
    pub plugins: Vec<PluginEntry>,
    /// Sandbox limits.
    #[serde(default)]
    pub limits: LimitsConfig,
    /// Per-file input size cap: bytes, or a size such as `"64MiB"` (default 64 MiB).
    pub max_file_size: Option<Size>,
    /// Per-control settings: `[controls."KUBER-L2-000010"]`.
    #[serde(default)]
    pub controls: BTreeMap<String, toml::Table>,
    /// Per-plugin settings: `[plugin-settings.<plugin name>]`.
    #[serde(default)]
    pub plugin_settings: BTreeMap<String, toml::Table>,
    /// Waivers: `[[waivers]]`.
    #[serde(default)]
    pub waivers: Vec<toml::Spanned<crate::waivers::Entry>>,
    /// A separate file of `[[waivers]]`, relative to this one.
    pub waivers_file: Option<PathBuf>,
    /// Whether inline `# stiglint:waive` comments count (default true).
    pub inline_waivers: Option<bool>,
    /// Waivers expiring within this many days are warned about (default 30).
    pub waiver_warn_days: Option<i64>,
    /// `stiglint serve`: the admission webhook's decisions.
    #[serde(default)]
    pub serve: ServeConfig,
    /// The waivers with `(file, line)`, read from this file and the waivers file (not a key).
    #[serde(skip)]
    pub waiver_entries: Vec<(crate::waivers::Entry, String, u32)>,
    /// Gatekeeper policy documents read from `[plugin-settings.gatekeeper] policies` and
    /// `--policy` (not a key): the `gatekeeper` plugin's `policies` setting.
    #[serde(skip)]
    pub policies: Vec<serde_json::Value>,
    /// The directory of the file, for relative paths (not a key).
    #[serde(skip)]
    pub base_dir: PathBuf,
    /// The file it came from (not a key).
    #[serde(skip)]
    pub path: Option<PathBuf>,
}

/// A size in bytes, written as a number of bytes or with a unit (`"64MiB"`, `"1G"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Size(pub u64);

impl<'de> Deserialize<'de> for Size {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Bytes(u64),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Bytes(n) => Ok(Size(n)),
            Raw::Text(t) => parse_size(&t).map(Size).map_err(serde::de::Error::custom),
        }
    }
}

/// A size: a number of bytes, or a number with a unit (`K`, `M`, `G`, `KiB`, `MiB`, `GiB`,
/// `KB`, `MB`, `GB`: all powers of 1024).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("'{text}' is not a size (bytes, or a number with K, M or G)"))?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        _ => return Err(format!("'{text}': unknown size unit (use K, M or G)")),
    };
    n.checked_mul(1 << shift)
        .ok_or_else(|| format!("'{text}' is too large"))
}

impl Config {
    /// Parse configuration text.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let mut config: Config = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map_or((1, 1), |s| line_col(text, s.start));
            ConfigError::Invalid {
                path: path.to_path_buf(),
                line,
                column,
                message: e.message().to_owned(),
            }
        })?;
        config.base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        config.path = Some(path.to_path_buf());
        if let Some(list) = config
            .plugin_settings
            .get(crate::gatekeeper::PLUGIN)
            .and_then(|t| t.get("policies"))
        {
            let bad = || {
                ConfigError::Policy(format!(
                    "{}: [plugin-settings.gatekeeper] policies must be a list of paths",
                    path.display()
                ))
            };
            let paths = list
                .as_array()
                .ok_or_else(bad)?
                .iter()
                .map(|p| p.as_str().map(|p| config.base_dir.join(p)).ok_or_else(bad))
                .collect::<Result<Vec<_>, _>>()?;
            config.add_policies(&paths)?;
        }
        let name = path.display().to_string();
        config.waiver_entries = std::mem::take(&mut config.waivers)
            .into_iter()
            .map(|w| {
                let (line, _) = line_col(text, w.span().start);
                (
                    w.into_inner(),
                    name.clone(),
                    u32::try_from(line).unwrap_or(1),
                )
            })
            .collect();
        if let Some(file) = &config.waivers_file {
            let file = config.base_dir.join(file);
            let text = std::fs::read_to_string(&file).map_err(|source| ConfigError::Read {
                path: file.clone(),
                source,
            })?;
            let parsed: WaiversFile = toml::from_str(&text).map_err(|e| {
                let (line, column) = e.span().map_or((1, 1), |s| line_col(&text, s.start));
                ConfigError::Invalid {
                    path: file.clone(),
                    line,
                    column,
                    message: e.message().to_owned(),
                }
            })?;
            let name = file.display().to_string();
            config
                .waiver_entries
                .extend(parsed.waivers.into_iter().map(|w| {
                    let (line, _) = line_col(&text, w.span().start);
                    (
                        w.into_inner(),
                        name.clone(),
                        u32::try_from(line).unwrap_or(1),
                    )
                }));
        }
        Ok(config)
    }

    /// Read a configuration file.
    pub fn read(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// The nearest `stiglint.toml` in `start` or above.
    #[must_use]
    pub fn find(start: &Path) -> Option<PathBuf> {
        start
            .ancestors()
            .map(|d| d.join(FILE_NAME))
            .find(|p| p.is_file())
    }

    /// The settings a plugin gets, as JSON: `{"controls": {...}, "plugin": {...}}`.
    #[must_use]
    pub fn plugin_settings_json(&self, plugin: &str) -> String {
        let controls: serde_json::Map<String, serde_json::Value> = self
            .controls
            .iter()
            .map(|(id, t)| (id.clone(), toml_to_json(t)))
            .collect();
        let mut own = self
            .plugin_settings
            .get(plugin)
            .map_or_else(|| serde_json::json!({}), toml_to_json);
        // The host reads the policy files; the plugin gets their documents.
        if plugin == crate::gatekeeper::PLUGIN
            && let Some(map) = own.as_object_mut()
        {
            map.remove("policies");
            if !self.policies.is_empty() {
                map.insert(
                    "policies".to_owned(),
                    serde_json::Value::Array(self.policies.clone()),
                );
            }
        }
        serde_json::json!({"controls": controls, "plugin": own}).to_string()
    }

    /// Read Gatekeeper policies (`--policy`) into the `gatekeeper` plugin's settings.
    pub fn add_policies(&mut self, paths: &[PathBuf]) -> Result<(), ConfigError> {
        let more =
            crate::gatekeeper::load(paths).map_err(|e| ConfigError::Policy(e.to_string()))?;
        self.policies.extend(more);
        Ok(())
    }

    /// Plugin paths, resolved against the configuration's directory.
    #[must_use]
    pub fn plugin_paths(&self) -> Vec<PathBuf> {
        self.plugins
            .iter()
            .map(|p| self.base_dir.join(&p.path))
            .collect()
    }
}

/// A separate waivers file: only `[[waivers]]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WaiversFile {
    #[serde(default)]
    waivers: Vec<toml::Spanned<crate::waivers::Entry>>,
}

fn toml_to_json(t: &toml::Table) -> serde_json::Value {
    serde_json::to_value(t).unwrap_or_default()
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects_unknown_keys() {
        let c = Config::parse(
            "fail-on = \"high\"\nignore = [\"CNTR-K8-000290\"]\n[controls.\"KUBER-L2-000010\"]\nallowed-registries = [\"a/\"]\n",
            Path::new("/x/stiglint.toml"),
        )
        .expect("valid");
        assert_eq!(c.fail_on, Some(Severity::High));
        assert!(
            c.plugin_settings_json("workload")
                .contains("allowed-registries")
        );
        let e = Config::parse("fail-on = \"high\"\nbogus = 1\n", Path::new("s.toml"))
            .expect_err("unknown key");
        let text = e.to_string();
        assert!(text.starts_with("s.toml:2:1: "), "{text}");
        assert!(text.contains("bogus"), "{text}");
    }
}
