//! kube-apiserver flags.

use stiglint_sdk::controlplane::{Component, Flag, StaticPod, WhenAbsent, check_flag};
use stiglint_sdk::{Document, NoteKind, Out, ScanContext};

pub mod anonymous_auth;
pub mod audit_log_maxage;
pub mod audit_log_maxbackup;
pub mod audit_log_maxsize;
pub mod audit_log_path;
pub mod audit_log_path_valid;
pub mod audit_policy_file;
pub mod authorization_mode;
pub mod basic_auth_file;
pub mod client_ca_file;
pub mod etcd_cafile;
pub mod etcd_certfile;
pub mod etcd_keyfile;
pub mod insecure_bind_address;
pub mod insecure_port;
pub mod kubelet_client_certificate;
pub mod request_timeout;
pub mod secure_port;
pub mod tls_cert_file;
pub mod tls_cipher_suites;
pub mod tls_min_version;
pub mod token_auth_file;
pub mod validating_admission_webhook;

stiglint_sdk::controls![
    tls_min_version,
    authorization_mode,
    insecure_port,
    insecure_bind_address,
    secure_port,
    anonymous_auth,
    audit_log_path,
    tls_cipher_suites,
    client_ca_file,
    tls_cert_file,
    etcd_cafile,
    etcd_certfile,
    etcd_keyfile,
    validating_admission_webhook,
    request_timeout,
    basic_auth_file,
    token_auth_file,
    kubelet_client_certificate,
    audit_policy_file,
    audit_log_maxsize,
    audit_log_maxbackup,
    audit_log_maxage,
    audit_log_path_valid,
];

/// The kube-apiserver static pod of a document, if the document is one.
fn apiserver(doc: &Document) -> Option<StaticPod<'_>> {
    StaticPod::of(doc).filter(|p| p.component == Component::ApiServer)
}

/// Whether a flag has a non-blank value (a bare `--flag` has none).
fn has_value(flag: &Flag) -> bool {
    flag.value.as_deref().is_some_and(|v| !v.trim().is_empty())
}

/// The kube-apiserver flag `name` must name a file: absent, empty or bare is a finding.
fn require_file(doc: &Document, out: &mut Out, name: &str) {
    check_flag(
        doc,
        out,
        Component::ApiServer,
        name,
        WhenAbsent::Finding,
        has_value,
        "to a file path",
    );
}

/// The kube-apiserver flag `name` must be set (absent is a finding) to an integer of at least
/// `min`.
fn require_at_least(doc: &Document, out: &mut Out, name: &str, min: i64) {
    check_flag(
        doc,
        out,
        Component::ApiServer,
        name,
        WhenAbsent::Finding,
        |f| f.text().trim().parse::<i64>().is_ok_and(|n| n >= min),
        &format!("to at least {min}"),
    );
}

/// The kube-apiserver flag `name` must not be set at all: any value is a finding at its item.
fn forbid_flag(doc: &Document, out: &mut Out, name: &str) {
    let Some(pod) = apiserver(doc) else { return };
    if let Some(flag) = pod.flag(name) {
        out.finding(
            &flag.pointer,
            format!(
                "{} must not set --{name} (it is '{}')",
                pod.describe(),
                flag.text()
            ),
        );
    }
}

/// For a flag removed in Kubernetes 1.24: when the pod runs 1.24 or later (its image tag, else
/// `--k8s-version`), record a not-applicable note and answer `true` (the caller reports
/// nothing else).
fn removed_in_1_24(pod: &StaticPod<'_>, scan: &ScanContext, out: &mut Out, name: &str) -> bool {
    match pod.version_or(scan) {
        Some((major, minor)) if (major, minor) >= (1, 24) => {
            out.note(
                NoteKind::NotApplicable,
                pod.missing_pointer(),
                format!(
                    "--{name} was removed in Kubernetes 1.24; {} runs {major}.{minor}",
                    pod.describe()
                ),
            );
            true
        }
        _ => false,
    }
}
