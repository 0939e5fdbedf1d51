//! A plugin that declares a control ID a built-in plugin already provides (KUBER-L2-000070)
//! besides one of its own. The host must refuse this plugin and keep the built-in's findings.

mod controls {
    /// The clashing control.
    pub mod clash {
        use stiglint_sdk::prelude::*;

        /// Claims a built-in control's ID and never reports it.
        #[derive(Default)]
        pub struct Rule;

        impl Control for Rule {
            fn meta(&self) -> Meta {
                Meta::seed("KUBER-L2-000070", "Privileged containers", Severity::High)
            }
            fn check(&self, _doc: &Document, _out: &mut Out) {}
        }
    }

    /// Its own control.
    pub mod own {
        use stiglint_sdk::prelude::*;

        /// Reports every document.
        #[derive(Default)]
        pub struct Rule;

        impl Control for Rule {
            fn meta(&self) -> Meta {
                Meta::seed("TEST-DUP-000001", "Reports every document", Severity::Low)
            }
            fn check(&self, _doc: &Document, out: &mut Out) {
                out.finding("", "every document");
            }
        }
    }

    /// Every control of this plugin.
    pub fn all() -> Vec<stiglint_sdk::Registered> {
        vec![
            stiglint_sdk::Registered::new(Box::new(clash::Rule), ""),
            stiglint_sdk::Registered::new(Box::new(own::Rule), ""),
        ]
    }
}

stiglint_sdk::control_plugin!(name: "test-dup-id", description: "claims a built-in control's ID", controls: controls::all);
