//! Terraform documents: one `resource`, `data` or `module` block each.
//!
//! The host evaluates the Terraform and hands each block over with `format == Terraform`,
//! `hints.kind` = `resource` / `data` / `module`, `hints.labels` = `[type, name]` (`[name]` for a
//! module), `hints.name` = the block's address (`aws_eks_cluster.this`, `module.eks`,
//! `module.eks.aws_eks_cluster.this`), and as JSON the block's evaluated arguments: nested blocks
//! are arrays of objects under the block type, values the host cannot know statically are
//! `{"$unknown": "<reason>"}`, perhaps with `"$set": true` ([`is_set_unknown`]: written as a
//! reference to a managed resource's attribute) or `"$absent": true` ([`is_absent_unknown`]: a
//! plan's value its configuration does not write).
//!
//! [`Block`] reads such a document without tripping over unknowns ([`Known`]); [`EksCluster`]
//! is one view of an EKS cluster whether it is written as `resource "aws_eks_cluster"` or as a
//! call of the registry module `terraform-aws-modules/eks/aws` (v20 or v21 input names), with
//! the defaults of AWS or of the module filled in ([`Setting`]).

use std::sync::LazyLock;

use serde_json::{Value, json};

use crate::{Document, Format};

/// The reason of an unknown value: `Some` for `{"$unknown": "<reason>"}`, also with
/// `"$set": true` ([`is_set_unknown`]) or `"$absent": true` ([`is_absent_unknown`]).
#[must_use]
pub fn is_unknown(value: &Value) -> Option<&str> {
    match value {
        Value::Object(map)
            if map.iter().all(|(k, v)| {
                k == "$unknown" || ((k == "$set" || k == "$absent") && *v == Value::Bool(true))
            }) =>
        {
            map.get("$unknown").map(|r| r.as_str().unwrap_or("unknown"))
        }
        _ => None,
    }
}

/// Whether a value is unknown and, as a plan's `configuration` section shows, not written: a
/// value the provider computes. A control may apply the provider's documented default to an
/// *attribute* it knows; a nested block stays unknown (Terraform leaves `dynamic` blocks out
/// of the configuration section).
#[must_use]
pub fn is_absent_unknown(value: &Value) -> bool {
    is_unknown(value).is_some() && value.get("$absent") == Some(&Value::Bool(true))
}

/// Whether a value is unknown but *set*: `{"$unknown": "<reason>", "$set": true}`, a reference
/// to a managed resource's attribute (`kms_key_id = aws_kms_key.logs.arn`) that Terraform
/// knows only after apply but that is written and not null. A presence check is satisfied by
/// it; a value check is not decidable.
#[must_use]
pub fn is_set_unknown(value: &Value) -> bool {
    is_unknown(value).is_some() && value.get("$set") == Some(&Value::Bool(true))
}

/// The raw value at `path` (see [`walk`]), if it is there (stops at an unknown).
fn walk_raw<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    let mut here = value;
    for token in path.split('/').filter(|t| !t.is_empty()) {
        if is_unknown(here).is_some() {
            return None;
        }
        here = match here {
            Value::Array(items) => match token.parse::<usize>() {
                Ok(i) => items.get(i),
                Err(_) => items.first().and_then(|f| f.get(token)),
            },
            Value::Object(map) => map.get(token),
            _ => None,
        }?;
    }
    Some(here)
}

/// Whether the value at `path` (see [`walk`]) is unknown but set ([`is_set_unknown`]).
#[must_use]
pub fn walk_is_set(value: &Value, path: &str) -> bool {
    walk_raw(value, path).is_some_and(is_set_unknown)
}

/// Whether the value at `path` (see [`walk`]) is unknown and not written
/// ([`is_absent_unknown`]).
#[must_use]
pub fn walk_is_absent(value: &Value, path: &str) -> bool {
    walk_raw(value, path).is_some_and(is_absent_unknown)
}

