//! # CNTR-K8-002001: `PodSecurity` feature gate on
//!
//! **What it checks.** On Kubernetes 1.22 to 1.27, the versions that have the `PodSecurity` feature
//! gate (alpha in 1.22, GA in 1.25, removed in 1.28), every control-plane static pod that takes
//! Kubernetes feature gates (kube-apiserver, kube-controller-manager, kube-scheduler) must run with
//! `--feature-gates` containing `PodSecurity=true`. The STIG check text makes a missing setting a
//! finding: an absent `--feature-gates` is reported at the container's `command`, a
//! `--feature-gates` without the gate (or with it `false`) at its item. The version is the image
//! tag's, else the scan's `--k8s-version`: outside 1.22–1.27 the pod gets a not-applicable note
//! instead (setting an unknown gate stops the component from starting); with no version known, a
//! not-evaluated note. (The kubelet half of the rule is not checked here.)
//!
//! **Why.** The `PodSecurity` admission controller enforces the Pod Security Standards on every
//! namespace; with the gate off, privileged and host-namespace pods are admitted unchecked.
//!
//! **Example.**
//! ```yaml
//! containers:
//!   - image: registry.k8s.io/kube-apiserver:v1.24.17
//!     command:
//!       - kube-apiserver
//!       - --feature-gates=PodSecurity=false   # finding
//! ```
//!
//! **Fix.** On Kubernetes 1.22 to 1.27, add `PodSecurity=true` to `--feature-gates` in every
//! manifest of `/etc/kubernetes/manifests/`.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-002001 (V-254801, CAT I): for each manifest,
//! `--feature-gates` that does not exist, does not contain `PodSecurity`, or sets it to `false` is
//! a finding (and, on each node, a kubelet `--feature-gates` option or `featureGates` without
//! `PodSecurity: true`); the rule notes the gate is GA as of 1.25.
use stiglint_sdk::{ScanContext, prelude::*};

use super::feature_gates::{Lifetime, must_set};

/// See the module documentation.
#[derive(Default)]
pub struct Rule {
    scan: ScanContext,
}

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-002001").kinds(&["Pod"]).remediation(
            "On Kubernetes 1.22 to 1.27, set `--feature-gates=PodSecurity=true` on the \
             control-plane components.",
        )
    }

    fn configure(&mut self, settings: &Value, scan: &ScanContext) -> Result<(), String> {
        stiglint_sdk::k8s::list_settings(settings, &[])?;
        self.scan = scan.clone();
        Ok(())
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        let lifetime = Lifetime {
            first: Some((1, 22)),
            last: (1, 27),
        };
        must_set(doc, out, &self.scan, "PodSecurity", true, &lifetime);
    }
}
