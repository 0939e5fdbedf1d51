//! # STIGLINT-DF-0006: Package manager cache left in the image
//!
//! **What it checks.** Every `RUN` of the final image's stages (each `RUN` is one layer: what
//! it leaves, the image keeps even if a later `RUN` deletes it):
//! * `apt-get install` / `apt install` without `rm -rf /var/lib/apt/lists/*` in the same `RUN`;
//! * `apk add` without `--no-cache` (or `rm -rf /var/cache/apk/*`);
//! * `yum`, `dnf` or `microdnf install` without `… clean all` (or removing `/var/cache/yum`,
//!   `/var/cache/dnf`);
//! * `pip install` without `--no-cache-dir` (or `PIP_NO_CACHE_DIR` set).
//!
//! A `RUN --mount=type=cache` keeps the cache outside the image and passes.
//!
//! **Why.** The DoD Container Hardening Process Guide asks for minimal images: package indexes
//! and caches are megabytes that no runtime needs, and they tell an attacker which repositories
//! and versions the image trusts.
//!
//! **Example.**
//! ```dockerfile
//! # finding
//! RUN apt-get update && apt-get install -y curl
//! # passes
//! RUN apt-get update && apt-get install -y curl \
//!     && rm -rf /var/lib/apt/lists/*
//! ```
//!
//! **Fix.** Clean up in the same `RUN` as the install, or use `--mount=type=cache`.
//!
//! **References.** DoD Container Hardening Process Guide (minimal images, remove what is not
//! needed at run time); NIST SP 800-53 CM-7. Close to hadolint DL3009, DL3019, DL3032, DL3042.
use stiglint_sdk::prelude::*;

use crate::dockerfile::{Dockerfile, program};

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

/// A package manager's install command and what cleans its cache.
struct Manager {
    programs: &'static [&'static str],
    install: &'static [&'static str],
    /// A flag on the install command that keeps no cache.
    no_cache_flags: &'static [&'static str],
    /// Text anywhere in the same `RUN` that removes the cache.
    cleans: &'static [&'static str],
    cache: &'static str,
}

const MANAGERS: &[Manager] = &[
    Manager {
        programs: &["apt-get", "apt"],
        install: &["install"],
        no_cache_flags: &[],
        cleans: &["/var/lib/apt/lists"],
        cache: "/var/lib/apt/lists",
    },
    Manager {
        programs: &["apk"],
        install: &["add"],
        no_cache_flags: &["--no-cache"],
        cleans: &["/var/cache/apk"],
        cache: "/var/cache/apk",
    },
    Manager {
        programs: &["yum", "dnf", "microdnf", "tdnf"],
        install: &["install", "update", "upgrade"],
        no_cache_flags: &[],
        cleans: &["clean all", "/var/cache/yum", "/var/cache/dnf"],
        cache: "/var/cache/yum or /var/cache/dnf",
    },
    Manager {
        programs: &["pip", "pip3"],
        install: &["install"],
        no_cache_flags: &["--no-cache-dir"],
        cleans: &["PIP_NO_CACHE_DIR", "/root/.cache/pip"],
        cache: "~/.cache/pip",
    },
];

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::seed(
            "STIGLINT-DF-0006",
            "Package manager cache left in the image",
            Severity::Low,
        )
        .nist(&["CM-7"])
        .formats(&[Format::Dockerfile])
        .remediation("Remove the package manager's cache in the same `RUN` as the install.")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        let Some(file) = Dockerfile::of(doc) else {
            return;
        };
        let env_no_pip_cache = file.final_instructions().iter().any(|i| {
            matches!(i.keyword(), "ENV" | "ARG")
                && i.pairs().iter().any(|(k, _)| *k == "PIP_NO_CACHE_DIR")
        });
        for ins in file.final_instructions() {
            if ins.keyword() != "RUN" {
                continue;
            }
            if ins.flag("mount").is_some_and(|m| m.contains("type=cache")) {
                continue;
            }
            let whole = format!("{} {}", ins.text(), ins.heredocs().join("\n"));
            for command in ins.commands() {
                let Some((at, prog)) = program(&command) else {
                    continue;
                };
                // `python -m pip install`.
                let (at, prog) = if matches!(prog, "python" | "python3")
                    && command.get(at + 1).is_some_and(|(w, _)| *w == "-m")
                {
                    (at + 2, command.get(at + 2).map_or("", |(w, _)| *w))
                } else {
                    (at, prog)
                };
                let Some(manager) = MANAGERS.iter().find(|m| m.programs.contains(&prog)) else {
                    continue;
                };
                let args = &command[at + 1..];
                if !args
                    .iter()
                    .find(|(w, _)| !w.starts_with('-'))
                    .is_some_and(|(w, _)| manager.install.contains(w))
                {
                    continue;
                }
                let no_cache = args.iter().any(|(w, _)| manager.no_cache_flags.contains(w))
                    || manager.cleans.iter().any(|c| whole.contains(c))
                    || (manager.programs[0] == "pip" && env_no_pip_cache);
                if no_cache {
                    continue;
                }
                let pointer = command[at]
                    .1
                    .map_or_else(|| ins.pointer(), |k| ins.word_pointer(k));
                out.finding(
                    pointer,
                    format!(
                        "{prog} installs packages and this RUN leaves its cache ({}) in the layer",
                        manager.cache
                    ),
                );
            }
        }
    }
}
