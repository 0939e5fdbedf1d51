//! # CNTR-K8-000610: API server writes an audit log
//!
//! **What it checks.** The kube-apiserver static pod must run with `--audit-log-path` set to a
//! non-empty value. The STIG check text makes a flag that is not set a finding, so an absent flag
//! is reported at the container's `command`; an empty (or bare) flag is reported at the flag.
//! Whether the path is a valid absolute path is CNTR-K8-003320's business.
//!
//! **Why.** Without an audit log there is no record of who did what to the cluster: incidents
//! cannot be investigated and misuse goes unnoticed.
//!
//! **Example.**
//! ```yaml
//! command:            # finding: no --audit-log-path
//!   - kube-apiserver
//!   - --authorization-mode=Node,RBAC
//! ```
//!
//! **Fix.** Set `--audit-log-path` (e.g. `/var/log/kubernetes/audit/audit.log`) in
//! `/etc/kubernetes/manifests/kube-apiserver.yaml` and mount that host directory into the pod.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-000610 (V-242402): the check greps the manifests
//! for `audit-log-path`; not set is a finding (the fix adds a hostPath mount when the API server
//! runs as a pod).
use stiglint_sdk::controlplane::{Component, WhenAbsent, check_flag};
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-000610").kinds(&["Pod"]).remediation(
            "Set `--audit-log-path` on kube-apiserver (and mount its directory from the host).",
        )
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        check_flag(
            doc,
            out,
            Component::ApiServer,
            "audit-log-path",
            WhenAbsent::Finding,
            super::has_value,
            "to the audit log's path",
        );
    }
}
