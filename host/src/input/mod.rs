//! Inputs: finding the files to scan and loading them into documents with positions.
//! One module per format; this one finds files and dispatches.

pub mod dockerfile;
pub mod fs;
pub mod image;
pub mod json;
pub mod k8s;
pub mod kubelet;
pub mod spans;
pub mod terraform;
pub mod trivy;
pub mod yaml;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use crate::problem::{Problem, ProblemKind};
use crate::source::{Origin, Range, SourceFile};
use spans::SpanIndex;

/// Source format of a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// Kubernetes manifest.
    K8s,
    /// Terraform block.
    Terraform,
    /// Kubelet configuration.
    Kubelet,
    /// Trivy report.
    Trivy,
    /// Dockerfile or Containerfile.
    Dockerfile,
}

impl Format {
    /// The name used in control descriptions (`k8s`, `terraform`, ...).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::K8s => "k8s",
            Self::Terraform => "terraform",
            Self::Kubelet => "kubelet",
            Self::Trivy => "trivy",
            Self::Dockerfile => "dockerfile",
        }
    }
}

/// What the host knows of a document without reading its JSON.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Hints {
    /// `apiVersion`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// `kind` (or Terraform block type).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// `metadata.namespace` as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// `metadata.name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Terraform labels.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
}

/// A file (or standard input) to scan.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Input {
    /// Where its bytes come from.
    pub origin: Origin,
    /// How reports name it.
    pub name: String,
}

/// File extensions a directory walk picks up.
pub const EXTENSIONS: &[&str] = &["yaml", "yml", "json", "tf"];

/// Expand command-line paths into inputs: `-` is standard input, a file is itself (whatever
/// its name), a directory is every `.yaml`, `.yml`, `.json` and `.tf` file below it and every kubelet
/// flags file (`kubelet.service.d/*.conf`, `kubeadm-flags.env`), sorted. Like
/// ripgrep and ruff, a directory walk honours `.gitignore` and `.ignore` files (so `target/`
/// and `node_modules/` stay out) unless `respect_ignore` is false; `.git` and `.terraform` are
/// never entered.
/// A path that does not exist is a problem, not a silent skip.
#[must_use]
pub fn discover(paths: &[PathBuf], respect_ignore: bool) -> (Vec<Input>, Vec<Problem>) {
    let found = discover_in(paths, respect_ignore, &fs::Policy::new(paths, u64::MAX));
    let mut problems = found.problems;
    problems.extend(found.skipped.into_iter().map(|(name, reason)| {
        Problem::new(ProblemKind::Io, format!("skipped: {reason}")).in_file(name)
    }));
    (found.inputs, problems)
}

/// What [`discover_in`] found.
#[derive(Debug, Default)]
pub struct Discovered {
    /// The inputs, sorted per path given.
    pub inputs: Vec<Input>,
    /// Paths the input policy skips (a link leaving the repository, a file under `/proc`),
    /// with the reason: (name, reason).
    pub skipped: Vec<(String, String)>,
    /// Paths that cannot be read, and what is not a regular file.
    pub problems: Vec<Problem>,
}

/// [`discover`] under an input policy ([`fs::Policy`]): links are followed when they stay in
/// the repository (a directory link once: a loop is skipped), anything else is listed as
/// skipped or as a problem — never dropped in silence.
#[must_use]
pub fn discover_in(paths: &[PathBuf], respect_ignore: bool, policy: &fs::Policy) -> Discovered {
    let mut found = Discovered::default();
    for path in paths {
        if path.as_os_str() == "-" {
            found.inputs.push(Input {
                origin: Origin::Stdin,
                name: "<stdin>".to_owned(),
            });
            continue;
        }
        let name = path.display().to_string();
        match policy.check(path) {
            Ok(fs::Kind::Dir) => {
                let chain = path.canonicalize().into_iter().collect();
                walk(path, respect_ignore, policy, chain, &mut found);
            }
            Ok(fs::Kind::File) => found.inputs.push(file_input(path.clone())),
            Err(fs::Refusal::Skipped(reason)) => found.skipped.push((name, reason)),
            Err(fs::Refusal::Failed(message)) => found
                .problems
                .push(Problem::new(ProblemKind::Io, message).in_file(name)),
        }
    }
    let mut seen = std::collections::HashSet::new();
    found.inputs.retain(|i| seen.insert(i.origin.clone()));
    let mut seen = std::collections::HashSet::new();
    found.skipped.retain(|(name, _)| seen.insert(name.clone()));
    found
}

fn file_input(path: PathBuf) -> Input {
    let name = path.display().to_string();
    Input {
        origin: Origin::File(path),
        name,
    }
}

