//! # KUBER-L2-000030: Images with known critical vulnerabilities
//!
//! **What it checks.** Across the whole scan: the `image` of every container, init container
//! and ephemeral container of every pod-bearing object is matched to a Trivy image report
//! (`trivy image --format json`, schema 2, passed with `--trivy-report` or given as a
//! document of a scanned file). The match is by digest first (the image's `@sha256:` digest
//! against the report's `Metadata.RepoDigests`), then by normalised name and tag (the image,
//! the report's `ArtifactName` and its `Metadata.RepoTags` all normalised the same way, so
//! `nginx:1.25` matches `docker.io/library/nginx:1.25`; no tag means `latest`, a reference
//! with a digest and no tag matches by digest only). When several reports match equally well,
//! the newest one counts. A matched image is a finding when its report lists vulnerabilities
//! at or above the `severity` setting (default `CRITICAL`; Trivy's order is `UNKNOWN` <
//! `LOW` < `MEDIUM` < `HIGH` < `CRITICAL`); the finding names the CVE IDs (ten at most). With
//! `ignore-unfixed`, only vulnerabilities with a `FixedVersion` count (like Trivy's
//! `--ignore-unfixed`). An image without a report is *not evaluated*: it is shown as a note,
//! never passed; when no report covers an image repository at all, one note for the scan per
//! distinct image of it says so (not one per workload). The judgement runs one image
//! repository at a time, so its memory follows the largest repository, not the scan. A report older than `max-report-age-days` (its `CreatedAt` date against the
//! scan's date) is a finding at its `CreatedAt`; a report without a `CreatedAt` is not judged
//! for age.
//!
//! Settings (in `stiglint.toml`; unknown keys are errors):
//!
//! ```toml
//! [controls."KUBER-L2-000030"]
//! severity = "CRITICAL"       # the lowest severity that counts (default "CRITICAL")
//! ignore-unfixed = false      # count only vulnerabilities with a fix (default false)
//! max-report-age-days = 7     # older reports are findings (default 7)
//! ```
//!
//! **Why.** An image with a known critical vulnerability gives an attacker a documented way
//! in. Scanning images and acting on the results is the vulnerability monitoring and flaw
//! remediation NIST SP 800-53 RA-5 and SI-2 ask for; a report from weeks ago says nothing about
//! the vulnerabilities published since.
//!
//! **Example.**
//! ```yaml
//! kind: Deployment
//! metadata: {name: web}
//! spec:
//!   template:
//!     spec:
//!       containers:
//!         - name: app
//!           image: nginx:1.25   # finding: 2 CRITICAL vulnerabilities: CVE-2024-45490, ...
//! ---
//! SchemaVersion: 2
//! CreatedAt: "2026-11-20T10:00:00Z"   # a finding when older than max-report-age-days
//! ArtifactName: docker.io/library/nginx:1.25
//! Metadata: {RepoTags: ["nginx:1.25"]}
//! Results:
//!   - Target: nginx:1.25 (debian 12.5)
//!     Vulnerabilities:
//!       - {VulnerabilityID: CVE-2024-45490, Severity: CRITICAL, FixedVersion: 2.5.0-1+deb12u1}
//!       - {VulnerabilityID: CVE-2024-45491, Severity: CRITICAL, FixedVersion: 2.5.0-1+deb12u1}
//! ```
//!
//! **Fix.** Update the image to a version in which the vulnerabilities are fixed (rebuild on a
//! patched base image), pin it by digest, and rescan it. Rescan images regularly so that no
//! report gets older than `max-report-age-days`.
//!
//! **References.** Seed control KUBER-L2-000030 (no DISA Kubernetes STIG rule of its own:
//! CNTR-K8-002720 asks for a patched Kubernetes, not for patched workload images); NIST
//! SP 800-53 RA-5, SI-2.
use std::collections::BTreeSet;
use std::fmt::Write as _;

