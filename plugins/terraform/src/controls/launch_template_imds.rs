//! # STIGLINT-EKS-0001: Launch template allows `IMDSv1` or lets pods reach the instance metadata
//!
//! **What it checks.** Every `aws_launch_template` (the templates of EKS node groups and
//! self-managed nodes) must, in its `metadata_options` block,
//!
//! * require `IMDSv2` session tokens: `http_tokens = "required"`, and
//! * keep the response hop limit at 1: `http_put_response_hop_limit` not above 1, so that a
//!   pod behind the node's network namespace (one extra hop) cannot read the node role's
//!   credentials.
//!
//! A template with `http_endpoint = "disabled"` has no metadata service and passes.
//!
//! **Absent attributes.** Judged by the EC2 API defaults of a launch template: an absent
//! `metadata_options` block or `http_tokens` is `"optional"` (`IMDSv1` allowed): a finding at the
//! block (or the resource when the block is absent); an absent hop limit is 1: passes. (An AMI
//! registered with `ImdsSupport = v2.0`, or account-level IMDS defaults, can make instances
//! stricter than their template says; stiglint sees only the template, so write the settings in
//! it.) A value the scan cannot know gives a *not evaluated* note.
//!
//! **Node groups of `terraform-aws-modules/eks/aws`.** The launch template the module makes for
//! a node group (a call of `//modules/eks-managed-node-group` or
//! `//modules/self-managed-node-group`, or an entry of the root module's
//! `eks_managed_node_groups` / `self_managed_node_groups`) is judged from its
//! `metadata_options` input, with the module's own defaults: from v21, an object whose
//! omitted attributes default to `http_tokens = "required"` and a hop limit of 1 (passes); up
//! to v20, a map whose default is `http_tokens = "required"` with a hop limit of **2** (a
//! finding at the module call or the group), and which, when given, replaces the default
//! whole (an omitted `http_tokens` is then the EC2 default `"optional"`). A v20 root module's
//! `*_node_group_defaults` apply to groups that do not set it. With
//! `create_launch_template = false` or `use_custom_launch_template = false` the module makes
//! no template: a *not evaluated* note (the template is elsewhere or EKS's own).
//!
//! **Why.** `IMDSv1` answers any plain HTTP GET: a server-side request forgery in any pod, or a
//! pod with host networking, can read the node's IAM credentials and act as the node. `IMDSv2`
//! requires a PUT-issued token, and a hop limit of 1 keeps the token from reaching containers
//! (NIST SP 800-53 AC-3, SC-7).
//!
//! **Example.**
//! ```hcl
//! resource "aws_launch_template" "nodes" {
//!   metadata_options {
//!     http_tokens                 = "optional"   # finding
//!     http_put_response_hop_limit = 2            # finding
//!   }
//! }
//! ```
//!
//! **Fix.**
//! ```hcl
//! metadata_options {
//!   http_endpoint               = "enabled"
//!   http_tokens                 = "required"
//!   http_put_response_hop_limit = 1
//! }
//! ```
//! Pods that need AWS credentials should get them through IRSA or EKS Pod Identity, not the
//! node's role.
//!
//! **References.** stiglint's own control (no DISA Kubernetes STIG rule covers the cloud
//! metadata service); NIST SP 800-53 AC-3, SC-7; AWS EKS Best Practices, "Restrict access to
//! the instance profile assigned to the worker node".
use stiglint_sdk::NoteKind;
use stiglint_sdk::prelude::*;
use stiglint_sdk::terraform::{Block, BlockKind, Known};

use super::not_evaluated;
use crate::modules::{NodeGroup, node_groups};

