//! The Terraform HCL parser and evaluator: a root module of two files and a local child
//! module (`source = "./sub"`), given as editor buffers (an overlay) in an empty directory,
//! plus `--var` values. The input is split at NUL bytes: `main.tf`, `variables.tf`,
//! `sub/main.tf`, then `NAME=VALUE` lines.
#![no_main]

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use stiglint::input::terraform::{Variables, load_with};
use stiglint::input::{Input, Overlay, overlay_key};
use stiglint::source::Origin;

/// An empty module directory with an empty `sub/` (the overlay supplies every file).
fn root() -> &'static PathBuf {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("stiglint-fuzz-tf-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).expect("create the fuzz module directory");
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    // Triage: a stack overflow kills the process before libFuzzer can save the input.
    if let Some(path) = std::env::var_os("STIGLINT_FUZZ_LAST") {
        let _ = std::fs::write(path, data);
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.split('\0');
    let root = root();
    let files = ["main.tf", "variables.tf", "sub/main.tf"];
    let mut overlay = Overlay::new();
    let mut inputs = Vec::new();
    for name in files {
        let Some(body) = parts.next() else { break };
        let path = root.join(name);
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
    let (loaded, _problems) = load_with(&inputs, &vars, Some(&overlay));
    for file in loaded.values() {
        for doc in &file.documents {
            let _ = serde_json::to_string(&doc.value);
        }
    }
});