use stiglint_sdk::k8s::{ImageRef, POD_KINDS};
use stiglint_sdk::{NoteKind, ScanContext, prelude::*};

const ID: &str = "KUBER-L2-000030";
const SEVERITY: &str = "severity";
const IGNORE_UNFIXED: &str = "ignore-unfixed";
const MAX_AGE: &str = "max-report-age-days";
/// The most CVE IDs a message lists.
const LISTED: usize = 10;

/// Trivy's vulnerability severities, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    Unknown,
    Low,
    Medium,
    High,
    Critical,
}

impl Level {
    const ALL: [(Self, &'static str); 5] = [
        (Self::Unknown, "UNKNOWN"),
        (Self::Low, "LOW"),
        (Self::Medium, "MEDIUM"),
        (Self::High, "HIGH"),
        (Self::Critical, "CRITICAL"),
    ];

    fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .find(|(_, name)| name.eq_ignore_ascii_case(s.trim()))
            .map(|(level, _)| *level)
    }

    fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(level, _)| *level == self)
            .map_or("UNKNOWN", |(_, name)| name)
    }
}

/// See the module documentation.
pub struct Rule {
    severity: Level,
    ignore_unfixed: bool,
    max_age_days: u64,
    today: String,
}

impl Default for Rule {
    fn default() -> Self {
        Self {
            severity: Level::Critical,
            ignore_unfixed: false,
            max_age_days: 7,
            today: String::new(),
        }
    }
}

impl Control for Rule {
    fn meta(&self) -> Meta {
        let mut kinds = POD_KINDS.to_vec();
        kinds.push("TrivyReport");
        Meta::seed(
            ID,
            "Images with known critical vulnerabilities",
            Severity::High,
        )
        .nist(&["RA-5", "SI-2"])
        .formats(&[Format::K8s, Format::Trivy])
        .pod_kinds()
        .kinds(&kinds)
        .scan_scope()
        .remediation(
            "Update the image to a version without the listed vulnerabilities and rescan it \
                 (`trivy image --format json`); rescan images older than `max-report-age-days`.",
        )
    }

    fn configure(&mut self, settings: &Value, scan: &ScanContext) -> Result<(), String> {
        self.today.clone_from(&scan.today);
        let table = match settings {
            Value::Null => return Ok(()),
            Value::Object(table) => table,
            _ => return Err("the settings must be a table".to_owned()),
        };
        for (key, value) in table {
            match key.as_str() {
                SEVERITY => {
                    self.severity = serde_json::from_value::<String>(value.clone())
                        .ok()
                        .and_then(|s| Level::parse(&s))
                        .ok_or_else(|| {
                            format!(
                                "`{SEVERITY}` must be one of \"UNKNOWN\", \"LOW\", \"MEDIUM\", \
                                 \"HIGH\", \"CRITICAL\""
                            )
                        })?;
                }
                IGNORE_UNFIXED => {
                    self.ignore_unfixed = serde_json::from_value::<bool>(value.clone())
                        .map_err(|_| format!("`{IGNORE_UNFIXED}` must be true or false"))?;
                }
                MAX_AGE => {
                    self.max_age_days =
                        serde_json::from_value::<u64>(value.clone()).map_err(|_| {
                            format!("`{MAX_AGE}` must be a whole number of days, 0 or more")
                        })?;
                }
                _ => {
                    return Err(format!(
                        "unknown setting `{key}` (expected {SEVERITY}, {IGNORE_UNFIXED}, {MAX_AGE})"
                    ));
                }
            }
        }
        Ok(())
    }

    fn check(&self, doc: &Document, out: &mut Out) {
        if doc.format == Format::Trivy || doc.kind() == "TrivyReport" {
            self.check_report(doc, out);
            return;
        }
        for c in doc.pod().iter().flat_map(PodSpec::containers) {
            let Some(image) = c.image().filter(|i| !i.trim().is_empty()) else {
                continue;
            };
            let parsed = ImageRef::parse(image);
            let pointer = c.pointer_to("image");
            out.fact_in(
                &[&parsed.name()],
                &[&pointer],
                json!({
                    "image": image,
                    "container": c.describe(),
                    "pointer": pointer,
                    "digest": parsed.digest.as_deref().map(str::to_ascii_lowercase),
                    "tagged": tagged_name(&parsed),
                }),
            );
        }
    }

