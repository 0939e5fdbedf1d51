//! # CNTR-K8-000850: Kubelet hostname override not used
//!
//! **What it checks.** The kubelet must not be started with `--hostname-override`, wherever the
//! flag is given: a systemd drop-in (`KUBELET_EXTRA_ARGS`), `/var/lib/kubelet/kubeadm-flags.env`
//! or an EKS `NodeConfig`'s `spec.kubelet.flags`. There is no config-file half.
//!
//! **Why.** A node that reports a name other than its host name breaks the link between the node
//! object and its TLS identity, and can pose as another node.
//!
//! **Example.**
//! ```yaml
//! apiVersion: node.eks.aws/v1alpha1
//! kind: NodeConfig
//! spec:
//!   kubelet:
//!     flags:
//!       - --hostname-override=node1   # finding
//! ```
//!
//! **Fix.** Remove `--hostname-override` from the kubelet's command line.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-000850 (V-242404): the option
//! `--hostname-override` on the kubelet is a finding.
use stiglint_sdk::kubelet::{KINDS, check_no_flag};
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-000850")
            .formats(&[Format::K8s, Format::Kubelet])
            .kinds(KINDS)
            .remediation("Remove `--hostname-override` from the kubelet's command line.")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        check_no_flag(doc, out, "hostname-override", |_| false);
    }
}
