//! YAML (and JSON, a subset of it) with positions: saphyr's event parser builds the JSON view
//! and the pointer → range index in one pass.
//!
//! A file is first cut at its `---` document markers and every document is parsed on its own,
//! so one broken document does not cost the others (an editor sends broken text while a user
//! types). Scalars resolve as Kubernetes reads them (go-yaml v2, YAML 1.1): `yes`/`on` are
//! `true`, `0755` is octal. Anchors and aliases are resolved, merge keys (`<<`) applied, and
//! alias expansion is bounded (a "billion laughs" document is an error, not an outage).

use std::collections::HashMap;

use saphyr_parser::{Event, Marker, Parser, ScalarStyle, ScanError, Span, Tag};
use serde_json::{Map, Number, Value};

use super::spans::{NodeId, SpanIndex};
use crate::source::{Position, Range, SourceFile};

/// Most nodes alias expansion may add to one document.
pub const DEFAULT_ALIAS_LIMIT: usize = 100_000;

/// Alias expansion of one file may add this many times the per-document limit (2,000
/// documents each just under the limit are one bomb).
pub const FILE_ALIAS_FACTOR: usize = 10;

/// Alias expansion of a whole scan may add this many times the per-document limit.
pub const SCAN_ALIAS_FACTOR: usize = 100;

/// Deepest nesting of collections. Kubernetes objects nest a dozen levels; the plugins'
/// JSON reader (serde_json) stops at 128, and a value nested thousands of levels deep would
/// overflow the stack of whatever walks it recursively.
pub const MAX_DEPTH: usize = 128;

/// Most memory (estimated) the values of one file's documents may take. A 200 MB one-line
/// flow sequence would need gigabytes as a JSON view and a span index.
pub const MAX_FILE_VALUE_BYTES: usize = 384 << 20;

/// The estimated cost of one node (its JSON value and its span index entry), besides its text.
const NODE_COST: usize = 128;

/// The bounds of one parse besides the per-document alias limit.
#[derive(Clone, Copy, Debug)]
pub struct Bounds<'a> {
    /// Nodes alias expansion may add to one document.
    pub alias_limit: usize,
    /// Alias expansion added so far in the scan, shared by every file of it.
    pub scan_aliases: Option<&'a std::sync::atomic::AtomicUsize>,
    /// Most memory (estimated) a file's values may take ([`MAX_FILE_VALUE_BYTES`]).
    pub max_bytes: usize,
}

/// What one file has spent, carried from chunk to chunk.
#[derive(Debug, Default)]
struct Spent {
    aliases: usize,
    bytes: usize,
    /// The file's budget is gone: stop parsing it.
    exhausted: bool,
}

/// One parsed YAML document.
#[derive(Debug)]
pub struct YamlDoc {
    /// The JSON view (never `null`: empty documents are dropped).
    pub value: Value,
    /// Pointer → range.
    pub spans: SpanIndex,
    /// Index of the document in its file (0-based, counting only non-empty documents).
    pub index: usize,
    /// The `# Source: <template>` comment Helm puts before each rendered document.
    pub template: Option<String>,
}

/// A document that does not parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Where.
    pub position: Position,
    /// What is wrong.
    pub message: String,
}

/// A line that starts a new document: `---` followed by nothing or blank.
fn is_document_marker(line: &str) -> bool {
    line.strip_prefix("---")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r']))
}

/// Parse every document of a YAML or JSON file.
#[must_use]
pub fn parse(file: &SourceFile, alias_limit: usize) -> Vec<Result<YamlDoc, ParseError>> {
    parse_bounded(
        file,
        Bounds {
            alias_limit,
            scan_aliases: None,
            max_bytes: MAX_FILE_VALUE_BYTES,
        },
    )
}

/// [`parse`] with the alias expansion of the whole scan counted too. Nesting is bounded by
/// [`MAX_DEPTH`], alias expansion per document, per file and per scan, and the memory a
/// file's values take by [`MAX_FILE_VALUE_BYTES`]: past a file's budget, the rest of the
/// file is not parsed (one error at the line where it ran out).
#[must_use]
pub fn parse_bounded(file: &SourceFile, bounds: Bounds<'_>) -> Vec<Result<YamlDoc, ParseError>> {
    parse_chunks(file, &chunks(file), bounds, 0)
}

