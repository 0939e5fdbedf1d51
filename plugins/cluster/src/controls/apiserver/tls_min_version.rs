//! # CNTR-K8-000170: API server refuses TLS below 1.2
//!
//! **What it checks.** The kube-apiserver static pod (recognised by its `component` label, its
//! command or its image) must run with `--tls-min-version=VersionTLS12` or `VersionTLS13`.
//! The flag must be set explicitly: when it is absent the finding points at the container's
//! `command`, as the STIG check text makes an absent flag a finding.
//!
//! **Why.** Older TLS versions have known weaknesses; the API server is the door to the whole
//! cluster and must refuse them.
//!
//! **Example.**
//! ```yaml
//! command:
//!   - kube-apiserver
//!   - --tls-min-version=VersionTLS10   # finding
//! ```
//!
//! **Fix.** Add `--tls-min-version=VersionTLS12` (or `VersionTLS13`) to
//! `/etc/kubernetes/manifests/kube-apiserver.yaml`.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-000170 (V-242378): the check looks for
//! `--tls-min-version` in the kube-apiserver manifest and makes a missing flag or a version
//! below TLS 1.2 a finding.
use stiglint_sdk::controlplane::{Component, WhenAbsent, check_flag};
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-000170").kinds(&["Pod"]).remediation(
            "Set `--tls-min-version=VersionTLS12` (or `VersionTLS13`) on kube-apiserver.",
        )
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        check_flag(
            doc,
            out,
            Component::ApiServer,
            "tls-min-version",
            WhenAbsent::Finding,
            |f| matches!(f.text(), "VersionTLS12" | "VersionTLS13"),
            "to VersionTLS12 or VersionTLS13",
        );
    }
}
