//! # CNTR-K8-001450: etcd requires client certificates
//!
//! **What it checks.** The etcd static pod must run with `--client-cert-auth=true` (a bare
//! `--client-cert-auth` reads `true`). The STIG check text makes a flag that is not configured a
//! finding (the default is `false`), so an absent flag is reported at the container's `command`.
//!
//! **Why.** Without client certificate authentication anyone who reaches etcd's client port can
//! read and write the whole cluster state, Secrets included.
//!
//! **Example.**
//! ```yaml
//! command:
//!   - etcd
//!   - --client-cert-auth=false   # finding
//! ```
//!
//! **Fix.** Set `--client-cert-auth=true` in `/etc/kubernetes/manifests/etcd.yaml`.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-001450 (V-242423): the check greps
//! `client-cert-auth` in `/etc/kubernetes/manifests/`: not configured in the etcd manifest, or set
//! to `false`, is a finding.
use stiglint_sdk::controlplane::{Component, WhenAbsent, check_flag};
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-001450")
            .kinds(&["Pod"])
            .remediation("Set `--client-cert-auth=true` on etcd.")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        check_flag(
            doc,
            out,
            Component::Etcd,
            "client-cert-auth",
            WhenAbsent::Finding,
            |f| f.as_bool() == Some(true),
            "to true",
        );
    }
}
