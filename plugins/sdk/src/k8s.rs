//! Kubernetes helpers: every pod-bearing kind normalised to one [`PodSpec`], its containers of
//! all three kinds, effective security settings, image reference normalisation, and the
//! settings tables controls read.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::Document;
use crate::pointer::join;

/// The kind names of every pod-bearing kind: Kubernetes' own, Red Hat's `DeploymentConfig` (`apps.openshift.io`),
/// Argo Rollouts' `Rollout` and Knative Serving's `Service`, `Configuration` and `Revision`.
/// A kind filter ([`crate::Meta::pod_kinds`]): Knative's kinds share their names with others
/// (a core `Service` carries no pod), so [`is_pod_kind`] decides by API group and kind.
pub const POD_KINDS: &[&str] = &[
    "Pod",
    "PodTemplate",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
    "DeploymentConfig",
    "Rollout",
    "Service",
    "Configuration",
    "Revision",
];

/// The API group of Knative Serving (`serving.knative.dev/v1`).
const KNATIVE_SERVING: &str = "serving.knative.dev";
/// The API group of Argo Rollouts (`argoproj.io/v1alpha1`).
const ARGO: &str = "argoproj.io";

/// The namespaces Kubernetes itself uses.
pub const SYSTEM_NAMESPACES: &[&str] = &["kube-system", "kube-public", "kube-node-lease"];

/// Kinds that live outside namespaces (the common built-in ones).
const CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "Node",
    "PersistentVolume",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "StorageClass",
    "PriorityClass",
    "IngressClass",
    "RuntimeClass",
    "PodSecurityPolicy",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "APIService",
    "CSIDriver",
    "CSINode",
    "VolumeAttachment",
    "CertificateSigningRequest",
    "FlowSchema",
    "PriorityLevelConfiguration",
    "ComponentStatus",
];

/// API groups of configuration files and API messages, not resources deployed to a cluster:
/// kubelet/apiserver/scheduler configuration, audit policy, kubeconfig, kustomize, admission
/// reviews, gatekeeper test suites and constraints (cluster-scoped).
const NON_RESOURCE_GROUPS: &[&str] = &[
    "admission.k8s.io",
    "audit.k8s.io",
    "kubeadm.k8s.io",
    "kustomize.config.k8s.io",
    "test.gatekeeper.sh",
    "constraints.gatekeeper.sh",
    "templates.gatekeeper.sh",
    "node.eks.aws",
    "eventratelimit.admission.k8s.io",
];

/// Whether objects of this kind live in a namespace (by kind alone).
#[must_use]
pub fn is_namespaced(kind: &str) -> bool {
    !CLUSTER_SCOPED.contains(&kind)
}

/// Whether a document is a namespaced resource a user deploys: not a cluster-scoped kind, and
/// not a configuration file or API message (`KubeletConfiguration`, audit `Policy`,
/// `Kustomization`, `AdmissionReview`, a kubeconfig, ...).
#[must_use]
pub fn is_namespaced_resource(doc: &Document) -> bool {
    let api_version = doc.hints.api_version.as_deref().unwrap_or("");
    let group = api_version.split_once('/').map_or("", |(g, _)| g);
    let config_group = group.ends_with(".config.k8s.io") || NON_RESOURCE_GROUPS.contains(&group);
    let kubeconfig = api_version == "v1" && doc.kind() == "Config";
    is_namespaced(doc.kind()) && !config_group && !kubeconfig
}

/// Where a finding about an object's namespace points: `/metadata/namespace` when written,
/// else `/metadata/name` (the namespace is implicit), else the document itself (`""`).
#[must_use]
pub fn namespace_pointer(doc: &Document) -> &'static str {
    if doc.namespace().is_some() {
        "/metadata/namespace"
    } else if doc
        .json
        .get("metadata")
        .and_then(|m| m.get("name"))
        .is_some()
    {
        "/metadata/name"
    } else {
        ""
    }
}

