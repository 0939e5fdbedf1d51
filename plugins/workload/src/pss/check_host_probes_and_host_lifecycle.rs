//! `hostProbesAndHostLifecycle` (baseline, v1.34+): probes' and lifecycle handlers' `httpGet`
//! and `tcpSocket` must not set `host`.
use super::{Check, Level, Place, Pod, Versioned, at};
use stiglint_sdk::{Fix, Value};

fn eval(pod: &Pod<'_>) -> Vec<Place> {
    let mut out = Vec::new();
    for c in pod.containers() {
        for handler in [
            "livenessProbe",
            "readinessProbe",
            "startupProbe",
            "lifecycle/postStart",
            "lifecycle/preStop",
        ] {
            let Some(h) = super::walk(c.value, handler) else {
                continue;
            };
            for action in ["httpGet", "tcpSocket"] {
                if super::walk(h, action).is_none() {
                    continue;
                }
                let path = format!("{handler}/{action}/host");
                if let Some(host) = super::walk(c.value, &path).and_then(Value::as_str)
                    && !host.is_empty()
                {
                    out.push(at(&c, &path, host));
                }
            }
        }
    }
    out
}

fn message(p: &Place) -> String {
    format!(
        "{} must not set a probe or lifecycle host ({})",
        p.who, p.value
    )
}

fn detail(p: &Place) -> String {
    format!(
        "{} uses probe or lifecycle host \"{}\"",
        p.subject(),
        p.value
    )
}

#[allow(clippy::unnecessary_wraps)] // the signature of `Check::fix`
fn fix(p: &Place) -> Option<Fix> {
    Some(Fix::remove(
        "Remove the host (the pod's IP is used)",
        &p.pointer,
    ))
}

/// The check.
pub static CHECK: Check = Check {
    id: "hostProbesAndHostLifecycle",
    level: Level::Baseline,
    control: "STIGLINT-PSS-0005",
    versions: &[Versioned {
        min: 34,
        eval,
        exempt_windows: false,
    }],
    overrides: &[],
    reason: "probe or lifecycle host",
    detail,
    message,
    fix,
};
