//! # STIGLINT-EKS-0003: Security group open to the internet
//!
//! **What it checks.** Every ingress rule, in all the ways Terraform writes one, must not admit
//! the internet:
//!
//! * `aws_security_group` inline `ingress` blocks (or the `ingress = [...]` attribute):
//!   `cidr_blocks` and `ipv6_cidr_blocks`;
//! * `aws_security_group_rule` with `type = "ingress"`: `cidr_blocks`, `ipv6_cidr_blocks`;
//! * `aws_vpc_security_group_ingress_rule`: `cidr_ipv4`, `cidr_ipv6`;
//! * a call of the registry module `terraform-aws-modules/security-group/aws` (or one of its
//!   preset submodules, `//modules/ssh`, `//modules/https-443`, ...): its named rules
//!   (`ingress_rules`, `computed_ingress_rules`, a preset's `auto_ingress_rules`, with the
//!   ports of the module's `rules` table, bundled as `data/security_group_rules.csv`) applied
//!   to `ingress_cidr_blocks` / `ingress_ipv6_cidr_blocks`, and each entry of
//!   `ingress_with_cidr_blocks` / `ingress_with_ipv6_cidr_blocks` and their `computed_`
//!   variants (a `rule` name or `from_port`/`to_port`/`protocol`; its comma-separated
//!   `cidr_blocks`, which default to `ingress_cidr_blocks`, as the module's `main.tf` does).
//!   `create = false` creates nothing;
//! * a call of `terraform-aws-modules/eks/aws`: the additional rules of the cluster and node
//!   security groups it makes (`security_group_additional_rules`, v20
//!   `cluster_security_group_additional_rules`, and `node_security_group_additional_rules`;
//!   `type` defaults to `ingress`, `protocol` to `tcp`).
//!
//! **CIDRs are addresses, not strings.** A rule admits the internet when its CIDRs, together,
//! cover at least half of the public IPv4 space or of IPv6 global unicast (see
//! KUBER-L2-000120: `0.0.0.0/00`, `::0/0`, `["0.0.0.0/1", "128.0.0.0/1"]` and `1.1.1.1/1` all
//! do). The finding is at each offending CIDR entry (an entry that covers the internet on its
//! own, else the widest entry of a list that does together). An entry that is not a CIDR
//! block gives a *not evaluated* note. `protocol = "-1"` (`ip_protocol = "-1"`, `"all"`) is
//! all protocols and all ports, whatever `from_port`/`to_port` say. Ports listed in the `allowed-ports` setting (for
//! example a public load balancer's 443) may be open when the rule covers exactly that one
//! port (`from_port = to_port`) of one protocol (never `-1`).
//!
//! **Absent attributes.** An absent CIDR list admits nothing from CIDRs (only the security
//! groups or prefix lists named): passes. A value the scan cannot know (a CIDR, the rule's
//! `type`, or its ports when `allowed-ports` is set) gives a *not evaluated* note.
//!
//! **Settings.**
//! ```toml
//! [controls."STIGLINT-EKS-0003"]
//! allowed-ports = [443]   # default: none
//! ```
//!
//! **Why.** A rule open to the whole internet exposes the nodes' or the control plane's ports
//! (kubelet 10250, `NodePorts`, SSH, the API) to scanning and exploitation. Ingress must come from
//! the networks that need it (NIST SP 800-53 SC-7, CM-7; the DISA Kubernetes STIG limits ports
//! and protocols to those approved, CNTR-K8-000920).
//!
//! **Example.**
//! ```hcl
//! resource "aws_vpc_security_group_ingress_rule" "ssh" {
//!   security_group_id = aws_security_group.nodes.id
//!   cidr_ipv4         = "0.0.0.0/0"   # finding
//!   from_port         = 22
//!   to_port           = 22
//!   ip_protocol       = "tcp"
//! }
//! ```
//!
//! **Fix.** Admit the source that needs the port: a VPC or office CIDR, a prefix list, or a
//! security group (`referenced_security_group_id`, `source_security_group_id`,
//! `security_groups`).
//!
//! **References.** stiglint's own control; it stands in for DISA Kubernetes STIG CNTR-K8-000920
//! (V-242410); NIST SP 800-53 SC-7, CM-7.
use std::collections::BTreeMap;
use std::sync::LazyLock;