/// Read a control's settings table whose every key holds a list of strings (`allowed-names =
/// ["a", "b"]`). Keys not in `keys` are errors, never ignored (`keys` empty: the control takes
/// no settings). Returns the lists that are present, by key.
pub fn list_settings(
    settings: &Value,
    keys: &[&str],
) -> Result<BTreeMap<String, Vec<String>>, String> {
    let mut out = BTreeMap::new();
    let table = match settings {
        Value::Null => return Ok(out),
        Value::Object(table) => table,
        _ => return Err("the settings must be a table".to_owned()),
    };
    for (key, value) in table {
        if !keys.contains(&key.as_str()) {
            return Err(if keys.is_empty() {
                format!("unknown setting `{key}`: this control takes no settings")
            } else {
                format!("unknown setting `{key}` (expected {})", keys.join(", "))
            });
        }
        let list: Vec<String> = serde_json::from_value(value.clone())
            .map_err(|_| format!("`{key}` must be a list of strings, e.g. {key} = [\"...\"]"))?;
        out.insert(key.clone(), list);
    }
    Ok(out)
}

/// Where the pod spec sits in each pod-bearing kind, by `apiVersion` and kind:
///
/// * Kubernetes' kinds, by kind alone (as before: a manifest may omit or misspell its group);
/// * Red Hat's `DeploymentConfig` (`apps.openshift.io/v1`, or the legacy `v1`):
///   `spec.template.spec`;
/// * Argo Rollouts `Rollout` (`argoproj.io`): `spec.template.spec` (a Rollout that names a
///   Deployment in `spec.workloadRef` instead carries none: see [`unjudged_pod_template`]);
/// * Knative Serving (`serving.knative.dev`) `Service` and `Configuration`:
///   `spec.template.spec`; `Revision`: `spec` (a `RevisionSpec` inlines the pod spec).
#[must_use]
pub fn pod_spec_pointer(api_version: &str, kind: &str) -> Option<&'static str> {
    let group = api_version.split_once('/').map_or("", |(g, _)| g);
    Some(match kind {
        "Pod" => "/spec",
        "PodTemplate" => "/template/spec",
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "ReplicationController"
        | "Job"
        | "DeploymentConfig" => "/spec/template/spec",
        "CronJob" => "/spec/jobTemplate/spec/template/spec",
        "Rollout" if group == ARGO => "/spec/template/spec",
        "Service" | "Configuration" if group == KNATIVE_SERVING => "/spec/template/spec",
        "Revision" if group == KNATIVE_SERVING => "/spec",
        _ => return None,
    })
}

/// Whether objects of this `apiVersion` and kind carry a pod spec (see [`pod_spec_pointer`]).
#[must_use]
pub fn is_pod_kind(api_version: &str, kind: &str) -> bool {
    pod_spec_pointer(api_version, kind).is_some()
}

/// Whether a document is of a pod-bearing kind (see [`pod_spec_pointer`]).
#[must_use]
pub fn is_pod_bearing(doc: &Document) -> bool {
    is_pod_kind(doc.api_version(), doc.kind())
}

/// Where other objects keep a pod template: a workload's `spec.template`, a CronJob-like
/// `spec.jobTemplate`, a PodTemplate-like `template`.
const TEMPLATE_PLACES: &[&str] = &[
    "/spec/template/spec",
    "/spec/jobTemplate/spec/template/spec",
    "/template/spec",
];

/// A pod template the pod-bearing controls cannot judge, with where it is and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unjudged {
    /// Pointer to the template (or to the reference that stands for it).
    pub pointer: String,
    /// Why it is not judged, for a note.
    pub reason: String,
    /// The pods are judged elsewhere (a referenced workload), so this is a partial verdict;
    /// otherwise they are not judged at all.
    pub elsewhere: bool,
}

