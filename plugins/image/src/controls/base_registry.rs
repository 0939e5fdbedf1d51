//! # STIGLINT-DF-0003: Base image from an unapproved registry
//!
//! **What it checks.** The base image of every stage (not `scratch`, not an earlier stage):
//! it must come from an approved registry — the same list the workloads' control uses,
//! `[controls."KUBER-L2-000010"] allowed-registries` (default: Iron Bank,
//! `registry1.dso.mil/ironbank/`), so one setting governs what runs and what images are built
//! on. `[controls."STIGLINT-DF-0003"] allowed-registries` overrides it for Dockerfiles alone.
//!
//! **Why.** The DoD Container Hardening Process Guide requires DoD containers to be built on
//! hardened, approved base images (Iron Bank); a base from an arbitrary registry carries
//! whatever its publisher put in it.
//!
//! **Example.**
//! ```dockerfile
//! # finding
//! FROM docker.io/library/python:3.12-slim
//! # passes
//! FROM registry1.dso.mil/ironbank/opensource/python/python312:3.12
//! ```
//!
//! **Fix.** Build on an image from an approved registry, or add the registry prefix to
//! `allowed-registries` once it is approved.
//!
//! **References.** DoD Container Hardening Process Guide (Iron Bank base images); NIST SP
//! 800-53 CM-7 (5), SA-12, SR-3.
use stiglint_sdk::k8s::Registries;
use stiglint_sdk::{ScanContext, prelude::*};

use crate::dockerfile::Dockerfile;

/// See the module documentation.
#[derive(Default)]
pub struct Rule {
    allowed: Registries,
}

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::seed(
            "STIGLINT-DF-0003",
            "Base image from an unapproved registry",
            Severity::Medium,
        )
        .nist(&["CM-7 (5)", "SA-12", "SR-3"])
        .formats(&[Format::Dockerfile])
        .remediation("Build on an image from an approved registry (`allowed-registries`).")
    }

    fn configure_with(
        &mut self,
        settings: &Value,
        all: &Value,
        _scan: &ScanContext,
    ) -> Result<(), String> {
        // The workloads' control owns the shared table: only its `allowed-registries` is read
        // here (its other settings are its own, and it reports their errors).
        if let Some(shared) = all.pointer("/controls/KUBER-L2-000010/allowed-registries") {
            let _ = self
                .allowed
                .configure(&json!({ Registries::SETTING: shared }));
        }
        self.allowed.configure(settings)
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        let Some(file) = Dockerfile::of(doc) else {
            return;
        };
        for stage in file.stages() {
            let Some(image) = stage.base_image() else {
                continue;
            };
            let base = stage.base();
            if !self.allowed.approve(base, &image) {
                out.finding(
                    stage.from_pointer(),
                    format!(
                        "Base image '{base}' ({}) is not from an approved registry",
                        image.name()
                    ),
                );
            }
        }
    }
}
