//! `capabilities_baseline` (baseline, v1.0+): `securityContext.capabilities.add` may hold only
//! the container runtime's default capabilities.
use super::{Check, Level, Place, Pod, Versioned, at, csc, no_fix};
use stiglint_sdk::Value;

/// The capabilities baseline allows adding.
pub const ALLOWED: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// The `capabilities.add` entries of every container not in `allowed`.
#[must_use]
pub fn added(pod: &Pod<'_>, allowed: &[&str]) -> Vec<Place> {
    let mut out = Vec::new();
    for c in pod.containers() {
        let Some(add) = csc(&c, "capabilities/add").and_then(Value::as_array) else {
            continue;
        };
        for (i, cap) in add.iter().enumerate() {
            let name = cap.as_str().unwrap_or_default();
            if !allowed.contains(&name) {
                out.push(at(
                    &c,
                    &format!("securityContext/capabilities/add/{i}"),
                    name,
                ));
            }
        }
    }
    out
}

fn eval(pod: &Pod<'_>) -> Vec<Place> {
    added(pod, ALLOWED)
}

/// stiglint's message for an added capability.
#[must_use]
pub fn message(p: &Place) -> String {
    format!("{} must not add capability {}", p.who, p.value)
}

/// Admission's detail for an added capability.
#[must_use]
pub fn detail(p: &Place) -> String {
    format!(
        "{} must not include \"{}\" in securityContext.capabilities.add",
        p.subject(),
        p.value
    )
}

/// The check.
pub static CHECK: Check = Check {
    id: "capabilities_baseline",
    level: Level::Baseline,
    control: "STIGLINT-PSS-0002",
    versions: &[Versioned {
        min: 0,
        eval,
        exempt_windows: false,
    }],
    overrides: &[],
    reason: "non-default capabilities",
    detail,
    message,
    fix: no_fix,
};
