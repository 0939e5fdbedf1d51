//! # CNTR-K8-002630: API server static token file not used
//!
//! **What it checks.** The kube-apiserver static pod (recognised by its `component` label, its
//! command or its image) must not run with `--token-auth-file`: the flag with any value is a
//! finding at its item. An absent flag is what the rule asks for, so it is never reported.
//!
//! **Why.** Static tokens live in plain text on the control-plane host, never expire and cannot be
//! revoked without restarting the API server.
//!
//! **Example.**
//! ```yaml
//! command:
//!   - kube-apiserver
//!   - --token-auth-file=/etc/kubernetes/auth/tokens.csv   # finding
//! ```
//!
//! **Fix.** Remove `--token-auth-file` from `/etc/kubernetes/manifests/kube-apiserver.yaml` and
//! authenticate with certificates, OIDC or service-account tokens.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-002630 (V-245543): the check greps the manifests
//! for `token-auth-file`; set is a finding.
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-002630")
            .kinds(&["Pod"])
            .remediation("Remove `--token-auth-file` from kube-apiserver.")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        super::forbid_flag(doc, out, "token-auth-file");
    }
}
