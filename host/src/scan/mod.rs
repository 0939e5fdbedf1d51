//! The engine: a scan goes through one phase per module, each a hop away.
//!
//! 1. **read and parse** — [`crate::input`] finds the files ([`crate::input::discover`]) and
//!    loads each into documents with positions ([`crate::input::load_with`]); Terraform is
//!    evaluated a module at a time first.
//! 2. **judge per file** — [`judge`]: every plugin's `check` on the file's documents (sharded
//!    over all cores), pointers turned into ranges while the file is parsed. The result of a
//!    file ([`judge::FileOutcome`]: findings, notes, errors and the compact *facts* it gives
//!    cross-document controls) is looked up in and stored into the result [`cache`] under a key
//!    of everything it was computed from. The file's parse is dropped right after.
//! 3. **cross-document** — [`cross`]: the scan-scope controls' `finish`, once per control and
//!    fact *group* (an image repository, a namespace), over the cached facts only.
//! 4. **waive** — [`crate::waivers::apply`], by the session.
//! 5. **report** — [`crate::report`] (one module per format).
//!
//! Every file and every plugin ends up accounted for.

pub mod cache;
pub mod cross;
pub mod judge;
mod locate;
pub mod terraform;
pub mod waiver;

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::input::{self, Hints, Input, SkippedDoc};
use crate::problem::Problem;
use crate::runtime::{ControlMeta, Enforcement, Plugin, PluginInfo, Severity};
use crate::source::{Range, SourceFile};
use judge::{FileOutcome, PluginPlan};

pub use cache::ResultCache;

/// After this many timeouts or memory failures a plugin is not called again in this scan.
const MAX_HARD_FAILURES: usize = 3;

/// The most related places a finding carries; the rest are counted ("and N more").
pub const MAX_RELATED: usize = 10;

/// How a file fared.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FileReport {
    /// How reports name it.
    pub name: String,
    /// Outcome.
    #[serde(flatten)]
    pub status: FileStatus,
    /// Objects checked.
    pub documents: usize,
    /// Documents not checked, with reasons.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    /// File name as reports show it.
    pub file: Arc<str>,
    /// Range.
    pub range: Range,
    /// JSON pointer of the value (within the file's YAML document).
    pub pointer: String,
}

/// One edit of a fix, with the pointer made absolute within the YAML document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixOut {
    /// What it does.
    pub description: String,
    /// Its edits.
    pub edits: Vec<FixEdit>,
}

/// A related place.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelatedOut {
    /// Where.
    #[serde(flatten)]
    pub location: Location,
    /// What is there.
    pub message: String,
}

/// A finding with its source range.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Control ID.
    pub control: String,
    /// Severity.
    pub severity: Severity,
    /// What the finding does to the run: only `deny` counts for the exit code.
    pub enforcement: Enforcement,
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// A machine-applicable fix (shared by the findings whose fix is the same: a control
    /// proposes the same edit for thousands of documents).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<Arc<FixOut>>,
    /// Related places (at most [`MAX_RELATED`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<RelatedOut>,
    /// How many related places there are in all, when more than `related` holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related_total: Option<usize>,
    /// The plugin that reported it.
    pub plugin: String,
    /// The container it is about, for a finding inside one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// Machine-readable properties the plugin attached (`pss: {check, level, version}` of a
    /// Pod Security check).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub properties: Option<Box<serde_json::Map<String, serde_json::Value>>>,
    /// Open or waived.
    pub status: FindingStatus,
    /// The waiver claimed or granted for it, and what became of it (decided after the
    /// cached per-file phase: never read back from the cache).
    #[serde(default, skip_serializing_if = "Option::is_none", skip_deserializing)]
    pub waiver: Option<Box<waiver::Applied>>,
}

impl Finding {
    /// Whether it fails a run at `fail_on`: open, enforced (`deny`) and severe enough.
    #[must_use]
    pub fn fails(&self, fail_on: Severity) -> bool {
        self.status == FindingStatus::Open && self.enforcement.denies() && self.severity >= fail_on
    }
}

/// Whether a finding counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingStatus {
    /// It fails the run (at or above `fail-on`).
    #[default]
    Open,
    /// A valid waiver covers it: reported, never hidden, but it does not fail the run.
    Waived,
}