/// A value read from a Terraform block.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Known<'a> {
    /// Known statically (may be `null`).
    Value(&'a Value),
    /// Not written (and no default applies).
    Absent,
    /// Not known before apply: the host's reason.
    Unknown(&'a str),
}

impl<'a> Known<'a> {
    /// Classify a value that is there.
    #[must_use]
    pub fn of(value: &'a Value) -> Self {
        is_unknown(value).map_or(Self::Value(value), Self::Unknown)
    }

    /// The known value, if any.
    #[must_use]
    pub fn value(self) -> Option<&'a Value> {
        match self {
            Self::Value(v) => Some(v),
            _ => None,
        }
    }

    /// The reason, if unknown.
    #[must_use]
    pub fn unknown(self) -> Option<&'a str> {
        match self {
            Self::Unknown(r) => Some(r),
            _ => None,
        }
    }

    /// Absent, or known to be `null`: Terraform treats both as "not set".
    #[must_use]
    pub fn is_unset(self) -> bool {
        matches!(self, Self::Absent | Self::Value(Value::Null))
    }

    /// A known boolean. Terraform converts the strings `"true"` and `"false"` to bool, so they
    /// count too.
    #[must_use]
    pub fn as_bool(self) -> Option<bool> {
        match self.value()? {
            Value::Bool(b) => Some(*b),
            Value::String(s) if s == "true" => Some(true),
            Value::String(s) if s == "false" => Some(false),
            _ => None,
        }
    }

    /// A known string.
    #[must_use]
    pub fn as_str(self) -> Option<&'a str> {
        self.value()?.as_str()
    }

    /// A known number (Terraform converts numeric strings too).
    #[must_use]
    pub fn as_f64(self) -> Option<f64> {
        match self.value()? {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// The items of a known list, each classified (an unknown item stays unknown).
    #[must_use]
    pub fn items(self) -> Option<Vec<Known<'a>>> {
        Some(self.value()?.as_array()?.iter().map(Known::of).collect())
    }
}

/// Walk `path` (`/`-separated tokens, unescaped) from `value`. A token that is not an index
/// steps into the first element of an array on its way (nested blocks are arrays); the walk
/// stops at the first unknown.
#[must_use]
pub fn walk<'a>(value: &'a Value, path: &str) -> Known<'a> {
    let mut here = value;
    for token in path.split('/').filter(|t| !t.is_empty()) {
        if let Some(r) = is_unknown(here) {
            return Known::Unknown(r);
        }
        let next = match here {
            Value::Array(items) => match token.parse::<usize>() {
                Ok(i) => items.get(i),
                Err(_) => match items.first() {
                    Some(first) => {
                        if let Some(r) = is_unknown(first) {
                            return Known::Unknown(r);
                        }
                        first.get(token)
                    }
                    None => None,
                },
            },
            Value::Object(map) => map.get(token),
            _ => None,
        };
        match next {
            Some(v) => here = v,
            None => return Known::Absent,
        }
    }
    Known::of(here)
}

/// What kind of block a document is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockKind {
    /// `resource "type" "name"`.
    Resource,
    /// `data "type" "name"`.
    Data,
    /// `module "name"`.
    Module,
}

/// A Terraform block as the host sends it.
#[derive(Clone, Copy, Debug)]
pub struct Block<'a> {
    /// Resource, data source or module call.
    pub kind: BlockKind,
    /// The resource or data source type (`aws_eks_cluster`); `""` for a module.
    pub resource_type: &'a str,
    /// The block's name label (`this`; the module's name).
    pub name: &'a str,
    /// Its address (`aws_eks_cluster.this`, `module.eks`): use it in messages.
    pub address: &'a str,
    /// The evaluated arguments.
    pub json: &'a Value,
}

impl<'a> Block<'a> {
    /// The block of a Terraform document (`None` for any other format or kind).
    #[must_use]
    pub fn of(doc: &'a Document) -> Option<Self> {
        if doc.format != Format::Terraform {
            return None;
        }
        let kind = match doc.hints.kind.as_deref()? {
            "resource" => BlockKind::Resource,
            "data" => BlockKind::Data,
            "module" => BlockKind::Module,
            _ => return None,
        };
        let labels = &doc.hints.labels;
        let (resource_type, name) = match kind {
            BlockKind::Module => ("", labels.first().map_or("", String::as_str)),
            _ => (
                labels.first().map_or("", String::as_str),
                labels.get(1).map_or("", String::as_str),
            ),
        };
        let address = doc.hints.name.as_deref().unwrap_or(name);
        Some(Self {
            kind,
            resource_type,
            name,
            address,
            json: &doc.json,
        })
    }

