//! The Pod Security Standards checks against Kubernetes' own fixtures
//! (`../shared/corpus/pod-security-admission/test/testdata/<level>/<version>/{pass,fail}/*.yaml`,
//! kubernetes/pod-security-admission at 8f84a87c, generated upstream by its `TestFixtures`),
//! through the real binary and the real plugins, plus namespaced scans.
//!
//! Each level/version directory is one run: the fixtures (which name no namespace, so they
//! land in `default`) with a Namespace `default` labelled as admission would be
//! (`pod-security.kubernetes.io/enforce: <level>`, `enforce-version: <version>`). Every
//! `fail/<check>N.yaml` must get a finding whose `pss` properties name that check (or the
//! restricted check upstream's registry lets replace it at that version: see [`replaced_by`])
//! at that level and version, with enforcement `deny`; no `pass/*.yaml` may get a finding with
//! `pss` properties. All 4,537 files, no exclusions.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use common::{run, stderr, stdout, stiglint};
use serde_json::Value;

fn testdata() -> PathBuf {
    common::corpus().join("pod-security-admission/test/testdata")
}

fn json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", stdout(out), stderr(out)))
}

/// Upstream's `overrideCheckIDs` (policy/check_*.go): at the restricted level, from the
/// version the restricted check starts, it is the check that judges what the baseline one did.
fn replaced_by(check: &str, minor: u32) -> Option<&'static str> {
    match check {
        "capabilities_baseline" if minor >= 22 => Some("capabilities_restricted"),
        "seccompprofile_baseline" if minor >= 19 => Some("seccompprofile_restricted"),
        "procmount" if minor >= 35 => Some("procmount_restricted"),
        "hostpathvolumes" => Some("restrictedvolumes"),
        _ => None,
    }
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = entries.map(|e| e.expect("entry").path()).collect();
    v.sort();
    v
}

/// The `pss` findings of a run, by file name: (check lowercased, level, version, enforcement).
fn pss_findings(report: &Value) -> BTreeMap<String, Vec<(String, String, String, String)>> {
    let mut out: BTreeMap<String, Vec<_>> = BTreeMap::new();
    for f in report["findings"].as_array().expect("findings") {
        let Some(pss) = f.pointer("/properties/pss") else {
            continue;
        };
        let file = tail(f["file"].as_str().expect("file"));
        let s = |k: &str| pss[k].as_str().unwrap_or_default().to_owned();
        out.entry(file).or_default().push((
            s("check").to_lowercase(),
            s("level"),
            s("version"),
            f["enforcement"].as_str().unwrap_or_default().to_owned(),
        ));
    }
    out
}

/// `<level>/<version>/<pass|fail>/<name>`: the report names files as given on the command line.
fn tail(path: &str) -> String {
    let parts: Vec<&str> = path.rsplit('/').take(4).collect();
    parts.into_iter().rev().collect::<Vec<_>>().join("/")
}

fn namespace(dir: &Path, name: &str, labels: &[(&str, &str)]) -> PathBuf {
    let mut text =
        format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n  labels:\n");
    for (k, v) in labels {
        text.push_str(&format!("    pod-security.kubernetes.io/{k}: \"{v}\"\n"));
    }
    let path = dir.join(format!("ns-{name}.yaml"));
    std::fs::write(&path, text).expect("write namespace");
    path
}

