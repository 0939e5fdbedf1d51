//! `seccompProfile_baseline` (baseline): up to v1.18 the seccomp annotations
//! (`seccomp.security.alpha.kubernetes.io/pod`, `container.seccomp.security.alpha.kubernetes.io/<name>`)
//! must not be `unconfined`; from v1.19 the pod's and containers' `seccompProfile.type` must
//! not be `Unconfined`.
use super::{Check, Level, Place, Pod, Versioned, at, csc};
use stiglint_sdk::{Fix, Value, escape_pointer, json};

const POD: &str = "seccomp.security.alpha.kubernetes.io/pod";
const CONTAINER: &str = "container.seccomp.security.alpha.kubernetes.io/";

fn eval_1_0(pod: &Pod<'_>) -> Vec<Place> {
    let Some(annotations) = pod
        .meta
        .and_then(|m| m.get("annotations"))
        .and_then(Value::as_object)
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, v) in annotations {
        let who = if k == POD {
            pod.who()
        } else if let Some(c) = k.strip_prefix(CONTAINER) {
            format!("Container '{c}'")
        } else {
            continue;
        };
        if v.as_str() == Some("unconfined") {
            out.push(Place {
                pointer: format!("{}/annotations/{}", pod.meta_pointer, escape_pointer(k)),
                who,
                name: String::new(),
                value: format!("annotation {k}=\"unconfined\""),
                related: String::new(),
            });
        }
    }
    out
}

fn eval(pod: &Pod<'_>) -> Vec<Place> {
    let mut out = Vec::new();
    if pod.sc("seccompProfile/type").and_then(Value::as_str) == Some("Unconfined") {
        out.push(pod.place("securityContext/seccompProfile/type", "Unconfined"));
    }
    for c in pod.containers() {
        if csc(&c, "seccompProfile/type").and_then(Value::as_str) == Some("Unconfined") {
            out.push(at(&c, "securityContext/seccompProfile/type", "Unconfined"));
        }
    }
    out
}

/// stiglint's message for a forbidden type.
#[must_use]
pub fn message(p: &Place) -> String {
    if p.value.starts_with("annotation ") {
        return format!("{} must not run without seccomp ({})", p.who, p.value);
    }
    format!("{} must not set seccompProfile.type: {}", p.who, p.value)
}

/// Admission's detail for a forbidden type.
#[must_use]
pub fn detail(p: &Place) -> String {
    if p.value.starts_with("annotation ") {
        return format!("forbidden {}", p.value);
    }
    format!(
        "{} must not set securityContext.seccompProfile.type to \"{}\"",
        p.subject(),
        p.value
    )
}

/// Set `RuntimeDefault`.
#[allow(clippy::unnecessary_wraps)] // the signature of `Check::fix`
#[must_use]
pub fn fix(p: &Place) -> Option<Fix> {
    if p.value.starts_with("annotation ") {
        return None;
    }
    Some(Fix::set(
        "Set seccompProfile.type: RuntimeDefault",
        &p.pointer,
        json!("RuntimeDefault"),
    ))
}

/// The check.
pub static CHECK: Check = Check {
    id: "seccompProfile_baseline",
    level: Level::Baseline,
    control: "STIGLINT-PSS-0009",
    versions: &[
        Versioned {
            min: 0,
            eval: eval_1_0,
            exempt_windows: false,
        },
        Versioned {
            min: 19,
            eval,
            exempt_windows: false,
        },
    ],
    overrides: &[],
    reason: "seccompProfile",
    detail,
    message,
    fix,
};
