//! # STIGLINT-PSS-0011: Privilege escalation allowed
//!
//! **What it checks.** A Pod Security Standards check on every pod-bearing object (`Pod`,
//! `PodTemplate`, `Deployment`, `StatefulSet`, `DaemonSet`, `ReplicaSet`,
//! `ReplicationController`, `Job`, `CronJob` and the other pod-bearing kinds). Every container,
//! init container and ephemeral container must set `securityContext.allowPrivilegeEscalation:
//! false` (a finding at the field when it is `true`, else at the container, with a fix). From
//! v1.25 a Windows pod is exempt.
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
//! | restricted | v1.8 – v1.24 | `allowPrivilegeEscalation` |
//! | restricted | v1.25 – latest | `allowPrivilegeEscalation`, Windows pods exempt |
//!
//! **Why.** Without it a process can gain more privileges than its parent through setuid
//! binaries or file capabilities. The DISA Kubernetes STIG requires Pod Security Admission to
//! enforce the Pod Security Standards (CNTR-K8-002010, CNTR-K8-002011); this control stands for
//! that rule for this check.
//!
//! **Example.**
//! ```yaml
//! containers:
//!   - name: app          # finding: must set allowPrivilegeEscalation: false
//!     image: nginx
//! ```
//!
//! **Fix.** Set `securityContext.allowPrivilegeEscalation: false` on every container.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-002011 (V-254800); Kubernetes Pod Security
//! Standards (`k8s.io/pod-security-admission`); NIST SP 800-53 AC-6.
use stiglint_sdk::prelude::*;

crate::pss_control!(
    "STIGLINT-PSS-0011",
    Meta::seed(
        "STIGLINT-PSS-0011",
        "Privilege escalation allowed",
        Severity::Medium
    )
    .stands_for("CNTR-K8-002011")
    .nist(&["AC-6"])
    .remediation("Set `securityContext.allowPrivilegeEscalation: false` on every container.")
);
