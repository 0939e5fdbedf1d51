//! # CNTR-K8-001480: etcd requires peer client certificates
//!
//! **What it checks.** The etcd static pod must run with `--peer-client-cert-auth=true` (a bare
//! `--peer-client-cert-auth` reads `true`). The STIG check text makes a flag that is not configured
//! a finding (the default is `false`), so an absent flag is reported at the container's `command`.
//!
//! **Why.** Without peer certificate authentication any host that reaches the peer port can join
//! the etcd cluster and receive its data.
//!
//! **Example.**
//! ```yaml
//! command:
//!   - etcd
//!   - --peer-client-cert-auth=false   # finding
//! ```
//!
//! **Fix.** Set `--peer-client-cert-auth=true` in `/etc/kubernetes/manifests/etcd.yaml`.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-001480 (V-242426): the check greps
//! `peer-client-cert-auth` in `/etc/kubernetes/manifests/`: not configured in the etcd manifest, or
//! set to `false`, is a finding.
use stiglint_sdk::controlplane::{Component, WhenAbsent, check_flag};
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-001480")
            .kinds(&["Pod"])
            .remediation("Set `--peer-client-cert-auth=true` on etcd.")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        check_flag(
            doc,
            out,
            Component::Etcd,
            "peer-client-cert-auth",
            WhenAbsent::Finding,
            |f| f.as_bool() == Some(true),
            "to true",
        );
    }
}
