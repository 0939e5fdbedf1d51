//! # CNTR-K8-000450: `DynamicAuditing` feature gate not enabled
//!
//! **What it checks.** On every control-plane static pod that takes Kubernetes feature gates
//! (kube-apiserver, kube-controller-manager, kube-scheduler), `--feature-gates` must not turn
//! `DynamicAuditing` on. Only `DynamicAuditing=true` is a finding, at the `--feature-gates` item;
//! the STIG check text only reviews the setting "if one is returned", so an absent
//! `--feature-gates`, or one without the gate, is fine. (The kubelet half of the rule, its
//! `featureGates` configuration, is not checked here.)
//!
//! **Why.** Dynamic audit webhooks let whoever can create an `AuditSink` send the audit trail
//! elsewhere and filter it, hiding an attack; audit configuration must stay in the static audit
//! policy.
//!
//! **Example.**
//! ```yaml
//! command:
//!   - kube-apiserver
//!   - --feature-gates=DynamicAuditing=true   # finding
//! ```
//!
//! **Fix.** Remove `DynamicAuditing` from `--feature-gates` (or set it to `false`) in every
//! manifest of `/etc/kubernetes/manifests/`.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-000450 (V-242398): the check greps `feature-gates`
//! in `/etc/kubernetes/manifests/`; a setting that contains `DynamicAuditing` set to `true` is a
//! finding (and, on each node, a kubelet `--feature-gates` option or a `featureGates` with
//! `DynamicAuditing: true`).
use stiglint_sdk::prelude::*;

use super::feature_gates::must_not_enable;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-000450").kinds(&["Pod"]).remediation(
            "Remove `DynamicAuditing` from `--feature-gates` (or set it to `false`) on the \
             control-plane components.",
        )
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        must_not_enable(doc, out, "DynamicAuditing");
    }
}