    /// A `resource` of this type.
    #[must_use]
    pub fn is_resource(&self, resource_type: &str) -> bool {
        self.kind == BlockKind::Resource && self.resource_type == resource_type
    }

    /// The value at `path` (see [`walk`]).
    #[must_use]
    pub fn get(&self, path: &str) -> Known<'a> {
        walk(self.json, path)
    }

    /// The items of a nested block (or list attribute) `name`: each with its pointer
    /// (`/ingress/2`). An unknown list is `Err(reason)`; an absent one is empty.
    pub fn blocks(&self, name: &str) -> Result<Vec<(String, &'a Value)>, &'a str> {
        match self.json.get(name) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(v) => {
                if let Some(r) = is_unknown(v) {
                    return Err(r);
                }
                let base = crate::join_pointer("", name);
                Ok(match v {
                    Value::Array(items) => items
                        .iter()
                        .enumerate()
                        .map(|(i, item)| (format!("{base}/{i}"), item))
                        .collect(),
                    other => vec![(base, other)],
                })
            }
        }
    }
}

/// A value of an [`EksCluster`], with where it is (or would be) written.
#[derive(Clone, Debug, PartialEq)]
pub struct Setting<'a> {
    /// The value; the default of AWS or of the module when it is not written.
    pub value: Known<'a>,
    /// Where it is written, or would be (the host points at the nearest existing ancestor).
    pub pointer: String,
    /// True when the value is the default, not written.
    pub defaulted: bool,
    /// True when the value is unknown but set (see [`is_set_unknown`]): a presence check
    /// passes, a value check is not evaluated.
    pub set: bool,
}

/// Which schema an EKS cluster is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EksSchema {
    /// `resource "aws_eks_cluster"`.
    Resource,
    /// `terraform-aws-modules/eks/aws` of this major version (v20 names up to 20, v21 after).
    Module(u32),
}

/// An EKS cluster from `resource "aws_eks_cluster"` or a `terraform-aws-modules/eks/aws` call.
#[derive(Clone, Copy, Debug)]
pub struct EksCluster<'a> {
    /// The block.
    pub block: Block<'a>,
    /// Resource or module (with its major version).
    pub schema: EksSchema,
}

static TRUE: Value = Value::Bool(true);
static FALSE: Value = Value::Bool(false);
static NULL: Value = Value::Null;
static ANYWHERE: LazyLock<Value> = LazyLock::new(|| json!(["0.0.0.0/0"]));
static MODULE_LOG_TYPES: LazyLock<Value> =
    LazyLock::new(|| json!(["audit", "api", "authenticator"]));
static NO_LOG_TYPES: LazyLock<Value> = LazyLock::new(|| json!([]));
static SECRETS: LazyLock<Value> = LazyLock::new(|| json!(["secrets"]));
static RETENTION_90: LazyLock<Value> = LazyLock::new(|| json!(90));

/// The module major version from which the v21 input names apply.
const V21: u32 = 21;
/// The oldest module major version whose defaults are modelled (v19 made the public endpoint
/// opt-in; v18 and older differ in several defaults).
const OLDEST_MODELLED: u32 = 19;
const LEGACY: &str = "defaults of terraform-aws-modules/eks/aws before v19 are not modelled";

/// Whether a module `source` is the EKS registry module (or its GitHub repository), not one of
/// its submodules.
#[must_use]
pub fn is_eks_module_source(source: &str) -> bool {
    let s = source.trim();
    let s = s.strip_prefix("registry.terraform.io/").unwrap_or(s);
    if s == "terraform-aws-modules/eks/aws" {
        return true;
    }
    let s = s.strip_prefix("git::").unwrap_or(s);
    let s = s.split_once("://").map_or(s, |(_, rest)| rest);
    let s = s.strip_prefix("git@").unwrap_or(s);
    let s = s.split('?').next().unwrap_or(s);
    let s = s.trim_end_matches('/');
    let s = s.strip_suffix(".git").unwrap_or(s);
    matches!(
        s.replace(':', "/").as_str(),
        "github.com/terraform-aws-modules/terraform-aws-eks"
    )
}

