//! The per-file phase: a file's documents judged by every plugin (sharded over all cores),
//! the plugins' pointers turned into ranges while the file is parsed, and the compact result
//! kept — in the result cache too, under a key of everything it was computed from.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;
use rustc_hash::FxHashSet;
use serde::{Deserialize, Serialize};

use crate::input::{self, Format, Hints, Input, LoadedDoc, LoadedFile};
use crate::problem::{Problem, ProblemKind};
use crate::runtime::bindings::wit;
use crate::runtime::{ControlMeta, Enforcement, Failure, Plugin};
use crate::source::SourceFile;

use super::locate::{self, DocRef, FileResolver, Resolver};
use super::{
    FileReport, FileStatus, Finding, FindingStatus, FixEdit, FixOut, Location, MAX_HARD_FAILURES,
    MAX_RELATED, Note, NoteKind, RelatedOut, ScanSpec,
};

/// Documents per `check` call when a file is large: enough to amortise a call, few enough that
/// one file of 100,000 documents keeps every core busy.
const SHARD: usize = 128;

/// YAML documents loaded and judged at a time in a large file: its memory follows this many
/// documents, not the file.
const PART: usize = 512;

/// Parts of a large file parsed before they are judged together on all cores.
const WAVE: usize = 4;

/// One plugin's part in a scan.
pub struct PluginPlan<'a> {
    /// The plugin.
    pub plugin: &'a Plugin,
    /// Its selected controls.
    pub controls: Vec<&'a ControlMeta>,
    /// What `check` is told to run: the selected IDs, and the dynamic prefixes selected.
    pub ids: Vec<String>,
    /// Timeouts and memory failures so far.
    pub failures: AtomicUsize,
}

impl<'a> PluginPlan<'a> {
    /// The plan of a plugin under a selection.
    pub fn new(plugin: &'a Plugin, spec: &ScanSpec<'_>) -> Self {
        // A scan-scope control under one of the plugin's dynamic prefixes carries the inputs
        // that declare controls (Gatekeeper templates and constraints among the scanned files)
        // to the cross-document step: it runs whenever the selection admits it as it admits
        // declared controls (by prefix: `--select GK-` runs it).
        let carrier = |c: &ControlMeta| {
            c.scope == crate::runtime::Scope::Scan
                && plugin
                    .dynamic_prefixes
                    .iter()
                    .any(|p| c.id.starts_with(p.as_str()))
                && (spec.admits_dynamic)(&c.id)
        };
        let controls: Vec<&ControlMeta> = plugin
            .controls
            .iter()
            .filter(|c| spec.selected.contains(&c.id) || carrier(c))
            .collect();
        let mut ids: Vec<String> = controls.iter().map(|c| c.id.clone()).collect();
        ids.extend(plugin.dynamic_prefixes.iter().cloned());
        Self {
            plugin,
            ids,
            controls,
            failures: AtomicUsize::new(0),
        }
    }

    /// Whether the plugin has anything to run.
    fn runs(&self) -> bool {
        !self.controls.is_empty() || !self.plugin.dynamic_prefixes.is_empty()
    }
}

/// A fact a file gave a cross-document control.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FactOut {
    /// The plugin that keeps it.
    pub plugin: String,
    /// The control.
    pub control: String,
    /// The document's ordinal in its file.
    pub document: u32,
    /// JSON text.
    pub data: String,
    /// Pointers `finish` may name, resolved in `located`.
    pub pointers: Vec<String>,
    /// Its groups.
    pub groups: Vec<String>,
}

/// A pointer resolved while its file was parsed.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Located {
    /// The document's ordinal in its file.
    pub document: u32,
    /// The pointer (relative to the document, as the plugin named it).
    pub pointer: String,
    /// Where it is.
    pub location: Location,
    /// Whether the pointer itself exists.
    pub exact: bool,
}

/// What a file contributes to a scan: everything kept of it once its parse is dropped.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FileOutcome {
    /// Its account.
    pub report: FileReport,
    /// Its findings.
    pub findings: Vec<Finding>,
    /// Its notes.
    pub notes: Vec<Note>,
    /// Its errors.
    pub problems: Vec<Problem>,
    /// Facts for the cross-document phase.
    pub facts: Vec<FactOut>,
    /// Its documents, by ordinal.
    pub docs: Vec<DocRef>,
    /// Locations of the pointers facts declared.
    pub located: Vec<Located>,
    /// Its documents by (format, kind).
    pub kinds: Vec<(String, String)>,
    /// Control-plane components among its documents.
    pub components: Vec<String>,
    /// Controls declared from its documents (and selected).
    pub declared: Vec<ControlMeta>,
    /// What identifies it: its result-cache key (a digest of everything it was computed
    /// from), when it has one. The cross-document phase reuses a group's verdict while the
    /// files its facts came from keep their identity.
    #[serde(default)]
    pub identity: Option<Arc<str>>,
}

