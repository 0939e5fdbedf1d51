//! # STIGLINT-DF-0002: Base image not pinned by digest
//!
//! **What it checks.** The base image of every stage (`FROM image`; not `scratch`, not an
//! earlier stage's alias): it must carry a digest (`image:tag@sha256:…`). An untagged base
//! (`FROM debian`), a `:latest` base and a tag without a digest are findings, each with its
//! own message. A base with a variable that has no default (`FROM ${BASE}`, given only by
//! `--build-arg`) is not evaluated (a note).
//!
//! **Why.** The DoD Container Hardening Process Guide requires images to be built from
//! approved, known base images. A tag moves: the same Dockerfile builds on different bytes
//! tomorrow, and a compromised or replaced tag reaches the build unseen. Only a digest names
//! the bytes that were reviewed.
//!
//! **Example.**
//! ```dockerfile
//! # finding: latest
//! FROM debian:latest
//! # finding: no digest
//! FROM registry1.dso.mil/ironbank/redhat/ubi/ubi9:9.4
//! # passes
//! FROM registry1.dso.mil/ironbank/redhat/ubi/ubi9:9.4@sha256:4f2…
//! ```
//!
//! **Fix.** Pin the base by digest: `docker buildx imagetools inspect IMAGE:TAG` prints it;
//! keep the tag for readers (`image:tag@sha256:…`) and let a bot (Renovate, Dependabot)
//! update both.
//!
//! **References.** DoD Container Hardening Process Guide (approved and verified base images);
//! NIST SP 800-53 CM-2, CM-14, SI-7. Untagged bases agree with hadolint DL3006 and `:latest`
//! with DL3007; a tag without a digest is stiglint's own, stricter rule.
use stiglint_sdk::NoteKind;
use stiglint_sdk::prelude::*;

use crate::dockerfile::Dockerfile;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::seed(
            "STIGLINT-DF-0002",
            "Base image not pinned by digest",
            Severity::Medium,
        )
        .nist(&["CM-2", "CM-14", "SI-7"])
        .formats(&[Format::Dockerfile])
        .remediation("Pin the base image by digest: `FROM image:tag@sha256:…`.")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        let Some(file) = Dockerfile::of(doc) else {
            return;
        };
        for stage in file.stages() {
            if stage.base_unresolved() {
                out.note(
                    NoteKind::NotEvaluated,
                    stage.from_pointer(),
                    format!(
                        "the base image '{}' has a variable without a default (a --build-arg)",
                        stage.base_raw()
                    ),
                );
                continue;
            }
            let Some(image) = stage.base_image() else {
                continue;
            };
            if image.digest.is_some() {
                continue;
            }
            let base = stage.base();
            let message = match image.tag.as_deref() {
                None => format!(
                    "Base image '{base}' has no tag or digest: it builds on whatever 'latest' is (hadolint DL3006)"
                ),
                Some("latest") => {
                    format!("Base image '{base}' uses the 'latest' tag (hadolint DL3007)")
                }
                Some(tag) => format!(
                    "Base image '{base}' is pinned by the tag '{tag}', not by a digest: the tag can move"
                ),
            };
            out.finding(stage.from_pointer(), message);
        }
    }
}
