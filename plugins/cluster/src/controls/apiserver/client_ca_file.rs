//! # CNTR-K8-001410: API server client CA configured
//!
//! **What it checks.** The kube-apiserver static pod (recognised by its `component` label, its
//! command or its image) must run with `--client-ca-file` set to a non-empty file path. The STIG
//! check text makes a flag that is not set a finding, so an absent flag is reported at the
//! container's `command`; an empty (or bare) flag is reported at the flag.
//!
//! **Why.** The client CA is what the API server verifies client certificates against; without it
//! certificate authentication of users, kubelets and components is off.
//!
//! **Example.**
//! ```yaml
//! command:            # finding: no --client-ca-file
//!   - kube-apiserver
//!   - --authorization-mode=Node,RBAC
//! ```
//!
//! **Fix.** Set `--client-ca-file` to the approved organizational CA (kubeadm:
//! `/etc/kubernetes/pki/ca.crt`) in `/etc/kubernetes/manifests/kube-apiserver.yaml`.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-001410 (V-242419): the check greps the manifests
//! for `client-ca-file`; not set, or containing no value, is a finding.
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-001410")
            .kinds(&["Pod"])
            .remediation("Set `--client-ca-file` to the approved organizational CA certificate on kube-apiserver.")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        super::require_file(doc, out, "client-ca-file");
    }
}
