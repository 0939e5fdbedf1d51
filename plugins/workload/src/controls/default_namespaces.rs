//! # CNTR-K8-000290: No user resources in default, kube-public, kube-node-lease
//!
//! **What it checks.** Every object of a namespaced kind must not land in `default`,
//! `kube-public` or `kube-node-lease`. An object without `metadata.namespace` lands in the
//! scan's namespace (`--namespace` or `namespace` in `stiglint.toml`), else in `default`, so it
//! is a finding too unless a namespace is supplied. Cluster-scoped kinds (`Namespace`,
//! `ClusterRole`, ...) and configuration files that are not deployed as objects
//! (`KubeletConfiguration`, audit `Policy`, `Kustomization`, a kubeconfig, an
//! `AdmissionReview`) are not concerned.
//!
//! **Kubernetes' own objects are exempt.** The control plane creates these objects itself, so
//! a dump of a live cluster (`kubectl get all,cm,sa,ep,endpointslice,lease -A -o yaml`) holds
//! them whatever its users do. Each is recognised by kind, API group, namespace and name (and,
//! where the name is not fixed, by the field that ties it to its creator):
//!
//! | kind (group) | name | namespace | created by |
//! |---|---|---|---|
//! | `Service` (core) | `kubernetes` | `default` | kube-apiserver (the API's own Service) |
//! | `Endpoints` (core) | `kubernetes` | `default` | kube-apiserver's endpoint reconciler |
//! | `EndpointSlice` (`discovery.k8s.io`) | `kubernetes` | `default` | kube-apiserver's endpoint reconciler |
//! | `ServiceAccount` (core) | `default` | each of the three | the service account controller (kube-controller-manager), in every namespace |
//! | `ConfigMap` (core) | `kube-root-ca.crt` | each of the three | the root CA publisher (kube-controller-manager), in every namespace |
//! | `Secret` (core) | `default-token-*`, of type `kubernetes.io/service-account-token` for the service account `default` (annotation `kubernetes.io/service-account.name`) | each of the three | the token controller, before Kubernetes 1.24 |
//! | `Lease` (`coordination.k8s.io`) | a node's name: `spec.holderIdentity` equal to the name, or an owner reference to the `Node` of that name | `kube-node-lease` | the kubelet (node heartbeats) |
//! | `Role`, `RoleBinding` (`rbac.authorization.k8s.io`) | `system:controller:bootstrap-signer` | `kube-public` | kube-apiserver's RBAC bootstrap policy |
//! | `ConfigMap` (core) | `cluster-info` | `kube-public` | kubeadm (`kubeadm init`) |
//! | `Role`, `RoleBinding` (`rbac.authorization.k8s.io`) | `kubeadm:bootstrap-signer-clusterinfo` | `kube-public` | kubeadm (`kubeadm init`) |
//! | `Event` (core, `events.k8s.io`) | any | `default` | the kubelet and controllers, about a `Node` (`involvedObject`/`regarding` of kind `Node`): node events are recorded in `default` |
//!
//! Anything else in these namespaces is a finding, including an object of one of these kinds
//! under another name (a `Lease` named for a leader election, a `Service` `kubernetes` in
//! `kube-public`).
//!
//! **Why.** The default namespaces are shared and unsegmented: RBAC, network policies, quotas
//! and Pod Security levels cannot be tailored to one application there, and anything deployed
//! without a namespace ends up beside everything else. Dedicated namespaces keep workloads
//! apart and their policies precise.
//!
//! **Example.**
//! ```yaml
//! kind: Deployment
//! metadata:
//!   name: web            # finding: no metadata.namespace, lands in 'default'
//! ---
//! kind: ConfigMap
//! metadata:
//!   name: settings
//!   namespace: kube-public   # finding
//! ```
//!
//! **Fix.** Create a namespace for the application and set `metadata.namespace` on each of its
//! objects (or deploy with `--namespace`/a Helm release namespace and scan with
//! `--namespace`).
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-000290 (V-242383, CAT I): `kubectl get all` in
//! `default`, `kube-public` and `kube-node-lease` must return nothing but `service/kubernetes`;
//! NIST SP 800-53 CM-6 b. The objects Kubernetes creates: "Namespaces" and "Node heartbeats"
//! (kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/,
//! kubernetes.io/docs/concepts/architecture/leases/), "Service account admission controller /
//! root CA publisher" (kubernetes.io/docs/reference/access-authn-authz/service-accounts-admin/),
//! kube-apiserver's `bootstrappolicy/namespace_policy.go` and kubeadm's "Implementation
//! details" (the `cluster-info` `ConfigMap` and its RBAC in `kube-public`).
use stiglint_sdk::k8s::{is_namespaced_resource, list_settings, namespace_pointer};
use stiglint_sdk::{ScanContext, prelude::*};

