//! # STIGLINT-DF-0005: setuid or setgid bits set
//!
//! **What it checks.** Every stage: a `chmod` in a `RUN` (shell form, exec form or a heredoc
//! script) whose mode sets the setuid or setgid bit (`u+s`, `g+s`, `+s`, `a+s`, or an octal
//! mode with a leading 2, 4 or 6 such as `4755`), and a `COPY --chmod` or `ADD --chmod` with
//! such a mode.
//!
//! **Why.** The DoD Container Hardening Process Guide requires images to be free of setuid and
//! setgid files that are not needed: a setuid binary runs with its owner's rights, the classic
//! way from a compromised process to root inside the container.
//!
//! **Example.**
//! ```dockerfile
//! # finding
//! RUN chmod u+s /usr/local/bin/tool
//! # finding
//! COPY --chmod=4755 tool /usr/local/bin/
//! ```
//!
//! **Fix.** Drop the bit (`chmod 0755`); grant a capability to the container at run time if the
//! program really needs one.
//!
//! **References.** DoD Container Hardening Process Guide (remove setuid/setgid permissions);
//! NIST SP 800-53 AC-6, CM-7.
use stiglint_sdk::prelude::*;

use crate::dockerfile::{Dockerfile, program};

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

/// Whether a `chmod` mode sets the setuid or setgid bit.
fn sets_id_bit(mode: &str) -> bool {
    if !mode.is_empty() && mode.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        // Octal: four digits or more, the special digit first.
        return mode.len() >= 4
            && mode
                .as_bytes()
                .get(mode.len() - 4)
                .copied()
                .is_some_and(|d| matches!(d, b'2' | b'3' | b'4' | b'5' | b'6' | b'7'));
    }
    mode.split(',').any(|clause| {
        let Some(op) = clause.find(['+', '=']) else {
            return false;
        };
        let who = &clause[..op];
        let perms = &clause[op + 1..];
        perms.contains('s') && (who.is_empty() || who.contains(['u', 'g', 'a']))
    })
}

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::seed(
            "STIGLINT-DF-0005",
            "setuid or setgid bits set",
            Severity::Medium,
        )
        .nist(&["AC-6", "CM-7"])
        .formats(&[Format::Dockerfile])
        .remediation("Do not set the setuid or setgid bit on files in the image.")
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        let Some(file) = Dockerfile::of(doc) else {
            return;
        };
        for stage in file.stages() {
            for ins in stage.instructions() {
                match ins.keyword() {
                    "COPY" | "ADD" => {
                        if let Some(mode) = ins.flag("chmod").filter(|m| sets_id_bit(m)) {
                            out.finding(
                                ins.flag_pointer("chmod"),
                                format!(
                                    "{} --chmod={mode} sets the setuid or setgid bit",
                                    ins.keyword()
                                ),
                            );
                        }
                    }
                    "RUN" => {
                        for command in ins.commands() {
                            let Some((at, "chmod")) = program(&command) else {
                                continue;
                            };
                            let Some((mode, k)) =
                                command[at + 1..].iter().find(|(w, _)| !w.starts_with('-'))
                            else {
                                continue;
                            };
                            if sets_id_bit(mode) {
                                let pointer =
                                    k.map_or_else(|| ins.pointer(), |k| ins.word_pointer(k));
                                out.finding(
                                    pointer,
                                    format!("chmod {mode} sets the setuid or setgid bit"),
                                );
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn modes() {
        for yes in [
            "4755", "2755", "6755", "u+s", "g+s", "+s", "a+s", "u=rwxs", "o-w,u+s", "04755",
        ] {
            assert!(super::sets_id_bit(yes), "{yes}");
        }
        for no in ["755", "0755", "1777", "u+x", "o+t", "go-w", "a+rwx", ""] {
            assert!(!super::sets_id_bit(no), "{no}");
        }
    }
}
