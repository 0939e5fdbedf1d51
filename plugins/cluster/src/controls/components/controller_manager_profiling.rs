//! # CNTR-K8-000910: Controller manager profiling disabled
//!
//! **What it checks.** The kube-controller-manager static pod must run with `--profiling=false`.
//! The STIG check text makes a flag that is not configured a finding (profiling is on by default),
//! so an absent flag is reported at the container's `command`; a bare `--profiling` reads `true`.
//!
//! **Why.** The profiling endpoints (`/debug/pprof`) expose internals of the running process and
//! cost resources; a production control plane does not need them.
//!
//! **Example.**
//! ```yaml
//! command:
//!   - kube-controller-manager
//!   - --profiling=true   # finding
//! ```
//!
//! **Fix.** Set `--profiling=false` in `/etc/kubernetes/manifests/kube-controller-manager.yaml`.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-000910 (V-242409): the check greps `profiling` in
//! `/etc/kubernetes/manifests/`: not configured in the Controller Manager manifest, or set to
//! `true`, is a finding.
use stiglint_sdk::controlplane::{Component, WhenAbsent, check_flag};
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-000910")
            .kinds(&["Pod"])
            .remediation("Set `--profiling=false` on kube-controller-manager.")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        check_flag(
            doc,
            out,
            Component::ControllerManager,
            "profiling",
            WhenAbsent::Finding,
            |f| f.as_bool() == Some(false),
            "to false",
        );
    }
}
