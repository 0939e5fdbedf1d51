//! Terraform HCL: a directory is one module (all its `.tf` files together), evaluated with its
//! variables (defaults, `terraform.tfvars`, `*.auto.tfvars`, `--var-file`, `--var`), locals,
//! functions and the local modules it calls; every `resource`, `data` and `module` block
//! becomes a document whose JSON is its evaluated arguments (nested blocks as lists), and whose
//! pointers lead back to where each value was written — a module argument, a tfvars line or a
//! variable default, in whichever file that is.
//!
//! Parsing is hcl-edit's (byte spans, comments kept in the source for waivers).

pub mod eval;
pub mod functions;
pub mod limits;
pub mod module;
pub mod plan;
pub mod user_data;
pub mod value;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use hcl_edit::Span;
use rayon::prelude::*;

use super::spans::SpanIndex;
use super::{Format, Hints, Input, LoadedDoc, LoadedFile, SkippedDoc};
use crate::problem::{Problem, ProblemKind};
use crate::source::{Origin as FileOrigin, Range, SourceFile};
use eval::{Env, EvalError, Evaluator, Resolve};
use module::{Instance, Loader, TfDoc, TfFile, normalize};
use value::{Node, Origin, Val};

/// The pointer (in a document's span index only) of the module call that made a block of a
/// followed module.
pub const VIA: &str = "$via";

/// The pointer (in a document's span index only) under which the document's values are
/// indexed where they were written, when some value is used away from there: a finding at a
/// use site names that place too, and a waiver there covers it.
pub const ORIGIN: &str = "$origin";

/// The message of the related place where a finding's value was written.
pub const ORIGIN_MESSAGE: &str = "the value is written here";

/// The pointer (in a document's span index only) under which the places an argument's value
/// passed through are kept: `/$chain/<the argument's pointer as one token>/<n>`, use side
/// first.
pub const VIA_CHAIN: &str = "$chain";

/// The message of a related place a finding's value passed through.
pub const VIA_MESSAGE: &str = "the value passes through here";

/// Variable values given on the command line or in the configuration.
#[derive(Clone, Debug, Default)]
pub struct Variables {
    /// `--var-file` paths, in order (later wins).
    pub files: Vec<PathBuf>,
    /// `--var NAME=VALUE`, in order (later wins, and wins over files).
    pub values: Vec<(String, String)>,
}

/// Whether an input is a Terraform file.
#[must_use]
pub fn is_terraform(input: &Input) -> bool {
    matches!(&input.origin, FileOrigin::File(p) if p.extension().is_some_and(|e| e == "tf"))
}

/// Load every Terraform input: returns the loaded file for each input index that is a `.tf`
/// file, and problems that belong to no input (an unreadable `--var-file`).
#[must_use]
pub fn load(inputs: &[Input], vars: &Variables) -> (HashMap<usize, LoadedFile>, Vec<Problem>) {
    load_with(inputs, vars, None)
}

/// [`load`], preferring an overlay's texts (an editor's buffers) to the files on disk.
#[must_use]
pub fn load_with(
    inputs: &[Input],
    vars: &Variables,
    overlay: Option<&super::Overlay>,
) -> (HashMap<usize, LoadedFile>, Vec<Problem>) {
    let (files, mut problems, skipped, _) = load_in(
        inputs,
        vars,
        overlay,
        &super::fs::Policy::new(&[], u64::MAX),
    );
    problems.extend(skipped.into_iter().map(|(name, reason)| {
        Problem::new(ProblemKind::Io, format!("skipped: {reason}")).in_file(name)
    }));
    (files, problems)
}

/// Files the input policy skipped: (name, reason).
pub type Skipped = Vec<(String, String)>;

