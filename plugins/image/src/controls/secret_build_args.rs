//! # STIGLINT-DF-0007: Secret in an ARG or ENV default
//!
//! **What it checks.** Every `ARG` and `ENV` of every stage: a literal value (not a variable)
//! under a name that says it is a secret (`PASSWORD`, `PASSWD`, `SECRET`, `TOKEN`, `API_KEY`,
//! `ACCESS_KEY`, `PRIVATE_KEY`, `CREDENTIALS`, as a word of the name), or any value that is an
//! AWS access key ID (`AKIA…`) or a PEM private key.
//!
//! **Why.** The DoD Container Hardening Process Guide forbids credentials in images. `ENV`
//! values are in the image's configuration for anyone who can pull it (`docker inspect`), and
//! `ARG` defaults are in its history; neither can be taken back once pushed.
//!
//! **Example.**
//! ```dockerfile
//! # finding
//! ENV DB_PASSWORD=hunter2
//! # passes: no default
//! ARG NPM_TOKEN
//! # the way to use a secret at build time
//! RUN --mount=type=secret,id=npm …
//! ```
//!
//! **Fix.** Pass build-time secrets with `RUN --mount=type=secret`, and run-time secrets
//! through the orchestrator (a Kubernetes Secret mounted as a file); rotate a secret that was
//! ever in an image.
//!
//! **References.** DoD Container Hardening Process Guide (no secrets or keys in images); NIST
//! SP 800-53 IA-5 (7), SC-28.
use stiglint_sdk::prelude::*;

use crate::dockerfile::Dockerfile;

/// See the module documentation.
#[derive(Default)]
pub struct Rule;

/// Words of a variable name that mark a secret.
const SECRET_WORDS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "PWD_SECRET",
    "SECRET",
    "TOKEN",
    "APIKEY",
    "API_KEY",
    "ACCESS_KEY",
    "SECRET_KEY",
    "PRIVATE_KEY",
    "CREDENTIALS",
];

/// Names that look like secrets and are not (paths to them, their IDs).
const NOT_SECRET_SUFFIXES: &[&str] = &["_FILE", "_PATH", "_DIR", "_ID", "_URL", "_ENDPOINT"];

fn secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    if NOT_SECRET_SUFFIXES.iter().any(|s| upper.ends_with(s)) {
        return false;
    }
    SECRET_WORDS.iter().any(|w| {
        upper == *w
            || upper.starts_with(&format!("{w}_"))
            || upper.ends_with(&format!("_{w}"))
            || upper.contains(&format!("_{w}_"))
    })
}

fn secret_value(value: &str) -> Option<&'static str> {
    let aws = value.match_indices("AKIA").any(|(i, _)| {
        let id = &value[i..];
        id.len() >= 20
            && id[4..20]
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    });
    if aws {
        return Some("an AWS access key ID");
    }
    if value.contains("-----BEGIN") && value.contains("PRIVATE KEY") {
        return Some("a private key");
    }
    None
}

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::seed(
            "STIGLINT-DF-0007",
            "Secret in an ARG or ENV default",
            Severity::High,
        )
        .nist(&["IA-5 (7)", "SC-28"])
        .formats(&[Format::Dockerfile])
        .remediation(
            "Use `RUN --mount=type=secret` at build time and orchestrator secrets at run time.",
        )
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        let Some(file) = Dockerfile::of(doc) else {
            return;
        };
        for stage in file.stages() {
            for ins in stage.instructions() {
                if !matches!(ins.keyword(), "ARG" | "ENV") {
                    continue;
                }
                for (k, (name, value)) in ins.pairs().into_iter().enumerate() {
                    let Some(value) = value.filter(|v| !v.trim().is_empty()) else {
                        continue;
                    };
                    let what = secret_value(value).or_else(|| {
                        // A value that only names another variable is not a literal.
                        (secret_name(name) && !ins.text().contains(&format!("{name}=$")))
                            .then_some("a literal secret")
                    });
                    if let Some(what) = what {
                        out.finding(
                            ins.pair_pointer(k),
                            format!(
                                "{} {name} has {what} as its value: it is stored in the image",
                                ins.keyword()
                            ),
                        );
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_and_values() {
        for yes in [
            "PASSWORD",
            "DB_PASSWORD",
            "GITHUB_TOKEN",
            "api_key",
            "AWS_SECRET_ACCESS_KEY",
            "MY_SECRET_VALUE",
        ] {
            assert!(super::secret_name(yes), "{yes}");
        }
        for no in [
            "PASSWORD_FILE",
            "TOKEN_PATH",
            "TOKENIZER",
            "SECRETARY",
            "PATH",
            "KEY_ID",
        ] {
            assert!(!super::secret_name(no), "{no}");
        }
        assert!(super::secret_value("AKIAIOSFODNN7EXAMPLE").is_some());
        assert!(super::secret_value("-----BEGIN RSA PRIVATE KEY-----\nx").is_some());
        assert!(super::secret_value("hello").is_none());
    }
}
