//! A hostile plugin that tries to read a host file: the sandbox grants no filesystem, so the
//! call must be stopped (a WASI import that traps), never answered with the file's content.

mod controls {
    /// The control.
    pub mod snoop {
        use stiglint_sdk::prelude::*;

        /// Reads `/etc/passwd` and reports what it got.
        #[derive(Default)]
        pub struct Rule;

        impl Control for Rule {
            fn meta(&self) -> Meta {
                Meta::seed("TEST-FS-000001", "Reads a host file", Severity::Low)
            }
            fn check(&self, _doc: &Document, out: &mut Out) {
                match std::fs::read_to_string("/etc/passwd") {
                    Ok(text) => {
                        out.finding("", format!("read the host file: {} bytes", text.len()))
                    }
                    Err(e) => {
                        out.finding("", format!("file access was refused with an error: {e}"))
                    }
                };
            }
        }
    }

    /// Every control of this plugin.
    pub fn all() -> Vec<stiglint_sdk::Registered> {
        vec![stiglint_sdk::Registered::new(Box::new(snoop::Rule), "")]
    }
}

stiglint_sdk::control_plugin!(name: "test-fs-access", description: "tries to read /etc/passwd", controls: controls::all);
