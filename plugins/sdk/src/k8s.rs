//! Kubernetes helpers: every pod-bearing kind normalised to one [`PodSpec`], its containers of
//! all three kinds, effective security settings, and image reference normalisation.

use serde_json::Value;

use crate::Document;
use crate::pointer::join;

/// Every kind that carries a pod spec.
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
];

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

/// Whether objects of this kind live in a namespace.
#[must_use]
pub fn is_namespaced(kind: &str) -> bool {
    !CLUSTER_SCOPED.contains(&kind)
}

/// Where the pod spec sits in each pod-bearing kind.
fn pod_spec_pointer(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "Pod" => "/spec",
        "PodTemplate" => "/template/spec",
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "ReplicationController"
        | "Job" => "/spec/template/spec",
        "CronJob" => "/spec/jobTemplate/spec/template/spec",
        _ => return None,
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
        let pointer = pod_spec_pointer(doc.kind())?;
        let value = doc.json.pointer(pointer).filter(|v| v.is_object())?;
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
        [ContainerKind::Regular, ContainerKind::Init, ContainerKind::Ephemeral]
            .into_iter()
            .flat_map(move |kind| {
                let list = spec
                    .value
                    .get(kind.field())
                    .and_then(Value::as_array)
                    .map_or(&[][..], Vec::as_slice);
                list.iter().enumerate().filter(|(_, v)| v.is_object()).map(move |(index, value)| {
                    Container {
                        value,
                        kind,
                        pointer: format!("{}/{}/{index}", spec.pointer, kind.field()),
                        pod: spec,
                    }
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

    /// `Container 'app'` / `Init container 'setup'`, for messages.
    #[must_use]
    pub fn describe(&self) -> String {
        format!("{} '{}'", self.kind.label(), self.name())
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
            Some(i) => (&rest[..last_slash + i], Some(rest[last_slash + i + 1..].to_owned())),
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
    fn image_refs_normalise() {
        let i = ImageRef::parse("nginx");
        assert_eq!(i.name(), "docker.io/library/nginx");
        assert_eq!(i.version(), "latest");
        let i = ImageRef::parse("localhost:5000/a/b:1.2@sha256:ab");
        assert_eq!((i.registry.as_str(), i.repository.as_str()), ("localhost:5000", "a/b"));
        assert_eq!(i.tag.as_deref(), Some("1.2"));
        assert_eq!(i.version(), "sha256:ab");
        assert_eq!(ImageRef::parse("bitnami/redis:7").name(), "docker.io/bitnami/redis");
        assert_eq!(
            ImageRef::parse("registry1.dso.mil/ironbank/opensource/nginx:1.25").name(),
            "registry1.dso.mil/ironbank/opensource/nginx"
        );
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
        assert_eq!(c[0].pointer, "/spec/jobTemplate/spec/template/spec/containers/0");
        assert_eq!(c[0].effective("runAsUser").map(|x| x.0), Some(&json!(0)));
        assert_eq!(
            c[1].effective("runAsUser").map(|x| x.1),
            Some("/spec/jobTemplate/spec/template/spec/securityContext/runAsUser".to_owned())
        );
        assert_eq!(c[3].kind, ContainerKind::Ephemeral);
    }
}
