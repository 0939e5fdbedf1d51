//! Waiver plugins (feature `waiver`): an organisation's rules about exceptions — who may waive
//! what, for how long — as a WebAssembly component of the `waiver-plugin` world.
//!
//! The host calls the plugin with every finding of a scan and the waiver claimed for it
//! (inline or in the waiver file), and the plugin answers one [`Decision`] per finding:
//! [`Decision::Keep`] (leave it as the host found it), [`Decision::Waive`] (waive it with this
//! record) or [`Decision::Reject`] (refuse the claimed waiver: the finding stays open and shows
//! the reason). A policy is a [`WaiverPolicy`]; [`crate::waiver_plugin!`] exports it, so the
//! plugin never sees wit-bindgen:
//!
//! ```
//! use stiglint_sdk::waiver::{Decision, Review, ScanContext, Severity, Value, WaiverPolicy};
//! use stiglint_sdk::{dates, settings};
//!
//! /// Waivers of CAT I controls need a ticket and may run at most `max-days`.
//! #[derive(Default)]
//! pub struct Policy {
//!     max_days: Option<u64>,
//! }
//!
//! impl WaiverPolicy for Policy {
//!     fn configure(&mut self, table: &Value, _scan: &ScanContext) -> Result<(), String> {
//!         for (key, value) in settings::table(table, &["max-days"])? {
//!             self.max_days = Some(settings::whole_number(key, value)?);
//!         }
//!         Ok(())
//!     }
//!
//!     fn review(&self, item: &Review, scan: &ScanContext) -> Decision {
//!         let Some(w) = &item.claimed else { return Decision::Keep };
//!         if item.control.severity == Severity::High && w.ticket.is_none() {
//!             return Decision::Reject(format!("{} waivers need a ticket", item.control.severity.cat()));
//!         }
//!         let left = dates::days_between(&scan.today, &w.expires).unwrap_or(-1);
//!         match self.max_days {
//!             Some(max) if left > max as i64 => Decision::Reject(format!("runs {left} days, more than {max}")),
//!             _ => Decision::Keep,
//!         }
//!     }
//! }
//!
//! // In the plugin's src/lib.rs (exports the component; a `text` block as it needs wasm):
//! // stiglint_sdk::waiver_plugin!(name: "my-waivers", description: "...", policy: Policy);
//!
//! // Natively, in a test: configure it the way the host does and review made-up findings.
//! let scan = ScanContext { today: "2025-01-01".into(), ..Default::default() };
//! let policy: Policy = stiglint_sdk::waiver::configured(&stiglint_sdk::json!({"max-days": 30}), &scan).unwrap();
//! let mut item = Review::default();
//! assert_eq!(policy.review(&item, &scan), Decision::Keep);
//! item.claimed = Some(stiglint_sdk::waiver::Waiver { expires: "2025-03-01".into(), ..Default::default() });
//! assert_eq!(policy.review(&item, &scan), Decision::Reject("runs 59 days, more than 30".into()));
//! ```
//!
//! The plugin's settings are its `[plugin-settings.<name>]` table of `stiglint.toml`, as a
//! JSON object (`{}` when there is none). The plugin gets no clock: dates come from the host
//! ([`ScanContext::today`]) and [`days_between`] counts them.

use std::sync::Mutex;

pub use crate::catalogue::Severity;
pub use crate::dates::{days_between, parse_date};
pub use crate::document::ScanContext;
pub use serde_json::Value;

/// Bindings generated from `wit/plugin.wit` (generated code: not ours to lint).
#[allow(
    missing_docs,
    clippy::pedantic,
    clippy::too_many_arguments,
    unsafe_code
)]
pub mod bindings {
    wit_bindgen::generate!({
        world: "waiver-plugin",
        path: "../../wit",
        pub_export_macro: true,
        export_macro_name: "__export_waiver_plugin",
        default_bindings_module: "::stiglint_sdk::waiver::bindings",
    });
}

use bindings::stiglint::plugin::types as wit;

/// A waiver: a reviewed, expiring exception for a finding.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Waiver {
    /// The control ID it waives.
    pub control: String,
    /// Why the risk is accepted.
    pub justification: String,
    /// Who approved it.
    pub approved_by: String,
    /// When it was approved (`YYYY-MM-DD`), if recorded.
    pub approved_on: Option<String>,
    /// Last day it is valid (`YYYY-MM-DD`).
    pub expires: String,
    /// Tracking ticket, if any.
    pub ticket: Option<String>,
    /// Where it was written: `inline`, `file`, or `plugin:<name>`. A waiver a plugin returns
    /// with an empty origin gets `plugin:<the plugin's name>`.
    pub origin: String,
}