/// Judge the launch template a module makes for one node group.
fn check_group(group: &NodeGroup<'_>, out: &mut Out) {
    let who = &group.label;
    for flag in ["create_launch_template", "use_custom_launch_template"] {
        let input = group.input(flag);
        match input.value {
            Known::Unknown(reason) => return not_evaluated(out, &input.pointer, who, reason),
            v if v.as_bool() == Some(false) => {
                return out.note(
                    NoteKind::NotEvaluated,
                    input.pointer,
                    format!("{who}: {flag} = false, so the module makes no launch template; its metadata options are not in this configuration"),
                );
            }
            _ => {}
        }
    }
    let options = group.input("metadata_options");
    let map = match options.value {
        Known::Unknown(reason) => return not_evaluated(out, &options.pointer, who, reason),
        Known::Value(Value::Object(m)) => Some(m),
        _ => None,
    };
    // One option: its value, where it is, and whether the module's default applies.
    let option = |key: &str| {
        match map {
            Some(m) => match m.get(key).filter(|v| !v.is_null()) {
                Some(v) => (Known::of(v), format!("{}/{key}", options.pointer), false),
                // v21 fills an omitted attribute with its optional() default; up to v20 the
                // given map replaces the default whole, and the template leaves it unset.
                None => (Known::Absent, options.pointer.clone(), group.v21()),
            },
            None => (Known::Absent, options.pointer.clone(), true),
        }
    };
    let (endpoint, _, _) = option("http_endpoint");
    if endpoint.as_str() == Some("disabled") {
        return;
    }
    let (tokens, tokens_at, module_default) = option("http_tokens");
    match tokens {
        Known::Unknown(reason) => not_evaluated(out, &tokens_at, who, reason),
        Known::Value(Value::String(s)) if s == "required" => {}
        Known::Absent if module_default => {}
        other => {
            let shown = other.as_str().map_or_else(
                || "not set in the metadata_options map, so \"optional\"".to_owned(),
                |s| format!("\"{s}\""),
            );
            out.finding(
                tokens_at,
                format!("{who} must require IMDSv2: set metadata_options http_tokens = \"required\" (it is {shown})"),
            );
        }
    }
    let (hops, hops_at, module_default) = option("http_put_response_hop_limit");
    let hops = match hops {
        Known::Unknown(reason) => return not_evaluated(out, &hops_at, who, reason),
        Known::Absent if module_default && !group.v21() => {
            Some((2.0, " (the module's default before v21)"))
        }
        v => v.as_f64().map(|n| (n, "")),
    };
    if let Some((n, why)) = hops.filter(|(n, _)| *n > 1.0) {
        out.finding(
            hops_at,
            format!("{who} must keep the instance metadata hop limit at 1 so pods cannot reach it (http_put_response_hop_limit = {n}{why})"),
        );
    }
}

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::seed(
            "STIGLINT-EKS-0001",
            "Launch template allows IMDSv1 or lets pods reach the instance metadata",
            Severity::Medium,
        )
        .nist(&["AC-3", "SC-7"])
        .formats(&[Format::Terraform])
        .remediation(
            "In the launch template's metadata_options set http_tokens = \"required\" and \
             http_put_response_hop_limit = 1.",
        )
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        let Some(block) = Block::of(doc) else {
            return;
        };
        if block.kind == BlockKind::Module {
            let (groups, unknown) = node_groups(&block);
            for (at, reason) in unknown {
                not_evaluated(out, &at, block.address, reason);
            }
            for g in &groups {
                check_group(g, out);
            }
            return;
        }
        if !block.is_resource("aws_launch_template") {
            return;
        }
        let address = block.address;
        if let Known::Unknown(reason) = block.get("metadata_options") {
            return not_evaluated(out, "/metadata_options", address, reason);
        }
        match block.get("metadata_options/0/http_endpoint") {
            Known::Value(Value::String(s)) if s == "disabled" => return,
            _ => {}
        }
        let tokens_at = "/metadata_options/0/http_tokens";
        match block.get("metadata_options/0/http_tokens") {
            Known::Unknown(reason) => not_evaluated(out, tokens_at, address, reason),
            Known::Value(Value::String(s)) if s == "required" => {}
            other => {
                let shown = other.as_str().map_or_else(
                    || "not set, so \"optional\"".to_owned(),
                    |s| format!("\"{s}\""),
                );
                out.finding(
                    tokens_at,
                    format!("{address} must require IMDSv2: set metadata_options http_tokens = \"required\" (it is {shown})"),
                )
                .fix(Fix::set("Set http_tokens = \"required\"", tokens_at, json!("required")));
            }
        }
        let hops_at = "/metadata_options/0/http_put_response_hop_limit";
        match block.get("metadata_options/0/http_put_response_hop_limit") {
            Known::Unknown(reason) => not_evaluated(out, hops_at, address, reason),
            v => {
                if let Some(n) = v.as_f64().filter(|n| *n > 1.0) {
                    out.finding(
                        hops_at,
                        format!("{address} must keep the instance metadata hop limit at 1 so pods cannot reach it (http_put_response_hop_limit = {n})"),
                    )
                    .fix(Fix::set("Set http_put_response_hop_limit = 1", hops_at, json!(1)));
                }
            }
        }
    }
}
