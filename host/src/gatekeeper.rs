//! Gatekeeper policies given to the built-in `gatekeeper` plugin: `--policy PATH` and
//! `[plugin-settings.gatekeeper] policies = [...]`. The host reads the files (the plugin sees no
//! files): every ConstraintTemplate and constraint document becomes an entry
//! `{"file", "line", "object", "rego-lines"}` of the plugin's `policies` setting, where
//! `rego-lines` gives, for each Rego source of a template, the file line its first line is
//! on (so the plugin names Rego errors by file line).

use std::path::PathBuf;

use serde_json::{Map, Value, json};

use crate::input;

/// The plugin the policies are for.
pub const PLUGIN: &str = "gatekeeper";

/// Errors reading policy files.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// A path or document is wrong.
    #[error("{0}")]
    Invalid(String),
}

fn group(api_version: &str) -> &str {
    api_version.split_once('/').map_or("", |(g, _)| g)
}

/// Whether an object is a Gatekeeper ConstraintTemplate or constraint.
#[must_use]
pub fn is_policy(value: &Value) -> bool {
    let api = value
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    let kind = value.get("kind").and_then(Value::as_str).unwrap_or("");
    (group(api) == "templates.gatekeeper.sh" && kind == "ConstraintTemplate")
        || group(api) == "constraints.gatekeeper.sh"
}

/// The pointers of a template's Rego sources.
fn rego_pointers(value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for (t, target) in value
        .pointer("/spec/targets")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        out.push(format!("/spec/targets/{t}/rego"));
        let libs = target
            .get("libs")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        out.extend((0..libs).map(|i| format!("/spec/targets/{t}/libs/{i}")));
        for (c, code) in target
            .get("code")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            out.push(format!("/spec/targets/{t}/code/{c}/source/rego"));
            let libs = code
                .pointer("/source/libs")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            out.extend((0..libs).map(|i| format!("/spec/targets/{t}/code/{c}/source/libs/{i}")));
        }
    }
    out
}

/// The first line of a document: the earliest of its top-level keys' lines.
fn first_line(doc: &input::LoadedDoc) -> u32 {
    doc.value
        .as_object()
        .into_iter()
        .flat_map(|m| m.keys())
        .filter_map(|k| {
            let pointer = format!("{}/{}", doc.prefix, k.replace('~', "~0").replace('/', "~1"));
            doc.spans.get(&pointer).map(|r| r.start.line)
        })
        .min()
        .unwrap_or(0)
}

/// Read the policy documents of some paths (files or directories, walked like the scan's
/// inputs). A file named directly must hold only policy documents; a directory's other
/// documents (sample objects, suites) are passed over.
pub fn load(paths: &[PathBuf]) -> Result<Vec<Value>, PolicyError> {
    let mut entries = Vec::new();
    if paths.is_empty() {
        return Ok(entries);
    }
    let (inputs, problems) = input::discover(paths, true);
    if let Some(p) = problems.first() {
        return Err(PolicyError::Invalid(format!("policy: {}", p.headline())));
    }
    for inp in inputs {
        let named = paths
            .iter()
            .any(|p| crate::source::Origin::File(p.clone()) == inp.origin);
        let source = input::read(&inp, None)
            .map_err(|p| PolicyError::Invalid(format!("policy: {}", p.headline())))?;
        let loaded = input::load(source, input::yaml::DEFAULT_ALIAS_LIMIT);
        if let Some(p) = loaded.problems.first() {
            return Err(PolicyError::Invalid(format!("policy: {}", p.headline())));
        }
        for doc in &loaded.documents {
            if !is_policy(&doc.value) {
                if named {
                    let at = first_line(doc);
                    return Err(PolicyError::Invalid(format!(
                        "{}:{at}: {} {} is not a Gatekeeper ConstraintTemplate or constraint (--policy takes only those)",
                        inp.name,
                        doc.hints
                            .api_version
                            .as_deref()
                            .unwrap_or("(no apiVersion)"),
                        doc.hints.kind.as_deref().unwrap_or("(no kind)")
                    )));
                }
                continue;
            }
            let line = first_line(doc);
            let mut rego_lines = Map::new();
            for pointer in rego_pointers(&doc.value) {
                if let Some(r) = doc.spans.get(&format!("{}{pointer}", doc.prefix)) {
                    // A block scalar (`rego: |`) starts on the line after its indicator.
                    let text = loaded.source.line_text(r.start.line);
                    let block = text
                        .trim_end()
                        .trim_end_matches([
                            '-', '+', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9',
                        ])
                        .ends_with(['|', '>']);
                    rego_lines.insert(pointer, json!(r.start.line + u32::from(block)));
                }
            }
            entries.push(json!({
                "file": inp.name,
                "line": line,
                "object": doc.value,
                "rego-lines": rego_lines,
            }));
        }
    }
    Ok(entries)
}
