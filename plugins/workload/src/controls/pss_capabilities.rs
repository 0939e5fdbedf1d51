//! # STIGLINT-PSS-0002: Added Linux capabilities
//!
//! **What it checks.** A Pod Security Standards check on every pod-bearing object (`Pod`,
//! `PodTemplate`, `Deployment`, `StatefulSet`, `DaemonSet`, `ReplicaSet`,
//! `ReplicationController`, `Job`, `CronJob` and the other pod-bearing kinds). Every container,
//! init container and ephemeral container: at baseline, `securityContext.capabilities.add` may
//! hold only the runtime's default capabilities (`AUDIT_WRITE`, `CHOWN`, `DAC_OVERRIDE`,
//! `FOWNER`, `FSETID`, `KILL`, `MKNOD`, `NET_BIND_SERVICE`, `SETFCAP`, `SETGID`, `SETPCAP`,
//! `SETUID`, `SYS_CHROOT`), one finding per other capability, at it. At restricted (from v1.22,
//! replacing the baseline check) every container must also drop `ALL` (a finding at the
//! container, with a fix that adds `ALL` to `capabilities.drop`) and may add only
//! `NET_BIND_SERVICE`; from v1.25 a Windows pod (`spec.os.name: windows`) is exempt.
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
//! | baseline | v1.0 – latest | `capabilities_baseline` |
//! | restricted | v1.0 – v1.21 | `capabilities_baseline` |
//! | restricted | v1.22 – v1.24 | `capabilities_restricted` |
//! | restricted | v1.25 – latest | `capabilities_restricted`, Windows pods exempt |
//!
//! **Why.** Capabilities such as `SYS_ADMIN`, `NET_ADMIN` or `SYS_PTRACE` give a container
//! root's powers over the node's kernel piece by piece; dropping all of them removes what a
//! compromised process could use. The DISA Kubernetes STIG requires Pod Security Admission to
//! enforce the Pod Security Standards (CNTR-K8-002010, CNTR-K8-002011); this control stands for
//! that rule for this check.
//!
//! **Example.**
//! ```yaml
//! containers:
//!   - name: app
//!     securityContext:
//!       capabilities:
//!         add: [SYS_ADMIN]   # finding
//! ```
//!
//! **Fix.** Remove the capability from `capabilities.add`; set `capabilities.drop: [ALL]` and
//! add back only `NET_BIND_SERVICE` if the process binds a low port.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-002011 (V-254800); Kubernetes Pod Security
//! Standards (`k8s.io/pod-security-admission`); NIST SP 800-53 AC-6.
use stiglint_sdk::prelude::*;

crate::pss_control!(
    "STIGLINT-PSS-0002",
    Meta::seed("STIGLINT-PSS-0002", "Added Linux capabilities", Severity::Medium)
        .stands_for("CNTR-K8-002011")
        .nist(&["AC-6"])
        .remediation("Remove the capability from `capabilities.add`; set `capabilities.drop: [ALL]` and add back only `NET_BIND_SERVICE` if the process binds a low port.")
);
