//! # stiglint-sdk
//!
//! Everything a plugin author needs to write stiglint controls in Rust. A control is one file
//! (its `//!` comment, not shown here, is the control's user documentation):
//!
//! ```
//! use stiglint_sdk::prelude::*;
//!
//! #[derive(Default)]
//! pub struct Rule;
//!
//! impl Control for Rule {
//!     fn meta(&self) -> Meta {
//!         Meta::seed("ORG-000070", "Privileged containers", Severity::High).pod_kinds()
//!     }
//!     fn check(&self, doc: &Document, out: &mut Out) {
//!         for c in doc.pod().iter().flat_map(PodSpec::containers) {
//!             if c.security_context("privileged") == Some(&Value::Bool(true)) {
//!                 out.finding(
//!                     c.pointer_to("securityContext/privileged"),
//!                     format!("{} must not run privileged", c.describe()),
//!                 );
//!             }
//!         }
//!     }
//! }
//!
//! // What the host does with it, in miniature:
//! let doc = stiglint_sdk::Document {
//!     id: 1,
//!     uri: "pod.yaml".into(),
//!     format: Format::K8s,
//!     hints: stiglint_sdk::Hints { kind: Some("Pod".into()), ..Default::default() },
//!     json: json!({"spec": {"containers": [{"name": "app", "securityContext": {"privileged": true}}]}}),
//! };
//! let mut out = Out::new("ORG-000070", doc.id);
//! Rule.check(&doc, &mut out);
//! assert_eq!(out.findings()[0].pointer, "/spec/containers/0/securityContext/privileged");
//! assert_eq!(out.findings()[0].message, "Container 'app' must not run privileged");
//! ```
//!
//! The plugin lists its controls and exports itself:
//!
//! ```text
//! // src/controls/mod.rs
//! pub mod host_namespaces;
//! pub mod privileged;
//! stiglint_sdk::controls![privileged, host_namespaces];
//!
//! // src/lib.rs
//! mod controls;
//! stiglint_sdk::control_plugin!(name: "my-controls", description: "...", controls: controls::all);
//! ```
//!
//! The plugin never sees wit-bindgen, files, line numbers or the clock: it reads a JSON view
//! of each document and answers with JSON pointers; the host does the rest.

pub mod catalogue;
pub mod cidr;
pub mod controlplane;
pub mod dates;
mod document;
pub mod k8s;
pub mod kubelet;
mod out;
mod pointer;
pub mod settings;
pub mod terraform;

#[cfg(feature = "control")]
#[doc(hidden)]
pub mod control_glue;
#[cfg(feature = "waiver")]
pub mod waiver;

pub use catalogue::{Enforcement, Meta, Scope, Severity, StigRule};
pub use document::{Document, Format, Hints, ScanContext};
pub use out::{Edit, Fact, FindingBuilder, Fix, MAX_RELATED, NoteKind, Out};
pub use pointer::{escape as escape_pointer, join as join_pointer};
pub use serde_json::{self, Value, json};

/// What a control file imports.
pub mod prelude {
    pub use crate::k8s::{Container, ContainerKind, PodSpec};
    pub use crate::{
        Control, Document, Edit, Enforcement, Fact, Fix, Format, Meta, Out, Scope, Severity, Value,
        json,
    };
}

/// One control: its description, its optional settings, and its judgement.
pub trait Control: Send {
    /// ID, title, severity, STIG references, the kinds it looks at, its scope.
    fn meta(&self) -> Meta;

    /// Take this control's settings (the `[controls."<ID>"]` table of `stiglint.toml`, `{}`
    /// when absent) and the scan context. Return a message naming the bad setting on error.
    fn configure(&mut self, settings: &Value, scan: &ScanContext) -> Result<(), String> {
        let _ = scan;
        match settings {
            Value::Object(map) if map.is_empty() => Ok(()),
            Value::Null => Ok(()),
            _ => Err("this control takes no settings".to_owned()),
        }
    }

    /// [`Control::configure`] for a control that also reads *another* control's settings
    /// (a Dockerfile's base-registry control shares the workloads' `allowed-registries`):
    /// `all` is every setting the plugin got, `{"controls": {"<ID>": {...}}, "plugin": {...}}`.
    /// The default ignores `all`.
    fn configure_with(
        &mut self,
        settings: &Value,
        all: &Value,
        scan: &ScanContext,
    ) -> Result<(), String> {
        let _ = all;
        self.configure(settings, scan)
    }

