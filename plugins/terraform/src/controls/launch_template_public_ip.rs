//! # STIGLINT-EKS-0006: Launch template gives nodes a public IP address
//!
//! **What it checks.** Every `aws_launch_template`: no `network_interfaces` block may set
//! `associate_public_ip_address = true` (the provider takes the strings `"true"` / `"false"`
//! as well as booleans; both are read).
//!
//! **Absent attributes.** An absent `associate_public_ip_address` (or no `network_interfaces`
//! block) leaves the choice to the subnet's "auto-assign public IP" setting, which stiglint
//! cannot see: it passes. A value the scan cannot know gives a *not evaluated* note.
//!
//! **Why.** Worker nodes with public addresses are reachable from the internet on every port
//! their security groups open (kubelet, `NodePorts`, SSH) and bypass the VPC's egress controls.
//! Nodes belong in private subnets behind NAT (NIST SP 800-53 SC-7).
//!
//! **Example.**
//! ```hcl
//! resource "aws_launch_template" "nodes" {
//!   network_interfaces {
//!     associate_public_ip_address = true   # finding
//!   }
//! }
//! ```
//!
//! **Fix.** Set `associate_public_ip_address = false` (or remove it and use private subnets
//! without auto-assigned public IPs).
//!
//! **References.** stiglint's own control; NIST SP 800-53 SC-7; AWS EKS Best Practices,
//! "Use private subnets for worker nodes".
use stiglint_sdk::prelude::*;
use stiglint_sdk::terraform::{Block, Known};

use super::not_evaluated;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::seed(
            "STIGLINT-EKS-0006",
            "Launch template gives nodes a public IP address",
            Severity::Medium,
        )
        .nist(&["SC-7"])
        .formats(&[Format::Terraform])
        .remediation("Set network_interfaces associate_public_ip_address = false and run nodes in private subnets.")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        let Some(block) = Block::of(doc) else {
            return;
        };
        if !block.is_resource("aws_launch_template") {
            return;
        }
        let interfaces = match block.blocks("network_interfaces") {
            Ok(items) => items,
            Err(reason) => return not_evaluated(out, "/network_interfaces", block.address, reason),
        };
        for (at, interface) in interfaces {
            let at = format!("{at}/associate_public_ip_address");
            match interface.get("associate_public_ip_address").map(Known::of) {
                Some(Known::Unknown(reason)) => not_evaluated(out, &at, block.address, reason),
                Some(v) if v.as_bool() == Some(true) => {
                    out.finding(
                        &at,
                        format!("{} must not give nodes a public IP address (associate_public_ip_address = true)", block.address),
                    )
                    .fix(Fix::set("Set associate_public_ip_address = false", at.clone(), json!(false)));
                }
                _ => {}
            }
        }
    }
}
