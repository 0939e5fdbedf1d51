//! # KUBER-L2-000020: Containers running as root
//!
//! **What it checks.** Every container, init container and ephemeral container of every
//! pod-bearing object, with its *effective* security context (a setting in the container's
//! `securityContext` overrides the pod's):
//!
//! * an effective `runAsUser: 0` is a finding, at that `runAsUser` (the container's or the
//!   pod's);
//! * otherwise the container must have an effective `runAsNonRoot: true` or an effective
//!   non-zero `runAsUser`; if it has neither (`runAsNonRoot: false` counts as neither), the
//!   finding points at the container.
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
//!   containers:
//!     - name: web         # finding: must set runAsNonRoot: true
//!       image: nginx
//! ```
//!
//! **Fix.** Set `securityContext.runAsNonRoot: true` (on the pod or each container) and run the
//! image as a non-root user (`USER 1000` in its Dockerfile, or `runAsUser: 1000`); remove
//! `runAsUser: 0`.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-002011 (V-254800); NIST SP 800-53 AC-6.
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::seed(
            "KUBER-L2-000020",
            "Containers running as root",
            Severity::Medium,
        )
        .stands_for("CNTR-K8-002011")
        .nist(&["AC-6"])
        .pod_kinds()
        .remediation("Set `securityContext.runAsNonRoot: true` and run as a non-zero UID.")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        for c in doc.pod().iter().flat_map(PodSpec::containers) {
            let user = c.effective("runAsUser").filter(|(v, _)| !v.is_null());
            if let Some((_, at)) = user.as_ref().filter(|(v, _)| v.as_i64() == Some(0)) {
                out.finding(at, format!("{} must not run as UID 0", c.describe()));
                continue;
            }
            let non_root = c
                .effective("runAsNonRoot")
                .is_some_and(|(v, _)| v == &Value::Bool(true));
            if !non_root && user.is_none() {
                out.finding(
                    &c.pointer,
                    format!("{} must set runAsNonRoot: true", c.describe()),
                )
                .fix(Fix::set(
                    "Set runAsNonRoot: true",
                    c.pointer_to("securityContext/runAsNonRoot"),
                    json!(true),
                ));
            }
        }
    }
}
