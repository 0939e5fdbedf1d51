//! # CNTR-K8-002640: API server authenticates to kubelets with client cert
//!
//! **What it checks.** The kube-apiserver static pod (recognised by its `component` label, its
//! command or its image) must run with both `--kubelet-client-certificate` and
//! `--kubelet-client-key` set to a non-empty file path. The STIG check text makes either flag not
//! set, or set to no value, a finding: each absent flag is reported at the container's `command`
//! (two findings there when both are missing), each empty (or bare) one at the flag.
//!
//! **Why.** Without a client certificate the API server reaches kubelets (exec, logs, port-forward)
//! unauthenticated, which only works if kubelets accept anonymous requests.
//!
//! **Example.**
//! ```yaml
//! command:   # two findings: no --kubelet-client-certificate, no --kubelet-client-key
//!   - kube-apiserver
//!   - --authorization-mode=Node,RBAC
//! ```
//!
//! **Fix.** Set `--kubelet-client-certificate` and `--kubelet-client-key` to an approved
//! certificate and key pair (kubeadm: `/etc/kubernetes/pki/apiserver-kubelet-client.crt` and
//! `.key`) in `/etc/kubernetes/manifests/kube-apiserver.yaml`.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-002640 (V-245544): the check greps the manifests
//! for `kubelet-client-certificate` and `kubelet-client-key`; either not configured, or containing
//! no value, is a finding.
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-002640")
            .kinds(&["Pod"])
            .remediation("Set `--kubelet-client-certificate` and `--kubelet-client-key` to an approved certificate and key pair on kube-apiserver.")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        super::require_file(doc, out, "kubelet-client-certificate");
        super::require_file(doc, out, "kubelet-client-key");
    }
}
