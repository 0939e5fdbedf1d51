//! # CNTR-K8-000270: API server authorization mode is not `AlwaysAllow`
//!
//! **What it checks.** The kube-apiserver static pod (recognised by its `component` label, its
//! command or its image) must run with `--authorization-mode` set, and no mode of the list may be
//! `AlwaysAllow`. The STIG check text makes a flag that is not configured a finding too, so an
//! absent flag is reported at the container's `command`; an empty value, or a list with
//! `AlwaysAllow` anywhere in it, is reported at the flag. Other modes (`Node`, `RBAC`, `Webhook`,
//! `ABAC`) are accepted: the check only rules out `AlwaysAllow`.
//!
//! **Why.** `AlwaysAllow` lets every authenticated (and, with anonymous auth, unauthenticated)
//! request do anything: authorizers are asked in order and `AlwaysAllow` approves whatever the
//! others leave undecided. `Node,RBAC` restricts kubelets to their own node's objects and everyone
//! else to what roles grant.
//!
//! **Example.**
//! ```yaml
//! command:
//!   - kube-apiserver
//!   - --authorization-mode=AlwaysAllow   # finding
//! ```
//!
//! **Fix.** Set `--authorization-mode=Node,RBAC` in
//! `/etc/kubernetes/manifests/kube-apiserver.yaml`.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-000270 (V-242382): the check greps the manifests
//! for `authorization-mode`; set to `AlwaysAllow` or not configured is a finding (the fix sets
//! `Node,RBAC`).
use stiglint_sdk::controlplane::{Component, WhenAbsent, check_flag};
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-000270")
            .kinds(&["Pod"])
            .remediation("Set `--authorization-mode=Node,RBAC` on kube-apiserver.")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        check_flag(
            doc,
            out,
            Component::ApiServer,
            "authorization-mode",
            WhenAbsent::Finding,
            |f| super::has_value(f) && !f.list().contains(&"AlwaysAllow"),
            "to a list of modes without AlwaysAllow (Node,RBAC)",
        );
    }
}
