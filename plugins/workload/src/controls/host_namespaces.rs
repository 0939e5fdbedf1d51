//! # KUBER-L2-000060: Host network, PID or IPC namespace shared
//!
//! **What it checks.** The pod spec of every pod-bearing object: `hostNetwork`, `hostPID` and
//! `hostIPC` must not be `true`. Each one that is gives its own finding.
//!
//! **Why.** A pod in the host's network namespace sees every interface of the node and can bind
//! its ports; in the host's PID namespace it sees (and can signal or ptrace) every process of
//! the node; in the host's IPC namespace it shares the node's shared memory. Any of them breaks
//! the isolation a container relies on. The DISA Kubernetes STIG requires Pod Security
//! Admission to enforce at least the `baseline` profile (CNTR-K8-002011), which forbids all
//! three.
//!
//! **Example.**
//! ```yaml
//! kind: Deployment
//! spec:
//!   template:
//!     spec:
//!       hostNetwork: true   # finding
//!       hostPID: true       # finding
//!       hostIPC: false      # fine
//! ```
//!
//! **Fix.** Remove the fields (or set them to `false`). Expose ports through a Service instead
//! of the host network; use the Kubernetes API rather than host processes for monitoring.
//!
//! **Pod Security.** This control is also the Pod Security Standards check `hostNamespaces`
//! (baseline, every version from v1.0): in a namespace judged at baseline or restricted the
//! finding names the level and version in admission's words and carries `pss` properties and
//! the mode's enforcement (see KUBER-L2-000070); elsewhere it stays, without `pss`.
//!
//! | level | versions | check |
//! |---|---|---|
//! | baseline, restricted | v1.0 – latest | `hostNamespaces` |
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-002011 (V-254800); NIST SP 800-53 SC-39.
use stiglint_sdk::prelude::*;

crate::pss_control!(
    "KUBER-L2-000060",
    Meta::seed(
        "KUBER-L2-000060",
        "Host network, PID or IPC namespace shared",
        Severity::High,
    )
    .stands_for("CNTR-K8-002011")
    .nist(&["SC-39"])
    .remediation("Remove `hostNetwork`, `hostPID` and `hostIPC: true` from the pod spec.")
);
