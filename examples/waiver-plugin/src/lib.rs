//! `org-waiver-policy`: an organisation's rules about waivers, as a stiglint waiver plugin.
//!
//! Every finding that claims a waiver (inline or in the waiver file) is held to these rules, in
//! this order; the first one broken rejects the waiver and the finding stays open:
//!
//! 1. CAT I (high severity) controls are never waivable.
//! 2. A waiver records when it was approved (`approved-on`) and runs at most `max-days`
//!    (default 90) from then to its `expires` date.
//! 3. It was approved by one of the `approvers`. With no approvers configured, every waiver is
//!    refused: the policy fails closed.
//!
//! Findings without a claimed waiver are left as they are. Settings, in `stiglint.toml`:
//!
//! ```toml
//! [plugin-settings.org-waiver-policy]
//! max-days = 90
//! approvers = ["isso@example.mil", "ao@example.mil"]
//! ```
//!
//! Build: `cargo build --release --target wasm32-wasip2`.

use stiglint_sdk::settings;
use stiglint_sdk::waiver::{Decision, Review, ScanContext, Severity, Value, WaiverPolicy};

/// The plugin's name: its `[plugin-settings.<name>]` table and its name in reports.
pub const NAME: &str = "org-waiver-policy";

/// `max-days` when the setting is absent.
pub const DEFAULT_MAX_DAYS: u64 = 90;

const MAX_DAYS: &str = "max-days";
const APPROVERS: &str = "approvers";

/// The organisation's waiver policy, configured from `[plugin-settings.org-waiver-policy]`.
#[derive(Debug)]
pub struct Policy {
    /// The longest a waiver may run, in days from its approval to its expiry.
    pub max_days: u64,
    /// Who may approve a waiver; `None` (or empty) refuses every waiver.
    pub approvers: Option<Vec<String>>,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            max_days: DEFAULT_MAX_DAYS,
            approvers: None,
        }
    }
}

impl WaiverPolicy for Policy {
    fn configure(&mut self, table: &Value, _scan: &ScanContext) -> Result<(), String> {
        *self = Self::default();
        for (key, value) in settings::table(table, &[MAX_DAYS, APPROVERS])? {
            match key {
                MAX_DAYS => self.max_days = settings::whole_number(key, value)?,
                _ => self.approvers = Some(settings::string_list(key, value)?),
            }
        }
        Ok(())
    }

    fn review(&self, item: &Review, _scan: &ScanContext) -> Decision {
        let Some(waiver) = &item.claimed else {
            return Decision::Keep;
        };
        let control = &item.control;

        // 1. CAT I is never waivable.
        if control.severity == Severity::High {
            return Decision::Reject(format!(
                "{} is {}: CAT I controls are never waivable under {NAME}",
                control.id,
                control.severity.cat()
            ));
        }

        // 2. Approved on a known date, running at most `max-days`.
        let Some(approved_on) = waiver.approved_on.as_deref() else {
            return Decision::Reject(format!(
                "the waiver needs an approved-on date: under {NAME} a waiver runs at \
                 most {} days from its approval",
                self.max_days
            ));
        };
        let Some(days) = stiglint_sdk::dates::days_between(approved_on, &waiver.expires) else {
            return Decision::Reject(format!(
                "the waiver's dates must be YYYY-MM-DD (approved-on '{approved_on}', expires '{}')",
                waiver.expires
            ));
        };
        if days < 0 {
            return Decision::Reject(format!(
                "the waiver expires ({}) before it was approved ({approved_on})",
                waiver.expires
            ));
        }
        if days.unsigned_abs() > self.max_days {
            return Decision::Reject(format!(
                "the waiver runs {days} days (approved on {approved_on}, expires {}), more than \
                 the {}-day limit of {NAME}",
                waiver.expires, self.max_days
            ));
        }

        // 3. Approved by someone allowed to (fail closed when nobody is).
        match self.approvers.as_deref() {
            None | Some([]) => Decision::Reject(format!(
                "no approvers are configured (`{APPROVERS}` in [plugin-settings.{NAME}]), so \
                 no waiver can be honoured"
            )),
            Some(list) if !list.contains(&waiver.approved_by) => Decision::Reject(format!(
                "'{}' is not an approver under {NAME}",
                waiver.approved_by
            )),
            Some(_) => Decision::Keep,
        }
    }
}

stiglint_sdk::waiver_plugin!(
    name: NAME,
    description: "Organisation waiver policy: no CAT I waivers, at most max-days, named approvers",
    policy: Policy,
);
