//! # CNTR-K8-002600: API server request timeout set
//!
//! **What it checks.** The kube-apiserver static pod must run with `--request-timeout` set to a
//! duration greater than zero, written as Go writes durations (`60s`, `1m30s`, `300ms`; a bare `0`
//! is zero). The STIG check text makes a flag that is not configured a finding, so an absent flag
//! is reported at the container's `command`; zero, a negative duration or a value Go cannot read
//! (`300` without a unit) is reported at the flag.
//!
//! **Why.** Requests that never time out tie up API server resources: enough of them and the server
//! stops answering anyone.
//!
//! **Example.**
//! ```yaml
//! command:
//!   - kube-apiserver
//!   - --request-timeout=0s   # finding
//! ```
//!
//! **Fix.** Set `--request-timeout` to a duration greater than zero (upstream default `60s`) in
//! `/etc/kubernetes/manifests/kube-apiserver.yaml`.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-002600 (V-242438): the check greps the manifests
//! for `request-timeout`; set to `0`, or not configured, is a finding.
use stiglint_sdk::controlplane::{Component, WhenAbsent, check_flag};
use stiglint_sdk::kubelet::parse_duration;
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-002600")
            .kinds(&["Pod"])
            .remediation("Set `--request-timeout` to a duration greater than zero (e.g. `60s`) on kube-apiserver.")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        check_flag(
            doc,
            out,
            Component::ApiServer,
            "request-timeout",
            WhenAbsent::Finding,
            // A negative or malformed duration parses to `None`: a finding too.
            |f| parse_duration(f.text()).is_some_and(|s| s > 0.0),
            "to a duration greater than zero",
        );
    }
}
