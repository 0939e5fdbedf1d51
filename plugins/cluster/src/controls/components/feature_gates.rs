//! What the feature-gate controls share: the components that take Kubernetes feature gates, and
//! the two shapes of a feature-gate rule (a gate that must not be on; a gate that must be set to
//! a value on the Kubernetes versions where it exists).

use stiglint_sdk::controlplane::{Component, StaticPod};
use stiglint_sdk::{Document, NoteKind, Out, ScanContext};

/// The control-plane static pod of a document, if it is a component that takes Kubernetes
/// feature gates (kube-apiserver, kube-controller-manager, kube-scheduler; not etcd).
pub fn kube_component(doc: &Document) -> Option<StaticPod<'_>> {
    StaticPod::of(doc).filter(|p| {
        matches!(
            p.component,
            Component::ApiServer | Component::ControllerManager | Component::Scheduler
        )
    })
}

/// A feature-gate value as Go's `strconv.ParseBool` reads it.
fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// The gate must not be on: `<gate>=true` is a finding at the `--feature-gates` item; a gate
/// left out (or a component without `--feature-gates`) is fine.
pub fn must_not_enable(doc: &Document, out: &mut Out, gate: &str) {
    let Some(pod) = kube_component(doc) else {
        return;
    };
    if let Some((flag, value)) = pod.feature_gate(gate)
        && parse_bool(value) == Some(true)
    {
        out.finding(
            &flag.pointer,
            format!(
                "{} must set --feature-gates {gate} to false or leave it out (it is '{value}')",
                pod.describe()
            ),
        );
    }
}

/// Where a gate that must be set exists: the Kubernetes versions `(first, last)`, inclusive, and
/// what to say outside them.
pub struct Lifetime {
    /// The first minor version with the gate (`None`: any earlier one).
    pub first: Option<(u32, u32)>,
    /// The last minor version with the gate.
    pub last: (u32, u32),
}

/// The gate must be set to `want` on every component, on the versions where it exists: an
/// absent `--feature-gates` is a finding at the container's `command`, a `--feature-gates`
/// without the gate or with another value one at its item. Outside the gate's lifetime the
/// component gets a not-applicable note; with no version known (no image tag, no
/// `--k8s-version`), a not-evaluated note.
pub fn must_set(
    doc: &Document,
    out: &mut Out,
    scan: &ScanContext,
    gate: &str,
    want: bool,
    lifetime: &Lifetime,
) {
    let Some(pod) = kube_component(doc) else {
        return;
    };
    let (first, last) = (lifetime.first, lifetime.last);
    let window = match first {
        Some((a, b)) => format!("from Kubernetes {a}.{b} to {}.{}", last.0, last.1),
        None => format!("up to Kubernetes {}.{}", last.0, last.1),
    };
    let Some(version) = pod.version_or(scan) else {
        out.note(
            NoteKind::NotEvaluated,
            pod.container.pointer_to("image"),
            format!(
                "the Kubernetes version of {} is unknown (no image tag, no --k8s-version) and the \
                 {gate} feature gate exists only {window}",
                pod.describe()
            ),
        );
        return;
    };
    if version > last || first.is_some_and(|f| version < f) {
        // Point at the image when its tag gave the version, else at the container.
        let pointer = if pod.version().is_some() {
            pod.container.pointer_to("image")
        } else {
            pod.container.pointer.clone()
        };
        out.note(
            NoteKind::NotApplicable,
            pointer,
            format!(
                "{} is Kubernetes {}.{} and the {gate} feature gate exists only {window}",
                pod.describe(),
                version.0,
                version.1
            ),
        );
        return;
    }
    let requirement = format!("{gate}={want}");
    match pod.feature_gate(gate) {
        Some((_, value)) if parse_bool(value) == Some(want) => {}
        Some((flag, value)) => {
            out.finding(
                &flag.pointer,
                format!(
                    "{} must set --feature-gates {requirement} (it is '{value}')",
                    pod.describe()
                ),
            );
        }
        None => {
            let pointer = pod
                .flag("feature-gates")
                .map_or_else(|| pod.missing_pointer(), |f| f.pointer.clone());
            out.finding(
                pointer,
                format!(
                    "{} must set --feature-gates {requirement} (it is not set)",
                    pod.describe()
                ),
            );
        }
    }
}
