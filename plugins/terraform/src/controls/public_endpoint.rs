//! # KUBER-L2-000120: EKS API endpoint reachable from the internet
//!
//! **What it checks.** Every EKS cluster, written as `resource "aws_eks_cluster"` or as a call
//! of the registry module `terraform-aws-modules/eks/aws`: its public API endpoint must not be
//! open to the whole internet, that is not both
//!
//! * the public endpoint on: `vpc_config { endpoint_public_access }` on the resource,
//!   `endpoint_public_access` (module v21) or `cluster_endpoint_public_access` (module v20 and
//!   older), and
//! * the CIDRs allowed to reach it absent or containing `0.0.0.0/0` or `::/0`:
//!   `vpc_config { public_access_cidrs }`, `endpoint_public_access_cidrs` (v21) or
//!   `cluster_endpoint_public_access_cidrs` (v20).
//!
//! **Absent attributes.** An absent attribute takes its default: on the resource the EKS API's
//! (`endpoint_public_access = true`, `public_access_cidrs = ["0.0.0.0/0"]`), so a resource that
//! says nothing is a finding; on the module the module's (public access `false`, CIDRs
//! `["0.0.0.0/0"]`), so a module call that says nothing passes. A finding is at the public-access
//! setting when the CIDRs are defaulted, else at the first CIDR entry that opens the endpoint; an
//! absent setting is reported at its block. The module major version comes from the `version`
//! constraint (or the `ref=` of a git source); no version means the newest (v21 names). A value
//! the scan cannot know (a variable without a value, a data source) gives a *not evaluated*
//! note, never a finding or a pass.
//!
//! **Why.** An API server open to the internet can be attacked by anyone: credential stuffing,
//! exploits of unpatched API server vulnerabilities, denial of service. The Kubernetes API must
//! be reachable only from the networks that administer the cluster (NIST SP 800-53 SC-7 boundary
//! protection, AC-17 remote access).
//!
//! **Example.**
//! ```hcl
//! resource "aws_eks_cluster" "this" {
//!   vpc_config {
//!     subnet_ids             = var.subnet_ids
//!     endpoint_public_access = true   # finding: public_access_cidrs default to 0.0.0.0/0
//!   }
//! }
//! ```
//!
//! **Fix.** Turn the public endpoint off and the private endpoint on, and reach the API from
//! inside the VPC (VPN, bastion, CI runners in the VPC):
//! ```hcl
//! vpc_config {
//!   endpoint_private_access = true
//!   endpoint_public_access  = false
//! }
//! ```
//! If a public endpoint is unavoidable, restrict `public_access_cidrs` to the administrators'
//! addresses.
//!
//! **References.** Seed control KUBER-L2-000120; it stands in for DISA Kubernetes STIG
//! CNTR-K8-000920 (V-242410, API server ports and protocols limited to the PPSM CAL); NIST SP
//! 800-53 SC-7, AC-17.
use stiglint_sdk::prelude::*;
use stiglint_sdk::terraform::{EksCluster, Known, is_anywhere};

use super::{attribute, not_evaluated};

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::seed(
            "KUBER-L2-000120",
            "EKS API endpoint reachable from the internet",
            Severity::High,
        )
        .stands_for("CNTR-K8-000920")
        .nist(&["SC-7", "AC-17"])
        .formats(&[Format::Terraform])
        .remediation(
            "Set `endpoint_private_access = true` and `endpoint_public_access = false`, or \
             restrict the public access CIDRs to the administrators' networks.",
        )
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        let Some(cluster) = EksCluster::of(doc) else {
            return;
        };
        let address = cluster.address();
        let public = cluster.endpoint_public_access();
        match public.value {
            Known::Unknown(reason) => return not_evaluated(out, &public.pointer, address, reason),
            v if v.as_bool() == Some(true) => {}
            _ => return,
        }
        let cidrs = cluster.public_access_cidrs();
        // (pointer of the offending entry or setting, the CIDR).
        let mut open: Option<(String, String)> = None;
        let mut unknown = None;
        match cidrs.value {
            Known::Unknown(reason) => unknown = Some((cidrs.pointer.clone(), reason)),
            Known::Value(Value::Array(items)) if !items.is_empty() => {
                for (i, item) in items.iter().enumerate() {
                    match Known::of(item) {
                        Known::Value(Value::String(s)) if is_anywhere(s) => {
                            let at = if cidrs.defaulted {
                                public.pointer.clone()
                            } else {
                                format!("{}/{i}", cidrs.pointer)
                            };
                            open.get_or_insert((at, s.clone()));
                        }
                        Known::Unknown(reason) => {
                            unknown.get_or_insert((format!("{}/{i}", cidrs.pointer), reason));
                        }
                        _ => {}
                    }
                }
            }
            // null or [] mean the API default: everywhere.
            _ => open = Some((public.pointer.clone(), "0.0.0.0/0".to_owned())),
        }
        if let Some((at, cidr)) = open {
            let by_default = |defaulted: bool| if defaulted { " by default" } else { "" };
            let msg = format!(
                "{address} must not expose its API endpoint to the internet ({} = true{}, {} include {cidr}{}); set {} = true and turn the public endpoint off",
                attribute(&public.pointer),
                by_default(public.defaulted),
                attribute(&cidrs.pointer),
                by_default(cidrs.defaulted),
                attribute(&cluster.endpoint_private_access().pointer),
            );
            let mut finding = out.finding(&at, msg);
            if !public.defaulted {
                finding.fix(Fix::set(
                    format!("Set {} = false", attribute(&public.pointer)),
                    public.pointer.clone(),
                    json!(false),
                ));
            }
        } else if let Some((at, reason)) = unknown {
            not_evaluated(out, &at, address, reason);
        }
    }
}
