//! Kubelet settings, wherever they are written: one view of a `KubeletConfiguration`
//! (`/var/lib/kubelet/config.yaml`), an EKS `NodeConfig` (`spec.kubelet.config` and
//! `spec.kubelet.flags`) and a `KubeletFlags` document (the flags of a systemd drop-in or of
//! `kubeadm-flags.env`, as the host reads them).
//!
//! A kubelet STIG rule has two halves: the flag must not be given (a command-line flag
//! overrides the config file) and the config field must be right. Each document is judged on
//! its own: a `KubeletFlags` document has no config half, a `KubeletConfiguration` no flag half.

use serde_json::Value;

use crate::controlplane::{Flag, WhenAbsent};
use crate::{Document, Out};

/// What kind of document the settings come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// `kubelet.config.k8s.io` `KubeletConfiguration`: config at the root.
    Configuration,
    /// `node.eks.aws` `NodeConfig`: config under `/spec/kubelet/config`, flags under
    /// `/spec/kubelet/flags`.
    NodeConfig,
    /// The host's `KubeletFlags` document: flags only.
    Flags,
}

/// The kinds a kubelet control looks at.
pub const KINDS: &[&str] = &["KubeletConfiguration", "NodeConfig", "KubeletFlags"];

/// One document's kubelet settings.
#[derive(Clone, Debug)]
pub struct Kubelet<'a> {
    /// Where they come from.
    pub source: Source,
    doc: &'a Document,
    /// Pointer of the config object (`""` for a `KubeletConfiguration`), when there is one.
    config_base: Option<&'static str>,
    /// The flags, in order.
    pub flags: Vec<Flag>,
}

impl<'a> Kubelet<'a> {
    /// The kubelet settings of a document, if it carries any.
    #[must_use]
    pub fn of(doc: &'a Document) -> Option<Self> {
        let api_version = doc
            .hints
            .api_version
            .as_deref()
            .or_else(|| doc.json.get("apiVersion").and_then(Value::as_str))
            .unwrap_or("");
        let (source, config_base, flags) = match doc.kind() {
            "KubeletConfiguration"
                if api_version.is_empty() || api_version.starts_with("kubelet.config.k8s.io") =>
            {
                (Source::Configuration, Some(""), Vec::new())
            }
            "NodeConfig" if api_version.is_empty() || api_version.starts_with("node.eks.aws") => (
                Source::NodeConfig,
                Some("/spec/kubelet/config"),
                node_config_flags(&doc.json),
            ),
            "KubeletFlags" => (Source::Flags, None, host_flags(&doc.json)),
            _ => return None,
        };
        Some(Self {
            source,
            doc,
            config_base,
            flags,
        })
    }

    /// A flag by name (its last occurrence, as the kubelet reads it).
    #[must_use]
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags.iter().rev().find(|f| f.name == name)
    }

    /// Whether the document has a config half at all (not a `KubeletFlags` document).
    #[must_use]
    pub fn has_config(&self) -> bool {
        self.config_base.is_some()
    }

    /// A config field by its dotted path (`authentication.anonymous.enabled`), with its pointer.
    #[must_use]
    pub fn config(&self, path: &str) -> Option<(&'a Value, String)> {
        let base = self.config_base?;
        let pointer = field_pointer(base, path);
        self.doc.json.pointer(&pointer).map(|v| (v, pointer))
    }

    /// Where a finding about an absent config field points: the config object
    /// (`/spec/kubelet/config`, else `/spec/kubelet`, else `/spec` of a `NodeConfig`), or the
    /// `kind` line of a `KubeletConfiguration` (whose config is the whole document).
    #[must_use]
    pub fn config_pointer(&self) -> String {
        let candidates: &[&str] = match self.source {
            Source::Configuration => &["/kind"],
            Source::NodeConfig => &["/spec/kubelet/config", "/spec/kubelet", "/spec", "/kind"],
            Source::Flags => &["/flags", "/kind"],
        };
        candidates
            .iter()
            .find(|p| self.doc.json.pointer(p).is_some())
            .map_or_else(String::new, |p| (*p).to_owned())
    }

    /// Where a finding about an absent config field points: its deepest present parent object
    /// inside the config (`/authentication/anonymous` when `enabled` is missing), else
    /// [`Self::config_pointer`].
    #[must_use]
    pub fn missing_pointer(&self, path: &str) -> String {
        let Some(base) = self.config_base else {
            return self.config_pointer();
        };
        let parts: Vec<&str> = path.split('.').collect();
        for n in (1..parts.len()).rev() {
            let pointer = field_pointer(base, &parts[..n].join("."));
            if self
                .doc
                .json
                .pointer(&pointer)
                .is_some_and(Value::is_object)
            {
                return pointer;
            }
        }
        self.config_pointer()
    }

    /// `KubeletConfiguration` / `NodeConfig 'name'` / `kubelet` (for messages).
    #[must_use]
    pub fn describe(&self) -> String {
        match self.source {
            Source::Configuration => "KubeletConfiguration".to_owned(),
            Source::NodeConfig if self.doc.name().is_empty() => "NodeConfig".to_owned(),
            Source::NodeConfig => format!("NodeConfig '{}'", self.doc.name()),
            Source::Flags => "kubelet".to_owned(),
        }
    }
}

