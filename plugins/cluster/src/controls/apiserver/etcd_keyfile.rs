//! # CNTR-K8-001530: API server has etcd client key
//!
//! **What it checks.** The kube-apiserver static pod (recognised by its `component` label, its
//! command or its image) must run with `--etcd-keyfile` set to a non-empty file path. The STIG
//! check text makes a flag that is not configured a finding, so an absent flag is reported at the
//! container's `command`; an empty (or bare) flag is reported at the flag.
//!
//! **Why.** The key goes with the etcd client certificate: without it the API server cannot prove
//! its identity to etcd over mutual TLS.
//!
//! **Example.**
//! ```yaml
//! command:            # finding: no --etcd-keyfile
//!   - kube-apiserver
//!   - --authorization-mode=Node,RBAC
//! ```
//!
//! **Fix.** Set `--etcd-keyfile` to the key of the API server's etcd client certificate (kubeadm:
//! `/etc/kubernetes/pki/apiserver-etcd-client.key`) in
//! `/etc/kubernetes/manifests/kube-apiserver.yaml`.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-001530 (V-242431): the check greps the manifests
//! for `etcd-keyfile`; not configured is a finding.
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-001530")
            .kinds(&["Pod"])
            .remediation("Set `--etcd-keyfile` to the key of the API server's etcd client certificate on kube-apiserver.")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        super::require_file(doc, out, "etcd-keyfile");
    }
}
