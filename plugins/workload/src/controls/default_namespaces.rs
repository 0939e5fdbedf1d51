//! # CNTR-K8-000290: No user resources in default, kube-public, kube-node-lease
//!
//! **What it checks.** Every object of a namespaced kind must not land in `default`,
//! `kube-public` or `kube-node-lease`. An object without `metadata.namespace` lands in the
//! scan's namespace (`--namespace` or `namespace` in `stiglint.toml`), else in `default`, so it
//! is a finding too unless a namespace is supplied. The one exception is the Service
//! `kubernetes` in `default`, which the API server itself creates. Cluster-scoped kinds
//! (`Namespace`, `ClusterRole`, ...) and configuration files that are not deployed as objects
//! (`KubeletConfiguration`, audit `Policy`, `Kustomization`, a kubeconfig, an
//! `AdmissionReview`) are not concerned.
//!
//! **Why.** The default namespaces are shared and unsegmented: RBAC, network policies, quotas
//! and Pod Security levels cannot be tailored to one application there, and anything deployed
//! without a namespace ends up beside everything else. Dedicated namespaces keep workloads
//! apart and their policies precise.
//!
//! **Example.**
//! ```yaml
//! kind: Deployment
//! metadata:
//!   name: web            # finding: no metadata.namespace, lands in 'default'
//! ---
//! kind: ConfigMap
//! metadata:
//!   name: settings
//!   namespace: kube-public   # finding
//! ```
//!
//! **Fix.** Create a namespace for the application and set `metadata.namespace` on each of its
//! objects (or deploy with `--namespace`/a Helm release namespace and scan with
//! `--namespace`).
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-000290 (V-242383, CAT I): `kubectl get all` in
//! `default`, `kube-public` and `kube-node-lease` must return nothing but `service/kubernetes`;
//! NIST SP 800-53 CM-6 b.
use stiglint_sdk::k8s::{is_namespaced_resource, list_settings, namespace_pointer};
use stiglint_sdk::{ScanContext, prelude::*};

/// The namespaces users must not deploy to.
const SHARED: &[&str] = &["default", "kube-public", "kube-node-lease"];

/// See the module documentation.
#[derive(Default)]
pub struct Rule {
    scan: ScanContext,
}

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-000290")
            .remediation("Set `metadata.namespace` to a dedicated namespace of the application.")
    }

    fn configure(&mut self, settings: &Value, scan: &ScanContext) -> Result<(), String> {
        list_settings(settings, &[])?;
        self.scan = scan.clone();
        Ok(())
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        if !is_namespaced_resource(doc) {
            return;
        }
        let namespace = doc.effective_namespace(&self.scan);
        let api_server_own = doc.kind() == "Service" && doc.name() == "kubernetes";
        if !SHARED.contains(&namespace) || (namespace == "default" && api_server_own) {
            return;
        }
        let implicit = if doc.namespace().is_none() {
            " (no metadata.namespace)"
        } else {
            ""
        };
        out.finding(
            namespace_pointer(doc),
            format!(
                "{} must not be deployed to namespace '{namespace}'{implicit}",
                doc.describe()
            ),
        );
    }
}