/// [`load_with`] under an input policy: every `.tf` file, variable file and local module
/// directory is read through it; what it skips is returned (name, reason), and so are the
/// module directories it read (their `.tf` files and variable files are what the result was
/// computed from, besides `vars`).
#[must_use]
pub fn load_in(
    inputs: &[Input],
    vars: &Variables,
    overlay: Option<&super::Overlay>,
    policy: &super::fs::Policy,
) -> (
    HashMap<usize, LoadedFile>,
    Vec<Problem>,
    Skipped,
    Vec<PathBuf>,
) {
    let mut skipped = Skipped::new();
    let mut roots: BTreeMap<PathBuf, Vec<usize>> = BTreeMap::new();
    for (i, input) in inputs.iter().enumerate() {
        if let FileOrigin::File(p) = &input.origin
            && is_terraform(input)
        {
            let dir = normalize(p.parent().unwrap_or(Path::new("")));
            roots.entry(dir).or_default().push(i);
        }
    }
    // Each input's name by its normalised path, once (looked up for every module file).
    let names: HashMap<PathBuf, &str> = inputs
        .iter()
        .filter_map(|i| match &i.origin {
            FileOrigin::File(q) => Some((normalize(q), i.name.as_str())),
            FileOrigin::Stdin => None,
        })
        .collect();
    if roots.is_empty() {
        return (HashMap::new(), Vec::new(), skipped, Vec::new());
    }
    let mut loader = Loader::default();
    let mut problems = Vec::new();
    let mut by_path: HashMap<PathBuf, u32> = HashMap::new();
    // Read each module directory once, and the local modules they call, transitively.
    let mut queue: Vec<PathBuf> = roots.keys().cloned().collect();
    let mut seen: BTreeSet<PathBuf> = BTreeSet::new();
    while let Some(dir) = queue.pop() {
        if !seen.insert(dir.clone()) {
            continue;
        }
        let files = read_dir_files(&dir, "tf", &names, overlay, policy, &mut skipped);
        let parsed: Vec<TfFile> = files
            .par_iter()
            .map(|(name, p)| parse(name, p, overlay, policy))
            .collect();
        let mut indices = Vec::new();
        for (file, (_, path)) in parsed.into_iter().zip(&files) {
            // A module file that is not an input of the scan has no account of its own: its
            // error is the scan's (an input's goes to its account below).
            let is_input = names.contains_key(path);
            if !is_input {
                problems.extend(file.error.clone());
            }
            let i = loader.add_file(file);
            by_path.insert(path.clone(), i);
            indices.push(i);
        }
        loader.add_module(dir.clone(), indices.clone());
        for &i in &indices {
            let Some(body) = loader.files[i as usize].body.as_ref() else {
                continue;
            };
            for b in body
                .blocks()
                .filter(|b| b.ident.value().as_str() == "module")
            {
                if let Some(child) = loader.local_source(&dir, b) {
                    match policy.check(&child) {
                        Ok(super::fs::Kind::Dir) => queue.push(child),
                        Err(super::fs::Refusal::Skipped(reason)) => {
                            skipped.push((child.display().to_string(), reason));
                        }
                        _ => {}
                    }
                }
            }
        }
    }

    // Variable files: each root's tfvars, and the `--var-file`s every root shares.
    let mut var_files: BTreeMap<PathBuf, Option<u32>> = BTreeMap::new();
    for dir in roots.keys() {
        for path in variable_files(dir, vars) {
            if var_files.contains_key(&path) {
                continue;
            }
            let name = path.display().to_string();
            let read = match policy.check(&path) {
                Ok(super::fs::Kind::File) => policy.read(&path).map_err(|e| e.to_string()),
                Ok(super::fs::Kind::Dir) => Err("a directory".to_owned()),
                Err(super::fs::Refusal::Failed(message)) => Err(message),
                Err(super::fs::Refusal::Skipped(reason)) => {
                    skipped.push((name, reason));
                    var_files.insert(path, None);
                    continue;
                }
            };
            let index = match read {
                Ok(text) => {
                    let source = Arc::new(SourceFile::new(
                        FileOrigin::File(path.clone()),
                        name,
                        Arc::from(text),
                    ));
                    let file = tf_file(source);
                    problems.extend(file.error.clone());
                    Some(loader.add_file(file))
                }
                Err(e) => {
                    problems.push(
                        Problem::new(ProblemKind::Io, format!("variable file: {e}")).in_file(name),
                    );
                    None
                }
            };
            var_files.insert(path, index);
        }
    }

    // A directory another scanned module calls is a module, not a root: its blocks are
    // checked through the call, with the caller's inputs (evaluating it alone as well would
    // report every finding twice, once with defaults that no caller uses).
    let mut callers: BTreeMap<PathBuf, PathBuf> = BTreeMap::new();
    for dir in roots.keys() {
        let Some(module) = loader.modules.get(dir) else {
            continue;
        };
        for &f in &module.files {
            let Some(body) = loader.files[f as usize].body.as_ref() else {
                continue;
            };
            for b in body
                .blocks()
                .filter(|b| b.ident.value().as_str() == "module")
            {
                if let Some(child) = loader.local_source(dir, b)
                    && child != *dir
                    && roots.contains_key(&child)
                {
                    callers.entry(child).or_insert_with(|| dir.clone());
                }
            }
        }
    }
    let mut out = HashMap::new();
    for (dir, caller) in &callers {
        for &input_index in &roots[dir] {
            let FileOrigin::File(p) = &inputs[input_index].origin else {
                continue;
            };
            let Some(&fi) = by_path.get(&normalize(p)) else {
                continue;
            };
            let tf = &loader.files[fi as usize];
            let mut lf = LoadedFile {
                source: Arc::clone(&tf.source),
                documents: Vec::new(),
                skipped: vec![SkippedDoc {
                    range: Range::default(),
                    reason: format!(
                        "a module called from {}: its blocks are checked through that call, with its inputs",
                        caller.display()
                    ),
                }],
                problems: Vec::new(),
            };
            lf.problems.extend(tf.error.clone());
            out.insert(input_index, lf);
        }
    }

    let loader = &loader;
    let results: Vec<RootResult> = roots
        .par_iter()
        .filter(|(dir, _)| !callers.contains_key(*dir))
        .map(|(dir, members)| {
            let files: Vec<u32> = variable_files(dir, vars)
                .iter()
                .filter_map(|p| var_files.get(p).copied().flatten())
                .collect();
            on_large_stack(|| {
                evaluate_root(loader, dir, members, inputs, &by_path, &files, &vars.values)
            })
        })
        .collect();
    for (files, more) in results {
        out.extend(files);
        problems.extend(more);
    }
    (out, problems, skipped, seen.into_iter().collect())
}

