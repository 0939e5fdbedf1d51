//! # CNTR-K8-001490: etcd server key configured
//!
//! **What it checks.** The etcd static pod must run with `--key-file` set to a non-empty path. The
//! STIG check text makes a flag that is not configured a finding, so an absent flag is reported at
//! the container's `command`; an empty value (`--key-file=`) is a finding at the flag. (Only
//! `--key-file` itself counts, not `--peer-key-file`.)
//!
//! **Why.** etcd's client port must serve TLS with the cluster's own key and certificate, so that
//! the API server talks to the real etcd over an encrypted channel.
//!
//! **Example.**
//! ```yaml
//! command:
//!   - etcd
//!   - --key-file=   # finding
//! ```
//!
//! **Fix.** Set `--key-file=/etc/kubernetes/pki/etcd/server.key` in
//! `/etc/kubernetes/manifests/etcd.yaml`.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-001490 (V-242427): the check greps `key-file` in
//! `/etc/kubernetes/manifests/`: not configured in the etcd manifest is a finding.
use stiglint_sdk::controlplane::{Component, check_path_flag};
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-001490")
            .kinds(&["Pod"])
            .remediation("Set `--key-file=/etc/kubernetes/pki/etcd/server.key` on etcd.")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        check_path_flag(doc, out, Component::Etcd, "key-file");
    }
}
