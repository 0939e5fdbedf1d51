//! A waiver plugin that grants a waiver to every finding of one control (`for`, default
//! `KUBER-L2-000070`) that claims none. Its record names `control` (default: the finding's own
//! control) and expires on `expires` (default `2099-12-31`): the tests make it grant a record
//! for another control or with a malformed date, which the host must refuse (fail closed).

use stiglint_sdk::settings;
use stiglint_sdk::waiver::{Decision, Review, ScanContext, Value, Waiver, WaiverPolicy};

#[derive(Default)]
struct Grant {
    for_control: Option<String>,
    control: Option<String>,
    expires: Option<String>,
}

impl WaiverPolicy for Grant {
    fn configure(&mut self, table: &Value, _scan: &ScanContext) -> Result<(), String> {
        *self = Self::default();
        for (key, value) in settings::table(table, &["for", "control", "expires"])? {
            let text = settings::string(key, value)?;
            match key {
                "for" => self.for_control = Some(text),
                "control" => self.control = Some(text),
                _ => self.expires = Some(text),
            }
        }
        Ok(())
    }

    fn review(&self, item: &Review, _scan: &ScanContext) -> Decision {
        let wanted = self.for_control.as_deref().unwrap_or("KUBER-L2-000070");
        if item.claimed.is_some() || item.control.id != wanted {
            return Decision::Keep;
        }
        Decision::Waive(Waiver {
            control: self
                .control
                .clone()
                .unwrap_or_else(|| item.control.id.clone()),
            justification: "granted by the test policy: vendor agent needs device access"
                .to_owned(),
            approved_by: "Test Policy <policy@example.mil>".to_owned(),
            approved_on: Some("2026-11-01".to_owned()),
            expires: self
                .expires
                .clone()
                .unwrap_or_else(|| "2099-12-31".to_owned()),
            ticket: Some("RISK-42".to_owned()),
            origin: String::new(),
        })
    }
}

stiglint_sdk::waiver_plugin!(
    name: "test-waiver-grant",
    description: "grants a waiver to every finding of one control",
    policy: Grant,
);