/// The file cut at its `---` document markers: `(first line, end line)` of each chunk
/// (1-based, end exclusive). Chunks parse independently of each other, so a large file can be
/// loaded and judged a run of chunks at a time (and on several cores).
#[must_use]
pub fn chunks(file: &SourceFile) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    let mut chunk_start = 1u32;
    let lines = file.line_count() as u32;
    for line in 1..=lines + 1 {
        let boundary =
            line > lines || (line > chunk_start && is_document_marker(file.line_text(line)));
        if boundary {
            out.push((chunk_start, line));
            chunk_start = line;
        }
    }
    out
}

/// Parse some chunks of a file (see [`chunks`]) under `bounds`; documents are numbered from
/// `index`.
#[must_use]
pub fn parse_chunks(
    file: &SourceFile,
    chunks: &[(u32, u32)],
    bounds: Bounds<'_>,
    index: usize,
) -> Vec<Result<YamlDoc, ParseError>> {
    let mut parse = FileParse {
        index,
        ..FileParse::default()
    };
    parse.parse(file, chunks, bounds)
}

/// A file parsed a part at a time, in order: the file's alias budget runs on from part to
/// part, the memory budget counts one part's values (a part is let go once judged), and once a
/// budget is spent the rest of the file is not read.
#[derive(Debug, Default)]
pub struct FileParse {
    spent: Spent,
    index: usize,
}

impl FileParse {
    /// Parse the next chunks of the file.
    #[must_use]
    pub fn parse(
        &mut self,
        file: &SourceFile,
        chunks: &[(u32, u32)],
        bounds: Bounds<'_>,
    ) -> Vec<Result<YamlDoc, ParseError>> {
        let mut out = Vec::new();
        if self.spent.exhausted {
            return out;
        }
        self.spent.bytes = 0;
        for &(first_line, end_line) in chunks {
            let chunk = Chunk {
                first_line,
                end_line,
            };
            parse_chunk(
                file,
                chunk,
                bounds,
                &mut self.spent,
                &mut self.index,
                &mut out,
            );
            if self.spent.exhausted {
                break;
            }
        }
        out
    }
}

/// The lines of one document chunk: `first_line..end_line`.
#[derive(Clone, Copy)]
struct Chunk {
    first_line: u32,
    end_line: u32,
}

fn helm_source(file: &SourceFile, from: u32, to: u32) -> Option<String> {
    (from..to).find_map(|l| {
        let t = file.line_text(l).trim();
        t.strip_prefix("# Source:").map(|s| s.trim().to_owned())
    })
}

fn parse_chunk(
    file: &SourceFile,
    chunk: Chunk,
    bounds: Bounds<'_>,
    spent: &mut Spent,
    index: &mut usize,
    out: &mut Vec<Result<YamlDoc, ParseError>>,
) {
    let Chunk {
        first_line,
        end_line,
    } = chunk;
    let start = file.line_start(first_line);
    let end = file.line_start(end_line);
    let mut text = std::borrow::Cow::Borrowed(&file.text[start..end]);
    if text.trim().is_empty() {
        return;
    }
    let template = helm_source(file, first_line, end_line);
    let mut retries = 0;
    let (docs, error) = loop {
        // Marker indexes count characters: in pure-ASCII text, unchanged, they are byte offsets.
        let byte_base =
            (matches!(text, std::borrow::Cow::Borrowed(_)) && text.is_ascii()).then_some(start);
        let (docs, error) = parse_text(file, first_line, byte_base, &text, bounds, spent);
        // libyaml (and so go-yaml, kubectl and PyYAML) accepts a multi-line quoted scalar
        // whose continuation lines are indented less than the block; the YAML spec and saphyr
        // do not. Leading blanks of continuation lines are folded away, so indenting those
        // lines further changes nothing but columns inside the scalar: do that and re-parse.
        match &error {
            Some((e, line, col))
                if e.message == "invalid indentation in quoted scalar" && retries < 64 =>
            {
                match reindent_quoted(&text, *line, *col) {
                    Some(patched) => {
                        text = std::borrow::Cow::Owned(patched);
                        retries += 1;
                    }
                    None => break (docs, error),
                }
            }
            _ => break (docs, error),
        }
    };
    for (value, spans) in docs {
        out.push(Ok(YamlDoc {
            value,
            spans,
            index: *index,
            template: template.clone(),
        }));
        *index += 1;
    }
    if let Some((e, _, _)) = error {
        out.push(Err(e));
        *index += 1;
    }
}