#[test]
fn every_upstream_fixture_is_judged_as_admission_judges_it() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut judged = 0;
    let mut wrong = Vec::new();
    for level in ["baseline", "restricted"] {
        for version_dir in files(&testdata().join(level)) {
            let version = version_dir
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            let minor: u32 = version
                .strip_prefix("v1.")
                .and_then(|m| m.parse().ok())
                .unwrap_or_else(|| panic!("version directory {version}"));
            let ns = namespace(
                tmp.path(),
                "default",
                &[("enforce", level), ("enforce-version", &version)],
            );
            let out = run(stiglint()
                .args(["--format", "json", "--no-result-cache"])
                .arg(&ns)
                .arg(version_dir.join("pass"))
                .arg(version_dir.join("fail")));
            assert!(
                matches!(out.status.code(), Some(0 | 1)),
                "{level}/{version}: exit {:?}\n{}",
                out.status.code(),
                stderr(&out)
            );
            let report = json(&out);
            let found = pss_findings(&report);
            for file in files(&version_dir.join("fail")) {
                judged += 1;
                let name = file
                    .file_name()
                    .expect("name")
                    .to_string_lossy()
                    .into_owned();
                let check = name
                    .trim_end_matches(".yaml")
                    .trim_end_matches(|c: char| c.is_ascii_digit());
                let accepted = [
                    Some(check),
                    if level == "restricted" {
                        replaced_by(check, minor)
                    } else {
                        None
                    },
                ];
                let key = tail(&file.to_string_lossy());
                let hit = found.get(&key).is_some_and(|v| {
                    v.iter().any(|(c, l, ver, e)| {
                        accepted.contains(&Some(c.as_str()))
                            && l == level
                            && *ver == version
                            && e == "deny"
                    })
                });
                if !hit {
                    wrong.push(format!(
                        "{level}/{version}/fail/{name}: no {check} finding (got {:?})",
                        found.get(&key)
                    ));
                }
            }
            for file in files(&version_dir.join("pass")) {
                judged += 1;
                let key = tail(&file.to_string_lossy());
                if let Some(v) = found.get(&key) {
                    let name = file
                        .file_name()
                        .expect("name")
                        .to_string_lossy()
                        .into_owned();
                    wrong.push(format!("{level}/{version}/pass/{name}: {v:?}"));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {judged} fixtures judged wrongly:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert_eq!(judged, 4_537, "every fixture of the corpus");
}

/// A Deployment (the shape of the Kubernetes docs' `nginx-deployment`) in `namespace`, whose
/// container sets `runAsUser: 1000` and a `hostPort`, and nothing else.
fn deployment(name: &str, namespace: &str) -> String {
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: {namespace}
spec:
  replicas: 3
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
    spec:
      containers:
        - name: nginx
          image: nginx:1.27.3
          securityContext:
            runAsUser: 1000
          ports:
            - containerPort: 80
              hostPort: 8080
"
    )
}

/// `(control, check, level, version, enforcement)` of the `pss` findings on objects named
/// `name` (the `object.name` of the report).
fn pss_of(report: &Value, name: &str) -> BTreeSet<(String, String, String, String, String)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["object"]["name"] == name)
        .filter_map(|f| {
            let pss = f.pointer("/properties/pss")?;
            let s = |v: &Value| v.as_str().unwrap_or_default().to_owned();
            Some((
                s(&f["control"]),
                s(&pss["check"]),
                s(&pss["level"]),
                s(&pss["version"]),
                s(&f["enforcement"]),
            ))
        })
        .collect()
}

fn controls_of(report: &Value, name: &str) -> Vec<String> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["object"]["name"] == name)
        .map(|f| f["control"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn set(
    items: &[(&str, &str, &str, &str, &str)],
) -> BTreeSet<(String, String, String, String, String)> {
    items
        .iter()
        .map(|(a, b, c, d, e)| {
            (
                (*a).into(),
                (*b).into(),
                (*c).into(),
                (*d).into(),
                (*e).into(),
            )
        })
        .collect()
}

#[test]
fn two_namespaces_in_one_scan_are_each_judged_at_their_own_level() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // The workloads come first, their Namespaces after them in the same file and in another.
    let both = format!(
        "{}---\n{}---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    pod-security.kubernetes.io/enforce: restricted\n    pod-security.kubernetes.io/enforce-version: v1.30\n",
        deployment("web", "shop"),
        deployment("old", "legacy")
    );
    let apps = tmp.path().join("apps.yaml");
    std::fs::write(&apps, both).expect("write");
    let legacy = namespace(tmp.path(), "legacy", &[("enforce", "baseline")]);
    let out = run(stiglint()
        .args(["--format", "json", "--no-config"])
        .arg(&apps)
        .arg(&legacy));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = json(&out);
    assert_eq!(
        pss_of(&report, "web"),
        set(&[
            (
                "KUBER-L2-000020",
                "runAsNonRoot",
                "restricted",
                "v1.30",
                "deny"
            ),
            (
                "STIGLINT-PSS-0002",
                "capabilities_restricted",
                "restricted",
                "v1.30",
                "deny"
            ),
            (
                "STIGLINT-PSS-0004",
                "hostPorts",
                "restricted",
                "v1.30",
                "deny"
            ),
            (
                "STIGLINT-PSS-0009",
                "seccompProfile_restricted",
                "restricted",
                "v1.30",
                "deny"
            ),
            (
                "STIGLINT-PSS-0011",
                "allowPrivilegeEscalation",
                "restricted",
                "v1.30",
                "deny"
            ),
        ])
    );
    assert_eq!(
        pss_of(&report, "old"),
        set(&[(
            "STIGLINT-PSS-0004",
            "hostPorts",
            "baseline",
            "latest",
            "deny"
        )])
    );
    // Outside restricted a non-zero runAsUser still satisfies KUBER-L2-000020.
    let old = controls_of(&report, "old");
    assert!(!old.iter().any(|c| c == "KUBER-L2-000020"), "{old:?}");
    // In restricted it follows Pod Security: one finding, in admission's words.
    let web_020: Vec<&Value> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["object"]["name"] == "web" && f["control"] == "KUBER-L2-000020")
        .collect();
    assert_eq!(web_020.len(), 1, "{web_020:?}");
    assert_eq!(
        web_020[0]["message"],
        "Container 'nginx' must set runAsNonRoot: true. It violates PodSecurity \"restricted:v1.30\": runAsNonRoot != true (pod or container \"nginx\" must set securityContext.runAsNonRoot=true)"
    );
}

