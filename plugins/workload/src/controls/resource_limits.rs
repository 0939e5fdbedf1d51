//! # KUBER-L2-000080: Containers without CPU and memory limits
//!
//! **What it checks.** Every container and init container of every pod-bearing object must set
//! both `resources.limits.cpu` and `resources.limits.memory`. Ephemeral containers are left
//! out: Kubernetes does not let them carry resources. One finding per container, at
//! `resources.limits` when it exists, else at `resources`, else at the container.
//!
//! **Why.** A container without limits can take all the CPU and memory of its node and starve
//! every other pod on it, a denial of service by accident or by design. Limits give each
//! workload a bounded share, as NIST SP 800-53 SC-6 (resource availability) asks.
//!
//! **Example.**
//! ```yaml
//! containers:
//!   - name: app
//!     resources:
//!       limits:         # finding: must set resources.limits.memory
//!         cpu: 500m
//!   - name: worker      # finding: must set resources.limits.cpu and resources.limits.memory
//! ```
//!
//! **Fix.** Set `resources.limits.cpu` and `resources.limits.memory` from the workload's
//! measured peak use (the automatic fix adds `500m` and `512Mi` as placeholders to adjust).
//!
//! **References.** Seed control KUBER-L2-000080 (no DISA Kubernetes STIG rule of its own);
//! NIST SP 800-53 SC-6.
use stiglint_sdk::prelude::*;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

/// The limits required, with the placeholder the fix writes.
const LIMITS: [(&str, &str); 2] = [("cpu", "500m"), ("memory", "512Mi")];

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::seed(
            "KUBER-L2-000080",
            "Containers without CPU and memory limits",
            Severity::Medium,
        )
        .nist(&["SC-6"])
        .pod_kinds()
        .remediation("Set `resources.limits.cpu` and `resources.limits.memory` on the container.")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        let pod = doc.pod();
        for c in pod
            .iter()
            .flat_map(PodSpec::containers)
            .filter(|c| c.kind != ContainerKind::Ephemeral)
        {
            let resources = c.value.get("resources").filter(|r| !r.is_null());
            let limits = resources
                .and_then(|r| r.get("limits"))
                .filter(|l| !l.is_null());
            let missing: Vec<_> = LIMITS
                .iter()
                .filter(|(key, _)| limits.and_then(|l| l.get(key)).is_none_or(Value::is_null))
                .collect();
            if missing.is_empty() {
                continue;
            }
            let at = match (limits, resources) {
                (Some(_), _) => c.pointer_to("resources/limits"),
                (None, Some(_)) => c.pointer_to("resources"),
                (None, None) => c.pointer.clone(),
            };
            let names: Vec<_> = missing
                .iter()
                .map(|(k, _)| format!("resources.limits.{k}"))
                .collect();
            let fix = Fix {
                description: "Add resources.limits (adjust the values)".to_owned(),
                edits: missing
                    .iter()
                    .map(|(k, v)| {
                        Edit::Set(c.pointer_to(&format!("resources/limits/{k}")), json!(v))
                    })
                    .collect(),
            };
            out.finding(
                at,
                format!("{} must set {}", c.describe(), names.join(" and ")),
            )
            .fix(fix);
        }
    }
}
