//! Terraform plan JSON (`terraform show -json plan.out`), recognised by its content: each
//! resource to be created or updated becomes a document whose JSON is its planned values
//! (`resource_changes[].change.after`, or `planned_values` when there are no changes), with
//! the values Terraform will know only after apply (`after_unknown`) as unknowns.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use rayon::prelude::*;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::value::unknown_json;
use crate::input::spans::SpanIndex;
use crate::input::{
    Format, Hints, Input, LoadOptions, LoadedDoc, LoadedFile, Overlay, SkippedDoc, yaml,
};
use crate::problem::{Problem, ProblemKind};
use crate::source::{Origin, Position, Range, SourceFile};

/// One resource of a plan.
#[derive(Debug)]
pub struct PlanResource {
    /// Pointer of its values inside the plan document.
    pub prefix: String,
    /// `resource` or `data`.
    pub kind: String,
    /// `[type, name]`.
    pub labels: Vec<String>,
    /// Full address (`module.eks.aws_eks_cluster.this[0]`).
    pub address: String,
    /// The values; `None` when the plan destroys it (with the reason).
    pub value: Result<Value, String>,
}

/// Whether a JSON document is a Terraform plan (or state) in Terraform's JSON format.
#[must_use]
pub fn is_plan(v: &Value) -> bool {
    v.get("format_version").is_some()
        && v.get("terraform_version").is_some()
        && (v.get("resource_changes").is_some() || v.get("planned_values").is_some())
}

/// The resources of a plan: `resource_changes` (else `planned_values`), and the data sources
/// Terraform read while planning, which only `prior_state` holds.
#[must_use]
pub fn resources(plan: &Value) -> Vec<PlanResource> {
    let config = Configuration::of(plan);
    let mut out = Vec::new();
    if let Some(changes) = plan.get("resource_changes").and_then(Value::as_array) {
        for (i, rc) in changes.iter().enumerate() {
            out.push(change_resource(
                rc,
                format!("/resource_changes/{i}/change/after"),
                &config,
            ));
        }
    } else if let Some(root) = plan.pointer("/planned_values/root_module") {
        walk_module(root, "/planned_values/root_module", &mut out);
    }
    if let Some(root) = plan.pointer("/prior_state/values/root_module") {
        let mut prior = Vec::new();
        walk_module(root, "/prior_state/values/root_module", &mut prior);
        let seen: std::collections::HashSet<String> =
            out.iter().map(|r| r.address.clone()).collect();
        out.extend(
            prior
                .into_iter()
                .filter(|r| r.kind == "data" && !seen.contains(&r.address)),
        );
    }
    out
}

/// A resource of `resource_changes`: its planned values (`change.after`, unknowns from
/// `change.after_unknown`), or why it has none.
fn change_resource(rc: &Value, prefix: String, config: &Configuration) -> PlanResource {
    change_resource_with(rc, rc["change"]["after"].clone(), prefix, config)
}

/// [`change_resource`] with `change.after` taken out of `rc` already (not copied).
fn change_resource_with(
    rc: &Value,
    after: Value,
    prefix: String,
    config: &Configuration,
) -> PlanResource {
    let change = &rc["change"];
    let actions: Vec<&str> = change["actions"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let value = if actions == ["delete"] {
        Err("the plan destroys it".to_owned())
    } else if actions == ["no-op"] || actions == ["read"] || !after.is_null() {
        let mut v = merge_owned(after, &change["after_unknown"]);
        let address = rc["address"].as_str().unwrap_or_default();
        if let Some(expressions) = config.expressions(address) {
            settle(&mut v, Some(expressions));
        }
        Ok(v)
    } else {
        Err(format!("no planned values (actions {actions:?})"))
    };
    resource(rc, prefix, value)
}

/// The plan's `configuration` section: each resource's `expressions` by its address without
/// instance keys (`module.eks.aws_eks_cluster.this`, `data.aws_iam_policy_document.p`).
#[derive(Debug, Default)]
pub struct Configuration {
    resources: HashMap<String, Value>,
}

impl Configuration {
    /// Index `plan.configuration` (empty when the plan has none).
    #[must_use]
    pub fn of(plan: &Value) -> Self {
        let mut c = Self::default();
        if let Some(root) = plan.pointer("/configuration/root_module") {
            c.module(root, "");
        }
        c
    }

    /// Index a `configuration` value itself (the streamed reader reads it on its own).
    #[must_use]
    pub fn of_section(section: &Value) -> Self {
        let mut c = Self::default();
        if let Some(root) = section.get("root_module") {
            c.module(root, "");
        }
        c
    }

    fn module(&mut self, module: &Value, prefix: &str) {
        for r in module
            .get("resources")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(address) = r.get("address").and_then(Value::as_str) {
                let expressions = r
                    .get("expressions")
                    .cloned()
                    .unwrap_or_else(|| Value::Object(Map::new()));
                self.resources
                    .insert(format!("{prefix}{address}"), expressions);
            }
        }
        if let Some(calls) = module.get("module_calls").and_then(Value::as_object) {
            for (name, call) in calls {
                if let Some(child) = call.get("module") {
                    self.module(child, &format!("{prefix}module.{name}."));
                }
            }
        }
    }

    /// The `expressions` of a resource (its address with or without instance keys).
    #[must_use]
    pub fn expressions(&self, address: &str) -> Option<&Value> {
        self.resources.get(&strip_keys(address))
    }
}

