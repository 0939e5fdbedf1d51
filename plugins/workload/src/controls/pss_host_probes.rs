//! # STIGLINT-PSS-0005: Probe and lifecycle hook hosts
//!
//! **What it checks.** A Pod Security Standards check on every pod-bearing object (`Pod`,
//! `PodTemplate`, `Deployment`, `StatefulSet`, `DaemonSet`, `ReplicaSet`,
//! `ReplicationController`, `Job`, `CronJob` and the other pod-bearing kinds). Every
//! container's `livenessProbe`, `readinessProbe`, `startupProbe` and
//! `lifecycle.postStart`/`preStop` handlers: their `httpGet.host` and `tcpSocket.host` must be
//! unset or empty (from policy version v1.34).
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
//! | baseline, restricted | v1.34 – latest | `hostProbesAndHostLifecycle` |
//!
//! **Why.** The kubelet runs probes and hooks from the node: a `host` lets a pod make the
//! kubelet connect to any address the node can reach (a server-side request forgery). The DISA
//! Kubernetes STIG requires Pod Security Admission to enforce the Pod Security Standards
//! (CNTR-K8-002010, CNTR-K8-002011); this control stands for that rule for this check.
//!
//! **Example.**
//! ```yaml
//! livenessProbe:
//!   httpGet:
//!     host: 169.254.169.254   # finding
//!     port: 80
//! ```
//!
//! **Fix.** Remove `host`: the probe then targets the pod's own IP.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-002011 (V-254800); Kubernetes Pod Security
//! Standards (`k8s.io/pod-security-admission`); NIST SP 800-53 SC-7.
use stiglint_sdk::prelude::*;

crate::pss_control!(
    "STIGLINT-PSS-0005",
    Meta::seed(
        "STIGLINT-PSS-0005",
        "Probe and lifecycle hook hosts",
        Severity::Medium
    )
    .stands_for("CNTR-K8-002011")
    .nist(&["SC-7"])
    .remediation("Remove `host`: the probe then targets the pod's own IP.")
);
