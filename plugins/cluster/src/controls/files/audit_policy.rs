//! # CNTR-K8-000700: Audit records carry full event detail
//!
//! **What it checks.** The kube-apiserver static pod must run with `--audit-policy-file`, and
//! the audit `Policy` (`apiVersion: audit.k8s.io/v1`) it names must log every request at level
//! `RequestResponse`. Across the whole scan:
//!
//! * a kube-apiserver without `--audit-policy-file` is a finding at its `command` (the STIG check
//!   text makes a flag that is not set a finding); an empty flag is one at the flag;
//! * every audit `Policy` in the scan (matched by kind and API group, not by path: stiglint
//!   cannot see the host's files; if there are several, each is judged) must have a catch-all
//!   rule (no `users`, `userGroups`, `verbs`, `resources`, `namespaces` or `nonResourceURLs`) at
//!   `level: RequestResponse`. Rules apply first match first, so a narrower rule before it at a
//!   lower level (`None`, `Metadata`, `Request`) keeps some requests out of full detail and is
//!   a finding too, at its `level`; so is a policy on an older `audit.k8s.io` version. Findings
//!   in the policy are related to the kube-apiserver flag that names it;
//! * when the flag is set but no audit `Policy` is in the scan, the rule was only partly
//!   evaluated: a `partial` note on the flag, never a silent pass;
//! * a policy scanned without any kube-apiserver is judged alone.
//!
//! **Why.** The audit trail is the record of who did what to the cluster. A policy that logs
//! only metadata, or drops some requests, leaves out what an investigation needs: the content
//! of the request and of the answer.
//!
//! **Example.**
//! ```yaml
//! apiVersion: audit.k8s.io/v1
//! kind: Policy
//! rules:
//!   - level: None            # finding: these requests are not logged at RequestResponse
//!     resources: [{group: "", resources: [events]}]
//!   - level: Metadata        # finding: the catch-all rule must be RequestResponse
//! ```
//!
//! **Fix.** Point `--audit-policy-file` in `/etc/kubernetes/manifests/kube-apiserver.yaml` at a
//! file mounted into the pod that reads:
//! ```yaml
//! # Log all requests at the RequestResponse level.
//! apiVersion: audit.k8s.io/v1
//! kind: Policy
//! rules:
//!   - level: RequestResponse
//! ```
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-000700 (V-242403): the check makes an unset
//! `audit-policy-file` a finding, and a policy file that does not look like the one above (a
//! single rule `- level: RequestResponse`, latest `audit.k8s.io` version) a finding. CNTR-K8-003280
//! also reports the unset flag.
use stiglint_sdk::prelude::*;

use super::{Problem, Wording, api_version, empty, judge, record_server, record_verdict};

const FLAG: &str = "audit-policy-file";
const LEVEL: &str = "RequestResponse";
/// The fields that narrow an audit rule to some requests.
const SELECTORS: &[&str] = &[
    "users",
    "userGroups",
    "verbs",
    "resources",
    "namespaces",
    "nonResourceURLs",
];

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

/// The problems of an audit `Policy`.
fn problems(doc: &Document) -> Vec<Problem> {
    let mut out = Vec::new();
    let (_, version) = api_version(doc);
    if version != "v1" {
        out.push(Problem::new(
            "/apiVersion",
            format!("must use audit.k8s.io/v1, the latest version (it is '{version}')"),
        ));
    }
    let rules = doc.json.get("rules").and_then(Value::as_array);
    let mut catch_all = false;
    for (i, rule) in rules.into_iter().flatten().enumerate() {
        let level = rule.get("level").and_then(Value::as_str).unwrap_or("");
        let pointer = if rule.get("level").is_some() {
            format!("/rules/{i}/level")
        } else {
            format!("/rules/{i}")
        };
        let all = SELECTORS.iter().all(|k| empty(rule.get(*k)));
        if level != LEVEL {
            let what = if all { "its catch-all" } else { "a narrower" };
            let at = if level.is_empty() {
                "without a level".to_owned()
            } else {
                format!("at level '{level}'")
            };
            out.push(Problem::new(
                pointer,
                format!(
                    "logs requests {at} in {what} rule: every request must be logged at {LEVEL}"
                ),
            ));
        }
        if all {
            catch_all = true;
            break;
        }
    }
    if !catch_all {
        let pointer = if rules.is_some() { "/rules" } else { "/kind" };
        out.push(Problem::new(
            pointer,
            format!("has no catch-all rule `- level: {LEVEL}` (a rule without users, userGroups, verbs, resources, namespaces or nonResourceURLs)"),
        ));
    }
    out
}

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-000700")
            .kinds(&["Pod", "Policy"])
            .scan_scope()
            .remediation("Set `--audit-policy-file` on kube-apiserver to an audit.k8s.io/v1 Policy whose rules are a single `- level: RequestResponse`.")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        if doc.kind() == "Policy" {
            if api_version(doc).0 == "audit.k8s.io" {
                record_verdict(doc, out, &problems(doc));
            }
        } else {
            record_server(doc, out, FLAG);
        }
    }

    fn finish(&self, facts: &[Fact], out: &mut Out) {
        let words = Wording {
            flag: FLAG,
            kind: "audit Policy",
        };
        judge(facts, out, &words);
    }
}
