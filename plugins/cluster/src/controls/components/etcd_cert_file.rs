//! # CNTR-K8-001500: etcd server certificate configured
//!
//! **What it checks.** The etcd static pod must run with `--cert-file` set to a non-empty path. The
//! STIG check text makes a flag that is not configured a finding, so an absent flag is reported at
//! the container's `command`; an empty value (`--cert-file=`) is a finding at the flag. (Only
//! `--cert-file` itself counts, not `--peer-cert-file`.)
//!
//! **Why.** etcd's client port must serve TLS with a certificate from the cluster's CA, so that the
//! API server can verify it talks to the real etcd.
//!
//! **Example.**
//! ```yaml
//! command:
//!   - etcd
//!   - --cert-file=   # finding
//! ```
//!
//! **Fix.** Set `--cert-file=/etc/kubernetes/pki/etcd/server.crt` in
//! `/etc/kubernetes/manifests/etcd.yaml`.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-001500 (V-242428): the check greps `cert-file` in
//! `/etc/kubernetes/manifests/`: not configured in the etcd manifest is a finding.
use stiglint_sdk::controlplane::{Component, check_path_flag};
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-001500")
            .kinds(&["Pod"])
            .remediation("Set `--cert-file=/etc/kubernetes/pki/etcd/server.crt` on etcd.")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        check_path_flag(doc, out, Component::Etcd, "cert-file");
    }
}
