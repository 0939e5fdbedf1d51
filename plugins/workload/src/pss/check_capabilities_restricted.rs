//! `capabilities_restricted` (restricted, v1.22+): every container must drop `ALL` and may add
//! only `NET_BIND_SERVICE`. From v1.25 Windows pods (`spec.os.name: windows`) are exempt.
//! Replaces `capabilities_baseline` at the restricted level.
use super::check_capabilities_baseline::added;
use super::{Check, Level, Place, Pod, Versioned, at, csc};
use stiglint_sdk::{Fix, Value, json};

const MISSING: &str = "drop";

fn eval_1_22(pod: &Pod<'_>) -> Vec<Place> {
    let mut out = Vec::new();
    for c in pod.containers() {
        let drop = csc(&c, "capabilities/drop").and_then(Value::as_array);
        if !drop.is_some_and(|d| d.iter().any(|x| x == "ALL")) {
            let existing: Vec<String> = drop
                .map(|d| {
                    d.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            let mut place = at(&c, "", MISSING);
            // The pointer is the container (a missing value); the fix keeps what it drops.
            place.value = format!("{MISSING}:{}", existing.join(","));
            out.push(place);
        }
    }
    out.extend(added(pod, &["NET_BIND_SERVICE"]));
    out
}

fn eval_1_25(pod: &Pod<'_>) -> Vec<Place> {
    if pod.windows() {
        Vec::new()
    } else {
        eval_1_22(pod)
    }
}

fn message(p: &Place) -> String {
    if p.value.starts_with("drop:") {
        format!("{} must set capabilities.drop: [ALL]", p.who)
    } else {
        super::check_capabilities_baseline::message(p)
    }
}

fn detail(p: &Place) -> String {
    if p.value.starts_with("drop:") {
        format!(
            "{} must set securityContext.capabilities.drop=[\"ALL\"]",
            p.subject()
        )
    } else {
        super::check_capabilities_baseline::detail(p)
    }
}

#[allow(clippy::unnecessary_wraps)] // the signature of `Check::fix`
fn fix(p: &Place) -> Option<Fix> {
    let existing = p.value.strip_prefix("drop:")?;
    let mut drop: Vec<&str> = existing.split(',').filter(|s| !s.is_empty()).collect();
    drop.push("ALL");
    Some(Fix::set(
        "Drop all capabilities (capabilities.drop: [ALL])",
        format!("{}/securityContext/capabilities/drop", p.pointer),
        json!(drop),
    ))
}

/// The check.
pub static CHECK: Check = Check {
    id: "capabilities_restricted",
    level: Level::Restricted,
    control: "STIGLINT-PSS-0002",
    versions: &[
        Versioned {
            min: 22,
            eval: eval_1_22,
            exempt_windows: false,
        },
        Versioned {
            min: 25,
            eval: eval_1_25,
            exempt_windows: true,
        },
    ],
    overrides: &["capabilities_baseline"],
    reason: "unrestricted capabilities",
    detail,
    message,
    fix,
};
