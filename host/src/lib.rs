//! # stiglint
//!
//! Checks Kubernetes manifests (and, through plugins, Terraform and cluster configuration)
//! against DISA STIG controls before they reach a cluster. The host owns the bytes: it finds
//! and parses inputs, keeps exact positions, runs every control in a sandboxed WebAssembly
//! component, and turns the JSON pointers plugins answer with back into source ranges for
//! every report.

pub mod config;
pub mod dates;
pub mod fix;
pub mod gatekeeper;
pub mod input;
pub mod problem;
pub mod report;
pub mod runtime;
pub mod scan;
pub mod serve;
pub mod session;
pub mod source;
pub mod stig;
pub mod trust;
pub mod waivers;

/// Plugins compiled from `plugins/*` by the build and embedded in the binary.
pub mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_plugins.rs"));
}
