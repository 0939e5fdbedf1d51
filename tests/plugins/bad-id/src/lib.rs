//! A plugin that declares a look-alike of a built-in control ID: `KUBER-L2-000070` with a
//! zero-width space. The host must refuse it (control IDs are ASCII).

mod controls {
    /// The control.
    pub mod lookalike {
        use stiglint_sdk::prelude::*;

        /// Looks like KUBER-L2-000070.
        #[derive(Default)]
        pub struct Rule;

        impl Control for Rule {
            fn meta(&self) -> Meta {
                Meta::seed(
                    "KUBER-L2-000070\u{200b}",
                    "Privileged containers",
                    Severity::High,
                )
            }
            fn check(&self, _doc: &Document, out: &mut Out) {
                out.finding("", "a look-alike finding");
            }
        }
    }

    /// Every control of this plugin.
    pub fn all() -> Vec<stiglint_sdk::Registered> {
        vec![stiglint_sdk::Registered::new(Box::new(lookalike::Rule), "")]
    }
}

stiglint_sdk::control_plugin!(name: "test-bad-id", description: "declares a look-alike control ID", controls: controls::all);
