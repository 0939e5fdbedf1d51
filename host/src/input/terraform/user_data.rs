//! A launch template's `user_data`: base64, then a MIME multi-part document or plain text;
//! an Amazon Linux 2023 `NodeConfig` in it (the part of type `application/node.eks.aws`)
//! becomes a document of its own, so the kubelet rules judge the nodes' kubelet settings.
//! Its pointers all lead to the `user_data` argument: the YAML inside has no lines of its own
//! in any file.

use std::sync::Arc;

use base64::Engine as _;
use serde_json::Value;

use crate::input::spans::SpanIndex;
use crate::input::{Format, Hints, LoadedDoc, yaml};
use crate::source::{Origin, SourceFile};

/// The `NodeConfig` in a launch template's evaluated arguments, if its `user_data` is known
/// and holds one.
#[must_use]
pub fn node_config(template: &Value, spans: &SpanIndex, address: &str) -> Option<LoadedDoc> {
    let raw = template.get("user_data")?.as_str()?;
    let text = base64::engine::general_purpose::STANDARD
        .decode(raw.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or_else(|| raw.to_owned());
    let yaml_text = parts(&text)
        .into_iter()
        .find(|(kind, body)| {
            kind.starts_with("application/node.eks.aws")
                || (kind.is_empty() && body.contains("kind: NodeConfig"))
        })
        .map(|(_, body)| body)?;
    let source = SourceFile::new(
        Origin::Stdin,
        format!("{address}.user_data"),
        Arc::from(yaml_text),
    );
    let value = yaml::parse(&source, 10_000)
        .into_iter()
        .filter_map(Result::ok)
        .map(|d| d.value)
        .find(|v| v.get("kind").and_then(Value::as_str) == Some("NodeConfig"))?;
    let (range, _, file) = spans.resolve_in("/user_data")?;
    // Every value of the NodeConfig is at the user_data argument (a missing one still falls
    // back to it, and says so).
    let mut index = SpanIndex::default();
    let root = index.root(range);
    mirror(&mut index, root, &value, range, file);
    if let Some(file) = file {
        index.set_file(root, file);
    }
    let text = |p: &str| value.pointer(p).and_then(Value::as_str).map(str::to_owned);
    Some(LoadedDoc {
        yaml_index: 0,
        prefix: String::new(),
        format: Format::K8s,
        hints: Arc::new(Hints {
            api_version: text("/apiVersion"),
            kind: Some("NodeConfig".to_owned()),
            namespace: None,
            name: Some(text("/metadata/name").unwrap_or_else(|| format!("{address} user_data"))),
            labels: Vec::new(),
        }),
        value,
        spans: Arc::new(index),
        template: None,
    })
}

fn mirror(
    index: &mut SpanIndex,
    parent: u32,
    value: &Value,
    range: crate::source::Range,
    file: Option<&Arc<str>>,
) {
    let children: Vec<(Option<&str>, usize, &Value)> = match value {
        Value::Object(m) => m.iter().map(|(k, v)| (Some(k.as_str()), 0, v)).collect(),
        Value::Array(a) => a.iter().enumerate().map(|(i, v)| (None, i, v)).collect(),
        _ => Vec::new(),
    };
    for (key, i, v) in children {
        let id = match key {
            Some(k) => index.entry(parent, k, range),
            None => index.item(parent, i, range),
        };
        if let Some(file) = file {
            index.set_file(id, file);
        }
        mirror(index, id, v, range, file);
    }
}

/// `(content type, body)` of each part of a MIME multi-part text, or the whole text as one
/// part without a type.
fn parts(text: &str) -> Vec<(String, String)> {
    let boundary = text.lines().find_map(|l| {
        let l = l.trim();
        let lower = l.to_ascii_lowercase();
        if !lower.starts_with("content-type:") || !lower.contains("multipart/") {
            return None;
        }
        let at = lower.find("boundary=")? + "boundary=".len();
        Some(
            l[at..]
                .trim_matches(|c| c == '"' || c == ';' || c == ' ')
                .to_owned(),
        )
    });
    let Some(boundary) = boundary else {
        return vec![(String::new(), text.to_owned())];
    };
    let marker = format!("--{boundary}");
    text.split(marker.as_str())
        .skip(1)
        .filter(|p| !p.starts_with("--"))
        .filter_map(|part| {
            let part = part.trim_start_matches(['\r', '\n']);
            let (head, body) = part
                .split_once("\n\n")
                .or_else(|| part.split_once("\r\n\r\n"))?;
            let kind = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.trim()
                        .eq_ignore_ascii_case("content-type")
                        .then(|| v.trim().to_ascii_lowercase())
                })
                .unwrap_or_default();
            Some((kind, body.to_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_node_config_part() {
        let mime = "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"BOUNDARY\"\n\n--BOUNDARY\nContent-Type: text/x-shellscript\n\necho hi\n--BOUNDARY\nContent-Type: application/node.eks.aws\n\napiVersion: node.eks.aws/v1alpha1\nkind: NodeConfig\nspec:\n  kubelet:\n    config:\n      readOnlyPort: 10255\n--BOUNDARY--\n";
        let p = parts(mime);
        assert_eq!(p.len(), 2);
        assert_eq!(p[1].0, "application/node.eks.aws");
        assert!(p[1].1.contains("readOnlyPort: 10255"));
        assert_eq!(parts("kind: NodeConfig\n").len(), 1);
    }
}
