//! Where the level comes from: a Namespace's `pod-security.kubernetes.io/*` labels, else a
//! `PodSecurityConfiguration` (in the scan, or inline in `stiglint.toml`), else the default
//! (`[plugin-settings.workload] pss-default-level`, `pss-default-version`).

use std::collections::BTreeSet;

use stiglint_sdk::{Document, Enforcement, Value, json};

use super::{LATEST, Level};

/// A level and a policy version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LevelVersion {
    /// The level.
    pub level: Level,
    /// The minor version judged (`latest` and future versions: [`LATEST`]).
    pub minor: u32,
    /// The version as written (`latest`, `v1.30`).
    pub label: String,
}

/// The scan's defaults and exemptions.
#[derive(Clone, Debug)]
pub struct Defaults {
    /// `enforce`, `warn`, `audit` levels and versions (`privileged` judges nothing).
    pub modes: [(Enforcement, Option<String>, Option<String>); 3],
    /// Namespaces exempt from Pod Security (`exemptions.namespaces`).
    pub exempt: BTreeSet<String>,
}

const MODES: [(&str, Enforcement); 3] = [
    ("enforce", Enforcement::Deny),
    ("warn", Enforcement::Warn),
    ("audit", Enforcement::Audit),
];

const PREFIX: &str = "pod-security.kubernetes.io/";

impl Default for Defaults {
    fn default() -> Self {
        Self {
            modes: [
                (
                    Enforcement::Deny,
                    Some("baseline".into()),
                    Some("latest".into()),
                ),
                (Enforcement::Warn, None, None),
                (Enforcement::Audit, None, None),
            ],
            exempt: BTreeSet::new(),
        }
    }
}

/// Parse a version: `latest`, `v1.N`. An unknown future version is judged as the newest
/// known one, with a note; a malformed one likewise.
fn version(text: &str, problems: &mut Vec<String>) -> (u32, String) {
    if text == "latest" {
        return (LATEST, text.to_owned());
    }
    let minor = text.strip_prefix("v1.").and_then(|m| m.parse::<u32>().ok());
    match minor {
        Some(m) if m <= LATEST => (m, text.to_owned()),
        Some(_) => {
            problems.push(format!(
                "Pod Security version {text} is newer than the newest stiglint knows (v1.{LATEST}): judged as latest"
            ));
            (LATEST, text.to_owned())
        }
        None => {
            problems.push(format!(
                "Pod Security version '{text}' is not `latest` or `v1.<minor>`: judged as latest"
            ));
            (LATEST, "latest".to_owned())
        }
    }
}

impl Defaults {
    /// The defaults from the plugin's settings: `pss-default-level`, `pss-default-version`,
    /// and `pss-configuration` (a `PodSecurityConfiguration`'s `defaults` and `exemptions`).
    ///
    /// # Errors
    /// A setting of the wrong type or value, named.
    pub fn from_settings(plugin: &Value) -> Result<Self, String> {
        const KEYS: &[&str] = &[
            "pss-default-level",
            "pss-default-version",
            "pss-configuration",
        ];
        let mut d = Self::default();
        match plugin {
            Value::Null => return Ok(d),
            Value::Object(map) => {
                if let Some(bad) = map.keys().find(|k| !KEYS.contains(&k.as_str())) {
                    return Err(format!(
                        "[plugin-settings.workload]: unknown setting `{bad}` (expected {})",
                        KEYS.join(", ")
                    ));
                }
            }
            _ => return Err("[plugin-settings.workload] must be a table".to_owned()),
        }
        if let Some(level) = plugin.get("pss-default-level") {
            let l = level
                .as_str()
                .filter(|l| Level::parse(l).is_some())
                .ok_or_else(|| {
                    format!("pss-default-level: {level} is not privileged, baseline or restricted")
                })?;
            d.modes[0].1 = Some(l.to_owned());
        }
        if let Some(v) = plugin.get("pss-default-version") {
            let text = v
                .as_str()
                .ok_or_else(|| format!("pss-default-version: {v} is not a string"))?;
            let mut problems = Vec::new();
            version(text, &mut problems);
            if text != "latest"
                && text
                    .strip_prefix("v1.")
                    .and_then(|m| m.parse::<u32>().ok())
                    .is_none()
            {
                return Err(format!(
                    "pss-default-version: '{text}' is not `latest` or `v1.<minor>`"
                ));
            }
            d.modes[0].2 = Some(text.to_owned());
        }
        if let Some(cfg) = plugin.get("pss-configuration") {
            let parsed = config_of(cfg).ok_or_else(|| {
                "pss-configuration: not a PodSecurityConfiguration (`defaults`, `exemptions`)"
                    .to_owned()
            })?;
            d.merge_config(&parsed);
        }
        Ok(d)
    }

