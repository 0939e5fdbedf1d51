//! A scan: load every input in parallel, run the selected controls of every plugin on it,
//! turn pointers into ranges, then run the cross-document controls once over the facts of the
//! whole scan. Every file and every plugin ends up accounted for.

use std::collections::{BTreeMap, HashSet};

// The scan's maps are keyed by small integers and pointers, hashed millions of times on a
// large scan: FxHash, not SipHash (no untrusted keys choose these: they are ours).
use rustc_hash::{FxHashMap as HashMap, FxHashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

use rayon::prelude::*;
use serde::Serialize;

use crate::input::spans::SpanIndex;
use crate::input::{self, Format, Hints, Input, LoadedDoc, LoadedFile, SkippedDoc};
use crate::problem::{Problem, ProblemKind};
use crate::runtime::bindings::wit;
use crate::runtime::{ControlMeta, Failure, Plugin, PluginInfo, Scope, Severity};
use crate::source::{Range, SourceFile};

/// After this many timeouts or memory failures a plugin is not called again in this scan.
const MAX_HARD_FAILURES: usize = 3;

/// How a file fared.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "status")]
pub enum FileStatus {
    /// Its Kubernetes objects were checked.
    Scanned,
    /// Nothing in it was for us.
    Skipped {
        /// Why.
        reason: String,
    },
    /// It (or part of it) could not be read or parsed; the rest was still checked.
    Failed,
}

/// One input file's account.
#[derive(Clone, Debug, Serialize)]
pub struct FileReport {
    /// How reports name it.
    pub name: String,
    /// Outcome.
    #[serde(flatten)]
    pub status: FileStatus,
    /// Objects checked.
    pub documents: usize,
    /// Documents not checked, with reasons.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped_documents: Vec<SkippedDoc>,
    /// Skipped by the input policy (a link leaving the repository, a file under `/proc`):
    /// `--strict` fails on it as `--fail-on-skip` does.
    #[serde(skip)]
    pub refused: bool,
}

impl FileReport {
    /// A path the input policy skipped.
    #[must_use]
    pub fn refused(name: String, reason: String) -> Self {
        Self {
            name,
            status: FileStatus::Skipped { reason },
            documents: 0,
            skipped_documents: Vec::new(),
            refused: true,
        }
    }
}

/// A place in a file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Location {
    /// File name as reports show it.
    pub file: Arc<str>,
    /// Range.
    pub range: Range,
    /// JSON pointer of the value (within the file's YAML document).
    pub pointer: String,
}

/// One edit of a fix, with the pointer made absolute within the YAML document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "op")]
pub enum FixEdit {
    /// Set a value (JSON).
    Set {
        /// Where.
        pointer: String,
        /// The value.
        value: serde_json::Value,
    },
    /// Remove a value.
    Remove {
        /// Where.
        pointer: String,
    },
}

/// A structured fix.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FixOut {
    /// What it does.
    pub description: String,
    /// Its edits.
    pub edits: Vec<FixEdit>,
}

/// A related place.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RelatedOut {
    /// Where.
    #[serde(flatten)]
    pub location: Location,
    /// What is there.
    pub message: String,
}

/// A finding with its source range.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Control ID.
    pub control: String,
    /// Severity.
    pub severity: Severity,
    /// The message (without the control ID).
    pub message: String,
    /// Where.
    #[serde(flatten)]
    pub location: Location,
    /// Whether the pointer itself exists in the source (false: the finding is about a missing
    /// field and points at the object that lacks it).
    pub exact: bool,
    /// The object it is about.
    pub object: Arc<Hints>,
    /// Helm template the document was rendered from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// A machine-applicable fix.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<FixOut>,
    /// Related places.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<RelatedOut>,
    /// The plugin that reported it.
    pub plugin: String,
    /// The container it is about, for a finding inside one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// Open or waived.
    pub status: FindingStatus,
    /// The waiver claimed or granted for it, and what became of it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiver: Option<crate::waivers::Applied>,
}

/// Whether a finding counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingStatus {
    /// It fails the run (at or above `fail-on`).
    #[default]
    Open,
    /// A valid waiver covers it: reported, never hidden, but it does not fail the run.
    Waived,
}

/// What kind of non-finding verdict a note is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NoteKind {
    /// The control does not apply.
    NotApplicable,
    /// A value needed is not known statically.
    NotEvaluated,
    /// Only partly evaluated.
    Partial,
}

/// A control's verdict that is not a finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Note {
    /// Control ID.
    pub control: String,
    /// Kind.
    pub kind: NoteKind,
    /// Why.
    pub reason: String,
    /// Where, if about a document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

