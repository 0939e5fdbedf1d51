//! `allowPrivilegeEscalation` (restricted, v1.8+): every container must set
//! `securityContext.allowPrivilegeEscalation: false`. From v1.25 Windows pods are exempt.
use super::{Check, Level, Place, Pod, Versioned, at, csc};
use stiglint_sdk::{Fix, Value, json};

fn eval_1_8(pod: &Pod<'_>) -> Vec<Place> {
    pod.containers()
        .filter_map(|c| match csc(&c, "allowPrivilegeEscalation") {
            Some(Value::Bool(false)) => None,
            Some(v) => Some(at(
                &c,
                "securityContext/allowPrivilegeEscalation",
                v.to_string(),
            )),
            None => Some(at(&c, "", "")),
        })
        .collect()
}

fn eval_1_25(pod: &Pod<'_>) -> Vec<Place> {
    if pod.windows() {
        Vec::new()
    } else {
        eval_1_8(pod)
    }
}

fn message(p: &Place) -> String {
    format!("{} must set allowPrivilegeEscalation: false", p.who)
}

fn detail(p: &Place) -> String {
    format!(
        "{} must set securityContext.allowPrivilegeEscalation=false",
        p.subject()
    )
}

#[allow(clippy::unnecessary_wraps)] // the signature of `Check::fix`
fn fix(p: &Place) -> Option<Fix> {
    let pointer = if p.value.is_empty() {
        format!("{}/securityContext/allowPrivilegeEscalation", p.pointer)
    } else {
        p.pointer.clone()
    };
    Some(Fix::set(
        "Set allowPrivilegeEscalation: false",
        pointer,
        json!(false),
    ))
}

/// The check.
pub static CHECK: Check = Check {
    id: "allowPrivilegeEscalation",
    level: Level::Restricted,
    control: "STIGLINT-PSS-0011",
    versions: &[
        Versioned {
            min: 8,
            eval: eval_1_8,
            exempt_windows: false,
        },
        Versioned {
            min: 25,
            eval: eval_1_25,
            exempt_windows: true,
        },
    ],
    overrides: &[],
    reason: "allowPrivilegeEscalation != false",
    detail,
    message,
    fix,
};
