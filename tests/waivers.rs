//! Waivers end to end, through the real binary: the waiver file and inline comments, scope
//! selectors, expiry by `--today`, unused waivers, the register, SARIF suppressions and
//! configuration errors.

mod common;

use std::path::{Path, PathBuf};

use common::{run, stderr, stdout, stiglint};
use serde_json::Value;

const DEPLOYMENT: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: app
          image: registry1.dso.mil/ironbank/opensource/nginx:1.25
          securityContext:
            runAsNonRoot: true
            # stiglint:waive KUBER-L2-000070 expires=2027-01-31 approved-by="Jane Doe (ISSM)" ticket=RISK-7 -- vendor agent needs device access
            privileged: true
          resources:
            limits: {cpu: 100m, memory: 64Mi}
        - name: sidecar
          image: registry1.dso.mil/ironbank/opensource/nginx:1.25
          securityContext:
            runAsNonRoot: true
            privileged: true
          resources:
            limits: {cpu: 100m, memory: 64Mi}
---
# stiglint:waive KUBER-L2-000060 expires=2027-03-01 approved-by=ops -- node exporter reads host metrics
apiVersion: v1
kind: Pod
metadata:
  name: exporter
  namespace: monitoring
spec:
  hostNetwork: true
  hostPID: true
  containers:
    - name: exporter
      image: registry1.dso.mil/ironbank/opensource/node-exporter:1.8
      securityContext: {runAsNonRoot: true}
      resources:
        limits: {cpu: 100m, memory: 64Mi}
"#;

const EKS: &str = r#"resource "aws_eks_cluster" "this" {
  name     = "prod"
  role_arn = "arn:aws:iam::111122223333:role/eks"
  # stiglint:waive KUBER-L2-000180 expires=2027-01-01 approved-by=ops -- audit logs go to the SIEM agent
  enabled_cluster_log_types = ["api"]
  vpc_config {
    subnet_ids = ["subnet-1"]
  }
}
"#;

/// A project: manifests, Terraform and a stiglint.toml with these waivers.
fn project(waivers: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    };
    write("k8s/app.yaml", DEPLOYMENT);
    write("infra/main.tf", EKS);
    write(
        "stiglint.toml",
        &format!(
            "namespace = \"shop\"\nselect = [\"KUBER-L2-000060\", \"KUBER-L2-000070\", \"KUBER-L2-000120\", \"KUBER-L2-000180\"]\n{waivers}"
        ),
    );
    dir
}

fn check(dir: &Path, extra: &[&str]) -> (Option<i32>, Value, String) {
    let mut cmd = stiglint();
    cmd.current_dir(dir).args(["check", "--format", "json"]);
    if !extra.contains(&"--today") {
        cmd.args(["--today", "2026-11-22"]);
    }
    let out = run(cmd.args(extra).args(["k8s", "infra"]));
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&out), stderr(&out)));
    (out.status.code(), report, stderr(&out))
}

/// The first finding of a control.
fn finding<'a>(report: &'a Value, control: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["control"] == control)
        .expect("finding")
}

/// `(control, line, status)` of every finding, and the verdict of its waiver if any.
fn statuses(report: &Value) -> Vec<(String, u64, String, String)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["control"].as_str().expect("control").to_owned(),
                f["range"]["start"]["line"].as_u64().expect("line"),
                f["status"].as_str().expect("status").to_owned(),
                f["waiver"]["verdict"].as_str().unwrap_or("-").to_owned(),
            )
        })
        .collect()
}

fn s(control: &str, line: u64, status: &str, verdict: &str) -> (String, u64, String, String) {
    (
        control.to_owned(),
        line,
        status.to_owned(),
        verdict.to_owned(),
    )
}

const FILE_WAIVERS: &str = r#"
[[waivers]]
control = "KUBER-L2-000070"
container = "sidecar"
name = "web"
justification = "sidecar needs it until the vendor fixes it"
approved-by = "Jane Doe (ISSM)"
approved-on = "2026-11-01"
expires = "2026-12-10"
ticket = "RISK-8"

[[waivers]]
control = "V-242410"
address = "aws_eks_cluster.*"
justification = "old exception"
approved-by = "John Roe"
expires = "2026-10-01"

[[waivers]]
control = "KUBER-L2-000060"
namespace = "payments"
justification = "matches nothing"
approved-by = "John Roe"
expires = "2027-06-01"
"#;