/// The stack a root module's evaluation runs on: the evaluator recurses once per nested
/// reference, up to [`limits::Limits::reference_depth`] levels, which a debug build's frames
/// fill in about 16 MiB (a release build's in far less). Only the pages used are memory.
const EVAL_STACK: usize = 64 * 1024 * 1024;

/// Run `f` on a thread with an [`EVAL_STACK`] stack (inline if no thread can be made).
fn on_large_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    let job = std::sync::Mutex::new(Some(f));
    let done = std::thread::scope(|s| {
        std::thread::Builder::new()
            .name("stiglint-terraform".to_owned())
            .stack_size(EVAL_STACK)
            .spawn_scoped(s, || {
                job.lock().ok().and_then(|mut j| j.take()).map(|f| f())
            })
            .ok()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
    });
    match (done.flatten(), job.into_inner().ok().flatten()) {
        (Some(v), _) => v,
        (None, Some(f)) => f(),
        // The thread took the job and ended without a value: it panicked, and the panic was
        // resumed above.
        (None, None) => unreachable!("the evaluation thread returned no value"),
    }
}

/// The loaded input files of one root module, by input index, and its other problems.
type RootResult = (Vec<(usize, LoadedFile)>, Vec<Problem>);

/// Evaluate one root module and sort its documents and problems into its input files.
fn evaluate_root(
    loader: &Loader,
    dir: &Path,
    members: &[usize],
    inputs: &[Input],
    by_path: &HashMap<PathBuf, u32>,
    var_files: &[u32],
    cli: &[(String, String)],
) -> RootResult {
    let Some(module) = loader.modules.get(dir) else {
        return (Vec::new(), Vec::new());
    };
    let (values, mut problems) = root_inputs(loader, var_files, cli);
    let inst = Instance::new(
        loader,
        module,
        String::new(),
        values,
        limits::Limits::default(),
    );
    let mut docs = Vec::new();
    inst.documents(None, &mut docs);
    let errors = std::mem::take(&mut *inst.errors.borrow_mut());
    let mut files: HashMap<u32, LoadedFile> = HashMap::new();
    let mut owners: Vec<(usize, u32)> = Vec::new();
    for &input_index in members {
        let FileOrigin::File(p) = &inputs[input_index].origin else {
            continue;
        };
        let Some(&fi) = by_path.get(&normalize(p)) else {
            continue;
        };
        owners.push((input_index, fi));
        let tf = &loader.files[fi as usize];
        let mut lf = LoadedFile {
            source: Arc::clone(&tf.source),
            documents: Vec::new(),
            skipped: Vec::new(),
            problems: Vec::new(),
        };
        lf.problems.extend(tf.error.clone());
        files.insert(fi, lf);
    }
    for d in docs {
        if let Some(lf) = files.get_mut(&d.owner) {
            push_doc(loader, lf, d);
        }
    }
    for lf in files.values_mut() {
        if lf.documents.is_empty() && lf.skipped.is_empty() && lf.problems.is_empty() {
            lf.skipped.push(SkippedDoc {
                range: Range::default(),
                reason: "no resource, data or module block (variables, outputs, providers only)"
                    .to_owned(),
            });
        }
    }
    let mut seen = BTreeSet::new();
    for e in errors {
        let file = e.error.at.as_ref().map_or(e.file, |o| o.file);
        let key = (
            file,
            e.error.at.as_ref().map(|o| o.span.start),
            e.error.message.clone(),
        );
        if !seen.insert(key) {
            continue;
        }
        // An error in a file that is not one of this root's inputs (a followed module's file,
        // a tfvars file) belongs to the input whose module call led there, else to the scan.
        let problem = eval_problem(loader, &e.error, file);
        match [Some(file), e.owner, Some(e.file)]
            .into_iter()
            .flatten()
            .find(|f| files.contains_key(f))
            .and_then(|f| files.get_mut(&f))
        {
            Some(lf) => lf.problems.push(problem),
            None => problems.push(problem),
        }
    }
    for (name, r) in &module.duplicates {
        if let Some(lf) = files.get_mut(&r.file) {
            let mut p = Problem::new(
                ProblemKind::Parse,
                format!("duplicate declaration of {name}"),
            )
            .in_file(&*lf.source.name);
            if let Some(span) = loader.block(*r).and_then(Span::span) {
                p = p.at(range_of(&lf.source, &span));
            }
            lf.problems.push(p);
        }
    }
    for (message, r) in &module.duplicate_blocks {
        if let Some(lf) = files.get_mut(&r.file) {
            let mut p = Problem::new(ProblemKind::Parse, message.clone()).in_file(&*lf.source.name);
            if let Some(span) = loader.block(*r).and_then(Span::span) {
                p = p.at(range_of(&lf.source, &span));
            }
            lf.problems.push(p);
        }
    }
    let out = owners
        .into_iter()
        .filter_map(|(input, fi)| files.remove(&fi).map(|lf| (input, lf)))
        .collect();
    (out, problems)
}

