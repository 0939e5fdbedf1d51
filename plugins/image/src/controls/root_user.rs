//! # STIGLINT-DF-0001: Final image runs as root
//!
//! **What it checks.** The user the built image runs as: the last `USER` of the final stage
//! (or of the stages it is built on, `FROM build`). A final `USER root` or `USER 0` (with or
//! without a group) is a finding at that `USER`, also after an earlier non-root `USER`; no
//! `USER` at all is a finding at the final `FROM`: the container then runs as the base image's
//! user, which is root unless the base sets another. A base whose tag says `nonroot`
//! (`gcr.io/distroless/static:nonroot`, Chainguard's `:latest-nonroot`) is taken at its word.
//!
//! **Why.** The DoD Container Hardening Process Guide requires containers to run as a non-root
//! user; a process running as root in a container is root on the node once it escapes, and the
//! Kubernetes STIG's `runAsNonRoot` requirement (KUBER-L2-000020) can only be met by an image
//! that has a non-root user.
//!
//! **Example.**
//! ```dockerfile
//! FROM registry1.dso.mil/ironbank/redhat/ubi/ubi9:9.4
//! USER 1001
//! # finding: the last USER is root
//! USER root
//! ```
//!
//! **Fix.** End the final stage with `USER <uid>` of a non-root user that exists in the image
//! (a numeric UID lets Kubernetes verify `runAsNonRoot`).
//!
//! **References.** DoD Container Hardening Process Guide (run as a non-root user); NIST SP
//! 800-53 AC-6 (least privilege), CM-6. The explicit case agrees with hadolint DL3002 ("Last
//! USER should not be root"); the implicit case (no `USER` at all) is stiglint's own, stricter
//! rule.
use stiglint_sdk::prelude::*;

use crate::dockerfile::{Dockerfile, is_root_user};

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::seed(
            "STIGLINT-DF-0001",
            "Final image runs as root",
            Severity::Medium,
        )
        .nist(&["AC-6", "CM-6"])
        .formats(&[Format::Dockerfile])
        .remediation("End the final stage with `USER <uid>` of a non-root user.")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        let Some(file) = Dockerfile::of(doc) else {
            return;
        };
        let Some(last) = file
            .final_instructions()
            .into_iter()
            .rfind(|i| i.keyword() == "USER")
        else {
            let chain = file.final_chain();
            let Some(root) = chain.last() else {
                return;
            };
            let base = root.base();
            if base.to_ascii_lowercase().contains("nonroot") {
                return;
            }
            let Some(final_stage) = file.final_stage() else {
                return;
            };
            let from = if base.eq_ignore_ascii_case("scratch") {
                "`scratch`, which has no users: it runs as root".to_owned()
            } else {
                format!(
                    "'{base}': it runs as that image's user, root unless the image sets another"
                )
            };
            out.finding(
                final_stage.from_pointer(),
                format!("The final stage sets no USER and builds on {from}"),
            );
            return;
        };
        let user = last.words().first().copied().unwrap_or_default();
        if is_root_user(user) {
            out.finding(
                last.pointer(),
                format!("The final stage's last USER is '{user}': the image runs as root"),
            );
        }
    }
}
