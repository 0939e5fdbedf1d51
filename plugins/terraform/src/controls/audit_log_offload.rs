//! # KUBER-L2-000190: EKS audit logs not sent to a central store, or kept badly
//!
//! **What it checks.** Across the whole scan, for every EKS cluster (`resource
//! "aws_eks_cluster"` or a call of `terraform-aws-modules/eks/aws`) and the `CloudWatch` log group
//! its control-plane logs go to, `/aws/eks/<cluster name>/cluster`:
//!
//! * **Sent on.** Some `aws_cloudwatch_log_subscription_filter` in the scan must have that log
//!   group as its `log_group_name` (matched by literal name), so the audit log reaches the
//!   organisation's central log store (a SIEM through Kinesis, Firehose or Lambda). The finding
//!   is at the cluster's name. A filter whose `log_group_name` the scan cannot know makes the
//!   cluster *not evaluated* (a note), not a finding. Setting `central-cloudwatch = true`
//!   declares `CloudWatch` itself the central store: then this part is skipped.
//! * **Kept well.** Every `aws_cloudwatch_log_group` named `/aws/eks/<name>/cluster` (whether or
//!   not the cluster is in the scan), and the log group the module creates itself (unless
//!   `create_cloudwatch_log_group = false`), must be encrypted with a KMS key (`kms_key_id`;
//!   the module's `cloudwatch_log_group_kms_key_id`) and keep events at least
//!   `min-retention-days` days (`retention_in_days`; the module's
//!   `cloudwatch_log_group_retention_in_days`; `0` means never expire, which passes).
//!
//! **Absent attributes.** On `aws_cloudwatch_log_group`, an absent `retention_in_days` is `0`
//! (never expire: passes) and an absent `kms_key_id` is no customer key (a finding at the log
//! group). On the module, the defaults apply: retention 90 days (a finding with the default
//! `min-retention-days`, at the module block) and no KMS key (a finding at the module block). A
//! module cluster without a name (v21 `name`, v20 `cluster_name`) or with an unknown one, and
//! any unknown retention or key, give a *not evaluated* note — except a key written as a
//! reference to a managed resource's attribute (`kms_key_id = aws_kms_key.logs.arn`): Terraform
//! knows its value only after apply, but it is set, and this check asks only whether a key is
//! set, so it passes (the fix below is compliant under `--strict`). A raw `aws_eks_cluster` whose log
//! group is not declared in the scan is one EKS creates itself (never expiring, without a
//! customer key): a *partial* note on the cluster, since the log group is outside the scan.
//!
//! **Settings.**
//! ```toml
//! [controls."KUBER-L2-000190"]
//! central-cloudwatch = false   # true: `CloudWatch` is the central store, no filter needed
//! min-retention-days = 365     # 0 turns the retention check off
//! ```
//!
//! **Why.** Audit records kept only beside the system they describe can be lost or altered by
//! whoever compromises it; they must be off-loaded to a separate, protected store (NIST SP
//! 800-53 AU-4 (1), AU-9 (2)), kept long enough for investigations (AU-11) and protected from
//! disclosure (AU-9).
//!
//! **Example.**
//! ```hcl
//! resource "aws_eks_cluster" "this" {
//!   name = "prod"                 # finding: no subscription filter on /aws/eks/prod/cluster
//! }
//! resource "aws_cloudwatch_log_group" "eks" {
//!   name              = "/aws/eks/prod/cluster"   # finding: no kms_key_id
//!   retention_in_days = 30                        # finding: under 365 days
//! }
//! ```
//!
//! **Fix.**
//! ```hcl
//! resource "aws_cloudwatch_log_group" "eks" {
//!   name              = "/aws/eks/prod/cluster"
//!   retention_in_days = 365
//!   kms_key_id        = aws_kms_key.logs.arn
//! }
//! resource "aws_cloudwatch_log_subscription_filter" "eks_to_siem" {
//!   name            = "eks-audit"
//!   log_group_name  = aws_cloudwatch_log_group.eks.name
//!   filter_pattern  = ""
//!   destination_arn = aws_kinesis_firehose_delivery_stream.siem.arn
//! }
//! ```
//!
//! **References.** Seed control KUBER-L2-000190; it stands in for DISA Kubernetes STIG
//! CNTR-K8-003310 (V-242464, audit log retention); NIST SP 800-53 AU-4 (1), AU-9, AU-11.
use std::collections::BTreeSet;

