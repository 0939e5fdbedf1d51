//! # CNTR-K8-001460: Kubelet serving key configured
//!
//! **What it checks.** The `KubeletConfiguration` (or an EKS `NodeConfig`'s `spec.kubelet.config`)
//! must set `tlsPrivateKeyFile` to a non-empty path, and the kubelet must not be started with
//! `--tls-private-key-file` (the setting belongs in the config file, and a flag overrides it). An
//! absent or empty `tlsPrivateKeyFile` is a finding, as the check text says.
//!
//! **Why.** The kubelet's serving key, with its certificate, lets clients authenticate the kubelet
//! and encrypts its API traffic.
//!
//! **Example.**
//! ```yaml
//! apiVersion: kubelet.config.k8s.io/v1beta1
//! kind: KubeletConfiguration
//! tlsPrivateKeyFile: ""   # finding
//! ```
//!
//! **Fix.** Set `tlsPrivateKeyFile` in `/var/lib/kubelet/config.yaml` (e.g. `tlsPrivateKeyFile:
//! /var/lib/kubelet/pki/kubelet.key`) and remove `--tls-private-key-file` from the kubelet's
//! command line.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-001460 (V-242424): a `--tls-private-key-file`
//! option is a finding; `tlsPrivateKeyFile` in the config file not set or without a value is a
//! finding.
use stiglint_sdk::controlplane::WhenAbsent;
use stiglint_sdk::kubelet::{KINDS, check_kubelet, non_empty_path};
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-001460")
            .formats(&[Format::K8s, Format::Kubelet])
            .kinds(KINDS)
            .remediation(
                "Set `tlsPrivateKeyFile` in the kubelet config and drop `--tls-private-key-file`.",
            )
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        check_kubelet(
            doc,
            out,
            "tls-private-key-file",
            "tlsPrivateKeyFile",
            WhenAbsent::Finding,
            non_empty_path,
            "to a non-empty path",
        );
    }
}
