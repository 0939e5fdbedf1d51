//! # STIGLINT-DF-0008: SSH server in the image
//!
//! **What it checks.** The final image's stages: `EXPOSE 22` (`22/tcp`), and a `RUN` that
//! installs an SSH server (`openssh-server`, `openssh` with apk, `dropbear`) with apt, apk,
//! yum, dnf or microdnf.
//!
//! **Why.** The DoD Container Hardening Process Guide forbids remote-access daemons in
//! containers: a container is replaced, not logged into; an SSH server is one more service to
//! harden, patch and authenticate, and a way around the orchestrator's access control and audit
//! (`kubectl exec` is logged by the API server).
//!
//! **Example.**
//! ```dockerfile
//! # finding
//! RUN apt-get install -y openssh-server
//! # finding
//! EXPOSE 22
//! ```
//!
//! **Fix.** Remove the SSH server; use `kubectl exec` or `kubectl debug` for interactive
//! access.
//!
//! **References.** DoD Container Hardening Process Guide (no remote access services in
//! containers); NIST SP 800-53 CM-7, AC-17.
use stiglint_sdk::prelude::*;

use crate::dockerfile::{Dockerfile, program};

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

const SERVERS: &[&str] = &["openssh-server", "dropbear", "openssh-server-pam"];
const INSTALLERS: &[&str] = &[
    "apt-get", "apt", "apk", "yum", "dnf", "microdnf", "tdnf", "zypper",
];

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::seed(
            "STIGLINT-DF-0008",
            "SSH server in the image",
            Severity::Medium,
        )
        .nist(&["CM-7", "AC-17"])
        .formats(&[Format::Dockerfile])
        .remediation("Remove the SSH server; use `kubectl exec` or `kubectl debug`.")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        let Some(file) = Dockerfile::of(doc) else {
            return;
        };
        for ins in file.final_instructions() {
            match ins.keyword() {
                "EXPOSE" => {
                    for (k, port) in ins.words().iter().enumerate() {
                        let number = port.split('/').next().unwrap_or_default();
                        let proto = port.split('/').nth(1).unwrap_or("tcp");
                        if number == "22" && proto.eq_ignore_ascii_case("tcp") {
                            out.finding(
                                ins.word_pointer(k),
                                format!("EXPOSE {port}: the image offers SSH"),
                            );
                        }
                    }
                }
                "RUN" => {
                    for command in ins.commands() {
                        let Some((at, prog)) = program(&command) else {
                            continue;
                        };
                        if !INSTALLERS.contains(&prog) {
                            continue;
                        }
                        for (w, k) in &command[at + 1..] {
                            let package = w.split(['=', ':']).next().unwrap_or_default();
                            let server = SERVERS.contains(&package)
                                || (prog == "apk" && package == "openssh");
                            if server {
                                let pointer =
                                    k.map_or_else(|| ins.pointer(), |k| ins.word_pointer(k));
                                out.finding(
                                    pointer,
                                    format!("{prog} installs the SSH server '{w}'"),
                                );
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }
}
