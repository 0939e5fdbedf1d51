//! # STIGLINT-PSS-0001: Windows host-process containers
//!
//! **What it checks.** A Pod Security Standards check on every pod-bearing object (`Pod`,
//! `PodTemplate`, `Deployment`, `StatefulSet`, `DaemonSet`, `ReplicaSet`,
//! `ReplicationController`, `Job`, `CronJob` and the other pod-bearing kinds). The pod's and
//! every container's `securityContext.windowsOptions.hostProcess` must be unset or `false`.
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
//! | baseline, restricted | v1.0 – latest | `windowsHostProcess` |
//!
//! **Why.** A Windows host-process container runs directly on the node, with the node's network
//! and file system and the rights of a node administrator: it is a node, not a container. The
//! DISA Kubernetes STIG requires Pod Security Admission to enforce the Pod Security Standards
//! (CNTR-K8-002010, CNTR-K8-002011); this control stands for that rule for this check.
//!
//! **Example.**
//! ```yaml
//! spec:
//!   securityContext:
//!     windowsOptions:
//!       hostProcess: true   # finding
//! ```
//!
//! **Fix.** Remove `hostProcess: true`; run node administration through the node's own tooling.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-002011 (V-254800); Kubernetes Pod Security
//! Standards (`k8s.io/pod-security-admission`); NIST SP 800-53 SC-39.
use stiglint_sdk::prelude::*;

crate::pss_control!(
    "STIGLINT-PSS-0001",
    Meta::seed(
        "STIGLINT-PSS-0001",
        "Windows host-process containers",
        Severity::High
    )
    .stands_for("CNTR-K8-002011")
    .nist(&["SC-39"])
    .remediation(
        "Remove `hostProcess: true`; run node administration through the node's own tooling."
    )
);