impl Waiver {
    /// How many days the waiver runs, from its approval to its expiry: `None` without an
    /// `approved_on` date or when a date is not `YYYY-MM-DD`.
    #[must_use]
    pub fn duration_days(&self) -> Option<i64> {
        days_between(self.approved_on.as_deref()?, &self.expires)
    }

    /// Days left until it expires, counted from `today` (`0` on its last day, negative once
    /// expired); `None` when a date is not `YYYY-MM-DD`.
    #[must_use]
    pub fn days_left(&self, today: &str) -> Option<i64> {
        days_between(today, &self.expires)
    }
}

/// The control a finding is about. `ControlRef::default()` (for tests) has empty texts and
/// [`Severity::Low`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ControlRef {
    /// The control ID (`CNTR-K8-000290`, `KUBER-L2-000070`).
    pub id: String,
    /// One line, e.g. "Privileged containers".
    pub title: String,
    /// Severity: [`Severity::High`] is CAT I ([`Severity::cat`] names it).
    pub severity: Severity,
    /// The DISA STIG ID behind it, if any (`CNTR-K8-000290`).
    pub stig_id: Option<String>,
    /// The DISA Vulnerability ID behind it, if any (`V-242383`).
    pub vuln_id: Option<String>,
}

impl Default for ControlRef {
    fn default() -> Self {
        Self {
            id: String::new(),
            title: String::new(),
            severity: Severity::Low,
            stig_id: None,
            vuln_id: None,
        }
    }
}

/// One finding to review, with the waiver claimed for it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Review {
    /// The control that failed.
    pub control: ControlRef,
    /// The finding's message (without the control ID).
    pub message: String,
    /// RFC 6901 pointer into the document.
    pub pointer: String,
    /// The document's URI (`file:///...`, `stdin:`).
    pub uri: String,
    /// 1-based line of the finding.
    pub line: u32,
    /// The document's `kind` (or Terraform block type), when known.
    pub kind: Option<String>,
    /// The document's `metadata.namespace`, when set.
    pub namespace: Option<String>,
    /// The document's `metadata.name` (or Terraform resource name), when known.
    pub name: Option<String>,
    /// The waiver claimed for the finding (inline or in the waiver file), if any.
    pub claimed: Option<Waiver>,
}

/// A waiver plugin's decision on one finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Leave the finding as it is: waived if its claimed waiver is valid, open otherwise.
    Keep,
    /// Waive the finding with this record (replacing any claimed waiver).
    Waive(Waiver),
    /// Refuse the claimed waiver: the finding stays open and shows this reason.
    Reject(String),
}

/// An organisation's waiver policy. One value is made with `Default`, configured once per
/// plugin instance, then asked about each finding.
pub trait WaiverPolicy: Default + Send {
    /// Take the plugin's settings (its `[plugin-settings.<name>]` table as a JSON object, `{}`
    /// when absent) and the scan context. Return a message naming the bad setting on error;
    /// the host then fails the run. The default accepts no settings: an unexpected key is an
    /// error, never silently ignored.
    fn configure(&mut self, settings: &Value, scan: &ScanContext) -> Result<(), String> {
        let _ = scan;
        crate::settings::table(settings, &[]).map(|_| ())
    }

    /// Decide on one finding. Findings without a claimed waiver are reviewed too (a policy may
    /// [`Decision::Waive`] them); most policies answer [`Decision::Keep`] for those.
    fn review(&self, item: &Review, scan: &ScanContext) -> Decision;
}

/// A policy made with `Default` and configured with `settings` (the plugin's own table), as
/// the host would: for tests, and what [`crate::waiver_plugin!`] does.
pub fn configured<P: WaiverPolicy>(settings: &Value, scan: &ScanContext) -> Result<P, String> {
    let mut policy = P::default();
    policy.configure(settings, scan)?;
    Ok(policy)
}

impl From<wit::Waiver> for Waiver {
    fn from(w: wit::Waiver) -> Self {
        Self {
            control: w.control,
            justification: w.justification,
            approved_by: w.approved_by,
            approved_on: w.approved_on,
            expires: w.expires,
            ticket: w.ticket,
            origin: w.origin,
        }
    }
}

