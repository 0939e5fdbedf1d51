//! # CNTR-K8-000220: Controllers use individual service-account credentials
//!
//! **What it checks.** The kube-controller-manager static pod must run with
//! `--use-service-account-credentials=true` (a bare `--use-service-account-credentials` reads
//! `true`). The STIG check text makes a flag that is not configured a finding (the default is
//! `false`), so an absent flag is reported at the container's `command`.
//!
//! **Why.** With the flag, each controller loop acts with its own service account and only the
//! permissions RBAC grants that controller; without it every controller shares the controller
//! manager's own, very broad, credentials.
//!
//! **Example.**
//! ```yaml
//! command:
//!   - kube-controller-manager
//!   - --use-service-account-credentials=false   # finding
//! ```
//!
//! **Fix.** Set `--use-service-account-credentials=true` in
//! `/etc/kubernetes/manifests/kube-controller-manager.yaml`.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-000220 (V-242381): the check greps
//! `use-service-account-credentials` in `/etc/kubernetes/manifests/`: not configured in the
//! Controller Manager manifest, or set to `false`, is a finding.
use stiglint_sdk::controlplane::{Component, WhenAbsent, check_flag};
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-000220")
            .kinds(&["Pod"])
            .remediation("Set `--use-service-account-credentials=true` on kube-controller-manager.")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        check_flag(
            doc,
            out,
            Component::ControllerManager,
            "use-service-account-credentials",
            WhenAbsent::Finding,
            |f| f.as_bool() == Some(true),
            "to true",
        );
    }
}