use stiglint_sdk::cidr::{self, Cidr, Family};
use stiglint_sdk::prelude::*;
use stiglint_sdk::terraform::{
    Block, BlockKind, Known, is_eks_module_source, is_unknown, module_major,
};
use stiglint_sdk::{NoteKind, ScanContext};

use super::not_evaluated;
use crate::settings;

const ALLOWED_PORTS: &str = "allowed-ports";

/// The named rules of `terraform-aws-modules/security-group/aws`: name → (from, to, protocol).
/// (A `BTreeMap`: a `HashMap`'s random seed would need WASI randomness, which no plugin gets.)
const RULES_CSV: &str = include_str!("../../data/security_group_rules.csv");

static RULES: LazyLock<BTreeMap<&'static str, (f64, f64, &'static str)>> = LazyLock::new(|| {
    RULES_CSV
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("name,") && !l.trim().is_empty())
        .filter_map(|l| {
            let mut f = l.split(',');
            let name = f.next()?;
            let from = f.next()?.parse().ok()?;
            let to = f.next()?.parse().ok()?;
            Some((name, (from, to, f.next()?)))
        })
        .collect()
});

/// The ports a rule opens.
#[derive(Clone, Debug, PartialEq)]
enum Ports {
    /// Protocol `-1`: every protocol and port.
    All,
    /// One protocol, a port range (both may be absent: an unspecified range).
    Range {
        protocol: Option<String>,
        from: Option<f64>,
        to: Option<f64>,
    },
}