    fn finish(&self, facts: &[Fact], out: &mut Out) {
        let reports: Vec<Report> = facts.iter().filter_map(Report::of).collect();
        if reports.is_empty() {
            // One note for the scan per distinct image of the repository, not one per
            // workload (nor a squiggle on every image in an editor): without a report nothing
            // is known of it.
            let images: BTreeSet<&str> = facts
                .iter()
                .filter(|f| f.data.get("report").is_none())
                .filter_map(|f| f.data["image"].as_str())
                .collect();
            for image in images {
                out.note_scan(
                    NoteKind::NotEvaluated,
                    format!(
                        "image '{image}' has no Trivy report (--trivy-report FILE): its \
                         vulnerabilities are not known"
                    ),
                );
            }
            return;
        }
        for f in facts.iter().filter(|f| f.data.get("report").is_none()) {
            let text = |key: &str| f.data[key].as_str().unwrap_or_default();
            let (image, pointer) = (text("image"), text("pointer"));
            let what = format!("{} image '{image}'", text("container"));
            let Some(report) = best_match(&reports, text("digest"), text("tagged")) else {
                out.note_in(
                    f.document,
                    NoteKind::NotEvaluated,
                    pointer,
                    format!("{what} has no Trivy report: its vulnerabilities are not known"),
                );
                continue;
            };
            if report.cves.is_empty() {
                continue;
            }
            out.finding_in(
                f.document,
                pointer,
                format!("{what} has {}", self.describe_cves(&report.cves)),
            )
            .related(
                report.document,
                "/ArtifactName",
                format!("Trivy report of '{}'", report.artifact),
            );
        }
        self.judge_age(&reports, out);
    }
}

impl Rule {
    /// Record a report's names, digests, date and counted CVE IDs.
    fn check_report(&self, doc: &Document, out: &mut Out) {
        let json = &doc.json;
        let artifact = json["ArtifactName"].as_str().unwrap_or_default();
        let strings = |key: &str| -> Vec<&str> {
            json["Metadata"][key]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default()
        };
        let mut names = BTreeSet::new();
        let mut digests = BTreeSet::new();
        // The image repositories it covers: the groups it is judged in.
        let mut repositories = BTreeSet::new();
        for reference in std::iter::once(artifact).chain(strings("RepoTags")) {
            let parsed = ImageRef::parse(reference);
            names.extend(tagged_name(&parsed));
            repositories.insert(parsed.name());
            digests.extend(parsed.digest.map(|d| d.to_ascii_lowercase()));
        }
        for reference in strings("RepoDigests") {
            let parsed = ImageRef::parse(reference);
            repositories.insert(parsed.name());
            digests.extend(parsed.digest.map(|d| d.to_ascii_lowercase()));
        }
        let mut cves = BTreeSet::new();
        let results = json["Results"].as_array().map_or(&[][..], Vec::as_slice);
        for v in results
            .iter()
            .filter_map(|r| r["Vulnerabilities"].as_array())
            .flatten()
        {
            let level = v["Severity"]
                .as_str()
                .and_then(Level::parse)
                .unwrap_or(Level::Unknown);
            let fixable = v["FixedVersion"]
                .as_str()
                .is_some_and(|s| !s.trim().is_empty());
            if level >= self.severity && (fixable || !self.ignore_unfixed) {
                cves.extend(v["VulnerabilityID"].as_str().filter(|s| !s.is_empty()));
            }
        }
        // Numbers in order: CVE-2024-5535 before CVE-2024-45490.
        let mut cves: Vec<&str> = cves.into_iter().collect();
        cves.sort_by_cached_key(|id| {
            id.split('-')
                .map(|part| (part.parse::<u64>().ok(), part.to_owned()))
                .collect::<Vec<_>>()
        });
        let created = json.get("CreatedAt").and_then(Value::as_str);
        let mut pointers = vec!["/ArtifactName"];
        if created.is_some() {
            pointers.push("/CreatedAt");
        }
        let groups: Vec<&str> = repositories.iter().map(String::as_str).collect();
        out.fact_in(
            &groups,
            &pointers,
            json!({
                "report": artifact,
                "names": names,
                "digests": digests,
                "created": created,
                "cves": cves,
            }),
        );
    }

