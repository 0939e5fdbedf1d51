//! # STIGLINT-PSS-0008: Unmasked /proc
//!
//! **What it checks.** A Pod Security Standards check on every pod-bearing object (`Pod`,
//! `PodTemplate`, `Deployment`, `StatefulSet`, `DaemonSet`, `ReplicaSet`,
//! `ReplicationController`, `Job`, `CronJob` and the other pod-bearing kinds). Every
//! container's `securityContext.procMount` must be unset or `Default`.
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
//! | baseline | v1.0 – latest | `procMount` |
//! | restricted | v1.0 – v1.34 | `procMount` |
//! | restricted | v1.35 – latest | `procMount_restricted` (replaces `procMount`) |
//!
//! **Why.** The default /proc mount masks kernel interfaces a container must not reach;
//! `Unmasked` exposes them. The DISA Kubernetes STIG requires Pod Security Admission to enforce
//! the Pod Security Standards (CNTR-K8-002010, CNTR-K8-002011); this control stands for that
//! rule for this check.
//!
//! **Example.**
//! ```yaml
//! securityContext:
//!   procMount: Unmasked   # finding
//! ```
//!
//! **Fix.** Remove `procMount`.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-002011 (V-254800); Kubernetes Pod Security
//! Standards (`k8s.io/pod-security-admission`); NIST SP 800-53 AC-6.
use stiglint_sdk::prelude::*;

crate::pss_control!(
    "STIGLINT-PSS-0008",
    Meta::seed("STIGLINT-PSS-0008", "Unmasked /proc", Severity::Medium)
        .stands_for("CNTR-K8-002011")
        .nist(&["AC-6"])
        .remediation("Remove `procMount`.")
);