/// The major version a module call selects: from `ref=v20.8.0` of a git source, else from the
/// `version` constraint (its lower bound: `~> 20.0`, `>= 20.8, < 21`, `20.31.6` → 20; only an
/// upper bound `< 21` → 20), else `None` (absent: the newest, v21 and later).
#[must_use]
pub fn module_major(source: &str, version: Option<&str>) -> Option<u32> {
    if let Some((_, query)) = source.split_once('?') {
        for pair in query.split('&') {
            if let Some(m) = pair
                .strip_prefix("ref=")
                .and_then(|r| leading_number(r.trim_start_matches('v')))
            {
                return Some(m);
            }
        }
    }
    let constraint = version?;
    let mut upper = None;
    for clause in constraint.split(',') {
        let c = clause.trim();
        let (op, rest) = ["~>", ">=", "<=", "!=", ">", "<", "="]
            .iter()
            .find_map(|op| c.strip_prefix(op).map(|r| (*op, r.trim())))
            .unwrap_or(("=", c));
        let rest = rest.trim_start_matches('v');
        let Some(major) = leading_number(rest) else {
            continue;
        };
        match op {
            "~>" | ">=" | ">" | "=" => return Some(major),
            "<" => {
                let whole = rest.split('.').skip(1).all(|p| p.chars().all(|c| c == '0'));
                upper = Some(if whole {
                    major.saturating_sub(1)
                } else {
                    major
                });
            }
            "<=" => upper = Some(major),
            _ => {}
        }
    }
    upper
}

