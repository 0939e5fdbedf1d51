//! The glue between the `control-plugin` world and a plugin's [`Control`]s. Plugin authors
//! use [`crate::control_plugin!`] and never this module directly.

use std::sync::Mutex;

use serde_json::Value;

use crate::catalogue::{Enforcement, Meta, Scope, Severity};
use crate::out::{Edit, NoteKind, Out};
use crate::{Document, Format, Hints, Registered, ScanContext};

/// Bindings generated from `wit/plugin.wit` (generated code: not ours to lint).
#[allow(
    missing_docs,
    clippy::pedantic,
    clippy::too_many_arguments,
    unsafe_code
)]
pub mod bindings {
    wit_bindgen::generate!({
        world: "control-plugin",
        path: "../../wit",
        pub_export_macro: true,
        export_macro_name: "__export_control_plugin",
        default_bindings_module: "::stiglint_sdk::control_glue::bindings",
    });
}

use bindings::stiglint::plugin::types as wit;

/// What `control_plugin!` declares.
pub struct PluginSpec {
    /// Plugin name.
    pub name: &'static str,
    /// Plugin version.
    pub version: &'static str,
    /// One line on what it is for.
    pub description: &'static str,
    /// Its controls.
    pub controls: fn() -> Vec<Registered>,
    /// ID prefixes of the controls it declares from the inputs ([`crate::Out::declare`]).
    pub dynamic_prefixes: &'static [&'static str],
}

struct State {
    controls: Vec<Registered>,
    /// Each control's `meta()`, computed once.
    metas: Vec<Meta>,
    /// The last `controls` list the host selected and the indices it resolved to: the host
    /// sends the same list with every call, so it is resolved once, not once per shard.
    selection: Option<(Vec<String>, Vec<usize>)>,
}

impl State {
    /// Indices of the selected controls, in plugin order.
    fn selected(&mut self, controls: &[String], prefixes: &[&str]) -> &[usize] {
        let fresh = self
            .selection
            .as_ref()
            .is_none_or(|(last, _)| last.as_slice() != controls);
        if fresh {
            // A BTreeSet, not a HashSet: std's hasher seeds itself from WASI randomness, which
            // the sandbox does not grant.
            let wanted: std::collections::BTreeSet<&str> =
                controls.iter().map(String::as_str).collect();
            let dynamic = prefixes.iter().any(|p| wanted.contains(p));
            let indices = self
                .metas
                .iter()
                .enumerate()
                .filter(|(_, m)| wanted.contains(m.id.as_str()) || (dynamic && m.declares))
                .map(|(i, _)| i)
                .collect();
            self.selection = Some((controls.to_vec(), indices));
        }
        self.selection.as_ref().map_or(&[], |(_, i)| i.as_slice())
    }
}

static STATE: Mutex<Option<State>> = Mutex::new(None);

fn with_state<R>(spec: &PluginSpec, f: impl FnOnce(&mut State) -> R) -> R {
    let mut guard = STATE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let state = guard.get_or_insert_with(|| {
        let controls = (spec.controls)();
        let metas = controls.iter().map(|r| r.control.meta()).collect();
        State {
            controls,
            metas,
            selection: None,
        }
    });
    f(state)
}

fn severity(s: Severity) -> wit::Severity {
    match s {
        Severity::Low => wit::Severity::Low,
        Severity::Medium => wit::Severity::Medium,
        Severity::High => wit::Severity::High,
    }
}

fn enforcement(e: Enforcement) -> wit::Enforcement {
    match e {
        Enforcement::Deny => wit::Enforcement::Deny,
        Enforcement::Warn => wit::Enforcement::Warn,
        Enforcement::Audit => wit::Enforcement::Audit,
    }
}

fn format_name(f: Format) -> &'static str {
    match f {
        Format::K8s => "k8s",
        Format::Terraform => "terraform",
        Format::Kubelet => "kubelet",
        Format::Trivy => "trivy",
        Format::Dockerfile => "dockerfile",
        Format::Image => "image",
        Format::Node => "node",
    }
}

fn control_info(meta: &Meta, docs: &str) -> wit::ControlInfo {
    wit::ControlInfo {
        id: meta.id.clone(),
        title: meta.title.clone(),
        severity: severity(meta.severity),
        enforcement: enforcement(meta.enforcement),
        stig: meta.stig.map(|r| wit::StigRef {
            stig_id: r.stig_id.clone(),
            vuln_id: r.vuln_id.clone(),
            rule_id: r.rule_id.clone(),
            ccis: r.cci_list(),
            nist: r.nist_list(),
        }),
        nist: meta.nist.clone(),
        formats: meta
            .formats
            .iter()
            .map(|f| format_name(*f).to_owned())
            .collect(),
        kinds: meta.kinds.clone(),
        scope: match meta.scope {
            Scope::Document => wit::Scope::Document,
            Scope::Scan => wit::Scope::Scan,
        },
        docs: docs.to_owned(),
        remediation: meta.remediation.clone(),
    }
}

