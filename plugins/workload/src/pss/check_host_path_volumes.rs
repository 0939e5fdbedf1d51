//! `hostPathVolumes` (baseline, v1.0+): no `hostPath` volumes.
use super::{Check, Level, Place, Pod, Versioned, no_fix};
use stiglint_sdk::Value;

fn eval(pod: &Pod<'_>) -> Vec<Place> {
    let Some(volumes) = pod.spec.get("volumes").and_then(Value::as_array) else {
        return Vec::new();
    };
    volumes
        .iter()
        .enumerate()
        .filter(|(_, v)| v.get("hostPath").is_some_and(|h| !h.is_null()))
        .map(|(i, v)| {
            pod.place(
                &format!("volumes/{i}/hostPath"),
                v["name"].as_str().unwrap_or_default(),
            )
        })
        .collect()
}

fn message(p: &Place) -> String {
    format!("{} must not mount hostPath volume '{}'", p.who, p.value)
}

fn detail(p: &Place) -> String {
    format!("volume \"{}\"", p.value)
}

/// The check.
pub static CHECK: Check = Check {
    id: "hostPathVolumes",
    level: Level::Baseline,
    control: "STIGLINT-PSS-0003",
    versions: &[Versioned {
        min: 0,
        eval,
        exempt_windows: false,
    }],
    overrides: &[],
    reason: "hostPath volumes",
    detail,
    message,
    fix: no_fix,
};
