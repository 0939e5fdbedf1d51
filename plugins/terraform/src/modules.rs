//! The registry modules the Terraform controls understand without downloading them, and the
//! node groups they make.
//!
//! * `terraform-aws-modules/eks/aws` (v20 and v21 input names; see `stiglint_sdk::terraform`),
//!   with the node groups of its `eks_managed_node_groups` / `self_managed_node_groups`
//!   inputs (v20 and older: merged over `eks_managed_node_group_defaults` /
//!   `self_managed_node_group_defaults`);
//! * its submodules `//modules/eks-managed-node-group`, `//modules/self-managed-node-group` and
//!   `//modules/fargate-profile` (a Fargate profile has no nodes: nothing to judge);
//! * `terraform-aws-modules/security-group/aws` and its preset submodules (judged by
//!   STIGLINT-EKS-0003).
//!
//! Any other module call that the host does not follow (a local path is followed and its
//! resources judged one by one) is *not analysed*: KUBER-L2-000120 lists it with its source, as
//! a *not evaluated* note, so that `--strict` fails on it.

use stiglint_sdk::Value;
use stiglint_sdk::terraform::{Block, Known, is_eks_module_source, is_unknown, module_major};

use crate::controls::security_group_open_ingress::security_group_module;

/// The module major version from which the v21 input types and defaults apply.
const V21: u32 = 21;

/// A registry module source without its `registry.terraform.io/` host, `?ref=` query, `.git`
/// suffix and `git::`/scheme prefix: `terraform-aws-modules/eks/aws//modules/x` or
/// `github.com/terraform-aws-modules/terraform-aws-eks//modules/x`.
fn plain(source: &str) -> String {
    let s = source.trim();
    let s = s.strip_prefix("registry.terraform.io/").unwrap_or(s);
    let s = s.strip_prefix("git::").unwrap_or(s);
    let s = s.split_once("://").map_or(s, |(_, rest)| rest);
    let s = s.strip_prefix("git@").unwrap_or(s);
    let s = s.split('?').next().unwrap_or(s).trim_end_matches('/');
    s.replace(".git//", "//").replace(':', "/")
}

/// The EKS submodule a source names: `eks-managed-node-group`, `self-managed-node-group`,
/// `fargate-profile` (or another of the repository's submodules).
#[must_use]
pub fn eks_submodule(source: &str) -> Option<String> {
    let s = plain(source);
    let (root, sub) = s.split_once("//")?;
    let root = root.strip_suffix(".git").unwrap_or(root);
    let known = root == "terraform-aws-modules/eks/aws"
        || root == "github.com/terraform-aws-modules/terraform-aws-eks";
    known
        .then(|| sub.strip_prefix("modules/").map(str::to_owned))
        .flatten()
}

/// Whether a module source is one the host follows (a local path).
#[must_use]
pub fn is_local(source: &str) -> bool {
    ["./", "../", ".\\", "..\\", "/"]
        .iter()
        .any(|p| source.starts_with(p))
}

/// Whether the controls understand a module source.
#[must_use]
pub fn understood(source: &str) -> bool {
    is_local(source)
        || is_eks_module_source(source)
        || security_group_module(source).is_some()
        || matches!(
            eks_submodule(source).as_deref(),
            Some("eks-managed-node-group" | "self-managed-node-group" | "fargate-profile")
        )
}

/// Which kind of node group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupKind {
    /// An EKS managed node group (`aws_eks_node_group` with the module's launch template).
    Managed,
    /// A self-managed node group (an autoscaling group with the module's launch template).
    SelfManaged,
}

/// One node group a module call makes.
#[derive(Clone, Debug)]
pub struct NodeGroup<'a> {
    /// Managed or self-managed.
    pub kind: GroupKind,
    /// The module's major version (v21 types and defaults from 21 on).
    pub major: u32,
    /// Pointer of the group's inputs: `""` for a submodule call, `/eks_managed_node_groups/x`.
    pub base: String,
    /// For messages: `module.nodes`, `module.eks node group "default"`.
    pub label: String,
    /// The group's inputs (the module block for a submodule call).
    pub inputs: &'a Value,
    /// v20 and older: the root module's `*_node_group_defaults`, with its pointer.
    pub defaults: Option<(&'a Value, String)>,
}

/// An input of a node group: its value, where it is, and whether it came from the defaults.
#[derive(Clone, Debug)]
pub struct Input<'a> {
    /// The value (`Absent` when neither the group nor the defaults give it).
    pub value: Known<'a>,
    /// Where it is written (the group's base when it is not).
    pub pointer: String,
}

