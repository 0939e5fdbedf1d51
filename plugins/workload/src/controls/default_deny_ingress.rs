//! # KUBER-L2-000110: Namespace without a default-deny ingress network policy
//!
//! **What it checks.** Across the whole scan: every namespace that holds a pod-bearing object
//! must also be covered by a default-deny ingress policy — one that puts *every* pod of the
//! namespace into default deny for ingress and lets nothing in. An object without
//! `metadata.namespace` is in the scan's namespace (`--namespace`), else in `default`. Each
//! workload of a namespace without such a policy gets a finding, at its name.
//!
//! The policies that count, by API group and kind:
//!
//! * **Kubernetes `NetworkPolicy`** (`networking.k8s.io/v1`) in the namespace: `podSelector`
//!   empty (`{}`, no `matchLabels` or `matchExpressions`), `policyTypes` lists `Ingress` (or
//!   is absent, which Kubernetes reads as `Ingress`), and no `ingress` rules (absent or `[]`).
//!   `ingress: [{}]` is a rule that allows everything: not a default deny.
//! * **Calico `NetworkPolicy`** (`projectcalico.org/v3`, `crd.projectcalico.org/v1`) in the
//!   namespace: `selector` empty or true for every pod of the namespace (`all()`, or a test
//!   on `projectcalico.org/namespace` that holds for it), no `serviceAccountSelector` (or
//!   `all()`), applies to ingress (`types` lists `Ingress`; without `types`, Calico applies a
//!   policy to ingress unless it has egress rules and no ingress rules), and every `ingress`
//!   rule's `action` is `Deny` or `Log` (no rules at all is the usual shape). A rule with
//!   `action: Allow` (even `- action: Allow` with no source: everything) or `Pass` (hands
//!   traffic on to the next tier and the namespace's profile, which allows) lets traffic in.
//!   `doNotTrack`/`preDNAT` policies do not count.
//! * **Calico `GlobalNetworkPolicy`**: the same, for every namespace its `namespaceSelector`
//!   (absent: all) and `selector` both select — evaluated on the labels known from the
//!   namespace's name (`projectcalico.org/name`, `kubernetes.io/metadata.name` for the
//!   namespace; `projectcalico.org/namespace` for its pods). Calico's documented global
//!   default deny counts for every namespace but the ones it names:
//!   ```yaml
//!   apiVersion: projectcalico.org/v3
//!   kind: GlobalNetworkPolicy
//!   metadata: {name: default-deny}
//!   spec:
//!     selector: projectcalico.org/namespace not in {'kube-system', 'calico-system', 'calico-apiserver'}
//!     types: [Ingress, Egress]
//!   ```
//! * **`CiliumNetworkPolicy`** (`cilium.io/v2`) in the namespace, `spec` or any of `specs`:
//!   `endpointSelector` empty (`{}`, `matchLabels: {}`: every pod of the policy's namespace)
//!   or true for the namespace (`io.kubernetes.pod.namespace`), in default deny for ingress —
//!   `enableDefaultDeny: {ingress: true}`, or, without it, an `ingress` or `ingressDeny`
//!   section with at least one rule (Cilium's own default) — and no `ingress` rule lets a peer
//!   in: each one names only empty peer lists (`fromEntities: []`, `fromEndpoints: []`, ...).
//!   Rules in `ingressDeny` never let traffic in. A rule without peers (`ingress: [{}]`, or
//!   `toPorts` alone) lets every peer in, and `fromEndpoints: [{}]` every pod: neither is a
//!   default deny. `ingress: []` puts nothing into default deny (Cilium: "if omitted or
//!   empty, this rule does not apply at ingress"). `enableDefaultDeny` counts only in a rule
//!   with at least one rule in `ingress`, `ingressDeny`, `egress` or `egressDeny`: Cilium 1.16
//!   enforces nothing for a rule without any, 1.17 refuses it (cilium/cilium#35558). A
//!   `nodeSelector` (host) policy does not count.
//! * **`CiliumClusterwideNetworkPolicy`**: the same, for every namespace its
//!   `endpointSelector` selects in full (empty: all; or a `matchExpressions` on
//!   `io.kubernetes.pod.namespace`, as in Cilium's own `NotIn [kube-system]` example).
//!
//! A selector that tests any other label (`app`, `tier`) selects only some pods, so it does
//! not count; nor does a `NetworkPolicy` of another API group. Policies that let some traffic
//! back in are fine *beside* a default deny (they are how flows are allowed).
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
//! ---
//! apiVersion: cilium.io/v2
//! kind: CiliumNetworkPolicy
//! metadata: {name: allow-all, namespace: shop}
//! spec:
//!   endpointSelector: {}
//!   ingress: [{fromEndpoints: [{}]}]         # lets every pod in: not a default deny
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
//! or its Calico or Cilium equivalent:
//! ```yaml
//! apiVersion: projectcalico.org/v3
//! kind: NetworkPolicy
//! metadata: {name: default-deny, namespace: shop}
//! spec:
//!   selector: all()
//!   types: [Ingress]
//! ---
//! apiVersion: cilium.io/v2
//! kind: CiliumNetworkPolicy
//! metadata: {name: default-deny, namespace: shop}
//! spec:
//!   endpointSelector: {}
//!   enableDefaultDeny: {ingress: true}
//!   ingress: [{fromEntities: []}]
//! ```
//! then allow the flows each workload needs with further policies.
//!
//! **References.** Seed control KUBER-L2-000110 (no DISA Kubernetes STIG rule of its own);
//! NIST SP 800-53 SC-7, AC-4. Kubernetes: "Network Policies", *Default deny all ingress
//! traffic* (kubernetes.io/docs/concepts/services-networking/network-policies/). Calico:
//! "Network policy" and "Global network policy" resources (`selector`, `types` and their
//! defaults, rule `action`) and "Enable a default deny policy for Kubernetes pods"
//! (docs.tigera.io). Cilium: "Policy Enforcement Modes" (an endpoint selected by a rule with
//! an ingress section goes into default deny) and the `Rule` reference (`enableDefaultDeny`,
//! `ingress`, `ingressDeny`) (docs.cilium.io).
//!
//! The cross-document step keeps a fact per workload and per policy that denies, in one of
//! 32 groups by a hash of the namespace (a cluster-wide policy in all 32), so each `finish`
//! call sees whole namespaces and no call sees the whole scan.
use std::collections::BTreeSet;