#[test]
fn file_and_inline_waivers_with_scopes_expiry_and_the_register() {
    let dir = project(FILE_WAIVERS);
    let (code, report, err) = check(dir.path(), &[]);
    let got = statuses(&report);
    assert_eq!(
        got,
        [
            // Inline on the line above, and the file waiver scoped to the sidecar container.
            s("KUBER-L2-000070", 15, "waived", "waived"),
            s("KUBER-L2-000070", 22, "waived", "waived"),
            // An inline waiver at the top of a YAML document covers the document.
            s("KUBER-L2-000060", 33, "waived", "waived"),
            s("KUBER-L2-000060", 34, "waived", "waived"),
            // Inline in HCL on the line above.
            s("KUBER-L2-000180", 5, "waived", "waived"),
            // V-242410 is the STIG rule KUBER-L2-000120 stands in for; that waiver expired on
            // 2026-10-01, so the finding stays open and says so.
            s("KUBER-L2-000120", 6, "open", "expired"),
        ],
        "{report:#}"
    );
    let expired = finding(&report, "KUBER-L2-000120");
    assert!(
        expired["waiver"]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("expired on 2026-10-01")),
        "{expired:#}"
    );
    // One open CAT I finding: the run fails; waived ones do not count.
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(report["summary"]["waived"], 5);
    assert_eq!(report["summary"]["findings_total"], 1);
    // The register, in the report and as its own command.
    let register = report["waivers"].as_array().expect("register");
    let standing: Vec<(&str, &str, u64)> = register
        .iter()
        .map(|w| {
            (
                w["record"]["control"].as_str().expect("control"),
                w["status"].as_str().expect("status"),
                w["findings"].as_u64().expect("findings"),
            )
        })
        .collect();
    assert_eq!(
        standing,
        [
            ("KUBER-L2-000070", "active", 1),
            ("KUBER-L2-000060", "active", 2),
            ("KUBER-L2-000180", "active", 1),
            ("KUBER-L2-000070", "expiring", 1),
            ("V-242410", "expired", 1),
            ("KUBER-L2-000060", "unused", 0),
        ]
    );
    // --fail-on-unused-waivers: the unused one fails the run even with nothing open.
    let (code, _, _) = check(
        dir.path(),
        &["--fail-on-unused-waivers", "--select", "KUBER-L2-000070"],
    );
    assert_eq!(code, Some(1));
    let (code, _, _) = check(dir.path(), &["--select", "KUBER-L2-000070"]);
    assert_eq!(code, Some(0), "all waived");
    // --no-inline-waivers: only the reviewed file counts.
    let (_, report, _) = check(dir.path(), &["--no-inline-waivers"]);
    let open: Vec<(String, u64)> = statuses(&report)
        .into_iter()
        .filter(|(_, _, st, _)| st == "open")
        .map(|(c, l, _, _)| (c, l))
        .collect();
    assert_eq!(
        open,
        [
            ("KUBER-L2-000070".to_owned(), 15),
            ("KUBER-L2-000060".to_owned(), 33),
            ("KUBER-L2-000060".to_owned(), 34),
            ("KUBER-L2-000180".to_owned(), 5),
            ("KUBER-L2-000120".to_owned(), 6),
        ]
    );
    // A later --today: the expiring waiver has expired.
    let (_, report, _) = check(dir.path(), &["--today", "2026-12-11"]);
    assert!(statuses(&report).contains(&s("KUBER-L2-000070", 22, "open", "expired")));

    for (format, probe) in [
        ("table", "expiring  KUBER-L2-000070"),
        (
            "csv",
            "status,control,findings,expires,days_left,approved_by",
        ),
        ("json", "\"status\": \"unused\""),
    ] {
        let out = run(stiglint().current_dir(dir.path()).args([
            "waivers",
            "--today",
            "2026-11-22",
            "--format",
            format,
            "k8s",
            "infra",
        ]));
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(stdout(&out).contains(probe), "{format}: {}", stdout(&out));
    }
}