/// A root module's variable files in the order Terraform reads them: `terraform.tfvars`,
/// `*.auto.tfvars` by name, then the `--var-file`s.
fn variable_files(dir: &Path, vars: &Variables) -> Vec<PathBuf> {
    let listing = std::fs::read_dir(if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    });
    let mut auto: Vec<PathBuf> = listing
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| normalize(&e.path()))
                .filter(|p| p.to_string_lossy().ends_with(".auto.tfvars"))
                .collect()
        })
        .unwrap_or_default();
    auto.sort();
    let mut files = Vec::new();
    let tfvars = normalize(&dir.join("terraform.tfvars"));
    // Any entry of that name (a link, a FIFO) is for the input policy to judge.
    if tfvars.symlink_metadata().is_ok() {
        files.push(tfvars);
    }
    files.extend(auto);
    files.extend(vars.files.iter().cloned());
    files
}

fn read_dir_files(
    dir: &Path,
    ext: &str,
    names: &HashMap<PathBuf, &str>,
    overlay: Option<&super::Overlay>,
    policy: &super::fs::Policy,
    skipped: &mut Skipped,
) -> Vec<(String, PathBuf)> {
    let listing = if dir.as_os_str().is_empty() {
        std::fs::read_dir(".")
    } else {
        std::fs::read_dir(dir)
    };
    let Ok(entries) = listing else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = Vec::new();
    for entry in entries.filter_map(Result::ok) {
        let p = entry.path();
        if p.extension().is_none_or(|e| e != ext) {
            continue;
        }
        let regular = entry.file_type().is_ok_and(|t| t.is_file());
        if regular {
            files.push(normalize(&p));
            continue;
        }
        // A link is followed when it stays in the repository; a FIFO is read (and refused)
        // like any file, so that its error is reported.
        match policy.check(&p) {
            Ok(super::fs::Kind::File) | Err(super::fs::Refusal::Failed(_)) => {
                files.push(normalize(&p));
            }
            Ok(super::fs::Kind::Dir) => {}
            Err(super::fs::Refusal::Skipped(reason)) => {
                let name = names
                    .get(&normalize(&p))
                    .map_or_else(|| p.display().to_string(), |n| (*n).to_owned());
                skipped.push((name, reason));
            }
        }
    }
    // Buffers not saved yet are files of the module too.
    if let Some(overlay) = overlay {
        let key = super::overlay_key(dir);
        for path in overlay.keys() {
            if path.parent() == Some(key.as_path())
                && path.extension().is_some_and(|e| e == ext)
                && !files.iter().any(|f| super::overlay_key(f) == *path)
            {
                files.push(path.clone());
            }
        }
    }
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = names
                .get(&p)
                .map_or_else(|| p.display().to_string(), |n| (*n).to_owned());
            (name, p)
        })
        .collect()
}

