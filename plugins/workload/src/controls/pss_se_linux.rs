//! # STIGLINT-PSS-0007: `SELinux` options
//!
//! **What it checks.** A Pod Security Standards check on every pod-bearing object (`Pod`,
//! `PodTemplate`, `Deployment`, `StatefulSet`, `DaemonSet`, `ReplicaSet`,
//! `ReplicationController`, `Job`, `CronJob` and the other pod-bearing kinds). The pod's and
//! containers' `securityContext.seLinuxOptions`: `type` may be only empty, `container_t`,
//! `container_init_t` or `container_kvm_t` (and `container_engine_t` from v1.31); `user` and
//! `role` must be unset or empty. One finding per field at fault.
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
//! | baseline, restricted | v1.0 – v1.30 | `seLinuxOptions` |
//! | baseline, restricted | v1.31 – latest | `seLinuxOptions` (+ `container_engine_t`) |
//!
//! **Why.** A custom `SELinux` type, user or role can lift the label that confines a container to
//! its own files and processes. The DISA Kubernetes STIG requires Pod Security Admission to
//! enforce the Pod Security Standards (CNTR-K8-002010, CNTR-K8-002011); this control stands for
//! that rule for this check.
//!
//! **Example.**
//! ```yaml
//! securityContext:
//!   seLinuxOptions:
//!     type: spc_t   # finding
//! ```
//!
//! **Fix.** Remove the custom `type`, `user` and `role`; keep `level` if you need a category.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-002011 (V-254800); Kubernetes Pod Security
//! Standards (`k8s.io/pod-security-admission`); NIST SP 800-53 AC-6.
use stiglint_sdk::prelude::*;

crate::pss_control!(
    "STIGLINT-PSS-0007",
    Meta::seed("STIGLINT-PSS-0007", "SELinux options", Severity::Medium)
        .stands_for("CNTR-K8-002011")
        .nist(&["AC-6"])
        .remediation(
            "Remove the custom `type`, `user` and `role`; keep `level` if you need a category."
        )
);
