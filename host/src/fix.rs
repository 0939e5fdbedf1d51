//! The fix engine: a finding's structured fix (set or remove a value at a JSON pointer) as text
//! edits of its file that keep the file's indentation and style — shared by `--fix`, `--diff`
//! and the language server's quick fixes.
//!
//! YAML: a scalar is replaced in place (`key: value`), a missing key is inserted under its
//! nearest existing parent at the indentation of its siblings (or two columns deeper), a
//! removed key takes its whole entry with it. Terraform: an attribute written in the file is
//! replaced in place, a missing one is inserted at the top of its block. Values are written as
//! YAML by a YAML emitter (block style) or as HCL in JSON syntax. A fix that cannot be placed
//! exactly (a value that comes from another file, a flow collection, a missing list item) is
//! not offered rather than guessed.

use std::sync::Arc;

use serde_json::Value;

use crate::input::{self, LoadedDoc, LoadedFile};
use crate::scan::{Finding, FixEdit};
use crate::source::SourceFile;

/// One text edit: replace the bytes `start..end` of the file with `text`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextEdit {
    /// First byte replaced.
    pub start: usize,
    /// One past the last byte replaced.
    pub end: usize,
    /// The new text.
    pub text: String,
}

/// The text edit of a finding's fix in its file (one edit spanning what the fix changes), or
/// `None` when the fix cannot be placed.
#[must_use]
pub fn edits(source: &Arc<SourceFile>, finding: &Finding) -> Option<Vec<TextEdit>> {
    let doc = document_index(source, finding)?;
    let fixed = apply_fix(source, &source.text, finding, doc)?;
    Some(vec![minimal_edit(&source.text, &fixed)])
}

/// Which document of its file a finding is about (its index among the file's documents).
#[must_use]
pub fn document_index(source: &Arc<SourceFile>, finding: &Finding) -> Option<usize> {
    if *source.name != *finding.location.file {
        return None;
    }
    let loaded = load(source, &source.text)?;
    loaded.documents.iter().position(|d| {
        d.hints.name == finding.object.name
            && d.spans
                .resolve_in(&finding.location.pointer)
                .is_some_and(|(r, _, elsewhere)| r == finding.location.range && elsewhere.is_none())
    })
}

/// A finding's fix applied to `text` (the file's current text, maybe already changed by other
/// fixes): each edit is placed on the text as the previous ones left it. `None` when an edit
/// cannot be placed.
#[must_use]
pub fn apply_fix(
    source: &Arc<SourceFile>,
    text: &str,
    finding: &Finding,
    doc: usize,
) -> Option<String> {
    let fix = finding.fix.as_ref()?;
    let mut current = text.to_owned();
    for edit in &fix.edits {
        let file = Arc::new(SourceFile::new(
            source.origin.clone(),
            Arc::clone(&source.name),
            Arc::from(current.as_str()),
        ));
        let loaded = load(&file, &current)?;
        let d = loaded.documents.get(doc)?;
        let e = if file.name.ends_with(".tf") {
            hcl_edit(&file, d, edit)?
        } else {
            yaml_edit(&file, d, edit)?
        };
        current = apply(&current, &[e]);
    }
    (current != text).then_some(current)
}

/// The one edit that turns `old` into `new` (their common start and end kept).
#[must_use]
pub fn minimal_edit(old: &str, new: &str) -> TextEdit {
    let prefix = old
        .char_indices()
        .zip(new.chars())
        .find(|((_, a), b)| a != b)
        .map_or(old.len().min(new.len()), |((i, _), _)| i);
    let suffix = old[prefix..]
        .chars()
        .rev()
        .zip(new[prefix..].chars().rev())
        .take_while(|(a, b)| a == b)
        .map(|(a, _)| a.len_utf8())
        .sum::<usize>();
    TextEdit {
        start: prefix,
        end: old.len() - suffix,
        text: new[prefix..new.len() - suffix].to_owned(),
    }
}

/// Load a file's documents from a text (a Terraform file as the only file of its module, from
/// the text given, not the disk).
fn load(source: &Arc<SourceFile>, text: &str) -> Option<LoadedFile> {
    if source.name.ends_with(".tf") {
        let crate::source::Origin::File(path) = &source.origin else {
            return None;
        };
        let inputs = [input::Input {
            name: source.name.to_string(),
            origin: source.origin.clone(),
        }];
        let mut overlay = input::Overlay::new();
        overlay.insert(input::overlay_key(path), Arc::from(text));
        let (mut files, _) = input::terraform::load_with(
            &inputs,
            &input::terraform::Variables::default(),
            Some(&overlay),
        );
        files.remove(&0)
    } else {
        let file = Arc::new(SourceFile::new(
            source.origin.clone(),
            Arc::clone(&source.name),
            Arc::from(text),
        ));
        Some(input::load(file, input::yaml::DEFAULT_ALIAS_LIMIT))
    }
}

