//! `seccompProfile_restricted` (restricted, v1.19+): the pod's `seccompProfile.type` must be
//! `RuntimeDefault` or `Localhost`, or every container must set one of them; no container may
//! set another type. From v1.25 Windows pods are exempt. Replaces `seccompProfile_baseline`
//! at the restricted level.
use super::{Check, Level, Place, Pod, Versioned, at, csc};
use stiglint_sdk::{Fix, Value, json};

const MISSING: &str = "";

fn valid(v: &Value) -> bool {
    matches!(v.as_str(), Some("RuntimeDefault" | "Localhost"))
}

fn eval_1_19(pod: &Pod<'_>) -> Vec<Place> {
    let mut out = Vec::new();
    let mut pod_set = false;
    if let Some(t) = pod.sc("seccompProfile/type") {
        if valid(t) {
            pod_set = true;
        } else {
            out.push(pod.place(
                "securityContext/seccompProfile/type",
                t.as_str().map_or_else(|| t.to_string(), str::to_owned),
            ));
        }
    }
    for c in pod.containers() {
        match csc(&c, "seccompProfile/type") {
            Some(t) if !valid(t) => out.push(at(
                &c,
                "securityContext/seccompProfile/type",
                t.as_str().map_or_else(|| t.to_string(), str::to_owned),
            )),
            None if csc(&c, "seccompProfile").is_some() => {
                out.push(at(&c, "securityContext/seccompProfile", MISSING));
            }
            None if !pod_set => out.push(at(&c, "", MISSING)),
            Some(_) | None => {}
        }
    }
    out
}

fn eval_1_25(pod: &Pod<'_>) -> Vec<Place> {
    if pod.windows() {
        Vec::new()
    } else {
        eval_1_19(pod)
    }
}

fn message(p: &Place) -> String {
    if p.value.is_empty() {
        format!(
            "{} must set seccompProfile.type: RuntimeDefault or Localhost",
            p.who
        )
    } else {
        super::check_seccomp_profile_baseline::message(p)
    }
}

fn detail(p: &Place) -> String {
    if p.value.is_empty() {
        format!(
            "pod or {} must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"",
            p.subject()
        )
    } else {
        super::check_seccomp_profile_baseline::detail(p)
    }
}

#[allow(clippy::unnecessary_wraps)] // the signature of `Check::fix`
fn fix(p: &Place) -> Option<Fix> {
    let pointer = if p.value.is_empty() && !p.pointer.ends_with("/seccompProfile") {
        format!("{}/securityContext/seccompProfile/type", p.pointer)
    } else if p.value.is_empty() {
        format!("{}/type", p.pointer)
    } else {
        p.pointer.clone()
    };
    Some(Fix::set(
        "Set seccompProfile.type: RuntimeDefault",
        pointer,
        json!("RuntimeDefault"),
    ))
}

/// The check.
pub static CHECK: Check = Check {
    id: "seccompProfile_restricted",
    level: Level::Restricted,
    control: "STIGLINT-PSS-0009",
    versions: &[
        Versioned {
            min: 19,
            eval: eval_1_19,
            exempt_windows: false,
        },
        Versioned {
            min: 25,
            eval: eval_1_25,
            exempt_windows: true,
        },
    ],
    overrides: &["seccompProfile_baseline"],
    reason: "seccompProfile",
    detail,
    message,
    fix,
};
