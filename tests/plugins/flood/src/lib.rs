//! A hostile plugin that tries to grow the host's memory while staying under its own cap: it
//! logs sixteen 1 MiB lines per call and keeps a 2 MiB fact per document for `finish`. The host
//! must cut the log lines, bound the log, and stop keeping its facts past the budget.

mod controls {
    /// The control.
    pub mod flood {
        use stiglint_sdk::prelude::*;

        /// Logs and keeps facts without bound.
        #[derive(Default)]
        pub struct Rule;

        impl Control for Rule {
            fn meta(&self) -> Meta {
                Meta::seed(
                    "TEST-FLOOD-000001",
                    "Floods the host's log and facts",
                    Severity::Low,
                )
                .scan_scope()
            }
            fn check(&self, _doc: &Document, out: &mut Out) {
                let line = "x".repeat(1 << 20);
                for _ in 0..16 {
                    stiglint_sdk::log(&line);
                }
                out.fact(Value::String("f".repeat(2 << 20)));
            }
            fn finish(&self, facts: &[Fact], _out: &mut Out) {
                stiglint_sdk::log(&format!("finish saw {} facts", facts.len()));
            }
        }
    }

    /// Every control of this plugin.
    pub fn all() -> Vec<stiglint_sdk::Registered> {
        vec![stiglint_sdk::Registered::new(Box::new(flood::Rule), "")]
    }
}

stiglint_sdk::control_plugin!(name: "test-flood", description: "floods the log and the facts", controls: controls::all);
