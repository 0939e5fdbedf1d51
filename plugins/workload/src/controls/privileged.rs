//! # KUBER-L2-000070: Privileged containers
//!
//! **What it checks.** Every container, init container and ephemeral container of every
//! pod-bearing object: `securityContext.privileged` must not be `true`.
//!
//! **Why.** A privileged container runs with all capabilities and the host's devices; a
//! compromise of it is a compromise of the node. The DISA Kubernetes STIG requires Pod Security
//! Admission to enforce at least the `baseline` profile (CNTR-K8-002011), which forbids it.
//!
//! **Example.**
//! ```yaml
//! containers:
//!   - name: app
//!     securityContext:
//!       privileged: true   # finding
//! ```
//!
//! **Fix.** Remove `privileged: true` (or set it to `false`) and grant only the capabilities
//! the workload needs with `capabilities.add`.
//!
//! **Pod Security.** This control is also the Pod Security Standards check `privileged`
//! (baseline, every version from v1.0). In a namespace judged at baseline or restricted (its
//! `pod-security.kubernetes.io/enforce`, `warn` or `audit` label, else the scan's
//! `PodSecurityConfiguration`, else the default `baseline:latest`), the finding names the
//! level and version in admission's words and carries `pss: {check, level, version}` in the
//! JSON and SARIF properties, with the enforcement of the mode (`enforce` → deny, `warn`,
//! `audit`). Elsewhere (a `privileged` namespace, an exempt one) the finding stays, without
//! `pss`: the STIG forbids privileged containers whatever admission allows.
//!
//! | level | versions | check |
//! |---|---|---|
//! | baseline, restricted | v1.0 – latest | `privileged` |
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-002011 (V-254800); NIST SP 800-53 AC-6.
use stiglint_sdk::prelude::*;

crate::pss_control!(
    "KUBER-L2-000070",
    Meta::seed("KUBER-L2-000070", "Privileged containers", Severity::High)
        .stands_for("CNTR-K8-002011")
        .nist(&["AC-6"])
        .remediation("Remove `securityContext.privileged: true` from the container.")
);