fn wanted_name(p: &Path) -> bool {
    p.extension()
        .and_then(|x| x.to_str())
        .is_some_and(|x| EXTENSIONS.contains(&x.to_ascii_lowercase().as_str()))
        || kubelet::is_flags_file(p)
        || dockerfile::is_dockerfile(p)
}

/// Most directory links followed one inside another (like the kernel's `ELOOP` bound).
const MAX_LINK_DEPTH: usize = 40;

/// Walk a directory; `chain` holds the canonical directories this walk is inside (the root
/// and every directory link followed to get here): a link to one of them is a loop.
fn walk(
    dir: &Path,
    respect_ignore: bool,
    policy: &fs::Policy,
    chain: Vec<PathBuf>,
    out: &mut Discovered,
) {
    let mut files = Vec::new();
    let mut links = Vec::new();
    let walker = ignore::WalkBuilder::new(dir)
        .standard_filters(false)
        .git_ignore(respect_ignore)
        .git_exclude(respect_ignore)
        .ignore(respect_ignore)
        .parents(respect_ignore)
        .require_git(false)
        // `.terraform/` holds the providers and registry modules `terraform init` downloaded:
        // not the configuration under review.
        .filter_entry(|e| e.file_name() != ".git" && e.file_name() != ".terraform")
        .build();
    for entry in walker {
        match entry {
            Ok(e) => {
                let p = e.path();
                let Some(t) = e.file_type() else { continue };
                if e.depth() > 0 && t.is_symlink() {
                    links.push(p.to_path_buf());
                } else if t.is_file() || t.is_dir() {
                    if t.is_file() && wanted_name(p) {
                        files.push(p.to_path_buf());
                    }
                } else if wanted_name(p) {
                    // A FIFO, socket or device with a manifest's name: refused, not read.
                    out.problems.push(
                        Problem::new(ProblemKind::Io, "not a regular file")
                            .in_file(p.display().to_string()),
                    );
                }
            }
            Err(e) => out.problems.push(
                Problem::new(ProblemKind::Io, format!("cannot walk: {e}"))
                    .in_file(dir.display().to_string()),
            ),
        }
    }
    files.sort();
    links.sort();
    let mut inputs: Vec<Input> = files.into_iter().map(file_input).collect();
    for link in links {
        let name = link.display().to_string();
        match policy.check(&link) {
            Ok(fs::Kind::File) if wanted_name(&link) => inputs.push(file_input(link)),
            Ok(fs::Kind::File) => {}
            Ok(fs::Kind::Dir) => {
                let Ok(target) = link.canonicalize() else {
                    continue;
                };
                if chain.iter().any(|c| c.starts_with(&target)) || chain.len() > MAX_LINK_DEPTH {
                    out.skipped.push((
                        name,
                        format!(
                            "symlink loop (to {}, a directory this walk is inside)",
                            target.display()
                        ),
                    ));
                    continue;
                }
                let mut inner = chain.clone();
                inner.push(target);
                let before = out.inputs.len();
                walk(&link, respect_ignore, policy, inner, out);
                inputs.extend(out.inputs.drain(before..));
            }
            // A link under another name (`README`, `Makefile`) is no input either way, unless
            // it leads to a directory (that may hold some).
            Err(_) if !wanted_name(&link) && !link.is_dir() => {}
            Err(fs::Refusal::Skipped(reason)) => out.skipped.push((name, reason)),
            Err(fs::Refusal::Failed(message)) => out
                .problems
                .push(Problem::new(ProblemKind::Io, message).in_file(name)),
        }
    }
    inputs.sort();
    out.inputs.extend(inputs);
}

/// One Kubernetes object ready for the plugins.
#[derive(Debug)]
pub struct LoadedDoc {
    /// Index of its YAML document in the file.
    pub yaml_index: usize,
    /// Pointer prefix of the object inside that YAML document (`/items/3` for List items).
    pub prefix: String,
    /// Format.
    pub format: Format,
    /// Hints.
    pub hints: Arc<Hints>,
    /// The JSON view.
    pub value: Value,
    /// Pointer → range of the YAML document.
    pub spans: Arc<SpanIndex>,
    /// Helm template it was rendered from (`# Source:`).
    pub template: Option<String>,
}

/// A document of a file that was not scanned, and why.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct SkippedDoc {
    /// Where it starts.
    pub range: Range,
    /// Why.
    pub reason: String,
}

/// A loaded file: its documents, the ones skipped, its problems.
#[derive(Debug)]
pub struct LoadedFile {
    /// The source.
    pub source: Arc<SourceFile>,
    /// Kubernetes objects.
    pub documents: Vec<LoadedDoc>,
    /// Documents that are not Kubernetes objects.
    pub skipped: Vec<SkippedDoc>,
    /// Parse errors.
    pub problems: Vec<Problem>,
}

