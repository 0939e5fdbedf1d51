//! `procMount` (baseline, v1.0+): containers' `securityContext.procMount` must be unset or
//! `Default`; from v1.35 a pod in its own user namespace (`hostUsers: false`) may unmask
//! /proc (`procMount_restricted` still forbids it at the restricted level).
use super::{Check, Level, Place, Pod, Versioned, at, csc};
use stiglint_sdk::Fix;

/// Containers whose `procMount` is set and not `Default`.
#[must_use]
pub fn eval(pod: &Pod<'_>) -> Vec<Place> {
    pod.containers()
        .filter_map(|c| {
            let v = csc(&c, "procMount")?;
            let s = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
            (s != "Default").then(|| at(&c, "securityContext/procMount", s))
        })
        .collect()
}

/// stiglint's message.
#[must_use]
pub fn message(p: &Place) -> String {
    format!("{} must not set procMount: {}", p.who, p.value)
}

/// Admission's detail.
#[must_use]
pub fn detail(p: &Place) -> String {
    format!(
        "{} must not set securityContext.procMount to \"{}\"",
        p.subject(),
        p.value
    )
}

/// Remove the field.
#[allow(clippy::unnecessary_wraps)] // the signature of `Check::fix`
#[must_use]
pub fn fix(p: &Place) -> Option<Fix> {
    Some(Fix::remove(
        "Remove procMount (the default masks /proc)",
        &p.pointer,
    ))
}

fn eval_1_35(pod: &Pod<'_>) -> Vec<Place> {
    if pod.spec.get("hostUsers") == Some(&stiglint_sdk::Value::Bool(false)) {
        Vec::new()
    } else {
        eval(pod)
    }
}

/// The check.
pub static CHECK: Check = Check {
    id: "procMount",
    level: Level::Baseline,
    control: "STIGLINT-PSS-0008",
    versions: &[
        Versioned {
            min: 0,
            eval,
            exempt_windows: false,
        },
        Versioned {
            min: 35,
            eval: eval_1_35,
            exempt_windows: false,
        },
    ],
    overrides: &[],
    reason: "procMount",
    detail,
    message,
    fix,
};
