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
//!
//! **EKS clusters in Terraform.** Every EKS cluster, written as `resource "aws_eks_cluster"`
//! or as a call of the registry module `terraform-aws-modules/eks/aws`, must encrypt Secrets
//! with a KMS key (envelope encryption):
//!
//! * resource: an `encryption_config` block whose `resources` list `"secrets"`. No block is a
//!   finding at the resource (the EKS API's default is no envelope encryption); a list without
//!   `"secrets"` is one at `resources`;
//! * module v21: `encryption_config` (default `{}`, whose `resources` default to
//!   `["secrets"]` with a key the module creates): absent passes; `null` is a finding at the
//!   input; `resources` without `"secrets"` is one at the input;
//! * module v20 and older: `cluster_encryption_config` (default `{resources = ["secrets"]}`):
//!   absent passes; `null` or `{}` (which the module reads as "off") is a finding at the input.
//!
//! The key itself (`provider { key_arn }`, `provider_key_arn`) may be unknown (a key created in
//! the same plan): it is not judged. An encryption setting the scan cannot know gives a *not
//! evaluated* note, never a finding or a pass. The module's major version comes from its
//! `version` constraint (or the `ref=` of a git source); none means the newest (v21).
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
//! In Terraform:
//! ```hcl
//! resource "aws_eks_cluster" "this" {   # finding: no encryption_config
//!   name = "prod"
//! }
//! ```
//!
//! **Fix.** On EKS, add
//! ```hcl
//! encryption_config {
//!   resources = ["secrets"]
//!   provider {
//!     key_arn = aws_kms_key.eks.arn
//!   }
//! }
//! ```
//! (module: leave `encryption_config` at its default, or set `resources = ["secrets"]`).
//! On a self-managed control plane, put an encrypting provider first for `secrets`, keep `identity` last (to read what is
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
//! finding, and `identity` as the first provider for it a finding. On EKS, secrets encryption is
//! the cluster's `encryption_config`.
use stiglint_sdk::prelude::*;
use stiglint_sdk::terraform::{EksCluster, Known};

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

/// An EKS cluster in Terraform: envelope encryption must cover `secrets`.
fn check_eks(doc: &Document, out: &mut Out) {
    let Some(cluster) = EksCluster::of(doc) else {
        return;
    };
    let address = cluster.address();
    let setting = cluster.encrypted_resources();
    let at = setting.pointer.as_str();
    let attr = at.rsplit('/').next().unwrap_or(at);
    let listed = match setting.value {
        Known::Unknown(reason) => {
            out.note(
                stiglint_sdk::NoteKind::NotEvaluated,
                at,
                format!("{address}: `{attr}` is not known statically ({reason})"),
            );
            return;
        }
        Known::Value(Value::Array(items)) => {
            let listed = items.iter().any(|i| i == "secrets");
            if !listed
                && let Some(reason) = items.iter().find_map(stiglint_sdk::terraform::is_unknown)
            {
                out.note(
                    stiglint_sdk::NoteKind::NotEvaluated,
                    at,
                    format!("{address}: an entry of `{attr}` is not known statically ({reason})"),
                );
                return;
            }
            listed
        }
        _ => {
            let why = if at.ends_with("/resources") {
                "it lists no resources"
            } else if setting.defaulted {
                "there is no encryption_config"
            } else {
                "it is turned off"
            };
            out.finding(
                at,
                format!("{address} must encrypt Secrets with a KMS key: add an encryption_config for \"secrets\" ({why})"),
            );
            return;
        }
    };
    if !listed {
        out.finding(
            at,
            format!("{address} must encrypt Secrets with a KMS key: `{attr}` of its encryption_config must list \"secrets\""),
        );
    }
}

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-001162")
            .formats(&[Format::K8s, Format::Terraform])
            .kinds(&["Pod", "EncryptionConfiguration", "resource", "module"])
            .scan_scope()
            .remediation("Set `--encryption-provider-config` on kube-apiserver to an EncryptionConfiguration that lists `secrets` with an encrypting provider (aescbc, aesgcm, secretbox or kms) first; on EKS, give the cluster an `encryption_config` for `secrets` with a KMS key.")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        if doc.format == Format::Terraform {
            check_eks(doc, out);
        } else if doc.kind() == "EncryptionConfiguration" {
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