/// Texts that replace files on disk (an editor's unsaved buffers), by [`overlay_key`].
pub type Overlay = std::collections::HashMap<PathBuf, Arc<str>>;

/// The key of a path in an [`Overlay`]: absolute and lexically normalised.
#[must_use]
pub fn overlay_key(path: &Path) -> PathBuf {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    terraform::module::normalize(&absolute)
}

/// Read an input's text. Standard input is read by the caller and passed in.
pub fn read(input: &Input, stdin: Option<&Arc<str>>) -> Result<Arc<SourceFile>, Problem> {
    read_with(input, stdin, None)
}

/// [`read`], preferring an overlay's text to the file on disk.
pub fn read_with(
    input: &Input,
    stdin: Option<&Arc<str>>,
    overlay: Option<&Overlay>,
) -> Result<Arc<SourceFile>, Problem> {
    read_in(input, stdin, overlay, &fs::Policy::default())
}

/// [`read_with`] under an input policy: a file that is not regular is refused, and a file (or
/// standard input, when `stdin` is not given) larger than the policy's cap is an error that
/// names the option raising it.
pub fn read_in(
    input: &Input,
    stdin: Option<&Arc<str>>,
    overlay: Option<&Overlay>,
    policy: &fs::Policy,
) -> Result<Arc<SourceFile>, Problem> {
    let buffer = match &input.origin {
        Origin::File(path) => overlay.and_then(|o| o.get(&overlay_key(path))).cloned(),
        Origin::Stdin => None,
    };
    let text: Arc<str> = match (&input.origin, buffer) {
        (Origin::Stdin, _) => match stdin {
            Some(text) if text.len() as u64 > policy.max_file_size => {
                return Err(Problem::new(
                    ProblemKind::Io,
                    fs::ReadError::TooLarge {
                        size: format!("{} bytes", text.len()),
                        limit: policy.max_file_size,
                    }
                    .to_string(),
                )
                .in_file(input.name.clone()));
            }
            Some(text) => Arc::clone(text),
            None => policy
                .stdin()
                .map_err(|e| Problem::new(ProblemKind::Io, e).in_file(input.name.clone()))?,
        },
        (Origin::File(_), Some(buffer)) => buffer,
        (Origin::File(path), None) => match policy.read(path) {
            Ok(s) => Arc::from(s),
            Err(e) => {
                let kind = if matches!(e, fs::ReadError::NotUtf8(_)) {
                    ProblemKind::Parse
                } else {
                    ProblemKind::Io
                };
                return Err(Problem::new(kind, e.to_string()).in_file(input.name.clone()));
            }
        },
    };
    Ok(Arc::new(SourceFile::new(
        input.origin.clone(),
        input.name.clone(),
        text,
    )))
}

/// How files are loaded.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// Bound on YAML alias expansion.
    pub alias_limit: usize,
    /// Where the `.tf` sources of a Terraform plan JSON are (default: the plan's directory,
    /// when it holds `.tf` files).
    pub plan_sources: Option<PathBuf>,
    /// The input policy (links, size cap).
    pub policy: Arc<fs::Policy>,
}

/// Parse a source file into Kubernetes objects (or Terraform plan resources).
#[must_use]
pub fn load(source: Arc<SourceFile>, alias_limit: usize) -> LoadedFile {
    load_with(
        source,
        &LoadOptions {
            alias_limit,
            ..LoadOptions::default()
        },
    )
}

/// [`load`] with all options.
#[must_use]
pub fn load_with(source: Arc<SourceFile>, options: &LoadOptions) -> LoadedFile {
    let alias_limit = options.alias_limit;
    let mut documents = Vec::new();
    let mut skipped = Vec::new();
    let mut problems = Vec::new();
    if kubelet::is_flags_source(&source) {
        let (value, spans) = kubelet::load(&source);
        documents.push(LoadedDoc {
            yaml_index: 0,
            prefix: String::new(),
            format: Format::Kubelet,
            hints: Arc::new(Hints {
                api_version: Some("stiglint.dev/v1".to_owned()),
                kind: Some("KubeletFlags".to_owned()),
                ..Hints::default()
            }),
            value,
            spans: Arc::new(spans),
            template: None,
        });
        return LoadedFile {
            source,
            documents,
            skipped,
            problems,
        };
    }
    if dockerfile::is_dockerfile(Path::new(&*source.name)) {
        let parsed = dockerfile::parse(&source);
        let name = Path::new(&*source.name)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned());
        documents.push(LoadedDoc {
            yaml_index: 0,
            prefix: String::new(),
            format: Format::Dockerfile,
            hints: Arc::new(Hints {
                api_version: Some("stiglint.dev/v1".to_owned()),
                kind: Some("Dockerfile".to_owned()),
                name,
                ..Hints::default()
            }),
            value: parsed.value,
            spans: Arc::new(parsed.spans),
            template: None,
        });
        return LoadedFile {
            source,
            documents,
            skipped,
            problems: parsed.problems,
        };
    }
    if json::is_json(&source)
        && let Some(e) = json::syntax_error(&source)
    {
        problems.push(
            Problem::new(ProblemKind::Parse, e.message)
                .in_file(&*source.name)
                .at(Range::new(e.position, e.position)),
        );
        return LoadedFile {
            source,
            documents,
            skipped,
            problems,
        };
    }
    let bounds = yaml::Bounds {
        alias_limit,
        scan_aliases: Some(&options.policy.aliases),
        max_bytes: yaml::MAX_FILE_VALUE_BYTES,
    };
    let parsed = yaml::parse_bounded(&source, bounds);
    classify(
        &source,
        parsed,
        options,
        &mut documents,
        &mut skipped,
        &mut problems,
    );
    LoadedFile {
        source,
        documents,
        skipped,
        problems,
    }
}

