//! # CNTR-K8-000460: `DynamicKubeletConfig` disabled
//!
//! **What it checks.** On Kubernetes 1.25 and older, every control-plane static pod that takes
//! Kubernetes feature gates (kube-apiserver, kube-controller-manager, kube-scheduler) must run with
//! `--feature-gates` containing `DynamicKubeletConfig=false`. The STIG check text makes a missing
//! setting a finding: an absent `--feature-gates` is reported at the container's `command`, a
//! `--feature-gates` without the gate (or with it `true`) at its item. The version is the image
//! tag's, else the scan's `--k8s-version`: from 1.26, where the gate is removed (and setting it
//! stops the component from starting), the pod gets a not-applicable note instead; with no version
//! known, a not-evaluated note. (The kubelet half of the rule is not checked here.)
//!
//! **Why.** Dynamic kubelet configuration lets a kubelet's configuration be changed through the
//! API; an attacker with that access can lower the kubelet's security settings and run commands in
//! any container of the node.
//!
//! **Example.**
//! ```yaml
//! containers:
//!   - image: registry.k8s.io/kube-scheduler:v1.24.17
//!     command:                     # finding: no --feature-gates
//!       - kube-scheduler
//!       - --bind-address=127.0.0.1
//! ```
//!
//! **Fix.** On Kubernetes 1.25 and older, add `--feature-gates=DynamicKubeletConfig=false` (next to
//! any other gates) to every manifest of `/etc/kubernetes/manifests/`.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-000460 (V-242399), applicable to Kubernetes 1.25
//! and older only: in each manifest, `feature-gates` that does not exist, does not contain
//! `DynamicKubeletConfig`, or sets it to `true` is a finding (and, on each node, a kubelet
//! `--feature-gates` option or `featureGates` without `DynamicKubeletConfig: false`).
use stiglint_sdk::{ScanContext, prelude::*};

use super::feature_gates::{Lifetime, must_set};

/// See the module documentation.
#[derive(Default)]
pub struct Rule {
    scan: ScanContext,
}

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-000460").kinds(&["Pod"]).remediation(
            "On Kubernetes 1.25 and older, set `--feature-gates=DynamicKubeletConfig=false` on \
             the control-plane components.",
        )
    }

    fn configure(&mut self, settings: &Value, scan: &ScanContext) -> Result<(), String> {
        stiglint_sdk::k8s::list_settings(settings, &[])?;
        self.scan = scan.clone();
        Ok(())
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        let lifetime = Lifetime {
            first: None,
            last: (1, 25),
        };
        must_set(
            doc,
            out,
            &self.scan,
            "DynamicKubeletConfig",
            false,
            &lifetime,
        );
    }
}