fn parse(
    name: &str,
    path: &Path,
    overlay: Option<&super::Overlay>,
    policy: &super::fs::Policy,
) -> TfFile {
    let text: Result<Arc<str>, super::fs::ReadError> =
        match overlay.and_then(|o| o.get(&super::overlay_key(path))) {
            Some(t) => Ok(Arc::clone(t)),
            None => policy.read(path).map(Arc::from),
        };
    match text {
        Ok(text) => tf_file(Arc::new(SourceFile::new(
            FileOrigin::File(path.to_path_buf()),
            name,
            text,
        ))),
        // A file of the module that cannot be read is an error of its own, not an empty file.
        Err(e) => TfFile {
            source: Arc::new(SourceFile::new(
                FileOrigin::File(path.to_path_buf()),
                name,
                Arc::from(""),
            )),
            body: None,
            error: Some(Problem::new(ProblemKind::Io, e.to_string()).in_file(name)),
        },
    }
}

/// A file parsed once: its tree, or the syntax error with its position.
fn tf_file(source: Arc<SourceFile>) -> TfFile {
    // Objects the parser would take minutes over are refused before it sees them.
    if let Some((line, _, message)) = limits::object_cost(&source.text, &limits::Limits::default())
    {
        let at = source.position(u32::try_from(line).unwrap_or(u32::MAX), 0);
        let error = Problem::new(ProblemKind::Parse, message)
            .in_file(&*source.name)
            .at(Range::new(at, at));
        return TfFile {
            source,
            body: None,
            error: Some(error),
        };
    }
    match hcl_edit::parser::parse_body(&source.text) {
        Ok(body) => TfFile {
            source,
            body: Some(body),
            error: None,
        },
        Err(e) => {
            let loc = e.location();
            let line = u32::try_from(loc.line()).unwrap_or(1);
            let col = u32::try_from(loc.column()).unwrap_or(1).saturating_sub(1);
            let at = source.position(line, col);
            let message = e
                .message()
                .lines()
                .next()
                .unwrap_or("invalid HCL")
                .to_owned();
            let error = Problem::new(ProblemKind::Parse, format!("invalid HCL: {message}"))
                .in_file(&*source.name)
                .at(Range::new(at, at));
            TfFile {
                source,
                body: None,
                error: Some(error),
            }
        }
    }
}

