//! # CNTR-K8-002011: Pod Security Admission configuration file in use
//!
//! **What it checks.** The kube-apiserver static pod must run with
//! `--admission-control-config-file`, the `AdmissionConfiguration` it names must configure the
//! `PodSecurity` plugin to enforce least privilege by default, and no namespace may opt out.
//! Across the whole scan:
//!
//! * a kube-apiserver without `--admission-control-config-file` is a finding at its `command`
//!   (the STIG check text makes a setting that is not configured a finding); an empty flag is one
//!   at the flag;
//! * every `AdmissionConfiguration` in the scan (matched by kind, not by path: stiglint cannot
//!   see the host's files; if there are several, each is judged) must have a plugin named
//!   `PodSecurity` whose `configuration.defaults.enforce` is `baseline` or `restricted` (least
//!   privilege, by this tool's policy). Unset, it means `privileged`, which enforces nothing: a
//!   finding at `defaults` (or `configuration`); `privileged` is one at `enforce`; no
//!   `PodSecurity` plugin at all is one at `plugins`. Findings in the file are related to the
//!   kube-apiserver flag that names it. A plugin configured by `path` (a separate
//!   `PodSecurityConfiguration` file) gets a `partial` note instead: that file is not read;
//! * when the flag is set but no `AdmissionConfiguration` is in the scan, the rule was only
//!   partly evaluated: a `partial` note on the flag, never a silent pass;
//! * a configuration scanned without any kube-apiserver is judged alone;
//! * every `Namespace` in the scan labelled `pod-security.kubernetes.io/enforce: privileged` is a
//!   finding at that label: it turns the enforcement off for the namespace, whatever the
//!   defaults say. A namespace without the label gets the defaults.
//!
//! **Why.** Pod Security Admission is what keeps privileged, host-namespace and root containers
//! out of the cluster since `PodSecurityPolicy` was removed. With `privileged` as the default, or
//! on a namespace, any pod may take over its node.
//!
//! **Example.**
//! ```yaml
//! apiVersion: apiserver.config.k8s.io/v1
//! kind: AdmissionConfiguration
//! plugins:
//!   - name: PodSecurity
//!     configuration:
//!       apiVersion: pod-security.admission.config.k8s.io/v1
//!       kind: PodSecurityConfiguration
//!       defaults:
//!         enforce: privileged      # finding: must be baseline or restricted
//! ---
//! apiVersion: v1
//! kind: Namespace
//! metadata:
//!   name: shop
//!   labels:
//!     pod-security.kubernetes.io/enforce: privileged   # finding
//! ```
//!
//! **Fix.** Point `--admission-control-config-file` in
//! `/etc/kubernetes/manifests/kube-apiserver.yaml` at a file mounted into the pod that enforces
//! `baseline` or `restricted` by default, exempting only the namespaces that must run privileged
//! (e.g. `kube-system`); drop `enforce: privileged` labels from namespaces:
//! ```yaml
//! apiVersion: apiserver.config.k8s.io/v1
//! kind: AdmissionConfiguration
//! plugins:
//!   - name: PodSecurity
//!     configuration:
//!       apiVersion: pod-security.admission.config.k8s.io/v1
//!       kind: PodSecurityConfiguration
//!       defaults:
//!         enforce: restricted
//!         enforce-version: latest
//!       exemptions:
//!         namespaces: [kube-system]
//! ```
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-002011 (V-254800): the check makes an unset
//! `--admission-control-config-file` a finding, and a `PodSecurity` configuration that does not
//! represent least privilege a finding. (The STIG's example file shows `enforce: "privileged"`
//! as a shape to fill in; it is not least privilege, and this control does not accept it.)
use stiglint_sdk::prelude::*;
use stiglint_sdk::{NoteKind, escape_pointer};

use super::{Problem, Wording, judge, record_server, record_verdict};

const FLAG: &str = "admission-control-config-file";
const LABEL: &str = "pod-security.kubernetes.io/enforce";
const LEVELS: &str = "baseline or restricted";

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

/// The problems of an `AdmissionConfiguration`; a note when `PodSecurity` is configured by path.
fn problems(doc: &Document, out: &mut Out) -> Vec<Problem> {
    let plugins = doc.json.get("plugins").and_then(Value::as_array);
    let found = plugins
        .into_iter()
        .flatten()
        .enumerate()
        .find(|(_, p)| p.get("name").and_then(Value::as_str) == Some("PodSecurity"));
    let Some((i, plugin)) = found else {
        let pointer = if plugins.is_some() {
            "/plugins"
        } else {
            "/kind"
        };
        return vec![Problem::new(
            pointer,
            format!(
                "must configure the PodSecurity plugin to enforce {LEVELS} by default (it does not configure it)"
            ),
        )];
    };
    let Some(config) = plugin.get("configuration") else {
        if let Some(path) = plugin.get("path").and_then(Value::as_str) {
            out.note(
                NoteKind::Partial,
                format!("/plugins/{i}/path"),
                format!("the PodSecurity configuration is in '{path}', which is not read: its defaults were not checked"),
            );
            return Vec::new();
        }
        return vec![Problem::new(
            format!("/plugins/{i}"),
            format!(
                "must configure the PodSecurity plugin to enforce {LEVELS} by default (it has no configuration)"
            ),
        )];
    };
    let defaults = config.get("defaults");
    match defaults.and_then(|d| d.get("enforce")) {
        Some(level) if matches!(level.as_str(), Some("baseline" | "restricted")) => Vec::new(),
        Some(level) => vec![Problem::new(
            format!("/plugins/{i}/configuration/defaults/enforce"),
            format!(
                "must enforce {LEVELS} by default in the PodSecurity plugin (it enforces {level})"
            ),
        )],
        None => {
            let pointer = if defaults.is_some() {
                format!("/plugins/{i}/configuration/defaults")
            } else {
                format!("/plugins/{i}/configuration")
            };
            vec![Problem::new(
                pointer,
                format!(
                    "must enforce {LEVELS} by default in the PodSecurity plugin (defaults.enforce is unset, which means privileged)"
                ),
            )]
        }
    }
}

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-002011")
            .kinds(&["Pod", "AdmissionConfiguration", "Namespace"])
            .scan_scope()
            .remediation("Set `--admission-control-config-file` on kube-apiserver to an AdmissionConfiguration whose PodSecurity plugin enforces `baseline` or `restricted` by default, and remove `pod-security.kubernetes.io/enforce: privileged` from namespaces.")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        match doc.kind() {
            "AdmissionConfiguration" => {
                let problems = problems(doc, out);
                record_verdict(doc, out, &problems);
            }
            "Namespace" => {
                if doc.label(LABEL) == Some("privileged") {
                    out.finding(
                        format!("/metadata/labels/{}", escape_pointer(LABEL)),
                        format!(
                            "{} must not set {LABEL}: privileged (least privilege is {LEVELS})",
                            doc.describe()
                        ),
                    );
                }
            }
            _ => record_server(doc, out, FLAG),
        }
    }

    fn finish(&self, facts: &[Fact], out: &mut Out) {
        let words = Wording {
            flag: FLAG,
            kind: "AdmissionConfiguration",
        };
        judge(facts, out, &words);
    }
}
