//! `hostNamespaces` (baseline, v1.0+): `hostNetwork`, `hostPID` and `hostIPC` must be unset
//! or `false`. Also the control's own STIG meaning ([`OWN`]), at every level.
use super::{Check, Level, Place, Pod, Versioned};
use stiglint_sdk::{Fix, json};

fn eval(pod: &Pod<'_>) -> Vec<Place> {
    ["hostNetwork", "hostPID", "hostIPC"]
        .into_iter()
        .filter(|f| pod.spec.is_true(f))
        .map(|f| pod.place(f, f))
        .collect()
}

fn message(p: &Place) -> String {
    format!("{} must not set {}: true", p.who, p.value)
}

fn detail(p: &Place) -> String {
    format!("{}=true", p.value)
}

#[allow(clippy::unnecessary_wraps)] // the signature of `Check::fix`
fn fix(p: &Place) -> Option<Fix> {
    Some(Fix::set(
        format!("Set {}: false", p.value),
        &p.pointer,
        json!(false),
    ))
}

/// The check.
pub static CHECK: Check = Check {
    id: "hostNamespaces",
    level: Level::Baseline,
    control: "KUBER-L2-000060",
    versions: &[Versioned {
        min: 0,
        eval,
        exempt_windows: false,
    }],
    overrides: &[],
    reason: "host namespaces",
    detail,
    message,
    fix,
};

/// KUBER-L2-000060's own meaning: the same places, at every level.
pub static OWN: Check = Check {
    id: "hostNamespaces",
    level: Level::Privileged,
    ..CHECK
};