impl From<Waiver> for wit::Waiver {
    fn from(w: Waiver) -> Self {
        Self {
            control: w.control,
            justification: w.justification,
            approved_by: w.approved_by,
            approved_on: w.approved_on,
            expires: w.expires,
            ticket: w.ticket,
            origin: w.origin,
        }
    }
}

impl From<wit::Severity> for Severity {
    fn from(s: wit::Severity) -> Self {
        match s {
            wit::Severity::Low => Self::Low,
            wit::Severity::Medium => Self::Medium,
            wit::Severity::High => Self::High,
        }
    }
}

impl From<wit::ReviewItem> for Review {
    fn from(item: wit::ReviewItem) -> Self {
        let (stig_id, vuln_id) = item
            .control
            .stig
            .map_or((None, None), |s| (Some(s.stig_id), Some(s.vuln_id)));
        Self {
            control: ControlRef {
                id: item.control.id,
                title: item.control.title,
                severity: item.control.severity.into(),
                stig_id,
                vuln_id,
            },
            message: item.finding.message,
            pointer: item.finding.pointer,
            uri: item.uri,
            line: item.line,
            kind: item.hints.kind,
            namespace: item.hints.namespace,
            name: item.hints.name,
            claimed: item.claimed.map(Waiver::from),
        }
    }
}

impl From<Decision> for wit::Decision {
    fn from(d: Decision) -> Self {
        match d {
            Decision::Keep => Self::Keep,
            Decision::Waive(w) => Self::Waive(w.into()),
            Decision::Reject(reason) => Self::RejectWaiver(reason),
        }
    }
}

impl From<wit::ScanContext> for ScanContext {
    fn from(c: wit::ScanContext) -> Self {
        Self {
            k8s_version: c.k8s_version,
            today: c.today,
            default_namespace: c.default_namespace,
            plugin: Value::Null,
        }
    }
}

/// The glue between the `waiver-plugin` world and a [`WaiverPolicy`]. Plugin authors use
/// [`crate::waiver_plugin!`] and never this module directly.
#[doc(hidden)]
pub mod glue {
    use super::{Decision, Mutex, Review, ScanContext, Value, WaiverPolicy, wit};

    /// What `waiver_plugin!` declares.
    pub struct PluginSpec {
        /// Plugin name.
        pub name: &'static str,
        /// Plugin version.
        pub version: &'static str,
        /// One line on what it is for.
        pub description: &'static str,
    }

    struct Configured<P> {
        policy: P,
        scan: ScanContext,
    }

    /// The configured policy of this instance (a `static` in the plugin).
    pub struct Slot<P>(Mutex<Option<Configured<P>>>);

    impl<P> Slot<P> {
        /// An unconfigured slot.
        #[must_use]
        pub const fn new() -> Self {
            Self(Mutex::new(None))
        }
    }

    impl<P> Default for Slot<P> {
        fn default() -> Self {
            Self::new()
        }
    }

    /// `describe`.
    #[must_use]
    pub fn describe(spec: &PluginSpec) -> wit::PluginInfo {
        wit::PluginInfo {
            name: spec.name.to_owned(),
            version: spec.version.to_owned(),
            description: spec.description.to_owned(),
            controls: Vec::new(),
            dynamic_prefixes: Vec::new(),
        }
    }

    /// `configure`: `settings` is the host's JSON (`{"controls": {...}, "plugin": {...}}`);
    /// the policy gets the `plugin` table.
    pub fn configure<P: WaiverPolicy>(
        spec: &PluginSpec,
        slot: &Slot<P>,
        settings: &str,
        context: wit::ScanContext,
    ) -> Result<(), wit::PluginError> {
        let name = spec.name;
        let invalid = |e: String| wit::PluginError::InvalidSettings(e);
        let all: Value = serde_json::from_str(settings)
            .map_err(|e| invalid(format!("settings are not JSON: {e}")))?;
        let own = match &all {
            Value::Object(map) => map
                .get("plugin")
                .cloned()
                .unwrap_or_else(|| Value::Object(serde_json::Map::new())),
            Value::Null => Value::Object(serde_json::Map::new()),
            _ => return Err(invalid("settings must be a JSON object".to_owned())),
        };
        let scan = ScanContext::from(context);
        let mut guard = slot
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // A failed `configure` leaves the instance unconfigured, so `review` refuses to run.
        *guard = None;
        let policy = super::configured::<P>(&own, &scan)
            .map_err(|e| invalid(format!("[plugin-settings.{name}]: {e}")))?;
        *guard = Some(Configured { policy, scan });
        Ok(())
    }

