//! A waiver plugin that panics in `review`: the host must report it, fail the run, and honour
//! no claimed waiver (fail closed).

use stiglint_sdk::waiver::bindings::{
    Decision, Guest, PluginError, PluginInfo, ReviewItem, ScanContext,
};

struct Panic;

impl Guest for Panic {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: "test-waiver-panic".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            description: "panics while reviewing".to_owned(),
            controls: Vec::new(),
            dynamic_prefixes: Vec::new(),
        }
    }

    fn configure(_settings: String, _context: ScanContext) -> Result<(), PluginError> {
        Ok(())
    }

    fn review(items: Vec<ReviewItem>) -> Result<Vec<Decision>, PluginError> {
        panic!("reviewing {} findings", items.len());
    }
}

stiglint_sdk::waiver::bindings::__export_waiver_plugin!(Panic with_types_in stiglint_sdk::waiver::bindings);
