//! # CNTR-K8-000380: Kubelet delegates authorization (Webhook)
//!
//! **What it checks.** The kubelet's authorization mode must be `Webhook`. The STIG checks the
//! command line for `--authorization-mode=Webhook`; current kubelets carry the setting in the
//! `KubeletConfiguration` (or an EKS `NodeConfig`'s `spec.kubelet.config`) as
//! `authorization.mode`. So: a `--authorization-mode` flag with any other value is a finding at
//! the flag; the config field must be `Webhook`, and an absent field is a finding (the kubelet's
//! command-line default is `AlwaysAllow`) unless the same document's flags set `Webhook`.
//!
//! **Why.** In `AlwaysAllow` mode every authenticated request to the kubelet API (exec, logs,
//! port-forward) is allowed; `Webhook` asks the API server (`SubjectAccessReview`).
//!
//! **Example.**
//! ```yaml
//! apiVersion: kubelet.config.k8s.io/v1beta1
//! kind: KubeletConfiguration
//! authorization:
//!   mode: AlwaysAllow   # finding
//! ```
//!
//! **Fix.** Set `authorization.mode: Webhook` in `/var/lib/kubelet/config.yaml` and remove
//! `--authorization-mode` from the kubelet's command line.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-000380 (V-242392): the kubelet's authorization
//! mode not set to `Webhook`, or not set at all, is a finding.
use stiglint_sdk::controlplane::WhenAbsent;
use stiglint_sdk::kubelet::{KINDS, Kubelet, check_config, check_no_flag};
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-000380")
            .formats(&[Format::K8s, Format::Kubelet])
            .kinds(KINDS)
            .remediation(
                "Set `authorization.mode: Webhook` in the kubelet config and drop `--authorization-mode`.",
            )
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        // The STIG checks the command line for `--authorization-mode=Webhook`; current kubelets
        // carry it in the config file. A `Webhook` flag satisfies the rule (and then the config
        // field may be absent); any other flag value is a finding.
        let flag_says_webhook = Kubelet::of(doc).is_some_and(|k| {
            k.flag("authorization-mode")
                .is_some_and(|f| f.text() == "Webhook")
        });
        check_no_flag(doc, out, "authorization-mode", |f| f.text() == "Webhook");
        let absent = if flag_says_webhook {
            WhenAbsent::Fine
        } else {
            WhenAbsent::Finding
        };
        check_config(
            doc,
            out,
            "authorization.mode",
            absent,
            |v| v.as_str() == Some("Webhook"),
            "to Webhook",
        );
    }
}