/// What stopped a chunk's parse: the error, and the chunk-relative 0-based line and column of
/// its marker (to retry after mending an under-indented quoted scalar).
type ChunkError = (ParseError, usize, usize);

/// Parse one chunk: its non-empty documents, and the error that stopped it.
fn parse_text(
    file: &SourceFile,
    first_line: u32,
    byte_base: Option<usize>,
    text: &str,
    bounds: Bounds<'_>,
    spent: &mut Spent,
) -> (Vec<(Value, SpanIndex)>, Option<ChunkError>) {
    // A retry (a mended quoted scalar) starts from what the file had spent before the chunk.
    let before = (spent.aliases, spent.bytes);
    let mut builder = Builder::new(file, first_line, bounds, spent);
    builder.byte_base = byte_base;
    let mut docs = Vec::new();
    let mut error = None;
    for event in Parser::new_from_str(text) {
        let step = match event {
            Ok((ev, span)) => builder.event(ev, span),
            Err(e) => {
                let m = e.marker();
                error = Some((builder.scan_error(&e), m.line() - 1, m.col()));
                break;
            }
        };
        match step {
            Ok(Some((value, spans))) => {
                if !value.is_null() {
                    docs.push((value, spans));
                }
            }
            Ok(None) => {}
            Err(e) => {
                error = Some((e, 0, 0));
                break;
            }
        }
    }
    let retry = error
        .as_ref()
        .is_some_and(|(e, _, _)| e.message == "invalid indentation in quoted scalar");
    if retry {
        (spent.aliases, spent.bytes) = before;
    }
    (docs, error)
}

/// The line on which the quoted scalar whose body starts at (line, col) closes.
fn closing_line(lines: &[&str], line: usize, col: usize, quote: char) -> Option<usize> {
    for (l, text) in lines.iter().enumerate().skip(line) {
        // A backslash that ends a line escapes the line break, not the next line.
        let mut escaped = false;
        let skip = if l == line { col } else { 0 };
        let mut chars = text.chars().skip(skip).peekable();
        while let Some(c) = chars.next() {
            match (quote, c) {
                ('"', _) if escaped => escaped = false,
                ('"', '\\') => escaped = true,
                ('"', '"') => return Some(l),
                ('\'', '\'') if chars.peek() == Some(&'\'') => {
                    chars.next();
                }
                ('\'', '\'') => return Some(l),
                _ => {}
            }
        }
    }
    None
}

/// Indent the continuation lines of the quoted scalar opening at (line, col) (0-based, in
/// characters) to its opening quote's column. `None` if there is no quoted scalar there.
fn reindent_quoted(text: &str, line: usize, col: usize) -> Option<String> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let first = lines.get(line)?;
    let quote = first.chars().nth(col)?;
    if quote != '"' && quote != '\'' {
        return None;
    }
    let last = closing_line(&lines, line, col + 1, quote)?;
    let mut out = String::with_capacity(text.len() + (last - line) * col);
    for (i, text_line) in lines.iter().enumerate() {
        if i > line && i <= last {
            let blanks = text_line.chars().take_while(|c| *c == ' ').count();
            for _ in blanks..=col {
                out.push(' ');
            }
        }
        out.push_str(text_line);
    }
    Some(out)
}

enum Frame {
    Seq {
        items: Vec<Value>,
        anchor: usize,
        node: NodeId,
        key_range: Option<Range>,
        start: Position,
    },
    Map {
        map: Map<String, Value>,
        anchor: usize,
        node: NodeId,
        key_range: Option<Range>,
        start: Position,
        key: Option<(String, Range, bool)>,
        merges: Vec<(Value, Range)>,
        first: Option<Range>,
        name: Option<Range>,
        kind: Option<Range>,
    },
}

struct Builder<'a> {
    file: &'a SourceFile,
    line_offset: u32,
    /// Byte offset of the chunk when its marker indexes are byte offsets (ASCII text).
    byte_base: Option<usize>,
    stack: Vec<Frame>,
    spans: SpanIndex,
    anchors: HashMap<usize, Value>,
    expanded: usize,
    bounds: Bounds<'a>,
    spent: &'a mut Spent,
}

