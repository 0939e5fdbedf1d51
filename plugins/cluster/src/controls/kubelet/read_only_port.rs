//! # CNTR-K8-000330: Kubelet read-only port disabled
//!
//! **What it checks.** The kubelet's unauthenticated read-only port must be off: the
//! `KubeletConfiguration` (or an EKS `NodeConfig`'s `spec.kubelet.config`) must not set
//! `readOnlyPort` to anything but `0`, and the kubelet must not be started with
//! `--read-only-port` other than `0` (in a systemd drop-in, `kubeadm-flags.env` or a
//! `NodeConfig`'s `spec.kubelet.flags`). An absent `readOnlyPort` is fine: the check text only
//! flags a setting that exists and is not `0` (the config file's default is `0`).
//!
//! **Why.** The read-only port (10255) serves pod and node information without any
//! authentication or authorization.
//!
//! **Example.**
//! ```yaml
//! apiVersion: kubelet.config.k8s.io/v1beta1
//! kind: KubeletConfiguration
//! readOnlyPort: 10255   # finding
//! ```
//!
//! **Fix.** Remove `readOnlyPort` or set `readOnlyPort: 0` in `/var/lib/kubelet/config.yaml`,
//! and remove `--read-only-port` from the kubelet's command line.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-000330 (V-242387): a `--read-only-port` option
//! on the kubelet is a finding; `readOnlyPort` in the config file existing and not set to `0`
//! is a finding.
use stiglint_sdk::controlplane::WhenAbsent;
use stiglint_sdk::kubelet::{KINDS, check_config, check_no_flag};
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

fn is_zero(value: &Value) -> bool {
    value.as_i64() == Some(0) || value.as_str().is_some_and(|s| s.trim() == "0")
}

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-000330")
            .formats(&[Format::K8s, Format::Kubelet])
            .kinds(KINDS)
            .remediation(
                "Set `readOnlyPort: 0` (or remove it) in the kubelet config and drop `--read-only-port`.",
            )
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        check_no_flag(doc, out, "read-only-port", |f| f.text().trim() == "0");
        check_config(doc, out, "readOnlyPort", WhenAbsent::Fine, is_zero, "to 0");
    }
}