fn eval_problem(loader: &Loader, e: &EvalError, file: u32) -> Problem {
    let source = &loader.files[file as usize].source;
    let mut p = Problem::new(
        ProblemKind::Parse,
        format!("cannot evaluate: {}", e.message),
    )
    .in_file(&*source.name);
    if let Some(o) = &e.at {
        p = p.at(range_of(source, &o.span));
    }
    p
}

/// A byte span as a range, cut at the end of its first line (a block or a long list is
/// underlined on its first line only).
fn range_of(source: &SourceFile, span: &std::ops::Range<usize>) -> Range {
    let start = source.position_of_offset(span.start);
    let line_end = source.text[span.start.min(source.text.len())..]
        .find('\n')
        .map_or(source.text.len(), |i| span.start + i);
    let end = source.position_of_offset(span.end.min(line_end).max(span.start));
    Range::new(start, end)
}

/// A document of the loader as a `LoadedDoc` of its owner file.
fn push_doc(loader: &Loader, lf: &mut LoadedFile, d: TfDoc) {
    let own = Arc::clone(&lf.source.name);
    let header = loader
        .block(d.block)
        .and_then(Span::span)
        .map(|s| range_of(&loader.files[d.block.file as usize].source, &s))
        .unwrap_or_default();
    let Some(value) = d.value else {
        lf.skipped.push(SkippedDoc {
            range: header,
            reason: format!("{}: {}", d.address, d.skipped.unwrap_or_default()),
        });
        return;
    };
    let mut spans = SpanIndex::default();
    let root = spans.root(header);
    let block_file = &loader.files[d.block.file as usize].source.name;
    if **block_file != *own {
        spans.set_file(root, block_file);
    }
    // Each argument at its use site; when some value in it was written elsewhere (a
    // variable's default, a tfvars line, a local, a module input), the [`ORIGIN`] tree keeps
    // where every value was written.
    if let Val::Map(m) = &value.val {
        let mut indexer = Indexer {
            loader,
            own: &own,
            written: false,
            foreign: false,
            root,
            chain: None,
        };
        let here = (header, None);
        for (k, v) in m {
            indexer.index(&mut spans, root, Some(k), 0, v, &here, None, "");
        }
        if indexer.foreign {
            indexer.written = true;
            let origin = spans.entry(root, ORIGIN, header);
            for (k, v) in m {
                indexer.index(&mut spans, origin, Some(k), 0, v, &here, None, "");
            }
        }
    }
    // A block of a followed module remembers the module call that made it, under a key no
    // Terraform argument can have: findings in the module's files name the call too.
    if let Some(call) = d
        .via
        .and_then(|c| loader.block(c).and_then(Span::span).map(|s| (c, s)))
    {
        let source = &loader.files[call.0.file as usize].source;
        let id = spans.entry(root, VIA, range_of(source, &call.1));
        if *source.name != *own {
            spans.set_file(id, &source.name);
        }
    }
    let json = value.to_json();
    let node_config = (d.labels.first().map(String::as_str) == Some("aws_launch_template"))
        .then(|| user_data::node_config(&json, &spans, &d.address))
        .flatten();
    lf.documents.push(LoadedDoc {
        yaml_index: lf.documents.len(),
        prefix: String::new(),
        format: Format::Terraform,
        hints: Arc::new(Hints {
            api_version: None,
            kind: Some(d.kind),
            namespace: None,
            name: Some(d.address),
            labels: d.labels,
        }),
        value: json,
        spans: Arc::new(spans),
        template: None,
    });
    if let Some(mut doc) = node_config {
        doc.yaml_index = lf.documents.len();
        lf.documents.push(doc);
    }
}

/// How a document's values are indexed: at their use site (the argument that uses a value
/// written elsewhere), or where they were written (the [`ORIGIN`] tree).
struct Indexer<'a> {
    loader: &'a Loader,
    own: &'a Arc<str>,
    /// Index where each value was written (the [`ORIGIN`] tree), not where it is used.
    written: bool,
    /// Whether some value is used away from where it was written.
    foreign: bool,
    /// The document's root, and the [`VIA_CHAIN`] entry once made.
    root: u32,
    chain: Option<u32>,
}

