//! Control-plane static pods: which component a Pod is (kube-apiserver, kube-controller-manager,
//! kube-scheduler, etcd) and the flags its container runs with.
//!
//! A component is recognised by `metadata.labels.component`, the basename of `command[0]`, or
//! the image's repository name. Flags come from `command` then `args`, written `--flag=value`,
//! `--flag value` or `--flag` (a boolean); a shell wrapper (`sh -c "kube-apiserver --a=b"`) is
//! split on blanks. A flag given twice counts as its last value, as the Go flag package reads it.

use std::cell::RefCell;
use std::rc::Rc;

use serde_json::Value;

use crate::Document;
use crate::k8s::{Container, ImageRef, PodSpec};

/// A control-plane component.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Component {
    /// `kube-apiserver`.
    ApiServer,
    /// `kube-controller-manager`.
    ControllerManager,
    /// `kube-scheduler`.
    Scheduler,
    /// `etcd`.
    Etcd,
}

impl Component {
    /// The component's binary and label name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::ApiServer => "kube-apiserver",
            Self::ControllerManager => "kube-controller-manager",
            Self::Scheduler => "kube-scheduler",
            Self::Etcd => "etcd",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        [
            Self::ApiServer,
            Self::ControllerManager,
            Self::Scheduler,
            Self::Etcd,
        ]
        .into_iter()
        .find(|c| c.name() == name)
    }
}

/// One flag as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flag {
    /// Name without dashes (`anonymous-auth`).
    pub name: String,
    /// Value; `None` for a bare boolean flag (`--profiling`), which means `true`.
    pub value: Option<String>,
    /// Pointer of the `command`/`args` item that holds it.
    pub pointer: String,
}

impl Flag {
    /// The value, with a bare flag reading `true`.
    #[must_use]
    pub fn text(&self) -> &str {
        self.value.as_deref().unwrap_or("true")
    }

    /// The value as a comma-separated list (admission plugins, cipher suites, feature gates).
    #[must_use]
    pub fn list(&self) -> Vec<&str> {
        self.text()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect()
    }

    /// The value as a boolean (`true`/`false`, any case), if it is one.
    #[must_use]
    pub fn as_bool(&self) -> Option<bool> {
        match self.text().to_ascii_lowercase().as_str() {
            "true" | "1" | "t" => Some(true),
            "false" | "0" | "f" => Some(false),
            _ => None,
        }
    }

    /// A `key=value` list (`--feature-gates=A=true,B=false`) looked up by key.
    #[must_use]
    pub fn map_value(&self, key: &str) -> Option<&str> {
        self.list().into_iter().find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            (k.trim() == key).then_some(v.trim())
        })
    }
}

/// A static pod's component container and its flags.
#[derive(Clone, Debug)]
pub struct StaticPod<'a> {
    /// The component.
    pub component: Component,
    /// Its container.
    pub container: Container<'a>,
    /// Its flags, in order.
    pub flags: Rc<[Flag]>,
}

/// What `StaticPod::of` found for a document: component, container ordinal, flags (`None`: not
/// a static pod).
type Analysis = Option<(Component, usize, Rc<[Flag]>)>;

struct Memo {
    enabled: bool,
    doc: Option<u32>,
    analysis: Analysis,
}

thread_local! {
    /// The analysis of the document being judged. Every control-plane control of a plugin asks
    /// for the same pod in turn; it is parsed once. On only inside the SDK's glue, which calls
    /// [`begin_document`] before each document (document IDs are unique within a call).
    static MEMO: RefCell<Memo> = const {
        RefCell::new(Memo {
            enabled: false,
            doc: None,
            analysis: None,
        })
    };
}

/// Start judging a new document: forget the last one's static pod analysis.
#[doc(hidden)]
pub fn begin_document() {
    MEMO.with(|m| {
        let mut m = m.borrow_mut();
        m.enabled = true;
        m.doc = None;
        m.analysis = None;
    });
}

impl<'a> StaticPod<'a> {
    /// The component container of a Pod, if the Pod is a control-plane component.
    #[must_use]
    pub fn of(doc: &'a Document) -> Option<Self> {
        if doc.kind() != "Pod" {
            return None;
        }
        let pod = PodSpec::of(doc)?;
        let cached = MEMO.with(|m| {
            let m = m.borrow();
            (m.enabled && m.doc == Some(doc.id)).then(|| m.analysis.clone())
        });
        let analysis = cached.unwrap_or_else(|| {
            let analysis = analyse(doc, &pod);
            MEMO.with(|m| {
                let mut m = m.borrow_mut();
                if m.enabled {
                    m.doc = Some(doc.id);
                    m.analysis.clone_from(&analysis);
                }
            });
            analysis
        });
        let (component, ordinal, flags) = analysis?;
        Some(Self {
            component,
            container: pod.containers().nth(ordinal)?,
            flags,
        })
    }

