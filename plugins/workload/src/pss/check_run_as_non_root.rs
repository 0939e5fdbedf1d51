//! `runAsNonRoot` (restricted, v1.0+): the pod must set `runAsNonRoot: true`, or every
//! container must; nobody may set it to `false`. Also KUBER-L2-000020's own meaning ([`OWN`]):
//! outside restricted, a container with an effective non-zero `runAsUser` passes, and an
//! effective `runAsUser: 0` is a finding.
use super::{Check, Ctr, Level, Place, Pod, Versioned, at, csc};
use stiglint_sdk::{Fix, Value, json};

fn eval(pod: &Pod<'_>) -> Vec<Place> {
    let mut out = Vec::new();
    let mut pod_true = false;
    match pod.sc("runAsNonRoot") {
        Some(Value::Bool(true)) => pod_true = true,
        Some(v) => out.push(pod.place("securityContext/runAsNonRoot", v.to_string())),
        None => {}
    }
    for c in pod.containers() {
        match csc(&c, "runAsNonRoot") {
            Some(Value::Bool(true)) => {}
            Some(v) => out.push(at(&c, "securityContext/runAsNonRoot", v.to_string())),
            None if !pod_true => out.push(at(&c, "", "")),
            None => {}
        }
    }
    out
}

/// The container, when the field at `pointer` is the pod's (it inherits it).
fn inherited(c: &Ctr<'_>, pointer: &str) -> String {
    let own = c.pointer();
    if pointer.starts_with(&format!("{own}/")) {
        String::new()
    } else {
        own
    }
}

/// The effective value of a `securityContext` field (the container's over the pod's), and its
/// pointer.
fn effective<'a>(pod: &Pod<'a>, c: &Ctr<'a>, field: &str) -> Option<(&'a Value, String)> {
    if let Some(v) = csc(c, field) {
        return Some((v, format!("{}/securityContext/{field}", c.pointer())));
    }
    pod.sc(field)
        .map(|v| (v, pod.spec.pointer_to(&format!("securityContext/{field}"))))
}

/// The current meaning of KUBER-L2-000020 (see its documentation).
fn own(pod: &Pod<'_>) -> Vec<Place> {
    let mut out = Vec::new();
    for c in pod.containers() {
        let user = effective(pod, &c, "runAsUser");
        if let Some((_, p)) = user.as_ref().filter(|(v, _)| v.as_i64() == Some(0)) {
            out.push(Place {
                pointer: p.clone(),
                who: c.describe(),
                name: c.name().to_owned(),
                value: "uid0".to_owned(),
                related: inherited(&c, p),
            });
            continue;
        }
        let non_root = effective(pod, &c, "runAsNonRoot");
        if non_root
            .as_ref()
            .is_some_and(|(v, _)| *v == &Value::Bool(true))
            || user.is_some()
        {
            continue;
        }
        out.push(match non_root {
            Some((v, p)) => Place {
                related: inherited(&c, &p),
                pointer: p,
                who: c.describe(),
                name: c.name().to_owned(),
                value: v.to_string(),
            },
            None => at(&c, "", ""),
        });
    }
    out
}

fn message(p: &Place) -> String {
    if p.value == "uid0" {
        format!("{} must not run as UID 0", p.who)
    } else {
        format!("{} must set runAsNonRoot: true", p.who)
    }
}

fn detail(p: &Place) -> String {
    if p.value.is_empty() {
        format!(
            "pod or {} must set securityContext.runAsNonRoot=true",
            p.subject()
        )
    } else {
        format!(
            "{} must not set securityContext.runAsNonRoot={}",
            p.subject(),
            p.value
        )
    }
}

#[allow(clippy::unnecessary_wraps)] // the signature of `Check::fix`
fn fix(p: &Place) -> Option<Fix> {
    match p.value.as_str() {
        "uid0" => None,
        "" => Some(Fix::set(
            "Set runAsNonRoot: true",
            format!("{}/securityContext/runAsNonRoot", p.pointer),
            json!(true),
        )),
        _ => Some(Fix::set("Set runAsNonRoot: true", &p.pointer, json!(true))),
    }
}

/// The check.
pub static CHECK: Check = Check {
    id: "runAsNonRoot",
    level: Level::Restricted,
    control: "KUBER-L2-000020",
    versions: &[Versioned {
        min: 0,
        eval,
        exempt_windows: false,
    }],
    overrides: &[],
    reason: "runAsNonRoot != true",
    detail,
    message,
    fix,
};

/// KUBER-L2-000020's own meaning, at every level.
pub static OWN: Check = Check {
    id: "runAsNonRoot",
    level: Level::Privileged,
    versions: &[Versioned {
        min: 0,
        eval: own,
        exempt_windows: false,
    }],
    ..CHECK
};