type Step = Result<Option<(Value, SpanIndex)>, ParseError>;

impl<'a> Builder<'a> {
    fn new(
        file: &'a SourceFile,
        first_line: u32,
        bounds: Bounds<'a>,
        spent: &'a mut Spent,
    ) -> Self {
        Self {
            file,
            line_offset: first_line - 1,
            byte_base: None,
            stack: Vec::new(),
            spans: SpanIndex::default(),
            anchors: HashMap::new(),
            expanded: 0,
            bounds,
            spent,
        }
    }

    /// Count a value's memory against the file's budget.
    fn spend(&mut self, span: &Span, bytes: usize) -> Result<(), ParseError> {
        self.spent.bytes += bytes;
        if self.spent.bytes > self.bounds.max_bytes {
            self.spent.exhausted = true;
            return Err(self.error(
                span,
                format!(
                    "the file's values would take more than {} MiB of memory; the rest of the \
                     file is not read",
                    self.bounds.max_bytes >> 20
                ),
            ));
        }
        Ok(())
    }

    /// Count alias expansion against the document's, the file's and the scan's budgets.
    fn expand(&mut self, span: &Span, nodes: usize) -> Result<(), ParseError> {
        let limit = self.bounds.alias_limit;
        self.expanded += nodes;
        if self.expanded > limit {
            return Err(self.error(
                span,
                format!("alias expansion exceeds {limit} nodes (a \"billion laughs\" document?)"),
            ));
        }
        self.spent.aliases += nodes;
        let file_limit = limit.saturating_mul(FILE_ALIAS_FACTOR);
        if self.spent.aliases > file_limit {
            self.spent.exhausted = true;
            return Err(self.error(
                span,
                format!(
                    "alias expansion in this file exceeds {file_limit} nodes (a \"billion \
                     laughs\" file?); the rest of the file is not read"
                ),
            ));
        }
        if let Some(scan) = self.bounds.scan_aliases {
            let scan_limit = limit.saturating_mul(SCAN_ALIAS_FACTOR);
            let total = scan.fetch_add(nodes, std::sync::atomic::Ordering::Relaxed) + nodes;
            if total > scan_limit {
                self.spent.exhausted = true;
                return Err(self.error(
                    span,
                    format!(
                        "alias expansion in this scan exceeds {scan_limit} nodes; the rest of \
                         the file is not read"
                    ),
                ));
            }
        }
        self.spend(span, nodes.saturating_mul(NODE_COST))
    }

    fn pos(&self, m: &Marker) -> Position {
        let line = m.line() as u32 + self.line_offset;
        match self.byte_base {
            Some(base) => Position {
                line,
                column: m.col() as u32 + 1,
                offset: (base + m.index()) as u32,
            },
            None => self.file.position(line, m.col() as u32),
        }
    }

    fn range(&self, span: &Span) -> Range {
        Range::new(self.pos(&span.start), self.pos(&span.end))
    }

    fn scan_error(&self, e: &ScanError) -> ParseError {
        ParseError {
            position: self.pos(e.marker()),
            message: e.info().to_owned(),
        }
    }

    fn error(&self, span: &Span, message: impl Into<String>) -> ParseError {
        ParseError {
            position: self.pos(&span.start),
            message: message.into(),
        }
    }

    fn reset(&mut self) -> SpanIndex {
        self.stack.clear();
        self.anchors.clear();
        self.expanded = 0;
        std::mem::take(&mut self.spans)
    }