/// Everything a scan found out.
#[derive(Debug, Default)]
pub struct ScanResult {
    /// Every input, in order.
    pub files: Vec<FileReport>,
    /// The sources (for code frames), in the order of `files`.
    pub sources: Vec<Option<Arc<SourceFile>>>,
    /// Other files findings point into: a Terraform module's files outside the scan, a
    /// tfvars file, the `.tf` sources of a plan.
    pub referenced: Vec<Arc<SourceFile>>,
    /// Findings, sorted by file, position and control.
    pub findings: Vec<Finding>,
    /// Notes.
    pub notes: Vec<Note>,
    /// Errors.
    pub problems: Vec<Problem>,
    /// The plugins that ran.
    pub plugins: Vec<PluginInfo>,
    /// The controls that ran.
    pub controls: Vec<ControlMeta>,
    /// Lines the plugins logged.
    pub logs: Vec<(String, String)>,
    /// Every waiver and its standing (the register).
    pub waivers: Vec<crate::waivers::RegisterEntry>,
    /// Documents checked, by (format, kind): what each control had to judge.
    pub documents_by_kind: BTreeMap<(String, String), usize>,
    /// Control-plane components whose static pod manifest was in the scan (recognised by
    /// their `component` label or the program they run), for the checklist's evidence.
    pub components: std::collections::BTreeSet<String>,
}

impl ScanResult {
    /// How many documents of the scan a control looks at.
    #[must_use]
    pub fn judged_by(&self, control: &ControlMeta) -> usize {
        self.documents_by_kind
            .iter()
            .filter(|((format, kind), _)| control.applies_to(format, Some(kind)))
            .map(|(_, n)| n)
            .sum()
    }
}

impl ScanResult {
    /// The source of a file that findings name, if it was read.
    #[must_use]
    pub fn source(&self, name: &str) -> Option<&Arc<SourceFile>> {
        self.sources
            .iter()
            .flatten()
            .chain(&self.referenced)
            .find(|s| &*s.name == name)
    }
}

/// What a scan needs besides its inputs.
pub struct ScanSpec<'a> {
    /// Loaded control plugins.
    pub plugins: &'a [&'a Plugin],
    /// The IDs of the controls to run.
    pub selected: &'a HashSet<String>,
    /// Bound on YAML alias expansion.
    pub alias_limit: usize,
    /// Terraform variable values from the command line and configuration.
    pub terraform: &'a input::terraform::Variables,
    /// Where the `.tf` sources of plan JSON files are (`--source-dir`).
    pub plan_sources: Option<&'a std::path::Path>,
    /// Texts that replace files on disk (an editor's buffers).
    pub overlay: Option<&'a input::Overlay>,
    /// The input policy (links, non-regular files, size cap).
    pub policy: &'a input::fs::Policy,
    /// Paths the input policy skipped while finding the inputs: (name, reason).
    pub skipped: &'a [(String, String)],
    /// Told the number of inputs, then once per input done (a progress bar).
    pub progress: Option<&'a (dyn Progress + Sync)>,
}

/// What a scan tells about its progress (the library never prints; the CLI draws a bar).
pub trait Progress: std::fmt::Debug {
    /// The scan will look at this many inputs.
    fn start(&self, inputs: usize);
    /// One more input is done.
    fn advance(&self);
}

/// What the cross-document phase keeps of each document (its parse is let go).
struct DocRef {
    file: usize,
    ordinal: usize,
    hints: Arc<Hints>,
    template: Option<String>,
    prefix: String,
    /// Terraform documents keep their positions (a module's evaluation, or a plan mapped to
    /// its `.tf` sources, is not redone to find a pointer), with their file's name.
    kept: Option<(Arc<SpanIndex>, Arc<str>)>,
    /// `(pointer, name)` of each container of a pod-bearing object (for waiver scopes).
    containers: Vec<(String, String)>,
}

/// The control-plane components a checklist looks for.
pub const COMPONENTS: &[&str] = &[
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "etcd",
];

/// The control-plane component a static pod runs: its `component` label, else the program of
/// its first container's command.
fn component_of(pod: &serde_json::Value) -> Option<String> {
    let label = pod
        .pointer("/metadata/labels/component")
        .and_then(serde_json::Value::as_str);
    let program = pod
        .pointer("/spec/containers/0/command/0")
        .and_then(serde_json::Value::as_str)
        .map(|c| c.rsplit('/').next().unwrap_or(c));
    [label, program]
        .into_iter()
        .flatten()
        .find(|c| COMPONENTS.contains(c))
        .map(str::to_owned)
}

