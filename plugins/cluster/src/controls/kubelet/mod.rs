//! Kubelet settings: `KubeletConfiguration`, EKS `NodeConfig` and the flags of systemd
//! drop-ins and `kubeadm-flags.env`.

pub mod anonymous_auth;
pub mod authorization_mode;
pub mod client_ca_file;
pub mod hostname_override;
pub mod protect_kernel_defaults;
pub mod read_only_port;
pub mod static_pod_path;
pub mod streaming_idle_timeout;
pub mod tls_cert_file;
pub mod tls_private_key_file;

stiglint_sdk::controls![
    read_only_port,
    anonymous_auth,
    authorization_mode,
    static_pod_path,
    hostname_override,
    streaming_idle_timeout,
    client_ca_file,
    tls_private_key_file,
    tls_cert_file,
    protect_kernel_defaults,
];
