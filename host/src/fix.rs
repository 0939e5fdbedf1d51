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
//! not offered rather than guessed, and says why ([`Refusal`]).
//!
//! A fix never edits through a YAML alias or inside an anchored node that an alias shares (the
//! edit would change every place that shares it, or break the document); every fixed text is
//! read back and must hold exactly the old documents with the fix applied. CRLF files stay
//! CRLF; a trailing comment, however it is separated, stays. [`write_fixed`] replaces a file
//! (through a symlink: its target) keeping its mode, owner and group, and refuses what it
//! cannot keep.

use std::path::{Path, PathBuf};
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

/// Why a finding's fix is not applied: its finding stays open.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The value is an alias, or inside an anchored node an alias shares.
    #[error("value shared through an alias")]
    Alias,
    /// The fix cannot be placed exactly in the text (a flow collection, a value from another
    /// file, a missing list item, a document not found again).
    #[error("the fix cannot be placed exactly in the file's text")]
    NotPlaced,
    /// The file mixes CRLF and LF line ends.
    #[error("the file mixes CRLF and LF line endings")]
    MixedLineEnds,
    /// Read back, the fixed text is not the old documents with the fix applied.
    #[error("the edited text would not read back as the fix (it would change more, or not parse)")]
    Mismatch,
}

/// The text edit of a finding's fix in its file (one edit spanning what the fix changes), or
/// `None` when the fix cannot be placed.
#[must_use]
pub fn edits(source: &Arc<SourceFile>, finding: &Finding) -> Option<Vec<TextEdit>> {
    let doc = document_index(source, finding)?;
    let fixed = apply_fix(source, &source.text, finding, doc).ok()??;
    Some(vec![minimal_edit(&source.text, &fixed)])
}

/// The fixes of a file's findings, applied one after the other on the text the previous ones
/// left.
#[derive(Clone, Debug, Default)]
pub struct FileFixes {
    /// The new text.
    pub text: String,
    /// How many findings it fixes.
    pub fixed: usize,
    /// The findings (their index in the list given) whose fix was refused, and why.
    pub refused: Vec<(usize, Refusal)>,
}