/// Whether a reference of the configuration's `references` is to a managed resource (not a
/// variable, local, data source, module output or repetition value).
fn is_resource_reference(reference: &str) -> bool {
    let first = reference.split('.').next().unwrap_or_default();
    !matches!(
        first,
        "var" | "local" | "data" | "module" | "each" | "count" | "path" | "terraform" | "self"
    ) && reference.contains('.')
}

/// Settle the unknowns of planned values against the configuration, as Terraform and the
/// provider define them:
///
/// * an unknown the configuration does not write is one the provider computes: it is marked
///   `"$absent": true`, so that a control may apply the provider's documented default to an
///   *attribute* it knows (`public_access_cidrs` of an `aws_eks_cluster` whose `vpc_config`
///   omits it is `["0.0.0.0/0"]`). It stays unknown otherwise: Terraform's configuration
///   section leaves `dynamic` blocks out, so an unknown nested block (a `dynamic` block over
///   an unknown collection) is not known to be absent.
/// * one written with references to managed resources' attributes only
///   (`kms_key_id = aws_kms_key.logs.arn`) is unknown but *set* (`"$set": true`);
/// * any other stays unknown.
///
/// `expressions` is the configuration of this level (`None`: not known, every unknown stays
/// as it is).
fn settle(value: &mut Value, expressions: Option<&Value>) {
    const ABSENT: &str =
        "not written in the configuration: the provider computes it (known only after apply)";
    let Value::Object(map) = value else {
        return;
    };
    let Some(Value::Object(exprs)) = expressions else {
        return;
    };
    for (key, v) in map.iter_mut() {
        let expr = exprs.get(key);
        if super::value::is_unknown_json(v) {
            match expr {
                None => *v = super::value::unknown_absent_json(ABSENT),
                Some(e) => {
                    let refs: Vec<&str> = e
                        .get("references")
                        .and_then(Value::as_array)
                        .map(|r| r.iter().filter_map(Value::as_str).collect())
                        .unwrap_or_default();
                    if !refs.is_empty()
                        && refs.iter().all(|r| is_resource_reference(r))
                        && let Some(Value::String(reason)) = v.get("$unknown").cloned()
                    {
                        *v = super::value::unknown_set_json(&reason);
                    }
                }
            }
            continue;
        }
        match (v, expr) {
            // A nested block: a list of objects, its configuration a list of objects.
            (Value::Array(items), Some(Value::Array(blocks))) => {
                for (i, item) in items.iter_mut().enumerate() {
                    settle(item, blocks.get(i).or_else(|| blocks.first()));
                }
            }
            // A single nested block (NestingSingle / NestingGroup): an object of expressions.
            (item @ Value::Object(_), Some(block @ Value::Object(_)))
                if block.get("constant_value").is_none() && block.get("references").is_none() =>
            {
                settle(item, Some(block));
            }
            _ => {}
        }
    }
}

/// A resource of a module of `planned_values`.
fn planned_resource(r: &Value, prefix: String) -> PlanResource {
    let value = Ok(r
        .get("values")
        .cloned()
        .unwrap_or(Value::Object(Map::new())));
    resource(r, prefix, value)
}