    fn event(&mut self, ev: Event<'_>, span: Span) -> Step {
        match ev {
            Event::DocumentStart(_) => {
                self.reset();
                Ok(None)
            }
            Event::Scalar(text, style, anchor, tag) => {
                self.spend(&span, NODE_COST + text.len())?;
                if self.awaiting_key() {
                    let range = self.range(&span);
                    let plain = style == ScalarStyle::Plain;
                    if let Some(Frame::Map { key, .. }) = self.stack.last_mut() {
                        *key = Some((text.into_owned(), range, plain));
                    }
                    return Ok(None);
                }
                let value = resolve_scalar(&text, style, tag.as_deref());
                if anchor != 0 {
                    self.anchors.insert(anchor, value.clone());
                }
                let range = self.range(&span);
                Ok(self.place_leaf(value, range))
            }
            Event::Alias(id) => {
                if self.awaiting_key() {
                    return Err(self.error(&span, "an alias cannot be a mapping key here"));
                }
                let Some(nodes) = self.anchors.get(&id).map(count_nodes) else {
                    return Err(self.error(&span, "alias to an unknown anchor"));
                };
                self.expand(&span, nodes)?;
                let value = self.anchors.get(&id).cloned().unwrap_or_default();
                let range = self.range(&span);
                Ok(self.place_leaf(value, range))
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if self.stack.len() >= MAX_DEPTH {
                    return Err(self.error(
                        &span,
                        format!("collections nested more than {MAX_DEPTH} levels deep"),
                    ));
                }
                self.spend(&span, NODE_COST)?;
                if self.awaiting_key() {
                    return Err(
                        self.error(&span, "complex (non-scalar) mapping keys are not supported")
                    );
                }
                let start = self.pos(&span.start);
                let (node, key_range) = self.new_node(Range::new(start, start));
                let frame = if matches!(ev, Event::SequenceStart(..)) {
                    Frame::Seq {
                        items: Vec::new(),
                        anchor,
                        node,
                        key_range,
                        start,
                    }
                } else {
                    Frame::Map {
                        map: Map::new(),
                        anchor,
                        node,
                        key_range,
                        start,
                        key: None,
                        merges: Vec::new(),
                        first: None,
                        name: None,
                        kind: None,
                    }
                };
                self.stack.push(frame);
                Ok(None)
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else {
                    return Err(self.error(&span, "unbalanced collection end"));
                };
                let (value, anchor, node, range) = match frame {
                    Frame::Seq {
                        items,
                        anchor,
                        node,
                        key_range,
                        start,
                    } => {
                        let r = key_range.unwrap_or(Range::new(start, start));
                        (Value::Array(items), anchor, node, r)
                    }
                    Frame::Map {
                        mut map,
                        anchor,
                        node,
                        key_range,
                        start,
                        merges,
                        first,
                        name,
                        kind,
                        ..
                    } => {
                        for (merge, merge_range) in merges {
                            self.apply_merge(&mut map, node, merge, merge_range);
                        }
                        let own = if self.stack.is_empty() {
                            kind.or(first)
                        } else {
                            name.or(first)
                        };
                        let r = key_range.or(own).unwrap_or(Range::new(start, start));
                        (Value::Object(map), anchor, node, r)
                    }
                };
                if anchor != 0 {
                    self.anchors.insert(anchor, value.clone());
                }
                self.spans.set_range(node, range);
                Ok(self.place(value, range))
            }
            Event::DocumentEnd => Ok(None),
            Event::StreamStart | Event::StreamEnd | Event::Nothing => Ok(None),
        }
    }

