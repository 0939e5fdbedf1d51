//! A hostile plugin whose control never returns: the epoch deadline must stop it.

mod controls {
    /// The control.
    pub mod spin {
        use stiglint_sdk::prelude::*;

        /// Loops forever on every document.
        #[derive(Default)]
        pub struct Rule;

        impl Control for Rule {
            fn meta(&self) -> Meta {
                Meta::seed("TEST-LOOP-000001", "Loops forever", Severity::Low)
            }
            fn check(&self, doc: &Document, _out: &mut Out) {
                let mut n = u64::from(doc.id);
                loop {
                    n = std::hint::black_box(
                        n.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1),
                    );
                }
            }
        }
    }

    /// Every control of this plugin.
    pub fn all() -> Vec<stiglint_sdk::Registered> {
        vec![stiglint_sdk::Registered::new(Box::new(spin::Rule), "")]
    }
}

stiglint_sdk::control_plugin!(name: "test-loop", description: "loops forever", controls: controls::all);