fn walk_module(module: &Value, at: &str, out: &mut Vec<PlanResource>) {
    if let Some(resources) = module.get("resources").and_then(Value::as_array) {
        for (i, r) in resources.iter().enumerate() {
            out.push(planned_resource(r, format!("{at}/resources/{i}/values")));
        }
    }
    if let Some(children) = module.get("child_modules").and_then(Value::as_array) {
        for (i, c) in children.iter().enumerate() {
            walk_module(c, &format!("{at}/child_modules/{i}"), out);
        }
    }
}

fn resource(r: &Value, prefix: String, value: Result<Value, String>) -> PlanResource {
    let text = |k: &str| r[k].as_str().unwrap_or_default().to_owned();
    PlanResource {
        prefix,
        kind: if r["mode"] == "data" {
            "data"
        } else {
            "resource"
        }
        .to_owned(),
        labels: vec![text("type"), text("name")],
        address: text("address"),
        value,
    }
}

/// `after` with every value `after_unknown` marks `true` replaced by an unknown (`after` is
/// consumed, not copied).
fn merge_owned(after: Value, unknown: &Value) -> Value {
    const REASON: &str = "known only after apply (plan JSON after_unknown)";
    match (after, unknown) {
        (_, Value::Bool(true)) => unknown_json(REASON),
        (Value::Object(mut a), Value::Object(u)) => {
            for (k, uv) in u {
                let present = a.contains_key(k);
                let merged = merge_owned(a.remove(k).unwrap_or(Value::Null), uv);
                if !merged.is_null() || present {
                    a.insert(k.clone(), merged);
                }
            }
            Value::Object(a)
        }
        (Value::Array(mut a), Value::Array(u)) => {
            for (i, uv) in u.iter().enumerate() {
                match a.get_mut(i) {
                    Some(slot) => *slot = merge_owned(std::mem::take(slot), uv),
                    None if *uv == Value::Bool(true) => a.push(unknown_json(REASON)),
                    None => {}
                }
            }
            Value::Array(a)
        }
        (Value::Null, Value::Object(u)) if !u.is_empty() => {
            merge_owned(Value::Object(Map::new()), unknown)
        }
        (after, _) => after,
    }
}

/// An address without its instance keys (`module.a["x"].b.c[0]` → `module.a.b.c`).
#[must_use]
pub fn strip_keys(address: &str) -> String {
    let mut out = String::with_capacity(address.len());
    let mut depth = 0usize;
    let mut quoted = false;
    for c in address.chars() {
        match c {
            '"' if depth > 0 => quoted = !quoted,
            '[' if !quoted => depth += 1,
            ']' if !quoted => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// Plans larger than this (in bytes) are read as a stream.
pub const STREAM_ABOVE: u64 = 8 << 20;

/// Most resources judged together (one part of a streamed plan).
const PART_RESOURCES: usize = 256;

/// Most JSON text (in bytes) of the resources judged together.
const PART_BYTES: usize = 4 << 20;

/// How a streamed read ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Streamed {
    /// Every resource was judged (part by part).
    Done,
    /// Not a Terraform plan after all (or its keys are not in Terraform's order): nothing was
    /// judged; read the file as a whole.
    NotAPlan,
}

/// A Terraform plan JSON read as a stream: `resource_changes` (else, in a second pass,
/// `planned_values`) element by element with serde's streaming visitors, each resource's
/// text parsed on its own for its values and positions, and handed on a part (a few hundred
/// resources) at a time. Neither the plan's text nor a `Value` of all of it is ever held:
/// memory follows a part, not the plan.
#[derive(Debug)]
pub struct Stream {
    path: PathBuf,
    name: String,
    options: LoadOptions,
}

/// Where the stream is: byte offset, 1-based line, 0-based character column; and the bytes
/// read since a mark (one resource's text).
#[derive(Debug)]
struct Tracker {
    pos: u64,
    line: u32,
    col: u32,
    recording: Option<Vec<u8>>,
}

/// A reader that counts what the JSON deserializer consumed (it reads a byte at a time, so
/// the count is exact).
struct Counting<R> {
    inner: R,
    tracker: Rc<RefCell<Tracker>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut t = self.tracker.borrow_mut();
        for &b in &buf[..n] {
            if b == b'\n' {
                t.line += 1;
                t.col = 0;
            } else if b & 0xC0 != 0x80 {
                t.col += 1;
            }
        }
        t.pos += n as u64;
        if let Some(r) = &mut t.recording {
            r.extend_from_slice(&buf[..n]);
        }
        Ok(n)
    }
}

/// Which resources an element is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// An element of `resource_changes`.
    Change,
    /// A resource of a module of `planned_values`.
    Planned,
}