fn field_pointer(base: &str, path: &str) -> String {
    let mut pointer = base.to_owned();
    for token in path.split('.').filter(|t| !t.is_empty()) {
        pointer.push('/');
        pointer.push_str(&crate::escape_pointer(token));
    }
    pointer
}

/// `spec.kubelet.flags` of a `NodeConfig`: strings `--name=value` (or `--name value`, or a bare
/// `--name`).
fn node_config_flags(json: &Value) -> Vec<Flag> {
    let Some(items) = json
        .pointer("/spec/kubelet/flags")
        .and_then(Value::as_array)
    else {
        return Vec::new();
    };
    items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| {
            let text = item.as_str()?.trim();
            let body = text.strip_prefix("--").or_else(|| text.strip_prefix('-'))?;
            let (name, value) = match body.split_once(['=', ' ', '\t']) {
                Some((n, v)) => (n, Some(v.trim().to_owned())),
                None => (body, None),
            };
            (!name.is_empty()).then(|| Flag {
                name: name.to_owned(),
                value,
                pointer: format!("/spec/kubelet/flags/{i}"),
            })
        })
        .collect()
}

/// `flags` of the host's `KubeletFlags` document: `{"name": …, "value": …}` items.
fn host_flags(json: &Value) -> Vec<Flag> {
    let Some(items) = json.get("flags").and_then(Value::as_array) else {
        return Vec::new();
    };
    items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| {
            let name = item.get("name")?.as_str()?.trim_start_matches('-');
            let value = item.get("value").map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            });
            Some(Flag {
                name: name.to_owned(),
                value,
                pointer: format!("/flags/{i}"),
            })
        })
        .collect()
}

/// A config value for messages: strings in quotes, the rest as JSON.
#[must_use]
pub fn show(value: &Value) -> String {
    match value {
        Value::String(s) => format!("'{s}'"),
        other => other.to_string(),
    }
}

/// The flag half of a kubelet rule: `--name` given (and not `ok`) is a finding at the flag.
/// Returns whether there was one.
pub fn check_no_flag(
    doc: &Document,
    out: &mut Out,
    name: &str,
    ok: impl Fn(&Flag) -> bool,
) -> bool {
    let Some(kubelet) = Kubelet::of(doc) else {
        return false;
    };
    let Some(flag) = kubelet.flag(name).filter(|f| !ok(f)) else {
        return false;
    };
    let message = match &flag.value {
        Some(v) => format!("kubelet must not be started with --{name} (it is '{v}')"),
        None => format!("kubelet must not be started with --{name}"),
    };
    out.finding(&flag.pointer, message);
    true
}

