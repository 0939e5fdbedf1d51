//! # CNTR-K8-000160: Scheduler refuses TLS below 1.2
//!
//! **What it checks.** The kube-scheduler static pod (recognised by its `component` label, its
//! command or its image) must run with `--tls-min-version=VersionTLS12` or `VersionTLS13`. The flag
//! must be set explicitly: the STIG check text makes a flag that is not configured a finding, so an
//! absent flag is reported at the container's `command`.
//!
//! **Why.** The scheduler serves its secure port over TLS; TLS 1.0 and 1.1 have known weaknesses
//! and must be refused.
//!
//! **Example.**
//! ```yaml
//! command:
//!   - kube-scheduler
//!   - --tls-min-version=VersionTLS11   # finding
//! ```
//!
//! **Fix.** Set `--tls-min-version=VersionTLS12` (or `VersionTLS13`) in
//! `/etc/kubernetes/manifests/kube-scheduler.yaml`.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-000160 (V-242377): the check greps
//! `tls-min-version` in `/etc/kubernetes/manifests/`: not configured in the Scheduler manifest, or
//! set to `VersionTLS10` or `VersionTLS11`, is a finding.
use stiglint_sdk::controlplane::{Component, WhenAbsent, check_flag};
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-000160").kinds(&["Pod"]).remediation(
            "Set `--tls-min-version=VersionTLS12` (or `VersionTLS13`) on kube-scheduler.",
        )
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        check_flag(
            doc,
            out,
            Component::Scheduler,
            "tls-min-version",
            WhenAbsent::Finding,
            |f| matches!(f.text(), "VersionTLS12" | "VersionTLS13"),
            "to VersionTLS12 or VersionTLS13",
        );
    }
}
