//! # KUBER-L2-000020: Containers running as root
//!
//! **What it checks.** Every container, init container and ephemeral container of every
//! pod-bearing object, with its *effective* security context (a setting in the container's
//! `securityContext` overrides the pod's):
//!
//! * an effective `runAsUser: 0` is a finding, at that `runAsUser` (the container's or the
//!   pod's);
//! * otherwise the container must have an effective `runAsNonRoot: true` or an effective
//!   non-zero `runAsUser`. If it has neither, the finding points at the cause: an effective
//!   `runAsNonRoot: false` (the container's, or the pod's when the container inherits it),
//!   else the container (nothing is set).
//!
//! A finding at a pod-level field names the container that inherits it as a related place, so
//! the fix lands where it works: changing the pod's `securityContext` fixes every container
//! that inherits it.
//!
//! **Why.** A process that runs as UID 0 in a container is root on the node's kernel: a
//! container escape, a writable host mount or a kernel bug then hands over the node. The DISA
//! Kubernetes STIG requires Pod Security Admission to enforce least privilege (CNTR-K8-002011);
//! the `restricted` profile requires `runAsNonRoot: true` and forbids `runAsUser: 0`.
//!
//! **Example.**
//! ```yaml
//! spec:
//!   securityContext:
//!     runAsUser: 0        # finding: 'app' inherits UID 0
//!   containers:
//!     - name: app
//!     - name: sidecar     # fine: its own user wins
//!       securityContext:
//!         runAsUser: 1000
//! ---
//! spec:
//!   securityContext:
//!     runAsNonRoot: false # finding: 'app' inherits it (related: the container 'app')
//!   containers:
//!     - name: app
//! ---
//! spec:
//!   containers:
//!     - name: web         # finding: must set runAsNonRoot: true
//!       image: nginx
//! ```
//!
//! **Fix.** Set `securityContext.runAsNonRoot: true` (on the pod or each container) and run the
//! image as a non-root user (`USER 1000` in its Dockerfile, or `runAsUser: 1000`); remove
//! `runAsUser: 0`.
//!
//! **Pod Security.** In a namespace judged at `restricted` (its
//! `pod-security.kubernetes.io/enforce`, `warn` or `audit` label, or the scan's
//! `PodSecurityConfiguration`), the control follows the Pod Security Standards checks
//! `runAsNonRoot` and `runAsUser`, as the API server does: a container without an effective
//! `runAsNonRoot: true` is a finding *even with a non-zero `runAsUser`*, an explicit
//! `runAsNonRoot: false` (pod or container) is one, and from v1.23 so is `runAsUser: 0` on
//! the pod or a container. Those findings name the level and version in admission's words
//! (`… It violates PodSecurity "restricted:v1.30": runAsNonRoot != true (…)`), carry
//! `pss: {check, level, version}` in the JSON and SARIF properties and the mode's enforcement
//! (`enforce` → deny, `warn`, `audit`). A place both meanings find is reported once.
//! Outside restricted the control's meaning above stays.
//!
//! | level | versions | check |
//! |---|---|---|
//! | restricted | v1.0 – latest | `runAsNonRoot` |
//! | restricted | v1.23 – latest | `runAsUser` |
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-002011 (V-254800); NIST SP 800-53 AC-6.
use stiglint_sdk::prelude::*;

crate::pss_control!(
    "KUBER-L2-000020",
    Meta::seed(
        "KUBER-L2-000020",
        "Containers running as root",
        Severity::Medium,
    )
    .stands_for("CNTR-K8-002011")
    .nist(&["AC-6"])
    .remediation("Set `securityContext.runAsNonRoot: true` and run as a non-zero UID.")
);
