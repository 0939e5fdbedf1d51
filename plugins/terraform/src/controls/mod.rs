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

use stiglint_sdk::NoteKind;
use stiglint_sdk::Out;

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
