//! # CNTR-K8-000360: API server anonymous requests disabled
//!
//! **What it checks.** The kube-apiserver static pod must run with `--anonymous-auth=false`:
//! `true`, a bare `--anonymous-auth`, or any value other than `false` is a finding at the flag.
//! An absent flag is a finding too, at the container's `command`: the API server's default is
//! `true`, so only an explicit `false` disables anonymous requests (the STIG's fix sets it).
//!
//! **Why.** Anonymous requests reach the API as `system:anonymous`; any role binding that
//! (deliberately or not) grants that user or `system:unauthenticated` something is then open to the
//! whole network.
//!
//! **Example.**
//! ```yaml
//! command:
//!   - kube-apiserver
//!   - --anonymous-auth=true   # finding
//! ```
//!
//! **Fix.** Set `--anonymous-auth=false` in `/etc/kubernetes/manifests/kube-apiserver.yaml`.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-000360 (V-242390): the check greps the manifests
//! for `anonymous-auth`; set to `true` is a finding; the fix sets it to `false`.
use stiglint_sdk::controlplane::{Component, WhenAbsent, check_flag};
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-000360")
            .kinds(&["Pod"])
            .remediation("Set `--anonymous-auth=false` on kube-apiserver.")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        check_flag(
            doc,
            out,
            Component::ApiServer,
            "anonymous-auth",
            WhenAbsent::Finding,
            |f| f.as_bool() == Some(false),
            "to false",
        );
    }
}
