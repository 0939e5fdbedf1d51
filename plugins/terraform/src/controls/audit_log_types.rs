//! # KUBER-L2-000180: EKS control-plane audit logging off
//!
//! **What it checks.** Every EKS cluster, written as `resource "aws_eks_cluster"` or as a call
//! of the registry module `terraform-aws-modules/eks/aws`: the control-plane log types it sends
//! to `CloudWatch` must include `"audit"`: `enabled_cluster_log_types` on the resource,
//! `enabled_log_types` (module v21) or `cluster_enabled_log_types` (module v20 and older).
//!
//! **Absent attributes.** On the resource an absent `enabled_cluster_log_types` means no
//! control-plane logs at all (the EKS API's default): a finding at the resource. On the module
//! the default is `["audit", "api", "authenticator"]`: a module call that says nothing passes; an
//! explicit `null` or `[]` is a finding. A list the scan cannot know, or a list with unknown
//! entries and no literal `"audit"`, gives a *not evaluated* note, never a finding or a pass.
//!
//! **Why.** The Kubernetes audit log is the record of who did what through the API: without it,
//! an intrusion or a misuse of credentials cannot be traced. On EKS the API server's audit log
//! exists only if the `audit` log type is enabled (NIST SP 800-53 AU-12, AU-14).
//!
//! **Example.**
//! ```hcl
//! resource "aws_eks_cluster" "this" {
//!   name                      = "prod"
//!   enabled_cluster_log_types = ["api", "authenticator"]   # finding: no "audit"
//! }
//! ```
//!
//! **Fix.** Add `"audit"` to the list (the quick fix does so when the list is literal):
//! ```hcl
//! enabled_cluster_log_types = ["api", "audit", "authenticator"]
//! ```
//!
//! **References.** Seed control KUBER-L2-000180; it stands in for DISA Kubernetes STIG
//! CNTR-K8-000610 (V-242402, the API server writes an audit log); NIST SP 800-53 AU-12, AU-14.
use stiglint_sdk::prelude::*;
use stiglint_sdk::terraform::{EksCluster, Known};

use super::{attribute, not_evaluated};

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::seed(
            "KUBER-L2-000180",
            "EKS control-plane audit logging off",
            Severity::Medium,
        )
        .stands_for("CNTR-K8-000610")
        .nist(&["AU-12"])
        .formats(&[Format::Terraform])
        .remediation("Add \"audit\" to the cluster's enabled log types (`enabled_cluster_log_types`, or the module's `enabled_log_types`).")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        let Some(cluster) = EksCluster::of(doc) else {
            return;
        };
        let address = cluster.address();
        let types = cluster.enabled_log_types();
        let items = match types.value {
            Known::Unknown(reason) => return not_evaluated(out, &types.pointer, address, reason),
            Known::Value(Value::Array(items)) => items.as_slice(),
            _ => &[],
        };
        let mut literal = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match Known::of(item) {
                Known::Value(Value::String(s)) if s == "audit" => return,
                Known::Value(v) => literal.push(v.clone()),
                Known::Unknown(reason) => {
                    let at = format!("{}/{i}", types.pointer);
                    return not_evaluated(out, &at, address, reason);
                }
                Known::Absent => {}
            }
        }
        let name = attribute(&types.pointer);
        let shown = if types.defaulted {
            "not set: no control-plane logs".to_owned()
        } else {
            format!("{name} = {}", Value::Array(literal.clone()))
        };
        literal.push(json!("audit"));
        out.finding(
            &types.pointer,
            format!("{address} must send the Kubernetes audit log to CloudWatch: add \"audit\" to {name} ({shown})"),
        )
        .fix(Fix::set(
            format!("Add \"audit\" to {name}"),
            types.pointer.clone(),
            Value::Array(literal),
        ));
    }
}
