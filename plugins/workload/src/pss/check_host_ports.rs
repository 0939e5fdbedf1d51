//! `hostPorts` (baseline, v1.0+): no container port may set a non-zero `hostPort`.
use super::{Check, Level, Place, Pod, Versioned, at};
use stiglint_sdk::{Fix, Value};

fn eval(pod: &Pod<'_>) -> Vec<Place> {
    let mut out = Vec::new();
    for c in pod.containers() {
        let Some(ports) = c.value.get("ports").and_then(Value::as_array) else {
            continue;
        };
        for (i, p) in ports.iter().enumerate() {
            match p.get("hostPort") {
                None | Some(Value::Null) => {}
                Some(v) if v.as_i64() == Some(0) => {}
                Some(v) => out.push(at(&c, &format!("ports/{i}/hostPort"), v.to_string())),
            }
        }
    }
    out
}

fn message(p: &Place) -> String {
    format!("{} must not use hostPort {}", p.who, p.value)
}

fn detail(p: &Place) -> String {
    format!("{} uses hostPort {}", p.subject(), p.value)
}

#[allow(clippy::unnecessary_wraps)] // the signature of `Check::fix`
fn fix(p: &Place) -> Option<Fix> {
    Some(Fix::remove("Remove the hostPort", &p.pointer))
}

/// The check.
pub static CHECK: Check = Check {
    id: "hostPorts",
    level: Level::Baseline,
    control: "STIGLINT-PSS-0004",
    versions: &[Versioned {
        min: 0,
        eval,
        exempt_windows: false,
    }],
    overrides: &[],
    reason: "hostPort",
    detail,
    message,
    fix,
};
