//! # STIGLINT-DF-0009: No HEALTHCHECK
//!
//! **What it checks.** The final image: some `HEALTHCHECK CMD …` in the final stage or the
//! stages it is built on, and the last one not `HEALTHCHECK NONE`. The finding is at the final
//! `FROM` (no `HEALTHCHECK`) or at the `HEALTHCHECK NONE`.
//!
//! **Why.** The DoD Container Hardening Process Guide asks images to define a health check so
//! that the runtime can tell a hung service from a working one and restart it. (Kubernetes
//! ignores `HEALTHCHECK` and uses probes instead: a workload's `livenessProbe` and
//! `readinessProbe` carry the same meaning there.)
//!
//! **Example.**
//! ```dockerfile
//! # finding: no HEALTHCHECK
//! FROM registry1.dso.mil/ironbank/opensource/nginx/nginx:1.27
//! # passes
//! HEALTHCHECK --interval=30s CMD ["/healthcheck"]
//! ```
//!
//! **Fix.** Add `HEALTHCHECK CMD <a command that exits 0 when the service works>`.
//!
//! **References.** DoD Container Hardening Process Guide (health checks); NIST SP 800-53
//! SI-6, CP-10. The same as dockle's CIS-DI-0006.
use stiglint_sdk::prelude::*;

use crate::dockerfile::Dockerfile;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::seed("STIGLINT-DF-0009", "No HEALTHCHECK", Severity::Low)
            .nist(&["SI-6", "CP-10"])
            .formats(&[Format::Dockerfile])
            .remediation("Add `HEALTHCHECK CMD …` to the final stage.")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        let Some(file) = Dockerfile::of(doc) else {
            return;
        };
        let Some(final_stage) = file.final_stage() else {
            return;
        };
        match file
            .final_instructions()
            .into_iter()
            .rfind(|i| i.keyword() == "HEALTHCHECK")
        {
            None => out.finding(
                final_stage.from_pointer(),
                "The final image defines no HEALTHCHECK",
            ),
            Some(h)
                if h.words()
                    .first()
                    .is_some_and(|w| w.eq_ignore_ascii_case("NONE")) =>
            {
                out.finding(
                    h.pointer(),
                    "HEALTHCHECK NONE turns the base image's health check off",
                )
            }
            Some(_) => return,
        };
    }
}
