//! # STIGLINT-EKS-0003: Security group open to the internet
//!
//! **What it checks.** Every ingress rule, in all four ways Terraform writes one, must not admit
//! `0.0.0.0/0` or `::/0`:
//!
//! * `aws_security_group` inline `ingress` blocks (or the `ingress = [...]` attribute):
//!   `cidr_blocks` and `ipv6_cidr_blocks`;
//! * `aws_security_group_rule` with `type = "ingress"`: `cidr_blocks`, `ipv6_cidr_blocks`;
//! * `aws_vpc_security_group_ingress_rule`: `cidr_ipv4`, `cidr_ipv6`.
//!
//! The finding is at the offending CIDR entry. Ports listed in the `allowed-ports` setting (for
//! example a public load balancer's 443) may be open when the rule covers exactly that one
//! port (`from_port = to_port`).
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
use stiglint_sdk::prelude::*;
use stiglint_sdk::terraform::{Block, Known, is_anywhere};
use stiglint_sdk::{NoteKind, ScanContext};

use super::not_evaluated;
use crate::settings;

const ALLOWED_PORTS: &str = "allowed-ports";

/// See the module documentation.
#[derive(Default)]
pub struct Rule {
    allowed_ports: Vec<u16>,
}

impl Rule {
    /// Whether the rule (an object with `from_port` / `to_port`) covers one allowed port only.
    /// `Err` when the ports are needed but unknown.
    fn allowed<'a>(&self, rule: &'a Value) -> Result<bool, &'a str> {
        if self.allowed_ports.is_empty() {
            return Ok(false);
        }
        let port = |key: &str| match rule.get(key).map(Known::of) {
            Some(Known::Unknown(reason)) => Err(reason),
            Some(k) => Ok(k.as_f64()),
            None => Ok(None),
        };
        let (from, to) = (port("from_port")?, port("to_port")?);
        Ok(match (from, to) {
            (Some(f), Some(t)) if (f - t).abs() < f64::EPSILON => self
                .allowed_ports
                .iter()
                .any(|p| (f64::from(*p) - f).abs() < f64::EPSILON),
            _ => false,
        })
    }

    /// Judge the CIDR attributes `keys` of one rule object at `base`.
    fn judge(&self, out: &mut Out, address: &str, base: &str, rule: &Value, keys: &[&str]) {
        let mut open = Vec::new();
        for key in keys {
            let at = format!("{base}/{key}");
            match rule.get(*key).map(Known::of) {
                Some(Known::Unknown(reason)) => not_evaluated(out, &at, address, reason),
                Some(Known::Value(Value::String(s))) if is_anywhere(s) => {
                    open.push((at, s.clone()));
                }
                Some(Known::Value(Value::Array(items))) => {
                    for (i, item) in items.iter().enumerate() {
                        let at = format!("{at}/{i}");
                        match Known::of(item) {
                            Known::Unknown(reason) => not_evaluated(out, &at, address, reason),
                            Known::Value(Value::String(s)) if is_anywhere(s) => {
                                open.push((at, s.clone()));
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        if open.is_empty() {
            return;
        }
        match self.allowed(rule) {
            Ok(true) => {}
            Err(reason) => {
                let at = if base.is_empty() {
                    "/from_port".to_owned()
                } else {
                    format!("{base}/from_port")
                };
                out.note(
                    NoteKind::NotEvaluated,
                    at,
                    format!("{address}: the ports of an ingress rule open to the internet are not known statically ({reason})"),
                );
            }
            Ok(false) => {
                let ports = match (rule.get("from_port"), rule.get("to_port")) {
                    (Some(f), Some(t)) if f == t => format!("port {f}"),
                    (Some(f), Some(t)) => format!("ports {f}-{t}"),
                    _ => "all ports".to_owned(),
                };
                for (at, cidr) in open {
                    out.finding(
                        &at,
                        format!(
                            "{address} must not admit ingress from the internet ({cidr}, {ports})"
                        ),
                    );
                }
            }
        }
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
            "Replace 0.0.0.0/0 and ::/0 in ingress rules with the CIDRs, prefix lists or \
             security groups that need access.",
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
        if block.is_resource("aws_security_group") {
            let rules = match block.blocks("ingress") {
                Ok(r) => r,
                Err(reason) => return not_evaluated(out, "/ingress", address, reason),
            };
            for (at, rule) in rules {
                if let Some(reason) = stiglint_sdk::terraform::is_unknown(rule) {
                    not_evaluated(out, &at, address, reason);
                    continue;
                }
                self.judge(
                    out,
                    address,
                    &at,
                    rule,
                    &["cidr_blocks", "ipv6_cidr_blocks"],
                );
            }
        } else if block.is_resource("aws_security_group_rule") {
            match block.get("type") {
                Known::Value(Value::String(t)) if t == "ingress" => {
                    self.judge(
                        out,
                        address,
                        "",
                        block.json,
                        &["cidr_blocks", "ipv6_cidr_blocks"],
                    );
                }
                Known::Unknown(reason) => not_evaluated(out, "/type", address, reason),
                _ => {}
            }
        } else if block.is_resource("aws_vpc_security_group_ingress_rule") {
            self.judge(out, address, "", block.json, &["cidr_ipv4", "cidr_ipv6"]);
        }
    }
}
