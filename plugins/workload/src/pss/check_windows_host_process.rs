//! `windowsHostProcess` (baseline, v1.0+): `securityContext.windowsOptions.hostProcess` must
//! be unset or `false` on the pod and every container.
use super::{Check, Level, Place, Pod, Versioned, at, csc};
use stiglint_sdk::{Fix, Value, json};

const FIELD: &str = "securityContext/windowsOptions/hostProcess";

fn eval(pod: &Pod<'_>) -> Vec<Place> {
    let mut out = Vec::new();
    if pod.sc("windowsOptions/hostProcess") == Some(&Value::Bool(true)) {
        out.push(pod.place(FIELD, "true"));
    }
    out.extend(
        pod.containers()
            .filter(|c| csc(c, "windowsOptions/hostProcess") == Some(&Value::Bool(true)))
            .map(|c| at(&c, FIELD, "true")),
    );
    out
}

fn message(p: &Place) -> String {
    format!(
        "{} must not run as a Windows HostProcess (windowsOptions.hostProcess: true)",
        p.who
    )
}

fn detail(p: &Place) -> String {
    format!(
        "{} must not set securityContext.windowsOptions.hostProcess=true",
        p.subject()
    )
}

#[allow(clippy::unnecessary_wraps)] // the signature of `Check::fix`
fn fix(p: &Place) -> Option<Fix> {
    Some(Fix::set("Set hostProcess: false", &p.pointer, json!(false)))
}

/// The check.
pub static CHECK: Check = Check {
    id: "windowsHostProcess",
    level: Level::Baseline,
    control: "STIGLINT-PSS-0001",
    versions: &[Versioned {
        min: 0,
        eval,
        exempt_windows: false,
    }],
    overrides: &[],
    reason: "hostProcess",
    detail,
    message,
    fix,
};
