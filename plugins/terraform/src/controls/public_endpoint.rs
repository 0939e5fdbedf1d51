//! # KUBER-L2-000120: EKS API endpoint reachable from the internet
//!
//! **What it checks.** Every EKS cluster, written as `resource "aws_eks_cluster"` or as a call
//! of the registry module `terraform-aws-modules/eks/aws`: its public API endpoint must not be
//! open to the whole internet, that is not both
//!
//! * the public endpoint on: `vpc_config { endpoint_public_access }` on the resource,
//!   `endpoint_public_access` (module v21) or `cluster_endpoint_public_access` (module v20 and
//!   older), and
//! * the CIDRs allowed to reach it absent or, together, *anywhere*:
//!   `vpc_config { public_access_cidrs }`, `endpoint_public_access_cidrs` (v21) or
//!   `cluster_endpoint_public_access_cidrs` (v20).
//!
//! **CIDRs are addresses, not strings.** Each entry is parsed as an address block, host bits
//! cleared as AWS does (`1.1.1.1/1` is `0.0.0.0/1`); `0.0.0.0/00`, `::0/0` and
//! `0000:…:0000/0` are all `0.0.0.0/0` or `::/0`. The list is *anywhere* when its union covers
//! at least half of the public IPv4 space (IPv4 without RFC 1918, `100.64.0.0/10`, loopback,
//! link-local and multicast) or at least half of IPv6 global unicast (`2000::/3`):
//! `["0.0.0.0/1", "128.0.0.0/1"]` is the whole internet. An entry that is not a CIDR block
//! (EKS would refuse it) gives a *not evaluated* note naming it. Other public CIDRs are
//! findings only when `allowed-public-cidrs` is set and they hold addresses outside it:
//! restricting the endpoint to the administrators' addresses is this control's documented fix.
//!
//! **Settings.**
//! ```toml
//! [controls."KUBER-L2-000120"]
//! allowed-public-cidrs = ["203.0.113.0/24"]   # default: not set (any non-"anywhere" list passes)
//! ```
//!
//! **Absent attributes.** An absent attribute takes its default: on the resource the EKS API's
//! (`endpoint_public_access = true`, `public_access_cidrs = ["0.0.0.0/0"]`), so a resource that
//! says nothing is a finding; on the module the module's (public access `false`, CIDRs
//! `["0.0.0.0/0"]`), so a module call that says nothing passes. A finding is at the public-access
//! setting when the CIDRs are defaulted, else at the CIDR entry that opens the most public
//! addresses (the first of equals); an absent setting is reported at its block. In a plan
//! (`terraform show -json`), CIDRs the provider computes because the configuration does not
//! write them are its default, `0.0.0.0/0`. The module major version comes from the `version`
//! constraint (or the `ref=` of a git source); no version means the newest (v21 names). A value
//! the scan cannot know (a variable without a value, a data source) gives a *not evaluated*
//! note, never a finding or a pass.
//!
//! **Module calls not analysed.** A module call stiglint neither follows (a local path) nor
//! understands (`terraform-aws-modules/eks/aws` and its node-group and Fargate submodules,
//! `terraform-aws-modules/security-group/aws`) may create an EKS cluster, a security group or
//! anything else unseen: this control lists each such call with its source as a *not
//! evaluated* note at its `source`, so `--strict` fails on it. For registry modules, scan
//! the plan (`terraform show -json`) instead: it has every resource the modules make.
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
use stiglint_sdk::cidr::{self, Cidr};
use stiglint_sdk::prelude::*;
use stiglint_sdk::terraform::{EksCluster, Known, Setting};
use stiglint_sdk::{NoteKind, ScanContext};

use super::{attribute, not_evaluated};
use crate::settings;

const ALLOWED: &str = "allowed-public-cidrs";

/// See the module documentation.
#[derive(Default)]
pub struct Rule {
    /// `allowed-public-cidrs`, when set.
    allowed: Option<Vec<Cidr>>,
}

