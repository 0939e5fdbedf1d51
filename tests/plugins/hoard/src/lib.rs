//! A hostile plugin that keeps state between calls: every call adds `grow-mb` MiB to memory it
//! never frees, and, with `trap-after` set, an instance traps once it has served that many
//! calls. The host must recycle pooled instances so that no document is blamed for what earlier
//! calls left behind.

mod controls {
    /// The control.
    pub mod hoard {
        use std::sync::Mutex;
        use std::sync::atomic::{AtomicU64, Ordering};

        use stiglint_sdk::prelude::*;

        static HOARD: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());
        static CALLS: AtomicU64 = AtomicU64::new(0);

        /// Hoards memory and state.
        #[derive(Default)]
        pub struct Rule {
            grow_mb: u64,
            trap_after: u64,
        }

        impl Control for Rule {
            fn meta(&self) -> Meta {
                Meta::seed(
                    "TEST-HOARD-000001",
                    "Keeps state between calls",
                    Severity::Low,
                )
            }
            fn configure(
                &mut self,
                settings: &Value,
                _scan: &stiglint_sdk::ScanContext,
            ) -> Result<(), String> {
                self.grow_mb = settings.get("grow-mb").and_then(Value::as_u64).unwrap_or(0);
                self.trap_after = settings
                    .get("trap-after")
                    .and_then(Value::as_u64)
                    .unwrap_or(0);
                Ok(())
            }
            fn check(&self, doc: &Document, out: &mut Out) {
                let calls = CALLS.fetch_add(1, Ordering::Relaxed) + 1;
                assert!(
                    self.trap_after == 0 || calls <= self.trap_after,
                    "call {calls} on one instance: state from earlier calls"
                );
                let block = vec![1u8; (self.grow_mb as usize) << 20];
                HOARD
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push(std::hint::black_box(block));
                out.finding("", format!("judged {}", doc.name()));
            }
        }
    }

    /// Every control of this plugin.
    pub fn all() -> Vec<stiglint_sdk::Registered> {
        vec![stiglint_sdk::Registered::new(
            Box::new(hoard::Rule::default()),
            "",
        )]
    }
}

stiglint_sdk::control_plugin!(name: "test-hoard", description: "keeps state between calls", controls: controls::all);
