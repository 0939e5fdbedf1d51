//! Files kube-apiserver points at (audit policy, encryption configuration, admission
//! configuration), judged when they are in the scan.
//!
//! Each control is scan-scoped. In `check`, the kube-apiserver static pod records a fact
//! ([`record_server`]: does it set the flag, and where) and each document of the file's kind
//! records its verdict ([`record_verdict`]: its problems, each with a pointer). [`judge`] then
//! reports, in
//! `finish`: a missing flag at the pod's `command`; each problem of each file, related to every
//! kube-apiserver flag that names such a file; and, when the flag is set but no file of the kind
//! is in the scan, a `partial` note on the flag. The file is matched by kind, not by path:
//! stiglint cannot see the host's file system.

use stiglint_sdk::controlplane::{Component, StaticPod};
use stiglint_sdk::{Document, Fact, NoteKind, Out, Value, json};

pub mod admission_configuration;
pub mod audit_policy;
pub mod encryption_config;

stiglint_sdk::controls![audit_policy, encryption_config, admission_configuration];

/// One problem of a file: where, and what.
pub(crate) struct Problem {
    pointer: String,
    message: String,
}

impl Problem {
    pub(crate) fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            pointer: pointer.into(),
            message: message.into(),
        }
    }
}

/// If `doc` is the kube-apiserver static pod, record what it says of `flag`.
pub(crate) fn record_server(doc: &Document, out: &mut Out, flag: &str) {
    let Some(pod) = StaticPod::of(doc).filter(|p| p.component == Component::ApiServer) else {
        return;
    };
    let command = pod.missing_pointer();
    match pod.flag(flag) {
        Some(f) => {
            let path = f.value.as_deref().map_or("", str::trim).to_owned();
            out.fact_at(
                &[&f.pointer, &command],
                json!({"server": true, "flag": f.pointer, "path": path, "command": command}),
            );
        }
        None => out.fact_at(
            &[&command],
            json!({"server": true, "flag": null, "command": command}),
        ),
    }
}

/// Record the verdict on one file of the kind: its problems (none: compliant).
pub(crate) fn record_verdict(doc: &Document, out: &mut Out, problems: &[Problem]) {
    let pointers: Vec<&str> = problems.iter().map(|p| p.pointer.as_str()).collect();
    let list: Vec<Value> = problems
        .iter()
        .map(|p| json!({"pointer": p.pointer, "message": p.message}))
        .collect();
    out.fact_at(
        &pointers,
        json!({"server": false, "name": doc.name(), "problems": list}),
    );
}

/// What [`judge`] says in its messages.
pub(crate) struct Wording<'a> {
    /// The flag, without dashes (`audit-policy-file`).
    pub flag: &'a str,
    /// The file's kind (`audit Policy`).
    pub kind: &'a str,
}

/// Judge the scan from the facts of [`record_server`] and [`record_verdict`].
pub(crate) fn judge(facts: &[Fact], out: &mut Out, words: &Wording<'_>) {
    let text = |f: &Fact, key: &str| f.data[key].as_str().unwrap_or_default().to_owned();
    let servers: Vec<&Fact> = facts.iter().filter(|f| f.data["server"] == true).collect();
    let files: Vec<&Fact> = facts.iter().filter(|f| f.data["server"] == false).collect();
    let flag = words.flag;
    // The flags that name a file: (document, pointer, path).
    let mut naming = Vec::new();
    for s in &servers {
        if s.data["flag"].is_null() {
            out.finding_in(
                s.document,
                text(s, "command"),
                format!(
                    "kube-apiserver must set --{flag}, the path of its {} (it is not set)",
                    words.kind
                ),
            );
            continue;
        }
        let pointer = text(s, "flag");
        let path = text(s, "path");
        if path.is_empty() {
            out.finding_in(
                s.document,
                pointer,
                format!(
                    "kube-apiserver must set --{flag}, the path of its {} (it is empty)",
                    words.kind
                ),
            );
        } else if files.is_empty() {
            out.note_in(
                s.document,
                NoteKind::Partial,
                pointer,
                format!(
                    "--{flag} names '{path}', but no {} is in the scan: its content was not checked",
                    words.kind
                ),
            );
        } else {
            naming.push((s.document, pointer, path));
        }
    }
    for f in files {
        let Some(problems) = f.data["problems"].as_array() else {
            continue;
        };
        let name = text(f, "name");
        let file = if name.is_empty() {
            words.kind.to_owned()
        } else {
            format!("{} '{name}'", words.kind)
        };
        for p in problems {
            let pointer = p["pointer"].as_str().unwrap_or_default();
            let message = p["message"].as_str().unwrap_or_default();
            let mut finding = out.finding_in(f.document, pointer, format!("{file} {message}"));
            for (document, flag_pointer, path) in &naming {
                finding.related(
                    *document,
                    flag_pointer.clone(),
                    format!("kube-apiserver --{flag}={path} names the {}", words.kind),
                );
            }
        }
    }
}

/// An absent value, `null`, or an empty list or map.
pub(crate) fn empty(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => true,
        Some(Value::Array(a)) => a.is_empty(),
        Some(Value::Object(m)) => m.is_empty(),
        Some(_) => false,
    }
}

/// The API group of a document's `apiVersion` (`audit.k8s.io/v1` → `audit.k8s.io`) and its
/// version.
pub(crate) fn api_version(doc: &Document) -> (&str, &str) {
    let v = doc
        .json
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or_default();
    v.split_once('/').unwrap_or(("", v))
}
