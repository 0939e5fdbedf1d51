//! The Terraform plan JSON reader: a `.json` file through `stiglint::input::load`, which
//! recognises a plan and turns its resources into documents.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use stiglint::input::{load, yaml::DEFAULT_ALIAS_LIMIT};
use stiglint::source::{Origin, SourceFile};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let source = Arc::new(SourceFile::new(Origin::Stdin, "plan.json", Arc::from(text)));
    let loaded = load(source, DEFAULT_ALIAS_LIMIT);
    for doc in &loaded.documents {
        let _ = serde_json::to_string(&doc.value);
    }
    // The resource walk on its own, for plans the loader would not take as JSON.
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
        let _ = stiglint::input::terraform::plan::resources(&value);
    }
});
