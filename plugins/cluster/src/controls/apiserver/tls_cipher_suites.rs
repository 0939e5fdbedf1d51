//! # CNTR-K8-001400: API server uses approved cipher suites
//!
//! **What it checks.** The kube-apiserver static pod must run with `--tls-cipher-suites` containing
//! all four suites the STIG names: `TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256`,
//! `TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`, `TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384` and
//! `TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384` (in any order; the check asks that the list contain
//! them, so further suites are not reported). The STIG check text makes a flag that is not set a
//! finding, so an absent flag is reported at the container's `command`; an empty list or one
//! lacking a required suite is reported at the flag, naming the missing suites.
//!
//! **Why.** Without the flag the API server negotiates Go's default suites; pinning the list to
//! AEAD suites with forward secrecy keeps weaker ciphers out of the handshake.
//!
//! **Example.**
//! ```yaml
//! command:
//!   - kube-apiserver
//!   - --tls-cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256   # finding: three suites missing
//! ```
//!
//! **Fix.** Set
//! `--tls-cipher-suites=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384`
//! in `/etc/kubernetes/manifests/kube-apiserver.yaml`.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-001400 (V-242418): the check greps the manifests
//! for `tls-cipher-suites`; not set, no value, or a value that does not contain the four suites
//! above is a finding.
use stiglint_sdk::prelude::*;

/// The suites the STIG requires, in its order.
const REQUIRED: [&str; 4] = [
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
];

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-001400").kinds(&["Pod"]).remediation(
            "Set `--tls-cipher-suites=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384` on kube-apiserver.",
        )
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        let Some(pod) = super::apiserver(doc) else {
            return;
        };
        let Some(flag) = pod.flag("tls-cipher-suites") else {
            out.finding(
                pod.missing_pointer(),
                format!(
                    "{} must set --tls-cipher-suites to include {} (it is not set)",
                    pod.describe(),
                    REQUIRED.join(",")
                ),
            );
            return;
        };
        let have = if super::has_value(flag) {
            flag.list()
        } else {
            Vec::new()
        };
        let missing: Vec<&str> = REQUIRED.into_iter().filter(|s| !have.contains(s)).collect();
        if !missing.is_empty() {
            out.finding(
                &flag.pointer,
                format!(
                    "{} must set --tls-cipher-suites to include {} (it is '{}')",
                    pod.describe(),
                    missing.join(","),
                    flag.text()
                ),
            );
        }
    }
}
