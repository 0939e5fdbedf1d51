//! # KUBER-L2-000110: Namespace without a default-deny ingress network policy
//!
//! **What it checks.** Across the whole scan: every namespace that holds a pod-bearing object
//! must also hold a default-deny ingress `NetworkPolicy`, that is one that
//!
//! * selects every pod of the namespace (`podSelector: {}`, no `matchLabels` or
//!   `matchExpressions`),
//! * applies to ingress (`policyTypes` lists `Ingress`, or is absent, which Kubernetes reads as
//!   `Ingress`),
//! * and allows nothing in (no `ingress` rules, or an empty list).
//!
//! An object without `metadata.namespace` is in the scan's namespace (`--namespace`), else in
//! `default`. Each workload of a namespace without such a policy gets a finding, at its name.
//!
//! **Why.** Without a `NetworkPolicy` every pod accepts traffic from every other pod of the
//! cluster: one compromised pod can reach them all. A default-deny policy makes each allowed
//! flow an explicit, reviewed rule, the boundary protection and information-flow enforcement
//! of NIST SP 800-53 SC-7 and AC-4.
//!
//! **Example.**
//! ```yaml
//! kind: Deployment
//! metadata:
//!   name: web        # finding: namespace 'shop' has no default-deny ingress NetworkPolicy
//!   namespace: shop
//! ---
//! kind: NetworkPolicy
//! metadata:
//!   name: allow-web
//!   namespace: shop
//! spec:
//!   podSelector: {matchLabels: {app: web}}   # selects only some pods: not a default deny
//!   ingress: [{}]
//! ```
//!
//! **Fix.** Add to each namespace:
//! ```yaml
//! apiVersion: networking.k8s.io/v1
//! kind: NetworkPolicy
//! metadata:
//!   name: default-deny-ingress
//!   namespace: shop
//! spec:
//!   podSelector: {}
//!   policyTypes: [Ingress]
//! ```
//! then allow the flows each workload needs with further policies.
//!
//! **References.** Seed control KUBER-L2-000110 (no DISA Kubernetes STIG rule of its own);
//! NIST SP 800-53 SC-7, AC-4.
use std::collections::BTreeSet;

use stiglint_sdk::k8s::{POD_KINDS, list_settings};
use stiglint_sdk::{ScanContext, prelude::*};

const REMEDIATION: &str =
    "Add a NetworkPolicy with `podSelector: {}` and `policyTypes: [Ingress]` to the namespace.";

/// See the module documentation.
#[derive(Default)]
pub struct Rule {
    scan: ScanContext,
}

/// An empty selector, an absent list or map, or an empty one.
fn empty(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::Object(m)) => m.values().all(|x| empty(Some(x))),
        Some(Value::Array(a)) => a.is_empty(),
        Some(_) => false,
    }
}

/// Whether a `NetworkPolicy` denies all ingress to every pod of its namespace.
fn denies_all_ingress(spec: &Value) -> bool {
    let ingress_type = match spec.get("policyTypes").and_then(Value::as_array) {
        Some(types) if !types.is_empty() => types.iter().any(|t| t == "Ingress"),
        _ => true,
    };
    empty(spec.get("podSelector")) && ingress_type && empty(spec.get("ingress"))
}

impl Control for Rule {
    fn meta(&self) -> Meta {
        let kinds: Vec<&str> = POD_KINDS.iter().copied().chain(["NetworkPolicy"]).collect();
        let title = "Namespace without a default-deny ingress network policy";
        Meta::seed("KUBER-L2-000110", title, Severity::Medium)
            .nist(&["SC-7", "AC-4"])
            .kinds(&kinds)
            .scan_scope()
            .remediation(REMEDIATION)
    }

    fn configure(&mut self, settings: &Value, scan: &ScanContext) -> Result<(), String> {
        list_settings(settings, &[])?;
        self.scan = scan.clone();
        Ok(())
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        let namespace = doc.effective_namespace(&self.scan);
        // Judged a namespace at a time.
        let group = namespace.to_owned();
        if doc.kind() == "NetworkPolicy" {
            let deny = doc.json.get("spec").is_some_and(denies_all_ingress);
            out.fact_in(
                &[&group],
                &[],
                json!({"policy": true, "namespace": namespace, "deny": deny}),
            );
        } else {
            out.fact_in(
                &[&group],
                &["/metadata/name"],
                json!({"policy": false, "namespace": namespace, "workload": doc.describe()}),
            );
        }
    }

    fn finish(&self, facts: &[Fact], out: &mut Out) {
        let str_of = |f: &Fact, key: &str| f.data[key].as_str().unwrap_or_default().to_owned();
        let guarded: BTreeSet<String> = facts
            .iter()
            .filter(|f| f.data["policy"] == true && f.data["deny"] == true)
            .map(|f| str_of(f, "namespace"))
            .collect();
        for f in facts.iter().filter(|f| f.data["policy"] == false) {
            let namespace = str_of(f, "namespace");
            if !guarded.contains(&namespace) {
                let msg = format!(
                    "Namespace '{namespace}' has no default-deny ingress NetworkPolicy ({})",
                    str_of(f, "workload")
                );
                out.finding_in(f.document, "/metadata/name", msg);
            }
        }
    }
}
