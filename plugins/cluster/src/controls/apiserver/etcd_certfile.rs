//! # CNTR-K8-001520: API server has etcd client certificate
//!
//! **What it checks.** The kube-apiserver static pod (recognised by its `component` label, its
//! command or its image) must run with `--etcd-certfile` set to a non-empty file path. The STIG
//! check text makes a flag that is not set a finding, so an absent flag is reported at the
//! container's `command`; an empty (or bare) flag is reported at the flag.
//!
//! **Why.** etcd must only accept clients that present a certificate; without one the API server
//! cannot authenticate to an etcd that enforces it, and an etcd that does not is open to all.
//!
//! **Example.**
//! ```yaml
//! command:            # finding: no --etcd-certfile
//!   - kube-apiserver
//!   - --authorization-mode=Node,RBAC
//! ```
//!
//! **Fix.** Set `--etcd-certfile` to the API server's etcd client certificate (kubeadm:
//! `/etc/kubernetes/pki/apiserver-etcd-client.crt`) in
//! `/etc/kubernetes/manifests/kube-apiserver.yaml`.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-001520 (V-242430): the check greps the manifests
//! for `etcd-certfile`; not set is a finding.
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-001520").kinds(&["Pod"]).remediation(
            "Set `--etcd-certfile` to the API server's etcd client certificate on kube-apiserver.",
        )
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        super::require_file(doc, out, "etcd-certfile");
    }
}