    fn awaiting_key(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Map { key: None, .. }))
    }

    /// Add the index node of the value about to start (its range may be set again when it
    /// ends); returns it with the key's range when the value is a mapping value.
    fn new_node(&mut self, range: Range) -> (NodeId, Option<Range>) {
        match self.stack.last() {
            Some(Frame::Seq { items, node, .. }) => {
                let (i, parent) = (items.len(), *node);
                (self.spans.item(parent, i, range), None)
            }
            Some(Frame::Map {
                key: Some((k, r, _)),
                node,
                ..
            }) => {
                let (key_range, parent) = (*r, *node);
                let k = k.clone();
                (self.spans.entry(parent, &k, range), Some(key_range))
            }
            _ => (self.spans.root(range), None),
        }
    }

    fn place_leaf(&mut self, value: Value, value_range: Range) -> Option<(Value, SpanIndex)> {
        let (node, key_range) = self.new_node(value_range);
        let range = key_range.map_or(value_range, |k| k.cover(value_range));
        self.spans.set_range(node, range);
        self.place(value, range)
    }

    /// Put a finished value into its parent; a finished root ends the document.
    fn place(&mut self, value: Value, range: Range) -> Option<(Value, SpanIndex)> {
        let scalar = !(value.is_object() || value.is_array());
        match self.stack.last_mut() {
            None => Some((value, std::mem::take(&mut self.spans))),
            Some(Frame::Seq { items, .. }) => {
                items.push(value);
                None
            }
            Some(Frame::Map {
                map,
                key,
                merges,
                first,
                name,
                kind,
                ..
            }) => {
                let (k, _, plain) = key.take()?;
                if plain && k == "<<" && !scalar {
                    merges.push((value, range));
                    return None;
                }
                if first.is_none() {
                    *first = Some(range);
                }
                if scalar && k == "name" {
                    *name = Some(range);
                }
                if scalar && k == "kind" {
                    *kind = Some(range);
                }
                map.insert(k, value);
                None
            }
        }
    }

    fn apply_merge(
        &mut self,
        map: &mut Map<String, Value>,
        node: NodeId,
        merge: Value,
        range: Range,
    ) {
        let sources = match merge {
            Value::Object(m) => vec![m],
            Value::Array(items) => items
                .into_iter()
                .filter_map(|v| match v {
                    Value::Object(m) => Some(m),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        for source in sources {
            for (k, v) in source {
                if !map.contains_key(&k) {
                    self.spans.entry(node, &k, range);
                    map.insert(k, v);
                }
            }
        }
    }
}

fn count_nodes(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(count_nodes).sum::<usize>(),
        Value::Object(m) => 1 + m.values().map(count_nodes).sum::<usize>(),
        _ => 1,
    }
}

/// Resolve a scalar the way Kubernetes (go-yaml v2, YAML 1.1) does.
fn resolve_scalar(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> Value {
    if let Some(tag) = tag
        && tag.handle == "tag:yaml.org,2002:"
    {
        return match tag.suffix.as_str() {
            "str" | "binary" | "timestamp" => Value::String(text.to_string()),
            "null" => Value::Null,
            "bool" => {
                resolve_bool(text).map_or_else(|| Value::String(text.to_string()), Value::Bool)
            }
            "int" | "float" => {
                resolve_number(text).unwrap_or_else(|| Value::String(text.to_string()))
            }
            _ => resolve_plain(text),
        };
    }
    if style != ScalarStyle::Plain {
        return Value::String(text.to_string());
    }
    resolve_plain(text)
}

fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        _ => {}
    }
    if let Some(b) = resolve_bool(text) {
        return Value::Bool(b);
    }
    resolve_number(text).unwrap_or_else(|| Value::String(text.to_owned()))
}

fn resolve_bool(text: &str) -> Option<bool> {
    match text {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Some(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Some(false)
        }
        _ => None,
    }
}