    /// Judge one document. Scan-scope controls may also record facts with [`Out::fact`].
    fn check(&self, doc: &Document, out: &mut Out);

    /// Judge the whole scan from the facts `check` recorded (scan-scope controls only).
    fn finish(&self, facts: &[Fact], out: &mut Out) {
        let _ = (facts, out);
    }
}

/// A control together with its documentation (the `//!` comment of its file).
pub struct Registered {
    /// The control.
    pub control: Box<dyn Control>,
    /// Markdown documentation.
    pub docs: String,
}

impl Registered {
    /// Pair a control with the source text of its file; the file's leading `//!` lines become
    /// the documentation.
    #[must_use]
    pub fn new(control: Box<dyn Control>, source: &str) -> Self {
        Self {
            control,
            docs: module_docs(source),
        }
    }
}

/// The text of the leading `//!` comment block of a Rust source file.
#[must_use]
pub fn module_docs(source: &str) -> String {
    let mut docs = String::new();
    for line in source.lines() {
        let Some(rest) = line.strip_prefix("//!") else {
            break;
        };
        docs.push_str(rest.strip_prefix(' ').unwrap_or(rest));
        docs.push('\n');
    }
    docs.trim_end().to_owned()
}

/// Generate `pub fn all() -> Vec<Registered>` for the control modules declared beside it
/// (`pub mod privileged;` ... in the same `mod.rs`): it instantiates each module's `Rule` (via
/// `Default`) and attaches the module's `//!` documentation (the file `<module>.rs` next to
/// the invoking file).
#[macro_export]
macro_rules! controls {
    ($($module:ident),* $(,)?) => {
        /// Every control of this plugin, with its documentation.
        #[must_use]
        pub fn all() -> ::std::vec::Vec<$crate::Registered> {
            ::std::vec![$(
                $crate::Registered::new(
                    ::std::boxed::Box::new(<$module::Rule as ::std::default::Default>::default()),
                    include_str!(concat!(stringify!($module), ".rs")),
                )
            ),*]
        }
    };
}

thread_local! {
    /// How many documents the glue has begun judging on this thread (0: outside the glue).
    static EPOCH: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

thread_local! {
    /// The controls the host selected for the current `check` (`None`: outside the glue), and
    /// how often the selection changed.
    static SELECTED: std::cell::RefCell<(Option<std::collections::BTreeSet<String>>, u64)> =
        const { std::cell::RefCell::new((None, 0)) };
}

/// Record the controls the host selected (called by the glue).
#[doc(hidden)]
pub fn set_selected(controls: &[String]) {
    SELECTED.with(|s| {
        let mut s = s.borrow_mut();
        let same = s.0.as_ref().is_some_and(|set| {
            set.len() == controls.len() && controls.iter().all(|c| set.contains(c))
        });
        if !same {
            s.0 = Some(controls.iter().cloned().collect());
            s.1 += 1;
        }
    });
}

/// Whether the host selected a control for this scan (`true` outside the glue, in tests). A
/// scan-scope control that keeps the facts of several controls (and reports for them in
/// `finish`) uses it to keep facts only for the selected ones.
#[must_use]
pub fn is_selected(id: &str) -> bool {
    SELECTED.with(|s| s.borrow().0.as_ref().is_none_or(|c| c.contains(id)))
}

/// A number that changes whenever the selection [`is_selected`] answers from changes (to
/// cache what is derived from it).
#[must_use]
pub fn selection_generation() -> u64 {
    SELECTED.with(|s| s.borrow().1)
}

/// Start judging a new document (called by the glue before each one).
#[doc(hidden)]
pub fn begin_document() {
    EPOCH.with(|e| e.set(e.get() + 1));
}

/// A number that changes with every document the glue judges, so several controls of a
/// plugin can share one analysis of the document being judged (keyed by it and the document
/// ID); `0` outside the glue (in tests), where nothing should be shared.
#[must_use]
pub fn document_epoch() -> u64 {
    EPOCH.with(std::cell::Cell::get)
}

/// Log a line through the host (shown with `stiglint --verbose`).
pub fn log(message: &str) {
    #[cfg(feature = "control")]
    control_glue::bindings::log(message);
    #[cfg(all(feature = "waiver", not(feature = "control")))]
    waiver::bindings::log(message);
    #[cfg(not(any(feature = "control", feature = "waiver")))]
    let _ = message;
}