    /// A flag by name (its last occurrence).
    #[must_use]
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags.iter().rev().find(|f| f.name == name)
    }

    /// A feature gate's value and the `--feature-gates` flag that sets it. `--feature-gates` may
    /// be given more than once: the components merge every occurrence, a later one winning.
    #[must_use]
    pub fn feature_gate(&self, gate: &str) -> Option<(&Flag, &str)> {
        self.flags
            .iter()
            .rev()
            .filter(|f| f.name == "feature-gates")
            .find_map(|f| f.map_value(gate).map(|v| (f, v)))
    }

    /// Where a finding about a *missing* flag points: the container's `command` key (else
    /// `args`, else the container).
    #[must_use]
    pub fn missing_pointer(&self) -> String {
        ["command", "args"]
            .into_iter()
            .find(|k| self.container.value.get(*k).is_some())
            .map_or_else(
                || self.container.pointer.clone(),
                |k| self.container.pointer_to(k),
            )
    }

    /// The Kubernetes version this component runs: the tag of its image (`v1.31.2` → 1.31).
    #[must_use]
    pub fn version(&self) -> Option<(u32, u32)> {
        self.container
            .image()
            .and_then(|i| ImageRef::parse(i).tag)
            .and_then(|t| parse_version(&t))
    }

    /// The version a rule should assume: the image tag's, else the scan's (`--k8s-version`).
    #[must_use]
    pub fn version_or(&self, scan: &crate::ScanContext) -> Option<(u32, u32)> {
        self.version()
            .or_else(|| scan.k8s_version.as_deref().and_then(parse_version))
    }

    /// `kube-apiserver` (for messages).
    #[must_use]
    pub fn describe(&self) -> &'static str {
        self.component.name()
    }
}

/// `v1.31.2`, `1.31`, `1.31.0-eks-1234` → `(1, 31)`.
#[must_use]
pub fn parse_version(text: &str) -> Option<(u32, u32)> {
    let mut parts = text.trim().trim_start_matches('v').split(['.', '-', '+']);
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

/// What an absent flag means for a rule (the STIG check text decides, rule by rule).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WhenAbsent {
    /// The flag must be set explicitly: absent is a finding (at the `command` key).
    Finding,
    /// Only a bad value is a finding.
    Fine,
}

/// The common shape of a flag rule: on each `component` static pod, the flag `name` must
/// satisfy `ok`. A bad value is a finding at the flag's item; an absent flag is one at the
/// container's `command` when `absent` says so. `requirement` completes "kube-apiserver must
/// set --name …" (e.g. "to `VersionTLS12` or `VersionTLS13`").
pub fn check_flag(
    doc: &Document,
    out: &mut crate::Out,
    component: Component,
    name: &str,
    absent: WhenAbsent,
    ok: impl Fn(&Flag) -> bool,
    requirement: &str,
) {
    let Some(pod) = StaticPod::of(doc).filter(|p| p.component == component) else {
        return;
    };
    match pod.flag(name) {
        Some(flag) if !ok(flag) => {
            out.finding(
                &flag.pointer,
                format!(
                    "{} must set --{name} {requirement} (it is '{}')",
                    pod.describe(),
                    flag.text()
                ),
            );
        }
        None if absent == WhenAbsent::Finding => {
            out.finding(
                pod.missing_pointer(),
                format!(
                    "{} must set --{name} {requirement} (it is not set)",
                    pod.describe()
                ),
            );
        }
        _ => {}
    }
}

/// A flag rule whose value must be a non-empty path (`--root-ca-file`, etcd's `--cert-file`):
/// absent, empty (`--key-file=`, `--key-file=""`) or without a value at all is a finding.
pub fn check_path_flag(doc: &Document, out: &mut crate::Out, component: Component, name: &str) {
    let Some(pod) = StaticPod::of(doc).filter(|p| p.component == component) else {
        return;
    };
    let state = match pod.flag(name) {
        None => Some((pod.missing_pointer(), "it is not set")),
        Some(flag) => flag
            .value
            .as_deref()
            .map(|v| v.trim().trim_matches(['"', '\'']))
            .is_none_or(str::is_empty)
            .then(|| (flag.pointer.clone(), "it is empty")),
    };
    if let Some((pointer, why)) = state {
        out.finding(
            pointer,
            format!(
                "{} must set --{name} to a non-empty path ({why})",
                pod.describe()
            ),
        );
    }
}