#[test]
fn warn_and_audit_labels_report_without_failing_the_run() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let apps = tmp.path().join("apps.yaml");
    std::fs::write(
        &apps,
        format!(
            "{}---\n{}",
            deployment("w", "warned"),
            deployment("a", "audited")
        ),
    )
    .expect("write");
    let warned = namespace(
        tmp.path(),
        "warned",
        &[
            ("enforce", "privileged"),
            ("warn", "restricted"),
            ("warn-version", "v1.25"),
        ],
    );
    let audited = namespace(
        tmp.path(),
        "audited",
        &[("enforce", "privileged"), ("audit", "baseline")],
    );
    let sarif = tmp.path().join("out.sarif");
    let out = run(stiglint()
        .args([
            "--no-config",
            "--select",
            "STIGLINT-PSS",
            "--format",
            "json",
        ])
        .arg("--format")
        .arg(format!("sarif={}", sarif.display()))
        .arg(&apps)
        .arg(&warned)
        .arg(&audited));
    assert_eq!(
        out.status.code(),
        Some(0),
        "warn and audit never fail a run: {}",
        stderr(&out)
    );
    let report = json(&out);
    assert!(pss_of(&report, "w").contains(&(
        "STIGLINT-PSS-0004".into(),
        "hostPorts".into(),
        "restricted".into(),
        "v1.25".into(),
        "warn".into()
    )));
    assert_eq!(
        pss_of(&report, "a"),
        set(&[(
            "STIGLINT-PSS-0004",
            "hostPorts",
            "baseline",
            "latest",
            "audit"
        )])
    );
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).expect("sarif")).expect("json");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    let levels: BTreeSet<(String, String)> = results
        .iter()
        .filter_map(|r| {
            let check = r.pointer("/properties/pss/check")?.as_str()?.to_owned();
            Some((check, r["level"].as_str().unwrap_or_default().to_owned()))
        })
        .collect();
    assert!(
        levels.contains(&("hostPorts".to_owned(), "warning".to_owned())),
        "{levels:?}"
    );
    assert!(
        levels.contains(&("hostPorts".to_owned(), "note".to_owned())),
        "{levels:?}"
    );
    assert!(
        levels.iter().all(|(_, l)| l == "warning" || l == "note"),
        "{levels:?}"
    );
}

#[test]
fn a_pod_security_configuration_sets_defaults_and_exemptions() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // The shape of the Kubernetes docs' "Configure the Admission Controller" example.
    let config = "apiVersion: apiserver.config.k8s.io/v1
kind: AdmissionConfiguration
plugins:
- name: PodSecurity
  configuration:
    apiVersion: pod-security.admission.config.k8s.io/v1
    kind: PodSecurityConfiguration
    defaults:
      enforce: \"restricted\"
      enforce-version: \"v1.29\"
      audit: \"restricted\"
      audit-version: \"latest\"
      warn: \"restricted\"
      warn-version: \"latest\"
    exemptions:
      usernames: []
      runtimeClasses: []
      namespaces: [kube-system]