/// Where containers live in the pod-bearing kinds.
const CONTAINER_LISTS: &[&str] = &[
    "/spec",
    "/spec/template/spec",
    "/spec/jobTemplate/spec/template/spec",
    "/template/spec",
];

/// `(pointer, name)` of each container, init container and ephemeral container of a document.
fn containers_of(value: &serde_json::Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for spec in CONTAINER_LISTS {
        let Some(pod) = value.pointer(spec) else {
            continue;
        };
        for list in ["containers", "initContainers", "ephemeralContainers"] {
            let Some(items) = pod.get(list).and_then(serde_json::Value::as_array) else {
                continue;
            };
            for (i, c) in items.iter().enumerate() {
                if let Some(name) = c.get("name").and_then(serde_json::Value::as_str) {
                    out.push((format!("{spec}/{list}/{i}"), name.to_owned()));
                }
            }
        }
    }
    out
}

/// The name of the container a pointer of a document is inside of, read at the pointer's
/// `containers/N` (or `initContainers/N`, `ephemeralContainers/N`).
fn container_name(value: &serde_json::Value, pointer: &str) -> Option<String> {
    let mut end = 0;
    let mut tokens = pointer.split('/').peekable();
    while let Some(t) = tokens.next() {
        end += t.len() + usize::from(end > 0 || !t.is_empty());
        if matches!(t, "containers" | "initContainers" | "ephemeralContainers")
            && let Some(i) = tokens.peek()
            && i.parse::<usize>().is_ok()
        {
            let at = &pointer[..end + 1 + i.len()];
            return value.pointer(at)?.get("name")?.as_str().map(str::to_owned);
        }
    }
    None
}

/// The container a pointer is inside of, by name.
fn container_at<'a>(containers: &'a [(String, String)], pointer: &str) -> Option<&'a str> {
    containers
        .iter()
        .find(|(at, _)| {
            pointer
                .strip_prefix(at.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
        .map(|(_, name)| name.as_str())
}

/// How `absorb` learns where a document's pointers are.
trait Resolver {
    /// The object, Helm template and pointer prefix of a document.
    fn object(&self, id: u32) -> Option<(&Arc<Hints>, Option<&str>, &str)>;
    /// Where a pointer of a document is, and whether it exists itself.
    fn locate(&self, id: u32, pointer: &str) -> Option<(Location, bool)>;
    /// The name of the container a pointer of a document is inside of.
    fn container(&self, id: u32, pointer: &str) -> Option<String>;
}

/// Documents of one loaded file (the per-file phase).
struct FileResolver<'a> {
    base: u32,
    loaded: &'a LoadedFile,
}

impl FileResolver<'_> {
    fn doc(&self, id: u32) -> Option<&LoadedDoc> {
        self.loaded
            .documents
            .get(id.checked_sub(self.base)? as usize)
    }
}

impl Resolver for FileResolver<'_> {
    fn object(&self, id: u32) -> Option<(&Arc<Hints>, Option<&str>, &str)> {
        self.doc(id)
            .map(|d| (&d.hints, d.template.as_deref(), d.prefix.as_str()))
    }

    fn locate(&self, id: u32, pointer: &str) -> Option<(Location, bool)> {
        self.doc(id)
            .map(|d| locate(&self.loaded.source, d, pointer))
    }

    fn container(&self, id: u32, pointer: &str) -> Option<String> {
        container_name(&self.doc(id)?.value, pointer)
    }
}

/// Locations resolved ahead of time (the cross-document phase): those facts declared, and
/// those found by parsing a file again.
struct MapResolver<'a> {
    docs: &'a HashMap<u32, DocRef>,
    located: &'a HashMap<LocationKey, (Location, bool)>,
    extra: HashMap<LocationKey, (Location, bool)>,
}

impl Resolver for MapResolver<'_> {
    fn object(&self, id: u32) -> Option<(&Arc<Hints>, Option<&str>, &str)> {
        self.docs
            .get(&id)
            .map(|d| (&d.hints, d.template.as_deref(), d.prefix.as_str()))
    }

    fn locate(&self, id: u32, pointer: &str) -> Option<(Location, bool)> {
        let key = (id, pointer.to_owned());
        if let Some(found) = self.located.get(&key).or_else(|| self.extra.get(&key)) {
            return Some(found.clone());
        }
        let doc = self.docs.get(&id)?;
        let (spans, name) = doc.kept.as_ref()?;
        let full = format!("{}{}", doc.prefix, pointer);
        let (range, exact, file) = spans.resolve_in(&full).unwrap_or_default();
        Some((
            Location {
                file: Arc::clone(file.unwrap_or(name)),
                range,
                pointer: full,
            },
            exact,
        ))
    }

    fn container(&self, id: u32, pointer: &str) -> Option<String> {
        let doc = self.docs.get(&id)?;
        container_at(&doc.containers, pointer).map(str::to_owned)
    }
}