/// One resource's text, where it starts, and its path in the plan.
struct Element {
    text: String,
    at: Position,
    path: Vec<String>,
    kind: Kind,
}

/// What the resources of a part need besides their text.
struct Shared<'a> {
    path: &'a Path,
    name: &'a Arc<str>,
    configured: &'a HashMap<String, Arc<SpanIndex>>,
    config: &'a Configuration,
}

struct Ctx<'s> {
    tracker: Rc<RefCell<Tracker>>,
    source: Arc<SourceFile>,
    path: PathBuf,
    configured: HashMap<String, Arc<SpanIndex>>,
    config: Configuration,
    sink: &'s mut dyn FnMut(LoadedFile),
    pending: Vec<Element>,
    pending_bytes: usize,
    versions: (bool, bool),
    changes: bool,
    planned: bool,
    fallback: bool,
    emitted: bool,
}

impl Ctx<'_> {
    fn mark(&self) -> (u64, u32, u32) {
        let mut t = self.tracker.borrow_mut();
        t.recording = Some(Vec::new());
        (t.pos, t.line, t.col)
    }

    /// The element read since the mark, without the separators before it.
    fn element(&self, mark: (u64, u32, u32), path: Vec<String>, kind: Kind) -> Option<Element> {
        let recorded = self.tracker.borrow_mut().recording.take()?;
        let skip = recorded
            .iter()
            .take_while(|b| matches!(b, b' ' | b'\n' | b'\r' | b'\t' | b',' | b'['))
            .count();
        let gap = &recorded[..skip];
        let (pos, mut line, mut col) = mark;
        for &b in gap {
            if b == b'\n' {
                line += 1;
                col = 0;
            } else {
                col += 1;
            }
        }
        let body = recorded[skip..].trim_ascii_end();
        let text = String::from_utf8(body.to_vec()).ok()?;
        Some(Element {
            text,
            at: Position {
                line,
                column: col + 1,
                offset: u32::try_from(pos + skip as u64).unwrap_or(u32::MAX),
            },
            path,
            kind,
        })
    }

    fn push(&mut self, element: Element) {
        self.pending_bytes += element.text.len();
        self.pending.push(element);
        if self.pending.len() >= PART_RESOURCES || self.pending_bytes >= PART_BYTES {
            self.flush();
        }
    }

    /// Turn the pending resources into documents (in parallel) and hand them on as a part.
    fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let elements = std::mem::take(&mut self.pending);
        self.pending_bytes = 0;
        let shared = Shared {
            path: &self.path,
            name: &self.source.name,
            configured: &self.configured,
            config: &self.config,
        };
        let outs: Vec<Out> = elements
            .into_par_iter()
            .map(|e| element_document(e, &shared))
            .collect();
        let mut part = LoadedFile {
            source: Arc::clone(&self.source),
            documents: Vec::new(),
            skipped: Vec::new(),
            problems: Vec::new(),
        };
        for out in outs {
            match out {
                Out::Doc(d) => part.documents.push(*d),
                Out::Skipped(s) => part.skipped.push(s),
                Out::Problem(p) => part.problems.push(p),
                Out::Nothing => {}
            }
        }
        self.emitted = true;
        (self.sink)(part);
    }
}

enum Out {
    Doc(Box<LoadedDoc>),
    Skipped(SkippedDoc),
    Problem(Problem),
    Nothing,
}

/// One resource's document: its text parsed for values and positions (moved to where it is
/// in the plan), its values as the whole-file reader would give them.
fn element_document(e: Element, shared: &Shared<'_>) -> Out {
    let source = SourceFile::new(
        Origin::File(shared.path.to_path_buf()),
        Arc::clone(shared.name),
        Arc::from(e.text),
    );
    let bounds = yaml::Bounds {
        alias_limit: 0,
        scan_aliases: None,
        max_bytes: yaml::MAX_FILE_VALUE_BYTES,
    };
    let doc = match yaml::parse_bounded(&source, bounds).into_iter().next() {
        Some(Ok(doc)) => doc,
        Some(Err(err)) => {
            // The error's position, moved to where the resource is in the plan.
            let mut spans = SpanIndex::default();
            spans.root(Range::new(err.position, err.position));
            let range = spans.shifted(e.at).get("").unwrap_or_default();
            return Out::Problem(
                Problem::new(ProblemKind::Parse, err.message)
                    .in_file(&**shared.name)
                    .at(range),
            );
        }
        None => return Out::Nothing,
    };
    let tokens: Vec<&str> = e.path.iter().map(String::as_str).collect();
    let spans = Arc::new(doc.spans.shifted(e.at).under(&tokens));
    let at = format!("/{}", e.path.join("/"));
    let mut whole = doc.value;
    let r = match e.kind {
        Kind::Change => {
            let after = whole
                .pointer_mut("/change/after")
                .map(Value::take)
                .unwrap_or_default();
            change_resource_with(&whole, after, format!("{at}/change/after"), shared.config)
        }
        Kind::Planned => planned_resource(&whole, format!("{at}/values")),
    };
    match document(r, spans, shared.configured) {
        Ok(doc) => Out::Doc(Box::new(doc)),
        Err(skipped) => Out::Skipped(skipped),
    }
}

