//! A real editor: Neovim, headless, attached to `stiglint-lsp` on a manifest, shows the
//! diagnostics at their lines and applies the quick fix, and the buffer changes as expected.
//! (`.ci/run` installs Debian's `neovim`.)

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

const MANIFEST: &str = "apiVersion: v1
kind: Pod
metadata:
  name: debug
  namespace: shop
spec:
  containers:
    - name: shell
      image: registry1.dso.mil/ironbank/redhat/ubi/ubi9:9.4
      securityContext:
        runAsNonRoot: true
        privileged: true
      resources:
        limits: {cpu: 100m, memory: 64Mi}
";

#[test]
fn neovim_shows_diagnostics_and_applies_the_quick_fix() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().canonicalize().expect("root");
    let file = root.join("debug.yaml");
    std::fs::write(&file, MANIFEST).expect("write");
    let out = root.join("result.json");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/neovim/attach.lua");
    let cache = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/test-cache");
    let status = Command::new("nvim")
        .args(["--headless", "-u", "NONE", "-i", "NONE", "-n", "-c"])
        .arg(format!("luafile {}", script.display()))
        .env("STIGLINT_LSP", env!("CARGO_BIN_EXE_stiglint-lsp"))
        .env("STIGLINT_ROOT", &root)
        .env("STIGLINT_FILE", &file)
        .env("STIGLINT_OUT", &out)
        .env("STIGLINT_CACHE_DIR", cache)
        .env("HOME", &root)
        .current_dir(&root)
        .status()
        .expect("nvim (Debian package neovim) is installed: .ci/test installs it");
    assert!(status.success(), "nvim exits cleanly");
    let result: Value =
        serde_json::from_slice(&std::fs::read(&out).expect("the script wrote its result"))
            .expect("json");
    assert_eq!(result["got_diagnostics"], true, "{result:#}");
    let diagnostics = result["diagnostics"].as_array().expect("diagnostics");
    let privileged = diagnostics
        .iter()
        .find(|d| d["code"] == "KUBER-L2-000070")
        .expect("the privileged container is flagged");
    assert_eq!(
        (privileged["lnum"].as_u64(), privileged["col"].as_u64()),
        (Some(11), Some(8))
    );
    assert_eq!(privileged["severity"], 1, "an error in Neovim");
    assert_eq!(result["applied"], true, "{result:#}");
    let lines: Vec<&str> = result["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(lines[11], "        privileged: false", "{lines:#?}");
    assert_eq!(lines.len(), MANIFEST.lines().count());
}