impl<'a> NodeGroup<'a> {
    /// True for v21 and later.
    #[must_use]
    pub fn v21(&self) -> bool {
        self.major >= V21
    }

    /// An input by name: the group's own, else the v20 defaults', else `Absent`. A `null`
    /// counts as not given.
    #[must_use]
    pub fn input(&self, name: &str) -> Input<'a> {
        let own = format!("{}/{name}", self.base);
        if let Some(v) = self.inputs.get(name).filter(|v| !v.is_null()) {
            return Input {
                value: Known::of(v),
                pointer: own,
            };
        }
        if let Some((v, at)) = self.defaults.as_ref().and_then(|(d, at)| {
            d.get(name)
                .filter(|v| !v.is_null())
                .map(|v| (v, format!("{at}/{name}")))
        }) {
            return Input {
                value: Known::of(v),
                pointer: at,
            };
        }
        Input {
            value: Known::Absent,
            pointer: self.base.clone(),
        }
    }
}

/// The node groups a module block makes, or the pointer and reason of an input that hides
/// them (an unknown `eks_managed_node_groups`).
#[must_use]
pub fn node_groups<'a>(block: &Block<'a>) -> (Vec<NodeGroup<'a>>, Vec<(String, &'a str)>) {
    let mut groups = Vec::new();
    let mut unknown = Vec::new();
    let Some(source) = block.get("source").as_str() else {
        return (groups, unknown);
    };
    if block.get("create").as_bool() == Some(false) {
        return (groups, unknown);
    }
    let major = module_major(source, block.get("version").as_str()).unwrap_or(V21);
    let address = block.address;
    match eks_submodule(source).as_deref() {
        Some(sub @ ("eks-managed-node-group" | "self-managed-node-group")) => {
            groups.push(NodeGroup {
                kind: if sub == "eks-managed-node-group" {
                    GroupKind::Managed
                } else {
                    GroupKind::SelfManaged
                },
                major,
                base: String::new(),
                label: address.to_owned(),
                inputs: block.json,
                defaults: None,
            });
        }
        None if is_eks_module_source(source) => {
            for (key, defaults_key, kind) in [
                (
                    "eks_managed_node_groups",
                    "eks_managed_node_group_defaults",
                    GroupKind::Managed,
                ),
                (
                    "self_managed_node_groups",
                    "self_managed_node_group_defaults",
                    GroupKind::SelfManaged,
                ),
            ] {
                let defaults = if major < V21 {
                    block
                        .json
                        .get(defaults_key)
                        .filter(|d| is_unknown(d).is_none())
                        .map(|d| (d, format!("/{defaults_key}")))
                } else {
                    None
                };
                match block.json.get(key) {
                    Some(v) if is_unknown(v).is_some() => {
                        if let Some(reason) = is_unknown(v) {
                            unknown.push((format!("/{key}"), reason));
                        }
                    }
                    Some(Value::Object(map)) => {
                        for (name, inputs) in map {
                            if let Some(reason) = is_unknown(inputs) {
                                unknown.push((format!("/{key}/{}", escape(name)), reason));
                                continue;
                            }
                            if inputs.get("create").and_then(Value::as_bool) == Some(false) {
                                continue;
                            }
                            groups.push(NodeGroup {
                                kind,
                                major,
                                base: format!("/{key}/{}", escape(name)),
                                label: format!("{address} node group \"{name}\""),
                                inputs,
                                defaults: defaults.clone(),
                            });
                        }
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
    (groups, unknown)
}

/// A JSON pointer token (RFC 6901).
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources() {
        for s in [
            "terraform-aws-modules/eks/aws//modules/eks-managed-node-group",
            "registry.terraform.io/terraform-aws-modules/eks/aws//modules/eks-managed-node-group",
            "git::https://github.com/terraform-aws-modules/terraform-aws-eks.git//modules/eks-managed-node-group?ref=v20.8.0",
        ] {
            assert_eq!(
                eks_submodule(s).as_deref(),
                Some("eks-managed-node-group"),
                "{s}"
            );
            assert!(understood(s), "{s}");
        }
        assert!(understood("terraform-aws-modules/eks/aws"));
        assert!(understood("./modules/nodes"));
        assert!(understood(
            "terraform-aws-modules/security-group/aws//modules/ssh"
        ));
        assert!(!understood("terraform-aws-modules/vpc/aws"));
        assert!(!understood(
            "terraform-aws-modules/eks/aws//modules/karpenter"
        ));
        assert!(!understood("git::https://example.com/infra.git//eks"));
    }
}
