//! # CNTR-K8-001540: etcd peer certificate configured
//!
//! **What it checks.** The etcd static pod must run with `--peer-cert-file` set to a non-empty
//! path. The STIG check text makes a flag that is not configured a finding, so an absent flag is
//! reported at the container's `command`; an empty value (`--peer-cert-file=`) is a finding at the
//! flag.
//!
//! **Why.** etcd members must present a certificate from the cluster's CA to each other, so that
//! peer traffic is encrypted and no stranger can pose as a member.
//!
//! **Example.**
//! ```yaml
//! command:
//!   - etcd
//!   - --peer-cert-file=   # finding
//! ```
//!
//! **Fix.** Set `--peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt` in
//! `/etc/kubernetes/manifests/etcd.yaml`.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-001540 (V-242432): the check greps `peer-cert-file`
//! in `/etc/kubernetes/manifests/`: not configured in the etcd manifest is a finding.
use stiglint_sdk::controlplane::{Component, check_path_flag};
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-001540")
            .kinds(&["Pod"])
            .remediation("Set `--peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt` on etcd.")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        check_path_flag(doc, out, Component::Etcd, "peer-cert-file");
    }
}
