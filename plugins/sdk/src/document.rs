//! The documents a plugin judges.

use serde_json::Value;

use crate::k8s::PodSpec;

/// Source format of a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Kubernetes manifest (YAML, JSON, Helm output).
    K8s,
    /// A Terraform block.
    Terraform,
    /// Kubelet configuration.
    Kubelet,
    /// A Trivy JSON report.
    Trivy,
    /// A Dockerfile or Containerfile.
    Dockerfile,
    /// A built container image.
    Image,
    /// A node's facts (files, processes, services).
    Node,
}

/// What the host knows of a document without reading its JSON.
#[derive(Clone, Debug, Default)]
pub struct Hints {
    /// `apiVersion`.
    pub api_version: Option<String>,
    /// `kind`, or the Terraform block type.
    pub kind: Option<String>,
    /// `metadata.namespace` as written.
    pub namespace: Option<String>,
    /// `metadata.name`, or the Terraform resource name.
    pub name: Option<String>,
    /// Terraform block labels.
    pub labels: Vec<String>,
}

/// The context of the scan: the same for every call.
#[derive(Clone, Debug, Default)]
pub struct ScanContext {
    /// Kubernetes version the scan targets (`1.31`), when known.
    pub k8s_version: Option<String>,
    /// Today (`YYYY-MM-DD`).
    pub today: String,
    /// The namespace objects without one deploy to, when the pipeline says so.
    pub default_namespace: Option<String>,
    /// The plugin's own settings (`[plugin-settings.<plugin>]` of `stiglint.toml`), `null`
    /// when there are none.
    pub plugin: Value,
}

/// One document: its handle, origin, hints and parsed JSON view.
#[derive(Clone, Debug)]
pub struct Document {
    /// Host handle.
    pub id: u32,
    /// Where it came from (for messages).
    pub uri: String,
    /// Format.
    pub format: Format,
    /// Kind hints.
    pub hints: Hints,
    /// The JSON view.
    pub json: Value,
}

impl Document {
    /// `kind`, or `""`.
    #[must_use]
    pub fn kind(&self) -> &str {
        self.hints.kind.as_deref().unwrap_or("")
    }

    /// `apiVersion`, or `""`.
    #[must_use]
    pub fn api_version(&self) -> &str {
        self.hints.api_version.as_deref().unwrap_or("")
    }

    /// The API group of `apiVersion`: `apps` for `apps/v1`, `""` for the core group (`v1`)
    /// and for a document without `apiVersion`.
    #[must_use]
    pub fn api_group(&self) -> &str {
        self.api_version().split_once('/').map_or("", |(g, _)| g)
    }

    /// `metadata.name`, or `""`.
    #[must_use]
    pub fn name(&self) -> &str {
        self.json
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// `metadata.namespace` as written, if any.
    #[must_use]
    pub fn namespace(&self) -> Option<&str> {
        self.json
            .get("metadata")
            .and_then(|m| m.get("namespace"))
            .and_then(Value::as_str)
    }

    /// The namespace the object lands in: its own, else the scan's default namespace, else
    /// `default`. Cluster-scoped kinds still get an answer; ask [`crate::k8s::is_namespaced`].
    #[must_use]
    pub fn effective_namespace<'a>(&'a self, scan: &'a ScanContext) -> &'a str {
        self.namespace()
            .or(scan.default_namespace.as_deref())
            .unwrap_or("default")
    }

    /// A label of the object.
    #[must_use]
    pub fn label(&self, key: &str) -> Option<&str> {
        self.json
            .get("metadata")
            .and_then(|m| m.get("labels"))
            .and_then(|l| l.get(key))
            .and_then(Value::as_str)
    }

    /// The pod spec of a pod-bearing object (see [`crate::k8s::POD_KINDS`]), with its pointer.
    #[must_use]
    pub fn pod(&self) -> Option<PodSpec<'_>> {
        PodSpec::of(self)
    }

    /// A short description for messages: `Deployment 'web'`.
    #[must_use]
    pub fn describe(&self) -> String {
        format!("{} '{}'", self.kind(), self.name())
    }
}
