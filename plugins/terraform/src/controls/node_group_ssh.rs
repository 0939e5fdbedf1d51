//! # STIGLINT-EKS-0002: Node group SSH open to the world
//!
//! **What it checks.** Every `aws_eks_node_group` with a `remote_access` block (SSH to the
//! nodes) must restrict who may connect with `source_security_group_ids`.
//!
//! **Absent attributes.** A `remote_access` block without `source_security_group_ids` (or with
//! an empty list) makes EKS open port 22 of the nodes to `0.0.0.0/0`: a finding at the block.
//! No `remote_access` block means no SSH access: passes. A value the scan cannot know gives a
//! *not evaluated* note.
//!
//! **Node groups of `terraform-aws-modules/eks/aws`.** A managed node group the module makes (a
//! call of `//modules/eks-managed-node-group`, or an entry of the root module's
//! `eks_managed_node_groups`, v20: over `eks_managed_node_group_defaults`) is judged from its
//! `remote_access` input the same way: given (v21: not null; v20 and older: not empty) without
//! `source_security_group_ids` is a finding.
//!
//! **Why.** SSH to worker nodes bypasses Kubernetes authorisation and audit entirely; open to the
//! internet it invites brute force and exploits. The DISA Kubernetes STIG requires that worker
//! nodes do not run sshd at all (CNTR-K8-000400); if SSH must stay, only an administrative
//! security group may reach it (NIST SP 800-53 AC-3, AC-17, SC-7).
//!
//! **Example.**
//! ```hcl
//! resource "aws_eks_node_group" "default" {
//!   remote_access {                 # finding: no source_security_group_ids
//!     ec2_ssh_key = "ops"
//!   }
//! }
//! ```
//!
//! **Fix.** Remove `remote_access` and reach nodes through SSM Session Manager, or restrict it:
//! ```hcl
//! remote_access {
//!   ec2_ssh_key               = "ops"
//!   source_security_group_ids = [aws_security_group.bastion.id]
//! }
//! ```
//!
//! **References.** stiglint's own control, related to DISA Kubernetes STIG CNTR-K8-000400
//! (V-242393, worker nodes do not run sshd) without standing in for it: no finding here does
//! not show that the nodes run no sshd, which only the hosts can tell (that rule stays *Not
//! Reviewed*); NIST SP 800-53 AC-3, AC-17, SC-7.
use stiglint_sdk::prelude::*;
use stiglint_sdk::terraform::{Block, BlockKind, Known};

use super::not_evaluated;
use crate::modules::{GroupKind, node_groups};

/// The finding's message.
fn open_ssh(who: &str) -> String {
    format!(
        "{who} opens SSH (port 22) on its nodes to 0.0.0.0/0: remote_access needs source_security_group_ids"
    )
}

/// The managed node groups a module call makes.
fn check_module(block: &Block<'_>, out: &mut Out) {
    let (groups, unknown) = node_groups(block);
    for (at, reason) in unknown {
        not_evaluated(out, &at, block.address, reason);
    }
    for g in groups.iter().filter(|g| g.kind == GroupKind::Managed) {
        let access = g.input("remote_access");
        let item = match access.value {
            Known::Unknown(reason) => {
                not_evaluated(out, &access.pointer, &g.label, reason);
                continue;
            }
            Known::Value(Value::Object(m)) if g.v21() || !m.is_empty() => m,
            _ => continue,
        };
        let at = format!("{}/source_security_group_ids", access.pointer);
        match item.get("source_security_group_ids").map(Known::of) {
            Some(Known::Unknown(reason)) => not_evaluated(out, &at, &g.label, reason),
            Some(Known::Value(Value::Array(ids))) if !ids.is_empty() => {}
            _ => {
                out.finding(&access.pointer, open_ssh(&g.label));
            }
        }
    }
}

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::seed(
            "STIGLINT-EKS-0002",
            "Node group SSH open to the world",
            Severity::High,
        )
        .nist(&["AC-3", "AC-17", "SC-7"])
        .formats(&[Format::Terraform])
        .remediation(
            "Remove the node group's remote_access block (use SSM Session Manager), or set its \
             source_security_group_ids to an administrative security group.",
        )
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        let Some(block) = Block::of(doc) else {
            return;
        };
        if block.kind == BlockKind::Module {
            return check_module(&block, out);
        }
        if !block.is_resource("aws_eks_node_group") {
            return;
        }
        let address = block.address;
        let access = match block.blocks("remote_access") {
            Ok(items) => items,
            Err(reason) => return not_evaluated(out, "/remote_access", address, reason),
        };
        for (at, item) in access {
            let at = format!("{at}/source_security_group_ids");
            match item.get("source_security_group_ids").map(Known::of) {
                Some(Known::Unknown(reason)) => not_evaluated(out, &at, address, reason),
                Some(Known::Value(Value::Array(ids))) if !ids.is_empty() => {}
                _ => {
                    out.finding(&at, open_ssh(address));
                }
            }
        }
    }
}