/// A plan's resource as a document: at its `.tf` source when the configuration beside the
/// plan declares it (`configured`, by address without instance keys), else at its place in
/// the plan (`spans`); a resource whose value cannot be read is skipped, with the reason.
pub fn document(
    r: PlanResource,
    spans: Arc<SpanIndex>,
    configured: &HashMap<String, Arc<SpanIndex>>,
) -> Result<LoadedDoc, SkippedDoc> {
    let range = spans.get(&r.prefix).unwrap_or_default();
    let value = r.value.map_err(|reason| SkippedDoc {
        range,
        reason: format!("{}: {reason}", r.address),
    })?;
    let (prefix, spans) = match configured.get(&strip_keys(&r.address)) {
        Some(s) => (String::new(), Arc::clone(s)),
        None => (r.prefix, spans),
    };
    Ok(LoadedDoc {
        yaml_index: 0,
        prefix,
        format: Format::Terraform,
        hints: Arc::new(Hints {
            api_version: None,
            kind: Some(r.kind),
            namespace: None,
            name: Some(r.address),
            labels: r.labels,
        }),
        value,
        spans,
        template: None,
    })
}

/// A sequence of resources.
struct Resources<'c, 's> {
    ctx: &'c mut Ctx<'s>,
    path: Vec<String>,
    kind: Kind,
}

impl<'de> DeserializeSeed<'de> for Resources<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Resources<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a list of resources")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        for i in 0.. {
            let mark = self.ctx.mark();
            let more = seq.next_element::<IgnoredAny>()?;
            let mut path = self.path.clone();
            path.push(i.to_string());
            let element = self.ctx.element(mark, path, self.kind);
            if more.is_none() {
                break;
            }
            if let Some(e) = element {
                self.ctx.push(e);
            }
        }
        Ok(())
    }
}

/// A module of `planned_values` (`root_module`, an element of `child_modules`).
struct Module<'c, 's> {
    ctx: &'c mut Ctx<'s>,
    path: Vec<String>,
}

impl<'de> DeserializeSeed<'de> for Module<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Module<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a module")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            let mut path = self.path.clone();
            path.push(key.clone());
            match key.as_str() {
                "resources" => map.next_value_seed(Resources {
                    ctx: self.ctx,
                    path,
                    kind: Kind::Planned,
                })?,
                "child_modules" => map.next_value_seed(Modules {
                    ctx: self.ctx,
                    path,
                })?,
                // `planned_values` holds `root_module`.
                "root_module" => map.next_value_seed(Module {
                    ctx: self.ctx,
                    path,
                })?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// `child_modules`.
struct Modules<'c, 's> {
    ctx: &'c mut Ctx<'s>,
    path: Vec<String>,
}

impl<'de> DeserializeSeed<'de> for Modules<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Modules<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a list of modules")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0usize;
        loop {
            let mut path = self.path.clone();
            path.push(i.to_string());
            let seed = Module {
                ctx: &mut *self.ctx,
                path,
            };
            if seq.next_element_seed(seed)?.is_none() {
                return Ok(());
            }
            i += 1;
        }
    }
}

/// The plan's top level, in one of the two passes.
struct Top<'c, 's> {
    ctx: &'c mut Ctx<'s>,
    kind: Kind,
}

