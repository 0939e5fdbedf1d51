//! # CNTR-K8-002000: `ValidatingAdmissionWebhook` plugin enabled
//!
//! **What it checks.** The kube-apiserver static pod (recognised by its `component` label, its
//! command or its image) must run with `--enable-admission-plugins` listing
//! `ValidatingAdmissionWebhook` (exactly so spelled; the API server's plugin names are
//! case-sensitive). The STIG check text asks for a line that holds both `enable-admission-plugins`
//! and `ValidatingAdmissionWebhook`, so the plugin must be enabled explicitly even though upstream
//! enables it by default: an absent flag is a finding at the container's `command`, a list without
//! the plugin is one at the flag. The check text is headed "Pre-version 1.25 Check" and gives no
//! other, so it is applied on every version.
//!
//! **Why.** Validating admission webhooks are how policy engines (Gatekeeper, Kyverno) reject root
//! or privileged pods and other objects that break policy; without the plugin no webhook is ever
//! called.
//!
//! **Example.**
//! ```yaml
//! command:
//!   - kube-apiserver
//!   - --enable-admission-plugins=NodeRestriction   # finding
//! ```
//!
//! **Fix.** Add `ValidatingAdmissionWebhook` to `--enable-admission-plugins` (comma-separated) in
//! `/etc/kubernetes/manifests/kube-apiserver.yaml`, after the policies it will enforce are in
//! place.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-002000 (V-242436): the (pre-1.25) check greps the
//! manifests for `ValidatingAdmissionWebhook`; no line that includes `enable-admission-plugins` and
//! `ValidatingAdmissionWebhook` is a finding.
use stiglint_sdk::controlplane::{Component, WhenAbsent, check_flag};
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-002000").kinds(&["Pod"]).remediation(
            "Add `ValidatingAdmissionWebhook` to `--enable-admission-plugins` on kube-apiserver.",
        )
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        check_flag(
            doc,
            out,
            Component::ApiServer,
            "enable-admission-plugins",
            WhenAbsent::Finding,
            |f| f.list().contains(&"ValidatingAdmissionWebhook"),
            "to include ValidatingAdmissionWebhook",
        );
    }
}
