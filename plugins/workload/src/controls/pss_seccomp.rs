//! # STIGLINT-PSS-0009: Seccomp profile
//!
//! **What it checks.** A Pod Security Standards check on every pod-bearing object (`Pod`,
//! `PodTemplate`, `Deployment`, `StatefulSet`, `DaemonSet`, `ReplicaSet`,
//! `ReplicationController`, `Job`, `CronJob` and the other pod-bearing kinds). At baseline the
//! pod's and containers' `securityContext.seccompProfile.type` must not be `Unconfined`. At
//! restricted (from v1.19, replacing the baseline check) the pod must set `seccompProfile.type:
//! RuntimeDefault` or `Localhost`, or every container must (a finding at the container that
//! lacks it, with a fix that sets `RuntimeDefault`), and no one may set another type; from
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
//! | baseline | v1.0 – latest | `seccompProfile_baseline` |
//! | restricted | v1.0 – v1.18 | `seccompProfile_baseline` |
//! | restricted | v1.19 – v1.24 | `seccompProfile_restricted` |
//! | restricted | v1.25 – latest | `seccompProfile_restricted`, Windows pods exempt |
//!
//! **Why.** Seccomp filters the system calls a container may make; without it a kernel bug
//! reachable by an unusual syscall is one step from the node. The DISA Kubernetes STIG requires
//! Pod Security Admission to enforce the Pod Security Standards (CNTR-K8-002010,
//! CNTR-K8-002011); this control stands for that rule for this check.
//!
//! **Example.**
//! ```yaml
//! securityContext:
//!   seccompProfile:
//!     type: Unconfined   # finding
//! ```
//!
//! **Fix.** Set `securityContext.seccompProfile.type: RuntimeDefault` on the pod.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-002011 (V-254800); Kubernetes Pod Security
//! Standards (`k8s.io/pod-security-admission`); NIST SP 800-53 AC-6.
use stiglint_sdk::prelude::*;

crate::pss_control!(
    "STIGLINT-PSS-0009",
    Meta::seed("STIGLINT-PSS-0009", "Seccomp profile", Severity::Medium)
        .stands_for("CNTR-K8-002011")
        .nist(&["AC-6"])
        .remediation("Set `securityContext.seccompProfile.type: RuntimeDefault` on the pod.")
);