/// `describe`.
#[must_use]
pub fn describe(spec: &PluginSpec) -> wit::PluginInfo {
    with_state(spec, |state| wit::PluginInfo {
        name: spec.name.to_owned(),
        version: spec.version.to_owned(),
        description: spec.description.to_owned(),
        controls: state
            .controls
            .iter()
            .zip(&state.metas)
            .map(|(r, meta)| control_info(meta, &r.docs))
            .collect(),
        dynamic_prefixes: spec
            .dynamic_prefixes
            .iter()
            .map(|p| (*p).to_owned())
            .collect(),
    })
}

/// `configure`.
pub fn configure(
    spec: &PluginSpec,
    settings: &str,
    context: wit::ScanContext,
) -> Result<(), wit::PluginError> {
    let settings: Value = serde_json::from_str(settings)
        .map_err(|e| wit::PluginError::InvalidSettings(format!("settings are not JSON: {e}")))?;
    let scan = ScanContext {
        k8s_version: context.k8s_version,
        today: context.today,
        default_namespace: context.default_namespace,
        plugin: settings.get("plugin").cloned().unwrap_or(Value::Null),
    };
    let empty = Value::Object(serde_json::Map::new());
    with_state(spec, |state| {
        for (r, meta) in state.controls.iter_mut().zip(&state.metas) {
            let id = &meta.id;
            let own = settings
                .get("controls")
                .and_then(|c| c.get(id))
                .unwrap_or(&empty);
            r.control
                .configure_with(own, &settings, &scan)
                .map_err(|e| {
                    wit::PluginError::InvalidSettings(format!("[controls.\"{id}\"]: {e}"))
                })?;
        }
        Ok(())
    })
}

fn document(d: wit::Document) -> Result<Document, wit::PluginError> {
    let json = serde_json::from_str(&d.json).map_err(|e| {
        wit::PluginError::InvalidInput(format!("document {} is not JSON: {e}", d.uri))
    })?;
    Ok(Document {
        id: d.id,
        uri: d.uri,
        format: match d.format {
            wit::Format::K8s => Format::K8s,
            wit::Format::Terraform => Format::Terraform,
            wit::Format::Kubelet => Format::Kubelet,
            wit::Format::Trivy => Format::Trivy,
            wit::Format::Dockerfile => Format::Dockerfile,
            wit::Format::Image => Format::Image,
            wit::Format::Node => Format::Node,
        },
        hints: Hints {
            api_version: d.hints.api_version,
            kind: d.hints.kind,
            namespace: d.hints.namespace,
            name: d.hints.name,
            labels: d.hints.labels,
        },
        json,
    })
}

fn applies(meta: &Meta, doc: &Document) -> bool {
    meta.formats.contains(&doc.format)
        && (meta.kinds.is_empty() || meta.kinds.iter().any(|k| k == doc.kind()))
}

fn output(out: Out) -> wit::CheckOutput {
    wit::CheckOutput {
        findings: out
            .findings
            .into_iter()
            .map(|f| wit::Finding {
                control: f.control,
                document: f.document,
                pointer: f.pointer,
                message: f.message,
                fix: f.fix.map(|fix| wit::Fix {
                    description: fix.description,
                    edits: fix
                        .edits
                        .into_iter()
                        .map(|e| match e {
                            Edit::Set(p, v) => wit::Edit::Set((p, v.to_string())),
                            Edit::Remove(p) => wit::Edit::Remove(p),
                        })
                        .collect(),
                }),
                related: f
                    .related
                    .into_iter()
                    .map(|r| wit::Related {
                        document: r.document,
                        pointer: r.pointer,
                        message: r.message,
                    })
                    .collect(),
                related_total: f.related_total,
                enforcement: f.enforcement.map(enforcement),
                properties: f.properties.map(|p| Value::Object(p).to_string()),
            })
            .collect(),
        notes: out
            .notes
            .into_iter()
            .map(|n| wit::Note {
                control: n.control,
                document: n.document,
                pointer: n.pointer,
                kind: match n.kind {
                    NoteKind::NotApplicable => wit::NoteKind::NotApplicable,
                    NoteKind::NotEvaluated => wit::NoteKind::NotEvaluated,
                    NoteKind::Partial => wit::NoteKind::Partial,
                },
                reason: n.reason,
            })
            .collect(),
        facts: out
            .facts
            .into_iter()
            .map(|(control, f)| wit::Fact {
                control,
                document: f.document,
                data: f.data.to_string(),
                pointers: f.pointers,
                groups: f.groups,
            })
            .collect(),
        controls: out
            .declared
            .iter()
            .map(|meta| control_info(meta, &meta.docs))
            .collect(),
    }
}

