//! A control plugin generated from the previous interface, `stiglint:plugin@0.1.0` (its WIT is
//! kept beside it): a plugin a team built against an older stiglint. The host must refuse it
//! with "built for interface stiglint:plugin@0.1.0, this stiglint speaks ...".
// wit-bindgen's export macro defines the component's `extern "C"` entry points here, without
// the SDK that normally hides them.
#![allow(unsafe_code)]

/// Bindings of the old interface (generated code).
#[allow(
    missing_docs,
    clippy::pedantic,
    clippy::too_many_arguments,
    unsafe_code
)]
mod bindings {
    wit_bindgen::generate!({
        world: "control-plugin",
        path: "wit",
    });
}

use bindings::stiglint::plugin::types::{CheckOutput, Fact, PluginError, PluginInfo, ScanContext};
use bindings::{Document, Guest};

struct Old;

impl Guest for Old {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: "test-old-interface".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            description: "built against stiglint:plugin@0.1.0".to_owned(),
            controls: Vec::new(),
        }
    }

    fn configure(_settings: String, _context: ScanContext) -> Result<(), PluginError> {
        Ok(())
    }

    fn check(
        _documents: Vec<Document>,
        _controls: Vec<String>,
    ) -> Result<CheckOutput, PluginError> {
        Ok(CheckOutput {
            findings: Vec::new(),
            notes: Vec::new(),
            facts: Vec::new(),
        })
    }

    fn finish(_facts: Vec<Fact>, _controls: Vec<String>) -> Result<CheckOutput, PluginError> {
        Ok(CheckOutput {
            findings: Vec::new(),
            notes: Vec::new(),
            facts: Vec::new(),
        })
    }
}

bindings::export!(Old with_types_in bindings);
