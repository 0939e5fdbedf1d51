//! # stiglint built-in image controls
//!
//! What the DoD Container Hardening Process Guide asks of a container image, judged where the
//! image is defined: its Dockerfile (`STIGLINT-DF-…`). Each control is one file under
//! `src/controls/`, its `//!` comment is its documentation, its fixtures are under
//! `fixtures/<ID>/`. `src/dockerfile.rs` reads the host's `Dockerfile` document (stages, their
//! bases and instructions, already parsed, continued and substituted by the host).

pub mod controls;
pub mod dockerfile;

stiglint_sdk::control_plugin!(
    name: "image",
    description: "Container image hardening controls for Dockerfiles",
    controls: controls::all,
);
