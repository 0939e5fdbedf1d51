//! # KUBER-L2-000010: Image not from an approved registry
//!
//! **What it checks.** The `image` of every container, init container and ephemeral container
//! of every pod-bearing object must start with one of the approved registry prefixes. An image
//! passes when either the string as written or its normalised form (`nginx:1.25` is
//! `docker.io/library/nginx:1.25`) starts with a prefix. A container without an `image` is not
//! this control's business.
//!
//! Setting (in `stiglint.toml`; unknown keys are errors):
//!
//! ```toml
//! [controls."KUBER-L2-000010"]
//! # default: ["registry1.dso.mil/ironbank/"]
//! allowed-registries = ["registry1.dso.mil/ironbank/", "registry.example.com/platform/"]
//! ```
//!
//! **Why.** Images pulled from anywhere on the internet are unvetted software: no hardening, no
//! provenance, no vulnerability scanning. Allowing only an approved registry (Iron Bank for
//! Department of Defense systems) enforces the "only authorised software executes" policy of
//! NIST SP 800-53 CM-7 (5).
//!
//! **Example.**
//! ```yaml
//! containers:
//!   - name: app
//!     image: nginx:1.25   # finding: docker.io/library/nginx is not approved
//!   - name: proxy
//!     image: registry1.dso.mil/ironbank/opensource/nginx/nginx:1.25   # fine
//! ```
//!
//! **Fix.** Use the hardened image from the approved registry (for Iron Bank, search
//! `registry1.dso.mil/ironbank/`), or mirror the image into an approved registry after review
//! and add that prefix to `allowed-registries`.
//!
//! **References.** Seed control KUBER-L2-000010 (no DISA Kubernetes STIG rule of its own);
//! NIST SP 800-53 CM-7 (5).
use stiglint_sdk::k8s::{ImageRef, Registries};
use stiglint_sdk::{ScanContext, prelude::*};

/// See the module documentation.
#[derive(Default)]
pub struct Rule {
    allowed: Registries,
}

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::seed(
            "KUBER-L2-000010",
            "Image not from an approved registry",
            Severity::Medium,
        )
        .nist(&["CM-7 (5)"])
        .pod_kinds()
        .remediation("Pull the image from an approved registry (`allowed-registries`).")
    }

    fn configure(&mut self, settings: &Value, _scan: &ScanContext) -> Result<(), String> {
        self.allowed.configure(settings)
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        for c in doc.pod().iter().flat_map(PodSpec::containers) {
            let Some(image) = c.image().filter(|i| !i.trim().is_empty()) else {
                continue;
            };
            let parsed = ImageRef::parse(image);
            if !self.allowed.approve(image, &parsed) {
                out.finding(
                    c.pointer_to("image"),
                    format!(
                        "{} image '{image}' ({}) is not from an approved registry",
                        c.describe(),
                        parsed.name()
                    ),
                );
            }
        }
    }
}
