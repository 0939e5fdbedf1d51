//! # CNTR-K8-003290: Audit log max file size >= 100 MB
//!
//! **What it checks.** The kube-apiserver static pod must run with `--audit-log-maxsize` set to an
//! integer of at least `100` (megabytes). The STIG check text makes a flag that is not set a
//! finding, so an absent flag is reported at the container's `command`; a smaller value or one that
//! is not a number is reported at the flag.
//!
//! **Why.** Audit logs rotated at a small size cycle through their backups quickly, and with them
//! the record of what happened goes too.
//!
//! **Example.**
//! ```yaml
//! command:
//!   - kube-apiserver
//!   - --audit-log-maxsize=10   # finding
//! ```
//!
//! **Fix.** Set `--audit-log-maxsize=100` (or more) in
//! `/etc/kubernetes/manifests/kube-apiserver.yaml`.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-003290 (V-242462): the check greps the manifests
//! for `audit-log-maxsize`; not set, or set to less than `100`, is a finding.
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-003290")
            .kinds(&["Pod"])
            .remediation("Set `--audit-log-maxsize` to at least 100 on kube-apiserver.")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        super::require_at_least(doc, out, "audit-log-maxsize", 100);
    }
}
