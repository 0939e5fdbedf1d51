//! # CNTR-K8-001430: Controller manager root CA configured
//!
//! **What it checks.** The kube-controller-manager static pod must run with `--root-ca-file` set to
//! a non-empty path. The STIG check text makes a flag that is not set a finding, so an absent flag
//! is reported at the container's `command`; an empty value (`--root-ca-file=`,
//! `--root-ca-file=""`) is a finding at the flag.
//!
//! **Why.** The root CA file is put into every service account token Secret, so that pods can
//! verify the API server's certificate instead of trusting whatever answers.
//!
//! **Example.**
//! ```yaml
//! command:
//!   - kube-controller-manager
//!   - --root-ca-file=   # finding
//! ```
//!
//! **Fix.** Set `--root-ca-file=/etc/kubernetes/pki/ca.crt` in
//! `/etc/kubernetes/manifests/kube-controller-manager.yaml`.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-001430 (V-242421): the check greps `root-ca-file`
//! in `/etc/kubernetes/manifests/`: not set in the Controller Manager manifest, or without a value,
//! is a finding.
use stiglint_sdk::controlplane::{Component, check_path_flag};
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-001430").kinds(&["Pod"]).remediation(
            "Set `--root-ca-file=/etc/kubernetes/pki/ca.crt` on kube-controller-manager.",
        )
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        check_path_flag(doc, out, Component::ControllerManager, "root-ca-file");
    }
}