impl Indexer<'_> {
    /// A range and its file name (`None`: the document's own file).
    fn place(&self, o: &Origin) -> (Range, Option<Arc<str>>) {
        let source = &self.loader.files[o.file as usize].source;
        (range_of(source, &o.span), Some(Arc::clone(&source.name)))
    }

    /// Index `node` under `parent` (as entry `key`, else as item `item`). `inherited` is the
    /// parent's place; `scope` the argument the value belongs to, when indexing use sites.
    #[allow(clippy::too_many_arguments)] // a recursive walk with its context
    fn index(
        &mut self,
        spans: &mut SpanIndex,
        parent: u32,
        key: Option<&str>,
        item: usize,
        node: &Node,
        inherited: &(Range, Option<Arc<str>>),
        scope: Option<&Origin>,
        path: &str,
    ) {
        let mut scope = scope;
        let path = match key {
            Some(k) if path.is_empty() => k.to_owned(),
            Some(k) => format!("{path}/{k}"),
            None if path.is_empty() => item.to_string(),
            None => format!("{path}/{item}"),
        };
        if !self.written
            && let Some(used) = &node.used
            && !node.via.is_empty()
        {
            self.record_chain(spans, &path, used, &node.via);
        }
        let place = if self.written {
            node.at
                .as_ref()
                .map_or_else(|| inherited.clone(), |o| self.place(o))
        } else if let Some(used) = &node.used {
            scope = Some(used);
            if node.at.as_ref().is_some_and(|o| !within(o, used)) {
                self.foreign = true;
            }
            self.place(used)
        } else {
            match (&node.at, scope) {
                (Some(o), Some(sc)) if !within(o, sc) => {
                    self.foreign = true;
                    inherited.clone()
                }
                (Some(o), _) => self.place(o),
                (None, _) => inherited.clone(),
            }
        };
        let id = match key {
            Some(k) => spans.entry(parent, k, place.0),
            None => spans.item(parent, item, place.0),
        };
        if let Some(name) = &place.1
            && **name != **self.own
        {
            spans.set_file(id, name);
        }
        match &node.val {
            Val::Map(m) => {
                for (k, v) in m {
                    self.index(spans, id, Some(k), 0, v, &place, scope, &path);
                }
            }
            Val::List(items) => {
                for (i, v) in items.iter().enumerate() {
                    self.index(spans, id, None, i, v, &place, scope, &path);
                }
            }
            _ => {}
        }
    }
}

impl Indexer<'_> {
    /// The places an argument's value passed through, use side first, as items of the entry
    /// `path` (the argument's pointer, unescaped, as one key) under [`VIA_CHAIN`].
    fn record_chain(&mut self, spans: &mut SpanIndex, path: &str, used: &Origin, via: &[Origin]) {
        let (range, _) = self.place(used);
        let chain = match self.chain {
            Some(c) => c,
            None => {
                let c = spans.entry(self.root, VIA_CHAIN, range);
                self.chain = Some(c);
                c
            }
        };
        let entry = spans.entry(chain, path, range);
        for (k, hop) in via.iter().rev().enumerate() {
            let (range, file) = self.place(hop);
            let id = spans.item(entry, k, range);
            if let Some(name) = file
                && *name != **self.own
            {
                spans.set_file(id, &name);
            }
        }
    }
}

/// Whether `o` lies inside `scope` (same file, span within).
fn within(o: &Origin, scope: &Origin) -> bool {
    o.file == scope.file && scope.span.start <= o.span.start && o.span.end <= scope.span.end
}

/// A resolver for tfvars and `--var` values: constants only.
struct Constants {
    file: u32,
}

impl Resolve for Constants {
    fn file(&self) -> u32 {
        self.file
    }

    fn reference(
        &self,
        root: &str,
        _ops: &[&hcl_edit::expr::TraversalOperator],
        _env: &Env,
        at: Option<Origin>,
    ) -> Result<(Node, usize), EvalError> {
        Err(eval::invalid(
            format!("variable values must be constants; \"{root}\" is a reference"),
            at,
        ))
    }
}

