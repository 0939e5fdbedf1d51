//! # CNTR-K8-003310: Audit log retained >= 30 days
//!
//! **What it checks.** The kube-apiserver static pod must run with `--audit-log-maxage` set to an
//! integer of at least `30` (days). The STIG check text makes a flag that is not set a finding, so
//! an absent flag is reported at the container's `command`; a smaller value or one that is not a
//! number is reported at the flag.
//!
//! **Why.** Old audit files are deleted after `maxage` days; incidents are often discovered weeks
//! after they happen, and the record must still be there.
//!
//! **Example.**
//! ```yaml
//! command:
//!   - kube-apiserver
//!   - --audit-log-maxage=7   # finding
//! ```
//!
//! **Fix.** Set `--audit-log-maxage=30` (or more) in
//! `/etc/kubernetes/manifests/kube-apiserver.yaml`.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-003310 (V-242464): the check greps the manifests
//! for `audit-log-maxage`; not set, or set to less than `30`, is a finding.
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-003310")
            .kinds(&["Pod"])
            .remediation("Set `--audit-log-maxage` to at least 30 on kube-apiserver.")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        super::require_at_least(doc, out, "audit-log-maxage", 30);
    }
}