/// Apply edits (sorted from the end, not overlapping) to a text.
#[must_use]
pub fn apply(text: &str, edits: &[TextEdit]) -> String {
    let mut out = text.to_owned();
    let mut sorted: Vec<&TextEdit> = edits.iter().collect();
    sorted.sort_by_key(|e| std::cmp::Reverse(e.start));
    let mut floor = usize::MAX;
    for e in sorted {
        if e.end > floor || e.end > out.len() {
            continue; // overlaps an edit already applied
        }
        out.replace_range(e.start..e.end, &e.text);
        floor = e.start;
    }
    out
}

fn line_start(source: &SourceFile, offset: usize) -> usize {
    source.text[..offset.min(source.text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1)
}

fn line_end(source: &SourceFile, offset: usize) -> usize {
    source.text[offset.min(source.text.len())..]
        .find('\n')
        .map_or(source.text.len(), |i| offset + i)
}

fn indent_of(source: &SourceFile, offset: usize) -> usize {
    let start = line_start(source, offset);
    offset - start
}

/// A scalar as YAML (JSON scalars are YAML); a collection in block style by the emitter,
/// indented to `indent`.
fn yaml_value(value: &Value, indent: usize) -> Option<(bool, String)> {
    match value {
        Value::Object(_) | Value::Array(_) => {
            let text = serde_norway::to_string(value).ok()?;
            let pad = " ".repeat(indent);
            let block: String = text.lines().map(|l| format!("\n{pad}{l}")).collect();
            Some((true, block))
        }
        scalar => Some((false, scalar.to_string())),
    }
}

fn tokens(pointer: &str) -> Vec<String> {
    pointer
        .split('/')
        .skip(1)
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect()
}

fn yaml_edit(source: &SourceFile, doc: &LoadedDoc, edit: &FixEdit) -> Option<TextEdit> {
    match edit {
        FixEdit::Set { pointer, value } => {
            let (range, exact) = doc.spans.resolve(pointer)?;
            let start = range.start.offset as usize;
            if exact {
                // `key: old` → `key: new`, on the entry's line; a collection under the key is
                // replaced with its block.
                let line_end_at = line_end(source, start);
                let entry = &source.text[start..line_end_at];
                let colon = entry.find(':')?;
                let key = &entry[..colon];
                let comment = entry[colon..]
                    .find(" #")
                    .map(|i| &entry[colon + i..])
                    .unwrap_or("");
                if key.starts_with('-') || key.contains('{') {
                    return None;
                }
                let child = indent_of(source, start) + 2;
                let (block, v) = yaml_value(value, child)?;
                let end = if block || range.end.line > range.start.line {
                    subtree_end(source, start)
                } else {
                    line_end_at
                };
                let text = if block {
                    format!("{key}:{v}")
                } else {
                    format!("{key}: {v}{comment}")
                };
                return Some(TextEdit { start, end, text });
            }
            // Missing: insert under the nearest existing ancestor.
            let all = tokens(pointer);
            let mut existing = all.len();
            while existing > 0 {
                let prefix: String = all[..existing]
                    .iter()
                    .map(|t| format!("/{}", t.replace('~', "~0").replace('/', "~1")))
                    .collect();
                if doc.spans.get(&prefix).is_some() {
                    break;
                }
                existing -= 1;
            }
            let missing = &all[existing..];
            if missing.is_empty() || missing.iter().any(|t| t.parse::<usize>().is_ok()) {
                return None;
            }
            let parent: String = all[..existing]
                .iter()
                .map(|t| format!("/{}", t.replace('~', "~0").replace('/', "~1")))
                .collect();
            let parent_range = doc.spans.get(&parent)?;
            let at = parent_range.start.offset as usize;
            let parent_line = &source.text[line_start(source, at)..line_end(source, at)];
            // A sequence item (`- name: app`) or the document root: children line up with
            // the recorded entry; a mapping under a key: its children, or two columns deeper.
            let is_item = parent_line.trim_start().starts_with("- ");
            let indent = if existing == 0 || is_item {
                indent_of(source, at)
            } else {
                let header_end = line_end(source, at);
                let next = &source.text[(header_end + 1).min(source.text.len())..];
                let next_line = next.lines().next().unwrap_or("");
                let own = indent_of(source, at);
                let next_indent = next_line.len() - next_line.trim_start().len();
                if !next_line.trim().is_empty() && next_indent > own {
                    next_indent
                } else {
                    own + 2
                }
            };
            if parent_line.contains('{') || parent_line.trim_end().ends_with('[') {
                return None;
            }
            let mut text = String::new();
            for (depth, key) in missing.iter().enumerate() {
                let pad = " ".repeat(indent + 2 * depth);
                if depth + 1 == missing.len() {
                    let (block, v) = yaml_value(value, indent + 2 * depth + 2)?;
                    if block {
                        text.push_str(&format!("\n{pad}{key}:{v}"));
                    } else {
                        text.push_str(&format!("\n{pad}{key}: {v}"));
                    }
                } else {
                    text.push_str(&format!("\n{pad}{key}:"));
                }
            }
            let insert = line_end(source, at);
            Some(TextEdit {
                start: insert,
                end: insert,
                text,
            })
        }
        FixEdit::Remove { pointer } => {
            let (range, exact) = doc.spans.resolve(pointer)?;
            if !exact {
                return None;
            }
            let start = range.start.offset as usize;
            let line = &source.text[line_start(source, start)..line_end(source, start)];
            if line.trim_start().starts_with("- ") || line.contains('{') {
                return None;
            }
            let from = line_start(source, start);
            let to = subtree_end(source, start);
            let to = (to + 1).min(source.text.len());
            Some(TextEdit {
                start: from,
                end: to,
                text: String::new(),
            })
        }
    }
}

/// The end (before its newline) of an entry and everything indented under it.
fn subtree_end(source: &SourceFile, start: usize) -> usize {
    let own = indent_of(source, start);
    let mut end = line_end(source, start);
    loop {
        let next_start = end + 1;
        if next_start >= source.text.len() {
            return end;
        }
        let next_end = line_end(source, next_start);
        let line = &source.text[next_start..next_end];
        let indent = line.len() - line.trim_start().len();
        if line.trim().is_empty() || indent > own {
            end = next_end;
        } else {
            return end;
        }
    }
}

fn hcl_edit(source: &SourceFile, doc: &LoadedDoc, edit: &FixEdit) -> Option<TextEdit> {
    let FixEdit::Set { pointer, value } = edit else {
        return None;
    };
    let (range, exact, elsewhere) = doc.spans.resolve_in(pointer)?;
    if elsewhere.is_some() {
        return None;
    }
    let start = range.start.offset as usize;
    let key = tokens(pointer).last()?.clone();
    let rendered = value.to_string();
    if exact {
        let end = line_end(source, start);
        let line = &source.text[start..end];
        if !line.starts_with(&key) {
            return None;
        }
        let comment = line.find(" #").map(|i| &line[i..]).unwrap_or("");
        let eq = line.find('=')?;
        let pad = &line[key.len()..eq];
        return Some(TextEdit {
            start,
            end,
            text: format!("{key}{pad}= {rendered}{comment}"),
        });
    }
    // A missing attribute at the top of the block that lacks it (a missing nested block is not
    // invented).
    let (parent_range, parent_exact, _) = doc.spans.resolve_in(&pointer[..pointer.rfind('/')?])?;
    if !parent_exact || parent_range.start.offset != range.start.offset {
        return None;
    }
    let header_end = line_end(source, start);
    if !source.text[start..header_end].trim_end().ends_with('{') {
        return None;
    }
    let pad = " ".repeat(indent_of(source, start) + 2);
    Some(TextEdit {
        start: header_end,
        end: header_end,
        text: format!("\n{pad}{key} = {rendered}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_are_yaml_scalars_and_collections_block_yaml() {
        // The emitter quotes what YAML 1.1 could read as something else.
        for s in ["512Mi", "true", "app", "0755"] {
            let (block, text) = yaml_value(&Value::String(s.into()), 0).expect("yaml");
            assert!(!block);
            let back: Value = serde_norway::from_str(&text).expect("parses");
            assert_eq!(back, Value::String(s.into()), "{text}");
        }
        assert_eq!(
            yaml_value(&Value::Bool(false), 0),
            Some((false, "false".to_owned()))
        );
        let (block, text) = yaml_value(&serde_json::json!({"cpu": "500m"}), 4).expect("yaml");
        assert!(block && text.starts_with("\n    cpu: "), "{text:?}");
    }

    #[test]
    fn minimal_edit_keeps_common_ends() {
        let e = minimal_edit("a: 1\nb: 2\n", "a: 1\nb: 3\n");
        assert_eq!((e.start, e.end, e.text.as_str()), (8, 9, "3"));
        assert_eq!(apply("a: 1\nb: 2\n", &[e]), "a: 1\nb: 3\n");
    }
}