/// Resolve every (document, pointer) an answer of `finish` names that no fact declared: parse
/// each file concerned
/// again (their parse is deterministic), in parallel, one file per thread at a time, and keep
/// only the locations.
fn resolve_ahead(
    out: &wit::CheckOutput,
    docs: &HashMap<u32, DocRef>,
    located: &HashMap<LocationKey, (Location, bool)>,
    sources: &[Option<Arc<SourceFile>>],
    alias_limit: usize,
) -> HashMap<LocationKey, (Location, bool)> {
    let wanted = out
        .findings
        .iter()
        .flat_map(|f| {
            std::iter::once((f.document, f.pointer.as_str()))
                .chain(f.related.iter().map(|r| (r.document, r.pointer.as_str())))
        })
        .chain(
            out.notes
                .iter()
                .filter_map(|n| n.document.map(|d| (d, n.pointer.as_str()))),
        );
    let mut by_file: BTreeMap<usize, Vec<(u32, usize, &str)>> = BTreeMap::new();
    for (id, pointer) in wanted {
        if located.contains_key(&(id, pointer.to_owned())) {
            continue;
        }
        if let Some(d) = docs.get(&id).filter(|d| d.kept.is_none()) {
            by_file
                .entry(d.file)
                .or_default()
                .push((id, d.ordinal, pointer));
        }
    }
    by_file
        .into_par_iter()
        .flat_map_iter(|(file, wanted)| {
            let loaded = sources
                .get(file)
                .and_then(Option::as_ref)
                .map(|s| input::load(Arc::clone(s), alias_limit));
            wanted
                .into_iter()
                .filter_map(move |(id, ordinal, pointer)| {
                    let loaded = loaded.as_ref()?;
                    let doc = loaded.documents.get(ordinal)?;
                    Some((
                        (id, pointer.to_owned()),
                        locate(&loaded.source, doc, pointer),
                    ))
                })
        })
        .collect()
}

struct FileOutcome {
    report: FileReport,
    source: Option<Arc<SourceFile>>,
    findings: Vec<Finding>,
    notes: Vec<Note>,
    problems: Vec<Problem>,
    facts: Vec<(usize, wit::Fact)>,
    docs: Vec<(u32, DocRef)>,
    /// Locations of the pointers facts declared, resolved while the file was parsed.
    located: Vec<(LocationKey, (Location, bool))>,
    /// Its documents by (format, kind).
    kinds: Vec<(&'static str, String)>,
    /// Control-plane components among its documents.
    components: Vec<String>,
}

/// A pointer of a document.
type LocationKey = (u32, String);

struct PluginPlan<'a> {
    plugin: &'a Plugin,
    controls: Vec<&'a ControlMeta>,
    ids: Vec<String>,
    failures: AtomicUsize,
}