    /// `review`: one decision per item, in order.
    pub fn review<P: WaiverPolicy>(
        spec: &PluginSpec,
        slot: &Slot<P>,
        items: Vec<wit::ReviewItem>,
    ) -> Result<Vec<wit::Decision>, wit::PluginError> {
        let guard = slot
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(state) = guard.as_ref() else {
            return Err(wit::PluginError::Internal(
                "review called before a successful configure".to_owned(),
            ));
        };
        Ok(items
            .into_iter()
            .map(|item| {
                match state.policy.review(&Review::from(item), &state.scan) {
                    Decision::Waive(mut w) if w.origin.is_empty() => {
                        w.origin = format!("plugin:{}", spec.name);
                        Decision::Waive(w)
                    }
                    d => d,
                }
                .into()
            })
            .collect())
    }
}

/// Declare and export a waiver plugin: its name, one line on what it is for, and its
/// [`WaiverPolicy`] type (made with `Default`). The version is the crate's.
///
/// ```text
/// stiglint_sdk::waiver_plugin!(
///     name: "org-waiver-policy",
///     description: "Who may waive what, for how long",
///     policy: Policy,
/// );
/// ```
///
/// Bad settings (the policy's `configure` returns `Err`) answer the host with
/// `invalid-settings("[plugin-settings.<name>]: <message>")`, and the run fails.
#[macro_export]
macro_rules! waiver_plugin {
    (name: $name:expr, description: $description:expr, policy: $policy:ty $(,)?) => {
        const __STIGLINT_WAIVER_SPEC: $crate::waiver::glue::PluginSpec =
            $crate::waiver::glue::PluginSpec {
                name: $name,
                version: env!("CARGO_PKG_VERSION"),
                description: $description,
            };

        static __STIGLINT_WAIVER_POLICY: $crate::waiver::glue::Slot<$policy> =
            $crate::waiver::glue::Slot::new();

        struct __StiglintWaiverPlugin;

        impl $crate::waiver::bindings::Guest for __StiglintWaiverPlugin {
            fn describe() -> $crate::waiver::bindings::PluginInfo {
                $crate::waiver::glue::describe(&__STIGLINT_WAIVER_SPEC)
            }
            fn configure(
                settings: ::std::string::String,
                context: $crate::waiver::bindings::ScanContext,
            ) -> ::std::result::Result<(), $crate::waiver::bindings::PluginError> {
                $crate::waiver::glue::configure(
                    &__STIGLINT_WAIVER_SPEC,
                    &__STIGLINT_WAIVER_POLICY,
                    &settings,
                    context,
                )
            }
            fn review(
                items: ::std::vec::Vec<$crate::waiver::bindings::ReviewItem>,
            ) -> ::std::result::Result<
                ::std::vec::Vec<$crate::waiver::bindings::Decision>,
                $crate::waiver::bindings::PluginError,
            > {
                $crate::waiver::glue::review(
                    &__STIGLINT_WAIVER_SPEC,
                    &__STIGLINT_WAIVER_POLICY,
                    items,
                )
            }
        }

        $crate::waiver::bindings::__export_waiver_plugin!(__StiglintWaiverPlugin with_types_in $crate::waiver::bindings);
    };
}

#[cfg(test)]
mod tests {
    use super::glue::{PluginSpec, Slot};
    use super::*;

    fn wit_waiver() -> wit::Waiver {
        wit::Waiver {
            control: "CNTR-K8-000290".into(),
            justification: "legacy agent".into(),
            approved_by: "alice".into(),
            approved_on: Some("2025-01-01".into()),
            expires: "2025-03-01".into(),
            ticket: Some("SEC-1".into()),
            origin: "file".into(),
        }
    }

    fn wit_item(severity: wit::Severity, claimed: Option<wit::Waiver>) -> wit::ReviewItem {
        wit::ReviewItem {
            control: wit::ControlInfo {
                id: "CNTR-K8-000290".into(),
                title: "Privileged containers".into(),
                severity,
                enforcement: wit::Enforcement::Deny,
                stig: Some(wit::StigRef {
                    stig_id: "CNTR-K8-000290".into(),
                    vuln_id: "V-242383".into(),
                    rule_id: "SV-242383r960792_rule".into(),
                    ccis: vec!["CCI-000366".into()],
                    nist: vec!["CM-6 b".into()],
                }),
                nist: vec!["CM-6 b".into()],
                formats: vec!["k8s".into()],
                kinds: vec![],
                scope: wit::Scope::Document,
                docs: String::new(),
                remediation: String::new(),
            },
            finding: wit::Finding {
                control: "CNTR-K8-000290".into(),
                document: 3,
                pointer: "/spec/containers/0".into(),
                message: "Container 'app' must not run privileged".into(),
                fix: None,
                related: vec![],
                related_total: 0,
                enforcement: None,
                properties: None,
            },
            uri: "file:///k8s/app.yaml".into(),
            line: 12,
            hints: wit::KindHints {
                api_version: Some("v1".into()),
                kind: Some("Pod".into()),
                namespace: Some("shop".into()),
                name: Some("app".into()),
                labels: vec![],
            },
            claimed,
        }
    }

