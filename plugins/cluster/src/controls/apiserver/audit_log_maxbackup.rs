//! # CNTR-K8-003300: Audit log keeps >= 10 rotated files
//!
//! **What it checks.** The kube-apiserver static pod must run with `--audit-log-maxbackup` set to
//! an integer of at least `10`. The STIG check text makes a flag that is not set a finding, so an
//! absent flag is reported at the container's `command`; a smaller value or one that is not a
//! number is reported at the flag.
//!
//! **Why.** Rotated audit files beyond the backup count are deleted: too few backups and the audit
//! trail is lost before anyone reads it.
//!
//! **Example.**
//! ```yaml
//! command:
//!   - kube-apiserver
//!   - --audit-log-maxbackup=3   # finding
//! ```
//!
//! **Fix.** Set `--audit-log-maxbackup=10` (or more) in
//! `/etc/kubernetes/manifests/kube-apiserver.yaml`.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-003300 (V-242463): the check greps the manifests
//! for `audit-log-maxbackup`; not set, or set to less than `10`, is a finding.
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-003300")
            .kinds(&["Pod"])
            .remediation("Set `--audit-log-maxbackup` to at least 10 on kube-apiserver.")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        super::require_at_least(doc, out, "audit-log-maxbackup", 10);
    }
}