use crate::netpol::{self, Policy};
use stiglint_sdk::k8s::{POD_KINDS, is_pod_bearing, list_settings};
use stiglint_sdk::{ScanContext, prelude::*};

const REMEDIATION: &str =
    "Add a NetworkPolicy with `podSelector: {}` and `policyTypes: [Ingress]` to the namespace.";

/// How many groups the namespaces are hashed into.
const BUCKETS: u64 = 32;

/// See the module documentation.
#[derive(Default)]
pub struct Rule {
    scan: ScanContext,
}

/// The group of a namespace: a stable hash (FNV-1a), the same in every run and on every host.
fn bucket(namespace: &str) -> String {
    let hash = namespace.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("namespaces-{:02}", hash % BUCKETS)
}

impl Control for Rule {
    fn meta(&self) -> Meta {
        let kinds: Vec<&str> = POD_KINDS
            .iter()
            .chain(Policy::KINDS)
            .copied()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let title = "Namespace without a default-deny ingress network policy";
        Meta::seed("KUBER-L2-000110", title, Severity::Medium)
            .nist(&["SC-7", "AC-4"])
            .pod_kinds()
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
        if let Some(policy) = Policy::of(doc.api_group(), doc.kind()) {
            if matches!(policy, Policy::CalicoGlobal | Policy::CiliumClusterwide) {
                // Judged per namespace in `finish`: it belongs to every group.
                if let Some(kept) = netpol::cluster_wide(policy, &doc.json) {
                    let all: Vec<String> =
                        (0..BUCKETS).map(|b| format!("namespaces-{b:02}")).collect();
                    let groups: Vec<&str> = all.iter().map(String::as_str).collect();
                    out.fact_in(&groups, &[], json!({"policy": true, "cluster": kept}));
                }
            } else if netpol::namespaced_denies(policy, &doc.json, namespace) {
                out.fact_in(
                    &[&bucket(namespace)],
                    &[],
                    json!({"policy": true, "namespace": namespace}),
                );
            }
        } else if is_pod_bearing(doc) {
            out.fact_in(
                &[&bucket(namespace)],
                &["/metadata/name"],
                json!({"policy": false, "namespace": namespace, "workload": doc.describe()}),
            );
        }
    }

    fn finish(&self, facts: &[Fact], out: &mut Out) {
        let str_of = |f: &Fact, key: &str| f.data[key].as_str().unwrap_or_default().to_owned();
        let mut guarded: BTreeSet<String> = facts
            .iter()
            .filter(|f| f.data["policy"] == true && f.data.get("namespace").is_some())
            .map(|f| str_of(f, "namespace"))
            .collect();
        let cluster_wide: Vec<&Value> =
            facts.iter().filter_map(|f| f.data.get("cluster")).collect();
        let workloads: Vec<&Fact> = facts.iter().filter(|f| f.data["policy"] == false).collect();
        let namespaces: BTreeSet<String> =
            workloads.iter().map(|f| str_of(f, "namespace")).collect();
        for namespace in namespaces {
            if cluster_wide
                .iter()
                .any(|kept| netpol::cluster_wide_covers(kept, &namespace))
            {
                guarded.insert(namespace);
            }
        }
        for f in workloads {
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