/// A pod template stiglint does not judge in this document:
///
/// * an object of a kind that is not pod-bearing ([`is_pod_bearing`]) yet carries a pod
///   template (`spec.template.spec.containers`, `spec.jobTemplate.spec.template.spec.containers`
///   or `template.spec.containers`): "pod template of unknown kind K, not judged";
/// * an Argo `Rollout` without a template that names a workload in `spec.workloadRef`: its
///   pods are those of the referenced Deployment, judged with that Deployment when it is in the
///   scan.
#[must_use]
pub fn unjudged_pod_template(doc: &Document) -> Option<Unjudged> {
    if doc.format != crate::Format::K8s {
        return None;
    }
    if is_pod_bearing(doc) {
        if doc.kind() != "Rollout" || doc.json.pointer("/spec/template").is_some() {
            return None;
        }
        let reference = doc.json.pointer("/spec/workloadRef")?;
        let field = |f: &str| reference.get(f).and_then(Value::as_str).unwrap_or("?");
        return Some(Unjudged {
            pointer: "/spec/workloadRef".to_owned(),
            reason: format!(
                "{} takes its pod template from {} '{}' (spec.workloadRef): judged with that object, when it is in the scan",
                doc.describe(),
                field("kind"),
                field("name")
            ),
            elsewhere: true,
        });
    }
    let place = TEMPLATE_PLACES.iter().find(|p| {
        doc.json
            .pointer(&format!("{p}/containers"))
            .is_some_and(Value::is_array)
    })?;
    let api_version = doc.api_version();
    let api_version = if api_version.is_empty() {
        "no apiVersion"
    } else {
        api_version
    };
    Some(Unjudged {
        pointer: (*place).to_owned(),
        reason: format!(
            "pod template of unknown kind {}, not judged ({api_version}, '{}')",
            doc.kind(),
            doc.name()
        ),
        elsewhere: false,
    })
}

/// The three container lists of a pod.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContainerKind {
    /// `containers`.
    Regular,
    /// `initContainers`.
    Init,
    /// `ephemeralContainers`.
    Ephemeral,
}

impl ContainerKind {
    /// The field name in the pod spec.
    #[must_use]
    pub fn field(self) -> &'static str {
        match self {
            Self::Regular => "containers",
            Self::Init => "initContainers",
            Self::Ephemeral => "ephemeralContainers",
        }
    }

    /// How messages name it: `Container`, `Init container`, `Ephemeral container`.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Regular => "Container",
            Self::Init => "Init container",
            Self::Ephemeral => "Ephemeral container",
        }
    }
}

/// A pod spec inside any pod-bearing object.
#[derive(Clone, Copy, Debug)]
pub struct PodSpec<'a> {
    /// The pod spec object.
    pub value: &'a Value,
    /// Its JSON pointer (`/spec/template/spec`).
    pub pointer: &'static str,
}

impl<'a> PodSpec<'a> {
    /// The pod spec of a document, when its kind carries one and the spec is an object.
    #[must_use]
    pub fn of(doc: &'a Document) -> Option<Self> {
        let pointer = pod_spec_pointer(doc.api_version(), doc.kind())?;
        // Walk the fixed path with `get`: `Value::pointer` allocates for every token, and every
        // control of every document asks for the pod spec.
        let value = pointer
            .split('/')
            .skip(1)
            .try_fold(&doc.json, |v, token| v.get(token))
            .filter(|v| v.is_object())?;
        Some(Self { value, pointer })
    }

    /// A field of the pod spec.
    #[must_use]
    pub fn get(&self, field: &str) -> Option<&'a Value> {
        self.value.get(field)
    }

    /// `spec.<field>` is literally `true`.
    #[must_use]
    pub fn is_true(&self, field: &str) -> bool {
        self.get(field) == Some(&Value::Bool(true))
    }

    /// A field of the pod-level `securityContext`.
    #[must_use]
    pub fn security_context(&self, field: &str) -> Option<&'a Value> {
        self.value.get("securityContext")?.get(field)
    }

    /// Pointer to a path below the pod spec.
    #[must_use]
    pub fn pointer_to(&self, relative: &str) -> String {
        join(self.pointer, relative)
    }

    /// Every container: `containers`, then `initContainers`, then `ephemeralContainers`.
    pub fn containers(&self) -> impl Iterator<Item = Container<'a>> + 'a {
        let spec = *self;
        [
            ContainerKind::Regular,
            ContainerKind::Init,
            ContainerKind::Ephemeral,
        ]
        .into_iter()
        .flat_map(move |kind| {
            let list = spec
                .value
                .get(kind.field())
                .and_then(Value::as_array)
                .map_or(&[][..], Vec::as_slice);
            list.iter()
                .enumerate()
                .filter(|(_, v)| v.is_object())
                .map(move |(index, value)| Container {
                    value,
                    kind,
                    pointer: format!("{}/{}/{index}", spec.pointer, kind.field()),
                    pod: spec,
                })
        })
    }
}