    /// `3 CRITICAL vulnerabilities: CVE-…, CVE-…, CVE-…`, ten IDs at most.
    fn describe_cves(&self, cves: &[String]) -> String {
        let n = cves.len();
        let fixable = if self.ignore_unfixed { "fixable " } else { "" };
        let noun = if n == 1 {
            "vulnerability"
        } else {
            "vulnerabilities"
        };
        let mut text = if self.severity == Level::Critical {
            format!("{n} {fixable}CRITICAL {noun}")
        } else {
            format!(
                "{n} {fixable}{noun} of severity {} or higher",
                self.severity.name()
            )
        };
        text.push_str(": ");
        text.push_str(&cves[..n.min(LISTED)].join(", "));
        if n > LISTED {
            let _ = write!(text, " and {} more", n - LISTED);
        }
        text
    }

    /// A finding at `CreatedAt` for every report older than the limit.
    fn judge_age(&self, reports: &[Report], out: &mut Out) {
        let Some(today) = day_number(&self.today) else {
            return;
        };
        for r in reports {
            let Some(created) = &r.created else {
                continue;
            };
            let Some(day) = day_number(created) else {
                out.note_in(
                    r.document,
                    NoteKind::NotEvaluated,
                    "/CreatedAt",
                    format!(
                        "CreatedAt '{created}' of the Trivy report of '{}' is not a date: its \
                         age is not known",
                        r.artifact
                    ),
                );
                continue;
            };
            let age = today - day;
            if age > i64::try_from(self.max_age_days).unwrap_or(i64::MAX) {
                out.finding_in(
                    r.document,
                    "/CreatedAt",
                    format!(
                        "Trivy report of '{}' is {age} days old (created {}; at most {} \
                         allowed): rescan the image",
                        r.artifact,
                        created.get(..10).unwrap_or(created),
                        self.max_age_days
                    ),
                );
            }
        }
    }
}

/// A report as `check` recorded it.
struct Report {
    document: u32,
    artifact: String,
    names: Vec<String>,
    digests: Vec<String>,
    created: Option<String>,
    /// Day number of `created`, for picking the newest report.
    day: Option<i64>,
    cves: Vec<String>,
}

impl Report {
    fn of(f: &Fact) -> Option<Self> {
        let artifact = f
            .data
            .get("report")?
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let list = |key: &str| -> Vec<String> {
            f.data[key]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };
        let created = f.data["created"].as_str().map(str::to_owned);
        Some(Self {
            document: f.document,
            artifact,
            names: list("names"),
            digests: list("digests"),
            day: created.as_deref().and_then(day_number),
            created,
            cves: list("cves"),
        })
    }
}

/// The report for an image: digest matches first, then name-and-tag matches; the newest of
/// equally good matches (the first one on a tie or without dates).
fn best_match<'a>(reports: &'a [Report], digest: &str, tagged: &str) -> Option<&'a Report> {
    let newest = |matches: &dyn Fn(&Report) -> bool| {
        reports
            .iter()
            .filter(|r| matches(r))
            .fold(None::<&Report>, |best, r| match best {
                Some(b) if b.day >= r.day => Some(b),
                _ => Some(r),
            })
    };
    let by_digest =
        (!digest.is_empty()).then(|| newest(&|r| r.digests.iter().any(|d| d == digest)));
    by_digest.flatten().or_else(|| {
        (!tagged.is_empty())
            .then(|| newest(&|r| r.names.iter().any(|n| n == tagged)))
            .flatten()
    })
}

