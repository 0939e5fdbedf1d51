//! `seLinuxOptions` (baseline, v1.0+): the pod's and containers' `seLinuxOptions.type` may be
//! only empty, `container_t`, `container_init_t` or `container_kvm_t` (and `container_engine_t`
//! from v1.31); `user` and `role` must be unset or empty.
use super::{Check, Level, Place, Pod, Versioned, at, csc, no_fix};
use stiglint_sdk::Value;

const TYPES_1_0: &[&str] = &["", "container_t", "container_init_t", "container_kvm_t"];
const TYPES_1_31: &[&str] = &[
    "",
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];

fn places(pod: &Pod<'_>, types: &[&str]) -> Vec<Place> {
    let mut out = Vec::new();
    let judge = |get: &dyn Fn(&str) -> Option<Value>, out: &mut Vec<(String, String)>| {
        if let Some(t) = get("type") {
            let t = t.as_str().unwrap_or_default().to_owned();
            if !types.contains(&t.as_str()) {
                out.push(("type".to_owned(), t));
            }
        }
        for field in ["user", "role"] {
            if let Some(v) = get(field) {
                let v = v.as_str().unwrap_or_default().to_owned();
                if !v.is_empty() {
                    out.push((field.to_owned(), v));
                }
            }
        }
    };
    let mut bad = Vec::new();
    if let Some(o) = pod.sc("seLinuxOptions") {
        judge(&|f| super::walk(o, f).cloned(), &mut bad);
    }
    for (field, v) in bad {
        out.push(pod.place(
            &format!("securityContext/seLinuxOptions/{field}"),
            format!("{field} \"{v}\""),
        ));
    }
    for c in pod.containers() {
        let Some(o) = csc(&c, "seLinuxOptions") else {
            continue;
        };
        let mut bad = Vec::new();
        judge(&|f| super::walk(o, f).cloned(), &mut bad);
        for (field, v) in bad {
            out.push(at(
                &c,
                &format!("securityContext/seLinuxOptions/{field}"),
                format!("{field} \"{v}\""),
            ));
        }
    }
    out
}

fn eval_1_0(pod: &Pod<'_>) -> Vec<Place> {
    places(pod, TYPES_1_0)
}

fn eval_1_31(pod: &Pod<'_>) -> Vec<Place> {
    places(pod, TYPES_1_31)
}

fn message(p: &Place) -> String {
    format!("{} must not set SELinux {}", p.who, p.value)
}

fn detail(p: &Place) -> String {
    format!(
        "{} set forbidden securityContext.seLinuxOptions: {}",
        p.subject(),
        p.value
    )
}

/// The check.
pub static CHECK: Check = Check {
    id: "seLinuxOptions",
    level: Level::Baseline,
    control: "STIGLINT-PSS-0007",
    versions: &[
        Versioned {
            min: 0,
            eval: eval_1_0,
            exempt_windows: false,
        },
        Versioned {
            min: 31,
            eval: eval_1_31,
            exempt_windows: false,
        },
    ],
    overrides: &[],
    reason: "seLinuxOptions",
    detail,
    message,
    fix: no_fix,
};