/// The namespaces users must not deploy to.
const SHARED: &[&str] = &["default", "kube-public", "kube-node-lease"];

/// Whether the object is one Kubernetes creates itself in `namespace` (the table of the module
/// documentation).
fn created_by_kubernetes(doc: &Document, namespace: &str) -> bool {
    let (group, kind, name) = (doc.api_group(), doc.kind(), doc.name());
    let core = group.is_empty();
    let rbac = group == "rbac.authorization.k8s.io";
    match (kind, namespace) {
        ("Service" | "Endpoints", "default") => core && name == "kubernetes",
        ("EndpointSlice", "default") => group == "discovery.k8s.io" && name == "kubernetes",
        ("ServiceAccount", _) => core && name == "default",
        ("ConfigMap", "kube-public") => {
            core && (name == "kube-root-ca.crt" || name == "cluster-info")
        }
        ("ConfigMap", _) => core && name == "kube-root-ca.crt",
        ("Secret", _) => core && default_token(doc),
        ("Lease", "kube-node-lease") => group == "coordination.k8s.io" && node_lease(doc),
        ("Role" | "RoleBinding", "kube-public") => {
            rbac && (name == "system:controller:bootstrap-signer"
                || name == "kubeadm:bootstrap-signer-clusterinfo")
        }
        ("Event", "default") => (core || group == "events.k8s.io") && about_a_node(doc),
        _ => false,
    }
}

/// The token Secret the token controller made for the service account `default`.
fn default_token(doc: &Document) -> bool {
    let service_account = doc
        .json
        .pointer("/metadata/annotations/kubernetes.io~1service-account.name")
        .and_then(Value::as_str);
    doc.name().starts_with("default-token-")
        && doc.json.get("type").and_then(Value::as_str)
            == Some("kubernetes.io/service-account-token")
        && service_account == Some("default")
}

/// A node's heartbeat Lease: named for its node, held by it or owned by it.
fn node_lease(doc: &Document) -> bool {
    let name = doc.name();
    let held = doc
        .json
        .pointer("/spec/holderIdentity")
        .and_then(Value::as_str)
        == Some(name);
    let owned = doc
        .json
        .pointer("/metadata/ownerReferences")
        .and_then(Value::as_array)
        .is_some_and(|owners| {
            owners.iter().any(|o| {
                o.get("kind").and_then(Value::as_str) == Some("Node")
                    && o.get("name").and_then(Value::as_str) == Some(name)
            })
        });
    !name.is_empty() && (held || owned)
}

/// An Event about a Node (`involvedObject` in `v1`, `regarding` in `events.k8s.io/v1`).
fn about_a_node(doc: &Document) -> bool {
    ["involvedObject", "regarding"].iter().any(|field| {
        doc.json
            .get(*field)
            .and_then(|o| o.get("kind"))
            .and_then(Value::as_str)
            == Some("Node")
    })
}

/// See the module documentation.
#[derive(Default)]
pub struct Rule {
    scan: ScanContext,
}

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-000290")
            .remediation("Set `metadata.namespace` to a dedicated namespace of the application.")
    }

    fn configure(&mut self, settings: &Value, scan: &ScanContext) -> Result<(), String> {
        list_settings(settings, &[])?;
        self.scan = scan.clone();
        Ok(())
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        if !is_namespaced_resource(doc) {
            return;
        }
        let namespace = doc.effective_namespace(&self.scan);
        if !SHARED.contains(&namespace) || created_by_kubernetes(doc, namespace) {
            return;
        }
        let implicit = if doc.namespace().is_none() {
            " (no metadata.namespace)"
        } else {
            ""
        };
        out.finding(
            namespace_pointer(doc),
            format!(
                "{} must not be deployed to namespace '{namespace}'{implicit}",
                doc.describe()
            ),
        );
    }
}