fn resolve_number(text: &str) -> Option<Value> {
    let first = text.chars().next()?;
    if !(first.is_ascii_digit() || matches!(first, '-' | '+' | '.')) {
        return None;
    }
    let (negative, digits) = match text.as_bytes()[0] {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let clean: String = digits.chars().filter(|c| *c != '_').collect();
    let radix_value = if let Some(hex) = clean.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok()
    } else if let Some(bin) = clean.strip_prefix("0b") {
        i64::from_str_radix(bin, 2).ok()
    } else if let Some(oct) = clean.strip_prefix("0o") {
        i64::from_str_radix(oct, 8).ok()
    } else if clean.len() > 1 && clean.starts_with('0') && clean.bytes().all(|b| b.is_ascii_digit())
    {
        i64::from_str_radix(&clean[1..], 8).ok()
    } else if !clean.is_empty() && clean.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(v) = clean.parse::<i64>() {
            Some(v)
        } else {
            return clean
                .parse::<f64>()
                .ok()
                .and_then(|f| Number::from_f64(if negative { -f } else { f }))
                .map(Value::Number);
        }
    } else {
        None
    };
    if let Some(v) = radix_value {
        return Some(Value::Number(Number::from(if negative { -v } else { v })));
    }
    match clean.as_str() {
        ".inf" | ".Inf" | ".INF" | ".nan" | ".NaN" | ".NAN" => {
            return Some(Value::String(text.to_owned()));
        }
        _ => {}
    }
    let looks_float = clean.bytes().any(|b| b.is_ascii_digit())
        && clean
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'));
    if !looks_float {
        return None;
    }
    let f: f64 = clean.parse().ok()?;
    Number::from_f64(if negative { -f } else { f }).map(Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Origin;
    use serde_json::json;

    fn bounded(text: &str, bounds: Bounds<'_>) -> Vec<Result<YamlDoc, ParseError>> {
        let f = SourceFile::new(Origin::Stdin, "-", text.into());
        parse_bounded(&f, bounds)
    }

    fn default_bounds<'a>() -> Bounds<'a> {
        Bounds {
            alias_limit: DEFAULT_ALIAS_LIMIT,
            scan_aliases: None,
            max_bytes: MAX_FILE_VALUE_BYTES,
        }
    }

    #[test]
    fn deep_nesting_is_an_error_at_its_line() {
        // 20,000 nested block sequences, and as many flow sequences: an error, no overflow.
        let block = format!("kind: Pod\nspec:\n  x:\n    {}y\n", "- ".repeat(20_000));
        let docs = load(&block);
        let e = docs[0].as_ref().expect_err("too deep");
        assert!(e.message.contains("nested more than 128"), "{}", e.message);
        assert_eq!(e.position.line, 4);
        let flow = format!(
            "a: 1\n---\nb: {}{}\n",
            "[".repeat(20_000),
            "]".repeat(20_000)
        );
        let docs = load(&flow);
        assert!(docs[0].is_ok());
        // (saphyr's own bound on flow collections may say it first.)
        let e = docs[1].as_ref().expect_err("too deep");
        assert!(
            e.message.contains("nested") || e.message.contains("recursion limit"),
            "{}",
            e.message
        );
        assert_eq!(e.position.line, 3);
        // 128 levels are fine.
        let ok = format!("a: {}{}\n", "[".repeat(120), "]".repeat(120));
        assert!(load(&ok)[0].is_ok());
    }

    #[test]
    fn alias_budgets_per_file_and_per_scan() {
        // Each document is under the per-document limit; together they are not.
        let doc = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n";
        let mut text = String::new();
        for _ in 0..20 {
            text.push_str("---\n");
            text.push_str(doc);
        }
        let limit = 150; // 99 nodes a document
        let bounds = Bounds {
            alias_limit: limit,
            ..default_bounds()
        };
        let docs = bounded(&text, bounds);
        let errors: Vec<_> = docs.iter().filter_map(|d| d.as_ref().err()).collect();
        assert_eq!(
            errors.len(),
            1,
            "one error, then the file stops: {errors:?}"
        );
        assert!(
            errors[0].message.contains("in this file"),
            "{}",
            errors[0].message
        );
        assert_eq!(docs.len(), 16, "15 documents fit in 1,500 nodes");
        // Document 16 starts on line 46; its alias list on line 48.
        assert_eq!(errors[0].position.line, 48);
        // Across files: the scan's budget (100 times the limit) runs out.
        let scan = std::sync::atomic::AtomicUsize::new(0);
        let bounds = Bounds {
            alias_limit: limit,
            scan_aliases: Some(&scan),
            ..default_bounds()
        };
        let few: String = (0..10).map(|_| format!("---\n{doc}")).collect();
        let mut failed = None;
        for i in 0..40 {
            if bounded(&few, bounds).iter().any(Result::is_err) {
                failed = Some(i);
                break;
            }
        }
        assert_eq!(failed, Some(15), "15 files of 990 nodes fit in 15,000");
    }

    #[test]
    fn a_file_s_values_are_bounded_in_memory() {
        let text = format!("a: 1\n---\nb: [{}1]\n---\nc: 2\n", "1, ".repeat(100_000));
        let bounds = Bounds {
            max_bytes: 1 << 20,
            ..default_bounds()
        };
        let docs = bounded(&text, bounds);
        assert_eq!(docs.len(), 2, "the rest of the file is not read");
        assert!(docs[0].is_ok());
        let e = docs[1].as_ref().expect_err("too big");
        assert!(e.message.contains("more than 1 MiB"), "{}", e.message);
        assert_eq!(e.position.line, 3);
    }

    fn load(text: &str) -> Vec<Result<YamlDoc, ParseError>> {
        let f = SourceFile::new(Origin::Stdin, "-", text.into());
        parse(&f, DEFAULT_ALIAS_LIMIT)
    }

    fn at(doc: &YamlDoc, p: &str) -> (u32, u32, u32, u32) {
        let r = doc
            .spans
            .get(p)
            .unwrap_or_else(|| panic!("no span for {p}"));
        (r.start.line, r.start.column, r.end.line, r.end.column)
    }

    #[test]
    fn values_and_spans() {
        let docs = load(
            "apiVersion: v1\nkind: Pod\nspec:\n  hostNetwork: yes\n  containers:\n    - name: app\n      image: nginx\n      ports: [{hostPort: 0755}]\n",
        );
        let d = docs[0].as_ref().expect("parses");
        assert_eq!(d.value["spec"]["hostNetwork"], json!(true));
        assert_eq!(
            d.value["spec"]["containers"][0]["ports"][0]["hostPort"],
            json!(493)
        );
        assert_eq!(at(d, "/spec/hostNetwork"), (4, 3, 4, 19));
        assert_eq!(at(d, "/spec/containers"), (5, 3, 5, 13));
        assert_eq!(at(d, "/spec/containers/0"), (6, 7, 6, 16));
        assert_eq!(at(d, "/spec/containers/0/image"), (7, 7, 7, 19));
        assert_eq!(at(d, ""), (2, 1, 2, 10));
        let (r, exact) = d
            .spans
            .resolve("/spec/containers/0/securityContext/runAsNonRoot")
            .expect("parent");
        assert!(!exact);
        assert_eq!(r.start.line, 6);
    }

    #[test]
    fn multi_document_with_one_broken() {
        let docs = load("a: 1\n---\nb: [\n---\n# Source: chart/templates/x.yaml\nc: 'x'\n");
        assert_eq!(docs.len(), 3);
        assert!(docs[0].is_ok());
        let e = docs[1].as_ref().expect_err("broken");
        assert_eq!(e.position.line, 4);
        let last = docs[2].as_ref().expect("third parses");
        assert_eq!(last.value, json!({"c": "x"}));
        assert_eq!(last.template.as_deref(), Some("chart/templates/x.yaml"));
        assert_eq!(at(last, "/c"), (6, 1, 6, 7));
    }

    #[test]
    fn anchors_merges_and_bounds() {
        let docs = load("base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\nlist: [*b]\n");
        let d = docs[0].as_ref().expect("parses");
        assert_eq!(d.value["other"], json!({"x": 1, "y": 3}));
        assert_eq!(d.value["list"][0], json!({"x": 1, "y": 2}));
        assert_eq!(at(d, "/other/x").0, 3);
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for (i, name) in ["b", "c", "d", "e", "f", "g"].iter().enumerate() {
            let prev = if i == 0 {
                "a".to_owned()
            } else {
                ["b", "c", "d", "e", "f"][i - 1].to_owned()
            };
            bomb.push_str(&format!("{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        }
        let e = load(&bomb).remove(0).expect_err("bounded");
        assert!(e.message.contains("alias expansion"), "{}", e.message);
    }

    #[test]
    fn json_is_yaml() {
        let docs = load("{\n  \"kind\": \"Pod\",\n  \"spec\": {\"hostPID\": true}\n}\n");
        let d = docs[0].as_ref().expect("parses");
        assert_eq!(d.value["spec"]["hostPID"], json!(true));
        assert_eq!(at(d, "/spec/hostPID").0, 3);
    }

    #[test]
    fn under_indented_quoted_scalars_are_read_like_libyaml() {
        let text = "spec:\n  command:\n    - sh\n    - \"exec server \\\n  --a=1 \\\n  --b=2\"\n  after: x\n";
        let docs = load(text);
        let d = docs[0].as_ref().expect("parses like libyaml");
        assert_eq!(
            d.value["spec"]["command"][1],
            json!("exec server --a=1 --b=2")
        );
        assert_eq!(d.value["spec"]["after"], json!("x"));
        assert_eq!(at(d, "/spec/after").0, 7);
    }

    #[test]
    fn quoted_scalars_stay_strings() {
        let docs = load("a: 'yes'\nb: \"1\"\nc: !!str 12\nd: 1.5\ne: -3\nf: 0x1f\ng: ~\n");
        let d = docs[0].as_ref().expect("parses");
        assert_eq!(
            d.value,
            json!({"a": "yes", "b": "1", "c": "12", "d": 1.5, "e": -3, "f": 31, "g": null})
        );
    }
}
