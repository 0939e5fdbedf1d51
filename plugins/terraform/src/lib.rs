//! # stiglint built-in Terraform (AWS EKS) controls
//!
//! The DISA Kubernetes STIG and seed controls that the Terraform defining an EKS cluster
//! decides: the API endpoint's exposure, audit logging and where it goes, secrets encryption,
//! the Kubernetes version, and the nodes around the cluster (instance metadata, SSH, security
//! groups, KMS keys, the VPC CNI's network policy support). Each control is one file under
//! `src/controls/`, its `//!` comment is its documentation, its fixtures are under
//! `fixtures/<ID>/`.
//!
//! The host evaluates the Terraform (variables, locals, module inputs, functions) and hands
//! each `resource`, `data` and `module` block over as a document whose JSON is the block's
//! evaluated arguments; values it cannot know cross as `{"$unknown": "<reason>"}`.

pub mod controls;
pub mod modules;
mod settings;

stiglint_sdk::control_plugin!(
    name: "terraform",
    description: "DISA Kubernetes STIG controls for Terraform that defines AWS EKS",
    controls: controls::all,
);