    fn context(today: &str) -> wit::ScanContext {
        wit::ScanContext {
            k8s_version: Some("1.31".into()),
            today: today.into(),
            default_namespace: None,
        }
    }

    #[test]
    fn review_item_converts_to_plain_types() {
        let r = Review::from(wit_item(wit::Severity::High, Some(wit_waiver())));
        assert_eq!(
            r,
            Review {
                control: ControlRef {
                    id: "CNTR-K8-000290".into(),
                    title: "Privileged containers".into(),
                    severity: Severity::High,
                    stig_id: Some("CNTR-K8-000290".into()),
                    vuln_id: Some("V-242383".into()),
                },
                message: "Container 'app' must not run privileged".into(),
                pointer: "/spec/containers/0".into(),
                uri: "file:///k8s/app.yaml".into(),
                line: 12,
                kind: Some("Pod".into()),
                namespace: Some("shop".into()),
                name: Some("app".into()),
                claimed: Some(Waiver {
                    control: "CNTR-K8-000290".into(),
                    justification: "legacy agent".into(),
                    approved_by: "alice".into(),
                    approved_on: Some("2025-01-01".into()),
                    expires: "2025-03-01".into(),
                    ticket: Some("SEC-1".into()),
                    origin: "file".into(),
                }),
            }
        );
        let mut plain = wit_item(wit::Severity::Low, None);
        plain.control.stig = None;
        let r = Review::from(plain);
        assert_eq!(r.control.severity, Severity::Low);
        assert_eq!((r.control.stig_id, r.control.vuln_id), (None, None));
        assert_eq!(r.claimed, None);
        assert_eq!(
            Severity::from(wit::Severity::Medium).cat(),
            "CAT II",
            "medium is CAT II"
        );
    }

    #[test]
    fn waiver_and_decision_convert_back() {
        let w = Waiver::from(wit_waiver());
        let back = wit::Waiver::from(w.clone());
        assert_eq!(back.control, "CNTR-K8-000290");
        assert_eq!(back.approved_on.as_deref(), Some("2025-01-01"));
        assert_eq!(back.ticket.as_deref(), Some("SEC-1"));
        assert_eq!(back.origin, "file");
        assert!(matches!(
            wit::Decision::from(Decision::Keep),
            wit::Decision::Keep
        ));
        assert!(matches!(
            wit::Decision::from(Decision::Reject("no".into())),
            wit::Decision::RejectWaiver(r) if r == "no"
        ));
        assert!(matches!(
            wit::Decision::from(Decision::Waive(w)),
            wit::Decision::Waive(x) if x.expires == "2025-03-01" && x.justification == "legacy agent"
        ));
    }

    #[test]
    fn waiver_durations() {
        let w = Waiver::from(wit_waiver());
        assert_eq!(w.duration_days(), Some(59));
        assert_eq!(w.days_left("2025-03-01"), Some(0));
        assert_eq!(w.days_left("2025-03-02"), Some(-1));
        let undated = Waiver {
            approved_on: None,
            ..w.clone()
        };
        assert_eq!(undated.duration_days(), None);
        let bad = Waiver {
            expires: "soon".into(),
            ..w
        };
        assert_eq!(bad.duration_days(), None);
        assert_eq!(bad.days_left("2025-01-01"), None);
    }

    /// Rejects waivers of CAT I, waives unclaimed findings of `waive-control`, keeps the rest.
    #[derive(Default)]
    struct Test {
        waive: Option<String>,
    }