/// Apply the fixes of `findings` (findings of `source` with a fix) to the file's text.
#[must_use]
pub fn fix_file(source: &Arc<SourceFile>, findings: &[&Finding]) -> FileFixes {
    let mut out = FileFixes {
        text: source.text.to_string(),
        ..FileFixes::default()
    };
    for (i, f) in findings.iter().enumerate() {
        let Some(doc) = document_index(source, f) else {
            out.refused.push((i, Refusal::NotPlaced));
            continue;
        };
        match apply_fix(source, &out.text, f, doc) {
            Ok(Some(new)) => {
                out.text = new;
                out.fixed += 1;
            }
            // Already as the fix wants it (an earlier fix did it).
            Ok(None) => {}
            Err(why) => out.refused.push((i, why)),
        }
    }
    out
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
/// fixes): each edit is placed on the text as the previous ones left it. `Ok(None)` when the
/// text is already as the fix wants it; `Err` when an edit is refused. A CRLF text is fixed as
/// LF and given back as CRLF.
pub fn apply_fix(
    source: &Arc<SourceFile>,
    text: &str,
    finding: &Finding,
    doc: usize,
) -> Result<Option<String>, Refusal> {
    let Some(fix) = finding.fix.as_ref() else {
        return Ok(None);
    };
    let crlf = text.matches("\r\n").count();
    if crlf > 0 && crlf != text.matches('\n').count() {
        return Err(Refusal::MixedLineEnds);
    }
    let mut current = if crlf > 0 {
        text.replace("\r\n", "\n")
    } else {
        text.to_owned()
    };
    let original = current.clone();
    let yaml = !source.name.ends_with(".tf");
    for edit in &fix.edits {
        let file = Arc::new(SourceFile::new(
            source.origin.clone(),
            Arc::clone(&source.name),
            Arc::from(current.as_str()),
        ));
        let loaded = load(&file, &current).ok_or(Refusal::NotPlaced)?;
        let d = loaded.documents.get(doc).ok_or(Refusal::NotPlaced)?;
        let e = if yaml {
            yaml_edit(&file, d, edit)
        } else {
            hcl_edit(&file, d, edit)
        }
        .ok_or(Refusal::NotPlaced)?;
        if yaml && shared_through_alias(&current, &e) {
            return Err(Refusal::Alias);
        }
        let next = apply(&current, &[e]);
        read_back(&file, &loaded, doc, edit, &next)?;
        current = next;
    }
    if current == original {
        return Ok(None);
    }
    Ok(Some(if crlf > 0 {
        current.replace('\n', "\r\n")
    } else {
        current
    }))
}

/// Whether `next` (the text after one edit) holds exactly the documents of `loaded` with the
/// edit applied to document `doc`, and nothing else changed.
fn read_back(
    file: &Arc<SourceFile>,
    loaded: &LoadedFile,
    doc: usize,
    edit: &FixEdit,
    next: &str,
) -> Result<(), Refusal> {
    let reloaded = load(file, next).ok_or(Refusal::Mismatch)?;
    if reloaded.documents.len() != loaded.documents.len() {
        return Err(Refusal::Mismatch);
    }
    for (i, (old, new)) in loaded.documents.iter().zip(&reloaded.documents).enumerate() {
        let mut expected = old.value.clone();
        if i == doc && !patch(&mut expected, &old.prefix, edit) {
            return Err(Refusal::Mismatch);
        }
        if expected != new.value {
            return Err(Refusal::Mismatch);
        }
    }
    Ok(())
}

/// Apply an edit (its pointer into the YAML document, the object's `prefix` first) to the
/// object's JSON view; `false` when the pointer does not lead into it.
fn patch(value: &mut Value, prefix: &str, edit: &FixEdit) -> bool {
    let pointer = match edit {
        FixEdit::Set { pointer, .. } | FixEdit::Remove { pointer } => pointer,
    };
    let Some(rest) = pointer.strip_prefix(prefix) else {
        return false;
    };
    let path = tokens(rest);
    let Some((last, parents)) = path.split_last() else {
        return false;
    };
    let mut at = value;
    for t in parents {
        let next = match at {
            Value::Object(map) => map
                .entry(t.clone())
                .or_insert_with(|| Value::Object(serde_json::Map::new())),
            Value::Array(items) => match t.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                Some(v) => v,
                None => return false,
            },
            _ => return false,
        };
        at = next;
    }
    match (edit, at) {
        (FixEdit::Set { value: v, .. }, Value::Object(map)) => {
            map.insert(last.clone(), v.clone());
            true
        }
        (FixEdit::Set { value: v, .. }, Value::Array(items)) => {
            match last.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                Some(slot) => {
                    *slot = v.clone();
                    true
                }
                None => false,
            }
        }
        (FixEdit::Remove { .. }, Value::Object(map)) => {
            map.remove(last);
            true
        }
        _ => false,
    }
}

