//! The cross-document phase: scan-scope controls judge facts from every file, one group at a
//! time. A fact names its groups (an image repository, a namespace); the host gathers each
//! control's facts by group and calls `finish` once per group, in parallel, so no plugin call
//! ever holds the whole scan and a plugin's memory follows its largest group.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use rayon::prelude::*;
use rustc_hash::{FxHashMap as HashMap, FxHashSet};

use crate::problem::{Problem, ProblemKind};
use crate::runtime::bindings::wit;
use crate::runtime::{ControlMeta, Scope};
use crate::source::SourceFile;

use super::judge::{FileOutcome, PluginPlan, absorb};
use super::locate::{Declared, DocIndex, MapResolver, resolve_ahead};
use super::{Finding, MAX_HARD_FAILURES, Note, ScanSpec};

/// Findings of one `finish` answer turned into findings by one task.
const ABSORB_CHUNK: usize = 4096;

/// A fact, by its file and its index among the file's facts.
type FactRef = (usize, usize);

/// One `finish` call: a plan, a control, a group, and the group's facts in scan order.
struct Job<'a> {
    plan: usize,
    control: &'a str,
    group: &'a str,
    facts: Vec<FactRef>,
}

/// Run the cross-document controls over the facts of every file.
pub fn run(
    spec: &ScanSpec<'_>,
    plans: &[PluginPlan<'_>],
    outcomes: &[Arc<FileOutcome>],
    sources: &[Option<Arc<SourceFile>>],
    declared: &[ControlMeta],
) -> (Vec<Finding>, Vec<Note>, Vec<Problem>) {
    // Scan-wide document IDs: a file's documents follow the previous files' (deterministic:
    // the same inputs give the same IDs, cached or not).
    let mut bases = Vec::with_capacity(outcomes.len());
    let mut next = 0u32;
    for o in outcomes {
        bases.push(next);
        next += o.docs.len() as u32;
    }
    let plan_of: HashMap<&str, usize> = plans
        .iter()
        .enumerate()
        .map(|(i, p)| (p.plugin.info.name.as_str(), i))
        .collect();

    // A plugin's facts are bounded in total (`[limits] facts-mb`): past the budget its
    // cross-document controls do not run, and the run fails (closed).
    let mut problems = Vec::new();
    let mut spent = vec![0usize; plans.len()];
    for fact in outcomes.iter().flat_map(|o| &o.facts) {
        if let Some(&plan) = plan_of.get(fact.plugin.as_str()) {
            spent[plan] += 64
                + fact.control.len()
                + fact.data.len()
                + fact.pointers.iter().map(|p| p.len() + 24).sum::<usize>()
                + fact.groups.iter().map(|g| g.len() + 24).sum::<usize>();
        }
    }
    let over: Vec<bool> = plans
        .iter()
        .zip(&spent)
        .map(|(plan, spent)| *spent > plan.plugin.limits().facts)
        .collect();
    for (plan, _) in plans.iter().zip(&over).filter(|(_, over)| **over) {
        let scan: Vec<&str> = plan
            .controls
            .iter()
            .filter(|c| c.scope == Scope::Scan)
            .map(|c| c.id.as_str())
            .collect();
        problems.push(
            Problem::new(
                ProblemKind::Plugin,
                format!(
                    "kept more than {} MiB of facts for the cross-document phase (raise `facts-mb` under `[limits]` in stiglint.toml); its cross-document controls ({}) did not run",
                    plan.plugin.limits().facts >> 20,
                    scan.join(", ")
                ),
            )
            .from_plugin(plan.plugin.info.name.clone()),
        );
    }
    // With nothing changed, the whole phase's verdicts are read back at once (the disk store):
    // its key is every file's identity that gave facts, in order.
    let phase_key = spec.cache.and_then(|(cache, fingerprint)| {
        cache.keeps_phases().then_some(())?;
        phase_key(fingerprint, plans, outcomes, declared, &over)
    });
    if let (Some((cache, _)), Some(phase)) = (spec.cache, &phase_key)
        && let Some(verdicts) = cache.get_phase(phase)
    {
        let mut out = (Vec::new(), Vec::new(), problems);
        for v in verdicts {
            out.0.extend(v.findings);
            out.1.extend(v.notes);
            out.2.extend(v.problems);
        }
        return out;
    }
    // Every scan-scope control of every plugin that still runs gets at least one call (with no
    // facts, it may still have a word on the scan as a whole).
    let mut groups: BTreeMap<(usize, &str, &str), Vec<FactRef>> = BTreeMap::new();
    for (index, plan) in plans.iter().enumerate() {
        if plan.failures.load(Ordering::Relaxed) >= MAX_HARD_FAILURES || over[index] {
            continue;
        }
        for c in plan.controls.iter().filter(|c| c.scope == Scope::Scan) {
            groups.insert((index, c.id.as_str(), ""), Vec::new());
        }
    }
    let scan_scope = |plan: usize, control: &str| {
        plans[plan]
            .controls
            .iter()
            .map(|c| &**c)
            .chain(
                declared
                    .iter()
                    .filter(|d| d.plugin == plans[plan].plugin.info.name),
            )
            .any(|c| c.id == control && c.scope == Scope::Scan)
    };
    for (file, outcome) in outcomes.iter().enumerate() {
        for (index, fact) in outcome.facts.iter().enumerate() {
            let Some(&plan) = plan_of.get(fact.plugin.as_str()) else {
                continue;
            };
            if plans[plan].failures.load(Ordering::Relaxed) >= MAX_HARD_FAILURES
                || over[plan]
                || !scan_scope(plan, &fact.control)
            {
                continue;
            }
            if fact.groups.is_empty() {
                groups
                    .entry((plan, fact.control.as_str(), ""))
                    .or_default()
                    .push((file, index));
            }
            for group in &fact.groups {
                groups
                    .entry((plan, fact.control.as_str(), group.as_str()))
                    .or_default()
                    .push((file, index));
            }
        }
    }
    // A control with facts in named groups has no need of its empty default call.
    let busy: FxHashSet<(usize, &str)> = groups
        .iter()
        .filter(|((_, _, g), f)| !g.is_empty() && !f.is_empty())
        .map(|((p, c, _), _)| (*p, *c))
        .collect();
    let jobs: Vec<Job<'_>> = groups
        .into_iter()
        .filter(|((p, c, g), f)| !(g.is_empty() && f.is_empty() && busy.contains(&(*p, *c))))
        .map(|((plan, control, group), facts)| Job {
            plan,
            control,
            group,
            facts,
        })
        .collect();

    // A group's verdict is reused while its facts, and the files they came from, are the
    // same: the memory store (the language server) a group at a time, the disk store (the
    // CLI) for the whole phase at once.
    let keys: Vec<Option<String>> = match spec.cache {
        Some((cache, fingerprint)) if cache.keeps_verdicts() => jobs
            .iter()
            .map(|job| job_key(fingerprint, job, plans, outcomes, declared))
            .collect(),
        _ => vec![None; jobs.len()],
    };
    let known: Vec<Option<Arc<Verdict>>> = match spec.cache {
        Some((cache, _)) => keys
            .iter()
            .map(|k| k.as_deref().and_then(|k| cache.get_verdict(k)))
            .collect(),
        None => vec![None; jobs.len()],
    };
    // The documents facts name and the places they declared, by scan-wide ID: a file's
    // documents follow the previous files' (deterministic: the same inputs give the same IDs,
    // cached or not).
    let mut docs = DocIndex {
        docs: HashMap::default(),
    };
    let mut located = Declared::default();
    let mut bases = Vec::with_capacity(outcomes.len());
    // Only the files whose facts are in a group that runs are indexed (an edit in the
    // language server reruns a few groups, not the workspace's).
    let running: FxHashSet<usize> = jobs
        .iter()
        .zip(&known)
        .filter(|(_, k)| k.is_none())
        .flat_map(|(job, _)| job.facts.iter().map(|&(file, _)| file))
        .collect();
    let mut next = 0u32;
    for (file, outcome) in outcomes.iter().enumerate() {
        let base = next;
        bases.push(base);
        next += outcome.docs.len() as u32;
        if !running.contains(&file) {
            continue;
        }
        let named: FxHashSet<u32> = outcome.facts.iter().map(|f| f.document).collect();
        for ordinal in named {
            if let Some(doc) = outcome.docs.get(ordinal as usize) {
                docs.docs.insert(base + ordinal, (file, ordinal, doc));
            }
        }
        for l in &outcome.located {
            located.insert(
                base + l.document,
                l.pointer.clone(),
                (l.location.clone(), l.exact),
            );
        }
    }
    let answers: Vec<Arc<Verdict>> = jobs
        .par_iter()
        .zip(&keys)
        .zip(known)
        .map(|((job, key), known)| {
            if let Some(verdict) = known {
                return verdict;
            }
            let facts: Vec<wit::Fact> = job
                .facts
                .iter()
                .map(|&(file, index)| {
                    let fact = &outcomes[file].facts[index];
                    wit::Fact {
                        control: fact.control.clone(),
                        document: bases[file] + fact.document,
                        data: fact.data.clone(),
                        pointers: fact.pointers.clone(),
                        groups: fact.groups.clone(),
                    }
                })
                .collect();
            let verdict = Arc::new(Verdict::from(judge_group(
                spec, plans, job, &facts, &docs, &located, sources, declared,
            )));
            if let (Some((cache, _)), Some(key)) = (spec.cache, key)
                && verdict.cacheable()
            {
                cache.put_verdict(key, Arc::clone(&verdict));
            }
            verdict
        })
        .collect();
    if let (Some((cache, _)), Some(phase)) = (spec.cache, &phase_key)
        && answers.iter().all(|v| v.cacheable())
    {
        let all: Vec<Verdict> = answers.iter().map(|v| (**v).clone()).collect();
        cache.put_phase(phase, &all);
    }
    let mut findings = Vec::new();
    let mut notes = Vec::new();
    for v in answers {
        findings.extend_from_slice(&v.findings);
        notes.extend_from_slice(&v.notes);
        problems.extend_from_slice(&v.problems);
    }
    (findings, notes, problems)
}

/// What `absorb` made of one group's `finish` answer.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Verdict {
    /// Findings.
    pub findings: Vec<Finding>,
    /// Notes.
    pub notes: Vec<Note>,
    /// Problems.
    pub problems: Vec<Problem>,
}

