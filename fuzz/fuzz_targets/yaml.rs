//! The YAML/JSON loader (`stiglint::input::load`): Kubernetes manifests, JSON and kubelet
//! flags files, whichever the first byte picks (the rest is the file's text).
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use stiglint::input::{load, yaml::DEFAULT_ALIAS_LIMIT};
use stiglint::source::{Origin, SourceFile};

const NAMES: [&str; 4] = [
    "manifest.yaml",
    "manifest.json",
    "kubelet.service.d/10-kubeadm.conf",
    "manifest.yml",
];

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    // The loader sees text: files that are not UTF-8 are refused before it.
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let name = NAMES[usize::from(which) % NAMES.len()];
    let source = Arc::new(SourceFile::new(Origin::Stdin, name, Arc::from(text)));
    let loaded = load(source, DEFAULT_ALIAS_LIMIT);
    // What the scan does next with a document's value.
    for doc in &loaded.documents {
        let _ = serde_json::to_string(&doc.value);
    }
});
