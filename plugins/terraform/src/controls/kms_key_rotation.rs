//! # STIGLINT-EKS-0004: KMS key without automatic rotation
//!
//! **What it checks.** Every `aws_kms_key` (the keys that encrypt EKS secrets, EBS volumes and
//! log groups) must set `enable_key_rotation = true`. Keys that AWS cannot rotate are *not
//! applicable* (a note): asymmetric and HMAC keys — `key_usage` `SIGN_VERIFY`,
//! `GENERATE_VERIFY_MAC` or `KEY_AGREEMENT`, or `customer_master_key_spec` other than
//! `SYMMETRIC_DEFAULT` (the AWS KMS Developer Guide, *Rotating AWS KMS keys*: "Automatic key
//! rotation is supported only on symmetric encryption KMS keys"; the provider's
//! `enable_key_rotation` "can be enabled only for symmetric encryption keys") — and keys with
//! imported or external key material (`custom_key_store_id` set).
//!
//! **Absent attributes.** An absent `enable_key_rotation` is `false` (the provider's and the KMS
//! API's default): a finding at the resource. An absent `customer_master_key_spec` is
//! `SYMMETRIC_DEFAULT`, an absent `key_usage` `ENCRYPT_DECRYPT`. A value the scan cannot know gives a *not evaluated* note.
//!
//! **Why.** A key that never rotates protects ever more data with the same material, so one
//! leak exposes all of it; rotation bounds the cryptoperiod (NIST SP 800-53 SC-12, SP 800-57).
//!
//! **Example.**
//! ```hcl
//! resource "aws_kms_key" "eks" {
//!   description = "EKS secrets"   # finding: enable_key_rotation not set
//! }
//! ```
//!
//! **Fix.**
//! ```hcl
//! resource "aws_kms_key" "eks" {
//!   description         = "EKS secrets"
//!   enable_key_rotation = true
//! }
//! ```
//!
//! **References.** stiglint's own control; NIST SP 800-53 SC-12, SC-28.
use stiglint_sdk::NoteKind;
use stiglint_sdk::prelude::*;
use stiglint_sdk::terraform::{Block, Known};

use super::not_evaluated;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::seed(
            "STIGLINT-EKS-0004",
            "KMS key without automatic rotation",
            Severity::Medium,
        )
        .nist(&["SC-12", "SC-28"])
        .formats(&[Format::Terraform])
        .remediation("Set enable_key_rotation = true on the aws_kms_key.")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        let Some(block) = Block::of(doc) else {
            return;
        };
        if !block.is_resource("aws_kms_key") {
            return;
        }
        let address = block.address;
        match block.get("key_usage") {
            Known::Unknown(reason) => {
                return not_evaluated(out, "/key_usage", address, reason);
            }
            Known::Value(Value::String(usage)) if usage != "ENCRYPT_DECRYPT" => {
                let what = match usage.as_str() {
                    "SIGN_VERIFY" => "asymmetric signing",
                    "GENERATE_VERIFY_MAC" => "HMAC",
                    "KEY_AGREEMENT" => "key agreement",
                    _ => "non-symmetric",
                };
                return out.note(
                    NoteKind::NotApplicable,
                    "/key_usage",
                    format!("{address}: {what} keys (key_usage = {usage}) cannot be rotated automatically"),
                );
            }
            _ => {}
        }
        match block.get("customer_master_key_spec") {
            Known::Unknown(reason) => {
                return not_evaluated(out, "/customer_master_key_spec", address, reason);
            }
            Known::Value(Value::String(spec)) if spec != "SYMMETRIC_DEFAULT" => {
                return out.note(
                    NoteKind::NotApplicable,
                    "/customer_master_key_spec",
                    format!("{address}: {spec} keys cannot be rotated automatically"),
                );
            }
            _ => {}
        }
        if !block.get("custom_key_store_id").is_unset() {
            return out.note(
                NoteKind::NotApplicable,
                "/custom_key_store_id",
                format!("{address}: keys in a custom key store cannot be rotated automatically"),
            );
        }
        let at = "/enable_key_rotation";
        match block.get("enable_key_rotation") {
            Known::Unknown(reason) => not_evaluated(out, at, address, reason),
            v if v.as_bool() == Some(true) => {}
            v => {
                let shown = if v.is_unset() {
                    "it is not set"
                } else {
                    "it is false"
                };
                out.finding(at, format!("{address} must rotate its key material: set enable_key_rotation = true ({shown})"))
                    .fix(Fix::set("Set enable_key_rotation = true", at, json!(true)));
            }
        }
    }
}