/// `registry/repository:tag` (`latest` when there is neither tag nor digest); `None` for a
/// reference pinned by digest alone, which only a digest can match.
fn tagged_name(image: &ImageRef) -> Option<String> {
    let tag = match (&image.tag, &image.digest) {
        (Some(tag), _) => tag.as_str(),
        (None, None) => "latest",
        (None, Some(_)) => return None,
    };
    Some(format!("{}:{tag}", image.name()))
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date (anything after the tenth character, such as
/// a time, is ignored); `None` if it is not a valid date.
fn day_number(date: &str) -> Option<i64> {
    let date = date.get(..10)?;
    let mut parts = date.split('-');
    let mut field = |len: usize| -> Option<i64> {
        let part = parts.next()?;
        (part.len() == len && part.bytes().all(|b| b.is_ascii_digit()))
            .then(|| part.parse().ok())
            .flatten()
    };
    let (year, month, day) = (field(4)?, field(2)?, field(2)?);
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if !(1..=days_in_month).contains(&day) {
        return None;
    }
    // Howard Hinnant's days_from_civil, for a year starting in March.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

#[cfg(test)]
mod tests {
    use super::*;
    use stiglint_sdk::Hints;

    fn doc(id: u32, format: Format, kind: &str, json: Value) -> Document {
        Document {
            id,
            uri: String::new(),
            format,
            hints: Hints {
                kind: Some(kind.into()),
                ..Hints::default()
            },
            json,
        }
    }

    fn pod(id: u32, image: &str) -> Document {
        doc(
            id,
            Format::K8s,
            "Pod",
            json!({"spec": {"containers": [{"name": "app", "image": image}]}}),
        )
    }

    fn report(id: u32, artifact: &str, created: &str, vulns: &Value) -> Document {
        doc(
            id,
            Format::Trivy,
            "TrivyReport",
            json!({
                "SchemaVersion": 2,
                "CreatedAt": created,
                "ArtifactName": artifact,
                "Metadata": {"RepoTags": [artifact], "RepoDigests": ["nginx@sha256:abc"]},
                "Results": [{"Target": "x", "Vulnerabilities": vulns}]
            }),
        )
    }

    fn run(rule: &Rule, docs: &[Document]) -> Out {
        let mut out = Out::new(ID, 0);
        let mut facts = Vec::new();
        for d in docs {
            let mut o = Out::new(ID, d.id);
            rule.check(d, &mut o);
            facts.extend(o.facts());
        }
        rule.finish(&facts, &mut out);
        out
    }

    fn configured(settings: &Value) -> Rule {
        let mut rule = Rule::default();
        let scan = ScanContext {
            today: "2026-11-22".into(),
            ..ScanContext::default()
        };
        rule.configure(settings, &scan).expect("valid settings");
        rule
    }

    #[test]
    fn dates_count_days() {
        assert_eq!(day_number("1970-01-01"), Some(0));
        assert_eq!(day_number("2000-03-01"), Some(11_017));
        assert_eq!(
            day_number("2026-11-22T10:00:00Z").zip(day_number("2026-11-01")),
            Some((20_779, 20_758))
        );
        assert_eq!(
            day_number("2024-02-29").map(|d| d + 1),
            day_number("2024-03-01")
        );
        assert_eq!(day_number("2025-02-29"), None);
        assert_eq!(day_number("2026-13-01"), None);
        assert_eq!(day_number("26-11-01"), None);
    }

    #[test]
    fn settings_are_checked() {
        let scan = ScanContext::default();
        for (settings, key) in [
            (json!({"severity": "SEVERE"}), "`severity`"),
            (json!({"ignore-unfixed": "yes"}), "`ignore-unfixed`"),
            (json!({"max-report-age-days": -1}), "`max-report-age-days`"),
            (json!({"max-age": 3}), "`max-age`"),
        ] {
            let e = Rule::default()
                .configure(&settings, &scan)
                .expect_err("bad setting");
            assert!(e.contains(key), "{e}");
        }
        let rule = configured(&json!({"severity": "high", "ignore-unfixed": true}));
        assert_eq!((rule.severity, rule.ignore_unfixed), (Level::High, true));
    }

    #[test]
    fn severity_and_fixable_filters() {
        let vulns = json!([
            {"VulnerabilityID": "CVE-1", "Severity": "CRITICAL", "FixedVersion": "2"},
            {"VulnerabilityID": "CVE-1", "Severity": "CRITICAL", "FixedVersion": "2"},
            {"VulnerabilityID": "CVE-2", "Severity": "CRITICAL"},
            {"VulnerabilityID": "CVE-3", "Severity": "HIGH", "FixedVersion": "2"},
            {"VulnerabilityID": "CVE-4", "Severity": "MEDIUM", "FixedVersion": "2"}
        ]);
        let docs = [
            pod(1, "nginx:1.25"),
            report(2, "docker.io/library/nginx:1.25", "2026-11-20", &vulns),
        ];
        let message = |settings: Value| {
            run(&configured(&settings), &docs).findings()[0]
                .message
                .clone()
        };
        assert_eq!(
            message(json!({})),
            "Container 'app' image 'nginx:1.25' has 2 CRITICAL vulnerabilities: CVE-1, CVE-2"
        );
        assert!(
            message(json!({"ignore-unfixed": true}))
                .ends_with("1 fixable CRITICAL vulnerability: CVE-1")
        );
        assert!(
            message(json!({"severity": "HIGH"}))
                .ends_with("3 vulnerabilities of severity HIGH or higher: CVE-1, CVE-2, CVE-3")
        );
    }

    #[test]
    fn digest_first_then_tag_and_unmatched_images_are_notes() {
        let critical = json!([{"VulnerabilityID": "CVE-9", "Severity": "CRITICAL"}]);
        let docs = [
            pod(1, "nginx:1.25@sha256:ABC"),
            pod(2, "nginx:1.27"),
            report(3, "nginx:1.25", "2026-11-20", &json!([])),
            doc(
                4,
                Format::Trivy,
                "TrivyReport",
                json!({"SchemaVersion": 2, "ArtifactName": "nginx:1.25",
                       "Results": [{"Vulnerabilities": critical}]}),
            ),
        ];
        let out = run(&configured(&json!({})), &docs);
        // The digest match (document 3, clean) wins over the tag match (document 4).
        assert!(out.findings().is_empty(), "{:?}", out.findings());
        assert_eq!(out.notes().len(), 1);
        assert_eq!(out.notes()[0].document, Some(2));
        assert_eq!(out.notes()[0].pointer, "/spec/containers/0/image");
    }

    #[test]
    fn many_cves_are_cut_and_stale_reports_flagged() {
        let vulns: Vec<Value> = (10..25)
            .map(|i| json!({"VulnerabilityID": format!("CVE-2024-{i}"), "Severity": "CRITICAL"}))
            .collect();
        let docs = [
            pod(1, "docker.io/library/nginx"),
            report(
                2,
                "nginx:latest",
                "2026-11-01T08:00:00Z",
                &Value::Array(vulns),
            ),
        ];
        let out = run(&configured(&json!({})), &docs);
        let f = out.findings();
        assert_eq!(f.len(), 2);
        assert!(
            f[0].message.ends_with("CVE-2024-19 and 5 more"),
            "{}",
            f[0].message
        );
        assert_eq!(f[0].related[0].document, 2);
        assert_eq!((f[1].document, f[1].pointer.as_str()), (2, "/CreatedAt"));
        assert!(f[1].message.contains("is 21 days old"), "{}", f[1].message);
    }
}
