//! # CNTR-K8-000350: API server secure port configured
//!
//! **What it checks.** The kube-apiserver static pod must run with `--secure-port` set to a port
//! number greater than `0`. The STIG check text makes a flag that is not configured a finding, so
//! an absent flag is reported at the container's `command`; `0` (which turns HTTPS off) or a value
//! that is not a number is reported at the flag.
//!
//! **Why.** The secure port is the API server's authenticated, encrypted endpoint; with it disabled
//! clients are left with nothing but insecure transports.
//!
//! **Example.**
//! ```yaml
//! command:
//!   - kube-apiserver
//!   - --secure-port=0   # finding
//! ```
//!
//! **Fix.** Set `--secure-port` to a port greater than `0` (kubeadm uses `6443`) in
//! `/etc/kubernetes/manifests/kube-apiserver.yaml`.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-000350 (V-242389): the check greps the manifests
//! for `secure-port`; set to `0` or not configured is a finding.
use stiglint_sdk::controlplane::{Component, WhenAbsent, check_flag};
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-000350").kinds(&["Pod"]).remediation(
            "Set `--secure-port` to a port greater than 0 (e.g. `6443`) on kube-apiserver.",
        )
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        check_flag(
            doc,
            out,
            Component::ApiServer,
            "secure-port",
            WhenAbsent::Finding,
            |f| f.text().trim().parse::<u16>().is_ok_and(|p| p > 0),
            "to a port greater than 0",
        );
    }
}