/// One container of a pod, with its pointer and its pod.
#[derive(Clone, Debug)]
pub struct Container<'a> {
    /// The container object.
    pub value: &'a Value,
    /// Which list it is in.
    pub kind: ContainerKind,
    /// Its pointer (`/spec/template/spec/containers/0`).
    pub pointer: String,
    /// The pod it belongs to.
    pub pod: PodSpec<'a>,
}

impl<'a> Container<'a> {
    /// `name`, or `""`.
    #[must_use]
    pub fn name(&self) -> &'a str {
        self.value.get("name").and_then(Value::as_str).unwrap_or("")
    }

    /// `image`, if set.
    #[must_use]
    pub fn image(&self) -> Option<&'a str> {
        self.value.get("image").and_then(Value::as_str)
    }

    /// A field of the container's own `securityContext`.
    #[must_use]
    pub fn security_context(&self, field: &str) -> Option<&'a Value> {
        self.value.get("securityContext")?.get(field)
    }

    /// The effective value of a setting both pod and container `securityContext` carry
    /// (`runAsUser`, `runAsNonRoot`, `runAsGroup`, `seccompProfile`, ...): the container's
    /// overrides the pod's. Returns the value and its pointer.
    #[must_use]
    pub fn effective(&self, field: &str) -> Option<(&'a Value, String)> {
        if let Some(v) = self.security_context(field) {
            return Some((v, self.pointer_to(&format!("securityContext/{field}"))));
        }
        self.pod
            .security_context(field)
            .map(|v| (v, self.pod.pointer_to(&format!("securityContext/{field}"))))
    }

    /// Pointer to a path below the container.
    #[must_use]
    pub fn pointer_to(&self, relative: &str) -> String {
        join(&self.pointer, relative)
    }

    /// `Container 'app'` / `Init container 'setup'`, for messages; a container without a name
    /// (Knative's may omit it) by its place: `Container #0 (no name)`.
    #[must_use]
    pub fn describe(&self) -> String {
        if self.name().is_empty() {
            let index = self.pointer.rsplit('/').next().unwrap_or_default();
            return format!("{} #{index} (no name)", self.kind.label());
        }
        format!("{} '{}'", self.kind.label(), self.name())
    }
}

/// The registries images may come from: prefixes of image references, the
/// `allowed-registries` setting of KUBER-L2-000010 (which the Dockerfile base-image control
/// shares). Default: Iron Bank.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registries(Vec<String>);

impl Default for Registries {
    fn default() -> Self {
        Self(vec!["registry1.dso.mil/ironbank/".to_owned()])
    }
}

impl Registries {
    /// The setting's name.
    pub const SETTING: &'static str = "allowed-registries";

    /// Take `allowed-registries` from a control's settings table, when it is there.
    ///
    /// # Errors
    /// A message naming the bad setting (not a list of strings, another key).
    pub fn configure(&mut self, settings: &Value) -> Result<(), String> {
        if let Some(list) = list_settings(settings, &[Self::SETTING])?.remove(Self::SETTING) {
            self.0 = list;
        }
        Ok(())
    }

    /// Whether an image comes from one of them: the reference as written, or normalised
    /// (`nginx` is `docker.io/library/nginx`), starts with an allowed prefix.
    #[must_use]
    pub fn approve(&self, image: &str, parsed: &ImageRef) -> bool {
        let mut normalised = parsed.name();
        for (sep, part) in [(':', &parsed.tag), ('@', &parsed.digest)] {
            if let Some(part) = part {
                normalised.push(sep);
                normalised.push_str(part);
            }
        }
        self.0
            .iter()
            .any(|p| image.starts_with(p.as_str()) || normalised.starts_with(p.as_str()))
    }
}

/// A container image reference, normalised the way the container runtime reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageRef {
    /// Registry host (`docker.io`, `registry1.dso.mil`).
    pub registry: String,
    /// Repository path (`library/nginx`, `ironbank/opensource/nginx`).
    pub repository: String,
    /// Tag, if any (`latest` is *not* filled in).
    pub tag: Option<String>,
    /// Digest (`sha256:...`), if any.
    pub digest: Option<String>,
}

