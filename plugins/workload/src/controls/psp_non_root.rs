//! # CNTR-K8-002010: Pod security policy enforces non-root (pre-1.25 PSP)
//!
//! **What it checks.** Every `PodSecurityPolicy` (`policy/v1beta1`), section by section as the
//! check text reads it:
//!
//! - `runAsUser`, `supplementalGroups` and `fsGroup` must be present (a missing section is a
//!   finding, at `spec`);
//! - `runAsUser.rule` must be `MustRunAsNonRoot` (finding at the rule);
//! - `supplementalGroups` and `fsGroup` must have `ranges`, each with a `min` of at least 1: a
//!   range whose `min` is `0` (or not a number) is a finding at that `min`, a range without
//!   `min` a finding at the range, a section without `ranges` a finding at the section. A
//!   `RunAsAny` rule ignores its ranges, so it is a finding at the rule. `MustRunAs` (what the
//!   fix text uses) and `MayRunAs` both enforce their ranges and pass with good ranges: the
//!   check text judges the ranges, not the rule.
//!
//! The `PodSecurityPolicy` API was removed in Kubernetes 1.25. When the scan targets 1.25 or
//! later (`--k8s-version`, `k8s-version` in `stiglint.toml`), each policy gets a
//! "not applicable" note instead of findings; when the version is unknown, the policy is
//! judged. "No pod security policy configured at all" (the first finding of the check text)
//! is a property of the cluster, not of a manifest, and is not checked.
//!
//! **Why.** A policy that lets pods run as UID 0 or add the root group (GID 0) gives every
//! container of the cluster the file access of root on its volumes and a short path to the
//! node after any container escape.
//!
//! **Example.**
//! ```yaml
//! apiVersion: policy/v1beta1
//! kind: PodSecurityPolicy
//! metadata:
//!   name: restricted
//! spec:
//!   runAsUser:
//!     rule: RunAsAny          # finding: must be MustRunAsNonRoot
//!   supplementalGroups:
//!     rule: MustRunAs
//!     ranges:
//!       - min: 0              # finding: adds the root group
//!         max: 65535
//!   fsGroup:
//!     rule: RunAsAny          # finding: no ranges enforced
//! ```
//!
//! **Fix.**
//! ```yaml
//! spec:
//!   runAsUser:
//!     rule: MustRunAsNonRoot
//!   supplementalGroups:
//!     rule: MustRunAs
//!     ranges: [{min: 1, max: 65535}]
//!   fsGroup:
//!     rule: MustRunAs
//!     ranges: [{min: 1, max: 65535}]
//! ```
//! On Kubernetes 1.25 or later, migrate to Pod Security Admission (`restricted` level)
//! instead.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-002010 (V-242437, CAT I): `runAsUser.rule`
//! not `MustRunAsNonRoot`, or `supplementalGroups`/`fsGroup` ranges with `min` `0` or missing,
//! or any of the three sections missing, is a finding; NIST SP 800-53 AC-16 a.
use stiglint_sdk::controlplane::parse_version;
use stiglint_sdk::k8s::list_settings;
use stiglint_sdk::{NoteKind, ScanContext, prelude::*};

/// The group sections whose ranges must exclude GID 0.
const GROUP_SECTIONS: &[&str] = &["supplementalGroups", "fsGroup"];

/// See the module documentation.
#[derive(Default)]
pub struct Rule {
    scan: ScanContext,
}

impl Rule {
    /// The scan targets a Kubernetes version without the `PodSecurityPolicy` API.
    fn psp_removed(&self) -> bool {
        self.scan
            .k8s_version
            .as_deref()
            .and_then(parse_version)
            .is_some_and(|v| v >= (1, 25))
    }
}

/// Judge one of `supplementalGroups`/`fsGroup`.
fn check_groups(doc: &Document, out: &mut Out, field: &str, section: &Value) {
    let at = format!("/spec/{field}");
    let rule = section.get("rule").and_then(Value::as_str);
    match rule {
        Some("MustRunAs" | "MayRunAs") => {}
        Some(other) => {
            out.finding(
                format!("{at}/rule"),
                format!(
                    "{} {field}.rule is '{other}': use MustRunAs with ranges whose min is at least 1",
                    doc.describe()
                ),
            );
            return;
        }
        None => {
            out.finding(
                at,
                format!(
                    "{} {field} has no rule: use MustRunAs with ranges whose min is at least 1",
                    doc.describe()
                ),
            );
            return;
        }
    }
    let ranges = section
        .get("ranges")
        .and_then(Value::as_array)
        .filter(|r| !r.is_empty());
    let Some(ranges) = ranges else {
        out.finding(
            at,
            format!(
                "{} {field} has no ranges: add ranges whose min is at least 1",
                doc.describe()
            ),
        );
        return;
    };
    for (i, range) in ranges.iter().enumerate() {
        match range.get("min") {
            None | Some(Value::Null) => {
                out.finding(
                    format!("{at}/ranges/{i}"),
                    format!(
                        "{} {field} range {i} has no min: set min to at least 1",
                        doc.describe()
                    ),
                );
            }
            Some(min) if min.as_i64().is_none_or(|m| m < 1) => {
                out.finding(
                    format!("{at}/ranges/{i}/min"),
                    format!(
                        "{} {field} range {i} has min {min}: the root group (0) must be excluded, \
                         set min to at least 1",
                        doc.describe()
                    ),
                );
            }
            Some(_) => {}
        }
    }
}

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-002010")
            .kinds(&["PodSecurityPolicy"])
            .remediation(
                "Set runAsUser.rule to MustRunAsNonRoot and supplementalGroups/fsGroup to \
                 MustRunAs with ranges whose min is at least 1 (on 1.25+, use Pod Security \
                 Admission).",
            )
    }

    fn configure(&mut self, settings: &Value, scan: &ScanContext) -> Result<(), String> {
        list_settings(settings, &[])?;
        self.scan = scan.clone();
        Ok(())
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        if self.psp_removed() {
            out.note(
                NoteKind::NotApplicable,
                "",
                "PodSecurityPolicy was removed in Kubernetes 1.25",
            );
            return;
        }
        let Some(spec) = doc.json.get("spec").filter(|s| s.is_object()) else {
            let pointer = if doc.json.get("spec").is_some() {
                "/spec"
            } else {
                ""
            };
            out.finding(
                pointer,
                format!(
                    "{} has no spec: it must set runAsUser, supplementalGroups and fsGroup",
                    doc.describe()
                ),
            );
            return;
        };
        for field in std::iter::once("runAsUser").chain(GROUP_SECTIONS.iter().copied()) {
            if spec.get(field).is_none_or(Value::is_null) {
                out.finding(
                    "/spec",
                    format!("{} has no {field} section", doc.describe()),
                );
            }
        }
        if let Some(run_as_user) = spec.get("runAsUser").filter(|v| !v.is_null()) {
            match run_as_user.get("rule").and_then(Value::as_str) {
                Some("MustRunAsNonRoot") => {}
                Some(other) => {
                    out.finding(
                        "/spec/runAsUser/rule",
                        format!(
                            "{} runAsUser.rule is '{other}': it must be MustRunAsNonRoot",
                            doc.describe()
                        ),
                    );
                }
                None => {
                    out.finding(
                        "/spec/runAsUser",
                        format!(
                            "{} runAsUser has no rule: it must be MustRunAsNonRoot",
                            doc.describe()
                        ),
                    );
                }
            }
        }
        for field in GROUP_SECTIONS {
            if let Some(section) = spec.get(*field).filter(|v| !v.is_null()) {
                check_groups(doc, out, field, section);
            }
        }
    }
}
