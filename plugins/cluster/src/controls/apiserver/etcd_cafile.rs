//! # CNTR-K8-001510: API server trusts etcd CA
//!
//! **What it checks.** The kube-apiserver static pod (recognised by its `component` label, its
//! command or its image) must run with `--etcd-cafile` set to a non-empty file path. The STIG check
//! text makes a flag that is not configured a finding, so an absent flag is reported at the
//! container's `command`; an empty (or bare) flag is reported at the flag.
//!
//! **Why.** Without the etcd CA the API server cannot verify that it talks to the real etcd, which
//! holds every secret of the cluster.
//!
//! **Example.**
//! ```yaml
//! command:            # finding: no --etcd-cafile
//!   - kube-apiserver
//!   - --authorization-mode=Node,RBAC
//! ```
//!
//! **Fix.** Set `--etcd-cafile` to etcd's CA certificate (kubeadm:
//! `/etc/kubernetes/pki/etcd/ca.crt`) in `/etc/kubernetes/manifests/kube-apiserver.yaml`.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-001510 (V-242429): the check greps the manifests
//! for `etcd-cafile`; not configured is a finding.
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-001510")
            .kinds(&["Pod"])
            .remediation("Set `--etcd-cafile` to etcd's CA certificate on kube-apiserver.")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        super::require_file(doc, out, "etcd-cafile");
    }
}