impl Ports {
    /// From a protocol and port values.
    fn of(protocol: Option<&Value>, from: Option<&Value>, to: Option<&Value>) -> Self {
        let text = |v: Option<&Value>| match v {
            Some(Value::String(s)) => Some(s.trim().to_owned()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        let number = |v: Option<&Value>| v.and_then(|v| Known::of(v).as_f64());
        let protocol = text(protocol);
        if matches!(protocol.as_deref(), Some("-1" | "all" | "ALL")) {
            return Self::All;
        }
        Self::Range {
            protocol,
            from: number(from),
            to: number(to),
        }
    }

    /// "all protocols", "port 22/tcp", "ports 0-65535/tcp", "all ports", "all ICMP",
    /// "ICMP type 8" (for ICMP, `from_port` is the type and -1 every type).
    fn describe(&self) -> String {
        match self {
            Self::All => "all protocols".to_owned(),
            Self::Range {
                protocol: Some(p),
                from,
                ..
            } if matches!(
                p.to_ascii_lowercase().as_str(),
                "icmp" | "1" | "icmpv6" | "58"
            ) =>
            {
                let name = if matches!(p.as_str(), "icmp" | "1") {
                    "ICMP"
                } else {
                    "ICMPv6"
                };
                match from {
                    Some(t) if *t >= 0.0 => format!("{name} type {t}"),
                    _ => format!("all {name}"),
                }
            }
            Self::Range { protocol, from, to } => {
                let proto = protocol
                    .as_deref()
                    .map_or(String::new(), |p| format!("/{p}"));
                match (from, to) {
                    (Some(f), Some(t)) if (f - t).abs() < f64::EPSILON => {
                        format!("port {f}{proto}")
                    }
                    (Some(f), Some(t)) => format!("ports {f}-{t}{proto}"),
                    _ => format!("all ports{proto}"),
                }
            }
        }
    }
}

/// A CIDR entry of a rule: where it is and its value (`Err`: unknown, with the reason;
/// `None`: not a string).
struct Entry {
    at: String,
    value: Option<Result<String, String>>,
}

impl Entry {
    fn new(at: String, value: Known<'_>) -> Self {
        let value = match value {
            Known::Value(Value::String(s)) => Some(Ok(s.clone())),
            Known::Unknown(reason) => Some(Err(reason.to_owned())),
            _ => None,
        };
        Self { at, value }
    }
}

/// See the module documentation.
#[derive(Default)]
pub struct Rule {
    allowed_ports: Vec<u16>,
}

/// How a security group is named in messages: `security group sg-…` for a string ID, the
/// resource it references when that is known only after apply.
fn group_of(block: &Block<'_>) -> String {
    match block.get("security_group_id") {
        Known::Value(Value::String(id)) => format!(" (security group {id})"),
        Known::Unknown(reason) => reason
            .split_whitespace()
            .next()
            .and_then(|r| r.strip_suffix(".id"))
            .map_or_else(String::new, |r| format!(" (security group {r})")),
        _ => String::new(),
    }
}

impl Rule {
    /// Whether the rule's ports are one allowed port only. `Err` when they are needed but
    /// unknown.
    fn allowed(&self, ports: &Result<Ports, String>) -> Result<bool, String> {
        if self.allowed_ports.is_empty() {
            return Ok(false);
        }
        match ports {
            Err(reason) => Err(reason.clone()),
            Ok(Ports::All) => Ok(false),
            Ok(Ports::Range { from, to, .. }) => Ok(match (from, to) {
                (Some(f), Some(t)) if (f - t).abs() < f64::EPSILON => self
                    .allowed_ports
                    .iter()
                    .any(|p| (f64::from(*p) - f).abs() < f64::EPSILON),
                _ => false,
            }),
        }
    }

    /// Judge one ingress rule: its CIDR entries and its ports. `ports_at` is where a note
    /// about unknown ports goes.
    fn judge(
        &self,
        out: &mut Out,
        who: &str,
        ports: &Result<Ports, String>,
        ports_at: &str,
        entries: &[Entry],
    ) {
        let mut parsed: Vec<(&str, Cidr)> = Vec::new();
        for e in entries {
            match &e.value {
                Some(Err(reason)) => out.note(
                    NoteKind::NotEvaluated,
                    e.at.clone(),
                    format!("{who}: a CIDR of an ingress rule is not known statically ({reason})"),
                ),
                Some(Ok(s)) => match Cidr::parse(s) {
                    Ok(c) => parsed.push((e.at.as_str(), c)),
                    Err(why) => out.note(
                        NoteKind::NotEvaluated,
                        e.at.clone(),
                        format!("{who}: an ingress CIDR is not a valid CIDR block: {why}"),
                    ),
                },
                None => {}
            }
        }
        let mut open: Vec<(&str, Cidr)> = Vec::new();
        for family in [Family::V4, Family::V6] {
            let of: Vec<(&str, Cidr)> = parsed
                .iter()
                .filter(|(_, c)| c.family == family)
                .copied()
                .collect();
            let blocks: Vec<Cidr> = of.iter().map(|(_, c)| *c).collect();
            if !cidr::covers_anywhere(&blocks) {
                continue;
            }
            let alone: Vec<(&str, Cidr)> = of
                .iter()
                .filter(|(_, c)| cidr::covers_anywhere(&[*c]))
                .copied()
                .collect();
            if alone.is_empty() {
                if let Some(widest) = of
                    .iter()
                    .max_by(|a, b| a.1.public_size().cmp(&b.1.public_size()).then(b.0.cmp(a.0)))
                {
                    open.push(*widest);
                }
            } else {
                open.extend(alone);
            }
        }
        if open.is_empty() {
            return;
        }
        match self.allowed(ports) {
            Ok(true) => {}
            Err(reason) => out.note(
                NoteKind::NotEvaluated,
                ports_at.to_owned(),
                format!("{who}: the ports of an ingress rule open to the internet are not known statically ({reason})"),
            ),
            Ok(false) => {
                let shown = ports
                    .as_ref()
                    .map_or_else(|_| "ports not known statically".to_owned(), Ports::describe);
                let together = parsed.len() > open.len();
                for (at, c) in open {
                    let what = if together && !cidr::covers_anywhere(&[c]) {
                        let all: Vec<String> = parsed
                            .iter()
                            .filter(|(_, p)| p.family == c.family)
                            .map(|(_, p)| p.to_string())
                            .collect();
                        format!("{} together", all.join(", "))
                    } else {
                        c.to_string()
                    };
                    out.finding(
                        at,
                        format!("{who} must not admit ingress from the internet ({what}, {shown})"),
                    );
                }
            }
        }
    }

    /// The CIDR entries of `keys` of a rule object at `base`.
    fn entries(base: &str, rule: &Value, keys: &[&str]) -> Vec<Entry> {
        let mut out = Vec::new();
        for key in keys {
            let at = format!("{base}/{key}");
            match rule.get(*key).map(Known::of) {
                Some(Known::Value(Value::Array(items))) => {
                    for (i, item) in items.iter().enumerate() {
                        out.push(Entry::new(format!("{at}/{i}"), Known::of(item)));
                    }
                }
                Some(k @ (Known::Unknown(_) | Known::Value(Value::String(_)))) => {
                    out.push(Entry::new(at, k));
                }
                _ => {}
            }
        }
        out
    }

    /// A rule object's ports (`protocol`/`ip_protocol`, `from_port`, `to_port`).
    fn ports_of(rule: &Value) -> Result<Ports, String> {
        for key in ["protocol", "ip_protocol", "from_port", "to_port"] {
            if let Some(reason) = rule.get(key).and_then(is_unknown) {
                return Err(reason.to_owned());
            }
        }
        Ok(Ports::of(
            rule.get("protocol").or_else(|| rule.get("ip_protocol")),
            rule.get("from_port"),
            rule.get("to_port"),
        ))
    }

    fn check_module(&self, block: &Block<'_>, preset: Option<&str>, out: &mut Out) {
        if block.get("create").as_bool() == Some(false) {
            return;
        }
        let json = block.json;
        let blocks_v4 = Self::entries("", json, &["ingress_cidr_blocks"]);
        let blocks_v6 = Self::entries("", json, &["ingress_ipv6_cidr_blocks"]);
        self.module_named_rules(block, preset, &blocks_v4, &blocks_v6, out);
        // Rules with their own CIDRs (comma-separated), defaulting to the module's lists.
        for (key, cidr_key, default) in [
            ("ingress_with_cidr_blocks", "cidr_blocks", &blocks_v4),
            (
                "computed_ingress_with_cidr_blocks",
                "cidr_blocks",
                &blocks_v4,
            ),
            (
                "ingress_with_ipv6_cidr_blocks",
                "ipv6_cidr_blocks",
                &blocks_v6,
            ),
            (
                "computed_ingress_with_ipv6_cidr_blocks",
                "ipv6_cidr_blocks",
                &blocks_v6,
            ),
        ] {
            self.module_rules_with_cidrs(block, key, cidr_key, default, out);
        }
    }

    /// The additional rules of the security groups `terraform-aws-modules/eks/aws` makes:
    /// `security_group_additional_rules` (v21; `cluster_security_group_additional_rules` up
    /// to v20) and `node_security_group_additional_rules`, each a map of rules whose `type`
    /// defaults to `ingress` and `protocol` to `tcp` (v21's `optional()` defaults).
    fn check_eks_module(&self, block: &Block<'_>, out: &mut Out) {
        if block.get("create").as_bool() == Some(false) {
            return;
        }
        let v21 = module_major(
            block.get("source").as_str().unwrap_or_default(),
            block.get("version").as_str(),
        )
        .is_none_or(|m| m >= 21);
        let cluster = if v21 {
            ("security_group_additional_rules", "create_security_group")
        } else {
            (
                "cluster_security_group_additional_rules",
                "create_cluster_security_group",
            )
        };
        for (key, create) in [
            cluster,
            (
                "node_security_group_additional_rules",
                "create_node_security_group",
            ),
        ] {
            if block.get(create).as_bool() == Some(false) {
                continue;
            }
            let who = block.address;
            let rules = match block.json.get(key).map(Known::of) {
                Some(Known::Value(Value::Object(rules))) => rules,
                Some(Known::Unknown(reason)) => {
                    not_evaluated(out, &format!("/{key}"), who, reason);
                    continue;
                }
                _ => continue,
            };
            for (name, rule) in rules {
                let base = format!("/{key}/{}", name.replace('~', "~0").replace('/', "~1"));
                if let Some(reason) = is_unknown(rule) {
                    not_evaluated(out, &base, who, reason);
                    continue;
                }
                match rule.get("type").map(Known::of) {
                    None | Some(Known::Value(Value::Null)) => {}
                    Some(Known::Value(Value::String(t))) if t == "ingress" => {}
                    Some(Known::Unknown(reason)) => {
                        not_evaluated(out, &format!("{base}/type"), who, reason);
                        continue;
                    }
                    Some(_) => continue,
                }
                let mut ports = Self::ports_of(rule);
                if let Ok(Ports::Range { protocol, .. }) = &mut ports
                    && protocol.is_none()
                {
                    *protocol = Some("tcp".to_owned());
                }
                let entries = Self::entries(&base, rule, &["cidr_blocks", "ipv6_cidr_blocks"]);
                let label = format!("{who} rule {key}[\"{name}\"]");
                self.judge(out, &label, &ports, &format!("{base}/from_port"), &entries);
            }
        }
    }

    /// The module's named rules (`ingress_rules`, `computed_ingress_rules`, a preset's
    /// `auto_ingress_rules`) on `ingress_cidr_blocks` / `ingress_ipv6_cidr_blocks`.
    fn module_named_rules(
        &self,
        block: &Block<'_>,
        preset: Option<&str>,
        blocks_v4: &[Entry],
        blocks_v6: &[Entry],
        out: &mut Out,
    ) {
        let (who, json) = (block.address, block.json);
        // (pointer, rule name or the reason it is unknown).
        let mut named: Vec<(String, Result<String, String>)> = Vec::new();
        for key in [
            "ingress_rules",
            "computed_ingress_rules",
            "auto_ingress_rules",
        ] {
            match json.get(key).map(Known::of) {
                Some(Known::Value(Value::Array(items))) => {
                    for (i, item) in items.iter().enumerate() {
                        match Known::of(item) {
                            Known::Value(Value::String(n)) => {
                                named.push((format!("/{key}/{i}"), Ok(n.clone())));
                            }
                            Known::Unknown(r) => {
                                named.push((format!("/{key}/{i}"), Err(r.to_owned())));
                            }
                            _ => {}
                        }
                    }
                }
                Some(Known::Unknown(reason)) => {
                    not_evaluated(out, &format!("/{key}"), who, reason);
                }
                _ => {}
            }
        }
        if let (Some(preset), None) = (preset, json.get("auto_ingress_rules")) {
            // A preset's own rules: those of its name in the module's table.
            for n in RULES
                .keys()
                .filter(|n| n.strip_prefix(preset).is_some_and(|r| r.starts_with('-')))
            {
                named.push((String::new(), Ok((*n).to_owned())));
            }
        }
        for (at, name) in &named {
            let ports_at = if at.is_empty() {
                "/source"
            } else {
                at.as_str()
            };
            let (ports, label) = match name {
                Ok(n) => match named_rule(out, who, ports_at, n) {
                    Some(p) => (Ok(p), format!("{who} rule {n}")),
                    None => continue,
                },
                Err(reason) => (Err(reason.clone()), who.to_owned()),
            };
            self.judge(out, &label, &ports, ports_at, blocks_v4);
            self.judge(out, &label, &ports, ports_at, blocks_v6);
        }
    }

    /// The entries of `ingress_with_cidr_blocks` (or its IPv6 and `computed_` variants): a
    /// `rule` name or ports, and comma-separated CIDRs under `cidr_key` (else `default`).
    fn module_rules_with_cidrs(
        &self,
        block: &Block<'_>,
        key: &str,
        cidr_key: &str,
        default: &[Entry],
        out: &mut Out,
    ) {
        let who = block.address;
        let items = match block.json.get(key).map(Known::of) {
            Some(Known::Value(Value::Array(items))) => items,
            Some(Known::Unknown(reason)) => {
                return not_evaluated(out, &format!("/{key}"), who, reason);
            }
            _ => return,
        };
        for (i, item) in items.iter().enumerate() {
            let base = format!("/{key}/{i}");
            if let Some(reason) = is_unknown(item) {
                not_evaluated(out, &base, who, reason);
                continue;
            }
            let ports = match item.get("rule").map(Known::of) {
                Some(Known::Value(Value::String(n))) if item.get("from_port").is_none() => {
                    match named_rule(out, who, &format!("{base}/rule"), n) {
                        Some(p) => Ok(p),
                        None => continue,
                    }
                }
                Some(Known::Unknown(reason)) => Err(reason.to_owned()),
                _ => Self::ports_of(item),
            };
            let at = format!("{base}/{cidr_key}");
            let own: Vec<Entry> = match item.get(cidr_key).map(Known::of) {
                Some(Known::Value(Value::String(list))) => list
                    .split(',')
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(|c| Entry {
                        at: at.clone(),
                        value: Some(Ok(c.to_owned())),
                    })
                    .collect(),
                Some(k @ Known::Unknown(_)) => vec![Entry::new(at, k)],
                _ => {
                    self.judge(out, who, &ports, &base, default);
                    continue;
                }
            };
            self.judge(out, who, &ports, &base, &own);
        }
    }
}

/// The ports of a named rule of the module's table; `None` (with a note at `at`) for a name
/// the module does not have.
fn named_rule(out: &mut Out, who: &str, at: &str, name: &str) -> Option<Ports> {
    if let Some((from, to, proto)) = RULES.get(name) {
        return Some(rule_ports(*from, *to, proto));
    }
    out.note(
        NoteKind::NotEvaluated,
        at.to_owned(),
        format!("{who}: `{name}` is not a rule of terraform-aws-modules/security-group/aws"),
    );
    None
}

/// The ports of a row of the module's rules table (`-1` protocol: all).
fn rule_ports(from: f64, to: f64, protocol: &str) -> Ports {
    if protocol == "-1" {
        return Ports::All;
    }
    Ports::Range {
        protocol: Some(protocol.to_owned()),
        from: (from >= 0.0).then_some(from),
        to: (to >= 0.0).then_some(to),
    }
}

/// Whether a module source is `terraform-aws-modules/security-group/aws` (`Some(None)`) or one
/// of its preset submodules (`Some(Some("ssh"))`).
#[must_use]
pub fn security_group_module(source: &str) -> Option<Option<&str>> {
    let s = source.trim();
    let s = s.strip_prefix("registry.terraform.io/").unwrap_or(s);
    let (root, sub) = match s.split_once("//") {
        Some((r, sub)) if !r.ends_with(':') => (r, Some(sub)),
        _ => (s, None),
    };
    let root = root.split('?').next().unwrap_or(root).trim_end_matches('/');
    let root = root.strip_suffix(".git").unwrap_or(root);
    let known = root == "terraform-aws-modules/security-group/aws"
        || root.ends_with("github.com/terraform-aws-modules/terraform-aws-security-group")
        || root.ends_with("github.com:terraform-aws-modules/terraform-aws-security-group");
    if !known {
        return None;
    }
    match sub.map(|s| s.split('?').next().unwrap_or(s).trim_end_matches('/')) {
        None | Some("") => Some(None),
        Some(sub) => sub.strip_prefix("modules/").map(Some),
    }
}

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::seed(
            "STIGLINT-EKS-0003",
            "Security group open to the internet",
            Severity::Medium,
        )
        .stands_for("CNTR-K8-000920")
        .nist(&["SC-7"])
        .formats(&[Format::Terraform])
        .remediation(
            "Replace 0.0.0.0/0 and ::/0 (and any CIDRs covering the internet) in ingress rules \
             with the CIDRs, prefix lists or security groups that need access.",
        )
    }

