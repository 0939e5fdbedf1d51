//! # CNTR-K8-001440: API server serving certificate configured
//!
//! **What it checks.** The kube-apiserver static pod (recognised by its `component` label, its
//! command or its image) must run with both `--tls-cert-file` and `--tls-private-key-file` set to a
//! non-empty file path. The STIG check text makes either flag not set, or set to no value, a
//! finding: each absent flag is reported at the container's `command` (two findings there when both
//! are missing), each empty (or bare) one at the flag.
//!
//! **Why.** Without its own certificate and key the API server serves a self-signed certificate it
//! generates at start-up, which clients cannot verify against the organization's PKI.
//!
//! **Example.**
//! ```yaml
//! command:   # two findings: no --tls-cert-file, no --tls-private-key-file
//!   - kube-apiserver
//!   - --authorization-mode=Node,RBAC
//! ```
//!
//! **Fix.** Set `--tls-cert-file` and `--tls-private-key-file` to the approved organizational
//! certificate and key (kubeadm: `/etc/kubernetes/pki/apiserver.crt` and `.key`) in
//! `/etc/kubernetes/manifests/kube-apiserver.yaml`.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-001440 (V-242422): the check greps the manifests
//! for `tls-cert-file` and `tls-private-key-file`; either not set, or containing no value, is a
//! finding.
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-001440")
            .kinds(&["Pod"])
            .remediation("Set `--tls-cert-file` and `--tls-private-key-file` to the approved certificate and key on kube-apiserver.")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        super::require_file(doc, out, "tls-cert-file");
        super::require_file(doc, out, "tls-private-key-file");
    }
}
