//! # CNTR-K8-001620: Kubelet protects kernel defaults
//!
//! **What it checks.** The `KubeletConfiguration` (or an EKS `NodeConfig`'s
//! `spec.kubelet.config`) must set `protectKernelDefaults: true`, and the kubelet must not be
//! started with `--protect-kernel-defaults` (the setting belongs in the config file). An absent
//! `protectKernelDefaults` is a finding, as the check text says (the default is `false`).
//!
//! **Why.** With kernel defaults protected the kubelet refuses to start when the node's kernel
//! tunables differ from what it expects, instead of silently changing them.
//!
//! **Example.**
//! ```yaml
//! apiVersion: kubelet.config.k8s.io/v1beta1
//! kind: KubeletConfiguration
//! protectKernelDefaults: false   # finding
//! ```
//!
//! **Fix.** Set `protectKernelDefaults: true` in `/var/lib/kubelet/config.yaml` and remove
//! `--protect-kernel-defaults` from the kubelet's command line.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-001620 (V-242434): a
//! `--protect-kernel-defaults` option is a finding; `protectKernelDefaults` not set or set to
//! `false` is a finding.
use stiglint_sdk::controlplane::WhenAbsent;
use stiglint_sdk::kubelet::{KINDS, check_kubelet};
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-001620")
            .formats(&[Format::K8s, Format::Kubelet])
            .kinds(KINDS)
            .remediation(
                "Set `protectKernelDefaults: true` in the kubelet config and drop `--protect-kernel-defaults`.",
            )
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        check_kubelet(
            doc,
            out,
            "protect-kernel-defaults",
            "protectKernelDefaults",
            WhenAbsent::Finding,
            |v| v == &Value::Bool(true),
            "to true",
        );
    }
}
