//! A plugin that answers with nonsense: a document it was not given and a malformed pointer.
//! The host must report it as invalid output, not crash or invent a location.

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

    /// Every control of this plugin.
    pub fn all() -> Vec<stiglint_sdk::Registered> {
        vec![stiglint_sdk::Registered::new(Box::new(liar::Rule), "")]
    }
}

stiglint_sdk::control_plugin!(name: "test-bad-output", description: "answers with nonsense", controls: controls::all);