/// What kind of non-finding verdict a note is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    /// Control ID.
    pub control: String,
    /// Kind.
    pub kind: NoteKind,
    /// Why.
    pub reason: String,
    /// Where, if about a document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
    pub waivers: Vec<waiver::RegisterEntry>,
    /// Documents checked, by (format, kind): what each control had to judge.
    pub documents_by_kind: BTreeMap<(String, String), usize>,
    /// Control-plane components whose static pod manifest was in the scan (recognised by
    /// their `component` label or the program they run), for the checklist's evidence.
    pub components: std::collections::BTreeSet<String>,
    /// How long each phase took (`--verbose` shows them), in the order they ran.
    pub timings: Vec<(&'static str, std::time::Duration)>,
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
    /// Whether a control declared from the inputs (a Gatekeeper constraint) is selected.
    pub admits_dynamic: &'a (dyn Fn(&str) -> bool + Sync),
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
    /// Per-file results, and the fingerprint of everything besides a file's own bytes that
    /// its result depends on (stiglint, plugins, their settings, the selection, the scan
    /// context): `None` computes every file afresh.
    pub cache: Option<(&'a ResultCache, &'a str)>,
}

/// What a scan tells about its progress (the library never prints; the CLI draws a bar).
pub trait Progress: std::fmt::Debug {
    /// The scan will look at this many inputs.
    fn start(&self, inputs: usize);
    /// One more input is done.
    fn advance(&self);
}

/// A file's result, and its source when it was read.
type Judged = (Arc<FileOutcome>, Option<Arc<SourceFile>>);