/// Which container of a Pod is a control-plane component, and its flags.
fn analyse(doc: &Document, pod: &PodSpec<'_>) -> Analysis {
    let label = doc.label("component").and_then(Component::from_name);
    let found = pod.containers().enumerate().find_map(|(i, c)| {
        let by_command = c
            .value
            .get("command")
            .and_then(Value::as_array)
            .and_then(|a| a.first())
            .and_then(Value::as_str)
            .and_then(|s| s.split_whitespace().next())
            .map(|s| s.rsplit('/').next().unwrap_or(s))
            .and_then(Component::from_name);
        let by_image = c.image().and_then(|i| {
            let repo = ImageRef::parse(i).repository;
            Component::from_name(repo.rsplit('/').next().unwrap_or(&repo))
        });
        by_command.or(by_image).map(|component| (component, i, c))
    });
    // The label alone names the pod, not the container: take its first container.
    let (component, ordinal, container) =
        found.or_else(|| Some((label?, 0, pod.containers().next()?)))?;
    Some((component, ordinal, flags_of(&container).into()))
}

/// Every flag of a container's `command` and `args`.
#[must_use]
pub fn flags_of(container: &Container<'_>) -> Vec<Flag> {
    let mut words: Vec<(String, String)> = Vec::new();
    for field in ["command", "args"] {
        let Some(items) = container.value.get(field).and_then(Value::as_array) else {
            continue;
        };
        for (i, item) in items.iter().enumerate() {
            let Some(text) = item.as_str() else { continue };
            let pointer = container.pointer_to(&format!("{field}/{i}"));
            if text.contains(char::is_whitespace) && text.contains("--") {
                words.extend(
                    text.split_whitespace()
                        .map(|w| (w.to_owned(), pointer.clone())),
                );
            } else {
                words.push((text.to_owned(), pointer));
            }
        }
    }
    let mut flags = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let (word, pointer) = &words[i];
        i += 1;
        let Some(body) = word
            .strip_prefix("--")
            .or_else(|| word.strip_prefix('-').filter(|b| b.len() > 1))
        else {
            continue;
        };
        let (name, value) = match body.split_once('=') {
            Some((n, v)) => (n.to_owned(), Some(v.to_owned())),
            None => match words.get(i) {
                Some((next, _)) if !next.starts_with('-') => {
                    i += 1;
                    (body.to_owned(), Some(next.clone()))
                }
                _ => (body.to_owned(), None),
            },
        };
        flags.push(Flag {
            name,
            value,
            pointer: pointer.clone(),
        });
    }
    flags
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Format, Hints};
    use serde_json::json;

    fn pod(json: Value) -> Document {
        Document {
            id: 0,
            uri: String::new(),
            format: Format::K8s,
            hints: Hints {
                kind: Some("Pod".into()),
                ..Hints::default()
            },
            json,
        }
    }

    #[test]
    fn kubeadm_apiserver_flags() {
        let doc = pod(
            json!({"metadata": {"labels": {"component": "kube-apiserver"}},
            "spec": {"containers": [{"name": "kube-apiserver", "image": "registry.k8s.io/kube-apiserver:v1.31.2",
            "command": ["kube-apiserver", "--anonymous-auth=false", "--enable-admission-plugins=NodeRestriction,PodSecurity",
                        "--profiling", "--tls-min-version", "VersionTLS12", "--anonymous-auth=true"]}]}}),
        );
        let sp = StaticPod::of(&doc).expect("static pod");
        assert_eq!(sp.component, Component::ApiServer);
        assert_eq!(
            sp.flag("anonymous-auth").map(Flag::as_bool),
            Some(Some(true)),
            "last wins"
        );
        assert_eq!(
            sp.flag("anonymous-auth").map(|f| f.pointer.as_str()),
            Some("/spec/containers/0/command/6")
        );
        assert_eq!(
            sp.flag("enable-admission-plugins").map(Flag::list),
            Some(vec!["NodeRestriction", "PodSecurity"])
        );
        assert_eq!(sp.flag("profiling").map(Flag::text), Some("true"));
        assert_eq!(
            sp.flag("tls-min-version").map(Flag::text),
            Some("VersionTLS12")
        );
        assert_eq!(sp.missing_pointer(), "/spec/containers/0/command");
        assert_eq!(sp.version(), Some((1, 31)));
        assert_eq!(parse_version("1.24.0-eks-abc"), Some((1, 24)));
        assert_eq!(parse_version("latest"), None);
    }

    #[test]
    fn flag_rules_report_bad_and_missing_flags() {
        let doc = pod(
            json!({"spec": {"containers": [{"name": "s", "image": "registry.k8s.io/kube-scheduler:v1.31.0",
            "command": ["kube-scheduler", "--bind-address=0.0.0.0"]}]}}),
        );
        let mut out = crate::Out::new("X", 0);
        check_flag(
            &doc,
            &mut out,
            Component::Scheduler,
            "bind-address",
            WhenAbsent::Fine,
            |f| f.text() == "127.0.0.1",
            "to 127.0.0.1",
        );
        check_flag(
            &doc,
            &mut out,
            Component::Scheduler,
            "tls-min-version",
            WhenAbsent::Finding,
            |_| true,
            "to VersionTLS12 or VersionTLS13",
        );
        check_flag(
            &doc,
            &mut out,
            Component::Scheduler,
            "profiling",
            WhenAbsent::Fine,
            |_| false,
            "to false",
        );
        check_flag(
            &doc,
            &mut out,
            Component::Etcd,
            "auto-tls",
            WhenAbsent::Finding,
            |_| false,
            "to false",
        );
        let f = out.findings();
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].pointer, "/spec/containers/0/command/1");
        assert_eq!(
            f[0].message,
            "kube-scheduler must set --bind-address to 127.0.0.1 (it is '0.0.0.0')"
        );
        assert_eq!(f[1].pointer, "/spec/containers/0/command");
    }

    #[test]
    fn the_analysis_is_shared_per_document_inside_the_glue() {
        begin_document();
        let mut a = pod(
            json!({"spec": {"containers": [{"name": "s", "image": "registry.k8s.io/kube-scheduler:v1.31.0",
            "command": ["kube-scheduler", "--bind-address=0.0.0.0"]}]}}),
        );
        a.id = 1;
        let first = StaticPod::of(&a).expect("scheduler");
        let again = StaticPod::of(&a).expect("scheduler");
        assert!(Rc::ptr_eq(&first.flags, &again.flags), "parsed once");
        let mut b = pod(
            json!({"spec": {"containers": [{"name": "e", "image": "quay.io/coreos/etcd:v3.5.9",
            "command": ["etcd", "--auto-tls=false"]}]}}),
        );
        b.id = 2;
        assert_eq!(
            StaticPod::of(&b).map(|p| p.component),
            Some(Component::Etcd)
        );
        let mut web = pod(json!({"spec": {"containers": [{"name": "w", "image": "nginx"}]}}));
        web.id = 3;
        assert!(StaticPod::of(&web).is_none());
        assert!(StaticPod::of(&web).is_none(), "a cached 'not a static pod'");
    }

    #[test]
    fn shell_wrapped_etcd_by_image() {
        let doc = pod(
            json!({"spec": {"containers": [{"name": "e", "image": "quay.io/coreos/etcd:v3.5.9",
            "command": ["/bin/sh", "-c", "etcd --auto-tls=false --client-cert-auth"]}]}}),
        );
        let sp = StaticPod::of(&doc).expect("static pod");
        assert_eq!(sp.component, Component::Etcd);
        assert_eq!(sp.flag("auto-tls").and_then(Flag::as_bool), Some(false));
        assert_eq!(
            sp.flag("client-cert-auth").map(|f| f.pointer.as_str()),
            Some("/spec/containers/0/command/2")
        );
        let gates = Flag {
            name: "feature-gates".into(),
            value: Some("A=true, B=false".into()),
            pointer: String::new(),
        };
        assert_eq!(gates.map_value("B"), Some("false"));
    }

    #[test]
    fn feature_gates_merge_and_path_flags() {
        let doc = pod(
            json!({"spec": {"containers": [{"name": "cm", "image": "registry.k8s.io/kube-controller-manager:v1.24.0",
            "command": ["kube-controller-manager", "--feature-gates=AllAlpha=true,PodSecurity=true",
                        "--feature-gates", "AllAlpha=false", "--root-ca-file="]}]}}),
        );
        let sp = StaticPod::of(&doc).expect("static pod");
        assert_eq!(
            sp.feature_gate("AllAlpha")
                .map(|(f, v)| (f.pointer.as_str(), v)),
            Some(("/spec/containers/0/command/2", "false")),
            "a later --feature-gates wins"
        );
        assert_eq!(sp.feature_gate("PodSecurity").map(|(_, v)| v), Some("true"));
        assert_eq!(sp.feature_gate("DynamicKubeletConfig"), None);
        let mut out = crate::Out::new("X", 0);
        check_path_flag(&doc, &mut out, Component::ControllerManager, "root-ca-file");
        check_path_flag(
            &doc,
            &mut out,
            Component::ControllerManager,
            "service-account-private-key-file",
        );
        check_path_flag(&doc, &mut out, Component::Etcd, "cert-file");
        let f = out.findings();
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].pointer, "/spec/containers/0/command/4");
        assert_eq!(
            f[0].message,
            "kube-controller-manager must set --root-ca-file to a non-empty path (it is empty)"
        );
        assert_eq!(f[1].pointer, "/spec/containers/0/command");
        assert!(f[1].message.ends_with("(it is not set)"));
    }
}
