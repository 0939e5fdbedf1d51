//! Builds every plugin under `plugins/` (the built-ins, embedded in the binary), `tests/plugins/`
//! (hostile control plugins for the tests) and `tests/waiver-plugins/` for `wasm32-wasip2`, with
//! a nested `cargo build` in its own target directory — the pattern of wasmtime's test-programs.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::Digest as _;

const TARGET: &str = "wasm32-wasip2";

fn main() {
    let manifest_dir = PathBuf::from(env("CARGO_MANIFEST_DIR"));
    let root = manifest_dir
        .parent()
        .expect("host/ has a parent")
        .to_path_buf();
    let out_dir = PathBuf::from(env("OUT_DIR"));
    for dir in [
        "plugins",
        "wit",
        "tests/plugins",
        "tests/waiver-plugins",
        "Cargo.toml",
        "Cargo.lock",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(dir).display());
    }

    let builtins = crates_in(&root.join("plugins"), &["sdk"]);
    let test_plugins = crates_in(&root.join("tests/plugins"), &[]);
    let waiver_plugins = crates_in(&root.join("tests/waiver-plugins"), &[]);

    ensure_target();
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target"), PathBuf::from)
        .join("wasm-plugins");
    // A component implements one world, and the SDK's world is a cargo feature: control and
    // waiver plugins are built in separate cargo runs so their SDK features never unify.
    let control: Vec<&(String, String)> = builtins.iter().chain(&test_plugins).collect();
    build(&root, &target_dir, &control);
    build(
        &root,
        &target_dir,
        &waiver_plugins.iter().collect::<Vec<_>>(),
    );

    let wasm_dir = target_dir.join(TARGET).join("release");
    let mut code = String::from(
        "/// The built-in plugins: (name, component bytes).\npub static BUILTIN_PLUGINS: &[(&str, &[u8])] = &[\n",
    );
    for (dir_name, package) in &builtins {
        let wasm = copy_wasm(&wasm_dir, package, &out_dir);
        let _ = writeln!(
            code,
            "    ({dir_name:?}, include_bytes!({:?})),",
            wasm.display().to_string()
        );
    }
    code.push_str("];\n");
    // The SHA-256 of every built-in, computed here: the runtime trusts built-in bytes (and
    // looks them up in the precompiled cache) only under one of these.
    code.push_str(
        "/// SHA-256 (hex) of each built-in plugin, computed by the build script.\npub static BUILTIN_SHA256: &[&str] = &[\n",
    );
    for (_, package) in &builtins {
        let bytes = std::fs::read(out_dir.join(format!("{}.wasm", package.replace('-', "_"))))
            .expect("read built-in plugin");
        let hex: String = sha2::Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let _ = writeln!(code, "    {hex:?},");
    }
    code.push_str("];\n");
    std::fs::write(out_dir.join("builtin_plugins.rs"), code).expect("write builtin_plugins.rs");

    let test_dir = out_dir.join("test-plugins");
    std::fs::create_dir_all(&test_dir).expect("create test plugin dir");
    for (dir_name, package) in test_plugins.iter().chain(&waiver_plugins) {
        let wasm = copy_wasm(&wasm_dir, package, &out_dir);
        std::fs::copy(&wasm, test_dir.join(format!("{dir_name}.wasm"))).expect("copy test plugin");
    }
    println!(
        "cargo:rustc-env=STIGLINT_TEST_PLUGINS={}",
        test_dir.display()
    );
}

/// `cargo build --release --target wasm32-wasip2` of some workspace packages.
fn build(root: &Path, target_dir: &Path, packages: &[&(String, String)]) {
    if packages.is_empty() {
        return;
    }
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(root)
        .arg("build")
        .arg("--release")
        .arg("--target")
        .arg(TARGET)
        .arg("--target-dir")
        .arg(target_dir);
    for (_, package) in packages {
        cmd.arg("-p").arg(package);
    }
    // The outer build's settings are for the host, not for wasm (and clippy's wrapper must not
    // lint the plugins a second time).
    for var in [
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "RUSTC_WORKSPACE_WRAPPER",
        "RUSTC_WRAPPER",
        "CARGO_BUILD_TARGET",
        "CARGO_TARGET_DIR",
        "CARGO_MAKEFLAGS",
        "MAKEFLAGS",
        "MFLAGS",
        "CARGO_PRIMARY_PACKAGE",
    ] {
        cmd.env_remove(var);
    }
    let status = cmd.status().expect("cannot run cargo for the wasm plugins");
    assert!(
        status.success(),
        "building the wasm plugins failed (see above)"
    );
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is set by cargo"))
}

/// `(directory name, package name)` of every crate directly below `dir`.
fn crates_in(dir: &Path, except: &[&str]) -> Vec<(String, String)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<(String, String)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let dir_name = e.file_name().to_string_lossy().into_owned();
            if except.contains(&dir_name.as_str()) {
                return None;
            }
            let manifest = std::fs::read_to_string(e.path().join("Cargo.toml")).ok()?;
            let package = manifest
                .lines()
                .find_map(|l| l.trim().strip_prefix("name = \"")?.strip_suffix('"'))?
                .to_owned();
            Some((dir_name, package))
        })
        .collect();
    out.sort();
    out
}

fn copy_wasm(wasm_dir: &Path, package: &str, out_dir: &Path) -> PathBuf {
    let file = format!("{}.wasm", package.replace('-', "_"));
    let from = wasm_dir.join(&file);
    let to = out_dir.join(&file);
    std::fs::copy(&from, &to).unwrap_or_else(|e| panic!("copy {}: {e}", from.display()));
    to
}

/// rustup installs the targets rust-toolchain.toml lists only when it installs the toolchain;
/// on a machine that already had the toolchain, add the target here.
fn ensure_target() {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let sysroot = Command::new(&rustc)
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    let installed =
        sysroot.is_some_and(|s| Path::new(&s).join("lib/rustlib").join(TARGET).is_dir());
    if installed {
        return;
    }
    let mut cmd = Command::new("rustup");
    cmd.args(["target", "add", TARGET]);
    if let Ok(toolchain) = std::env::var("RUSTUP_TOOLCHAIN") {
        cmd.args(["--toolchain", &toolchain]);
    }
    let ok = cmd.status().is_ok_and(|s| s.success());
    assert!(
        ok,
        "the {TARGET} target is missing and `rustup target add {TARGET}` failed"
    );
}
