//! # CNTR-K8-001470: Kubelet serving certificate configured
//!
//! **What it checks.** The `KubeletConfiguration` (or an EKS `NodeConfig`'s `spec.kubelet.config`)
//! must set `tlsCertFile` to a non-empty path, and the kubelet must not be started with
//! `--tls-cert-file` (the setting belongs in the config file, and a flag overrides it). An absent
//! or empty `tlsCertFile` is a finding, as the check text says.
//!
//! **Why.** The kubelet's serving certificate lets clients authenticate the kubelet and encrypts
//! its API traffic.
//!
//! **Example.**
//! ```yaml
//! apiVersion: kubelet.config.k8s.io/v1beta1
//! kind: KubeletConfiguration
//! tlsCertFile: ""   # finding
//! ```
//!
//! **Fix.** Set `tlsCertFile` in `/var/lib/kubelet/config.yaml` (e.g. `tlsCertFile:
//! /var/lib/kubelet/pki/kubelet.crt`) and remove `--tls-cert-file` from the kubelet's command line.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-001470 (V-242425): a `--tls-cert-file` option is a
//! finding; `tlsCertFile` in the config file not set or without a value is a finding.
use stiglint_sdk::controlplane::WhenAbsent;
use stiglint_sdk::kubelet::{KINDS, check_kubelet, non_empty_path};
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-001470")
            .formats(&[Format::K8s, Format::Kubelet])
            .kinds(KINDS)
            .remediation("Set `tlsCertFile` in the kubelet config and drop `--tls-cert-file`.")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        check_kubelet(
            doc,
            out,
            "tls-cert-file",
            "tlsCertFile",
            WhenAbsent::Finding,
            non_empty_path,
            "to a non-empty path",
        );
    }
}