/// Whether an edit of a YAML text touches a value an alias shares: a line it touches holds an
/// alias (`*name`, also a merge `<<: *name`), or it lies in a node whose anchor some alias
/// refers to.
fn shared_through_alias(text: &str, edit: &TextEdit) -> bool {
    let (anchored, aliases) = anchors_and_aliases(text);
    let from = text[..edit.start.min(text.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let to = text[edit.end.min(text.len())..]
        .find('\n')
        .map_or(text.len(), |i| edit.end + i);
    aliases.iter().any(|&a| from <= a && a <= to)
        || anchored
            .iter()
            .any(|&(start, end)| start <= edit.end && edit.start <= end)
}

/// The byte ranges of the anchored nodes some alias refers to (from just after what precedes
/// the anchor, so that its own line counts), and the byte offsets of the aliases.
fn anchors_and_aliases(text: &str) -> (Vec<(usize, usize)>, Vec<usize>) {
    use saphyr_parser::{Event, Parser};
    // The parser's markers count characters.
    let bytes: Option<Vec<usize>> =
        (!text.is_ascii()).then(|| text.char_indices().map(|(i, _)| i).collect());
    let byte = |chars: usize| {
        bytes
            .as_ref()
            .map_or(chars, |b| b.get(chars).copied().unwrap_or(text.len()))
    };
    let mut anchored: Vec<(usize, usize, usize)> = Vec::new();
    let mut open: Vec<(usize, usize)> = Vec::new(); // (anchor id or 0, start)
    let mut aliases = Vec::new();
    let mut alias_ids = Vec::new();
    let mut last_end = 0;
    for event in Parser::new_from_str(text) {
        let Ok((event, span)) = event else {
            break;
        };
        let (start, end) = (byte(span.start.index()), byte(span.end.index()));
        match event {
            Event::Alias(id) => {
                aliases.push(start);
                alias_ids.push(id);
            }
            Event::Scalar(_, _, anchor, _) if anchor != 0 => {
                anchored.push((anchor, last_end.min(start), end));
            }
            Event::MappingStart(anchor, _) | Event::SequenceStart(anchor, _) => {
                open.push((anchor, last_end.min(start)));
            }
            Event::MappingEnd | Event::SequenceEnd => {
                if let Some((anchor, from)) = open.pop()
                    && anchor != 0
                {
                    anchored.push((anchor, from, end.max(from)));
                }
            }
            _ => {}
        }
        last_end = end;
    }
    let shared = anchored
        .into_iter()
        .filter(|(id, _, _)| alias_ids.contains(id))
        .map(|(_, s, e)| (s, e))
        .collect();
    (shared, aliases)
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

/// The trailing comment of a line, with the blanks (spaces or tabs) that separate it: a
/// comment marker preceded by a blank, outside quotes. `""` when there is none.
fn trailing_comment<'a>(line: &'a str, markers: &[&str]) -> &'a str {
    let line = line.trim_end_matches('\r');
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut prev_blank = false;
    let mut prev_word = false;
    for (i, c) in line.char_indices() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' && q == '"' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            prev_blank = false;
            continue;
        }
        if prev_blank && markers.iter().any(|m| line[i..].starts_with(m)) {
            let blanks = line[..i].trim_end_matches([' ', '\t']).len();
            return &line[blanks..];
        }
        // A quote opens a quoted string where a token starts (`don't` is a plain word).
        if matches!(c, '"' | '\'') && !prev_word {
            quote = Some(c);
        }
        prev_blank = c == ' ' || c == '\t';
        prev_word = c.is_alphanumeric();
    }
    ""
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
                let comment = trailing_comment(&entry[colon..], &["#"]);
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
            // The recorded entry of an item is one of its keys (`- name: app`, or a `name:`
            // line further down when the item starts with another key): its siblings.
            let is_item = parent_line.trim_start().starts_with("- ")
                || all[..existing]
                    .last()
                    .is_some_and(|t| t.parse::<usize>().is_ok());
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
            // An empty flow mapping under the key (`key: {}`, or `{}` on the next line as Helm
            // renders it) is replaced by the block; any other flow collection is not edited.
            let empty = if existing > 0 && !is_item {
                empty_flow_mapping(source, at)
            } else {
                None
            };
            if empty.is_none()
                && (parent_line.contains('{') || parent_line.trim_end().ends_with('['))
            {
                return None;
            }
            let (indent, insert, end, mut text) = match empty {
                Some((start, end, indent, comment)) => (indent, start, end, comment.to_owned()),
                None => {
                    let insert = line_end(source, at);
                    (indent, insert, insert, String::new())
                }
            };
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
            Some(TextEdit {
                start: insert,
                end,
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

/// The empty flow mapping `{}` of the entry at `at`, on its line (`key: {}`) or alone on the
/// next, deeper line: `(start, end, indent of the children, the key line's comment)` of the
/// text to replace with the block.
fn empty_flow_mapping(source: &SourceFile, at: usize) -> Option<(usize, usize, usize, &str)> {
    let start = line_start(source, at);
    let end = line_end(source, at);
    let header = &source.text[start..end];
    let comment = trailing_comment(header, &["#"]);
    let code = header[..header.len() - comment.len()].trim_end();
    let own = indent_of(source, at);
    if let Some(key) = code.strip_suffix("{}")
        && key.trim_end().ends_with(':')
    {
        return Some((start + key.trim_end().len(), end, own + 2, comment));
    }
    if !code.ends_with(':') || end >= source.text.len() {
        return None;
    }
    let next_end = line_end(source, end + 1);
    let next = &source.text[end + 1..next_end];
    let next_indent = next.len() - next.trim_start().len();
    (next.trim() == "{}" && next_indent > own).then_some((end, next_end, next_indent, ""))
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
    // A value used here but written elsewhere (a variable's default, a tfvars line, a local):
    // replacing the reference with a literal would cut the variable out, so it is not fixed.
    let written = format!("/{}{pointer}", crate::input::terraform::ORIGIN);
    if let Some((origin, true, file)) = doc.spans.resolve_in(&written)
        && (file.is_some() || origin != range)
    {
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
        let comment = trailing_comment(line, &["#", "//"]);
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

/// Why a fixed file is not written: the file stays as it was and its findings stay open.
#[derive(Debug, thiserror::Error)]
pub enum NotWritten {
    /// Not a regular file.
    #[error("not a regular file")]
    NotRegular,
    /// More than one hard link: replacing it would split them.
    #[error("the file has {0} hard links (replacing it would break them)")]
    HardLinks(u64),
    /// The owner may not write it (judged from its mode, whoever runs stiglint).
    #[error("the file is read-only (mode {0:04o} has no owner write bit)")]
    ReadOnly(u32),
    /// Its owner or group cannot be given to the new file.
    #[error("cannot keep its owner and group {uid}:{gid} ({source})")]
    Owner {
        /// The owner.
        uid: u32,
        /// The group.
        gid: u32,
        /// Why.
        source: std::io::Error,
    },
    /// It changed since it was read.
    #[error("the file changed since it was read")]
    Changed,
    /// Reading or writing failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl NotWritten {
    /// A refusal (the file is kept as it is on purpose), not an I/O error.
    #[must_use]
    pub fn is_refusal(&self) -> bool {
        !matches!(self, NotWritten::Io(_))
    }
}

/// The temporary file a fix of `target` is written to before it replaces it: hidden, next to
/// it (same file system), named after it.
#[must_use]
pub fn temp_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map_or_else(Default::default, |n| n.to_string_lossy().into_owned());
    target.with_file_name(format!(".{name}.stiglint-tmp"))
}

/// Remove the temporary file an interrupted `--fix` (killed before its rename) left next to
/// `path` (or, for a symlink, next to its target). Returns the file removed.
pub fn remove_stale_temp(path: &Path) -> std::io::Result<Option<PathBuf>> {
    let Ok(target) = std::fs::canonicalize(path) else {
        return Ok(None);
    };
    let temp = temp_path(&target);
    match std::fs::symlink_metadata(&temp) {
        Ok(m) if m.is_file() || m.is_symlink() => {
            std::fs::remove_file(&temp)?;
            Ok(Some(temp))
        }
        _ => Ok(None),
    }
}

/// Replace a file's content with `text`, as it was read (`original`) — through a symlink, its
/// target (the link stays). The new file keeps the mode, owner and group; it is written to a
/// temporary file next to the target, synced, renamed over it, and the directory synced. A
/// file with more than one hard link, without its owner's write bit, whose owner or group
/// cannot be kept, or that changed since it was read is not written. Returns the file written.
pub fn write_fixed(path: &Path, original: &str, text: &str) -> Result<PathBuf, NotWritten> {
    let target = std::fs::canonicalize(path)?;
    let meta = std::fs::metadata(&target)?;
    if !meta.is_file() {
        return Err(NotWritten::NotRegular);
    }
    check_keepable(&meta)?;
    if std::fs::read(&target)? != original.as_bytes() {
        return Err(NotWritten::Changed);
    }
    let temp = temp_path(&target);
    let file = match create_temp(&temp) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            // Left by a run that was killed: it is ours to remove.
            std::fs::remove_file(&temp)?;
            create_temp(&temp)?
        }
        other => other?,
    };
    let written = (|| -> Result<(), NotWritten> {
        use std::io::Write as _;
        let mut out = &file;
        out.write_all(text.as_bytes())?;
        keep_metadata(&file, &meta)?;
        file.sync_all()?;
        std::fs::rename(&temp, &target)?;
        Ok(())
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(e);
    }
    if let Some(dir) = target.parent() {
        // The rename is durable once the directory is.
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(target)
}

#[cfg(unix)]
fn check_keepable(meta: &std::fs::Metadata) -> Result<(), NotWritten> {
    use std::os::unix::fs::MetadataExt;
    if meta.nlink() > 1 {
        return Err(NotWritten::HardLinks(meta.nlink()));
    }
    if meta.mode() & 0o200 == 0 {
        return Err(NotWritten::ReadOnly(meta.mode() & 0o7777));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_keepable(meta: &std::fs::Metadata) -> Result<(), NotWritten> {
    if meta.permissions().readonly() {
        return Err(NotWritten::ReadOnly(0o444));
    }
    Ok(())
}

#[cfg(unix)]
fn create_temp(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn create_temp(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

/// Owner and group first (a change of owner clears set-user-ID bits), then the mode.
#[cfg(unix)]
fn keep_metadata(file: &std::fs::File, meta: &std::fs::Metadata) -> Result<(), NotWritten> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let (uid, gid) = (meta.uid(), meta.gid());
    let ours = file.metadata()?;
    if (ours.uid(), ours.gid()) != (uid, gid) {
        std::os::unix::fs::fchown(file, Some(uid), Some(gid))
            .map_err(|source| NotWritten::Owner { uid, gid, source })?;
    }
    file.set_permissions(std::fs::Permissions::from_mode(meta.mode() & 0o7777))?;
    Ok(())
}

#[cfg(not(unix))]
fn keep_metadata(file: &std::fs::File, meta: &std::fs::Metadata) -> Result<(), NotWritten> {
    file.set_permissions(meta.permissions())?;
    Ok(())
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
    fn trailing_comments_outside_quotes() {
        let yaml = |l| trailing_comment(l, &["#"]);
        assert_eq!(yaml(": true\t# agent"), "\t# agent");
        assert_eq!(yaml(": true  # two"), "  # two");
        assert_eq!(yaml(": \"a # b\""), "");
        assert_eq!(yaml(": 'it''s # here' # there"), " # there");
        assert_eq!(yaml(": don't # mind"), " # mind");
        assert_eq!(yaml(": a#b"), "");
        assert_eq!(yaml(": x # c\r"), " # c");
        let hcl = |l| trailing_comment(l, &["#", "//"]);
        assert_eq!(hcl("x = \"a//b\" // note"), " // note");
        assert_eq!(hcl("x = \"a\\\" # b\"\t# note"), "\t# note");
    }

    #[test]
    fn minimal_edit_keeps_common_ends() {
        let e = minimal_edit("a: 1\nb: 2\n", "a: 1\nb: 3\n");
        assert_eq!((e.start, e.end, e.text.as_str()), (8, 9, "3"));
        assert_eq!(apply("a: 1\nb: 2\n", &[e]), "a: 1\nb: 3\n");
    }
}
