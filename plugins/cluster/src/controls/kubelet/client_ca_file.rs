//! # CNTR-K8-001420: Kubelet client CA configured
//!
//! **What it checks.** The `KubeletConfiguration` (or an EKS `NodeConfig`'s `spec.kubelet.config`)
//! must set `authentication.x509.clientCAFile` to a non-empty path, and the kubelet must not be
//! started with `--client-ca-file` (the setting belongs in the config file, and a flag overrides
//! it). An absent or empty `authentication.x509.clientCAFile` is a finding, as the check text says.
//!
//! **Why.** Without a client CA the kubelet cannot verify the certificates of clients (the API
//! server) that call it.
//!
//! **Example.**
//! ```yaml
//! apiVersion: kubelet.config.k8s.io/v1beta1
//! kind: KubeletConfiguration
//! authentication: {x509: {clientCAFile: ""}}   # finding
//! ```
//!
//! **Fix.** Set `authentication.x509.clientCAFile` in `/var/lib/kubelet/config.yaml` (e.g.
//! `clientCAFile: /etc/kubernetes/pki/ca.crt`) and remove `--client-ca-file` from the kubelet's
//! command line.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-001420 (V-242420): a `--client-ca-file` option is a
//! finding; `clientCAFile` in the config file not set or without a value is a finding.
use stiglint_sdk::controlplane::WhenAbsent;
use stiglint_sdk::kubelet::{KINDS, check_kubelet, non_empty_path};
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-001420")
            .formats(&[Format::K8s, Format::Kubelet])
            .kinds(KINDS)
            .remediation("Set `authentication.x509.clientCAFile` in the kubelet config and drop `--client-ca-file`.")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        check_kubelet(
            doc,
            out,
            "client-ca-file",
            "authentication.x509.clientCAFile",
            WhenAbsent::Finding,
            non_empty_path,
            "to a non-empty path",
        );
    }
}
