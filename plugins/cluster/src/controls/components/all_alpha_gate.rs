//! # CNTR-K8-000470: Alpha APIs not enabled
//!
//! **What it checks.** On every control-plane static pod that takes Kubernetes feature gates
//! (kube-apiserver, kube-controller-manager, kube-scheduler), `--feature-gates` must not contain
//! `AllAlpha=true`. That is a finding at the `--feature-gates` item; the STIG check text only
//! reviews the setting "if one is returned" (`AllAlpha` defaults to `false`), so an absent
//! `--feature-gates`, or one without `AllAlpha`, is fine.
//!
//! **Why.** `AllAlpha` switches on every alpha feature at once: untested code paths, APIs that may
//! change or vanish, and security behaviour nobody has reviewed.
//!
//! **Example.**
//! ```yaml
//! command:
//!   - kube-controller-manager
//!   - --feature-gates=AllAlpha=true   # finding
//! ```
//!
//! **Fix.** Remove `AllAlpha` from `--feature-gates` (or set it to `false`) in every manifest of
//! `/etc/kubernetes/manifests/`.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-000470 (V-242400): the check greps `feature-gates`
//! in `/etc/kubernetes/manifests/`; a setting that contains the `AllAlpha` flag set to `true` is a
//! finding.
use stiglint_sdk::prelude::*;

use super::feature_gates::must_not_enable;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-000470").kinds(&["Pod"]).remediation(
            "Remove `AllAlpha` from `--feature-gates` (or set it to `false`) on the control-plane \
             components.",
        )
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        must_not_enable(doc, out, "AllAlpha");
    }
}
