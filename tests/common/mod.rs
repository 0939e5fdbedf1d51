//! Helpers shared by the end-to-end tests.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

use stiglint::config::Config;
use stiglint::session::SessionOptions;

/// The fixed "today" of the tests.
pub const TODAY: &str = "2026-11-22";

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("host/ has a parent")
        .to_path_buf()
}

/// `../shared/corpus` next to the repository.
pub fn corpus() -> PathBuf {
    repo_root().join("../shared/corpus")
}

/// A precompiled-plugin cache private to the tests.
pub fn cache_dir() -> PathBuf {
    repo_root().join("target/test-cache")
}

/// The key of the tests' plugin cache (outside the cache directory).
pub fn key_file() -> PathBuf {
    repo_root().join("target/test-cache.key")
}

/// Session options for in-process tests.
pub fn options(config: Config) -> SessionOptions {
    SessionOptions {
        config,
        today: TODAY.to_owned(),
        cache_dir: Some(cache_dir()),
        key_file: Some(key_file()),
        ..SessionOptions::default()
    }
}

/// The hostile and helper plugins built from `tests/plugins/*`.
pub fn test_plugin(name: &str) -> PathBuf {
    PathBuf::from(env!("STIGLINT_TEST_PLUGINS")).join(format!("{name}.wasm"))
}

/// The `stiglint` binary, run from the repository root with a private cache and no config.
pub fn stiglint() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_stiglint"));
    cmd.current_dir(repo_root())
        .env("STIGLINT_CACHE_DIR", cache_dir())
        .env("STIGLINT_KEY_FILE", key_file())
        .env_remove("NO_COLOR")
        .env_remove("CI");
    cmd
}

/// Run and capture.
pub fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("run stiglint")
}

/// Standard output as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The SARIF multitool version the tests validate with.
pub const SARIF_MULTITOOL: &str = "@microsoft/sarif-multitool@5.7.0";

/// Validate a SARIF file with Microsoft's SARIF multitool (installed from npm into
/// `target/tools` on first use; `.ci/run` installs it up front). Fails on any error or
/// warning the validator reports.
pub fn validate_sarif(path: &std::path::Path) {
    let tools = repo_root().join("target/tools");
    let bin = tools.join("node_modules/.bin/sarif-multitool");
    if !bin.exists() {
        std::fs::create_dir_all(&tools).expect("target/tools");
        let status = Command::new("npm")
            .args([
                "install",
                "--no-save",
                "--no-audit",
                "--no-fund",
                "--prefix",
            ])
            .arg(&tools)
            .arg(SARIF_MULTITOOL)
            .status()
            .expect(
                "npm (Debian package npm) installs the SARIF multitool: .ci/test installs both",
            );
        assert!(status.success(), "npm install {SARIF_MULTITOOL} failed");
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let report = dir.path().join("validation.sarif");
    let out = Command::new(&bin)
        .arg("validate")
        .arg("-o")
        .arg(&report)
        .arg(path)
        .output()
        .expect("run sarif-multitool");
    assert!(
        out.status.success(),
        "sarif-multitool failed: {}{}",
        stdout(&out),
        stderr(&out)
    );
    let log: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report).expect("validation report"))
            .expect("validation JSON");
    let results = log["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let bad: Vec<String> = results
        .iter()
        .filter(|r| r["level"] != "note" && r["level"] != "none")
        .map(|r| format!("{} {}: {}", r["ruleId"], r["level"], r["message"]))
        .collect();
    assert!(
        bad.is_empty(),
        "SARIF validation of {}:\n{}",
        path.display(),
        bad.join("\n")
    );
}

/// A Python venv under `target/tools/venv` with a PyPI package installed in it (on first
/// use; tests run in parallel: one installs while the others wait, and a package counts as
/// installed only once its marker is written, after pip succeeded). Returns the venv's `bin/`.
pub fn python_tool(requirement: &str) -> PathBuf {
    let venv = repo_root().join("target/tools/venv");
    static INSTALL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let ready = venv.join(format!(".installed-{requirement}"));
    let _guard = INSTALL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if !ready.exists() {
        if !venv.join("bin/python").exists() {
            let ok = Command::new("python3")
                .args(["-m", "venv"])
                .arg(&venv)
                .status()
                .expect("python3 (Debian packages python3, python3-venv) is installed: .ci/test installs it")
                .success();
            assert!(
                ok,
                "python3 -m venv failed: install the Debian package python3-venv (.ci/test does)"
            );
        }
        let ok = Command::new(venv.join("bin/python"))
            .args(["-m", "pip", "install", "--quiet", requirement])
            .status()
            .expect("pip")
            .success();
        assert!(ok, "pip install {requirement}");
        std::fs::write(&ready, "").expect("install marker");
    }
    venv.join("bin")
}

/// Read a JUnit XML file with Python's junitparser (installed from PyPI into a venv under
/// `target/tools` on first use): `(suite name, tests, failures, skipped)` of each suite.
pub fn junitparser(path: &std::path::Path) -> Vec<(String, u64, u64, u64)> {
    let python = python_tool("junitparser==3.2.0").join("python");
    let script = r#"
import json, sys
from junitparser import JUnitXml
xml = JUnitXml.fromfile(sys.argv[1])
print(json.dumps([[s.name, s.tests, s.failures, s.skipped] for s in xml]))
"#;
    let out = Command::new(&python)
        .args(["-c", script])
        .arg(path)
        .output()
        .expect("run junitparser");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

/// Build an out-of-tree example plugin (`examples/<dir>`) on its own, as a user would, and
/// return its `.wasm`.
pub fn build_example(dir: &str, wasm: &str) -> PathBuf {
    let target = repo_root().join("target/wasm-plugins");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(repo_root().join("examples").join(dir))
        .args([
            "build",
            "--quiet",
            "--release",
            "--target",
            "wasm32-wasip2",
            "--target-dir",
        ])
        .arg(&target)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .status()
        .expect("cargo");
    assert!(status.success(), "examples/{dir} builds on its own");
    target.join("wasm32-wasip2/release").join(wasm)
}
