//! `privileged` (baseline, v1.0+): `securityContext.privileged` must be unset or `false` on
//! every container. Also the control's own STIG meaning ([`OWN`]), which applies whatever the
//! namespace's level.
use super::{Check, Level, Place, Pod, Versioned, at, csc};
use stiglint_sdk::{Fix, Value, json};

fn eval(pod: &Pod<'_>) -> Vec<Place> {
    pod.containers()
        .filter(|c| csc(c, "privileged") == Some(&Value::Bool(true)))
        .map(|c| at(&c, "securityContext/privileged", "true"))
        .collect()
}

fn message(p: &Place) -> String {
    format!("{} must not run privileged", p.who)
}

fn detail(p: &Place) -> String {
    format!(
        "{} must not set securityContext.privileged=true",
        p.subject()
    )
}

#[allow(clippy::unnecessary_wraps)] // the signature of `Check::fix`
fn fix(p: &Place) -> Option<Fix> {
    Some(Fix::set("Set privileged: false", &p.pointer, json!(false)))
}

/// The check.
pub static CHECK: Check = Check {
    id: "privileged",
    level: Level::Baseline,
    control: "KUBER-L2-000070",
    versions: &[Versioned {
        min: 0,
        eval,
        exempt_windows: false,
    }],
    overrides: &[],
    reason: "privileged",
    detail,
    message,
    fix,
};

/// KUBER-L2-000070's own meaning: the same places, at every level.
pub static OWN: Check = Check {
    id: "privileged",
    level: Level::Privileged,
    ..CHECK
};
