//! # stiglint built-in cluster configuration controls
//!
//! The DISA Kubernetes STIG rules a cluster's configuration files decide: the flags of the
//! control-plane static pods (kube-apiserver, kube-controller-manager, kube-scheduler, etcd).
//! Each control is one file under `src/controls/`, its `//!` comment is its documentation, its
//! fixtures are under `fixtures/<ID>/`.

pub mod controls;

stiglint_sdk::control_plugin!(
    name: "cluster",
    description: "DISA Kubernetes STIG controls for control-plane and node configuration",
    controls: controls::all,
);
