//! `runAsUser` (restricted, v1.23+): neither the pod nor a container may set `runAsUser: 0`.
use super::{Check, Level, Place, Pod, Versioned, at, csc, no_fix};
use stiglint_sdk::Value;

fn eval(pod: &Pod<'_>) -> Vec<Place> {
    let mut out = Vec::new();
    if pod.sc("runAsUser").and_then(Value::as_i64) == Some(0) {
        out.push(pod.place("securityContext/runAsUser", "0"));
    }
    for c in pod.containers() {
        if csc(&c, "runAsUser").and_then(Value::as_i64) == Some(0) {
            out.push(at(&c, "securityContext/runAsUser", "0"));
        }
    }
    out
}

fn message(p: &Place) -> String {
    format!("{} must not run as UID 0", p.who)
}

fn detail(p: &Place) -> String {
    format!("{} must not set runAsUser=0", p.subject())
}

/// The check.
pub static CHECK: Check = Check {
    id: "runAsUser",
    level: Level::Restricted,
    control: "KUBER-L2-000020",
    versions: &[Versioned {
        min: 23,
        eval,
        exempt_windows: false,
    }],
    overrides: &[],
    reason: "runAsUser=0",
    detail,
    message,
    fix: no_fix,
};
