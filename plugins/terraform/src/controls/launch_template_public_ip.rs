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
//! **Node groups of `terraform-aws-modules/eks/aws`.** The launch template the module makes for
//! a node group (its `//modules/eks-managed-node-group` or `//modules/self-managed-node-group`,
//! or an entry of the root module's `eks_managed_node_groups` / `self_managed_node_groups`,
//! v20 over `*_node_group_defaults`) takes its `network_interfaces` input (default none): an
//! entry with `associate_public_ip_address = true` is a finding there.
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
use stiglint_sdk::terraform::{Block, BlockKind, Known};

use super::not_evaluated;
use crate::modules::node_groups;

/// Judge one network interface (an object at `at`).
fn interface(out: &mut Out, who: &str, at: &str, interface: &Value, fix: bool) {
    let at = format!("{at}/associate_public_ip_address");
    match interface.get("associate_public_ip_address").map(Known::of) {
        Some(Known::Unknown(reason)) => not_evaluated(out, &at, who, reason),
        Some(v) if v.as_bool() == Some(true) => {
            let mut f = out.finding(
                &at,
                format!("{who} must not give nodes a public IP address (associate_public_ip_address = true)"),
            );
            if fix {
                f.fix(Fix::set(
                    "Set associate_public_ip_address = false",
                    at.clone(),
                    json!(false),
                ));
            }
        }
        _ => {}
    }
}

/// The launch templates a module call makes for its node groups.
fn check_module(block: &Block<'_>, out: &mut Out) {
    let (groups, unknown) = node_groups(block);
    for (at, reason) in unknown {
        not_evaluated(out, &at, block.address, reason);
    }
    for g in &groups {
        let input = g.input("network_interfaces");
        match input.value {
            Known::Unknown(reason) => not_evaluated(out, &input.pointer, &g.label, reason),
            Known::Value(Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    let at = format!("{}/{i}", input.pointer);
                    if let Some(reason) = stiglint_sdk::terraform::is_unknown(item) {
                        not_evaluated(out, &at, &g.label, reason);
                    } else {
                        interface(out, &g.label, &at, item, false);
                    }
                }
            }
            _ => {}
        }
    }
}

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
        if block.kind == BlockKind::Module {
            return check_module(&block, out);
        }
        if !block.is_resource("aws_launch_template") {
            return;
        }
        let interfaces = match block.blocks("network_interfaces") {
            Ok(items) => items,
            Err(reason) => return not_evaluated(out, "/network_interfaces", block.address, reason),
        };
        for (at, item) in interfaces {
            interface(out, block.address, &at, item, true);
        }
    }
}
