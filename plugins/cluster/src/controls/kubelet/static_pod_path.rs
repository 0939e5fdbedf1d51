//! # CNTR-K8-000440: Worker kubelets do not load static pods
//!
//! **What it checks.** A worker node's kubelet must not watch a static pod directory: the
//! `KubeletConfiguration` (or an EKS `NodeConfig`'s `spec.kubelet.config`) must not set
//! `staticPodPath` (absent or empty is fine), and the kubelet must not be started with
//! `--pod-manifest-path`. stiglint cannot tell a worker's config from a control-plane node's
//! (kubeadm control planes need `staticPodPath: /etc/kubernetes/manifests`): scan worker
//! configs only, or waive this control for control-plane nodes. `NodeConfig` is always a worker.
//!
//! **Why.** Anyone who can write to the static pod directory runs pods on the node that bypass
//! the API server's admission control.
//!
//! **Example.**
//! ```yaml
//! apiVersion: kubelet.config.k8s.io/v1beta1
//! kind: KubeletConfiguration
//! staticPodPath: /etc/kubernetes/manifests   # finding on a worker node
//! ```
//!
//! **Fix.** Remove `staticPodPath` from the worker's `/var/lib/kubelet/config.yaml` and
//! `--pod-manifest-path` from its kubelet command line.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-000440 (V-242397): a value for `staticPodPath`
//! in a worker's kubelet config, or `--pod-manifest-path` in the kubelet's systemd arguments, is
//! a finding.
use stiglint_sdk::kubelet::{KINDS, Kubelet, check_no_flag, show};
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-000440")
            .formats(&[Format::K8s, Format::Kubelet])
            .kinds(KINDS)
            .remediation(
                "Remove `staticPodPath` from worker kubelet configs and drop `--pod-manifest-path`.",
            )
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        check_no_flag(doc, out, "pod-manifest-path", |_| false);
        let Some(kubelet) = Kubelet::of(doc) else {
            return;
        };
        if let Some((value, pointer)) = kubelet
            .config("staticPodPath")
            .filter(|(v, _)| !v.is_null() && v.as_str().is_none_or(|s| !s.trim().is_empty()))
        {
            out.finding(
                pointer,
                format!(
                    "{} must not set staticPodPath on a worker node (it is {})",
                    kubelet.describe(),
                    show(value)
                ),
            );
        }
    }
}