    fn configure(&mut self, settings: &Value, _scan: &ScanContext) -> Result<(), String> {
        self.allowed_ports.clear();
        for (key, value) in settings::table(settings, &[ALLOWED_PORTS])? {
            self.allowed_ports = settings::ports(key, value)?;
        }
        Ok(())
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        let Some(block) = Block::of(doc) else {
            return;
        };
        let address = block.address;
        if block.kind == BlockKind::Module {
            let source = block.get("source").as_str().unwrap_or_default();
            if let Some(preset) = security_group_module(source) {
                self.check_module(&block, preset, out);
            } else if is_eks_module_source(source) {
                self.check_eks_module(&block, out);
            }
        } else if block.is_resource("aws_security_group") {
            let rules = match block.blocks("ingress") {
                Ok(r) => r,
                Err(reason) => return not_evaluated(out, "/ingress", address, reason),
            };
            for (at, rule) in rules {
                if let Some(reason) = is_unknown(rule) {
                    not_evaluated(out, &at, address, reason);
                    continue;
                }
                let entries = Self::entries(&at, rule, &["cidr_blocks", "ipv6_cidr_blocks"]);
                let ports_at = format!("{at}/from_port");
                self.judge(out, address, &Self::ports_of(rule), &ports_at, &entries);
            }
        } else if block.is_resource("aws_security_group_rule") {
            match block.get("type") {
                Known::Value(Value::String(t)) if t == "ingress" => {
                    let who = format!("{address}{}", group_of(&block));
                    let entries =
                        Self::entries("", block.json, &["cidr_blocks", "ipv6_cidr_blocks"]);
                    let ports = Self::ports_of(block.json);
                    self.judge(out, &who, &ports, "/from_port", &entries);
                }
                Known::Unknown(reason) => not_evaluated(out, "/type", address, reason),
                _ => {}
            }
        } else if block.is_resource("aws_vpc_security_group_ingress_rule") {
            let who = format!("{address}{}", group_of(&block));
            let entries = Self::entries("", block.json, &["cidr_ipv4", "cidr_ipv6"]);
            let ports = Self::ports_of(block.json);
            self.judge(out, &who, &ports, "/from_port", &entries);
        }
    }
}
