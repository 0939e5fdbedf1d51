//! # ORG-000001: Images pinned by digest
//!
//! **What it checks.** Every container image of every workload names a digest (`@sha256:…`).
//!
//! **Why.** A tag can be moved to other bytes after review; a digest cannot.
//!
//! **Example.**
//! ```yaml
//! containers:
//!   - name: app
//!     image: registry1.dso.mil/ironbank/opensource/nginx/nginx:1.27.0   # finding
//! ```
//!
//! **Fix.** Pin the reviewed digest: `image: …/nginx:1.27.0@sha256:<digest>`.
//!
//! **References.** NIST SP 800-53 CM-14 (signed components), SI-7 (integrity).
use stiglint_sdk::prelude::*;

#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::seed("ORG-000001", "Images pinned by digest", Severity::Low)
            .nist(&["CM-14", "SI-7"])
            .pod_kinds()
            .remediation("Append the reviewed image digest (`@sha256:…`) to the image reference.")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        for c in doc.pod().iter().flat_map(PodSpec::containers) {
            if let Some(image) = c.image().filter(|i| !i.contains("@sha256:")) {
                out.finding(
                    c.pointer_to("image"),
                    format!("{} image '{image}' must be pinned by digest", c.describe()),
                );
            }
        }
    }
}
