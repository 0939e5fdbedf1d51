//! A hostile plugin that allocates without bound: the memory cap must stop it.

mod controls {
    /// The control.
    pub mod hog {
        use stiglint_sdk::prelude::*;

        /// Allocates 16 MiB blocks until something stops it.
        #[derive(Default)]
        pub struct Rule;

        impl Control for Rule {
            fn meta(&self) -> Meta {
                Meta::seed(
                    "TEST-MEMORY-000001",
                    "Allocates without bound",
                    Severity::Low,
                )
            }
            fn check(&self, _doc: &Document, out: &mut Out) {
                let mut blocks: Vec<Vec<u8>> = Vec::new();
                loop {
                    blocks.push(std::hint::black_box(vec![1u8; 16 << 20]));
                    if blocks.len() > 1 << 20 {
                        out.finding("", "unreachable: memory was never capped");
                        return;
                    }
                }
            }
        }
    }

    /// Every control of this plugin.
    pub fn all() -> Vec<stiglint_sdk::Registered> {
        vec![stiglint_sdk::Registered::new(Box::new(hog::Rule), "")]
    }
}

stiglint_sdk::control_plugin!(name: "test-memory", description: "allocates without bound", controls: controls::all);