    /// Take a configuration's defaults and exemptions (from [`admission_config`]).
    pub fn merge_config(&mut self, cfg: &Value) {
        for (i, (name, _)) in MODES.iter().enumerate() {
            if let Some(l) = cfg["defaults"][*name].as_str() {
                self.modes[i].1 = Some(l.to_owned());
            }
            if let Some(v) = cfg["defaults"][format!("{name}-version")].as_str() {
                self.modes[i].2 = Some(v.to_owned());
            }
        }
        if let Some(ns) = cfg["exempt"].as_array() {
            self.exempt
                .extend(ns.iter().filter_map(Value::as_str).map(str::to_owned));
        }
    }

    fn resolve(
        enforcement: Enforcement,
        level: Option<&str>,
        version_text: Option<&str>,
        problems: &mut Vec<String>,
    ) -> Option<(Enforcement, LevelVersion)> {
        let level = match level {
            None => return None,
            Some(l) => Level::parse(l).unwrap_or_else(|| {
                problems.push(format!(
                    "Pod Security level '{l}' is not privileged, baseline or restricted: judged as restricted, as admission does"
                ));
                Level::Restricted
            }),
        };
        if level == Level::Privileged {
            return None;
        }
        let (minor, label) = version(version_text.unwrap_or("latest"), problems);
        Some((
            enforcement,
            LevelVersion {
                level,
                minor,
                label,
            },
        ))
    }

    /// The modes of a namespace without labels.
    #[must_use]
    pub fn default_modes(&self) -> Vec<(Enforcement, LevelVersion)> {
        let mut ignored = Vec::new();
        self.modes
            .iter()
            .filter_map(|(e, l, v)| Self::resolve(*e, l.as_deref(), v.as_deref(), &mut ignored))
            .collect()
    }

    /// The modes of a namespace with these `pod-security.kubernetes.io/*` labels, and what is
    /// wrong with them.
    #[must_use]
    pub fn modes(&self, labels: &Value) -> (Vec<(Enforcement, LevelVersion)>, Vec<String>) {
        let mut problems = Vec::new();
        let mut out = Vec::new();
        for (i, (name, e)) in MODES.iter().enumerate() {
            let level = labels
                .get(*name)
                .and_then(Value::as_str)
                .or(self.modes[i].1.as_deref());
            let version = labels
                .get(format!("{name}-version"))
                .and_then(Value::as_str)
                .or(self.modes[i].2.as_deref());
            out.extend(Self::resolve(*e, level, version, &mut problems));
        }
        (out, problems)
    }
}

/// A Namespace's `pod-security.kubernetes.io/*` labels, without the prefix.
#[must_use]
pub fn namespace_labels(doc: &Document) -> serde_json::Map<String, Value> {
    doc.json
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
        .map(|labels| {
            labels
                .iter()
                .filter_map(|(k, v)| Some((k.strip_prefix(PREFIX)?.to_owned(), v.clone())))
                .collect()
        })
        .unwrap_or_default()
}

/// A `PodSecurityConfiguration`'s `defaults` and `exemptions.namespaces`.
fn config_of(cfg: &Value) -> Option<Value> {
    let defaults = cfg.get("defaults").cloned().unwrap_or_else(|| json!({}));
    let exempt = cfg
        .pointer("/exemptions/namespaces")
        .cloned()
        .unwrap_or_else(|| json!([]));
    (defaults.is_object() && exempt.is_array())
        .then(|| json!({"defaults": defaults, "exempt": exempt}))
}

/// The Pod Security configuration of an `AdmissionConfiguration` (its `PodSecurity` plugin's
/// inline `configuration`) or of a bare `PodSecurityConfiguration`.
#[must_use]
pub fn admission_config(doc: &Document) -> Option<Value> {
    if doc.kind() == "PodSecurityConfiguration" {
        return config_of(&doc.json);
    }
    doc.json
        .get("plugins")?
        .as_array()?
        .iter()
        .find(|p| p["name"] == "PodSecurity")
        .and_then(|p| p.get("configuration"))
        .and_then(config_of)
}
