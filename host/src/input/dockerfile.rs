//! Dockerfiles and Containerfiles, parsed the way BuildKit's frontend reads them: parser
//! directives (`# syntax=`, `# escape=`), line continuations (with comment and empty lines
//! inside them dropped), heredocs (`RUN <<EOF` … `EOF`, `COPY <<EOF /path`: the body is a
//! script or a file's content, never instructions), flags (`--from`, `--chown`, `--chmod`,
//! `--mount`, `--platform`, …), exec (`["a", "b"]`) and shell forms, `ARG`/`ENV` substitution
//! (`$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR:+alt}`; global `ARG`s before the first `FROM`
//! are the only variables `FROM` sees) and stages with aliases (`FROM base AS build`,
//! `FROM build`: an alias is a stage, not an image).
//!
//! The plugins see one `Dockerfile` document per file:
//!
//! ```json
//! {"apiVersion": "stiglint.dev/v1", "kind": "Dockerfile",
//!  "directives": {"syntax": "docker/dockerfile:1"},
//!  "args": [{"key": "BASE", "value": "debian:12"}],
//!  "stages": [
//!    {"name": "build", "final": false,
//!     "from": {"raw": "${BASE}", "image": "debian:12", "stage": null, "platform": null,
//!              "unresolved": false},
//!     "instructions": [
//!       {"instruction": "RUN", "form": "shell", "text": "apt-get update && …",
//!        "words": ["apt-get", "update", "&&", …], "flags": {"mount": "type=cache,target=/x"},
//!        "heredocs": [{"name": "EOF", "body": "…"}], "pairs": []}]}]}
//! ```
//!
//! * `words` are the arguments split as the shell (or the JSON array) splits them; for the
//!   instructions Docker substitutes variables in (`ADD COPY ENV EXPOSE FROM LABEL STOPSIGNAL
//!   USER VOLUME WORKDIR`) they are substituted, for the others (`RUN CMD ENTRYPOINT
//!   HEALTHCHECK`: the shell's business at run time) they are as written.
//! * `pairs` are the `key`/`value` pairs of `ARG`, `ENV` and `LABEL` (substituted).
//! * `from.stage` is the index of the earlier stage a `FROM` names, else `null`;
//!   `from.unresolved` says a variable in the image had no value (a `--build-arg` only).
//!
//! Pointers land where a reader looks: `/stages/N/instructions/M` on the instruction (from its
//! keyword to the end of its last continued line), `…/words/K` on the word itself (on the
//! continued line where it is), `…/flags/NAME`, `…/pairs/K`, `…/heredocs/K` on theirs,
//! `/stages/N/from` on the image of the `FROM`.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value, json};

use super::spans::{NodeId, SpanIndex};
use crate::problem::{Problem, ProblemKind};
use crate::source::{Range, SourceFile};

/// Whether a file name is a Dockerfile's: `Dockerfile`, `Containerfile`, `*.Dockerfile`,
/// `*.Containerfile`, `Dockerfile.*` and `Containerfile.*` (not `*.dockerignore`, and not a
/// name with a YAML, JSON or Terraform extension).
#[must_use]
pub fn is_dockerfile(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".dockerignore") {
        return false;
    }
    let ext = Path::new(&lower)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_owned();
    if matches!(
        ext.as_str(),
        "yaml" | "yml" | "json" | "tf" | "tfvars" | "md" | "txt"
    ) {
        return false;
    }
    ["dockerfile", "containerfile"].iter().any(|base| {
        lower == *base
            || lower.ends_with(&format!(".{base}"))
            || lower.starts_with(&format!("{base}."))
    })
}

/// One physical piece of an instruction's logical line: `len` bytes at `logical` in the
/// logical line come from `source` in the file.
#[derive(Clone, Copy, Debug)]
struct Piece {
    logical: usize,
    source: usize,
    len: usize,
}

/// An instruction's logical line (continuations joined) and where each piece came from.
#[derive(Debug, Default)]
struct Logical {
    text: String,
    pieces: Vec<Piece>,
    /// Offset just past the last physical line's content.
    end: usize,
}

impl Logical {
    /// The file offset of a logical offset.
    fn source(&self, at: usize) -> usize {
        let i = self
            .pieces
            .partition_point(|p| p.logical <= at)
            .saturating_sub(1);
        self.pieces.get(i).map_or(self.end, |p| {
            if at >= p.logical + p.len && i + 1 == self.pieces.len() {
                p.source + p.len
            } else {
                p.source + (at - p.logical).min(p.len)
            }
        })
    }