    impl WaiverPolicy for Test {
        fn configure(&mut self, settings: &Value, scan: &ScanContext) -> Result<(), String> {
            assert_eq!(scan.today, "2025-02-01");
            for (key, value) in crate::settings::table(settings, &["waive-control"])? {
                self.waive = Some(crate::settings::string(key, value)?);
            }
            Ok(())
        }
        fn review(&self, item: &Review, scan: &ScanContext) -> Decision {
            match &item.claimed {
                Some(_) if item.control.severity == Severity::High => {
                    Decision::Reject(format!("{} on {}", item.control.severity.cat(), scan.today))
                }
                None if self.waive.as_deref() == Some(item.control.id.as_str()) => {
                    Decision::Waive(Waiver {
                        control: item.control.id.clone(),
                        expires: scan.today.clone(),
                        ..Waiver::default()
                    })
                }
                _ => Decision::Keep,
            }
        }
    }

    const SPEC: PluginSpec = PluginSpec {
        name: "test-policy",
        version: "1.2.3",
        description: "tests",
    };

    #[test]
    fn describe_names_the_plugin_without_controls() {
        let info = glue::describe(&SPEC);
        assert_eq!(
            (info.name.as_str(), info.version.as_str()),
            ("test-policy", "1.2.3")
        );
        assert!(info.controls.is_empty());
    }

    #[test]
    fn glue_configures_from_the_plugin_table_and_answers_in_order() {
        let slot = Slot::<Test>::new();
        let settings =
            r#"{"controls": {"X": {"a": 1}}, "plugin": {"waive-control": "CNTR-K8-000290"}}"#;
        glue::configure(&SPEC, &slot, settings, context("2025-02-01")).expect("valid settings");
        let decisions = glue::review(
            &SPEC,
            &slot,
            vec![
                wit_item(wit::Severity::High, Some(wit_waiver())),
                wit_item(wit::Severity::Medium, Some(wit_waiver())),
                wit_item(wit::Severity::Medium, None),
            ],
        )
        .expect("reviewed");
        assert_eq!(decisions.len(), 3);
        assert!(
            matches!(&decisions[0], wit::Decision::RejectWaiver(r) if r == "CAT I on 2025-02-01")
        );
        assert!(matches!(&decisions[1], wit::Decision::Keep));
        assert!(matches!(
            &decisions[2],
            wit::Decision::Waive(w) if w.origin == "plugin:test-policy" && w.expires == "2025-02-01"
        ));
        assert!(
            glue::review(&SPEC, &slot, vec![])
                .expect("empty")
                .is_empty()
        );
    }

    #[test]
    fn glue_reports_bad_settings_and_stays_unconfigured() {
        let slot = Slot::<Test>::new();
        for (settings, expected) in [
            (
                r#"{"plugin": {"bogus": 1}}"#,
                "[plugin-settings.test-policy]: unknown setting `bogus` (expected waive-control)",
            ),
            (
                r#"{"plugin": {"waive-control": 1}}"#,
                "[plugin-settings.test-policy]: `waive-control` must be a string, e.g. waive-control = \"...\"",
            ),
            ("[1]", "settings must be a JSON object"),
        ] {
            match glue::configure(&SPEC, &slot, settings, context("2025-02-01")) {
                Err(wit::PluginError::InvalidSettings(e)) => assert_eq!(e, expected),
                other => panic!("{settings}: {other:?}"),
            }
            assert!(matches!(
                glue::review(&SPEC, &slot, vec![]),
                Err(wit::PluginError::Internal(_))
            ));
        }
        match glue::configure(&SPEC, &slot, "{not json", context("2025-02-01")) {
            Err(wit::PluginError::InvalidSettings(e)) => {
                assert!(e.starts_with("settings are not JSON"), "{e}");
            }
            other => panic!("{other:?}"),
        }
        // No `plugin` table: the policy gets `{}`.
        glue::configure(&SPEC, &slot, r#"{"controls": {}}"#, context("2025-02-01"))
            .expect("no plugin table");
        glue::configure(&SPEC, &slot, "{}", context("2025-02-01")).expect("empty");
    }

    #[derive(Default)]
    struct NoSettings;

    impl WaiverPolicy for NoSettings {
        fn review(&self, _: &Review, _: &ScanContext) -> Decision {
            Decision::Keep
        }
    }

    #[test]
    fn default_configure_accepts_no_settings() {
        let scan = ScanContext::default();
        assert!(configured::<NoSettings>(&serde_json::json!({}), &scan).is_ok());
        assert!(configured::<NoSettings>(&Value::Null, &scan).is_ok());
        assert_eq!(
            configured::<NoSettings>(&serde_json::json!({"x": 1}), &scan).err(),
            Some("unknown setting `x`: no settings are accepted".to_owned())
        );
    }
}