/// The CIDR entries of a known list: (pointer, parsed block or why not).
type Entries = Vec<(String, Result<Cidr, String>)>;

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

    fn configure(&mut self, settings: &Value, _scan: &ScanContext) -> Result<(), String> {
        self.allowed = None;
        for (key, value) in settings::table(settings, &[ALLOWED])? {
            let texts = settings::string_list(key, value)?;
            let parsed = texts
                .iter()
                .map(|t| Cidr::parse(t).map_err(|e| format!("`{key}`: {e}")))
                .collect::<Result<Vec<_>, _>>()?;
            self.allowed = Some(parsed);
        }
        Ok(())
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        super::account_module(doc, out);
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
        let (entries, unknown) = collect(&cidrs, &public.pointer);
        let parsed: Vec<(&str, Cidr)> = entries
            .iter()
            .filter_map(|(at, c)| c.as_ref().ok().map(|c| (at.as_str(), *c)))
            .collect();
        let blocks: Vec<Cidr> = parsed.iter().map(|(_, c)| *c).collect();
        if cidr::covers_anywhere(&blocks) {
            // The finding is at the entry that opens the most.
            let Some((at, widest)) = parsed
                .iter()
                .max_by(|a, b| a.1.public_size().cmp(&b.1.public_size()).then(b.0.cmp(a.0)))
            else {
                return;
            };
            let shown = if cidrs.defaulted || parsed.len() == 1 {
                format!("include {widest}")
            } else {
                let all: Vec<String> = blocks.iter().map(ToString::to_string).collect();
                format!("cover the internet together ({})", all.join(", "))
            };
            let by_default = |defaulted: bool| if defaulted { " by default" } else { "" };
            let msg = format!(
                "{address} must not expose its API endpoint to the internet ({} = true{}, {} {shown}{}); set {} = true and turn the public endpoint off",
                attribute(&public.pointer),
                by_default(public.defaulted),
                attribute(&cidrs.pointer),
                by_default(cidrs.defaulted),
                attribute(&cluster.endpoint_private_access().pointer),
            );
            let mut finding = out.finding(*at, msg);
            if !public.defaulted {
                finding.fix(Fix::set(
                    format!("Set {} = false", attribute(&public.pointer)),
                    public.pointer.clone(),
                    json!(false),
                ));
            }
            return;
        }
        for (at, entry) in &entries {
            if let Err(why) = entry {
                out.note(
                    NoteKind::NotEvaluated,
                    at.clone(),
                    format!(
                        "{address}: an entry of `{}` is not a valid CIDR block: {why}",
                        attribute(&cidrs.pointer)
                    ),
                );
            }
        }
        if let Some((at, reason)) = unknown {
            return not_evaluated(out, &at, address, &reason);
        }
        if let Some(allowed) = &self.allowed {
            for (at, c) in &parsed {
                if cidr::outside(c, allowed) {
                    out.finding(
                        *at,
                        format!(
                            "{address} must admit only the administrators' networks to its public API endpoint: {c} is not within allowed-public-cidrs"
                        ),
                    );
                }
            }
        }
    }
}

/// The CIDR entries of the public access CIDRs (each where it is reported: the entry, or the
/// public-access setting when the CIDRs are defaulted), and the first unknown (pointer,
/// reason).
fn collect(cidrs: &Setting<'_>, public_pointer: &str) -> (Entries, Option<(String, String)>) {
    let mut entries: Entries = Vec::new();
    let mut unknown = None;
    match cidrs.value {
        Known::Unknown(reason) => unknown = Some((cidrs.pointer.clone(), reason.to_owned())),
        Known::Value(Value::Array(items)) if !items.is_empty() => {
            for (i, item) in items.iter().enumerate() {
                let at = if cidrs.defaulted {
                    public_pointer.to_owned()
                } else {
                    format!("{}/{i}", cidrs.pointer)
                };
                match Known::of(item) {
                    Known::Value(Value::String(s)) => entries.push((at, Cidr::parse(s))),
                    Known::Unknown(reason) => {
                        unknown.get_or_insert((at, reason.to_owned()));
                    }
                    other => entries.push((
                        at,
                        Err(format!(
                            "`{}` is not a CIDR block",
                            other.value().map_or_else(String::new, ToString::to_string)
                        )),
                    )),
                }
            }
        }
        // null or [] mean the API default: everywhere.
        _ => entries.push((public_pointer.to_owned(), Cidr::parse("0.0.0.0/0"))),
    }
    (entries, unknown)
}
