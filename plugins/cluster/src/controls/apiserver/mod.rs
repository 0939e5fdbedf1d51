//! kube-apiserver flags.

pub mod tls_min_version;

stiglint_sdk::controls![tls_min_version];
