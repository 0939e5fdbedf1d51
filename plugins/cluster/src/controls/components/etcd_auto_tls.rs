//! # CNTR-K8-000180: etcd must not self-sign client TLS
//!
//! **What it checks.** The etcd static pod (recognised by its `component` label, its command — also
//! inside `sh -c "etcd …"` — or its image) must run with `--auto-tls=false`, written explicitly:
//! the STIG check text makes a flag that is not configured a finding, so an absent flag is reported
//! at the container's `command`; a bare `--auto-tls` reads `true`.
//!
//! **Why.** With `--auto-tls` etcd serves clients with a self-signed certificate that nobody can
//! verify; clients must instead be served with a certificate from the cluster's CA.
//!
//! **Example.**
//! ```yaml
//! command:
//!   - etcd
//!   - --auto-tls=true   # finding
//! ```
//!
//! **Fix.** Set `--auto-tls=false` in `/etc/kubernetes/manifests/etcd.yaml`.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-000180 (V-242379): the check greps `auto-tls` in
//! `/etc/kubernetes/manifests/`: `--auto-tls` not configured in the etcd manifest, or set to
//! `true`, is a finding.
use stiglint_sdk::controlplane::{Component, WhenAbsent, check_flag};
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-000180")
            .kinds(&["Pod"])
            .remediation("Set `--auto-tls=false` on etcd.")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        check_flag(
            doc,
            out,
            Component::Etcd,
            "auto-tls",
            WhenAbsent::Finding,
            |f| f.as_bool() == Some(false),
            "to false",
        );
    }
}