    /// The file range of a logical range (its end on the piece its last byte is in).
    fn range(&self, file: &SourceFile, start: usize, end: usize) -> Range {
        let from = self.source(start);
        let to = if end > start {
            self.source(end - 1) + 1
        } else {
            from
        };
        Range::new(file.position_of_offset(from), file.position_of_offset(to))
    }
}

/// A word of an instruction's arguments and its logical range.
#[derive(Debug)]
struct Word {
    text: String,
    start: usize,
    end: usize,
}

/// The instructions Docker substitutes variables in.
const SUBSTITUTED: &[&str] = &[
    "ADD",
    "COPY",
    "ENV",
    "EXPOSE",
    "FROM",
    "LABEL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
    "ONBUILD",
];

/// Every instruction BuildKit knows.
const KNOWN: &[&str] = &[
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

/// The parsed file: its JSON view and spans, and the errors met (the rest is still parsed).
pub struct Parsed {
    /// The JSON view.
    pub value: Value,
    /// Pointer → range.
    pub spans: SpanIndex,
    /// Errors, each with its place.
    pub problems: Vec<Problem>,
}

/// Parse a Dockerfile.
#[must_use]
pub fn parse(file: &SourceFile) -> Parsed {
    Parser::new(file).run()
}

struct Parser<'a> {
    file: &'a SourceFile,
    /// Physical lines: (start offset, content without the line break).
    lines: Vec<(usize, &'a str)>,
    next: usize,
    escape: char,
    spans: SpanIndex,
    problems: Vec<Problem>,
}

/// A stage being built.
struct Stage {
    value: Map<String, Value>,
    instructions: Vec<Value>,
    list: NodeId,
    /// `ARG` and `ENV` values in scope.
    vars: BTreeMap<String, Option<String>>,
}

impl<'a> Parser<'a> {
    fn new(file: &'a SourceFile) -> Self {
        let text: &str = &file.text;
        let mut lines = Vec::new();
        let mut start = 0;
        for line in text.split_inclusive('\n') {
            let content = line.strip_suffix('\n').unwrap_or(line);
            let content = content.strip_suffix('\r').unwrap_or(content);
            lines.push((start, content));
            start += line.len();
        }
        Self {
            file,
            lines,
            next: 0,
            escape: '\\',
            spans: SpanIndex::default(),
            problems: Vec::new(),
        }
    }

    fn range(&self, from: usize, to: usize) -> Range {
        Range::new(
            self.file.position_of_offset(from),
            self.file.position_of_offset(to),
        )
    }

    fn error(&mut self, range: Range, message: String) {
        self.problems.push(
            Problem::new(ProblemKind::Parse, message)
                .in_file(&*self.file.name)
                .at(range),
        );
    }

    fn run(mut self) -> Parsed {
        let whole = self.range(0, self.file.text.len());
        let root_node = self.spans.root(whole);
        let mut root = Map::new();
        root.insert("apiVersion".into(), json!("stiglint.dev/v1"));
        root.insert("kind".into(), json!("Dockerfile"));
        let directives = self.directives(root_node);
        root.insert("directives".into(), Value::Object(directives));
        let args_node = self.spans.entry(root_node, "args", whole);
        let stages_node = self.spans.entry(root_node, "stages", whole);
        let mut global: BTreeMap<String, Option<String>> = BTreeMap::new();
        let mut args = Vec::new();
        let mut stages: Vec<Stage> = Vec::new();
        let mut names: Vec<Option<String>> = Vec::new();
        while let Some(logical) = self.logical() {
            let trimmed = logical.text.trim_start();
            let lead = logical.text.len() - trimmed.len();
            let keyword_len = trimmed
                .find(|c: char| c.is_whitespace())
                .unwrap_or(trimmed.len());
            let keyword = trimmed[..keyword_len].to_ascii_uppercase();
            let whole = logical.range(self.file, lead, logical.text.len());
            let args_at = lead + keyword_len;
            if !KNOWN.contains(&keyword.as_str()) {
                self.error(
                    logical.range(self.file, lead, lead + keyword_len),
                    format!("unknown instruction: {}", &trimmed[..keyword_len]),
                );
                continue;
            }
            if keyword == "FROM" {
                let index = stages.len();
                let stage = self.from(
                    &logical,
                    args_at,
                    whole,
                    &global,
                    &names,
                    stages_node,
                    index,
                );
                names.push(
                    stage
                        .value
                        .get("name")
                        .and_then(Value::as_str)
                        .map(str::to_ascii_lowercase),
                );
                stages.push(stage);
                continue;
            }
            let Some(stage) = stages.last_mut() else {
                if keyword == "ARG" {
                    let start = args.len();
                    let pairs = self.pairs(&logical, args_at, "ARG", &global);
                    for (i, (key, value, range)) in pairs.into_iter().enumerate() {
                        self.spans.item(args_node, start + i, range);
                        args.push(json!({"key": key, "value": value}));
                        global.insert(key, value);
                    }
                } else {
                    self.error(
                        whole,
                        format!("{keyword} before the first FROM (only ARG may come before it)"),
                    );
                }
                continue;
            };
            let index = stage.instructions.len();
            let node = self.spans.item(stage.list, index, whole);
            let mut vars = std::mem::take(&mut stage.vars);
            let instruction =
                self.instruction(&logical, &keyword, args_at, node, &mut vars, &global);
            let stage = stages.last_mut().expect("a stage");
            stage.vars = vars;
            stage.instructions.push(instruction);
        }
        let last = stages.len().checked_sub(1);
        if last.is_none() && self.problems.is_empty() {
            self.error(
                self.range(0, 0),
                "no FROM instruction: not a Dockerfile that builds anything".to_owned(),
            );
        }
        let stages: Vec<Value> = stages
            .into_iter()
            .enumerate()
            .map(|(i, mut s)| {
                s.value.insert("final".into(), json!(Some(i) == last));
                s.value
                    .insert("instructions".into(), Value::Array(s.instructions));
                Value::Object(s.value)
            })
            .collect();
        root.insert("args".into(), Value::Array(args));
        root.insert("stages".into(), Value::Array(stages));
        Parsed {
            value: Value::Object(root),
            spans: self.spans,
            problems: self.problems,
        }
    }

    /// Parser directives at the top of the file (`# syntax=…`, `# escape=…`, `# check=…`),
    /// up to the first line that is not one.
    fn directives(&mut self, root: NodeId) -> Map<String, Value> {
        let mut out = Map::new();
        let node = self.spans.entry(root, "directives", self.range(0, 0));
        while let Some(&(start, line)) = self.lines.get(self.next) {
            let Some(body) = line.trim_start().strip_prefix('#') else {
                break;
            };
            let Some((key, value)) = body.split_once('=') else {
                break;
            };
            let key = key.trim().to_ascii_lowercase();
            if !matches!(key.as_str(), "syntax" | "escape" | "check") || out.contains_key(&key) {
                break;
            }
            let value = value.trim().to_owned();
            if key == "escape" {
                match value.as_str() {
                    "\\" => self.escape = '\\',
                    "`" => self.escape = '`',
                    other => {
                        let range = self.range(start, start + line.len());
                        self.error(range, format!("invalid escape directive {other:?}: only \\ or ` may be the escape character"));
                    }
                }
            }
            self.spans
                .entry(node, &key, self.range(start, start + line.len()));
            out.insert(key, Value::String(value));
            self.next += 1;
        }
        out
    }

    /// The next instruction's logical line, continuations joined (comment and empty lines
    /// inside a continuation dropped), or `None` at the end.
    fn logical(&mut self) -> Option<Logical> {
        // Skip empty lines and comments.
        while let Some(&(_, line)) = self.lines.get(self.next) {
            let t = line.trim_start();
            if t.is_empty() || t.starts_with('#') {
                self.next += 1;
            } else {
                break;
            }
        }
        let mut out = Logical::default();
        let mut first = true;
        while let Some(&(start, line)) = self.lines.get(self.next) {
            self.next += 1;
            let t = line.trim_start();
            if !first && (t.is_empty() || t.starts_with('#')) {
                continue;
            }
            first = false;
            let trimmed = line.trim_end();
            let continued = trimmed.ends_with(self.escape);
            let content = if continued {
                &trimmed[..trimmed.len() - self.escape.len_utf8()]
            } else {
                line
            };
            out.pieces.push(Piece {
                logical: out.text.len(),
                source: start,
                len: content.len(),
            });
            out.text.push_str(content);
            out.end = start + content.len();
            if !continued {
                return Some(out);
            }
        }
        (!out.pieces.is_empty()).then_some(out)
    }

    /// Split arguments into words as a shell does: blanks separate, quotes group, the escape
    /// character escapes (quotes removed in `text`).
    fn words(&self, text: &str, from: usize) -> Vec<Word> {
        let mut out = Vec::new();
        let mut cur: Option<Word> = None;
        let mut quote: Option<char> = None;
        let mut chars = text[from..].char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            let at = from + i;
            if quote.is_none() && c.is_whitespace() {
                if let Some(w) = cur.take() {
                    out.push(w);
                }
                continue;
            }
            let w = cur.get_or_insert_with(|| Word {
                text: String::new(),
                start: at,
                end: at,
            });
            w.end = at + c.len_utf8();
            match (quote, c) {
                (None, '"' | '\'') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                (q, c) if c == self.escape && q != Some('\'') => {
                    if let Some((j, n)) = chars.next() {
                        w.text.push(n);
                        w.end = from + j + n.len_utf8();
                    }
                }
                (_, c) => w.text.push(c),
            }
        }
        out.extend(cur);
        out
    }

    /// `FROM [--platform=…] image [AS name]`.
    #[allow(clippy::too_many_arguments)] // One call site; the parts are all different.
    fn from(
        &mut self,
        logical: &Logical,
        args_at: usize,
        whole: Range,
        global: &BTreeMap<String, Option<String>>,
        names: &[Option<String>],
        stages_node: NodeId,
        index: usize,
    ) -> Stage {
        let node = self.spans.item(stages_node, index, whole);
        let words = self.words(&logical.text, args_at);
        let mut platform = None;
        let mut rest: Vec<&Word> = Vec::new();
        for w in &words {
            if rest.is_empty()
                && let Some(flag) = w.text.strip_prefix("--")
            {
                if let Some(p) = flag.strip_prefix("platform=") {
                    platform = Some(p.to_owned());
                }
                continue;
            }
            rest.push(w);
        }
        let mut value = Map::new();
        let name = match rest.as_slice() {
            [_, r#as, name, ..] if r#as.text.eq_ignore_ascii_case("as") => {
                self.spans
                    .entry(node, "name", logical.range(self.file, name.start, name.end));
                Some(name.text.clone())
            }
            _ => None,
        };
        if rest.is_empty() {
            self.error(whole, "FROM without an image".to_owned());
        } else if !(rest.len() == 1 || rest.len() == 3 && name.is_some()) {
            self.error(
                whole,
                "FROM takes an image and optionally `AS name`".to_owned(),
            );
        }
        let (raw, image, unresolved) = match rest.first() {
            Some(w) => {
                self.spans
                    .entry(node, "from", logical.range(self.file, w.start, w.end));
                let (image, unresolved) = substitute(&w.text, global);
                (w.text.clone(), image, unresolved)
            }
            None => (String::new(), String::new(), false),
        };
        let lower = image.to_ascii_lowercase();
        let stage = names
            .iter()
            .position(|n| n.as_deref() == Some(lower.as_str()))
            .or_else(|| lower.parse::<usize>().ok().filter(|&i| i < names.len()));
        value.insert("name".into(), name.map_or(Value::Null, Value::String));
        value.insert(
            "from".into(),
            json!({
                "raw": raw,
                "image": image,
                "stage": stage,
                "platform": platform,
                "unresolved": unresolved,
            }),
        );
        let list = self.spans.entry(node, "instructions", whole);
        // A stage sees the global ARGs only once it declares them again (`ARG NAME`).
        Stage {
            value,
            instructions: Vec::new(),
            list,
            vars: BTreeMap::new(),
        }
    }

    /// `key=value` pairs (`ENV a=b c=d`, `LABEL …`, `ARG name[=default]`) or the legacy
    /// `ENV key value`, substituted, with their ranges.
    fn pairs(
        &mut self,
        logical: &Logical,
        args_at: usize,
        keyword: &str,
        vars: &BTreeMap<String, Option<String>>,
    ) -> Vec<(String, Option<String>, Range)> {
        let words = self.words(&logical.text, args_at);
        let mut out = Vec::new();
        if keyword == "ENV"
            && let Some(first) = words.first()
            && !first.text.contains('=')
        {
            // `ENV key value with spaces`.
            let rest = logical.text[first.end..].trim();
            let end = words.last().map_or(first.end, |w| w.end);
            let value = if rest.is_empty() {
                None
            } else {
                let joined: Vec<&str> = words[1..].iter().map(|w| w.text.as_str()).collect();
                Some(substitute(&joined.join(" "), vars).0)
            };
            out.push((
                first.text.clone(),
                value,
                logical.range(self.file, first.start, end),
            ));
            return out;
        }
        for w in &words {
            let range = logical.range(self.file, w.start, w.end);
            match w.text.split_once('=') {
                Some((k, v)) => {
                    out.push((k.to_owned(), Some(substitute(v, vars).0), range));
                }
                None if keyword == "ARG" => out.push((w.text.clone(), None, range)),
                None => self.error(range, format!("{keyword} {}: expected key=value", w.text)),
            }
        }
        out
    }

    /// Any instruction inside a stage.
    fn instruction(
        &mut self,
        logical: &Logical,
        keyword: &str,
        args_at: usize,
        node: NodeId,
        vars: &mut BTreeMap<String, Option<String>>,
        global: &BTreeMap<String, Option<String>>,
    ) -> Value {
        let mut value = Map::new();
        value.insert("instruction".into(), json!(keyword));
        // Flags first (`--from=build`, `--chmod=4755`, `--mount=…`).
        let words = self.words(&logical.text, args_at);
        let mut flags = Map::new();
        let flags_node =
            self.spans
                .entry(node, "flags", logical.range(self.file, args_at, args_at));
        let mut body_at = args_at;
        let mut skipped = 0;
        if keyword != "ONBUILD" {
            for w in &words {
                let Some(flag) = w.text.strip_prefix("--") else {
                    break;
                };
                let (name, v) = flag.split_once('=').unwrap_or((flag, ""));
                self.spans
                    .entry(flags_node, name, logical.range(self.file, w.start, w.end));
                flags.insert(name.to_owned(), Value::String(substitute(v, vars).0));
                body_at = w.end;
                skipped += 1;
            }
        }
        let body = logical.text[body_at..].trim_start();
        let body_at = logical.text.len() - body.len();
        value.insert("flags".into(), Value::Object(flags));
        value.insert("text".into(), json!(body.trim_end()));
        // Heredocs (RUN, COPY, ADD): their bodies follow the instruction.
        let heredocs = if matches!(keyword, "RUN" | "COPY" | "ADD") {
            self.heredocs(body, node)
        } else {
            Vec::new()
        };
        let exec = matches!(
            keyword,
            "RUN" | "CMD" | "ENTRYPOINT" | "SHELL" | "ADD" | "COPY" | "VOLUME" | "HEALTHCHECK"
        ) && body.starts_with('[');
        let parsed_exec = if exec {
            serde_json::from_str::<Vec<String>>(body.trim_end()).ok()
        } else {
            None
        };
        let substituted = SUBSTITUTED.contains(&keyword);
        let words_node = self.spans.entry(
            node,
            "words",
            logical.range(self.file, body_at, logical.text.len()),
        );
        let mut out_words = Vec::new();
        if let Some(items) = &parsed_exec {
            value.insert("form".into(), json!("exec"));
            // Each element's place: found in order in the text.
            let mut from = body_at;
            for (i, item) in items.iter().enumerate() {
                let quoted = serde_json::to_string(item).unwrap_or_default();
                let (s, e) = logical.text[from..].find('"').map_or((from, from), |q| {
                    let s = from + q;
                    (s, (s + quoted.len()).min(logical.text.len()))
                });
                self.spans
                    .item(words_node, i, logical.range(self.file, s, e));
                from = e;
                out_words.push(if substituted {
                    substitute(item, vars).0
                } else {
                    item.clone()
                });
            }
        } else {
            value.insert("form".into(), json!("shell"));
            for (i, w) in words.iter().skip(skipped).enumerate() {
                self.spans
                    .item(words_node, i, logical.range(self.file, w.start, w.end));
                out_words.push(if substituted {
                    substitute(&w.text, vars).0
                } else {
                    w.text.clone()
                });
            }
        }
        value.insert("words".into(), json!(out_words));
        let pairs_node =
            self.spans
                .entry(node, "pairs", logical.range(self.file, body_at, body_at));
        let mut pairs = Vec::new();
        if matches!(keyword, "ARG" | "ENV" | "LABEL") {
            let found = self.pairs(logical, args_at, keyword, vars);
            for (i, (k, v, range)) in found.into_iter().enumerate() {
                self.spans.item(pairs_node, i, range);
                // `ARG NAME` in a stage takes the global default.
                let v = match v {
                    None if keyword == "ARG" => global.get(&k).cloned().flatten(),
                    v => v,
                };
                if keyword != "LABEL" {
                    vars.insert(k.clone(), v.clone());
                }
                pairs.push(json!({"key": k, "value": v}));
            }
        }
        value.insert("pairs".into(), Value::Array(pairs));
        value.insert("heredocs".into(), Value::Array(heredocs));
        Value::Object(value)
    }

    /// The heredocs an instruction opens (`<<EOF`, `<<-EOF`, `<<"EOF"`, `<<'EOF'`), read from
    /// the lines after it, in order.
    fn heredocs(&mut self, body: &str, node: NodeId) -> Vec<Value> {
        let mut names = Vec::new();
        let mut rest = body;
        while let Some(at) = rest.find("<<") {
            let after = &rest[at + 2..];
            let (strip_tabs, after) = match after.strip_prefix('-') {
                Some(a) => (true, a),
                None => (false, after),
            };
            let unquoted = after.trim_start_matches(['"', '\'']);
            let name: String = unquoted
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                names.push((name.clone(), strip_tabs));
            }
            rest = &unquoted[name.len()..];
        }
        let list = self.spans.entry(node, "heredocs", Range::default());
        let mut out = Vec::new();
        for (i, (name, strip_tabs)) in names.into_iter().enumerate() {
            let first = self.lines.get(self.next).map(|&(s, _)| s);
            let mut body = String::new();
            let mut closed = false;
            let mut end = first.unwrap_or(self.file.text.len());
            while let Some(&(start, line)) = self.lines.get(self.next) {
                self.next += 1;
                let candidate = if strip_tabs {
                    line.trim_start_matches('\t')
                } else {
                    line
                };
                if candidate == name {
                    closed = true;
                    break;
                }
                body.push_str(candidate);
                body.push('\n');
                end = start + line.len();
            }
            let from = first.unwrap_or(self.file.text.len());
            let range = self.range(from, end.max(from));
            self.spans.item(list, i, range);
            if !closed {
                self.error(
                    range,
                    format!("heredoc <<{name} is not closed: no line `{name}` after it"),
                );
            }
            out.push(json!({"name": name, "body": body}));
        }
        out
    }
}