/// The config half of a kubelet rule: the field at dotted `path` must satisfy `ok`; a bad value
/// is a finding at the value, an absent one (when `absent` says so) at its parent.
/// `requirement` completes "`KubeletConfiguration` must set `path` …" (e.g. "to 0").
pub fn check_config(
    doc: &Document,
    out: &mut Out,
    path: &str,
    absent: WhenAbsent,
    ok: impl Fn(&Value) -> bool,
    requirement: &str,
) {
    let Some(kubelet) = Kubelet::of(doc).filter(Kubelet::has_config) else {
        return;
    };
    match kubelet.config(path) {
        Some((value, pointer)) if !ok(value) => {
            out.finding(
                pointer,
                format!(
                    "{} must set {path} {requirement} (it is {})",
                    kubelet.describe(),
                    show(value)
                ),
            );
        }
        None if absent == WhenAbsent::Finding => {
            out.finding(
                kubelet.missing_pointer(path),
                format!(
                    "{} must set {path} {requirement} (it is not set)",
                    kubelet.describe()
                ),
            );
        }
        _ => {}
    }
}

/// Both halves of the usual kubelet rule: no `--flag` at all, and the config field at dotted
/// `field` satisfying `ok` (see [`check_config`]).
pub fn check_kubelet(
    doc: &Document,
    out: &mut Out,
    flag: &str,
    field: &str,
    absent: WhenAbsent,
    ok: impl Fn(&Value) -> bool,
    requirement: &str,
) {
    check_no_flag(doc, out, flag, |_| false);
    check_config(doc, out, field, absent, ok, requirement);
}

/// A non-empty string (a file path).
#[must_use]
pub fn non_empty_path(value: &Value) -> bool {
    value.as_str().is_some_and(|s| !s.trim().is_empty())
}