fn leading_number(s: &str) -> Option<u32> {
    let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

impl<'a> EksCluster<'a> {
    /// The cluster a document defines, if it is one: `resource "aws_eks_cluster"`, or a module
    /// block calling the EKS module (not with `create = false`).
    #[must_use]
    pub fn of(doc: &'a Document) -> Option<Self> {
        let block = Block::of(doc)?;
        match block.kind {
            BlockKind::Resource if block.resource_type == "aws_eks_cluster" => Some(Self {
                block,
                schema: EksSchema::Resource,
            }),
            BlockKind::Module => {
                let source = block.get("source").as_str()?;
                if !is_eks_module_source(source) {
                    return None;
                }
                if block.get("create").as_bool() == Some(false) {
                    return None;
                }
                let major = module_major(source, block.get("version").as_str()).unwrap_or(V21);
                Some(Self {
                    block,
                    schema: EksSchema::Module(major),
                })
            }
            _ => None,
        }
    }

    /// Its address, for messages.
    #[must_use]
    pub fn address(&self) -> &'a str {
        self.block.address
    }

    /// True for a module call.
    #[must_use]
    pub fn is_module(&self) -> bool {
        matches!(self.schema, EksSchema::Module(_))
    }

    fn v21(&self) -> bool {
        matches!(self.schema, EksSchema::Module(m) if m >= V21)
    }

    fn legacy(&self) -> bool {
        matches!(self.schema, EksSchema::Module(m) if m < OLDEST_MODELLED)
    }

    /// A raw resource attribute (`path` with indices), with an AWS default. An attribute a
    /// plan marks as not written in its configuration (see [`is_absent_unknown`]) takes the
    /// default too: the provider computes it from the same default.
    fn attr(&self, path: &str, default: Option<&'a Value>) -> Setting<'a> {
        let mut value = self.block.get(path);
        if default.is_some() && walk_is_absent(self.block.json, path) {
            value = Known::Absent;
        }
        let pointer = crate::join_pointer("", path);
        match (value, default) {
            (Known::Absent | Known::Value(Value::Null), Some(d)) => Setting {
                value: Known::Value(d),
                pointer,
                defaulted: true,
                set: false,
            },
            (v, _) => Setting {
                value: v,
                pointer,
                defaulted: v == Known::Absent,
                set: walk_is_set(self.block.json, path),
            },
        }
    }

    /// A module input, by its v20 or v21 name, with the module's default.
    fn input(&self, v20: &str, v21: &str, default: &'a Value) -> Setting<'a> {
        let name = if self.v21() { v21 } else { v20 };
        let pointer = crate::join_pointer("", name);
        match self.block.json.get(name) {
            Some(v) => Setting {
                value: Known::of(v),
                pointer,
                defaulted: false,
                set: is_set_unknown(v),
            },
            None => Setting {
                value: if self.legacy() {
                    Known::Unknown(LEGACY)
                } else {
                    Known::Value(default)
                },
                pointer,
                defaulted: true,
                set: false,
            },
        }
    }

    /// The cluster name: `name` (resource, module v21) or `cluster_name` (module v20).
    #[must_use]
    pub fn name(&self) -> Setting<'a> {
        match self.schema {
            EksSchema::Resource => self.attr("name", None),
            EksSchema::Module(_) => self.input("cluster_name", "name", &NULL),
        }
    }

    /// The Kubernetes version: `version`, `kubernetes_version` (v21) or `cluster_version`
    /// (v20). Absent (or null) means EKS picks its newest version.
    #[must_use]
    pub fn version(&self) -> Setting<'a> {
        match self.schema {
            EksSchema::Resource => self.attr("version", None),
            EksSchema::Module(_) => self.input("cluster_version", "kubernetes_version", &NULL),
        }
    }

    /// Whether the public endpoint is on (AWS default true; module default false).
    #[must_use]
    pub fn endpoint_public_access(&self) -> Setting<'a> {
        match self.schema {
            EksSchema::Resource => self.attr("vpc_config/0/endpoint_public_access", Some(&TRUE)),
            EksSchema::Module(_) => self.input(
                "cluster_endpoint_public_access",
                "endpoint_public_access",
                &FALSE,
            ),
        }
    }

    /// Whether the private endpoint is on (AWS default false; module default true).
    #[must_use]
    pub fn endpoint_private_access(&self) -> Setting<'a> {
        match self.schema {
            EksSchema::Resource => self.attr("vpc_config/0/endpoint_private_access", Some(&FALSE)),
            EksSchema::Module(_) => self.input(
                "cluster_endpoint_private_access",
                "endpoint_private_access",
                &TRUE,
            ),
        }
    }

    /// Who may reach the public endpoint (default `["0.0.0.0/0"]` for both).
    #[must_use]
    pub fn public_access_cidrs(&self) -> Setting<'a> {
        match self.schema {
            EksSchema::Resource => self.attr("vpc_config/0/public_access_cidrs", Some(&ANYWHERE)),
            EksSchema::Module(_) => self.input(
                "cluster_endpoint_public_access_cidrs",
                "endpoint_public_access_cidrs",
                &ANYWHERE,
            ),
        }
    }

    /// The control-plane log types sent to `CloudWatch`: `enabled_cluster_log_types` (AWS
    /// default: none), `enabled_log_types` / `cluster_enabled_log_types` (module default
    /// `["audit", "api", "authenticator"]`).
    #[must_use]
    pub fn enabled_log_types(&self) -> Setting<'a> {
        match self.schema {
            EksSchema::Resource => self.attr("enabled_cluster_log_types", Some(&NO_LOG_TYPES)),
            EksSchema::Module(_) => self.input(
                "cluster_enabled_log_types",
                "enabled_log_types",
                &MODULE_LOG_TYPES,
            ),
        }
    }

    /// The resources encrypted with KMS envelope encryption. The value is the list of
    /// resources, or `null` / absent when encryption is off:
    ///
    /// * resource: `encryption_config[0].resources`; no `encryption_config` block is off
    ///   (pointer `/encryption_config`);
    /// * module v21: `encryption_config` (default `{}`, whose `resources` default to
    ///   `["secrets"]`); `null` is off;
    /// * module v20: `cluster_encryption_config` (default `{resources = ["secrets"]}`); `null`
    ///   or `{}` is off.
    #[must_use]
    pub fn encrypted_resources(&self) -> Setting<'a> {
        let (input, default_on_empty) = match self.schema {
            EksSchema::Resource => {
                return match self.block.get("encryption_config") {
                    Known::Value(Value::Array(a)) if !a.is_empty() => {
                        self.attr("encryption_config/0/resources", None)
                    }
                    Known::Unknown(r) => Setting {
                        value: Known::Unknown(r),
                        pointer: "/encryption_config".to_owned(),
                        defaulted: false,
                        set: false,
                    },
                    _ => Setting {
                        value: Known::Absent,
                        pointer: "/encryption_config".to_owned(),
                        defaulted: true,
                        set: false,
                    },
                };
            }
            EksSchema::Module(_) if self.v21() => ("encryption_config", true),
            EksSchema::Module(_) => ("cluster_encryption_config", false),
        };
        let whole = crate::join_pointer("", input);
        let resources = format!("{whole}/resources");
        match self.block.json.get(input) {
            None if self.legacy() => Setting {
                value: Known::Unknown(LEGACY),
                pointer: whole,
                defaulted: true,
                set: false,
            },
            None => Setting {
                value: Known::Value(&SECRETS),
                pointer: whole,
                defaulted: true,
                set: false,
            },
            Some(v) => match Known::of(v) {
                Known::Value(Value::Object(map)) => match map.get("resources") {
                    Some(r) if !r.is_null() => Setting {
                        value: Known::of(r),
                        pointer: resources,
                        defaulted: false,
                        set: false,
                    },
                    _ if default_on_empty => Setting {
                        value: Known::Value(&SECRETS),
                        pointer: resources,
                        defaulted: true,
                        set: false,
                    },
                    _ if map.is_empty() => Setting {
                        value: Known::Value(&NULL),
                        pointer: whole,
                        defaulted: false,
                        set: false,
                    },
                    _ => Setting {
                        value: Known::Absent,
                        pointer: resources,
                        defaulted: false,
                        set: false,
                    },
                },
                other => Setting {
                    value: other,
                    pointer: whole,
                    defaulted: false,
                    set: false,
                },
            },
        }
    }

    /// The `CloudWatch` log group the module creates for the cluster (`None` for the resource,
    /// which relies on a separate `aws_cloudwatch_log_group`, or when `create_cloudwatch_log_group
    /// = false`): its retention (default 90 days) and KMS key (default none).
    #[must_use]
    pub fn module_log_group(&self) -> Option<ModuleLogGroup<'a>> {
        if !self.is_module() {
            return None;
        }
        let create = self.input(
            "create_cloudwatch_log_group",
            "create_cloudwatch_log_group",
            &TRUE,
        );
        if create.value.as_bool() == Some(false) {
            return None;
        }
        Some(ModuleLogGroup {
            create,
            retention_in_days: self.input(
                "cloudwatch_log_group_retention_in_days",
                "cloudwatch_log_group_retention_in_days",
                &RETENTION_90,
            ),
            kms_key_id: self.input(
                "cloudwatch_log_group_kms_key_id",
                "cloudwatch_log_group_kms_key_id",
                &NULL,
            ),
        })
    }
}

