//! # stiglint built-in workload controls
//!
//! The DISA Kubernetes STIG and seed controls that a Kubernetes workload manifest decides:
//! images, users, host namespaces, privilege, resources, network isolation, namespaces, host
//! ports, secrets, the dashboard and image versions. Each control is one file under
//! `src/controls/`, its `//!` comment is its documentation, its fixtures are under
//! `fixtures/<ID>/`. `src/netpol.rs` reads Kubernetes, Calico and Cilium network policies for
//! the default-deny control.

pub mod controls;
pub mod netpol;
pub mod pss;

stiglint_sdk::control_plugin!(
    name: "workload",
    description: "DISA Kubernetes STIG controls for workload manifests",
    controls: controls::all,
);
