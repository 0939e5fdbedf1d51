//! # STIGLINT-EKS-0005: VPC CNI add-on does not enforce network policies
//!
//! **What it checks.** The Amazon VPC CNI add-on must have network policy enforcement on:
//! its `configuration_values` (a JSON string, usually `jsonencode({...})`, or YAML) must set
//! `enableNetworkPolicy: "true"`. Checked on
//!
//! * `resource "aws_eks_addon"` with `addon_name = "vpc-cni"`, and
//! * the `vpc-cni` entry of the `addons` input (module v21) or `cluster_addons` (v20) of a
//!   `terraform-aws-modules/eks/aws` call (the entry's key, or its `name`).
//!
//! **Absent attributes.** Without `configuration_values`, or without `enableNetworkPolicy` in
//! them, the add-on runs with its default, `"false"`: a finding at the add-on's
//! `configuration_values` (the resource or the entry when absent). Configuration values the
//! scan cannot know give a *not evaluated* note.
//!
//! **Why.** On EKS, `NetworkPolicy` objects are only enforced when the VPC CNI's network policy
//! agent is on (or another policy engine such as Calico or Cilium is installed; then waive this
//! control). Without it the default-deny policies that KUBER-L2-000110 requires are accepted by
//! the API server and silently do nothing (NIST SP 800-53 SC-7, AC-4).
//!
//! **Example.**
//! ```hcl
//! resource "aws_eks_addon" "vpc_cni" {
//!   cluster_name         = aws_eks_cluster.this.name
//!   addon_name           = "vpc-cni"
//!   configuration_values = jsonencode({ env = { ENABLE_PREFIX_DELEGATION = "true" } })   # finding
//! }
//! ```
//!
//! **Fix.**
//! ```hcl
//! configuration_values = jsonencode({ enableNetworkPolicy = "true" })
//! ```
//!
//! **References.** stiglint's own control, a precondition of seed control KUBER-L2-000110;
//! NIST SP 800-53 SC-7, AC-4; Amazon EKS user guide, "Restrict pod network traffic with
//! Kubernetes network policies".
use stiglint_sdk::prelude::*;
use stiglint_sdk::terraform::{Block, BlockKind, EksCluster, Known, is_unknown};

use super::not_evaluated;

const ADDON: &str = "vpc-cni";

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

/// Whether configuration values (JSON, or YAML's `enableNetworkPolicy: "true"` line) turn
/// network policies on.
#[must_use]
pub fn enables_network_policy(config: &str) -> bool {
    let on = |v: &Value| v == &json!("true") || v == &json!(true);
    if let Ok(v) = serde_json::from_str::<Value>(config) {
        return v.get("enableNetworkPolicy").is_some_and(on);
    }
    config.lines().any(|line| {
        line.split_once(':').is_some_and(|(k, v)| {
            k.trim().trim_matches(['"', '\'']) == "enableNetworkPolicy"
                && v.trim().trim_matches(['"', '\'']) == "true"
        })
    })
}

fn judge(out: &mut Out, what: &str, at: &str, config: Option<&Value>) {
    match config.map(Known::of) {
        Some(Known::Unknown(reason)) => not_evaluated(out, at, what, reason),
        Some(Known::Value(Value::String(s))) if enables_network_policy(s) => {}
        other => {
            let shown = if other.is_some_and(|k| !k.is_unset()) {
                "its configuration_values do not set it"
            } else {
                "no configuration_values"
            };
            out.finding(
                at,
                format!("{what}: the VPC CNI must enforce network policies: set enableNetworkPolicy = \"true\" in configuration_values ({shown}); without it NetworkPolicies are not enforced"),
            );
        }
    }
}

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::seed(
            "STIGLINT-EKS-0005",
            "VPC CNI add-on does not enforce network policies",
            Severity::Medium,
        )
        .nist(&["SC-7", "AC-4"])
        .formats(&[Format::Terraform])
        .remediation("Set configuration_values = jsonencode({ enableNetworkPolicy = \"true\" }) on the vpc-cni add-on.")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        let Some(block) = Block::of(doc) else {
            return;
        };
        if block.is_resource("aws_eks_addon") {
            match block.get("addon_name") {
                Known::Value(Value::String(n)) if n == ADDON => {}
                Known::Unknown(reason) => {
                    return not_evaluated(out, "/addon_name", block.address, reason);
                }
                _ => return,
            }
            judge(
                out,
                block.address,
                "/configuration_values",
                block.json.get("configuration_values"),
            );
            return;
        }
        if block.kind != BlockKind::Module {
            return;
        }
        let Some(cluster) = EksCluster::of(doc) else {
            return;
        };
        let input = if block.json.get("addons").is_some() {
            "addons"
        } else {
            "cluster_addons"
        };
        let Some(addons) = block.json.get(input) else {
            return;
        };
        if let Some(reason) = is_unknown(addons) {
            return not_evaluated(out, &format!("/{input}"), cluster.address(), reason);
        }
        let Some(map) = addons.as_object() else {
            return;
        };
        for (key, entry) in map {
            let name = match entry.get("name").map(Known::of) {
                Some(Known::Value(Value::String(n))) => n.as_str(),
                _ => key.as_str(),
            };
            if name != ADDON {
                continue;
            }
            let at = format!(
                "/{input}/{}/configuration_values",
                stiglint_sdk::escape_pointer(key)
            );
            let what = format!("{} add-on {key}", cluster.address());
            judge(out, &what, &at, entry.get("configuration_values"));
        }
    }
}
