//! # STIGLINT-PSS-0010: Unsafe sysctls
//!
//! **What it checks.** A Pod Security Standards check on every pod-bearing object (`Pod`,
//! `PodTemplate`, `Deployment`, `StatefulSet`, `DaemonSet`, `ReplicaSet`,
//! `ReplicationController`, `Job`, `CronJob` and the other pod-bearing kinds). The pod's
//! `securityContext.sysctls[*].name` must be one of the safe, namespaced sysctls of the policy
//! version: `kernel.shm_rmid_forced`, `net.ipv4.ip_local_port_range`,
//! `net.ipv4.tcp_syncookies`, `net.ipv4.ping_group_range`,
//! `net.ipv4.ip_unprivileged_port_start`; from v1.27 also `net.ipv4.ip_local_reserved_ports`;
//! from v1.29 `net.ipv4.tcp_keepalive_time`, `tcp_fin_timeout`, `tcp_keepalive_intvl`,
//! `tcp_keepalive_probes`; from v1.32 `net.ipv4.tcp_rmem`, `tcp_wmem`; from v1.37
//! `net.ipv4.tcp_slow_start_after_idle`, `tcp_notsent_lowat`.
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
//! | baseline, restricted | v1.0 – v1.26 | `sysctls` (5 names) |
//! | baseline, restricted | v1.27 – v1.28 | `sysctls` (6) |
//! | baseline, restricted | v1.29 – v1.31 | `sysctls` (10) |
//! | baseline, restricted | v1.32 – v1.36 | `sysctls` (12) |
//! | baseline, restricted | v1.37 – latest | `sysctls` (14) |
//!
//! **Why.** Other sysctls are shared with the node or its other pods: setting them changes the
//! node's kernel for everyone. The DISA Kubernetes STIG requires Pod Security Admission to
//! enforce the Pod Security Standards (CNTR-K8-002010, CNTR-K8-002011); this control stands for
//! that rule for this check.
//!
//! **Example.**
//! ```yaml
//! securityContext:
//!   sysctls:
//!     - name: kernel.msgmax   # finding
//!       value: "65536"
//! ```
//!
//! **Fix.** Remove the sysctl, or tune it on the node.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-002011 (V-254800); Kubernetes Pod Security
//! Standards (`k8s.io/pod-security-admission`); NIST SP 800-53 SC-39.
use stiglint_sdk::prelude::*;

crate::pss_control!(
    "STIGLINT-PSS-0010",
    Meta::seed("STIGLINT-PSS-0010", "Unsafe sysctls", Severity::Medium)
        .stands_for("CNTR-K8-002011")
        .nist(&["SC-39"])
        .remediation("Remove the sysctl, or tune it on the node.")
);
