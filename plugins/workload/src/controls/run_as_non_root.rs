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
//! **References.** DISA Kubernetes STIG CNTR-K8-002011 (V-254800); NIST SP 800-53 AC-6.
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

/// The related place of a finding at a pod-level field: the container that inherits it.
fn inherits(c: &Container<'_>, what: &str) -> String {
    format!(
        "{} inherits {what} from the pod's securityContext",
        c.describe()
    )
}

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
                let message = format!("{} must not run as UID 0", c.describe());
                let mut finding = out.finding(at, message);
                if !at.starts_with(&c.pointer) {
                    finding.related(doc.id, &c.pointer, inherits(&c, "runAsUser: 0"));
                }
                continue;
            }
            let non_root = c.effective("runAsNonRoot").filter(|(v, _)| !v.is_null());
            if non_root
                .as_ref()
                .is_some_and(|(v, _)| *v == &Value::Bool(true))
                || user.is_some()
            {
                continue;
            }
            let message = format!("{} must set runAsNonRoot: true", c.describe());
            match non_root {
                // An explicit `runAsNonRoot: false` (or another non-true value) is the cause:
                // point at it, and fix it there.
                Some((value, at)) => {
                    let inherited = !at.starts_with(&c.pointer);
                    let fix = Fix::set("Set runAsNonRoot: true", &at, json!(true));
                    let mut finding = out.finding(&at, message);
                    finding.fix(fix);
                    if inherited {
                        let what = format!("runAsNonRoot: {value}");
                        finding.related(doc.id, &c.pointer, inherits(&c, &what));
                    }
                }
                None => {
                    out.finding(&c.pointer, message).fix(Fix::set(
                        "Set runAsNonRoot: true",
                        c.pointer_to("securityContext/runAsNonRoot"),
                        json!(true),
                    ));
                }
            }
        }
    }
}
