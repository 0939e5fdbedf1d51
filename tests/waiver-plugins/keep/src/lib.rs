//! The smallest waiver plugin: it keeps every decision as it is. The host must detect its world
//! from its exports (it exports `review`, not `check`) and load it as a waiver plugin.

use stiglint_sdk::waiver::bindings::{
    Decision, Guest, PluginError, PluginInfo, ReviewItem, ScanContext,
};

struct Keep;

impl Guest for Keep {
    fn describe() -> PluginInfo {
        PluginInfo {
            name: "test-waiver-keep".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            description: "keeps every decision".to_owned(),
            controls: Vec::new(),
        }
    }

    fn configure(_settings: String, _context: ScanContext) -> Result<(), PluginError> {
        Ok(())
    }

    fn review(items: Vec<ReviewItem>) -> Result<Vec<Decision>, PluginError> {
        Ok(items.iter().map(|_| Decision::Keep).collect())
    }
}

stiglint_sdk::waiver::bindings::__export_waiver_plugin!(Keep with_types_in stiglint_sdk::waiver::bindings);
