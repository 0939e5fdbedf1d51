//! Kubelet command-line flags from the files that carry them: a systemd drop-in
//! (`/etc/systemd/system/kubelet.service.d/10-kubeadm.conf`: `Environment="KUBELET_EXTRA_ARGS=…"`,
//! `ExecStart=/usr/bin/kubelet …`) or an environment file (`/var/lib/kubelet/kubeadm-flags.env`:
//! `KUBELET_KUBEADM_ARGS="…"`). The plugin sees one `KubeletFlags` document:
//!
//! ```json
//! {"apiVersion": "stiglint.dev/v1", "kind": "KubeletFlags",
//!  "flags": [{"name": "hostname-override", "value": "node1"}, {"name": "rotate-certificates"}]}
//! ```
//!
//! where `/flags/N` points at the flag's place in the file. Shell variables (`$KUBELET_ARGS`)
//! are not flags and are skipped; a flag's value is `--name=value` or the next word.

use std::path::Path;

use serde_json::{Map, Value, json};

use super::spans::SpanIndex;
use crate::source::{Range, SourceFile};

/// Whether a path names a kubelet flags file a directory walk should pick up.
#[must_use]
pub fn is_flags_file(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let in_dropin_dir = path
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str())
        .is_some_and(|d| d.starts_with("kubelet") && d.ends_with(".service.d"));
    let ext = Path::new(name).extension().and_then(|e| e.to_str());
    name == "kubeadm-flags.env"
        || (in_dropin_dir && ext == Some("conf"))
        || (name.contains("kubelet") && matches!(ext, Some("conf" | "env")))
}

/// Whether a loaded file is a kubelet flags file (by name, or a `.conf`/`.env` naming kubelet).
#[must_use]
pub fn is_flags_source(file: &SourceFile) -> bool {
    let path = Path::new(&*file.name);
    if is_flags_file(path) {
        return true;
    }
    let ext = path.extension().and_then(|e| e.to_str());
    matches!(ext, Some("conf" | "env")) && file.text.contains("kubelet")
}

/// A word of a logical line and where it is.
struct Word {
    text: String,
    range: Range,
}

/// Split a line into words at blanks, quotes and backslashes (kubelet flag values carry none
/// of these), each with its range; a word's range starts at its `--` when it has one inside
/// (`KUBELET_EXTRA_ARGS=--a=b`).
fn words(file: &SourceFile, line: u32, text: &str) -> Vec<Word> {
    let base = file.line_start(line);
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let separator = |c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '\\');
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        match (start, separator(c)) {
            (None, false) => start = Some(i),
            (Some(s), true) => {
                let word = &text[s..i];
                let from = word.find("--").map_or(s, |p| s + p);
                out.push(Word {
                    text: text[from..i].to_owned(),
                    range: Range::new(
                        file.position_of_offset(base + from),
                        file.position_of_offset(base + i),
                    ),
                });
                start = None;
            }
            _ => {}
        }
    }
    out
}

/// The words of a line that can carry kubelet flags: the value of an `*ARGS*` variable
/// (`Environment="KUBELET_EXTRA_ARGS=…"`, `KUBELET_KUBEADM_ARGS="…"`) or a kubelet `ExecStart`,
/// and continuation lines after them.
fn flag_words(file: &SourceFile) -> Vec<Word> {
    let mut out = Vec::new();
    let mut continuing = false;
    for line in 1..=file.line_count() as u32 {
        let text = file.line_text(line);
        let trimmed = text.trim_start();
        if trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        let carries = continuing
            || trimmed.starts_with("ExecStart=") && trimmed.contains("kubelet")
            || trimmed.starts_with("Environment=")
            || trimmed
                .split('=')
                .next()
                .is_some_and(|k| k.contains("ARGS"));
        if carries {
            out.extend(words(file, line, text));
        }
        continuing = carries && text.trim_end().ends_with('\\');
    }
    out
}

/// Read the kubelet flags of a drop-in or environment file: the JSON view and its spans.
#[must_use]
pub fn load(file: &SourceFile) -> (Value, SpanIndex) {
    let words = flag_words(file);
    let mut spans = SpanIndex::default();
    let first = words.first().map_or_else(
        || {
            let p = file.position(1, 0);
            Range::new(p, p)
        },
        |w| w.range,
    );
    let root = spans.root(first);
    spans.entry(root, "kind", first);
    let list_node = spans.entry(root, "flags", first);
    let mut flags = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let text = words[i].text.as_str();
        let range = words[i].range;
        i += 1;
        let Some(body) = text.strip_prefix("--") else {
            continue;
        };
        let mut flag = Map::new();
        let (name, value) = match body.split_once('=') {
            Some((n, v)) => (n.to_owned(), Some(v.to_owned())),
            None => match words.get(i) {
                Some(next) if !next.text.starts_with('-') && !next.text.starts_with('$') => {
                    i += 1;
                    (body.to_owned(), Some(next.text.clone()))
                }
                _ => (body.to_owned(), None),
            },
        };
        flag.insert("name".into(), json!(name));
        if let Some(v) = value {
            flag.insert("value".into(), json!(v));
        }
        let node = spans.item(list_node, flags.len(), range);
        spans.entry(node, "name", range);
        spans.entry(node, "value", range);
        flags.push(Value::Object(flag));
    }
    let value = json!({"apiVersion": "stiglint.dev/v1", "kind": "KubeletFlags", "flags": flags});
    (value, spans)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::source::Origin;

    #[test]
    fn kubeadm_dropin_and_env_file() {
        let text = "# Note: This dropin only works with kubeadm and kubelet v1.11+\n[Service]\nEnvironment=\"KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf\"\nEnvironment=\"KUBELET_EXTRA_ARGS=--hostname-override node-1 --read-only-port=10255\"\nExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS \\\n  --protect-kernel-defaults $KUBELET_EXTRA_ARGS\n";
        let f = SourceFile::new(Origin::Stdin, "10-kubeadm.conf", Arc::from(text));
        let (v, spans) = load(&f);
        let flags = v["flags"].as_array().expect("flags");
        let names: Vec<&str> = flags.iter().filter_map(|f| f["name"].as_str()).collect();
        assert_eq!(
            names,
            [
                "bootstrap-kubeconfig",
                "kubeconfig",
                "hostname-override",
                "read-only-port",
                "protect-kernel-defaults"
            ]
        );
        assert_eq!(flags[2]["value"], "node-1");
        assert!(flags[4].get("value").is_none());
        let r = spans.get("/flags/3").expect("span");
        assert_eq!(r.start.line, 4);
        assert_eq!(
            &f.text[r.start.offset as usize..r.end.offset as usize],
            "--read-only-port=10255"
        );
        assert_eq!(spans.get("/flags/4").expect("span").start.line, 7);
        let env = SourceFile::new(
            Origin::Stdin,
            "kubeadm-flags.env",
            Arc::from(
                "KUBELET_KUBEADM_ARGS=\"--container-runtime-endpoint=unix:///run/containerd/containerd.sock --pod-infra-container-image=registry.k8s.io/pause:3.9\"\n",
            ),
        );
        assert!(is_flags_source(&env));
        assert_eq!(load(&env).0["flags"].as_array().map(Vec::len), Some(2));
    }
}