impl<'de> DeserializeSeed<'de> for Top<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Top<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a Terraform plan")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match (key.as_str(), self.kind) {
                ("format_version", _) => {
                    map.next_value::<IgnoredAny>()?;
                    self.ctx.versions.0 = true;
                }
                ("terraform_version", _) => {
                    map.next_value::<IgnoredAny>()?;
                    self.ctx.versions.1 = true;
                }
                ("resource_changes", Kind::Change) => {
                    self.ctx.changes = true;
                    // Terraform writes its versions first: without them so far, this may be
                    // no plan at all, and nothing may be judged before that is known.
                    if self.ctx.versions != (true, true) {
                        self.ctx.fallback = true;
                        return Err(de::Error::custom("keys out of Terraform's order"));
                    }
                    map.next_value_seed(Resources {
                        ctx: self.ctx,
                        path: vec![key],
                        kind: Kind::Change,
                    })?;
                }
                ("planned_values", Kind::Change) => {
                    self.ctx.planned = true;
                    map.next_value::<IgnoredAny>()?;
                }
                ("planned_values", Kind::Planned) => map.next_value_seed(Module {
                    ctx: self.ctx,
                    path: vec![key],
                })?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

impl Stream {
    /// A plan to read as a stream: a `.json` file (not an editor's buffer) larger than
    /// [`STREAM_ABOVE`], under the size cap, that starts like Terraform's plan JSON.
    #[must_use]
    pub fn open(input: &Input, overlay: Option<&Overlay>, options: &LoadOptions) -> Option<Self> {
        let Origin::File(path) = &input.origin else {
            return None;
        };
        if !path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
            || overlay.is_some_and(|o| o.contains_key(&crate::input::overlay_key(path)))
        {
            return None;
        }
        let (file, len) = options.policy.open(path).ok()?;
        if len <= STREAM_ABOVE {
            return None;
        }
        let mut head = Vec::with_capacity(4096);
        file.take(4096).read_to_end(&mut head).ok()?;
        let head = String::from_utf8_lossy(&head);
        (head.trim_start().starts_with('{') && head.contains("\"format_version\""))
            .then(|| Self::new(path.clone(), input.name.clone(), options.clone()))
    }

    /// A stream of a plan file, whatever its size.
    #[must_use]
    pub fn new(path: PathBuf, name: String, options: LoadOptions) -> Self {
        Self {
            path,
            name,
            options,
        }
    }

    /// Read the plan, handing its resources to `sink` a part at a time. A JSON error ends the
    /// read with a problem at its line and column (the parts before it were handed on).
    pub fn run(&self, sink: &mut dyn FnMut(LoadedFile)) -> Result<Streamed, Problem> {
        let dir = self
            .options
            .plan_sources
            .clone()
            .or_else(|| self.path.parent().map(Path::to_path_buf));
        let configured = dir
            .map(|d| super::configuration_spans(&d, &self.options.policy))
            .unwrap_or_default();
        let mut ctx = Ctx {
            tracker: Rc::new(RefCell::new(Tracker {
                pos: 0,
                line: 1,
                col: 0,
                recording: None,
            })),
            source: Arc::new(SourceFile::new(
                Origin::File(self.path.clone()),
                self.name.as_str(),
                Arc::from(""),
            )),
            path: self.path.clone(),
            configured,
            config: self.configuration(),
            sink,
            pending: Vec::new(),
            pending_bytes: 0,
            versions: (false, false),
            changes: false,
            planned: false,
            fallback: false,
            emitted: false,
        };
        self.pass(&mut ctx, Kind::Change)?;
        if ctx.fallback && !ctx.emitted {
            return Ok(Streamed::NotAPlan);
        }
        if !ctx.changes {
            if !(ctx.planned && ctx.versions == (true, true)) {
                return Ok(Streamed::NotAPlan);
            }
            self.pass(&mut ctx, Kind::Planned)?;
        }
        Ok(Streamed::Done)
    }

    /// The plan's `configuration` section, read on its own (every other key is skipped
    /// without being kept); empty when the plan has none or does not parse (the passes report
    /// that).
    fn configuration(&self) -> Configuration {
        #[derive(serde::Deserialize)]
        struct OnlyConfiguration {
            configuration: Option<Value>,
        }
        let Ok((file, _)) = self.options.policy.open(&self.path) else {
            return Configuration::default();
        };
        let reader = BufReader::with_capacity(1 << 16, file);
        match serde_json::from_reader::<_, OnlyConfiguration>(reader) {
            Ok(OnlyConfiguration {
                configuration: Some(section),
            }) => Configuration::of_section(&section),
            _ => Configuration::default(),
        }
    }