/// Substitute `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:+alt}` and
/// `${VAR+alt}` from `vars`; `\$` is a literal `$`. Returns the text and whether a variable
/// had no known value (it was left empty).
#[must_use]
pub fn substitute(text: &str, vars: &BTreeMap<String, Option<String>>) -> (String, bool) {
    let mut out = String::with_capacity(text.len());
    let mut unresolved = false;
    let mut chars = text.char_indices().peekable();
    let lookup = |name: &str, unresolved: &mut bool| -> Option<String> {
        match vars.get(name) {
            Some(Some(v)) => Some(v.clone()),
            Some(None) | None => {
                *unresolved = true;
                None
            }
        }
    };
    while let Some((i, c)) = chars.next() {
        if c == '\\' && text[i + 1..].starts_with('$') {
            out.push('$');
            chars.next();
            continue;
        }
        if c != '$' {
            out.push(c);
            continue;
        }
        let rest = &text[i + 1..];
        if let Some(inner) = rest.strip_prefix('{') {
            let Some(close) = inner.find('}') else {
                out.push(c);
                continue;
            };
            let expr = &inner[..close];
            for _ in 0..close + 2 {
                chars.next();
            }
            let (name, op, word) = match expr.find([':', '-', '+']) {
                Some(p) => {
                    let (n, o) = expr.split_at(p);
                    let op_len = if o.starts_with(':') { 2 } else { 1 };
                    (n, &o[..op_len.min(o.len())], &o[op_len.min(o.len())..])
                }
                None => (expr, "", ""),
            };
            let set = vars.get(name).cloned().flatten();
            match op {
                ":-" => out.push_str(
                    &set.filter(|v| !v.is_empty())
                        .unwrap_or_else(|| substitute(word, vars).0),
                ),
                "-" => out.push_str(&set.unwrap_or_else(|| substitute(word, vars).0)),
                ":+" => {
                    if set.is_some_and(|v| !v.is_empty()) {
                        out.push_str(&substitute(word, vars).0);
                    }
                }
                "+" => {
                    if set.is_some() {
                        out.push_str(&substitute(word, vars).0);
                    }
                }
                _ => out.push_str(&lookup(name, &mut unresolved).unwrap_or_default()),
            }
            continue;
        }
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if name.is_empty() {
            out.push(c);
            continue;
        }
        for _ in 0..name.len() {
            chars.next();
        }
        out.push_str(&lookup(&name, &mut unresolved).unwrap_or_default());
    }
    (out, unresolved)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::source::Origin;

    fn parse_text(text: &str) -> (Parsed, SourceFile) {
        let file = SourceFile::new(Origin::Stdin, "Dockerfile", Arc::from(text));
        (parse(&file), file)
    }

    fn line_of(p: &Parsed, pointer: &str) -> (u32, u32) {
        let r = p
            .spans
            .get(pointer)
            .unwrap_or_else(|| panic!("no span for {pointer}"));
        (r.start.line, r.start.column)
    }

    #[test]
    fn names() {
        for yes in [
            "Dockerfile",
            "Containerfile",
            "app.Dockerfile",
            "Dockerfile.prod",
            "dockerfile",
            "x/Containerfile.dev",
        ] {
            assert!(is_dockerfile(Path::new(yes)), "{yes}");
        }
        for no in [
            "Dockerfile.dockerignore",
            "app.dockerignore",
            "Dockerfile.yaml",
            "Dockerfiles",
            "README.md",
            "my-dockerfile-notes",
        ] {
            assert!(!is_dockerfile(Path::new(no)), "{no}");
        }
    }

    #[test]
    fn continuations_comments_and_word_positions() {
        let text = "FROM debian:12\nRUN apt-get update \\\n# a comment inside\n\n    && apt-get install -y \\\n       openssh-server\nUSER app\n";
        let (p, _) = parse_text(text);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        let run = &p.value["stages"][0]["instructions"][0];
        assert_eq!(run["instruction"], "RUN");
        assert_eq!(
            run["words"],
            json!([
                "apt-get",
                "update",
                "&&",
                "apt-get",
                "install",
                "-y",
                "openssh-server"
            ])
        );
        assert_eq!(line_of(&p, "/stages/0/instructions/0"), (2, 1));
        assert_eq!(line_of(&p, "/stages/0/instructions/0/words/2"), (5, 5));
        assert_eq!(line_of(&p, "/stages/0/instructions/0/words/6"), (6, 8));
        let r = p.spans.get("/stages/0/instructions/0").expect("span");
        assert_eq!(
            r.end.line, 6,
            "the instruction ends on its last continued line"
        );
        assert_eq!(line_of(&p, "/stages/0/instructions/1"), (7, 1));
        assert_eq!(p.value["stages"][0]["final"], true);
    }

    #[test]
    fn directives_and_backtick_escape() {
        let text = "# syntax=docker/dockerfile:1\n# escape=`\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN dir `\n    c:\\\n";
        let (p, _) = parse_text(text);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        assert_eq!(p.value["directives"]["syntax"], "docker/dockerfile:1");
        assert_eq!(p.value["directives"]["escape"], "`");
        assert_eq!(
            p.value["stages"][0]["instructions"][0]["words"],
            json!(["dir", "c:\\"])
        );
        // A directive after an instruction or a comment is a comment.
        let (p, _) = parse_text("# hello\n# escape=`\nFROM x\n");
        assert_eq!(p.value["directives"], json!({}));
    }

    #[test]
    fn heredocs_are_bodies_not_instructions() {
        let text = "FROM alpine:3.20\nRUN <<EOF\nset -e\nUSER root\nEOF\nCOPY <<-CONF /etc/app.conf\n\tkey=value\n\tCONF\nUSER 1000\n";
        let (p, _) = parse_text(text);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        let ins = p.value["stages"][0]["instructions"]
            .as_array()
            .expect("list");
        assert_eq!(ins.len(), 3);
        assert_eq!(ins[0]["heredocs"][0]["body"], "set -e\nUSER root\n");
        assert_eq!(ins[1]["heredocs"][0]["name"], "CONF");
        assert_eq!(ins[1]["heredocs"][0]["body"], "key=value\n");
        assert_eq!(ins[2]["words"], json!(["1000"]));
        assert_eq!(line_of(&p, "/stages/0/instructions/2"), (9, 1));
        assert_eq!(line_of(&p, "/stages/0/instructions/0/heredocs/0"), (3, 1));
        let (p, _) = parse_text("FROM a\nRUN <<EOF\necho\n");
        assert_eq!(p.problems.len(), 1);
        assert!(
            p.problems[0].message.contains("not closed"),
            "{:?}",
            p.problems
        );
    }

    #[test]
    fn args_stages_aliases_and_substitution() {
        let text = "ARG BASE=golang\nARG TAG=1.22\nFROM ${BASE}:${TAG} AS build\nARG TAG\nENV GOFLAGS=-mod=vendor HOME=/root\nRUN go build\nFROM build AS test\nFROM gcr.io/distroless/static:nonroot\nCOPY --from=build --chmod=0755 /out/app /app\nUSER ${RUNAS:-65532}\n";
        let (p, _) = parse_text(text);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        let stages = &p.value["stages"];
        assert_eq!(
            p.value["args"][0],
            json!({"key": "BASE", "value": "golang"})
        );
        assert_eq!(stages[0]["from"]["image"], "golang:1.22");
        assert_eq!(stages[0]["from"]["raw"], "${BASE}:${TAG}");
        assert_eq!(stages[0]["name"], "build");
        assert_eq!(stages[0]["instructions"][0]["pairs"][0]["value"], "1.22");
        assert_eq!(
            stages[0]["instructions"][1]["pairs"][1],
            json!({"key": "HOME", "value": "/root"})
        );
        assert_eq!(stages[1]["from"]["stage"], 0);
        assert_eq!(stages[2]["from"]["stage"], Value::Null);
        assert_eq!(stages[2]["final"], true);
        let copy = &stages[2]["instructions"][0];
        assert_eq!(copy["flags"], json!({"from": "build", "chmod": "0755"}));
        assert_eq!(copy["words"], json!(["/out/app", "/app"]));
        assert_eq!(line_of(&p, "/stages/2/instructions/0/flags/chmod"), (9, 19));
        assert_eq!(stages[2]["instructions"][1]["words"], json!(["65532"]));
        assert_eq!(line_of(&p, "/stages/0/from"), (3, 6));
        // An ARG without a value anywhere leaves FROM unresolved.
        let (p, _) = parse_text("ARG IMAGE\nFROM $IMAGE\n");
        assert_eq!(p.value["stages"][0]["from"]["unresolved"], true);
    }

    #[test]
    fn exec_form_and_legacy_env() {
        let text = "FROM x\nENV PATH /usr/local/bin:$PATH\nCMD [\"/app\", \"--port\", \"8080\"]\nHEALTHCHECK --interval=30s CMD [\"/app\", \"health\"]\n";
        let (p, _) = parse_text(text);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        let ins = &p.value["stages"][0]["instructions"];
        assert_eq!(ins[0]["pairs"][0]["key"], "PATH");
        assert_eq!(ins[1]["form"], "exec");
        assert_eq!(ins[1]["words"], json!(["/app", "--port", "8080"]));
        assert_eq!(line_of(&p, "/stages/0/instructions/1/words/1"), (3, 14));
        assert_eq!(ins[2]["flags"]["interval"], "30s");
        assert_eq!(ins[2]["words"][0], "CMD");
    }

    #[test]
    fn errors_name_the_place_and_parsing_goes_on() {
        let (p, _) = parse_text("FROM x\nRUNN echo\nUSER app\n");
        assert_eq!(p.problems.len(), 1);
        let at = p.problems[0].location_range().expect("range");
        assert_eq!(at.start.line, 2);
        assert_eq!(
            p.value["stages"][0]["instructions"][0]["instruction"],
            "USER"
        );
        let (p, _) = parse_text("RUN echo\nFROM x\n");
        assert!(p.problems[0].message.contains("before the first FROM"));
        let (p, _) = parse_text("# only a comment\n");
        assert!(p.problems[0].message.contains("no FROM"));
    }

    #[test]
    fn substitution_forms() {
        let vars: BTreeMap<String, Option<String>> = [
            ("A".to_owned(), Some("1".to_owned())),
            ("E".to_owned(), Some(String::new())),
            ("U".to_owned(), None),
        ]
        .into_iter()
        .collect();
        assert_eq!(substitute("$A-${A}", &vars), ("1-1".into(), false));
        assert_eq!(substitute("${E:-d} ${E-d} ${X:-d}", &vars).0, "d  d");
        assert_eq!(substitute("${A:+y}${E:+y}${E+z}", &vars).0, "yz");
        assert_eq!(substitute("\\$A", &vars).0, "$A");
        assert_eq!(substitute("$U", &vars), (String::new(), true));
        assert_eq!(substitute("$ 5", &vars).0, "$ 5");
    }
}
