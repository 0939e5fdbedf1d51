//! A plugin whose controls come from its inputs, the way Gatekeeper constraints do: every
//! `ConfigMap` with `data.rule` declares the control `TEST-DYN-<rule>` with the enforcement in
//! `data.enforcement` (`deny`, `warn`, `audit`), and reports one finding of it on the
//! `ConfigMap`'s `data.rule`.

mod controls {
    /// The driver.
    pub mod rules {
        use stiglint_sdk::prelude::*;

        /// Declares a control per rule `ConfigMap`.
        #[derive(Default)]
        pub struct Rule;

        impl Control for Rule {
            fn meta(&self) -> Meta {
                Meta::seed(
                    "TEST-DYNAMIC-000001",
                    "Rules from ConfigMaps",
                    Severity::Low,
                )
                .kinds(&["ConfigMap"])
                .declares_controls()
            }

            fn check(&self, doc: &Document, out: &mut Out) {
                let Some(rule) = doc.json.pointer("/data/rule").and_then(Value::as_str) else {
                    return;
                };
                let enforcement = match doc
                    .json
                    .pointer("/data/enforcement")
                    .and_then(Value::as_str)
                {
                    Some("warn") => Enforcement::Warn,
                    Some("audit") => Enforcement::Audit,
                    _ => Enforcement::Deny,
                };
                let id = format!("TEST-DYN-{rule}");
                out.declare(
                    Meta::seed(&id, &format!("Rule {rule}"), Severity::Medium)
                        .kinds(&["ConfigMap"])
                        .enforcement(enforcement)
                        .docs(&format!("Declared by the ConfigMap of rule {rule}.")),
                );
                out.finding_for(
                    &id,
                    doc.id,
                    "/data/rule",
                    format!("Rule {rule} applies here"),
                );
            }
        }
    }

    /// Every control of this plugin.
    pub fn all() -> Vec<stiglint_sdk::Registered> {
        vec![stiglint_sdk::Registered::new(Box::new(rules::Rule), "")]
    }
}

stiglint_sdk::control_plugin!(
    name: "test-dynamic",
    description: "declares controls from its inputs",
    controls: controls::all,
    dynamic_prefixes: &["TEST-DYN-"],
);