/// Run a scan.
pub fn run(spec: &ScanSpec<'_>, inputs: &[Input], stdin: Option<&Arc<str>>) -> ScanResult {
    let plans: Vec<PluginPlan<'_>> = spec
        .plugins
        .iter()
        .map(|plugin| PluginPlan::new(plugin, spec))
        .collect();
    if let Some(p) = spec.progress {
        p.start(inputs.len());
    }
    let mut clock = Clock::new();
    // Terraform is evaluated a module (directory) at a time before the per-file phase; its
    // judged results are cached as one unit, with the files they were computed from.
    let tf_inputs = terraform::inputs(inputs);
    let unit_key = spec
        .cache
        .filter(|_| !tf_inputs.is_empty())
        .map(|(cache, fingerprint)| (cache, terraform::key(fingerprint, spec, inputs, &tf_inputs)));
    let hit = unit_key
        .as_ref()
        .and_then(|(cache, key)| terraform::lookup(cache, key, spec, inputs, &tf_inputs));
    let mut cached: Vec<Option<Judged>> = (0..inputs.len()).map(|_| None).collect();
    let (mut loaded_tf, tf_problems, tf_skipped, tf_dirs) = match hit {
        Some((unit, mut sources)) => {
            if let Some((cache, _)) = &unit_key {
                cache.count_hits(unit.outcomes.len());
            }
            let by_name: rustc_hash::FxHashMap<&str, usize> = tf_inputs
                .iter()
                .map(|&i| (inputs[i].name.as_str(), i))
                .collect();
            for (name, outcome) in unit.outcomes {
                if let Some(&i) = by_name.get(name.as_str()) {
                    cached[i] = Some((Arc::new(outcome), sources.remove(&i)));
                }
            }
            (Default::default(), unit.problems, unit.skipped, None)
        }
        None => {
            let (loaded, problems, skipped, dirs) =
                input::terraform::load_in(inputs, spec.terraform, spec.overlay, spec.policy);
            (loaded, problems, skipped, Some(dirs))
        }
    };
    let evaluated: Vec<usize> = (0..inputs.len())
        .filter(|i| loaded_tf.contains_key(i))
        .collect();
    let preloaded: Vec<Option<input::LoadedFile>> =
        (0..inputs.len()).map(|i| loaded_tf.remove(&i)).collect();
    clock.lap("terraform");
    let mut judged: Vec<Judged> = inputs
        .par_iter()
        .zip(preloaded)
        .zip(cached)
        .map(|((input, pre), cached)| {
            let judged = match cached {
                Some(judged) => judged,
                None => judge::scan_file(spec, &plans, input, stdin, pre),
            };
            if let Some(p) = spec.progress {
                p.advance();
            }
            judged
        })
        .collect();
    if let (Some((cache, key)), Some(dirs)) = (&unit_key, tf_dirs) {
        let deps = terraform::deps(&dirs, spec, cache);
        if terraform::cacheable(evaluated.iter().map(|&i| &*judged[i].0)) {
            // Each result's identity (for the cross-document phase) is the unit's.
            let unit_identity = cache::key(key, "terraform unit", &format!("{deps:?}"));
            for &i in &evaluated {
                if let Some(own) = Arc::get_mut(&mut judged[i].0) {
                    own.identity = Some(Arc::from(format!("{unit_identity}/{}", inputs[i].name)));
                }
            }
            let unit = terraform::Unit {
                deps,
                outcomes: evaluated
                    .iter()
                    .map(|&i| (inputs[i].name.clone(), (*judged[i].0).clone()))
                    .collect(),
                problems: tf_problems.clone(),
                skipped: tf_skipped.clone(),
            };
            cache.put_unit(key, &unit);
        }
    }
    clock.lap("read, parse and judge per file");

    let mut result = ScanResult {
        plugins: spec.plugins.iter().map(|p| p.info.clone()).collect(),
        controls: plans
            .iter()
            .flat_map(|p| p.controls.iter().map(|c| (*c).clone()))
            .collect(),
        problems: tf_problems,
        ..ScanResult::default()
    };
    let mut outcomes = Vec::with_capacity(judged.len());
    // Documents by (format, kind), counted without a key of their own each.
    let mut kinds: rustc_hash::FxHashMap<(&str, &str), usize> = rustc_hash::FxHashMap::default();
    for (outcome, _) in &judged {
        for (format, kind) in &outcome.kinds {
            *kinds.entry((format.as_str(), kind.as_str())).or_default() += 1;
        }
    }
    result.documents_by_kind = kinds
        .into_iter()
        .map(|((format, kind), n)| ((format.to_owned(), kind.to_owned()), n))
        .collect();
    // Which file's result each finding came from: most findings are in that file, whose rank
    // is then known without looking its name up.
    let mut origin: Vec<u32> = Vec::new();
    for (mut outcome, source) in judged {
        origin.resize(
            origin.len() + outcome.findings.len(),
            result.files.len() as u32,
        );
        result.files.push(outcome.report.clone());
        result.sources.push(source);
        // A result only this scan holds gives up its findings; one the cache shares (the
        // language server's memory) lends copies.
        if let Some(own) = Arc::get_mut(&mut outcome) {
            if result.findings.is_empty() {
                // One big file's findings are taken as they are, not copied.
                std::mem::swap(&mut result.findings, &mut own.findings);
            } else {
                result.findings.append(&mut own.findings);
            }
            result.notes.append(&mut own.notes);
            result.problems.append(&mut own.problems);
        } else {
            result.findings.extend_from_slice(&outcome.findings);
            result.notes.extend_from_slice(&outcome.notes);
            result.problems.extend_from_slice(&outcome.problems);
        }
        result.components.extend(outcome.components.iter().cloned());
        for meta in &outcome.declared {
            if !result.controls.iter().any(|c| c.id == meta.id) {
                result.controls.push(meta.clone());
            }
        }
        outcomes.push(outcome);
    }
    // What the input policy skipped is listed with its reason, once.
    for (name, reason) in spec.skipped.iter().cloned().chain(tf_skipped) {
        if result.files.iter().all(|f| f.name != name) {
            result.files.push(FileReport::refused(name, reason));
            result.sources.push(None);
        }
    }
    let declared: Vec<ControlMeta> = result
        .controls
        .iter()
        .filter(|c| {
            !plans
                .iter()
                .any(|p| p.controls.iter().any(|own| own.id == c.id))
        })
        .cloned()
        .collect();
    clock.lap("gather");
    let (findings, notes, problems) =
        cross::run(spec, &plans, &outcomes, &result.sources, &declared);
    drop(outcomes);
    if let Some((cache, _)) = spec.cache {
        cache.finish();
    }
    clock.lap("cross-document");
    result.findings.extend(findings);
    result.notes.extend(notes);
    result.problems.extend(problems);
    for plan in &plans {
        for line in plan.plugin.take_logs() {
            result.logs.push((plan.plugin.info.name.clone(), line));
        }
    }

    let order: rustc_hash::FxHashMap<&str, usize> = result
        .files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.name.as_str(), i))
        .collect();
    let file_rank = |name: &str| order.get(name).copied().unwrap_or(usize::MAX);
    result.findings = sorted(std::mem::take(&mut result.findings), |i, f| {
        let known = origin.get(i).and_then(|&o| {
            let source = result.sources.get(o as usize)?.as_ref()?;
            Arc::ptr_eq(&source.name, &f.location.file).then_some(o as usize)
        });
        known.unwrap_or_else(|| file_rank(&f.location.file))
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
    clock.lap("sort");
    result.timings = clock.laps;
    result
}

/// Findings in report order: by file (`rank`, given each finding's index and itself), position,
/// control and message. Sorted on all cores by index, each finding's rank found once, the
/// findings themselves moved once.
fn sorted(
    mut findings: Vec<Finding>,
    rank: impl Fn(usize, &Finding) -> usize + Sync,
) -> Vec<Finding> {
    let ranks: Vec<usize> = findings
        .par_iter()
        .enumerate()
        .map(|(i, f)| rank(i, f))
        .collect();
    let mut order: Vec<usize> = (0..findings.len()).collect();
    order.par_sort_by(|&a, &b| {
        let (fa, fb) = (&findings[a], &findings[b]);
        (ranks[a], fa.location.range, &fa.control, &fa.message).cmp(&(
            ranks[b],
            fb.location.range,
            &fb.control,
            &fb.message,
        ))
    });
    permute(&mut findings, order);
    findings
}

/// Put `items` in `order` (`order[k]` is the index of the item that goes to place `k`) in place,
/// a cycle at a time: no second copy of hundreds of thousands of findings.
fn permute<T>(items: &mut [T], mut order: Vec<usize>) {
    for start in 0..order.len() {
        // Place `k` takes the item at `order[k]`; a place done is marked with its own index.
        let mut k = start;
        while order[k] != start {
            let from = order[k];
            items.swap(k, from);
            order[k] = k;
            k = from;
        }
        order[k] = k;
    }
}

/// Times the phases of a scan.
pub struct Clock {
    last: std::time::Instant,
    /// Each phase and how long it took.
    pub laps: Vec<(&'static str, std::time::Duration)>,
}

impl Default for Clock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock {
    /// A clock whose first phase begins now.
    #[must_use]
    pub fn new() -> Self {
        Self {
            last: std::time::Instant::now(),
            laps: Vec::new(),
        }
    }

    /// The phase `name` ends now (it began when the previous one ended).
    pub fn lap(&mut self, name: &'static str) {
        let now = std::time::Instant::now();
        self.laps.push((name, now - self.last));
        self.last = now;
    }
}

/// Read the files findings and notes point into that are not inputs of the scan (for code
/// frames and their inline waivers), with the files a Terraform finding's value was written
/// in. A file that cannot be read is simply shown without a frame.
fn referenced_sources(result: &ScanResult) -> Vec<Arc<SourceFile>> {
    let known: HashSet<&str> = result.files.iter().map(|f| f.name.as_str()).collect();
    let wanted: std::collections::BTreeSet<&str> = result
        .findings
        .iter()
        .flat_map(|f| {
            // Where a Terraform value was written (a tfvars file) is shown and its inline
            // waivers read, like the finding's own file.
            std::iter::once(&*f.location.file).chain(
                f.related
                    .iter()
                    .filter(|r| r.message == input::terraform::ORIGIN_MESSAGE)
                    .map(|r| &*r.location.file),
            )
        })
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

#[cfg(test)]
mod tests {
    use super::permute;

    #[test]
    fn permute_puts_every_item_where_the_order_says() {
        // Every permutation of five items: place k gets the item at order[k].
        let mut order: Vec<usize> = (0..5).collect();
        let mut seen = 0;
        loop {
            let mut items: Vec<char> = "abcde".chars().collect();
            permute(&mut items, order.clone());
            let want: Vec<char> = order
                .iter()
                .map(|&i| "abcde".as_bytes()[i] as char)
                .collect();
            assert_eq!(items, want, "order {order:?}");
            seen += 1;
            // Next permutation (lexicographic).
            let Some(i) = (0..order.len() - 1)
                .rev()
                .find(|&i| order[i] < order[i + 1])
            else {
                break;
            };
            let j = (i + 1..order.len())
                .rev()
                .find(|&j| order[j] > order[i])
                .unwrap();
            order.swap(i, j);
            order[i + 1..].reverse();
        }
        assert_eq!(seen, 120);
    }
}
