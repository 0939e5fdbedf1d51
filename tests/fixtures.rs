//! Every control's fixtures, run through the real wasm plugins.
//!
//! Layout: `plugins/<plugin>/fixtures/<ID>/{allowed,disallowed}/*.{yaml,tf,Dockerfile}`. A
//! line of a disallowed fixture that ends in `# expect: <ID>` (or `# expect: <ID>, <ID>` for
//! two findings) must be the first line of exactly that many findings of the control; no other
//! line may have one (in a Dockerfile the marker is a comment line before the instruction).
//! An allowed fixture must give no finding of the control. A `stiglint.toml` in `<ID>/`
//! configures the control for its fixtures.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use stiglint::config::Config;
use stiglint::session::Session;

fn fixture_dirs() -> Vec<(String, PathBuf)> {
    let plugins = common::repo_root().join("plugins");
    let mut out = Vec::new();
    for plugin in std::fs::read_dir(&plugins).expect("plugins/") {
        let fixtures = plugin.expect("entry").path().join("fixtures");
        let Ok(entries) = std::fs::read_dir(&fixtures) else {
            continue;
        };
        for e in entries {
            let path = e.expect("entry").path();
            let id = path
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            out.push((id, path));
        }
    }
    out.sort();
    out
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = entries.map(|e| e.expect("entry").path()).collect();
    v.sort();
    v
}

/// Expected finding lines of a control in a fixture file: line → count. In a Dockerfile a `#`
/// after an instruction is part of its arguments, not a comment: there the marker is a comment
/// line of its own, `# expect: <ID>`, and names the next instruction line.
fn expectations(text: &str, id: &str, dockerfile: bool) -> BTreeMap<u32, usize> {
    let mut out = BTreeMap::new();
    let mut pending = 0;
    for (i, line) in text.lines().enumerate() {
        let comment = line.trim_start().starts_with('#');
        let marker = line.split_once("# expect:");
        if dockerfile {
            if let Some((_, ids)) = marker.filter(|(before, _)| before.trim().is_empty()) {
                pending += ids.split(',').filter(|x| x.trim() == id).count();
                continue;
            }
            if pending > 0 && !comment && !line.trim().is_empty() {
                out.insert(i as u32 + 1, pending);
                pending = 0;
            }
            continue;
        }
        if let Some((_, ids)) = marker {
            let n = ids.split(',').filter(|x| x.trim() == id).count();
            if n > 0 {
                out.insert(i as u32 + 1, n);
            }
        }
    }
    out
}

#[test]
fn every_control_passes_its_fixtures() {
    let dirs = fixture_dirs();
    assert!(!dirs.is_empty(), "no fixtures found");
    let mut failures = Vec::new();
    let mut checked = 0;
    for (id, dir) in &dirs {
        let config = match dir.join("stiglint.toml") {
            p if p.is_file() => Config::read(&p).expect("fixture config"),
            _ => Config::default(),
        };
        let session = Session::new(common::options(config)).expect("session");
        assert!(
            session.control(id).is_some(),
            "fixtures for {id} but no such control"
        );
        let allowed = files(&dir.join("allowed"));
        let disallowed = files(&dir.join("disallowed"));
        if allowed.is_empty() || disallowed.is_empty() {
            failures.push(format!(
                "{id}: needs both allowed/ and disallowed/ fixtures"
            ));
        }
        for (file, must_fail) in allowed
            .iter()
            .map(|f| (f, false))
            .chain(disallowed.iter().map(|f| (f, true)))
        {
            checked += 1;
            let text = std::fs::read_to_string(file).expect("fixture text");
            // A Terraform module is a directory: each `.tf` fixture is scanned alone, as the
            // only file of a module of its own.
            let alone = tempfile::tempdir().expect("temp dir");
            let scanned = if file.extension().is_some_and(|e| e == "tf") {
                let copy = alone.path().join("main.tf");
                std::fs::write(&copy, &text).expect("copy fixture");
                copy
            } else {
                file.clone()
            };
            let result = session.scan(std::slice::from_ref(&scanned), None);
            for p in &result.problems {
                failures.push(format!("{}: error: {}", file.display(), p.headline()));
            }
            let mut got: BTreeMap<u32, usize> = BTreeMap::new();
            for f in result.findings.iter().filter(|f| &f.control == id) {
                *got.entry(f.location.range.start.line).or_default() += 1;
            }
            let want = if must_fail {
                expectations(&text, id, stiglint::input::dockerfile::is_dockerfile(file))
            } else {
                BTreeMap::new()
            };
            if must_fail && want.is_empty() {
                failures.push(format!(
                    "{}: disallowed fixture without `# expect: {id}`",
                    file.display()
                ));
            }
            if got != want {
                failures.push(format!(
                    "{}: {id} expected findings on lines {want:?}, got {got:?}: {:#?}",
                    file.display(),
                    result
                        .findings
                        .iter()
                        .filter(|f| &f.control == id)
                        .map(|f| format!(
                            "{}:{} {}",
                            f.location.range.start.line, f.location.range.start.column, f.message
                        ))
                        .collect::<Vec<_>>()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} fixture files failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_builtin_control_has_fixtures_and_documentation() {
    let session = Session::new(common::options(Config::default())).expect("session");
    let with_fixtures: Vec<String> = fixture_dirs().into_iter().map(|(id, _)| id).collect();
    let mut missing = Vec::new();
    for c in session.controls() {
        // A Gatekeeper control (`GK-<Kind>/<name>`: the built-in `GK-Gatekeeper/scanned-policies`)
        // has no fixture directory: its ID is no file name, and what it reports are its
        // constraints' findings, tested end to end in tests/gatekeeper.rs.
        if !with_fixtures.contains(&c.id) && !c.id.contains('/') {
            missing.push(format!("{}: no fixtures", c.id));
        }
        for section in [
            "**What it checks.**",
            "**Why.**",
            "**Example.**",
            "**Fix.**",
            "**References.**",
        ] {
            if !c.docs.contains(section) {
                missing.push(format!("{}: documentation lacks {section}", c.id));
            }
        }
        if !c.docs.starts_with(&format!("# {}", c.id)) {
            missing.push(format!(
                "{}: documentation must start with `# {}: <title>`",
                c.id, c.id
            ));
        }
        if c.remediation.is_empty() {
            missing.push(format!("{}: no remediation", c.id));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}
