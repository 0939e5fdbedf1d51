//! The smallest waiver plugin: it keeps every decision as it is. The host must detect its world
//! from its exports (it exports `review`, not `check`) and load it as a waiver plugin.

use stiglint_sdk::waiver::{Decision, Review, ScanContext, Value, WaiverPolicy};

#[derive(Default)]
struct Keep;

impl WaiverPolicy for Keep {
    /// Any settings are fine: this plugin has no opinion.
    fn configure(&mut self, _settings: &Value, _scan: &ScanContext) -> Result<(), String> {
        Ok(())
    }

    fn review(&self, _item: &Review, _scan: &ScanContext) -> Decision {
        Decision::Keep
    }
}

stiglint_sdk::waiver_plugin!(
    name: "test-waiver-keep",
    description: "keeps every decision",
    policy: Keep,
);
