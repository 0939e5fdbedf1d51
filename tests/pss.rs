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

use std::collections::BTreeMap;
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
    let mut text = format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n  labels:\n");
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
                let name = file.file_name().expect("name").to_string_lossy().into_owned();
                let check = name.trim_end_matches(".yaml").trim_end_matches(|c: char| c.is_ascii_digit());
                let accepted = [Some(check), if level == "restricted" { replaced_by(check, minor) } else { None }];
                let key = tail(&file.to_string_lossy());
                let hit = found.get(&key).is_some_and(|v| {
                    v.iter().any(|(c, l, ver, e)| {
                        accepted.contains(&Some(c.as_str())) && l == level && *ver == version && e == "deny"
                    })
                });
                if !hit {
                    wrong.push(format!("{level}/{version}/fail/{name}: no {check} finding (got {:?})", found.get(&key)));
                }
            }
            for file in files(&version_dir.join("pass")) {
                judged += 1;
                let key = tail(&file.to_string_lossy());
                if let Some(v) = found.get(&key) {
                    let name = file.file_name().expect("name").to_string_lossy().into_owned();
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
