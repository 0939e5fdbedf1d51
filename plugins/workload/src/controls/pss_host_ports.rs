//! # STIGLINT-PSS-0004: Host ports
//!
//! **What it checks.** A Pod Security Standards check on every pod-bearing object (`Pod`,
//! `PodTemplate`, `Deployment`, `StatefulSet`, `DaemonSet`, `ReplicaSet`,
//! `ReplicationController`, `Job`, `CronJob` and the other pod-bearing kinds). Every
//! container's `ports[*].hostPort` must be unset or `0`, at any port number (CNTR-K8-000960
//! covers only the privileged ports below 1024).
//!
//! **Level and version.** The check applies where the namespace's level does: the
//! `pod-security.kubernetes.io/enforce`, `warn` and `audit` labels (and their `-version`) of
//! the scanned Namespace, in any file and any order; else a `PodSecurityConfiguration` (an
//! `AdmissionConfiguration` in the scan, or `pss-configuration` in `stiglint.toml`); else
//! `pss-default-level` / `pss-default-version` (default `baseline`, `latest`). `enforce`
//! findings deny; `warn` and `audit` findings have that enforcement and never fail a run. Every
//! finding carries `pss: {check, level, version}` in the JSON and SARIF properties, and
//! admission's wording as its second sentence.
//!
//! | level | policy versions | Pod Security check |
//! |---|---|---|
//! | baseline, restricted | v1.0 – latest | `hostPorts` |
//!
//! **Why.** A host port binds the container to the node's network interface, bypassing the
//! Service and `NetworkPolicy` layer and limiting where the pod can be scheduled. The DISA
//! Kubernetes STIG requires Pod Security Admission to enforce the Pod Security Standards
//! (CNTR-K8-002010, CNTR-K8-002011); this control stands for that rule for this check.
//!
//! **Example.**
//! ```yaml
//! ports:
//!   - containerPort: 8080
//!     hostPort: 8080   # finding
//! ```
//!
//! **Fix.** Remove `hostPort` and expose the port through a Service.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-002011 (V-254800); Kubernetes Pod Security
//! Standards (`k8s.io/pod-security-admission`); NIST SP 800-53 SC-7.
use stiglint_sdk::prelude::*;

crate::pss_control!(
    "STIGLINT-PSS-0004",
    Meta::seed("STIGLINT-PSS-0004", "Host ports", Severity::Medium)
        .stands_for("CNTR-K8-002011")
        .nist(&["SC-7"])
        .remediation("Remove `hostPort` and expose the port through a Service.")
);