/// The log group `terraform-aws-modules/eks/aws` creates (`/aws/eks/<name>/cluster`).
#[derive(Clone, Debug)]
pub struct ModuleLogGroup<'a> {
    /// `create_cloudwatch_log_group` (true or unknown here).
    pub create: Setting<'a>,
    /// `cloudwatch_log_group_retention_in_days`.
    pub retention_in_days: Setting<'a>,
    /// `cloudwatch_log_group_kms_key_id`.
    pub kms_key_id: Setting<'a>,
}

/// The name of the `CloudWatch` log group EKS writes a cluster's control-plane logs to.
#[must_use]
pub fn eks_log_group_name(cluster: &str) -> String {
    format!("/aws/eks/{cluster}/cluster")
}

/// Whether a CIDR block on its own means "anywhere" (see [`crate::cidr`]: `0.0.0.0/0` in any
/// spelling, `::/0`, or any block covering half the public address space).
#[must_use]
pub fn is_anywhere(cidr: &str) -> bool {
    crate::cidr::is_anywhere(cidr)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Hints;

    fn doc(kind: &str, labels: &[&str], address: &str, json: Value) -> Document {
        Document {
            id: 1,
            uri: "main.tf".into(),
            format: Format::Terraform,
            hints: Hints {
                kind: Some(kind.into()),
                name: Some(address.into()),
                labels: labels.iter().map(|s| (*s).to_owned()).collect(),
                ..Hints::default()
            },
            json,
        }
    }

    fn module(json: Value) -> Document {
        doc("module", &["eks"], "module.eks", json)
    }

    #[test]
    fn walks_nested_blocks_and_stops_at_unknowns() {
        let v = json!({"vpc_config": [{"a": true, "b": {"$unknown": "computed"}}],
                       "c": {"$unknown": "var.c has no value"}});
        assert_eq!(walk(&v, "vpc_config/a"), Known::Value(&json!(true)));
        assert_eq!(walk(&v, "vpc_config/0/a"), Known::Value(&json!(true)));
        assert_eq!(walk(&v, "vpc_config/0/b"), Known::Unknown("computed"));
        assert_eq!(walk(&v, "c/d/e"), Known::Unknown("var.c has no value"));
        assert_eq!(walk(&v, "vpc_config/1/a"), Known::Absent);
        assert_eq!(walk(&v, "x"), Known::Absent);
        assert_eq!(is_unknown(&json!({"$unknown": "r"})), Some("r"));
        assert_eq!(is_unknown(&json!({"$unknown": "r", "x": 1})), None);
        let set = json!({"k": [{"arn": {"$unknown": "aws_kms_key.k.arn", "$set": true}}],
                         "v": {"$unknown": "var.v"}});
        assert_eq!(walk(&set, "k/arn"), Known::Unknown("aws_kms_key.k.arn"));
        assert!(walk_is_set(&set, "k/0/arn"));
        assert!(!walk_is_set(&set, "v"));
        assert!(!walk_is_set(&set, "k/0/arn/x"));
        let absent = json!({"vpc_config": [{"public_access_cidrs": {"$unknown": "computed", "$absent": true}}]});
        assert_eq!(
            walk(&absent, "vpc_config/public_access_cidrs"),
            Known::Unknown("computed")
        );
        assert!(walk_is_absent(&absent, "vpc_config/0/public_access_cidrs"));
        let d = doc(
            "resource",
            &["aws_eks_cluster", "this"],
            "aws_eks_cluster.this",
            absent,
        );
        let c = EksCluster::of(&d).expect("cluster");
        let cidrs = c.public_access_cidrs();
        assert_eq!(
            (cidrs.value.value(), cidrs.defaulted),
            (Some(&json!(["0.0.0.0/0"])), true)
        );
    }

    #[test]
    fn block_reads_hints() {
        let d = doc(
            "resource",
            &["aws_kms_key", "k"],
            "module.a.aws_kms_key.k",
            json!({}),
        );
        let b = Block::of(&d).expect("block");
        assert!(b.is_resource("aws_kms_key"));
        assert_eq!((b.name, b.address), ("k", "module.a.aws_kms_key.k"));
        let d = doc(
            "resource",
            &["aws_security_group", "s"],
            "x",
            json!({"ingress": [{}, {}]}),
        );
        let b = Block::of(&d).expect("block");
        let items = b.blocks("ingress").expect("known");
        assert_eq!(items[1].0, "/ingress/1");
    }

    #[test]
    fn module_sources_and_versions() {
        for s in [
            "terraform-aws-modules/eks/aws",
            "registry.terraform.io/terraform-aws-modules/eks/aws",
            "git::https://github.com/terraform-aws-modules/terraform-aws-eks.git?ref=v20.8.0",
            "github.com/terraform-aws-modules/terraform-aws-eks",
            "git::ssh://git@github.com/terraform-aws-modules/terraform-aws-eks.git",
        ] {
            assert!(is_eks_module_source(s), "{s}");
        }
        for s in [
            "terraform-aws-modules/eks/aws//modules/eks-managed-node-group",
            "./modules/eks",
            "terraform-aws-modules/vpc/aws",
        ] {
            assert!(!is_eks_module_source(s), "{s}");
        }
        let m = |v: &str| module_major("terraform-aws-modules/eks/aws", Some(v));
        assert_eq!(m("~> 20.0"), Some(20));
        assert_eq!(m(">= 20.8, < 21"), Some(20));
        assert_eq!(m("20.31.6"), Some(20));
        assert_eq!(m("~> 21.1"), Some(21));
        assert_eq!(m("< 21"), Some(20));
        assert_eq!(m("< 21.3"), Some(21));
        assert_eq!(module_major("terraform-aws-modules/eks/aws", None), None);
        assert_eq!(
            module_major(
                "git::https://github.com/terraform-aws-modules/terraform-aws-eks.git?ref=v20.8.0",
                None
            ),
            Some(20)
        );
    }

    #[test]
    fn resource_defaults_are_the_eks_api_defaults() {
        let d = doc(
            "resource",
            &["aws_eks_cluster", "this"],
            "aws_eks_cluster.this",
            json!({"name": "prod", "vpc_config": [{"subnet_ids": ["a"]}]}),
        );
        let c = EksCluster::of(&d).expect("cluster");
        let p = c.endpoint_public_access();
        assert_eq!(p.value.as_bool(), Some(true));
        assert!(p.defaulted);
        assert_eq!(p.pointer, "/vpc_config/0/endpoint_public_access");
        assert_eq!(c.endpoint_private_access().value.as_bool(), Some(false));
        assert_eq!(
            c.public_access_cidrs().value.value(),
            Some(&json!(["0.0.0.0/0"]))
        );
        assert_eq!(c.enabled_log_types().value.value(), Some(&json!([])));
        let e = c.encrypted_resources();
        assert_eq!(
            (e.value, e.pointer.as_str()),
            (Known::Absent, "/encryption_config")
        );
        assert_eq!(c.name().value.as_str(), Some("prod"));
        assert!(c.version().value.is_unset());
        assert!(c.module_log_group().is_none());
    }

    #[test]
    fn module_v21_and_v20_names_and_defaults() {
        let v21 = module(
            json!({"source": "terraform-aws-modules/eks/aws", "name": "a",
                                "endpoint_public_access": true, "encryption_config": null}),
        );
        let c = EksCluster::of(&v21).expect("cluster");
        assert_eq!(c.schema, EksSchema::Module(21));
        let p = c.endpoint_public_access();
        assert_eq!((p.value.as_bool(), p.defaulted), (Some(true), false));
        assert_eq!(p.pointer, "/endpoint_public_access");
        assert_eq!(
            c.public_access_cidrs().pointer,
            "/endpoint_public_access_cidrs"
        );
        assert_eq!(c.encrypted_resources().value, Known::Value(&Value::Null));
        assert_eq!(c.name().value.as_str(), Some("a"));
        let lg = c.module_log_group().expect("log group");
        assert_eq!(lg.retention_in_days.value.as_f64(), Some(90.0));
        assert!(lg.kms_key_id.value.is_unset());

        let v20 = module(
            json!({"source": "terraform-aws-modules/eks/aws", "version": "~> 20.0",
                                "cluster_name": "b", "cluster_encryption_config": {}}),
        );
        let c = EksCluster::of(&v20).expect("cluster");
        assert_eq!(c.schema, EksSchema::Module(20));
        let p = c.endpoint_public_access();
        assert_eq!((p.value.as_bool(), p.defaulted), (Some(false), true));
        assert_eq!(p.pointer, "/cluster_endpoint_public_access");
        assert_eq!(
            c.enabled_log_types().value.value(),
            Some(&json!(["audit", "api", "authenticator"]))
        );
        assert_eq!(c.encrypted_resources().value, Known::Value(&Value::Null));
        assert_eq!(c.name().value.as_str(), Some("b"));
        assert_eq!(c.version().pointer, "/cluster_version");

        let v21_default = module(
            json!({"source": "terraform-aws-modules/eks/aws", "encryption_config": {"provider_key_arn": "k"}}),
        );
        let c = EksCluster::of(&v21_default).expect("cluster");
        let e = c.encrypted_resources();
        assert_eq!(
            (e.value.value(), e.pointer.as_str()),
            (Some(&json!(["secrets"])), "/encryption_config/resources")
        );

        let off = module(json!({"source": "terraform-aws-modules/eks/aws", "create": false}));
        assert!(EksCluster::of(&off).is_none());
        let legacy =
            module(json!({"source": "terraform-aws-modules/eks/aws", "version": "18.0.0"}));
        let c = EksCluster::of(&legacy).expect("cluster");
        assert!(c.endpoint_public_access().value.unknown().is_some());
    }
}