";
    let apps = tmp.path().join("apps.yaml");
    std::fs::write(
        &apps,
        format!(
            "{}---\n{}",
            deployment("app", "apps"),
            deployment("sys", "kube-system")
        ),
    )
    .expect("write");
    let cfg = tmp.path().join("admission.yaml");
    std::fs::write(&cfg, config).expect("write");
    let out = run(stiglint()
        .args(["--format", "json", "--no-config"])
        .arg(&apps)
        .arg(&cfg));
    let report = json(&out);
    assert!(pss_of(&report, "app").contains(&(
        "STIGLINT-PSS-0011".into(),
        "allowPrivilegeEscalation".into(),
        "restricted".into(),
        "v1.29".into(),
        "deny".into()
    )));
    assert!(
        pss_of(&report, "sys").is_empty(),
        "exempt: {:?}",
        pss_of(&report, "sys")
    );

    // The same from stiglint.toml, and a default level.
    let toml = tmp.path().join("stiglint.toml");
    std::fs::write(
        &toml,
        "[plugin-settings.workload]\npss-default-level = \"restricted\"\npss-default-version = \"v1.24\"\n\n[plugin-settings.workload.pss-configuration.exemptions]\nnamespaces = [\"kube-system\"]\n",
    )
    .expect("write");
    let out = run(stiglint()
        .args(["--format", "json", "--config"])
        .arg(&toml)
        .arg(&apps));
    let report = json(&out);
    assert!(
        pss_of(&report, "app").contains(&(
            "STIGLINT-PSS-0011".into(),
            "allowPrivilegeEscalation".into(),
            "restricted".into(),
            "v1.24".into(),
            "deny".into()
        )),
        "{:?}",
        pss_of(&report, "app")
    );
    assert!(pss_of(&report, "sys").is_empty());

    // A bad setting is an error that names it.
    std::fs::write(
        &toml,
        "[plugin-settings.workload]\npss-default-level = \"strict\"\n",
    )
    .expect("write");
    let out = run(stiglint()
        .args(["--format", "json", "--config"])
        .arg(&toml)
        .arg(&apps));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stdout(&out).contains("pss-default-level") || stderr(&out).contains("pss-default-level")
    );
}

#[test]
fn an_unknown_future_version_is_judged_as_latest_with_a_note() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let apps = tmp.path().join("apps.yaml");
    std::fs::write(&apps, deployment("web", "next")).expect("write");
    let ns = namespace(
        tmp.path(),
        "next",
        &[("enforce", "restricted"), ("enforce-version", "v1.99")],
    );
    let out = run(stiglint()
        .args(["--format", "json", "--no-config"])
        .arg(&apps)
        .arg(&ns));
    let report = json(&out);
    assert!(
        pss_of(&report, "web")
            .iter()
            .any(|(_, c, l, v, _)| c == "hostPorts" && l == "restricted" && v == "v1.99")
    );
    let notes: Vec<&Value> = report["notes"]
        .as_array()
        .expect("notes")
        .iter()
        .filter(|n| n["reason"].as_str().is_some_and(|r| r.contains("v1.99")))
        .collect();
    assert_eq!(notes.len(), 1, "{:?}", report["notes"]);
}

#[test]
fn the_quick_fixes_make_a_restricted_workload_admissible() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let app = tmp.path().join("app.yaml");
    std::fs::write(
        &app,
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27.3
          securityContext:
            capabilities:
              drop: [NET_RAW]
---
apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels:
    pod-security.kubernetes.io/enforce: restricted
",
    )
    .expect("write");
    let select = ["--no-config", "--select", "KUBER-L2-000020,STIGLINT-PSS"];
    let out = run(stiglint().args(select).arg("--fix").arg(&app));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("fixed 4 findings"),
        "{}",
        stderr(&out)
    );
    let text = std::fs::read_to_string(&app).expect("read");
    for wanted in [
        "allowPrivilegeEscalation: false",
        "runAsNonRoot: true",
        "type: \"RuntimeDefault\"",
        "- NET_RAW\n                - ALL",
    ] {
        assert!(text.contains(wanted), "{wanted} in\n{text}");
    }
    let out = run(stiglint().args(select).args(["--format", "json"]).arg(&app));
    assert_eq!(json(&out)["findings"], Value::Array(Vec::new()));
}
