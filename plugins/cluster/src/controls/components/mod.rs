//! kube-controller-manager, kube-scheduler and etcd flags, and feature gates.

pub mod all_alpha_gate;
pub mod controller_manager_bind_address;
pub mod controller_manager_profiling;
pub mod controller_manager_root_ca_file;
pub mod controller_manager_service_account_credentials;
pub mod controller_manager_tls_min_version;
pub mod dynamic_auditing_gate;
pub mod dynamic_kubelet_config_gate;
pub mod etcd_auto_tls;
pub mod etcd_cert_file;
pub mod etcd_client_cert_auth;
pub mod etcd_key_file;
pub mod etcd_peer_auto_tls;
pub mod etcd_peer_cert_file;
pub mod etcd_peer_client_cert_auth;
pub mod etcd_peer_key_file;
mod feature_gates;
pub mod pod_security_gate;
pub mod scheduler_bind_address;
pub mod scheduler_tls_min_version;

stiglint_sdk::controls![
    scheduler_bind_address,
    controller_manager_tls_min_version,
    scheduler_tls_min_version,
    etcd_auto_tls,
    etcd_peer_auto_tls,
    controller_manager_service_account_credentials,
    controller_manager_bind_address,
    dynamic_auditing_gate,
    dynamic_kubelet_config_gate,
    all_alpha_gate,
    controller_manager_profiling,
    controller_manager_root_ca_file,
    etcd_client_cert_auth,
    etcd_peer_client_cert_auth,
    etcd_key_file,
    etcd_cert_file,
    etcd_peer_cert_file,
    etcd_peer_key_file,
    pod_security_gate,
];
