//! # CNTR-K8-001550: etcd peer key configured
//!
//! **What it checks.** The etcd static pod must run with `--peer-key-file` set to a non-empty path.
//! The STIG check text makes a flag that is not set a finding, so an absent flag is reported at the
//! container's `command`; an empty value (`--peer-key-file=`) is a finding at the flag.
//!
//! **Why.** etcd members must hold the private key of their peer certificate to encrypt and
//! authenticate the traffic between them.
//!
//! **Example.**
//! ```yaml
//! command:
//!   - etcd
//!   - --peer-key-file=   # finding
//! ```
//!
//! **Fix.** Set `--peer-key-file=/etc/kubernetes/pki/etcd/peer.key` in
//! `/etc/kubernetes/manifests/etcd.yaml`.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-001550 (V-242433): the check greps `peer-key-file`
//! in `/etc/kubernetes/manifests/`: not set in the etcd manifest is a finding.
use stiglint_sdk::controlplane::{Component, check_path_flag};
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-001550")
            .kinds(&["Pod"])
            .remediation("Set `--peer-key-file=/etc/kubernetes/pki/etcd/peer.key` on etcd.")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        check_path_flag(doc, out, Component::Etcd, "peer-key-file");
    }
}
