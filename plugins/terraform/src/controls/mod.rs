//! One control per file; `all()` lists them with their documentation.

pub mod audit_log_offload;
pub mod audit_log_types;
pub mod kms_key_rotation;
pub mod kubernetes_version;
pub mod launch_template_imds;
pub mod launch_template_public_ip;
pub mod node_group_ssh;
pub mod public_endpoint;
pub mod security_group_open_ingress;
pub mod vpc_cni_network_policy;

stiglint_sdk::controls![
    public_endpoint,
    audit_log_types,
    audit_log_offload,
    kubernetes_version,
    launch_template_imds,
    node_group_ssh,
    security_group_open_ingress,
    kms_key_rotation,
    vpc_cni_network_policy,
    launch_template_public_ip,
];

use stiglint_sdk::terraform::{Block, BlockKind, Known};
use stiglint_sdk::{Document, NoteKind, Out};

/// List a module call that is neither followed nor understood as *not analysed* (a
/// `NotEvaluated` note at its `source`; see KUBER-L2-000120's documentation).
pub(crate) fn account_module(doc: &Document, out: &mut Out) {
    let Some(block) = Block::of(doc) else {
        return;
    };
    if block.kind != BlockKind::Module {
        return;
    }
    let address = block.address;
    match block.get("source") {
        Known::Value(stiglint_sdk::Value::String(source))
            if !crate::modules::understood(source) =>
        {
            out.note(
                NoteKind::NotEvaluated,
                "/source",
                format!(
                    "{address}: not analysed: module source `{source}` is neither followed (a local path) nor one stiglint understands (terraform-aws-modules/eks/aws and its node-group and Fargate submodules, terraform-aws-modules/security-group/aws); the resources it creates are not checked — scan the plan (terraform show -json) to check them"
                ),
            );
        }
        Known::Unknown(reason) => not_evaluated(out, "/source", address, reason),
        _ => {}
    }
}

/// The attribute a pointer names (its last token): `endpoint_public_access`.
pub(crate) fn attribute(pointer: &str) -> &str {
    pointer
        .rsplit('/')
        .find(|t| !t.is_empty() && t.parse::<usize>().is_err())
        .unwrap_or(pointer)
}

/// The note for a value the control needs but the host could not know.
pub(crate) fn not_evaluated(out: &mut Out, pointer: &str, address: &str, reason: &str) {
    out.note(
        NoteKind::NotEvaluated,
        pointer,
        format!(
            "{address}: `{}` is not known statically ({reason})",
            attribute(pointer)
        ),
    );
}