/// Run a scan.
pub fn run(spec: &ScanSpec<'_>, inputs: &[Input], stdin: Option<&Arc<str>>) -> ScanResult {
    let plans: Vec<PluginPlan<'_>> = spec
        .plugins
        .iter()
        .map(|plugin| {
            let controls: Vec<&ControlMeta> = plugin
                .controls
                .iter()
                .filter(|c| spec.selected.contains(&c.id))
                .collect();
            PluginPlan {
                plugin,
                ids: controls.iter().map(|c| c.id.clone()).collect(),
                controls,
                failures: AtomicUsize::new(0),
            }
        })
        .collect();
    let next_id = AtomicU32::new(0);
    if let Some(p) = spec.progress {
        p.start(inputs.len());
    }
    // Terraform is evaluated a module (directory) at a time before the per-file phase.
    let (mut terraform, tf_problems, tf_skipped) =
        input::terraform::load_in(inputs, spec.terraform, spec.overlay, spec.policy);
    let preloaded: Vec<Option<LoadedFile>> =
        (0..inputs.len()).map(|i| terraform.remove(&i)).collect();
    let outcomes: Vec<FileOutcome> = inputs
        .par_iter()
        .zip(preloaded)
        .enumerate()
        .map(|(index, (input, pre))| {
            let outcome = scan_file(spec, &plans, index, input, stdin, &next_id, pre);
            if let Some(p) = spec.progress {
                p.advance();
            }
            outcome
        })
        .collect();

    let mut result = ScanResult {
        plugins: spec.plugins.iter().map(|p| p.info.clone()).collect(),
        controls: plans
            .iter()
            .flat_map(|p| p.controls.iter().map(|c| (*c).clone()))
            .collect(),
        problems: tf_problems,
        ..ScanResult::default()
    };
    let mut facts: Vec<Vec<(usize, usize, wit::Fact)>> = plans.iter().map(|_| Vec::new()).collect();
    let mut doc_refs: HashMap<u32, DocRef> = HashMap::default();
    let mut located: HashMap<LocationKey, (Location, bool)> = HashMap::default();
    for (file, outcome) in outcomes.into_iter().enumerate() {
        result.files.push(outcome.report);
        result.sources.push(outcome.source);
        result.findings.extend(outcome.findings);
        result.notes.extend(outcome.notes);
        result.problems.extend(outcome.problems);
        for (plan, fact) in outcome.facts {
            let ordinal = outcome
                .docs
                .iter()
                .find(|(id, _)| *id == fact.document)
                .map_or(0, |(_, r)| r.ordinal);
            facts[plan].push((file, ordinal, fact));
        }
        doc_refs.extend(outcome.docs);
        result.components.extend(outcome.components);
        for (format, kind) in outcome.kinds {
            *result
                .documents_by_kind
                .entry((format.to_owned(), kind))
                .or_default() += 1;
        }
        located.extend(outcome.located);
    }
    // What the input policy skipped is listed with its reason, once.
    for (name, reason) in spec.skipped.iter().cloned().chain(tf_skipped) {
        if result.files.iter().all(|f| f.name != name) {
            result.files.push(FileReport::refused(name, reason));
            result.sources.push(None);
        }
    }

    // `finish` runs once per scan-scope control, each on its own instance, in parallel: a
    // control only ever sees its own facts, and one control's slow reduction (a finding for
    // each of 100,000 workloads) does not wait for another's.
    let mut jobs: Vec<(usize, String, Vec<wit::Fact>)> = Vec::new();
    for (index, (plan, mut plan_facts)) in plans.iter().zip(facts).enumerate() {
        if plan.failures.load(Ordering::Relaxed) >= MAX_HARD_FAILURES {
            continue;
        }
        plan_facts.sort_by_key(|(file, ordinal, _)| (*file, *ordinal));
        let first = jobs.len();
        jobs.extend(
            plan.controls
                .iter()
                .filter(|c| c.scope == Scope::Scan)
                .map(|c| (index, c.id.clone(), Vec::new())),
        );
        for (_, _, fact) in plan_facts {
            if let Some(job) = jobs[first..].iter_mut().find(|j| j.1 == fact.control) {
                job.2.push(fact);
            }
        }
    }
    let answers: Vec<_> = jobs
        .par_iter()
        .map(|(plan, id, facts)| plans[*plan].plugin.finish(facts, std::slice::from_ref(id)))
        .collect();
    let valid: FxHashSet<u32> = doc_refs.keys().copied().collect();
    for ((plan, id, _), answer) in jobs.iter().zip(answers) {
        let plan = &plans[*plan];
        match answer {
            Ok(out) => {
                let resolver = MapResolver {
                    extra: resolve_ahead(
                        &out,
                        &doc_refs,
                        &located,
                        &result.sources,
                        spec.alias_limit,
                    ),
                    located: &located,
                    docs: &doc_refs,
                };
                let requested = std::slice::from_ref(id);
                let (findings, notes, problems) = absorb(plan, out, &valid, requested, &resolver);
                result.findings.extend(findings);
                result.notes.extend(notes);
                result.problems.extend(problems);
            }
            Err(failure) => result.problems.push(
                Problem::new(
                    ProblemKind::Plugin,
                    format!("{failure} while judging the scan as a whole (finish, {id})"),
                )
                .from_plugin(plan.plugin.info.name.clone()),
            ),
        }
    }
    for plan in &plans {
        for line in plan.plugin.take_logs() {
            result.logs.push((plan.plugin.info.name.clone(), line));
        }
    }

    let order: HashMap<&str, usize> = result
        .files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.name.as_str(), i))
        .collect();
    let file_rank = |name: &str| order.get(name).copied().unwrap_or(usize::MAX);
    result.findings.sort_by(|a, b| {
        (
            file_rank(&a.location.file),
            a.location.range,
            &a.control,
            &a.message,
        )
            .cmp(&(
                file_rank(&b.location.file),
                b.location.range,
                &b.control,
                &b.message,
            ))
    });
    result.findings.dedup();
    result.notes.sort_by(|a, b| {
        let ka = a.location.as_ref().map(|l| (file_rank(&l.file), l.range));
        let kb = b.location.as_ref().map(|l| (file_rank(&l.file), l.range));
        (ka, &a.control, a.kind, &a.reason).cmp(&(kb, &b.control, b.kind, &b.reason))
    });
    result.notes.dedup();
    result
        .problems
        .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    result.referenced = referenced_sources(&result);
    result
}