impl FileOutcome {
    fn new(input: &Input) -> Self {
        Self {
            report: FileReport {
                name: input.name.clone(),
                status: FileStatus::Scanned,
                documents: 0,
                skipped_documents: Vec::new(),
                refused: false,
            },
            findings: Vec::new(),
            notes: Vec::new(),
            problems: Vec::new(),
            facts: Vec::new(),
            docs: Vec::new(),
            located: Vec::new(),
            kinds: Vec::new(),
            components: Vec::new(),
            declared: Vec::new(),
            identity: None,
        }
    }

    /// Whether it may be cached: it depends on its bytes alone (no Terraform evaluation, which
    /// reads other files) and no plugin failed (a timeout may not happen next time).
    fn cacheable(&self) -> bool {
        self.docs.iter().all(|d| d.kept.is_none())
            && !self.problems.iter().any(|p| p.kind == ProblemKind::Plugin)
    }
}

/// Judge one input: read it (or take its evaluated Terraform), look its result up in the
/// cache, else load, judge and store it.
pub fn scan_file(
    spec: &ScanSpec<'_>,
    plans: &[PluginPlan<'_>],
    input: &Input,
    stdin: Option<&Arc<str>>,
    preloaded: Option<LoadedFile>,
) -> (Arc<FileOutcome>, Option<Arc<SourceFile>>) {
    let mut outcome = FileOutcome::new(input);
    let options = input::LoadOptions {
        alias_limit: spec.alias_limit,
        plan_sources: spec.plan_sources.map(std::path::Path::to_path_buf),
        policy: Arc::new(spec.policy.clone()),
    };
    if let Some(loaded) = preloaded {
        judge(spec, plans, &loaded, &mut outcome);
        return (Arc::new(outcome), Some(Arc::clone(&loaded.source)));
    }
    // A large Terraform plan JSON is read as a stream and judged a part at a time: neither
    // its text nor all its resources are held at once (nor cached: a plan's result depends on
    // its `.tf` sources).
    if let Some(stream) = input::terraform::plan::Stream::open(input, spec.overlay, &options) {
        let mut parts = Vec::new();
        let streamed = stream.run(&mut |part| {
            let mut judged = FileOutcome::new(input);
            judge(spec, plans, &part, &mut judged);
            parts.push(judged);
        });
        // Not a plan after all (nothing judged): read as a whole below.
        if streamed != Ok(input::terraform::plan::Streamed::NotAPlan) {
            merge(&mut outcome, parts);
            if let Err(p) = streamed {
                outcome.problems.push(p);
                outcome.report.status = FileStatus::Failed;
            }
            // Its text was not kept: no code frames, no hash in the evidence.
            return (Arc::new(outcome), None);
        }
    }
    let read = match spec.cache {
        Some((cache, fingerprint)) => {
            cache
                .read(input, stdin, spec.overlay, spec.policy)
                .map(|(source, digest)| {
                    let key = super::cache::key(fingerprint, &source.name, &digest);
                    (source, Some(key))
                })
        }
        None => input::read_in(input, stdin, spec.overlay, spec.policy).map(|s| (s, None)),
    };
    let (source, key) = match read {
        Ok(read) => read,
        Err(p) => {
            outcome.report.status = FileStatus::Failed;
            outcome.problems.push(p);
            return (Arc::new(outcome), None);
        }
    };
    if let (Some((cache, _)), Some(key)) = (spec.cache, &key)
        && let Some(hit) = cache.get(key)
    {
        return (hit, Some(source));
    }
    if let Some(parts) = input::parts(&source, PART) {
        // A large file is streamed: a few parts at a time are parsed (in order: the file's
        // budgets run on from part to part), judged on all cores and let go; the parts'
        // results are put together in order.
        let mut parse = input::yaml::FileParse::default();
        let mut judged = Vec::with_capacity(parts.len());
        for wave in parts.chunks(WAVE) {
            let loaded: Vec<LoadedFile> = wave
                .iter()
                .map(|chunks| input::load_part(Arc::clone(&source), chunks, &mut parse, &options))
                .collect();
            judged.par_extend(loaded.into_par_iter().map(|loaded| {
                let mut part = FileOutcome::new(input);
                judge(spec, plans, &loaded, &mut part);
                part
            }));
        }
        merge(&mut outcome, judged);
    } else {
        let loaded = input::load_with(Arc::clone(&source), &options);
        judge(spec, plans, &loaded, &mut outcome);
    }
    // In report order within the file (by position, control, message): the scan's sort then
    // mostly merges files that are already in order.
    outcome.findings.sort_by(|a, b| {
        (a.location.range, &a.control, &a.message).cmp(&(b.location.range, &b.control, &b.message))
    });
    // Only a result that is cached has an identity: one with a plugin failure may come out
    // differently next time.
    outcome.identity = key
        .as_deref()
        .filter(|_| outcome.cacheable())
        .map(Arc::from);
    let outcome = Arc::new(outcome);
    if let (Some((cache, _)), Some(key)) = (spec.cache, &key)
        && outcome.cacheable()
    {
        cache.put(key, &outcome);
    }
    (outcome, Some(source))
}

/// Put the results of a file's parts together, in order: documents are numbered across the
/// parts.
fn merge(outcome: &mut FileOutcome, parts: Vec<FileOutcome>) {
    let mut failed = false;
    let mut first_skip = None;
    // Room for every part at once: a file's findings are not copied again and again as they
    // grow.
    outcome
        .findings
        .reserve(parts.iter().map(|p| p.findings.len()).sum());
    outcome
        .facts
        .reserve(parts.iter().map(|p| p.facts.len()).sum());
    outcome
        .docs
        .reserve(parts.iter().map(|p| p.docs.len()).sum());
    outcome
        .located
        .reserve(parts.iter().map(|p| p.located.len()).sum());
    for mut part in parts {
        let base = outcome.docs.len() as u32;
        failed |= part.report.status == FileStatus::Failed;
        if let FileStatus::Skipped { reason } = &part.report.status {
            first_skip.get_or_insert_with(|| reason.clone());
        }
        for fact in &mut part.facts {
            fact.document += base;
        }
        for l in &mut part.located {
            l.document += base;
        }
        outcome.report.documents += part.report.documents;
        outcome
            .report
            .skipped_documents
            .append(&mut part.report.skipped_documents);
        outcome.findings.append(&mut part.findings);
        outcome.notes.append(&mut part.notes);
        outcome.problems.append(&mut part.problems);
        outcome.facts.append(&mut part.facts);
        outcome.docs.append(&mut part.docs);
        outcome.located.append(&mut part.located);
        outcome.kinds.append(&mut part.kinds);
        outcome.components.append(&mut part.components);
        for meta in part.declared {
            if !outcome.declared.iter().any(|d| d.id == meta.id) {
                outcome.declared.push(meta);
            }
        }
    }
    outcome.report.status = if failed {
        FileStatus::Failed
    } else if outcome.docs.is_empty() {
        FileStatus::Skipped {
            reason: first_skip.unwrap_or_else(|| "no documents (empty file)".to_owned()),
        }
    } else {
        FileStatus::Scanned
    };
}

/// Run every plan on a loaded file.
fn judge(
    spec: &ScanSpec<'_>,
    plans: &[PluginPlan<'_>],
    loaded: &LoadedFile,
    outcome: &mut FileOutcome,
) {
    outcome.docs = loaded
        .documents
        .iter()
        .map(|d| DocRef {
            hints: Arc::clone(&d.hints),
            template: d.template.clone(),
            prefix: d.prefix.clone(),
            // Filled below for the documents facts name: only `finish` needs it.
            containers: Vec::new(),
            kept: (d.format == Format::Terraform)
                .then(|| (Arc::clone(&d.spans), Arc::clone(&loaded.source.name))),
        })
        .collect();
    outcome.report.documents = loaded.documents.len();
    outcome.kinds = loaded
        .documents
        .iter()
        .map(|d| {
            (
                d.format.name().to_owned(),
                d.hints.kind.clone().unwrap_or_default(),
            )
        })
        .collect();
    outcome.components = loaded
        .documents
        .iter()
        .filter(|d| d.hints.kind.as_deref() == Some("Pod"))
        .filter_map(|d| locate::component_of(&d.value))
        .collect();
    outcome.report.skipped_documents.clone_from(&loaded.skipped);
    outcome.problems.extend(loaded.problems.iter().cloned());
    outcome.report.status = if !loaded.problems.is_empty() {
        FileStatus::Failed
    } else if loaded.documents.is_empty() {
        FileStatus::Skipped {
            reason: loaded.skipped.first().map_or_else(
                || "no documents (empty file)".to_owned(),
                |s| s.reason.clone(),
            ),
        }
    } else {
        FileStatus::Scanned
    };

    let resolver = FileResolver { loaded };
    for plan in plans {
        if !plan.runs() {
            continue;
        }
        let batch: Vec<u32> = (0..loaded.documents.len() as u32)
            .filter(|&id| {
                let d = &loaded.documents[id as usize];
                !plan.plugin.dynamic_prefixes.is_empty()
                    || plan
                        .controls
                        .iter()
                        .any(|c| c.receives(d.format.name(), d.hints.kind.as_deref()))
            })
            .collect();
        if batch.is_empty() {
            continue;
        }
        let valid: FxHashSet<u32> = batch.iter().copied().collect();
        // Large files are judged in shards on all cores; each shard's answer is absorbed in
        // order, so the result does not depend on the split.
        let answers: Vec<_> = batch
            .par_chunks(SHARD)
            .map(|shard| {
                let docs: Vec<wit::Document> = shard
                    .iter()
                    .map(|&id| {
                        wit_document(id, &loaded.source.name, &loaded.documents[id as usize])
                    })
                    .collect();
                run_check(plan, &docs)
            })
            .collect();
        for (out, failed) in answers.into_iter().flatten() {
            match out {
                Ok(mut out) => {
                    let declared = declare(plan, spec, &mut out, outcome);
                    for fact in std::mem::take(&mut out.facts) {
                        if !valid.contains(&fact.document) {
                            continue;
                        }
                        for pointer in &fact.pointers {
                            if let Some((location, exact)) = resolver.locate(fact.document, pointer)
                            {
                                outcome.located.push(Located {
                                    document: fact.document,
                                    pointer: pointer.clone(),
                                    location,
                                    exact,
                                });
                            }
                        }
                        outcome.facts.push(FactOut {
                            plugin: plan.plugin.info.name.clone(),
                            control: fact.control,
                            document: fact.document,
                            data: fact.data,
                            pointers: fact.pointers,
                            groups: fact.groups,
                        });
                    }
                    let (findings, notes, problems) = absorb(
                        plan,
                        out,
                        &|id| valid.contains(&id),
                        &plan.ids,
                        &declared,
                        &resolver,
                    );
                    outcome.findings.extend(findings);
                    outcome.notes.extend(notes);
                    outcome.problems.extend(problems);
                }
                Err(failure) => {
                    let (range, what) = failed.and_then(|id| resolver.doc(id)).map_or_else(
                        || (None, String::new()),
                        |d| {
                            let r = d.spans.get(&d.prefix).or_else(|| d.spans.get(""));
                            (r, format!(" on {}", describe(&d.hints)))
                        },
                    );
                    let mut p = Problem::new(ProblemKind::Plugin, format!("{failure}{what}"))
                        .in_file(&*loaded.source.name)
                        .from_plugin(plan.plugin.info.name.clone());
                    if let Some(r) = range {
                        p = p.at(r);
                    }
                    outcome.problems.push(p);
                    outcome.report.status = FileStatus::Failed;
                }
            }
        }
    }
    // The cross-document phase can report on the documents facts name: keep their containers'
    // names (for waiver scopes) and nothing more for the others.
    let named: FxHashSet<u32> = outcome.facts.iter().map(|f| f.document).collect();
    for (ordinal, doc) in outcome.docs.iter_mut().enumerate() {
        if named.contains(&(ordinal as u32)) {
            doc.containers = locate::containers_of(&loaded.documents[ordinal].value);
        } else {
            // Only facts bring a document back in `finish`: the others' spans can go (a
            // streamed plan's would otherwise add up over the whole plan).
            doc.kept = None;
        }
    }
}

/// Take the controls a plugin declared from its inputs: each must lie under one of its
/// dynamic prefixes (else the answer is invalid); those the selection admits are kept. Returns
/// the controls the answer may report on besides the plugin's own.
fn declare(
    plan: &PluginPlan<'_>,
    spec: &ScanSpec<'_>,
    out: &mut wit::CheckOutput,
    outcome: &mut FileOutcome,
) -> Vec<ControlMeta> {
    let mut admitted = Vec::new();
    for c in std::mem::take(&mut out.controls) {
        let name = &plan.plugin.info.name;
        let wrong = if plan
            .plugin
            .dynamic_prefixes
            .iter()
            .any(|p| c.id.starts_with(p.as_str()))
        {
            crate::runtime::check_control_id(&c.id)
                .err()
                .map(|why| format!("declares control {:?} that {why}", c.id))
        } else {
            Some(format!(
                "declares control {:?} outside its dynamic prefixes",
                c.id
            ))
        };
        if let Some(wrong) = wrong {
            outcome.problems.push(
                Problem::new(ProblemKind::Plugin, Failure::Invalid(wrong).to_string())
                    .from_plugin(name.clone()),
            );
            out.findings.retain(|f| f.control != c.id);
            out.notes.retain(|n| n.control != c.id);
            continue;
        }
        let mut meta = ControlMeta::from_wit(c, name);
        let lookup = |id: &str| {
            spec.plugins
                .iter()
                .flat_map(|p| &p.controls)
                .find(|c| c.id == id && c.stands_for().is_none())
                .cloned()
        };
        if let Err(why) = meta.inherit(&lookup) {
            outcome
                .problems
                .push(Problem::new(ProblemKind::Plugin, why).from_plugin(name.clone()));
        }
        if (spec.admits_dynamic)(&meta.id) {
            if !outcome.declared.iter().any(|d| d.id == meta.id) {
                outcome.declared.push(meta.clone());
            }
            admitted.push(meta);
        } else {
            // Not selected: its findings are dropped, as a static control's would not run.
            out.findings.retain(|f| f.control != meta.id);
            out.notes.retain(|n| n.control != meta.id);
            out.facts.retain(|f| f.control != meta.id);
        }
    }
    admitted
}

fn describe(h: &Hints) -> String {
    format!(
        "{} '{}'",
        h.kind.as_deref().unwrap_or("document"),
        h.name.as_deref().unwrap_or("")
    )
}

fn wit_format(f: Format) -> wit::Format {
    match f {
        Format::K8s => wit::Format::K8s,
        Format::Terraform => wit::Format::Terraform,
        Format::Kubelet => wit::Format::Kubelet,
        Format::Trivy => wit::Format::Trivy,
        Format::Dockerfile => wit::Format::Dockerfile,
    }
}

fn wit_document(id: u32, uri: &str, doc: &LoadedDoc) -> wit::Document {
    wit::Document {
        id,
        uri: uri.to_owned(),
        format: wit_format(doc.format),
        hints: wit::KindHints {
            api_version: doc.hints.api_version.clone(),
            kind: doc.hints.kind.clone(),
            namespace: doc.hints.namespace.clone(),
            name: doc.hints.name.clone(),
            labels: doc.hints.labels.clone(),
        },
        json: doc.value.to_string(),
    }
}

/// Call `check` on a batch; if it fails, call it again document by document on fresh
/// instances so a failure names its document and the other documents still get checked.
/// A plugin that keeps timing out or running out of memory is not called again.
fn run_check(
    plan: &PluginPlan<'_>,
    batch: &[wit::Document],
) -> Vec<(Result<wit::CheckOutput, Failure>, Option<u32>)> {
    let disabled = || plan.failures.load(Ordering::Relaxed) >= MAX_HARD_FAILURES;
    let refused = || {
        Failure::Refused(format!(
            "not run: disabled after {MAX_HARD_FAILURES} timeouts or memory failures in this scan"
        ))
    };
    let note_failure = |f: &Failure| {
        if matches!(f, Failure::Timeout(_) | Failure::OutOfMemory(_)) {
            plan.failures.fetch_add(1, Ordering::Relaxed);
        }
    };
    if disabled() {
        return vec![(Err(refused()), None)];
    }
    match plan.plugin.check(batch, &plan.ids) {
        Ok(out) => vec![(Ok(out), None)],
        Err(f) if batch.len() == 1 => {
            note_failure(&f);
            vec![(Err(f), Some(batch[0].id))]
        }
        Err(f) => {
            note_failure(&f);
            batch
                .iter()
                .map(|doc| {
                    if disabled() {
                        return (Err(refused()), Some(doc.id));
                    }
                    let r = plan.plugin.check(std::slice::from_ref(doc), &plan.ids);
                    if let Err(f) = &r {
                        note_failure(f);
                    }
                    (r, Some(doc.id))
                })
                .collect()
        }
    }
}

fn valid_pointer(p: &str) -> bool {
    p.is_empty() || p.starts_with('/')
}

/// Turn a plugin's answer into findings, notes and problems, checking that it only speaks of
/// its own requested (or declared) controls, documents of the batch and well-formed pointers.
/// A finding keeps at most [`MAX_RELATED`] related places; its message says how many more.
pub fn absorb(
    plan: &PluginPlan<'_>,
    out: wit::CheckOutput,
    valid_doc: &dyn Fn(u32) -> bool,
    requested: &[String],
    declared: &[ControlMeta],
    resolver: &dyn Resolver,
) -> (Vec<Finding>, Vec<Note>, Vec<Problem>) {
    let plugin = &plan.plugin.info.name;
    let mut findings = Vec::new();
    let mut notes = Vec::new();
    let mut problems = Vec::new();
    // The same fix (control, edits, document prefix) is kept once.
    let mut fixes: rustc_hash::FxHashMap<String, Arc<FixOut>> = rustc_hash::FxHashMap::default();
    let invalid = |m: String| {
        Problem::new(ProblemKind::Plugin, Failure::Invalid(m).to_string())
            .from_plugin(plugin.clone())
    };
    let meta_of = |id: &str| {
        plan.controls
            .iter()
            .copied()
            .find(|c| c.id == id && requested.iter().any(|r| r == id))
            .or_else(|| declared.iter().find(|c| c.id == id))
    };
    for f in out.findings {
        let Some(meta) = meta_of(&f.control) else {
            problems.push(invalid(format!(
                "finding for control '{}' it was not asked to run",
                f.control
            )));
            continue;
        };
        if !valid_doc(f.document) || !valid_pointer(&f.pointer) {
            problems.push(invalid(format!(
                "finding for {} names document {} / pointer '{}' that is not in its input",
                f.control, f.document, f.pointer
            )));
            continue;
        }
        let (Some((hints, template, prefix)), Some((location, exact))) = (
            resolver.object(f.document),
            resolver.locate(f.document, &f.pointer),
        ) else {
            problems.push(invalid(format!(
                "finding for {} names an unknown document",
                f.control
            )));
            continue;
        };
        let mut related = Vec::new();
        let sent = f.related.len();
        for r in f.related.into_iter().take(MAX_RELATED) {
            if valid_doc(r.document)
                && valid_pointer(&r.pointer)
                && let Some((location, _)) = resolver.locate(r.document, &r.pointer)
            {
                related.push(RelatedOut {
                    location,
                    message: r.message,
                });
            }
        }
        let total = (f.related_total as usize).max(sent);
        // A finding inside a followed Terraform module names the call that instantiated it.
        let via = format!("/{}", input::terraform::VIA);
        if let Some((call, true)) = resolver.locate(f.document, &via)
            && call.file != location.file
        {
            related.push(RelatedOut {
                location: Location {
                    pointer: String::new(),
                    ..call
                },
                message: format!(
                    "{} is made by this module call",
                    hints.name.as_deref().unwrap_or("the block")
                ),
            });
        }
        // A Terraform value used away from where it was written (a variable's default, a
        // tfvars line, a module input) names that place too.
        let written = format!("/{}{}", input::terraform::ORIGIN, f.pointer);
        if let Some((origin, true)) = resolver.locate(f.document, &written)
            && (origin.file != location.file || origin.range != location.range)
        {
            related.push(RelatedOut {
                location: Location {
                    pointer: String::new(),
                    ..origin
                },
                message: input::terraform::ORIGIN_MESSAGE.to_owned(),
            });
        }
        // ... and the places it passed through (a local, a variable's declaration, a module
        // call's argument), recorded for the argument it belongs to.
        let mut at = f.pointer.as_str();
        loop {
            let key = at
                .trim_start_matches('/')
                .replace('~', "~0")
                .replace('/', "~1");
            let mut hops = 0;
            while let Some((hop, true)) = resolver.locate(
                f.document,
                &format!("/{}/{key}/{hops}", input::terraform::VIA_CHAIN),
            ) {
                related.push(RelatedOut {
                    location: Location {
                        pointer: String::new(),
                        ..hop
                    },
                    message: input::terraform::VIA_MESSAGE.to_owned(),
                });
                hops += 1;
            }
            match at.rfind('/') {
                Some(i) if hops == 0 && !key.is_empty() => at = &at[..i],
                _ => break,
            }
        }
        let mut message = f.message;
        let more = total.saturating_sub(sent.min(MAX_RELATED));
        if more > 0 {
            message.push_str(&format!(" (and {more} more related places)"));
        }
        let fix = match f.fix {
            None => None,
            Some(fix) => {
                let key = fix_key(&fix, prefix);
                if let Some(known) = fixes.get(&key) {
                    Some(Arc::clone(known))
                } else {
                    match convert_fix(fix, prefix) {
                        Ok(fix) => {
                            let fix = Arc::new(fix);
                            fixes.insert(key, Arc::clone(&fix));
                            Some(fix)
                        }
                        Err(m) => {
                            problems.push(invalid(m));
                            None
                        }
                    }
                }
            }
        };
        let properties = match f.properties.as_deref().map(serde_json::from_str) {
            None => None,
            Some(Ok(serde_json::Value::Object(map))) => Some(Box::new(map)),
            Some(_) => {
                problems.push(invalid(format!(
                    "finding for {} has properties that are not a JSON object",
                    f.control
                )));
                continue;
            }
        };
        let container = resolver.container(f.document, &f.pointer);
        findings.push(Finding {
            properties,
            container,
            status: FindingStatus::Open,
            waiver: None,
            control: f.control,
            severity: meta.severity,
            enforcement: f
                .enforcement
                .map_or(meta.enforcement, Enforcement::from_wit),
            message,
            location,
            exact,
            object: Arc::clone(hints),
            template: template.map(str::to_owned),
            fix,
            related,
            related_total: (more > 0).then_some(total),
            plugin: plugin.clone(),
        });
    }
    for n in out.notes {
        if meta_of(&n.control).is_none() {
            problems.push(invalid(format!(
                "note for control '{}' it was not asked to run",
                n.control
            )));
            continue;
        }
        let location = n
            .document
            .filter(|d| valid_doc(*d))
            .and_then(|d| resolver.locate(d, &n.pointer))
            .map(|(l, _)| l);
        notes.push(Note {
            control: n.control,
            kind: match n.kind {
                wit::NoteKind::NotApplicable => NoteKind::NotApplicable,
                wit::NoteKind::NotEvaluated => NoteKind::NotEvaluated,
                wit::NoteKind::Partial => NoteKind::Partial,
            },
            reason: n.reason,
            location,
        });
    }
    (findings, notes, problems)
}

/// What tells two of a plugin's fixes apart (with the document prefix they are made absolute
/// under).
fn fix_key(fix: &wit::Fix, prefix: &str) -> String {
    let mut key = format!("{prefix}\0{}\0", fix.description);
    for e in &fix.edits {
        match e {
            wit::Edit::Set((p, v)) => {
                key.push_str("set\0");
                key.push_str(p);
                key.push('\0');
                key.push_str(v);
            }
            wit::Edit::Remove(p) => {
                key.push_str("remove\0");
                key.push_str(p);
            }
        }
        key.push('\0');
    }
    key
}

fn convert_fix(fix: wit::Fix, prefix: &str) -> Result<FixOut, String> {
    // A fix edits a value inside the document: its pointer starts with `/` (a bare token
    // would be applied at the document root).
    let mut pointers = fix.edits.iter().map(|e| match e {
        wit::Edit::Set((p, _)) | wit::Edit::Remove(p) => p,
    });
    if let Some(bad) = pointers.find(|p| !p.starts_with('/')) {
        return Err(format!(
            "fix pointer '{bad}' is not a JSON pointer into the document (it must start with '/')"
        ));
    }
    let edits = fix
        .edits
        .into_iter()
        .map(|e| match e {
            wit::Edit::Set((pointer, value)) => {
                let value = serde_json::from_str(&value)
                    .map_err(|e| format!("fix value is not JSON: {e}"))?;
                Ok(FixEdit::Set {
                    pointer: format!("{prefix}{pointer}"),
                    value,
                })
            }
            wit::Edit::Remove(pointer) => Ok(FixEdit::Remove {
                pointer: format!("{prefix}{pointer}"),
            }),
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(FixOut {
        description: fix.description,
        edits,
    })
}
