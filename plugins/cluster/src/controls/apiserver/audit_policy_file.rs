//! # CNTR-K8-003280: API server audit policy configured (audit enabled)
//!
//! **What it checks.** The kube-apiserver static pod (recognised by its `component` label, its
//! command or its image) must run with `--audit-policy-file` set to a non-empty file path. The STIG
//! check text makes a flag that is not set a finding, so an absent flag is reported at the
//! container's `command`; an empty (or bare) flag is reported at the flag.
//!
//! **Why.** Without an audit policy the API server records no audit events at all, whatever
//! `--audit-log-path` says.
//!
//! **Example.**
//! ```yaml
//! command:            # finding: no --audit-policy-file
//!   - kube-apiserver
//!   - --authorization-mode=Node,RBAC
//! ```
//!
//! **Fix.** Write an audit `Policy` (e.g. `/etc/kubernetes/audit/policy.yaml`), set
//! `--audit-policy-file` to it in `/etc/kubernetes/manifests/kube-apiserver.yaml` and mount it into
//! the pod.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-003280 (V-242461): the check greps the manifests
//! for `audit-policy-file`; not set, or found without valid content, is a finding (the policy
//! file's own content is not read here).
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-003280")
            .kinds(&["Pod"])
            .remediation("Set `--audit-policy-file` to an audit Policy file on kube-apiserver (and mount it into the pod).")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        super::require_file(doc, out, "audit-policy-file");
    }
}
