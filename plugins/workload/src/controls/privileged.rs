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
//! **References.** DISA Kubernetes STIG CNTR-K8-002011 (V-254800); NIST SP 800-53 AC-6.
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::seed("KUBER-L2-000070", "Privileged containers", Severity::High)
            .stands_for("CNTR-K8-002011")
            .nist(&["AC-6"])
            .pod_kinds()
            .remediation("Remove `securityContext.privileged: true` from the container.")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        for c in doc.pod().iter().flat_map(PodSpec::containers) {
            if c.security_context("privileged") == Some(&Value::Bool(true)) {
                let at = c.pointer_to("securityContext/privileged");
                out.finding(&at, format!("{} must not run privileged", c.describe()))
                    .fix(Fix::set("Set privileged: false", at.clone(), json!(false)));
            }
        }
    }
}
