//! `appArmorProfile` (baseline, v1.0+): no `AppArmor` profile may be `unconfined`, neither in
//! the `container.apparmor.security.beta.kubernetes.io/<container>` annotations (only
//! `runtime/default` and `localhost/*`) nor in the `appArmorProfile` fields of the pod's and
//! containers' `securityContext` (only `RuntimeDefault` and `Localhost`).
use super::{Check, Level, Place, Pod, Versioned, at, csc, no_fix};
use stiglint_sdk::{Value, escape_pointer};

const ANNOTATION: &str = "container.apparmor.security.beta.kubernetes.io/";

fn eval(pod: &Pod<'_>) -> Vec<Place> {
    let mut out = Vec::new();
    if let Some(annotations) = pod
        .meta
        .and_then(|m| m.get("annotations"))
        .and_then(Value::as_object)
    {
        for (k, v) in annotations {
            let Some(container) = k.strip_prefix(ANNOTATION) else {
                continue;
            };
            let v = v.as_str().unwrap_or_default();
            if !(v.is_empty() || v == "runtime/default" || v.starts_with("localhost/")) {
                out.push(Place {
                    pointer: format!("{}/annotations/{}", pod.meta_pointer, escape_pointer(k)),
                    who: format!("Container '{container}'"),
                    name: String::new(),
                    value: format!("annotation {k}=\"{v}\""),
                    related: String::new(),
                });
            }
        }
    }
    let bad = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .filter(|t| *t != "RuntimeDefault" && *t != "Localhost")
            .map(str::to_owned)
    };
    if let Some(t) = bad(pod.sc("appArmorProfile/type")) {
        out.push(pod.place("securityContext/appArmorProfile/type", t));
    }
    for c in pod.containers() {
        if let Some(t) = bad(csc(&c, "appArmorProfile/type")) {
            out.push(at(&c, "securityContext/appArmorProfile/type", t));
        }
    }
    out
}

fn message(p: &Place) -> String {
    if p.value.starts_with("annotation ") {
        format!(
            "{} must not run with an unconfined AppArmor profile ({})",
            p.who, p.value
        )
    } else {
        format!("{} must not set appArmorProfile.type: {}", p.who, p.value)
    }
}

fn detail(p: &Place) -> String {
    if p.value.starts_with("annotation ") {
        p.value.clone()
    } else {
        format!(
            "{} must not set securityContext.appArmorProfile.type to \"{}\"",
            p.subject(),
            p.value
        )
    }
}

/// The check.
pub static CHECK: Check = Check {
    id: "appArmorProfile",
    level: Level::Baseline,
    control: "STIGLINT-PSS-0006",
    versions: &[Versioned {
        min: 0,
        eval,
        exempt_windows: false,
    }],
    overrides: &[],
    reason: "forbidden AppArmor profiles",
    detail,
    message,
    fix: no_fix,
};
