//! # CNTR-K8-000340: API server insecure bind address not set
//!
//! **What it checks.** On a kube-apiserver static pod older than Kubernetes 1.24,
//! `--insecure-bind-address` must not be set: any value is a finding at the flag. An absent flag is
//! what the rule asks for. The STIG check text names the value `localhost`, but the rule's title
//! ("must have the insecure bind address not set") and its fix ("remove the setting") leave no
//! value acceptable, so every value is reported. The flag was removed in Kubernetes 1.24: on 1.24
//! or later (the image tag's version, else the scan's `--k8s-version`) the rule reports nothing and
//! records a not-applicable note. With no version known the check applies.
//!
//! **Why.** The insecure bind address is where the unauthenticated, unauthorized HTTP port listens:
//! whoever reaches that address bypasses every access control of the cluster.
//!
//! **Example.**
//! ```yaml
//! image: registry.k8s.io/kube-apiserver:v1.23.17
//! command:
//!   - kube-apiserver
//!   - --insecure-bind-address=127.0.0.1   # finding
//! ```
//!
//! **Fix.** Remove `--insecure-bind-address` from `/etc/kubernetes/manifests/kube-apiserver.yaml`.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-000340 (V-242388): the check greps the manifests
//! for `insecure-bind-address`; found and set to `localhost` is a finding, and the fix removes the
//! setting.
use stiglint_sdk::controlplane::{Component, StaticPod};
use stiglint_sdk::{ScanContext, prelude::*};

/// See the module documentation.
#[derive(Default)]
pub struct Rule {
    scan: ScanContext,
}

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-000340")
            .kinds(&["Pod"])
            .remediation("Remove `--insecure-bind-address` from kube-apiserver.")
    }

    fn configure(&mut self, settings: &Value, scan: &ScanContext) -> Result<(), String> {
        match settings {
            Value::Null => {}
            Value::Object(map) if map.is_empty() => {}
            _ => return Err("this control takes no settings".to_owned()),
        }
        self.scan = scan.clone();
        Ok(())
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        let Some(pod) = StaticPod::of(doc).filter(|p| p.component == Component::ApiServer) else {
            return;
        };
        if super::removed_in_1_24(&pod, &self.scan, out, "insecure-bind-address") {
            return;
        }
        super::forbid_flag(doc, out, "insecure-bind-address");
    }
}
