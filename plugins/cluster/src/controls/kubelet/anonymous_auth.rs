//! # CNTR-K8-000370: Kubelet anonymous requests disabled
//!
//! **What it checks.** The `KubeletConfiguration` (or an EKS `NodeConfig`'s
//! `spec.kubelet.config`) must set `authentication.anonymous.enabled: false` explicitly, and the
//! kubelet must not be started with `--anonymous-auth` at all (whatever its value: the setting
//! belongs in the config file). An absent `enabled` is a finding, as the check text says; it is
//! reported at the nearest enclosing object that exists (`authentication.anonymous`,
//! `authentication`, else the `kind` line).
//!
//! **Why.** With anonymous requests on, anyone who reaches the kubelet's port is served as
//! `system:anonymous`.
//!
//! **Example.**
//! ```yaml
//! apiVersion: kubelet.config.k8s.io/v1beta1
//! kind: KubeletConfiguration
//! authentication:
//!   anonymous:
//!     enabled: true   # finding
//! ```
//!
//! **Fix.** Set `authentication.anonymous.enabled: false` in `/var/lib/kubelet/config.yaml` and
//! remove `--anonymous-auth` from the kubelet's command line.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-000370 (V-242391): an `--anonymous-auth` option
//! is a finding; in the config file, `enabled` under `authentication.anonymous` missing or
//! `true` is a finding.
use stiglint_sdk::controlplane::WhenAbsent;
use stiglint_sdk::kubelet::{KINDS, check_kubelet};
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-000370")
            .formats(&[Format::K8s, Format::Kubelet])
            .kinds(KINDS)
            .remediation(
                "Set `authentication.anonymous.enabled: false` in the kubelet config and drop `--anonymous-auth`.",
            )
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        check_kubelet(
            doc,
            out,
            "anonymous-auth",
            "authentication.anonymous.enabled",
            WhenAbsent::Finding,
            |v| v == &Value::Bool(false),
            "to false",
        );
    }
}
