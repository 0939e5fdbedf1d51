//! # CNTR-K8-000300: Scheduler binds to localhost only
//!
//! **What it checks.** The kube-scheduler static pod must run with `--bind-address=127.0.0.1`.
//! The STIG check text makes a missing flag a finding too (the scheduler's default is to listen
//! on all interfaces), so an absent flag is reported at the container's `command`.
//!
//! **Why.** The scheduler's health and metrics endpoints need not be reachable from the network;
//! bound to localhost they are not.
//!
//! **Example.**
//! ```yaml
//! command:
//!   - kube-scheduler
//!   - --bind-address=0.0.0.0   # finding
//! ```
//!
//! **Fix.** Set `--bind-address=127.0.0.1` in `/etc/kubernetes/manifests/kube-scheduler.yaml`.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-000300 (V-242384): the check looks at
//! `--bind-address` in the kube-scheduler manifest: not set to `127.0.0.1`, or not found, is a
//! finding.
use stiglint_sdk::controlplane::{Component, WhenAbsent, check_flag};
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-000300")
            .kinds(&["Pod"])
            .remediation("Set `--bind-address=127.0.0.1` on kube-scheduler.")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        check_flag(
            doc,
            out,
            Component::Scheduler,
            "bind-address",
            WhenAbsent::Finding,
            |f| f.text() == "127.0.0.1",
            "to 127.0.0.1",
        );
    }
}