/// `check`.
pub fn check(
    spec: &PluginSpec,
    documents: Vec<wit::Document>,
    controls: &[String],
) -> Result<wit::CheckOutput, wit::PluginError> {
    let docs = documents
        .into_iter()
        .map(document)
        .collect::<Result<Vec<_>, _>>()?;
    crate::set_selected(controls);
    with_state(spec, |state| {
        let selected = state.selected(controls, spec.dynamic_prefixes).to_vec();
        let mut out = Out::default();
        for doc in &docs {
            crate::controlplane::begin_document();
            crate::begin_document();
            if let Some(unjudged) = crate::k8s::unjudged_pod_template(doc) {
                let kind = if unjudged.elsewhere {
                    NoteKind::Partial
                } else {
                    NoteKind::NotEvaluated
                };
                for &i in &selected {
                    if state.metas[i].pods && state.metas[i].formats.contains(&doc.format) {
                        out.retarget(&state.metas[i].id, doc.id);
                        out.note(kind, unjudged.pointer.clone(), unjudged.reason.clone());
                    }
                }
            }
            for &i in &selected {
                let meta = &state.metas[i];
                if applies(meta, doc) {
                    out.retarget(&meta.id, doc.id);
                    state.controls[i].control.check(doc, &mut out);
                }
            }
        }
        Ok(output(out))
    })
}

/// `finish`.
pub fn finish(
    spec: &PluginSpec,
    facts: &[wit::Fact],
    controls: &[String],
) -> Result<wit::CheckOutput, wit::PluginError> {
    with_state(spec, |state| {
        let mut out = Out::default();
        for i in state.selected(controls, spec.dynamic_prefixes).to_vec() {
            let (r, meta) = (&state.controls[i], &state.metas[i]);
            if meta.scope != Scope::Scan {
                continue;
            }
            let mine = facts
                .iter()
                .filter(|f| f.control == meta.id)
                .map(|f| {
                    serde_json::from_str(&f.data)
                        .map(|data| crate::Fact {
                            document: f.document,
                            data,
                            pointers: f.pointers.clone(),
                            groups: f.groups.clone(),
                        })
                        .map_err(|e| wit::PluginError::Internal(format!("fact is not JSON: {e}")))
                })
                .collect::<Result<Vec<_>, _>>()?;
            out.retarget(&meta.id, 0);
            r.control.finish(&mine, &mut out);
        }
        out.facts.clear();
        Ok(output(out))
    })
}

/// Declare and export a control plugin.
///
/// ```text
/// stiglint_sdk::control_plugin!(
///     name: "workload",
///     description: "Kubernetes workload controls",
///     controls: controls::all,
/// );
/// ```
#[macro_export]
macro_rules! control_plugin {
    (name: $name:expr, description: $description:expr, controls: $controls:path $(,)?) => {
        $crate::control_plugin!(name: $name, description: $description, controls: $controls, dynamic_prefixes: &[]);
    };
    (name: $name:expr, description: $description:expr, controls: $controls:path, dynamic_prefixes: $prefixes:expr $(,)?) => {
        const __STIGLINT_SPEC: $crate::control_glue::PluginSpec = $crate::control_glue::PluginSpec {
            name: $name,
            version: env!("CARGO_PKG_VERSION"),
            description: $description,
            controls: $controls,
            dynamic_prefixes: $prefixes,
        };

        struct __StiglintPlugin;

        impl $crate::control_glue::bindings::Guest for __StiglintPlugin {
            fn describe() -> $crate::control_glue::bindings::PluginInfo {
                $crate::control_glue::describe(&__STIGLINT_SPEC)
            }
            fn configure(
                settings: ::std::string::String,
                context: $crate::control_glue::bindings::ScanContext,
            ) -> ::std::result::Result<(), $crate::control_glue::bindings::PluginError> {
                $crate::control_glue::configure(&__STIGLINT_SPEC, &settings, context)
            }
            fn check(
                documents: ::std::vec::Vec<$crate::control_glue::bindings::Document>,
                controls: ::std::vec::Vec<::std::string::String>,
            ) -> ::std::result::Result<
                $crate::control_glue::bindings::CheckOutput,
                $crate::control_glue::bindings::PluginError,
            > {
                $crate::control_glue::check(&__STIGLINT_SPEC, documents, &controls)
            }
            fn finish(
                facts: ::std::vec::Vec<$crate::control_glue::bindings::Fact>,
                controls: ::std::vec::Vec<::std::string::String>,
            ) -> ::std::result::Result<
                $crate::control_glue::bindings::CheckOutput,
                $crate::control_glue::bindings::PluginError,
            > {
                $crate::control_glue::finish(&__STIGLINT_SPEC, &facts, &controls)
            }
        }

        $crate::control_glue::bindings::__export_control_plugin!(__StiglintPlugin with_types_in $crate::control_glue::bindings);
    };
}