/// A root module's variable values from its variable files (later wins) and then `--var`s.
fn root_inputs(
    loader: &Loader,
    var_files: &[u32],
    cli: &[(String, String)],
) -> (BTreeMap<String, Node>, Vec<Problem>) {
    let mut values = BTreeMap::new();
    let mut problems = Vec::new();
    let budget = limits::Budget::new(limits::Limits::default());
    for &file in var_files {
        let tf = &loader.files[file as usize];
        let Some(body) = &tf.body else { continue };
        let c = Constants { file };
        let ev = Evaluator {
            resolve: &c,
            budget: &budget,
        };
        for a in body.attributes() {
            match ev.eval(&a.value, &Env::default()) {
                Ok(mut v) => {
                    if v.at
                        .as_ref()
                        .is_some_and(|o| Some(&o.span) == a.value.span().as_ref())
                    {
                        v.at = a.span().map(|span| Origin { file, span });
                    }
                    values.insert(a.key.value().as_str().to_owned(), v);
                }
                Err(e) => problems.push(eval_problem(loader, &e, file)),
            }
        }
    }
    for (name, raw) in cli {
        let node = match hcl_edit::parser::parse_expr(raw) {
            Ok(expr) if !matches!(expr, hcl_edit::expr::Expression::Variable(_)) => {
                let c = Constants { file: u32::MAX };
                Evaluator {
                    resolve: &c,
                    budget: &budget,
                }
                .eval(&expr, &Env::default())
                .map_or_else(|_| Node::new(Val::Str(raw.clone()), None), strip_origin)
            }
            _ => Node::new(Val::Str(raw.clone()), None),
        };
        values.insert(name.clone(), node);
    }
    (values, problems)
}

fn strip_origin(mut n: Node) -> Node {
    n.at = None;
    n.val = match n.val {
        Val::List(items) => Val::List(items.into_iter().map(strip_origin).collect()),
        Val::Map(m) => Val::Map(m.into_iter().map(|(k, v)| (k, strip_origin(v))).collect()),
        other => other,
    };
    n
}

/// The resources of a plan JSON as documents. Their pointers lead into the plan, or, when the
/// configuration's `.tf` files are at hand (`sources`, or the plan's own directory), to the
/// lines of the resource's block in them.
pub fn plan_documents(
    source: &Arc<SourceFile>,
    plan: &serde_json::Value,
    spans: &Arc<SpanIndex>,
    sources: Option<&Path>,
    policy: &super::fs::Policy,
    documents: &mut Vec<LoadedDoc>,
    skipped: &mut Vec<SkippedDoc>,
) {
    let resources = plan::resources(plan);
    let dir = sources
        .map(Path::to_path_buf)
        .or_else(|| match &source.origin {
            FileOrigin::File(p) => p.parent().map(Path::to_path_buf),
            FileOrigin::Stdin => None,
        });
    let configured = dir
        .map(|d| configuration_spans(&d, policy))
        .unwrap_or_default();
    for r in resources {
        match plan::document(r, Arc::clone(spans), &configured) {
            Ok(doc) => documents.push(doc),
            Err(skip) => skipped.push(skip),
        }
    }
}

/// The span indexes of the blocks of the `.tf` files in `dir`, by address without instance
/// keys, with every range naming its `.tf` file.
pub(crate) fn configuration_spans(
    dir: &Path,
    policy: &super::fs::Policy,
) -> HashMap<String, Arc<SpanIndex>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return HashMap::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "tf"))
        .collect();
    files.sort();
    let inputs: Vec<Input> = files
        .into_iter()
        .map(|p| Input {
            name: p.display().to_string(),
            origin: FileOrigin::File(p),
        })
        .collect();
    // Files the policy refuses are left out: their positions are not shown.
    let (loaded, _, _, _) = load_in(&inputs, &Variables::default(), None, policy);
    let mut out = HashMap::new();
    for lf in loaded.into_values() {
        for d in lf.documents {
            let Some(address) = d.hints.name.as_deref() else {
                continue;
            };
            let spans = Arc::unwrap_or_clone(d.spans).in_file(&lf.source.name);
            out.entry(plan::strip_keys(address))
                .or_insert_with(|| Arc::new(spans));
        }
    }
    out
}
