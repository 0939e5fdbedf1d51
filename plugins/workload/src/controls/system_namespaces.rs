//! # CNTR-K8-001360: No user pods in system namespaces
//!
//! **What it checks.** Every pod-bearing object in `kube-system`, `kube-public` or
//! `kube-node-lease` (an object without `metadata.namespace` is in the scan's namespace, else
//! in `default`) must be a platform component: its name must start with one of the allowed
//! prefixes.
//!
//! Setting (in `stiglint.toml`; unknown keys are errors):
//!
//! ```toml
//! [controls."CNTR-K8-001360"]
//! # default: coredns, kube-dns, kube-proxy, metrics-server, aws-node,
//! # aws-load-balancer-controller, ebs-csi, efs-csi, cluster-autoscaler, etcd, kube-apiserver,
//! # kube-controller-manager, kube-scheduler, calico, cilium, konnectivity, kube-state-metrics,
//! # vpc-cni, node-local-dns
//! allowed-names = ["coredns", "kube-proxy", "my-cni"]
//! ```
//!
//! **Why.** The system namespaces hold the cluster's own components, with the broad RBAC rights
//! and relaxed Pod Security levels they need. A user pod there inherits that trust and can
//! reach secrets and service accounts it has no business with; keeping user functionality apart
//! from system functionality is what NIST SP 800-53 SC-2 asks.
//!
//! **Example.**
//! ```yaml
//! kind: Deployment
//! metadata:
//!   name: billing-api
//!   namespace: kube-system   # finding: not a platform component
//! ---
//! kind: DaemonSet
//! metadata:
//!   name: kube-proxy
//!   namespace: kube-system   # fine
//! ```
//!
//! **Fix.** Move the workload to a namespace of its own. If it really is a platform component,
//! add its name prefix to `allowed-names`.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-001360 (V-242417, CAT II): `kubectl get pods
//! --all-namespaces` must show no user pods in `kube-system`, `kube-public` or
//! `kube-node-lease`; NIST SP 800-53 SC-2.
use stiglint_sdk::k8s::{SYSTEM_NAMESPACES, is_pod_bearing, list_settings, namespace_pointer};
use stiglint_sdk::{ScanContext, prelude::*};

const SETTING: &str = "allowed-names";

/// Name prefixes of the usual platform components.
const PLATFORM: &str = "coredns kube-dns kube-proxy metrics-server aws-node \
    aws-load-balancer-controller ebs-csi efs-csi cluster-autoscaler etcd kube-apiserver \
    kube-controller-manager kube-scheduler calico cilium konnectivity kube-state-metrics vpc-cni \
    node-local-dns";

/// See the module documentation.
pub struct Rule {
    allowed: Vec<String>,
    scan: ScanContext,
}

impl Default for Rule {
    fn default() -> Self {
        Self {
            allowed: PLATFORM.split_whitespace().map(str::to_owned).collect(),
            scan: ScanContext::default(),
        }
    }
}

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-001360").pod_kinds().remediation(
            "Move the workload out of the system namespace (or allow its name in `allowed-names`).",
        )
    }

    fn configure(&mut self, settings: &Value, scan: &ScanContext) -> Result<(), String> {
        if let Some(list) = list_settings(settings, &[SETTING])?.remove(SETTING) {
            self.allowed = list;
        }
        self.scan = scan.clone();
        Ok(())
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        let namespace = doc.effective_namespace(&self.scan);
        // Knative's `Service` shares its kind name with the core Service, which runs no pod.
        if !is_pod_bearing(doc)
            || !SYSTEM_NAMESPACES.contains(&namespace)
            || self
                .allowed
                .iter()
                .any(|p| doc.name().starts_with(p.as_str()))
        {
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
                "{} must not run in system namespace '{namespace}'{implicit}: it is not a platform component",
                doc.describe()
            ),
        );
    }
}