impl From<(Vec<Finding>, Vec<Note>, Vec<Problem>)> for Verdict {
    fn from((findings, notes, problems): (Vec<Finding>, Vec<Note>, Vec<Problem>)) -> Self {
        Self {
            findings,
            notes,
            problems,
        }
    }
}

impl Verdict {
    /// Whether it may be reused: no plugin failed (a timeout may not happen next time).
    fn cacheable(&self) -> bool {
        !self.problems.iter().any(|p| p.kind == ProblemKind::Plugin)
    }
}

/// The key of a whole cross-document phase: the fingerprint, the plugins' standing (failed,
/// over budget), the declared controls, and the identity of every file that gave facts, in
/// scan order (a file without one makes the phase uncacheable).
fn phase_key(
    fingerprint: &str,
    plans: &[PluginPlan<'_>],
    outcomes: &[Arc<FileOutcome>],
    declared: &[ControlMeta],
    over: &[bool],
) -> Option<String> {
    let mut all = String::new();
    for (plan, over) in plans.iter().zip(over) {
        let failed = plan.failures.load(Ordering::Relaxed) >= MAX_HARD_FAILURES;
        all.push_str(&format!("{}:{failed}:{over}\0", plan.plugin.info.name));
    }
    for d in declared {
        all.push_str(&format!("{d:?}\0"));
    }
    for o in outcomes.iter().filter(|o| !o.facts.is_empty()) {
        all.push_str(o.identity.as_deref()?);
        all.push('\0');
    }
    Some(super::cache::key(
        fingerprint,
        "cross-document phase",
        &super::cache::digest(&all),
    ))
}

/// A group's key: the fingerprint, the plugin, control and group, the controls declared for
/// it, and each fact by its document and the identity of the file it came from (a file without one — a
/// Terraform module, a plan, standard input — makes the group uncacheable).
fn job_key(
    fingerprint: &str,
    job: &Job<'_>,
    plans: &[PluginPlan<'_>],
    outcomes: &[Arc<FileOutcome>],
    declared: &[ControlMeta],
) -> Option<String> {
    use sha2::Digest as _;
    let plugin = &plans[job.plan].plugin.info.name;
    let mut h = sha2::Sha256::new();
    let mut part = |bytes: &[u8]| {
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    part(plugin.as_bytes());
    part(job.control.as_bytes());
    part(job.group.as_bytes());
    for d in declared
        .iter()
        .filter(|d| d.plugin == *plugin && d.id == job.control)
    {
        part(format!("{d:?}").as_bytes());
    }
    // A file's identity is a digest of everything its result (its facts among them) was
    // computed from: each fact is named by it and its index, not by its data.
    let mut last = None;
    for &(file, index) in &job.facts {
        if last != Some(file) {
            part(outcomes[file].identity.as_deref()?.as_bytes());
            last = Some(file);
        }
        part(&(index as u64).to_le_bytes());
    }
    Some(super::cache::key(
        fingerprint,
        "cross-document group",
        &super::cache::hex(&h.finalize()),
    ))
}

/// Run one group's `finish` and turn its answer into findings.
#[allow(clippy::too_many_arguments)] // the phase's indexes, built once for every group
fn judge_group(
    spec: &ScanSpec<'_>,
    plans: &[PluginPlan<'_>],
    job: &Job<'_>,
    facts: &[wit::Fact],
    docs: &DocIndex<'_>,
    located: &Declared,
    sources: &[Option<Arc<SourceFile>>],
    declared: &[ControlMeta],
) -> (Vec<Finding>, Vec<Note>, Vec<Problem>) {
    let plan = &plans[job.plan];
    // The carrier of a plugin's declaring inputs (a scan-scope control under one of its dynamic
    // prefixes) reports on the controls the plugin declared and on its own selected ones.
    let carrier = plan
        .plugin
        .dynamic_prefixes
        .iter()
        .any(|p| job.control.starts_with(p.as_str()));
    let mut requested = vec![job.control.to_owned()];
    if carrier {
        requested.extend(plan.controls.iter().map(|c| c.id.clone()));
        requested.extend(
            declared
                .iter()
                .filter(|d| d.plugin == plan.plugin.info.name)
                .map(|d| d.id.clone()),
        );
        requested.sort();
        requested.dedup();
    }
    let requested = &requested[..];
    match plan.plugin.finish(facts, requested) {
        Ok(out) => {
            let resolver = MapResolver {
                extra: resolve_ahead(&out, docs, located, sources, spec.alias_limit),
                located,
                docs,
            };
            let mine: Vec<ControlMeta> = declared
                .iter()
                .filter(|d| d.plugin == plan.plugin.info.name && (carrier || d.id == job.control))
                .cloned()
                .collect();
            // A big group's answer (a finding for every use of an image) is turned
            // into findings on all cores, a chunk at a time, in order.
            let mut findings = out.findings.into_iter();
            let mut parts = vec![wit::CheckOutput {
                findings: findings.by_ref().take(ABSORB_CHUNK).collect(),
                ..out
            }];
            while findings.len() > 0 {
                parts.push(wit::CheckOutput {
                    findings: findings.by_ref().take(ABSORB_CHUNK).collect(),
                    notes: Vec::new(),
                    facts: Vec::new(),
                    controls: Vec::new(),
                });
            }
            let absorbed: Vec<_> = parts
                .into_par_iter()
                .map(|out| {
                    // A group's `finish` may report on any control of its plugin the scan
                    // selected, as `check` may (one control keeps the facts of several: the
                    // Pod Security checks).
                    absorb(
                        plan,
                        out,
                        &|id| docs.docs.contains_key(&id),
                        &plan.ids,
                        &mine,
                        &resolver,
                    )
                })
                .collect();
            let mut all = (Vec::new(), Vec::new(), Vec::new());
            for (f, n, p) in absorbed {
                all.0.extend(f);
                all.1.extend(n);
                all.2.extend(p);
            }
            all
        }
        Err(failure) => {
            let group = if job.group.is_empty() {
                String::new()
            } else {
                format!(", group '{}'", job.group)
            };
            let problem = Problem::new(
                ProblemKind::Plugin,
                format!(
                    "{failure} while judging the scan as a whole (finish, {}{group})",
                    job.control
                ),
            )
            .from_plugin(plan.plugin.info.name.clone());
            (Vec::new(), Vec::new(), vec![problem])
        }
    }
}
