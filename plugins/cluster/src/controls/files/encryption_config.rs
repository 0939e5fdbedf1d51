//! # CNTR-K8-001162: Secrets encrypted at rest
//!
//! **What it checks.** The kube-apiserver static pod must run with
//! `--encryption-provider-config`, and the `EncryptionConfiguration`
//! (`apiVersion: apiserver.config.k8s.io/v1`) it names must encrypt Secrets. Across the whole
//! scan:
//!
//! * a kube-apiserver without `--encryption-provider-config` is a finding at its `command` (the
//!   STIG check text makes a setting that is not configured a finding); an empty flag is one at
//!   the flag;
//! * every `EncryptionConfiguration` in the scan (matched by kind, not by path: stiglint cannot
//!   see the host's files; if there are several, each is judged) must list `secrets` in the
//!   `resources` of one of its `resources` entries (the wildcards `*.` and `*.*`, which cover
//!   Secrets, count when no entry names them), and the first provider of the first such entry
//!   (the one the API server uses) must not be `identity`, which stores data in clear. No such
//!   entry is a finding at `resources`; `identity` first is one at that provider. Findings in the
//!   file are related to the kube-apiserver flag that names it;
//! * when the flag is set but no `EncryptionConfiguration` is in the scan, the rule was only
//!   partly evaluated: a `partial` note on the flag, never a silent pass;
//! * a configuration scanned without any kube-apiserver is judged alone.
//!
//! EKS clusters (their encryption set in Terraform) are not judged by this control.
//!
//! **Why.** Secrets hold credentials, tokens and keys. Stored in clear in etcd, they are open
//! to anyone who reads a backup or the etcd data directory.
//!
//! **Example.**
//! ```yaml
//! apiVersion: apiserver.config.k8s.io/v1
//! kind: EncryptionConfiguration
//! resources:
//!   - resources: [secrets]
//!     providers:
//!       - identity: {}       # finding: identity is the first provider for secrets
//!       - aescbc:
//!           keys: [{name: key1, secret: "<base64 32-byte key>"}]
//! ```
//!
//! **Fix.** Put an encrypting provider first for `secrets`, keep `identity` last (to read what is
//! not encrypted yet), point `--encryption-provider-config` in
//! `/etc/kubernetes/manifests/kube-apiserver.yaml` at the file, mount it into the pod, then
//! rewrite every Secret (`kubectl get secrets -A -o json | kubectl replace -f -`):
//! ```yaml
//! apiVersion: apiserver.config.k8s.io/v1
//! kind: EncryptionConfiguration
//! resources:
//!   - resources: [secrets]
//!     providers:
//!       - aescbc:
//!           keys: [{name: key1, secret: "<base64 32-byte key>"}]
//!       - identity: {}
//! ```
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-001162 (V-274882): the check makes an unset
//! `encryption-provider-config` a finding, a file that does not specify the Secrets resource a
//! finding, and `identity` as the first provider for it a finding.
use stiglint_sdk::prelude::*;

use super::{Problem, Wording, judge, record_server, record_verdict};

const FLAG: &str = "encryption-provider-config";

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

/// Whether an entry's `resources` list names `name`.
fn lists(entry: &Value, names: &[&str]) -> bool {
    entry
        .get("resources")
        .and_then(Value::as_array)
        .is_some_and(|r| {
            r.iter()
                .filter_map(Value::as_str)
                .any(|s| names.contains(&s.trim()))
        })
}

/// The problems of an `EncryptionConfiguration`.
fn problems(doc: &Document) -> Vec<Problem> {
    let entries = doc.json.get("resources").and_then(Value::as_array);
    let all = entries.map(Vec::as_slice).unwrap_or_default();
    let found = all
        .iter()
        .position(|e| lists(e, &["secrets", "secrets."]))
        .or_else(|| all.iter().position(|e| lists(e, &["*.", "*.*"])));
    let Some(i) = found else {
        let pointer = if entries.is_some() {
            "/resources"
        } else {
            "/kind"
        };
        return vec![Problem::new(
            pointer,
            "must list `secrets` in the resources of an entry with an encrypting provider",
        )];
    };
    let providers = all[i].get("providers").and_then(Value::as_array);
    match providers.and_then(|p| p.first()) {
        None => vec![Problem::new(
            format!("/resources/{i}"),
            "must give an encrypting provider for secrets (it gives none)",
        )],
        Some(first) if first.get("identity").is_some() => vec![Problem::new(
            format!("/resources/{i}/providers/0"),
            "must not have `identity` as the first provider for secrets: they are stored unencrypted",
        )],
        Some(_) => Vec::new(),
    }
}

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-001162")
            .kinds(&["Pod", "EncryptionConfiguration"])
            .scan_scope()
            .remediation("Set `--encryption-provider-config` on kube-apiserver to an EncryptionConfiguration that lists `secrets` with an encrypting provider (aescbc, aesgcm, secretbox or kms) first.")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        if doc.kind() == "EncryptionConfiguration" {
            record_verdict(doc, out, &problems(doc));
        } else {
            record_server(doc, out, FLAG);
        }
    }

    fn finish(&self, facts: &[Fact], out: &mut Out) {
        let words = Wording {
            flag: FLAG,
            kind: "EncryptionConfiguration",
        };
        judge(facts, out, &words);
    }
}