    fn pass(&self, ctx: &mut Ctx<'_>, kind: Kind) -> Result<(), Problem> {
        let problem = |message: String, at: Position| {
            Problem::new(ProblemKind::Parse, message)
                .in_file(self.name.as_str())
                .at(Range::new(at, at))
        };
        let (file, _) = self.options.policy.open(&self.path).map_err(|e| {
            Problem::new(ProblemKind::Io, e.to_string()).in_file(self.name.as_str())
        })?;
        *ctx.tracker.borrow_mut() = Tracker {
            pos: 0,
            line: 1,
            col: 0,
            recording: None,
        };
        let reader = Counting {
            inner: BufReader::with_capacity(1 << 16, file),
            tracker: Rc::clone(&ctx.tracker),
        };
        let mut de = serde_json::Deserializer::from_reader(reader);
        let read = Top {
            ctx: &mut *ctx,
            kind,
        }
        .deserialize(&mut de)
        .and_then(|()| de.end());
        ctx.flush();
        match read {
            Ok(()) => Ok(()),
            Err(_) if ctx.fallback => Ok(()),
            Err(e) => {
                let at = Position {
                    line: u32::try_from(e.line()).unwrap_or(u32::MAX).max(1),
                    column: u32::try_from(e.column()).unwrap_or(u32::MAX).max(1),
                    offset: 0,
                };
                Err(problem(format!("not valid JSON: {e}"), at))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn after_unknown_becomes_unknown_and_deletes_are_skipped() {
        let plan = json!({
            "format_version": "1.2", "terraform_version": "1.9.0",
            "resource_changes": [
                {"address": "aws_eks_cluster.this", "mode": "managed", "type": "aws_eks_cluster", "name": "this",
                 "change": {"actions": ["create"],
                            "after": {"name": "x", "vpc_config": [{"endpoint_public_access": true, "subnet_ids": ["a"]}]},
                            "after_unknown": {"arn": true, "vpc_config": [{"cluster_security_group_id": true, "subnet_ids": [false]}]}}},
                {"address": "aws_kms_key.old", "mode": "managed", "type": "aws_kms_key", "name": "old",
                 "change": {"actions": ["delete"], "after": null, "after_unknown": {}}}
            ]
        });
        assert!(is_plan(&plan));
        let r = resources(&plan);
        assert_eq!(r.len(), 2);
        let v = r[0].value.as_ref().expect("values");
        assert_eq!(v["arn"]["$unknown"], REASON_FOR_TEST);
        assert_eq!(
            v["vpc_config"][0]["cluster_security_group_id"]["$unknown"],
            REASON_FOR_TEST
        );
        assert_eq!(v["vpc_config"][0]["endpoint_public_access"], true);
        assert_eq!(r[0].prefix, "/resource_changes/0/change/after");
        assert!(r[1].value.is_err());
        assert_eq!(strip_keys("module.a[\"x[1]\"].b.c[0]"), "module.a.b.c");
    }

    const REASON_FOR_TEST: &str = "known only after apply (plan JSON after_unknown)";

    /// Every pointer of a value.
    fn pointers(v: &Value, at: &str, out: &mut Vec<String>) {
        out.push(at.to_owned());
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    let k = k.replace('~', "~0").replace('/', "~1");
                    pointers(x, &format!("{at}/{k}"), out);
                }
            }
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    pointers(x, &format!("{at}/{i}"), out);
                }
            }
            _ => {}
        }
    }

    /// A plan's text with Terraform's key order (versions first), pretty or on one line.
    fn ordered(plan: &Value, pretty: bool) -> String {
        let text = |v: &Value| {
            if pretty {
                serde_json::to_string_pretty(v)
            } else {
                serde_json::to_string(v)
            }
            .expect("json")
        };
        let map = plan.as_object().expect("object");
        let first = ["format_version", "terraform_version"];
        let entries: Vec<String> = first
            .iter()
            .map(|k| (*k, &map[*k]))
            .chain(
                map.iter()
                    .filter(|(k, _)| !first.contains(&k.as_str()))
                    .map(|(k, v)| (k.as_str(), v)),
            )
            .map(|(k, v)| format!("{}: {}", text(&json!(k)), text(v)))
            .collect();
        let sep = if pretty { ",\n" } else { "," };
        format!("{{{}}}", entries.join(sep))
    }

    type Seen = Vec<(Option<String>, String, Value, Vec<Option<(Range, bool)>>)>;

    fn summary(docs: &[LoadedDoc]) -> Seen {
        docs.iter()
            .map(|d| {
                let mut ps = Vec::new();
                pointers(&d.value, "", &mut ps);
                ps.push("/not/there".to_owned());
                let ranges = ps
                    .iter()
                    .map(|p| d.spans.resolve(&format!("{}{p}", d.prefix)))
                    .collect();
                (
                    d.hints.name.clone(),
                    d.prefix.clone(),
                    d.value.clone(),
                    ranges,
                )
            })
            .collect()
    }

    /// The stream gives the documents, values, skipped resources and every position the
    /// whole-file reader gives: pretty-printed and on one line, with non-ASCII text, for
    /// `resource_changes` and for `planned_values` alone.
    #[test]
    fn the_stream_agrees_with_the_whole_file_reader() {
        let example: Value = serde_json::from_str(
            &std::fs::read_to_string(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("../examples/terraform/plan/plan.json"),
            )
            .expect("example plan"),
        )
        .expect("json");
        let mut planned_only = example.clone();
        planned_only
            .as_object_mut()
            .expect("object")
            .remove("resource_changes");
        let mut unicode = example.clone();
        unicode["resource_changes"][0]["change"]["after"]["tags"] =
            json!({"Ünïcödé": "välue — ✓", "b": [1, {"c": "ß"}]});
        let dir = tempfile::tempdir().expect("tempdir");
        let mut cases = 0;
        for (i, plan) in [example, planned_only, unicode].iter().enumerate() {
            for (j, text) in [ordered(plan, true), ordered(plan, false)]
                .into_iter()
                .enumerate()
            {
                let path = dir.path().join(format!("plan-{i}-{j}.json"));
                std::fs::write(&path, &text).expect("write");
                let name = path.display().to_string();
                let whole = crate::input::load_with(
                    Arc::new(SourceFile::new(
                        Origin::File(path.clone()),
                        name.as_str(),
                        Arc::from(text),
                    )),
                    &LoadOptions::default(),
                );
                assert!(whole.problems.is_empty(), "{:?}", whole.problems);
                let mut docs = Vec::new();
                let mut skipped = Vec::new();
                let end = Stream::new(path, name, LoadOptions::default())
                    .run(&mut |part| {
                        assert!(part.problems.is_empty(), "{:?}", part.problems);
                        docs.extend(part.documents);
                        skipped.extend(part.skipped.into_iter().map(|s| (s.range, s.reason)));
                    })
                    .expect("streams");
                assert_eq!(end, Streamed::Done);
                assert!(!docs.is_empty());
                assert_eq!(summary(&docs), summary(&whole.documents), "case {i}-{j}");
                let whole_skipped: Vec<_> = whole
                    .skipped
                    .into_iter()
                    .map(|s| (s.range, s.reason))
                    .collect();
                assert_eq!(skipped, whole_skipped, "case {i}-{j}");
                cases += 1;
            }
        }
        assert_eq!(cases, 6);
    }

    #[test]
    fn a_stream_of_no_plan_judges_nothing_and_a_broken_plan_names_its_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let other = dir.path().join("other.json");
        std::fs::write(
            &other,
            r#"{"resource_changes": [{"a": 1}], "format_version": "1"}"#,
        )
        .expect("write");
        let mut parts = 0;
        let end = Stream::new(other, "other.json".into(), LoadOptions::default())
            .run(&mut |_| parts += 1)
            .expect("no error");
        assert_eq!((end, parts), (Streamed::NotAPlan, 0));
        let broken = dir.path().join("broken.json");
        std::fs::write(
            &broken,
            "{\"format_version\": \"1.2\", \"terraform_version\": \"1.9.0\",\n\"resource_changes\": [\n{\"address\": \"a.b\", \"mode\": \"managed\", \"type\": \"a\", \"name\": \"b\", \"change\": {\"actions\": [\"create\"], \"after\": {\"x\": 1}}},\n{\"oops\": tru}]}\n",
        )
        .expect("write");
        let mut docs = 0;
        let e = Stream::new(broken, "broken.json".into(), LoadOptions::default())
            .run(&mut |part| docs += part.documents.len())
            .expect_err("broken");
        assert_eq!(docs, 1, "the resource before the error is judged");
        assert!(e.message.contains("not valid JSON"), "{}", e.message);
        assert_eq!(e.range.map(|r| r.start.line), Some(4));
    }
}
