//! Inputs the fuzz targets (`fuzz/`) found, kept under `fuzz/regressions/<target>/`, each run
//! the way its target runs it. A crash kills this test binary, which is why these tests live
//! in a file of their own.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use stiglint::input::terraform::{Variables, load_with};
use stiglint::input::{Input, Overlay, overlay_key};
use stiglint::source::Origin;

fn regression(target: &str, name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/regressions")
        .join(target)
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The `terraform` target: parts split at NUL are `main.tf`, `variables.tf`, `sub/main.tf`
/// and `NAME=VALUE` lines, as buffers in an empty module directory.
fn terraform(dir: &Path, data: &[u8]) -> Vec<String> {
    std::fs::create_dir_all(dir.join("sub")).expect("module directory");
    let text = std::str::from_utf8(data).expect("UTF-8");
    let mut parts = text.split('\0');
    let mut overlay = Overlay::new();
    let mut inputs = Vec::new();
    for name in ["main.tf", "variables.tf", "sub/main.tf"] {
        let Some(body) = parts.next() else { break };
        let path = dir.join(name);
        overlay.insert(overlay_key(&path), Arc::from(body));
        if !name.contains('/') {
            inputs.push(Input {
                origin: Origin::File(path),
                name: name.to_owned(),
            });
        }
    }
    let values = parts
        .next()
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let vars = Variables {
        files: Vec::new(),
        values,
    };
    let (loaded, problems) = load_with(&inputs, &vars, Some(&overlay));
    loaded
        .values()
        .flat_map(|f| f.problems.iter())
        .chain(&problems)
        .map(|p| p.message.clone())
        .collect()
}

/// 5,000 locals, each the next one's value: evaluating the first recurses once per local
/// and overflows the stack (the process aborts; the CLI and the language server with it).
/// Wanted: an error naming the local (a depth budget), the rest of the module judged.
#[test]
fn terraform_chain_of_locals_does_not_overflow_the_stack() {
    let dir = tempfile::tempdir().expect("temp dir");
    let problems = terraform(dir.path(), &regression("terraform", "local-chain-5000.tf"));
    assert!(!problems.is_empty(), "an error, not a silent result");
}

/// Found by the fuzzer (`crash-module-self-reference-found`, minimised by hand): a module
/// call whose argument reads the module's own output, or two module calls that read each
/// other's. Terraform refuses the cycle; stiglint's evaluation recurses until the stack
/// overflows and the process dies (CLI and language server). Wanted: an error naming the
/// cycle, exit 2, the other files judged.
#[test]
fn terraform_module_reading_its_own_output_is_an_error() {
    for name in [
        "module-self-reference.tf",
        "module-cycle.tf",
        "crash-module-self-reference-found",
    ] {
        let dir = tempfile::tempdir().expect("temp dir");
        let problems = terraform(dir.path(), &regression("terraform", name));
        assert!(
            !problems.is_empty(),
            "{name}: an error, not a silent result"
        );
    }
}