/// Read the files findings and notes point into that are not inputs of the scan (for code
/// frames). A file that cannot be read is simply shown without a frame.
fn referenced_sources(result: &ScanResult) -> Vec<Arc<SourceFile>> {
    let known: HashSet<&str> = result.files.iter().map(|f| f.name.as_str()).collect();
    let wanted: std::collections::BTreeSet<&str> = result
        .findings
        .iter()
        .map(|f| &*f.location.file)
        .chain(
            result
                .notes
                .iter()
                .filter_map(|n| n.location.as_ref().map(|l| &*l.file)),
        )
        .filter(|name| !known.contains(name))
        .collect();
    wanted
        .into_iter()
        .filter_map(|name| {
            // Through the input policy: a file named by a finding is still not read unbounded.
            let text = input::fs::Policy::default()
                .read(std::path::Path::new(name))
                .ok()?;
            Some(Arc::new(SourceFile::new(
                crate::source::Origin::File(name.into()),
                name,
                Arc::from(text),
            )))
        })
        .collect()
}

fn wit_format(f: Format) -> wit::Format {
    match f {
        Format::K8s => wit::Format::K8s,
        Format::Terraform => wit::Format::Terraform,
        Format::Kubelet => wit::Format::Kubelet,
        Format::Trivy => wit::Format::Trivy,
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

fn scan_file(
    spec: &ScanSpec<'_>,
    plans: &[PluginPlan<'_>],
    index: usize,
    input: &Input,
    stdin: Option<&Arc<str>>,
    next_id: &AtomicU32,
    preloaded: Option<LoadedFile>,
) -> FileOutcome {
    let mut outcome = FileOutcome {
        report: FileReport {
            name: input.name.clone(),
            status: FileStatus::Scanned,
            documents: 0,
            skipped_documents: Vec::new(),
            refused: false,
        },
        source: None,
        findings: Vec::new(),
        notes: Vec::new(),
        problems: Vec::new(),
        facts: Vec::new(),
        docs: Vec::new(),
        located: Vec::new(),
        kinds: Vec::new(),
        components: Vec::new(),
    };
    let options = input::LoadOptions {
        alias_limit: spec.alias_limit,
        plan_sources: spec.plan_sources.map(std::path::Path::to_path_buf),
        policy: Arc::new(spec.policy.clone()),
    };
    // A large Terraform plan JSON is read as a stream and judged a part at a time: neither
    // its text nor all its resources are held at once.
    if preloaded.is_none()
        && let Some(stream) = input::terraform::plan::Stream::open(input, spec.overlay, &options)
    {
        let mut first = 0;
        let streamed = stream.run(&mut |part| {
            let n = part.documents.len();
            judge(plans, index, next_id, &mut outcome, part, first);
            first += n;
        });
        // Not a plan after all (nothing judged): read as a whole below.
        if streamed != Ok(input::terraform::plan::Streamed::NotAPlan) {
            // Its text was not kept: no code frames, no hash in the evidence.
            outcome.source = None;
            if let Err(p) = streamed {
                outcome.problems.push(p);
                outcome.report.status = FileStatus::Failed;
            }
            settle(&mut outcome);
            return outcome;
        }
    }
    let loaded = if let Some(loaded) = preloaded {
        loaded
    } else {
        let source = match input::read_in(input, stdin, spec.overlay, spec.policy) {
            Ok(s) => s,
            Err(p) => {
                outcome.report.status = FileStatus::Failed;
                outcome.problems.push(p);
                return outcome;
            }
        };
        input::load_with(source, &options)
    };
    judge(plans, index, next_id, &mut outcome, loaded, 0);
    settle(&mut outcome);
    outcome
}

/// A file's status once all its parts are judged: failed (set on the way), else skipped when
/// it had no documents, else scanned.
fn settle(outcome: &mut FileOutcome) {
    if outcome.report.status == FileStatus::Failed {
        return;
    }
    outcome.report.status = if outcome.report.documents == 0 {
        FileStatus::Skipped {
            reason: outcome.report.skipped_documents.first().map_or_else(
                || "no documents (empty file)".to_owned(),
                |s| s.reason.clone(),
            ),
        }
    } else {
        FileStatus::Scanned
    };
}

/// Judge a loaded file, or one part of a file read as a stream (its documents numbered from
/// `first`), adding to the file's outcome.
fn judge(
    plans: &[PluginPlan<'_>],
    index: usize,
    next_id: &AtomicU32,
    outcome: &mut FileOutcome,
    loaded: LoadedFile,
    first: usize,
) {
    outcome.source = Some(Arc::clone(&loaded.source));
    let base = next_id.fetch_add(loaded.documents.len() as u32, Ordering::Relaxed);
    let docs_before = outcome.docs.len();
    let ids: Vec<u32> = (0..loaded.documents.len() as u32)
        .map(|i| base + i)
        .collect();
    outcome
        .docs
        .extend(ids.iter().enumerate().map(|(ordinal, id)| {
            (
                *id,
                DocRef {
                    file: index,
                    ordinal: first + ordinal,
                    hints: loaded.documents[ordinal].hints.clone(),
                    template: loaded.documents[ordinal].template.clone(),
                    prefix: loaded.documents[ordinal].prefix.clone(),
                    // Filled below for the documents facts name: only `finish` needs it.
                    containers: Vec::new(),
                    kept: (loaded.documents[ordinal].format == Format::Terraform).then(|| {
                        (
                            Arc::clone(&loaded.documents[ordinal].spans),
                            Arc::clone(&loaded.source.name),
                        )
                    }),
                },
            )
        }));
    outcome.report.documents += loaded.documents.len();
    outcome.kinds.extend(
        loaded
            .documents
            .iter()
            .map(|d| (d.format.name(), d.hints.kind.clone().unwrap_or_default())),
    );
    outcome.components.extend(
        loaded
            .documents
            .iter()
            .filter(|d| d.hints.kind.as_deref() == Some("Pod"))
            .filter_map(|d| component_of(&d.value)),
    );
    outcome
        .report
        .skipped_documents
        .extend(loaded.skipped.iter().cloned());
    outcome.problems.extend(loaded.problems.iter().cloned());
    if !loaded.problems.is_empty() {
        outcome.report.status = FileStatus::Failed;
    }

    for (plan_index, plan) in plans.iter().enumerate() {
        if plan.ids.is_empty() {
            continue;
        }
        let batch: Vec<wit::Document> = loaded
            .documents
            .iter()
            .zip(&ids)
            .filter(|(d, _)| {
                plan.controls
                    .iter()
                    .any(|c| c.applies_to(d.format.name(), d.hints.kind.as_deref()))
            })
            .map(|(d, id)| wit_document(*id, &loaded.source.name, d))
            .collect();
        if batch.is_empty() {
            continue;
        }
        let resolver = FileResolver {
            base,
            loaded: &loaded,
        };
        let valid: FxHashSet<u32> = batch.iter().map(|d| d.id).collect();
        for (out, failed) in run_check(plan, &batch) {
            match out {
                Ok(mut out) => {
                    for fact in std::mem::take(&mut out.facts) {
                        if !valid.contains(&fact.document) {
                            continue;
                        }
                        for pointer in &fact.pointers {
                            if let Some(at) = resolver.locate(fact.document, pointer) {
                                outcome.located.push(((fact.document, pointer.clone()), at));
                            }
                        }
                        outcome.facts.push((plan_index, fact));
                    }
                    let (findings, notes, problems) =
                        absorb(plan, out, &valid, &plan.ids, &resolver);
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
    let named: FxHashSet<u32> = outcome.facts.iter().map(|(_, f)| f.document).collect();
    for (id, doc) in &mut outcome.docs[docs_before..] {
        if named.contains(id) {
            doc.containers = containers_of(&loaded.documents[doc.ordinal - first].value);
        } else {
            // Only facts bring a document back in `finish`: the others' spans can go (a
            // streamed plan's would otherwise add up over the whole plan).
            doc.kept = None;
        }
    }
}

fn describe(h: &Hints) -> String {
    format!(
        "{} '{}'",
        h.kind.as_deref().unwrap_or("document"),
        h.name.as_deref().unwrap_or("")
    )
}

/// Call `check` on a batch; if it fails, call it again document by document on fresh
/// instances so a failure names its document and the other documents still get checked.
/// A plugin that keeps timing out or running out of memory is not called again.
fn run_check(
    plan: &PluginPlan<'_>,
    batch: &[wit::Document],
) -> Vec<(Result<wit::CheckOutput, Failure>, Option<u32>)> {
    let disabled = || plan.failures.load(Ordering::Relaxed) >= MAX_HARD_FAILURES;
    let note_failure = |f: &Failure| {
        if matches!(f, Failure::Timeout(_) | Failure::OutOfMemory(_)) {
            plan.failures.fetch_add(1, Ordering::Relaxed);
        }
    };
    if disabled() {
        return vec![(
            Err(Failure::Refused(format!(
                "not run: disabled after {MAX_HARD_FAILURES} timeouts or memory failures in this scan"
            ))),
            None,
        )];
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
                        return (
                            Err(Failure::Refused(format!(
                                "not run: disabled after {MAX_HARD_FAILURES} timeouts or memory failures in this scan"
                            ))),
                            Some(doc.id),
                        );
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
/// its own requested controls, documents of the batch and well-formed pointers.
fn absorb(
    plan: &PluginPlan<'_>,
    out: wit::CheckOutput,
    valid_docs: &FxHashSet<u32>,
    requested: &[String],
    resolver: &dyn Resolver,
) -> (Vec<Finding>, Vec<Note>, Vec<Problem>) {
    let plugin = &plan.plugin.info.name;
    let mut findings = Vec::new();
    let mut notes = Vec::new();
    let mut problems = Vec::new();
    let invalid = |m: String| {
        Problem::new(ProblemKind::Plugin, Failure::Invalid(m).to_string())
            .from_plugin(plugin.clone())
    };
    for f in out.findings {
        let Some(meta) = plan
            .controls
            .iter()
            .find(|c| c.id == f.control && requested.contains(&c.id))
        else {
            problems.push(invalid(format!(
                "finding for control '{}' it was not asked to run",
                f.control
            )));
            continue;
        };
        if !valid_docs.contains(&f.document) || !valid_pointer(&f.pointer) {
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
        for r in f.related {
            if valid_docs.contains(&r.document)
                && valid_pointer(&r.pointer)
                && let Some((location, _)) = resolver.locate(r.document, &r.pointer)
            {
                related.push(RelatedOut {
                    location,
                    message: r.message,
                });
            }
        }
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
        let fix = match f.fix.map(|fix| convert_fix(fix, prefix)).transpose() {
            Ok(fix) => fix,
            Err(m) => {
                problems.push(invalid(m));
                None
            }
        };
        let container = resolver.container(f.document, &f.pointer);
        findings.push(Finding {
            container,
            status: FindingStatus::Open,
            waiver: None,
            control: f.control,
            severity: meta.severity,
            message: f.message,
            location,
            exact,
            object: Arc::clone(hints),
            template: template.map(str::to_owned),
            fix,
            related,
            plugin: plugin.clone(),
        });
    }
    for n in out.notes {
        if !requested.contains(&n.control) {
            problems.push(invalid(format!(
                "note for control '{}' it was not asked to run",
                n.control
            )));
            continue;
        }
        let location = n
            .document
            .filter(|d| valid_docs.contains(d))
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

fn locate(source: &SourceFile, doc: &LoadedDoc, pointer: &str) -> (Location, bool) {
    let full = format!("{}{}", doc.prefix, pointer);
    let (range, exact, file) = doc.spans.resolve_in(&full).unwrap_or_default();
    (
        Location {
            file: Arc::clone(file.unwrap_or(&source.name)),
            range,
            pointer: full,
        },
        exact,
    )
}

fn convert_fix(fix: wit::Fix, prefix: &str) -> Result<FixOut, String> {
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

#[cfg(test)]
mod container_tests {
    #[test]
    fn container_of_a_pointer() {
        let v = serde_json::json!({"spec": {"template": {"spec": {
            "containers": [{"name": "a"}, {"name": "b"}], "initContainers": [{"name": "i"}]}}}});
        let name = |p: &str| super::container_name(&v, p);
        assert_eq!(
            name("/spec/template/spec/containers/1/securityContext/privileged").as_deref(),
            Some("b")
        );
        assert_eq!(
            name("/spec/template/spec/initContainers/0").as_deref(),
            Some("i")
        );
        assert_eq!(name("/spec/template/spec/hostNetwork"), None);
        let list = super::containers_of(&v);
        assert_eq!(
            super::container_at(&list, "/spec/template/spec/containers/0/image"),
            Some("a")
        );
    }
}