/// A Go duration (`4h0m0s`, `5m`, `300s`, `1.5h`, `0`) in seconds; `None` for anything Go
/// rejects, and for negative durations (no timeout setting accepts one).
#[must_use]
pub fn parse_duration(text: &str) -> Option<f64> {
    let text = text.trim();
    if text == "0" {
        return Some(0.0);
    }
    if text.is_empty() || text.starts_with('-') {
        return None;
    }
    let mut total = 0.0;
    let mut rest = text.strip_prefix('+').unwrap_or(text);
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" | "μs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += number * scale;
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Format, Hints};
    use serde_json::json;

    fn doc(format: Format, kind: &str, json: Value) -> Document {
        Document {
            id: 0,
            uri: String::new(),
            format,
            hints: Hints {
                kind: Some(kind.into()),
                ..Hints::default()
            },
            json,
        }
    }

    fn messages(out: &Out) -> Vec<(String, String)> {
        out.findings()
            .iter()
            .map(|f| (f.pointer.clone(), f.message.clone()))
            .collect()
    }

    #[test]
    fn kubelet_configuration_fields() {
        let d = doc(
            Format::K8s,
            "KubeletConfiguration",
            json!({"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration",
                   "readOnlyPort": 10255, "authentication": {"anonymous": {}}}),
        );
        let k = Kubelet::of(&d).expect("kubelet");
        assert_eq!(k.source, Source::Configuration);
        assert_eq!(
            k.config("readOnlyPort").map(|(v, p)| (v.clone(), p)),
            Some((json!(10255), "/readOnlyPort".to_owned()))
        );
        assert!(k.config("authentication.anonymous.enabled").is_none());
        assert_eq!(
            k.missing_pointer("authentication.anonymous.enabled"),
            "/authentication/anonymous"
        );
        assert_eq!(k.missing_pointer("protectKernelDefaults"), "/kind");
        assert!(k.flag("read-only-port").is_none());

        let mut out = Out::new("X", 0);
        check_kubelet(
            &d,
            &mut out,
            "read-only-port",
            "readOnlyPort",
            WhenAbsent::Fine,
            |v| v.as_i64() == Some(0),
            "to 0",
        );
        check_config(
            &d,
            &mut out,
            "authentication.anonymous.enabled",
            WhenAbsent::Finding,
            |v| v == &Value::Bool(false),
            "to false",
        );
        assert_eq!(
            messages(&out),
            vec![
                (
                    "/readOnlyPort".to_owned(),
                    "KubeletConfiguration must set readOnlyPort to 0 (it is 10255)".to_owned()
                ),
                (
                    "/authentication/anonymous".to_owned(),
                    "KubeletConfiguration must set authentication.anonymous.enabled to false (it is not set)"
                        .to_owned()
                ),
            ]
        );
    }

    #[test]
    fn node_config_flags_and_config() {
        let d = doc(
            Format::K8s,
            "NodeConfig",
            json!({"apiVersion": "node.eks.aws/v1alpha1", "kind": "NodeConfig",
                   "spec": {"kubelet": {"flags": ["--hostname-override=n1", "--node-labels=a=b", "--register-node"],
                                        "config": {"tlsCertFile": ""}}}}),
        );
        let k = Kubelet::of(&d).expect("kubelet");
        assert_eq!(k.source, Source::NodeConfig);
        assert_eq!(
            k.flag("hostname-override")
                .map(|f| (f.text(), f.pointer.as_str())),
            Some(("n1", "/spec/kubelet/flags/0"))
        );
        assert_eq!(k.flag("node-labels").map(Flag::text), Some("a=b"));
        assert_eq!(k.flag("register-node").map(|f| f.value.clone()), Some(None));
        assert_eq!(k.config_pointer(), "/spec/kubelet/config");
        let mut out = Out::new("X", 0);
        check_no_flag(&d, &mut out, "hostname-override", |_| false);
        check_kubelet(
            &d,
            &mut out,
            "tls-cert-file",
            "tlsCertFile",
            WhenAbsent::Finding,
            non_empty_path,
            "to a non-empty path",
        );
        assert_eq!(
            messages(&out),
            vec![
                (
                    "/spec/kubelet/flags/0".to_owned(),
                    "kubelet must not be started with --hostname-override (it is 'n1')".to_owned()
                ),
                (
                    "/spec/kubelet/config/tlsCertFile".to_owned(),
                    "NodeConfig must set tlsCertFile to a non-empty path (it is '')".to_owned()
                ),
            ]
        );

        let bare = doc(
            Format::K8s,
            "NodeConfig",
            json!({"apiVersion": "node.eks.aws/v1alpha1", "kind": "NodeConfig", "spec": {"cluster": {}}}),
        );
        assert_eq!(Kubelet::of(&bare).expect("k").config_pointer(), "/spec");
    }

    #[test]
    fn host_kubelet_flags() {
        let d = doc(
            Format::Kubelet,
            "KubeletFlags",
            json!({"apiVersion": "stiglint.dev/v1", "kind": "KubeletFlags",
                   "flags": [{"name": "hostname-override", "value": "node1"},
                             {"name": "read-only-port", "value": "0"},
                             {"name": "rotate-certificates"}]}),
        );
        let k = Kubelet::of(&d).expect("kubelet");
        assert_eq!(k.source, Source::Flags);
        assert!(!k.has_config());
        assert!(k.config("readOnlyPort").is_none());
        assert_eq!(
            k.flag("rotate-certificates").map(|f| f.pointer.as_str()),
            Some("/flags/2")
        );
        let mut out = Out::new("X", 0);
        assert!(!check_no_flag(&d, &mut out, "read-only-port", |f| f.text() == "0"));
        check_kubelet(
            &d,
            &mut out,
            "protect-kernel-defaults",
            "protectKernelDefaults",
            WhenAbsent::Finding,
            |v| v == &Value::Bool(true),
            "to true",
        );
        assert!(out.findings().is_empty(), "no config half in a flags file");
        assert!(Kubelet::of(&doc(Format::K8s, "Pod", json!({}))).is_none());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("4h0m0s"), Some(14_400.0));
        assert_eq!(parse_duration("5m"), Some(300.0));
        assert_eq!(parse_duration("1m30s"), Some(90.0));
        assert_eq!(parse_duration("1.5h"), Some(5_400.0));
        assert_eq!(parse_duration("0"), Some(0.0));
        assert_eq!(parse_duration("500ms"), Some(0.5));
        assert_eq!(parse_duration("five"), None);
        assert_eq!(parse_duration("5"), None);
        assert_eq!(parse_duration(""), None);
        assert_eq!(
            parse_duration("-1s"),
            None,
            "negative durations are not accepted"
        );
        assert_eq!(parse_duration("true"), None);
    }
}
