//! # CNTR-K8-002720: Kubernetes kept at a supported, patched version
//!
//! **What it checks.** Every EKS cluster, written as `resource "aws_eks_cluster"` or as a call
//! of the registry module `terraform-aws-modules/eks/aws`: its Kubernetes version (`version`
//! on the resource, `kubernetes_version` in module v21, `cluster_version` in module v20 and
//! older) must still be supported by Amazon EKS on the day of the scan. The dates come from
//! the Amazon EKS Kubernetes release calendar, bundled as `data/eks_versions.csv` (its header
//! says when it was compiled); "today" is the scan's date (`--today` overrides it).
//!
//! * Past the end of extended support, or older than every version of the calendar: a finding
//!   at the version.
//! * Past the end of standard support but within extended support: AWS still patches it (at an
//!   extra charge), so it passes by default; with `allow-extended-support = false` it is a
//!   finding worded "in extended support until ...".
//! * Newer than the newest version of the calendar: a *not evaluated* note (update the data
//!   file), never a guess.
//!
//! **Absent attributes.** No version (absent or `null`) means EKS creates the cluster with its
//! newest version (the default of the EKS API and of the module): it passes. A version the scan
//! cannot know gives a *not evaluated* note. Write the version as a string (`"1.30"`): the
//! number `1.30` is `1.3` to Terraform.
//!
//! **Settings.**
//! ```toml
//! [controls."CNTR-K8-002720"]
//! allow-extended-support = true   # false: extended support is a finding too
//! ```
//!
//! **Why.** A Kubernetes version out of support gets no security fixes: known vulnerabilities
//! of the API server, kubelet and their dependencies stay open (NIST SP 800-53 SI-2, SI-3).
//!
//! **Example.**
//! ```hcl
//! resource "aws_eks_cluster" "this" {
//!   name    = "prod"
//!   version = "1.24"   # finding: extended support ended 2025-01-31
//! }
//! ```
//!
//! **Fix.** Upgrade the cluster one minor version at a time to a version in standard support
//! (check the add-ons and node groups for each step), and set `version` accordingly.
//!
//! **References.** DISA Kubernetes STIG CNTR-K8-002720 (V-242443); NIST SP 800-53 SI-2, SI-3;
//! Amazon EKS Kubernetes release calendar.
use stiglint_sdk::terraform::{EksCluster, Known};
use stiglint_sdk::{NoteKind, ScanContext, prelude::*};

use super::not_evaluated;
use crate::settings;

const ALLOW_EXTENDED: &str = "allow-extended-support";
const CALENDAR: &str = include_str!("../../data/eks_versions.csv");

/// One row of the calendar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Release {
    /// `(1, 31)`.
    pub version: (u32, u32),
    /// End of standard support, `YYYY-MM-DD`.
    pub end_of_standard: String,
    /// End of extended support, `YYYY-MM-DD`.
    pub end_of_extended: String,
}

/// The bundled calendar, oldest first.
#[must_use]
pub fn calendar() -> Vec<Release> {
    let mut rows: Vec<Release> = CALENDAR
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with("version"))
        .filter_map(|l| {
            let cols: Vec<&str> = l.split(',').map(str::trim).collect();
            Some(Release {
                version: parse_version(cols.first()?)?,
                end_of_standard: (*cols.get(2)?).to_owned(),
                end_of_extended: (*cols.get(3)?).to_owned(),
            })
        })
        .collect();
    rows.sort_by_key(|r| r.version);
    rows
}

/// `"1.31"` (or `"v1.31.2"`) → `(1, 31)`.
#[must_use]
pub fn parse_version(s: &str) -> Option<(u32, u32)> {
    let s = s.trim().trim_start_matches('v');
    let mut parts = s.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

/// See the module documentation.
pub struct Rule {
    allow_extended: bool,
    today: String,
    calendar: Vec<Release>,
}

impl Default for Rule {
    fn default() -> Self {
        Self {
            allow_extended: true,
            today: String::new(),
            calendar: calendar(),
        }
    }
}

impl Control for Rule {
    fn meta(&self) -> Meta {
        Meta::stig("CNTR-K8-002720")
            .nist(&["SI-2"])
            .formats(&[Format::Terraform])
            .remediation(
                "Upgrade the cluster to a Kubernetes version in Amazon EKS standard support and set \
                 `version` (module: `kubernetes_version` / `cluster_version`) to it.",
            )
    }

    fn configure(&mut self, settings: &Value, scan: &ScanContext) -> Result<(), String> {
        self.allow_extended = true;
        for (key, value) in settings::table(settings, &[ALLOW_EXTENDED])? {
            self.allow_extended = settings::boolean(key, value)?;
        }
        self.today = scan.today.chars().take(10).collect();
        Ok(())
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        let Some(cluster) = EksCluster::of(doc) else {
            return;
        };
        let address = cluster.address();
        let setting = cluster.version();
        let at = setting.pointer.as_str();
        let text = match setting.value {
            Known::Unknown(reason) => return not_evaluated(out, at, address, reason),
            Known::Value(Value::String(s)) => s.clone(),
            Known::Value(Value::Number(n)) => n.to_string(),
            _ => return, // absent or null: EKS picks its newest version
        };
        let Some(version) = parse_version(&text) else {
            out.note(
                NoteKind::NotEvaluated,
                at,
                format!("{address}: Kubernetes version '{text}' is not a <major>.<minor> version"),
            );
            return;
        };
        if self.today.is_empty() {
            out.note(
                NoteKind::NotEvaluated,
                at,
                "the scan has no date to judge support by",
            );
            return;
        }
        let today = self.today.as_str();
        let (Some(oldest), Some(newest)) = (self.calendar.first(), self.calendar.last()) else {
            return;
        };
        let Some(release) = self.calendar.iter().find(|r| r.version == version) else {
            if version < oldest.version {
                out.finding(
                    at,
                    format!(
                        "{address} runs Kubernetes {text}, older than any version Amazon EKS supports (support for {}.{} ended {})",
                        oldest.version.0, oldest.version.1, oldest.end_of_extended
                    ),
                );
            } else {
                out.note(
                    NoteKind::NotEvaluated,
                    at,
                    format!(
                        "{address}: Kubernetes {text} is not in the bundled EKS release calendar (newest {}.{}): support not evaluated",
                        newest.version.0, newest.version.1
                    ),
                );
            }
            return;
        };
        if today > release.end_of_extended.as_str() {
            out.finding(
                at,
                format!(
                    "{address} runs Kubernetes {text}, out of Amazon EKS support since {} (end of extended support)",
                    release.end_of_extended
                ),
            );
        } else if today > release.end_of_standard.as_str() && !self.allow_extended {
            out.finding(
                at,
                format!(
                    "{address} runs Kubernetes {text}, in extended support until {} (standard support ended {})",
                    release.end_of_extended, release.end_of_standard
                ),
            );
        }
    }
}
