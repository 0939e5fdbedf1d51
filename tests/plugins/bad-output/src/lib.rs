//! A plugin that answers with nonsense: a document it was not given and a malformed pointer.
//! The host must report it as invalid output, not crash or invent a location. A second control
//! offers a fix whose pointer has no leading `/`: the host must refuse it, not apply it at the
//! document root.

mod controls {
    /// The control.
    pub mod liar {
        use stiglint_sdk::prelude::*;

        /// Reports on a document that does not exist.
        #[derive(Default)]
        pub struct Rule;

        impl Control for Rule {
            fn meta(&self) -> Meta {
                Meta::seed("TEST-BAD-000001", "Answers with nonsense", Severity::Low)
            }
            fn check(&self, _doc: &Document, out: &mut Out) {
                out.finding_in(999_999, "/spec", "a document that was never sent");
                out.finding("no-leading-slash", "a malformed pointer");
            }
        }
    }

    /// The control whose fix points nowhere.
    pub mod rootless_fix {
        use stiglint_sdk::prelude::*;

        /// A finding on `/metadata/name`, with a fix at `spec` (no leading `/`).
        #[derive(Default)]
        pub struct Rule;

        impl Control for Rule {
            fn meta(&self) -> Meta {
                Meta::seed(
                    "TEST-BAD-000002",
                    "Offers a fix at a bare token",
                    Severity::Low,
                )
            }
            fn check(&self, _doc: &Document, out: &mut Out) {
                out.finding("/metadata/name", "a fix without a leading slash")
                    .fix(Fix::set("replace spec", "spec", json!("gone")));
            }
        }
    }

    /// Every control of this plugin.
    pub fn all() -> Vec<stiglint_sdk::Registered> {
        vec![
            stiglint_sdk::Registered::new(Box::new(liar::Rule), ""),
            stiglint_sdk::Registered::new(Box::new(rootless_fix::Rule), ""),
        ]
    }
}

stiglint_sdk::control_plugin!(name: "test-bad-output", description: "answers with nonsense", controls: controls::all);
