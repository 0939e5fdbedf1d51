//! # CNTR-K8-001300: Kubelet streaming idle timeout not disabled
//!
//! **What it checks.** The `KubeletConfiguration` (or an EKS `NodeConfig`'s
//! `spec.kubelet.config`) must set `streamingConnectionIdleTimeout` to a Go duration of at
//! least `5m`, and the kubelet must not be started with `--streaming-connection-idle-timeout`.
//! An absent field is a finding, as the check text says ("not configured").
//!
//! **Why.** An idle `exec`, `attach` or `port-forward` stream left open indefinitely is a
//! session nobody watches; a timeout closes it.
//!
//! **Example.**
//! ```yaml
//! apiVersion: kubelet.config.k8s.io/v1beta1
//! kind: KubeletConfiguration
//! streamingConnectionIdleTimeout: 30s   # finding
//! ```
//!
//! **Fix.** Set `streamingConnectionIdleTimeout: 5m` in `/var/lib/kubelet/config.yaml` and
//! remove `--streaming-connection-idle-timeout` from the kubelet's command line.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-001300 (V-245541): a
//! `--streaming-connection-idle-timeout` option is a finding; `streamingConnectionIdleTimeout`
//! less than `5m` or not configured is a finding.
use stiglint_sdk::controlplane::WhenAbsent;
use stiglint_sdk::kubelet::{KINDS, check_kubelet, parse_duration};
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-001300")
            .formats(&[Format::K8s, Format::Kubelet])
            .kinds(KINDS)
            .remediation(
                "Set `streamingConnectionIdleTimeout: 5m` in the kubelet config and drop `--streaming-connection-idle-timeout`.",
            )
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        check_kubelet(
            doc,
            out,
            "streaming-connection-idle-timeout",
            "streamingConnectionIdleTimeout",
            WhenAbsent::Finding,
            |v| {
                v.as_str()
                    .and_then(parse_duration)
                    .is_some_and(|s| s >= 300.0)
            },
            "to 5m or more",
        );
    }
}