use stiglint_sdk::terraform::{Block, EksCluster, Known, Setting, eks_log_group_name};
use stiglint_sdk::{NoteKind, ScanContext, prelude::*};

use super::{attribute, not_evaluated};
use crate::settings;

const CENTRAL: &str = "central-cloudwatch";
const MIN_RETENTION: &str = "min-retention-days";

/// See the module documentation.
pub struct Rule {
    central_cloudwatch: bool,
    min_retention_days: u64,
}

impl Default for Rule {
    fn default() -> Self {
        Self {
            central_cloudwatch: false,
            min_retention_days: 365,
        }
    }
}

/// Whether `name` is an EKS cluster's log group.
fn is_eks_log_group(name: &str) -> bool {
    name.strip_prefix("/aws/eks/")
        .and_then(|rest| rest.strip_suffix("/cluster"))
        .is_some_and(|cluster| !cluster.is_empty() && !cluster.contains('/'))
}

impl Rule {
    /// Judge a log group's retention and key (the resource's or the module's).
    fn judge_group(
        &self,
        out: &mut Out,
        owner: &str,
        group: &str,
        retention: &Setting<'_>,
        kms: &Setting<'_>,
    ) {
        match kms.value {
            // A reference to a managed resource's attribute (`aws_kms_key.logs.arn`) is set:
            // the presence check passes though the value is known only after apply.
            Known::Unknown(_) if kms.set => {}
            Known::Unknown(reason) => not_evaluated(out, &kms.pointer, owner, reason),
            v if v.is_unset() => {
                out.finding(
                    &kms.pointer,
                    format!(
                        "{owner}: log group {group} must be encrypted with a KMS key ({} is not set)",
                        attribute(&kms.pointer)
                    ),
                );
            }
            _ => {}
        }
        if self.min_retention_days == 0 {
            return;
        }
        match retention.value {
            Known::Unknown(reason) => not_evaluated(out, &retention.pointer, owner, reason),
            v => {
                let days = v.as_f64().unwrap_or(0.0);
                #[allow(clippy::cast_precision_loss)]
                let min = self.min_retention_days as f64;
                if days > 0.0 && days < min {
                    let default = if retention.defaulted {
                        ", the module's default"
                    } else {
                        ""
                    };
                    out.finding(
                        &retention.pointer,
                        format!(
                            "{owner}: log group {group} must keep audit events at least {} days ({} = {days}{default})",
                            self.min_retention_days,
                            attribute(&retention.pointer)
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
            "KUBER-L2-000190",
            "EKS audit logs not sent to a central store, or kept badly",
            Severity::Medium,
        )
        .stands_for("CNTR-K8-003310")
        .nist(&["AU-4 (1)", "AU-9", "AU-11"])
        .formats(&[Format::Terraform])
        .scan_scope()
        .remediation(
            "Add an aws_cloudwatch_log_subscription_filter on /aws/eks/<cluster>/cluster to the \
             central log store, and give the log group a kms_key_id and a retention_in_days of \
             at least the required days.",
        )
    }

    fn configure(&mut self, settings: &Value, _scan: &ScanContext) -> Result<(), String> {
        *self = Self::default();
        for (key, value) in settings::table(settings, &[CENTRAL, MIN_RETENTION])? {
            match key {
                CENTRAL => self.central_cloudwatch = settings::boolean(key, value)?,
                _ => self.min_retention_days = settings::whole_number(key, value)?,
            }
        }
        Ok(())
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        if let Some(cluster) = EksCluster::of(doc) {
            let address = cluster.address();
            let name = cluster.name();
            let known_name = match name.value {
                Known::Value(Value::String(s)) if !s.is_empty() => Some(s.as_str()),
                Known::Unknown(reason) => {
                    not_evaluated(out, &name.pointer, address, reason);
                    None
                }
                _ => {
                    out.note(
                        NoteKind::NotEvaluated,
                        &name.pointer,
                        format!(
                            "{address}: the cluster has no name, so its log group is not known"
                        ),
                    );
                    None
                }
            };
            let Some(cluster_name) = known_name else {
                return;
            };
            let group = eks_log_group_name(cluster_name);
            let mut module_group = false;
            if let Some(lg) = cluster.module_log_group() {
                module_group = lg.create.value.as_bool() == Some(true);
                if let Known::Unknown(reason) = lg.create.value {
                    not_evaluated(out, &lg.create.pointer, address, reason);
                } else {
                    self.judge_group(out, address, &group, &lg.retention_in_days, &lg.kms_key_id);
                }
            }
            out.fact_at(
                &[&name.pointer],
                json!({"t": "cluster", "address": address, "group": group,
                       "pointer": name.pointer, "declares_group": module_group}),
            );
            return;
        }
        let Some(block) = Block::of(doc) else {
            return;
        };
        if block.is_resource("aws_cloudwatch_log_group") {
            let Some(name) = block.get("name").as_str() else {
                return;
            };
            if !is_eks_log_group(name) {
                return;
            }
            let setting = |path: &str| {
                let value = block.get(path);
                Setting {
                    value,
                    pointer: format!("/{path}"),
                    defaulted: value == Known::Absent,
                    set: stiglint_sdk::terraform::walk_is_set(block.json, path),
                }
            };
            self.judge_group(
                out,
                block.address,
                name,
                &setting("retention_in_days"),
                &setting("kms_key_id"),
            );
            out.fact(json!({"t": "group", "group": name}));
        } else if block.is_resource("aws_cloudwatch_log_subscription_filter") {
            let fact = match block.get("log_group_name") {
                Known::Value(Value::String(s)) => json!({"t": "filter", "group": s}),
                Known::Unknown(reason) => {
                    json!({"t": "filter", "unknown": reason, "address": block.address})
                }
                _ => return,
            };
            out.fact(fact);
        }
    }

    fn finish(&self, facts: &[Fact], out: &mut Out) {
        let text = |f: &Fact, key: &str| f.data[key].as_str().unwrap_or_default().to_owned();
        let of = |t: &'static str| facts.iter().filter(move |f| f.data["t"] == t);
        let filtered: BTreeSet<String> = of("filter").map(|f| text(f, "group")).collect();
        let unknown_filter = of("filter").find(|f| f.data["unknown"].is_string());
        let declared: BTreeSet<String> = of("group").map(|f| text(f, "group")).collect();
        for c in of("cluster") {
            let (address, group, pointer) =
                (text(c, "address"), text(c, "group"), text(c, "pointer"));
            if c.data["declares_group"] != true && !declared.contains(&group) {
                out.note_in(
                    c.document,
                    NoteKind::Partial,
                    &pointer,
                    format!(
                        "{address}: log group {group} is not declared in the scan (EKS creates it without a KMS key and without expiry); its retention and key were not checked"
                    ),
                );
            }
            if self.central_cloudwatch || filtered.contains(&group) {
                continue;
            }
            if let Some(f) = unknown_filter {
                out.note_in(
                    c.document,
                    NoteKind::NotEvaluated,
                    &pointer,
                    format!(
                        "{address}: whether its audit logs are sent on is not known: the log_group_name of {} is not known statically ({})",
                        text(f, "address"),
                        text(f, "unknown")
                    ),
                );
                continue;
            }
            out.finding_in(
                c.document,
                &pointer,
                format!(
                    "{address} must send its audit logs to a central log store: no aws_cloudwatch_log_subscription_filter reads log group {group} (set {CENTRAL} = true if CloudWatch is the central store)"
                ),
            );
        }
    }
}
