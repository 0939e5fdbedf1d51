//! A test plugin shaped like a Pod Security Standards check: a scan-scope control that relates
//! a pod-bearing object to its Namespace (and nothing else), so `stiglint serve` runs it at
//! admission with the review's Namespace as a second document. It reports, on each pod-bearing
//! object, the `pod-security.kubernetes.io/enforce` level of its namespace, with enforcement
//! `warn` (a Pod Security `warn`: never refuses).

mod controls {
    /// The control.
    pub mod level {
        use stiglint_sdk::prelude::*;

        /// The namespace's enforced Pod Security level, on every pod-bearing object in it.
        #[derive(Default)]
        pub struct Rule;

        const LABEL: &str = "pod-security.kubernetes.io/enforce";

        impl Control for Rule {
            fn meta(&self) -> Meta {
                let mut kinds = stiglint_sdk::k8s::POD_KINDS.to_vec();
                kinds.push("Namespace");
                Meta::seed(
                    "TEST-NSLEVEL-000001",
                    "Namespace Pod Security level",
                    Severity::Low,
                )
                .pod_kinds()
                .kinds(&kinds)
                .scan_scope()
            }

            fn check(&self, doc: &Document, out: &mut Out) {
                if doc.kind() == "Namespace" {
                    let level = doc.label(LABEL).unwrap_or("none");
                    out.fact_in(&[doc.name()], &[], json!({"level": level}));
                } else if doc.pod().is_some() {
                    let ns = doc.namespace().unwrap_or("default");
                    out.fact_in(&[ns], &["/metadata/name"], json!({"object": doc.name()}));
                }
            }

            fn finish(&self, facts: &[Fact], out: &mut Out) {
                let level = facts
                    .iter()
                    .find_map(|f| f.data["level"].as_str())
                    .unwrap_or("unknown");
                for f in facts.iter().filter(|f| f.data.get("object").is_some()) {
                    out.finding_in(
                        f.document,
                        "/metadata/name",
                        format!("namespace Pod Security level: {level}"),
                    )
                    .enforcement(Enforcement::Warn);
                }
            }
        }
    }

    /// Every control of this plugin.
    pub fn all() -> Vec<stiglint_sdk::Registered> {
        vec![stiglint_sdk::Registered::new(Box::new(level::Rule), "")]
    }
}

stiglint_sdk::control_plugin!(name: "test-namespace-level", description: "reports the namespace's Pod Security level", controls: controls::all);