/// Sort parsed YAML documents into Kubernetes objects, Trivy reports and plan resources, the
/// documents that are none of these (skipped, with the reason) and parse errors.
fn classify(
    source: &Arc<SourceFile>,
    parsed: Vec<Result<yaml::YamlDoc, yaml::ParseError>>,
    options: &LoadOptions,
    documents: &mut Vec<LoadedDoc>,
    skipped: &mut Vec<SkippedDoc>,
    problems: &mut Vec<Problem>,
) {
    for parsed in parsed {
        match parsed {
            Ok(doc) => {
                let spans = Arc::new(doc.spans);
                let root = spans.get("").unwrap_or_default();
                if terraform::plan::is_plan(&doc.value) {
                    terraform::plan_documents(
                        source,
                        &doc.value,
                        &spans,
                        options.plan_sources.as_deref(),
                        &options.policy,
                        documents,
                        skipped,
                    );
                    continue;
                }
                if let Some(hints) = trivy::hints(&doc.value) {
                    documents.push(LoadedDoc {
                        yaml_index: doc.index,
                        prefix: String::new(),
                        format: Format::Trivy,
                        hints: Arc::new(hints),
                        value: doc.value,
                        spans,
                        template: None,
                    });
                    continue;
                }
                match k8s::objects(doc.value) {
                    Ok(objects) => documents.extend(objects.into_iter().map(|o| LoadedDoc {
                        yaml_index: doc.index,
                        prefix: o.prefix,
                        format: Format::K8s,
                        hints: Arc::new(o.hints),
                        value: o.value,
                        spans: Arc::clone(&spans),
                        template: doc.template.clone(),
                    })),
                    Err(reason) => skipped.push(SkippedDoc {
                        range: root,
                        reason,
                    }),
                }
            }
            Err(e) => problems.push(
                Problem::new(ProblemKind::Parse, e.message)
                    .in_file(&*source.name)
                    .at(Range::new(e.position, e.position)),
            ),
        }
    }
}

/// Chunks of a large YAML file to load and judge a part at a time (see [`load_part`]), about
/// `per_part` documents each; `None` when the file is better loaded whole (one part, JSON, a
/// kubelet flags file).
#[must_use]
pub fn parts(source: &SourceFile, per_part: usize) -> Option<Vec<Vec<(u32, u32)>>> {
    if kubelet::is_flags_source(source)
        || json::is_json(source)
        || dockerfile::is_dockerfile(Path::new(&*source.name))
    {
        return None;
    }
    let chunks = yaml::chunks(source);
    if chunks.len() <= per_part {
        return None;
    }
    Some(chunks.chunks(per_part).map(<[_]>::to_vec).collect())
}

/// Load the next chunks of a YAML file (see [`parts`]), in order: their documents, skips and
/// errors (the file's budgets run on in `parse`).
#[must_use]
pub fn load_part(
    source: Arc<SourceFile>,
    chunks: &[(u32, u32)],
    parse: &mut yaml::FileParse,
    options: &LoadOptions,
) -> LoadedFile {
    let mut documents = Vec::new();
    let mut skipped = Vec::new();
    let mut problems = Vec::new();
    let bounds = yaml::Bounds {
        alias_limit: options.alias_limit,
        scan_aliases: Some(&options.policy.aliases),
        max_bytes: yaml::MAX_FILE_VALUE_BYTES,
    };
    let parsed = parse.parse(&source, chunks, bounds);
    classify(
        &source,
        parsed,
        options,
        &mut documents,
        &mut skipped,
        &mut problems,
    );
    LoadedFile {
        source,
        documents,
        skipped,
        problems,
    }
}