#[test]
fn waived_findings_are_sarif_suppressions() {
    let dir = project(FILE_WAIVERS);
    let sarif = dir.path().join("out.sarif");
    let out = run(stiglint()
        .current_dir(dir.path())
        .args(["check", "--today", "2026-11-22", "--format", "sarif", "-o"])
        .arg(&sarif)
        .args(["k8s", "infra"]));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let log: Value = serde_json::from_slice(&std::fs::read(&sarif).expect("sarif")).expect("json");
    let results = log["runs"][0]["results"].as_array().expect("results");
    let suppressed: Vec<(&str, &str, &str)> = results
        .iter()
        .filter_map(|r| {
            let s = &r["suppressions"][0];
            Some((
                r["ruleId"].as_str()?,
                s["kind"].as_str()?,
                s["status"].as_str()?,
            ))
        })
        .collect();
    assert_eq!(
        suppressed,
        [
            ("KUBER-L2-000070", "inSource", "accepted"),
            ("KUBER-L2-000070", "external", "accepted"),
            ("KUBER-L2-000060", "inSource", "accepted"),
            ("KUBER-L2-000060", "inSource", "accepted"),
            ("KUBER-L2-000180", "inSource", "accepted"),
            ("KUBER-L2-000120", "external", "rejected"),
        ]
    );
    let first = &results
        .iter()
        .find(|r| r["ruleId"] == "KUBER-L2-000070")
        .expect("result")["suppressions"][0];
    assert_eq!(first["justification"], "vendor agent needs device access");
    assert_eq!(
        first["properties"]["waiver"]["approved_by"],
        "Jane Doe (ISSM)"
    );
    common::validate_sarif(&sarif);
}

