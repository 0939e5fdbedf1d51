//! # CNTR-K8-002620: API server basic-auth file not used
//!
//! **What it checks.** The kube-apiserver static pod (recognised by its `component` label, its
//! command or its image) must not run with `--basic-auth-file`: the flag with any value is a
//! finding at its item. An absent flag is what the rule asks for, so it is never reported.
//!
//! **Why.** Basic authentication sends passwords with every request and reads them from a
//! plain-text file on the control-plane host; it was removed in Kubernetes 1.19, so a manifest that
//! still sets it is a legacy (or broken) configuration.
//!
//! **Example.**
//! ```yaml
//! command:
//!   - kube-apiserver
//!   - --basic-auth-file=/etc/kubernetes/auth/basic.csv   # finding
//! ```
//!
//! **Fix.** Remove `--basic-auth-file` from `/etc/kubernetes/manifests/kube-apiserver.yaml` and
//! authenticate users with certificates or OIDC.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-002620 (V-245542): the check greps the manifests
//! for `basic-auth-file`; set is a finding.
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-002620")
            .kinds(&["Pod"])
            .remediation("Remove `--basic-auth-file` from kube-apiserver.")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        super::forbid_flag(doc, out, "basic-auth-file");
    }
}
