//! # CNTR-K8-000190: etcd must not self-sign peer TLS
//!
//! **What it checks.** The etcd static pod (recognised by its `component` label, its command — also
//! inside `sh -c "etcd …"` — or its image) must run with `--peer-auto-tls=false`, written
//! explicitly: the STIG check text makes a flag that is not configured a finding, so an absent flag
//! is reported at the container's `command`; a bare `--peer-auto-tls` reads `true`.
//!
//! **Why.** With `--peer-auto-tls` etcd members authenticate each other with self-signed
//! certificates nobody can verify; peer traffic must use certificates from the cluster's CA.
//!
//! **Example.**
//! ```yaml
//! command:
//!   - etcd
//!   - --peer-auto-tls=true   # finding
//! ```
//!
//! **Fix.** Set `--peer-auto-tls=false` in `/etc/kubernetes/manifests/etcd.yaml`.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-000190 (V-242380): the check greps `peer-auto-tls`
//! in `/etc/kubernetes/manifests/`: `--peer-auto-tls` not configured in the etcd manifest, or set
//! to `true`, is a finding.
use stiglint_sdk::controlplane::{Component, WhenAbsent, check_flag};
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-000190")
            .kinds(&["Pod"])
            .remediation("Set `--peer-auto-tls=false` on etcd.")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        check_flag(
            doc,
            out,
            Component::Etcd,
            "peer-auto-tls",
            WhenAbsent::Finding,
            |f| f.as_bool() == Some(false),
            "to false",
        );
    }
}