#[test]
fn bad_waivers_are_configuration_errors_naming_file_line_and_field() {
    for (entry, field) in [
        (
            "control = \"KUBER-L2-000070\"\nname = \"web\"\napproved-by = \"x\"\nexpires = \"2027-01-01\"\n",
            "justification",
        ),
        (
            "control = \"KUBER-L2-000070\"\nname = \"web\"\njustification = \"j\"\nexpires = \"2027-01-01\"\n",
            "approved-by",
        ),
        (
            "control = \"KUBER-L2-000070\"\nname = \"web\"\njustification = \"j\"\napproved-by = \"x\"\n",
            "expires",
        ),
        (
            "control = \"KUBER-L2-000070\"\njustification = \"j\"\napproved-by = \"x\"\nexpires = \"2027-01-01\"\n",
            "path",
        ),
        (
            "control = \"NOPE-1\"\nname = \"web\"\njustification = \"j\"\napproved-by = \"x\"\nexpires = \"2027-01-01\"\n",
            "control",
        ),
        (
            "control = \"KUBER-L2-000070\"\nname = \"web\"\njustification = \"j\"\napproved-by = \"x\"\nexpires = \"next year\"\n",
            "expires",
        ),
    ] {
        let dir = project(&format!("\n[[waivers]]\n{entry}"));
        let out =
            run(stiglint()
                .current_dir(dir.path())
                .args(["check", "--today", "2026-11-22", "k8s"]));
        assert_eq!(out.status.code(), Some(2), "{entry}");
        let err = stderr(&out);
        assert!(
            err.contains("stiglint.toml:4: waiver ") && err.contains(&format!("waiver {field}:")),
            "{entry} → {err}"
        );
    }
    // An unknown key is an error with its line and column.
    let dir = project("\n[[waivers]]\ncontrol = \"KUBER-L2-000070\"\napprover = \"x\"\n");
    let out = run(stiglint().current_dir(dir.path()).args(["check", "k8s"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown field `approver`"),
        "{}",
        stderr(&out)
    );
    // A malformed inline waiver is an error at its line; the scan goes on.
    let dir = project("");
    let text = DEPLOYMENT.replace("expires=2027-03-01 ", "");
    std::fs::write(dir.path().join("k8s/app.yaml"), text).expect("write");
    let (code, report, err) = check(dir.path(), &[]);
    assert_eq!(code, Some(2), "{err}");
    assert_eq!(
        report["errors"][0]["range"]["start"]["line"], 26,
        "{report:#}"
    );
    assert!(
        report["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("expires")),
        "{report:#}"
    );
    assert!(!report["findings"].as_array().expect("findings").is_empty());
}

/// A waivers file named from the configuration.
#[test]
fn waivers_can_live_in_their_own_file() {
    let dir = project("waivers-file = \"security/waivers.toml\"\n");
    let path: PathBuf = dir.path().join("security/waivers.toml");
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(&path, FILE_WAIVERS).expect("write");
    let (_, report, _) = check(dir.path(), &[]);
    let origins: Vec<&str> = report["waivers"]
        .as_array()
        .expect("register")
        .iter()
        .filter(|w| w["record"]["origin"]["type"] == "file")
        .filter_map(|w| w["record"]["origin"]["path"].as_str())
        .collect();
    assert_eq!(origins.len(), 3, "{report:#}");
    assert!(origins.iter().all(|p| p.ends_with("security/waivers.toml")));
}

/// A waiver plugin that panics: the run fails (exit 2) naming it, and no waiver is honoured.
#[test]
fn a_failing_waiver_plugin_fails_closed() {
    let dir = project(FILE_WAIVERS);
    let (code, report, err) = check(
        dir.path(),
        &[
            "--plugin",
            common::test_plugin("panic").to_str().expect("utf-8"),
        ],
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(
        report["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .any(|e| e["plugin"] == "test-waiver-panic"
                && e["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("no waiver is honoured"))),
        "{report:#}"
    );
    assert_eq!(report["summary"]["waived"], 0, "{report:#}");
    assert!(statuses(&report).iter().all(|(_, _, st, _)| st == "open"));
}

/// `examples/waiver-plugin`, built on its own as a user would, enforcing its organisation's
/// policy: a CAT I waiver is rejected, one longer than 90 days from its approval is rejected,
/// an approver not on the list is rejected, and a valid one stands.
#[test]
fn example_waiver_plugin_enforces_its_policy() {
    let wasm = common::build_example("waiver-plugin", "org_waiver_policy.wasm");
    let waivers = r#"
[[plugins]]
path = "WASM"

[plugin-settings.org-waiver-policy]
max-days = 90
approvers = ["Jane Doe (ISSM)"]

[[waivers]]
control = "KUBER-L2-000180"
address = "aws_eks_cluster.this"
justification = "audit logs go to the SIEM agent"
approved-by = "Jane Doe (ISSM)"
approved-on = "2026-11-01"
expires = "2027-01-15"
"#
    .replace("WASM", wasm.to_str().expect("utf-8"));
    let dir = project(&waivers);
    // The inline waivers of the project: KUBER-L2-000070 (CAT I) twice, KUBER-L2-000060
    // (CAT I), and KUBER-L2-000180 inline without approved-on; the file waiver above is the
    // valid one, but the inline one on the same finding wins and lacks approved-on.
    let (code, report, err) = check(dir.path(), &[]);
    assert_eq!(code, Some(1), "{err}");
    let reasons: Vec<(String, String, String)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["control"].as_str().expect("control").to_owned(),
                f["status"].as_str().expect("status").to_owned(),
                f["waiver"]["reason"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let rejected_cat_one = reasons
        .iter()
        .filter(|(_, _, r)| r.contains("CAT I controls are never waivable"))
        .count();
    assert_eq!(rejected_cat_one, 3, "{reasons:#?}");
    for (control, status, reason) in &reasons {
        match control.as_str() {
            "KUBER-L2-000070" | "KUBER-L2-000060" => {
                // Open: the inline waivers are rejected (the sidecar never had one).
                assert_eq!(status, "open");
                assert!(
                    reason.is_empty() || reason.contains("CAT I controls are never waivable"),
                    "{reason}"
                );
            }
            "KUBER-L2-000180" => {
                assert_eq!(status, "open");
                assert!(reason.contains("approved-on"), "{reason}");
            }
            _ => {}
        }
    }
    // Without the inline waivers only the file's valid waiver is claimed, and it stands.
    let (_, report, _) = check(dir.path(), &["--no-inline-waivers"]);
    let audit = finding(&report, "KUBER-L2-000180");
    assert_eq!(audit["status"], "waived", "{audit:#}");
    // Longer than 90 days from its approval: rejected.
    let long = waivers.replace("expires = \"2027-01-15\"", "expires = \"2027-03-01\"");
    let dir = project(&long);
    let (_, report, _) = check(dir.path(), &["--no-inline-waivers"]);
    let audit = finding(&report, "KUBER-L2-000180");
    assert_eq!(audit["status"], "open", "{audit:#}");
    assert!(
        audit["waiver"]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("90")),
        "{audit:#}"
    );
    // An approver not on the list: rejected.
    let other = waivers.replace(
        "approved-by = \"Jane Doe (ISSM)\"",
        "approved-by = \"Someone Else\"",
    );
    let dir = project(&other);
    let (_, report, _) = check(dir.path(), &["--no-inline-waivers"]);
    let audit = finding(&report, "KUBER-L2-000180");
    assert_eq!(audit["status"], "open", "{audit:#}");
    assert!(
        audit["waiver"]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("approver") || r.contains("Someone Else")),
        "{audit:#}"
    );
}

/// The `path` (glob, relative to the configuration) and `kind` selectors.
#[test]
fn path_and_kind_selectors() {
    let dir = project(
        r#"
[[waivers]]
control = "KUBER-L2-000060"
path = "k8s/*.yaml"
kind = "Pod"
justification = "node exporter"
approved-by = "ops"
expires = "2027-01-01"

[[waivers]]
control = "KUBER-L2-000070"
path = "other/*.yaml"
justification = "does not match the file"
approved-by = "ops"
expires = "2027-01-01"
"#,
    );
    let (_, report, _) = check(dir.path(), &["--no-inline-waivers"]);
    let got = statuses(&report);
    assert!(
        got.contains(&s("KUBER-L2-000060", 33, "waived", "waived")),
        "{got:?}"
    );
    assert!(
        got.contains(&s("KUBER-L2-000060", 34, "waived", "waived")),
        "{got:?}"
    );
    assert!(
        got.contains(&s("KUBER-L2-000070", 15, "open", "-")),
        "{got:?}"
    );
    let unused: Vec<&str> = report["waivers"]
        .as_array()
        .expect("register")
        .iter()
        .filter(|w| w["status"] == "unused")
        .filter_map(|w| w["record"]["control"].as_str())
        .collect();
    assert_eq!(unused, ["KUBER-L2-000070"]);
}

/// The settings of `tests/waiver-plugins/grant`, which waives every unclaimed KUBER-L2-000070
/// finding (here: the sidecar's) with its own record.
fn grant_settings(extra: &str) -> String {
    format!("\n[plugin-settings.test-waiver-grant]\n{extra}\n")
}

fn grant_plugin() -> String {
    common::test_plugin("grant")
        .to_str()
        .expect("utf-8")
        .to_owned()
}

/// Whether an XML file is well formed (Python's expat, which refuses what XML 1.0 cannot
/// carry).
fn well_formed_xml(path: &Path) {
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])",
        ])
        .arg(path)
        .output()
        .expect("python3 (Debian package python3) is installed: .ci/test installs it");
    assert!(
        out.status.success(),
        "{} is not well-formed XML: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A waiver a plugin grants is carried, whole, into every report: text, JSON, SARIF (valid by
/// the multitool, the record in the suppression's properties), JUnit, GitHub, GitLab, CKL,
/// CKLB, the evidence record, and the `waivers` register as a table, JSON and CSV.
#[test]
fn a_plugin_granted_waiver_is_in_every_report() {
    let dir = project(&grant_settings(""));
    let out_dir = tempfile::tempdir().expect("tempdir");
    let file = |name: &str| out_dir.path().join(name);
    let mut cmd = stiglint();
    cmd.current_dir(dir.path())
        .args(["check", "--today", "2026-11-22", "--plugin"])
        .arg(grant_plugin());
    for (format, name) in [
        ("json", "report.json"),
        ("sarif", "report.sarif"),
        ("junit", "report.xml"),
        ("github", "github.txt"),
        ("gitlab", "gitlab.json"),
        ("ckl", "report.ckl"),
        ("cklb", "report.cklb"),
        ("evidence", "evidence.json"),
    ] {
        cmd.arg("--format")
            .arg(format!("{format}={}", file(name).display()));
    }
    let out = run(cmd.args(["--format", "text", "k8s", "infra"]));
    // Open findings remain (the CAT I public endpoint); nothing fails or panics.
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let text = stdout(&out);
    assert!(text.contains("test-waiver-grant"), "text: {text}");

    let read = |name: &str| std::fs::read_to_string(file(name)).expect(name);
    let json = |name: &str| -> Value {
        serde_json::from_str(&read(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    // JSON: the sidecar's finding is waived with the plugin's record.
    let report = json("report.json");
    let sidecar = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["control"] == "KUBER-L2-000070" && f["container"] == "sidecar")
        .expect("the sidecar's finding");
    assert_eq!(sidecar["status"], "waived", "{sidecar:#}");
    let record = &sidecar["waiver"]["record"];
    assert_eq!(record["origin"]["type"], "plugin", "{record:#}");
    assert_eq!(record["origin"]["name"], "test-waiver-grant", "{record:#}");
    assert_eq!(record["ticket"], "RISK-42", "{record:#}");
    assert!(
        report["waivers"]
            .as_array()
            .expect("register")
            .iter()
            .any(|w| w["record"]["origin"]["name"] == "test-waiver-grant"),
        "{report:#}"
    );
    // SARIF: valid, and the record is in the suppression (not `null`).
    common::validate_sarif(&file("report.sarif"));
    let sarif = json("report.sarif");
    let records: Vec<&Value> = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["suppressions"].as_array())
        .flatten()
        .map(|s| &s["properties"]["waiver"])
        .collect();
    assert!(records.iter().all(|w| w.is_object()), "{records:#?}");
    assert!(
        records
            .iter()
            .any(|w| w["origin"]["name"] == "test-waiver-grant"),
        "{records:#?}"
    );
    // JUnit: well formed, read by junitparser, the waiver as a skipped case.
    well_formed_xml(&file("report.xml"));
    assert!(!common::junitparser(&file("report.xml")).is_empty());
    assert!(
        read("report.xml").contains("test-waiver-grant&apos; (approved by Test Policy"),
        "junit: {}",
        read("report.xml")
    );
    // GitHub, GitLab.
    assert!(read("github.txt").contains("::"), "github");
    assert!(json("gitlab.json").is_array());
    // Checklists: the record in the rule's comments.
    well_formed_xml(&file("report.ckl"));
    assert!(read("report.ckl").contains("test-waiver-grant"), "ckl");
    assert!(json("report.cklb").is_object());
    assert!(read("report.cklb").contains("test-waiver-grant"), "cklb");
    // Evidence: the record in the findings and the register.
    let evidence = json("evidence.json");
    assert!(
        evidence["waivers"]
            .as_array()
            .expect("register")
            .iter()
            .any(|w| w["record"]["origin"]["name"] == "test-waiver-grant"),
        "{evidence:#}"
    );
    // The register, in each of its formats.
    for (format, probe) in [
        ("table", "waiver plugin 'test-waiver-grant'"),
        ("json", "\"name\": \"test-waiver-grant\""),
        ("csv", "waiver plugin 'test-waiver-grant'"),
    ] {
        let out = run(stiglint()
            .current_dir(dir.path())
            .args(["waivers", "--today", "2026-11-22", "--format", format])
            .arg("--plugin")
            .arg(grant_plugin())
            .args(["k8s", "infra"]));
        assert_eq!(out.status.code(), Some(0), "{format}: {}", stderr(&out));
        assert!(stdout(&out).contains(probe), "{format}: {}", stdout(&out));
        if format == "json" {
            let _: Value = serde_json::from_slice(&out.stdout).expect("register JSON");
        }
    }
}

/// A plugin's waiver for another control, or with a date that is not strictly `YYYY-MM-DD`,
/// waives nothing: the finding stays open and the run fails naming the plugin (fail closed).
#[test]
fn a_plugin_granted_waiver_must_fit_the_finding() {
    for (settings, why) in [
        (
            "control = \"NOT-A-CONTROL\"",
            "control: the waiver is for 'NOT-A-CONTROL', not for KUBER-L2-000070",
        ),
        ("control = \"kuber-l2-000070\"", "not for KUBER-L2-000070"),
        ("expires = \"2099-+1-+1\"", "'2099-+1-+1' is not a date"),
        ("expires = \"2026-10-31\"", "after it expires"),
    ] {
        let dir = project(&grant_settings(settings));
        let (code, report, err) = check(dir.path(), &["--plugin", &grant_plugin()]);
        assert_eq!(code, Some(2), "{settings}: {err}");
        let sidecar = report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .find(|f| f["control"] == "KUBER-L2-000070" && f["container"] == "sidecar")
            .expect("the sidecar's finding");
        assert_eq!(sidecar["status"], "open", "{settings}: {sidecar:#}");
        assert_eq!(sidecar["waiver"]["verdict"], "rejected", "{settings}");
        let errors: Vec<&Value> = report["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .filter(|e| e["plugin"] == "test-waiver-grant")
            .collect();
        assert_eq!(errors.len(), 1, "{settings}: {report:#}");
        let message = errors[0]["message"].as_str().expect("message");
        assert!(
            message.contains("granted an invalid waiver") && message.contains(why),
            "{settings}: {message}"
        );
        assert!(
            errors[0]["file"]
                .as_str()
                .is_some_and(|f| f.ends_with("app.yaml"))
        );
    }
    // A grant that names the control by its Vuln ID fits, and waives.
    let dir = project(&grant_settings("control = \"V-254800\""));
    let (code, report, err) = check(dir.path(), &["--plugin", &grant_plugin()]);
    assert_eq!(code, Some(1), "{err}\n{report:#}");
    let sidecar = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["control"] == "KUBER-L2-000070" && f["container"] == "sidecar")
        .expect("the sidecar's finding");
    assert_eq!(sidecar["status"], "waived", "{sidecar:#}");
}
