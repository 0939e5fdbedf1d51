//! # GK-Gatekeeper/scanned-policies: Gatekeeper templates and constraints among the scanned files
//!
//! **What it checks.** Every Gatekeeper constraint (`constraints.gatekeeper.sh`) found among
//! the scanned files is run, with the `ConstraintTemplate` (`templates.gatekeeper.sh/v1` or
//! `v1beta1`) that defines its kind, against every Kubernetes object of the scan, exactly as
//! Gatekeeper's admission webhook would: the constraint's `match` (kinds, scope, namespaces and
//! excludedNamespaces with `prefix*`/`*suffix` globs, labelSelector, namespaceSelector, name),
//! `input.review` shaped as the `AdmissionRequest` (operation `CREATE`; an `AdmissionReview`
//! document is judged as the request it carries), `input.parameters`, and the template's
//! `violation` rule. Each constraint is its own control, `GK-<ConstraintKind>/<name>`; this
//! control only carries the scanned policies to the cross-document step and reports their
//! errors. Templates and constraints given with `--policy` or `[plugin-settings.gatekeeper]
//! policies` are judged per file instead, without this control.
//!
//! **Why.** Teams keep their admission policy in the repository; the pipeline should fail
//! before the cluster rejects the object, with lines, STIG IDs and waivers.
//!
//! **Example.** A template `K8sRequiredProbes` and its constraint `must-have-probes` in
//! `policy/`, a Deployment in `apps/`: `stiglint .` reports
//! `GK-K8sRequiredProbes/must-have-probes: Container <app> has no readinessProbe` on the
//! container's line.
//!
//! **Enforcement.** `enforcementAction: deny` findings fail the run; `warn` and `dryrun` are
//! reported (enforcement `warn` / `audit`) and never fail it. A `scoped` action counts with the
//! strictest action it gives the webhook (`validation.gatekeeper.sh`).
//!
//! **STIG.** The annotation `stiglint.dev/control: KUBER-L2-000070` (on the constraint or its
//! template) makes the constraint stand for that control: it inherits its STIG rule, CAT, CCI
//! and NIST references. Without it a constraint is CAT II.
//!
//! **Not evaluated** (a note on the constraint's line; `--strict` fails the run): a scanned
//! constraint whose template is neither among the scanned files nor among the policies (the
//! samples of a policy library). Given with `--policy`, that is an error.
//!
//! **Errors** (the run exits 2): a template that does
//! not compile (the Rego position is given as the file line inside the block scalar) or has no
//! `violation` rule, parameters that do not match the template's `openAPIV3Schema`, a Rego
//! runtime error, a `namespaceSelector` on a namespaced object whose Namespace is not in the
//! scan, a template reading `data.inventory` with more objects than `inventory-cap`.
//!
//! **Fix.** Fix the object as the violation's message says, or waive the finding.
//!
//! **References.** Gatekeeper documentation: "How to use Gatekeeper" (constraints, match),
//! "Constraint Templates", "Replicating data" (`data.inventory`), "gator CLI" (suites).

use crate::ControlDesc;
use crate::policy::Action;

/// This control's description.
#[must_use]
pub fn describe() -> ControlDesc {
    ControlDesc {
        id: crate::ENGINE.to_owned(),
        title: "Gatekeeper templates and constraints found among the scanned files".to_owned(),
        docs: stiglint_sdk::module_docs(include_str!("engine.rs")),
        action: Action::Deny,
        kinds: Vec::new(),
        stands_for: None,
    }
}
