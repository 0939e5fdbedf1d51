//! # STIGLINT-DF-0004: ADD of a remote URL
//!
//! **What it checks.** Every `ADD` in every stage: a source that is a URL (`http://`,
//! `https://`) or a Git repository (`git@…`, `….git`) is a finding unless `--checksum=sha256:…`
//! pins what is fetched (BuildKit verifies it).
//!
//! **Why.** The DoD Container Hardening Process Guide requires everything in an image to come
//! from a known, verified source. `ADD https://…` fetches whatever the server returns at build
//! time, unverified, and leaves no record of what it was.
//!
//! **Example.**
//! ```dockerfile
//! # finding
//! ADD https://example.com/tool.tar.gz /opt/
//! # passes
//! ADD --checksum=sha256:24454f83… https://example.com/tool.tar.gz /opt/
//! ```
//!
//! **Fix.** Add `--checksum=sha256:…`, or download with `curl` and check the file against a
//! digest kept in the repository (`sha256sum -c`), or `COPY` a reviewed artifact.
//!
//! **References.** DoD Container Hardening Process Guide (verified software sources); NIST SP
//! 800-53 SI-7, CM-14. hadolint's DL3020 asks for `COPY` instead of `ADD` for local files; this
//! rule is about remote sources only.
use std::path::Path;

use stiglint_sdk::prelude::*;

use crate::dockerfile::Dockerfile;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

/// Whether an `ADD` source is fetched from the network.
fn remote(source: &str) -> bool {
    let lower = source.to_ascii_lowercase();
    lower.starts_with("http://")
        || lower.starts_with("https://")
        || lower.starts_with("git@")
        || lower.starts_with("git://")
        || (lower.contains("://")
            && Path::new(lower.trim_end_matches('/'))
                .extension()
                .is_some_and(|e| e == "git"))
}

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::seed("STIGLINT-DF-0004", "ADD of a remote URL", Severity::Medium)
            .nist(&["SI-7", "CM-14"])
            .formats(&[Format::Dockerfile])
            .remediation(
                "Pin remote sources with `ADD --checksum=sha256:…`, or download and verify them.",
            )
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        let Some(file) = Dockerfile::of(doc) else {
            return;
        };
        for stage in file.stages() {
            for ins in stage.instructions().filter(|i| i.keyword() == "ADD") {
                if ins.flag("checksum").is_some_and(|c| !c.is_empty()) {
                    continue;
                }
                let words = ins.words();
                // The last word is the destination.
                let sources = &words[..words.len().saturating_sub(1)];
                for (k, source) in sources.iter().enumerate() {
                    if remote(source) {
                        out.finding(
                            ins.word_pointer(k),
                            format!("ADD fetches '{source}' without a checksum: what it downloads is not verified"),
                        );
                    }
                }
            }
        }
    }
}
