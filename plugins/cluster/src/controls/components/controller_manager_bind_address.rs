//! # CNTR-K8-000310: Controller manager listens on loopback only
//!
//! **What it checks.** The kube-controller-manager static pod must run with
//! `--bind-address=127.0.0.1`. The STIG check text makes a missing flag a finding too (the default
//! is to listen on all interfaces), so an absent flag is reported at the container's `command`.
//!
//! **Why.** The controller manager's health and metrics endpoints need not be reachable from the
//! network; bound to localhost they are not.
//!
//! **Example.**
//! ```yaml
//! command:
//!   - kube-controller-manager
//!   - --bind-address=0.0.0.0   # finding
//! ```
//!
//! **Fix.** Set `--bind-address=127.0.0.1` in
//! `/etc/kubernetes/manifests/kube-controller-manager.yaml`.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-000310 (V-242385): the check greps `bind-address`
//! in `/etc/kubernetes/manifests/`: not set to `127.0.0.1`, or not found, in the Controller Manager
//! manifest is a finding.
use stiglint_sdk::controlplane::{Component, WhenAbsent, check_flag};
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-000310")
            .kinds(&["Pod"])
            .remediation("Set `--bind-address=127.0.0.1` on kube-controller-manager.")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        check_flag(
            doc,
            out,
            Component::ControllerManager,
            "bind-address",
            WhenAbsent::Finding,
            |f| f.text() == "127.0.0.1",
            "to 127.0.0.1",
        );
    }
}