impl ImageRef {
    /// Parse an image reference: `nginx` → `docker.io/library/nginx`,
    /// `quay.io/x/y:1@sha256:..` → registry `quay.io`, repository `x/y`, tag `1`, digest.
    #[must_use]
    pub fn parse(image: &str) -> Self {
        let image = image.trim();
        let (rest, digest) = match image.split_once('@') {
            Some((r, d)) => (r, Some(d.to_owned())),
            None => (image, None),
        };
        // A tag is a `:` after the last `/` (a `:` before it is a registry port).
        let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[last_slash..].rfind(':') {
            Some(i) => (
                &rest[..last_slash + i],
                Some(rest[last_slash + i + 1..].to_owned()),
            ),
            None => (rest, None),
        };
        let (registry, repository) = match name.split_once('/') {
            Some((first, path))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (first.to_lowercase(), path.to_owned())
            }
            _ => ("docker.io".to_owned(), name.to_owned()),
        };
        let registry = if registry == "index.docker.io" || registry == "registry-1.docker.io" {
            "docker.io".to_owned()
        } else {
            registry
        };
        let repository = if registry == "docker.io" && !repository.contains('/') {
            format!("library/{repository}")
        } else {
            repository
        };
        Self {
            registry,
            repository,
            tag,
            digest,
        }
    }

    /// `registry/repository`, without tag or digest.
    #[must_use]
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// The version part: digest if present, else tag, else `latest`.
    #[must_use]
    pub fn version(&self) -> &str {
        self.digest
            .as_deref()
            .or(self.tag.as_deref())
            .unwrap_or("latest")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Format, Hints};
    use serde_json::json;

    #[test]
    fn configuration_files_are_not_namespaced_resources() {
        let doc = |api: &str, kind: &str| Document {
            id: 0,
            uri: String::new(),
            format: Format::K8s,
            hints: Hints {
                api_version: Some(api.into()),
                kind: Some(kind.into()),
                ..Hints::default()
            },
            json: json!({}),
        };
        assert!(is_namespaced_resource(&doc("apps/v1", "Deployment")));
        assert!(!is_namespaced_resource(&doc(
            "kubelet.config.k8s.io/v1beta1",
            "KubeletConfiguration"
        )));
        assert!(!is_namespaced_resource(&doc("audit.k8s.io/v1", "Policy")));
        assert!(is_namespaced_resource(&doc("kyverno.io/v1", "Policy")));
        assert!(!is_namespaced_resource(&doc(
            "admission.k8s.io/v1",
            "AdmissionReview"
        )));
        assert!(!is_namespaced_resource(&doc("v1", "Config")));
        assert!(!is_namespaced_resource(&doc(
            "rbac.authorization.k8s.io/v1",
            "ClusterRole"
        )));
    }

    #[test]
    fn pod_kinds_by_group_and_unjudged_templates() {
        assert_eq!(
            pod_spec_pointer("apps/v1", "Deployment"),
            Some("/spec/template/spec")
        );
        assert_eq!(
            pod_spec_pointer("serving.knative.dev/v1", "Service"),
            Some("/spec/template/spec")
        );
        assert_eq!(
            pod_spec_pointer("serving.knative.dev/v1", "Revision"),
            Some("/spec")
        );
        assert_eq!(pod_spec_pointer("v1", "Service"), None);
        assert_eq!(pod_spec_pointer("flagger.app/v1beta1", "Rollout"), None);
        assert!(is_pod_kind("v1", "DeploymentConfig"));
        let doc = |api: &str, kind: &str, json: Value| Document {
            id: 0,
            uri: String::new(),
            format: Format::K8s,
            hints: Hints {
                api_version: Some(api.into()),
                kind: Some(kind.into()),
                ..Hints::default()
            },
            json,
        };
        let template =
            json!({"metadata": {"name": "x"}, "spec": {"template": {"spec": {"containers": []}}}});
        let unknown = unjudged_pod_template(&doc("example.com/v1", "Thing", template.clone()))
            .expect("unknown kind");
        assert_eq!(unknown.pointer, "/spec/template/spec");
        assert!(!unknown.elsewhere);
        assert!(
            unknown
                .reason
                .starts_with("pod template of unknown kind Thing, not judged")
        );
        assert_eq!(
            unjudged_pod_template(&doc("apps/v1", "Deployment", template)),
            None
        );
        let no_containers = json!({"spec": {"template": {"spec": {"source": {}}}}});
        assert_eq!(
            unjudged_pod_template(&doc(
                "argoproj.io/v1alpha1",
                "ApplicationSet",
                no_containers
            )),
            None
        );
        let by_ref = json!({"metadata": {"name": "r"}, "spec": {"workloadRef": {"kind": "Deployment", "name": "d"}}});
        let noted = unjudged_pod_template(&doc("argoproj.io/v1alpha1", "Rollout", by_ref))
            .expect("workloadRef");
        assert!(noted.elsewhere);
        assert_eq!(noted.pointer, "/spec/workloadRef");
    }

    #[test]
    fn image_refs_normalise() {
        let i = ImageRef::parse("nginx");
        assert_eq!(i.name(), "docker.io/library/nginx");
        assert_eq!(i.version(), "latest");
        let i = ImageRef::parse("localhost:5000/a/b:1.2@sha256:ab");
        assert_eq!(
            (i.registry.as_str(), i.repository.as_str()),
            ("localhost:5000", "a/b")
        );
        assert_eq!(i.tag.as_deref(), Some("1.2"));
        assert_eq!(i.version(), "sha256:ab");
        assert_eq!(
            ImageRef::parse("bitnami/redis:7").name(),
            "docker.io/bitnami/redis"
        );
        assert_eq!(
            ImageRef::parse("registry1.dso.mil/ironbank/opensource/nginx:1.25").name(),
            "registry1.dso.mil/ironbank/opensource/nginx"
        );
    }

    #[test]
    fn list_settings_reject_unknown_keys_and_bad_types() {
        let keys = &["allowed-names"];
        assert!(list_settings(&json!({}), keys).expect("empty").is_empty());
        assert!(list_settings(&Value::Null, keys).expect("null").is_empty());
        let got = list_settings(&json!({"allowed-names": ["a", "b"]}), keys).expect("valid");
        assert_eq!(got["allowed-names"], ["a", "b"]);
        let e = list_settings(&json!({"allowed-name": ["a"]}), keys).expect_err("typo");
        assert!(
            e.contains("`allowed-name`") && e.contains("allowed-names"),
            "{e}"
        );
        let e = list_settings(&json!({"allowed-names": "a"}), keys).expect_err("not a list");
        assert!(e.contains("list of strings"), "{e}");
        let e = list_settings(&json!({"x": 1}), &[]).expect_err("no settings");
        assert!(e.contains("takes no settings"), "{e}");
        assert!(list_settings(&json!([1]), keys).is_err());
    }

    #[test]
    fn namespace_pointer_falls_back_to_name_then_root() {
        let doc = |json: Value| Document {
            id: 0,
            uri: String::new(),
            format: Format::K8s,
            hints: Hints::default(),
            json,
        };
        let ns = doc(json!({"metadata": {"name": "a", "namespace": "n"}}));
        assert_eq!(namespace_pointer(&ns), "/metadata/namespace");
        assert_eq!(
            namespace_pointer(&doc(json!({"metadata": {"name": "a"}}))),
            "/metadata/name"
        );
        assert_eq!(namespace_pointer(&doc(json!({"kind": "Pod"}))), "");
    }

    #[test]
    fn cronjob_containers_of_all_kinds() {
        let doc = Document {
            id: 0,
            uri: String::new(),
            format: Format::K8s,
            hints: Hints {
                kind: Some("CronJob".into()),
                ..Hints::default()
            },
            json: json!({"spec": {"jobTemplate": {"spec": {"template": {"spec": {
                "securityContext": {"runAsUser": 1000},
                "containers": [{"name": "a", "securityContext": {"runAsUser": 0}}, {"name": "b"}],
                "initContainers": [{"name": "i"}],
                "ephemeralContainers": [{"name": "e"}]
            }}}}}}),
        };
        let pod = doc.pod().expect("pod spec");
        let names: Vec<_> = pod.containers().map(|c| (c.name(), c.kind)).collect();
        assert_eq!(names.len(), 4);
        let c: Vec<_> = pod.containers().collect();
        assert_eq!(
            c[0].pointer,
            "/spec/jobTemplate/spec/template/spec/containers/0"
        );
        assert_eq!(c[0].effective("runAsUser").map(|x| x.0), Some(&json!(0)));
        assert_eq!(
            c[1].effective("runAsUser").map(|x| x.1),
            Some("/spec/jobTemplate/spec/template/spec/securityContext/runAsUser".to_owned())
        );
        assert_eq!(c[3].kind, ContainerKind::Ephemeral);
    }
}
