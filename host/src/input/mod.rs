//! Inputs: finding the files to scan and loading them into documents with positions.
//! One module per format; this one finds files and dispatches.

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
    let mut inputs = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            inputs.push(Input {
                origin: Origin::Stdin,
                name: "<stdin>".to_owned(),
            });
            continue;
        }
        match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => walk(path, respect_ignore, &mut inputs, &mut problems),
            Ok(_) => inputs.push(file_input(path.clone())),
            Err(e) => problems.push(
                Problem::new(ProblemKind::Io, format!("cannot read: {e}"))
                    .in_file(path.display().to_string()),
            ),
        }
    }
    let mut seen = std::collections::HashSet::new();
    inputs.retain(|i| seen.insert(i.origin.clone()));
    (inputs, problems)
}

fn file_input(path: PathBuf) -> Input {
    let name = path.display().to_string();
    Input {
        origin: Origin::File(path),
        name,
    }
}

fn walk(dir: &Path, respect_ignore: bool, inputs: &mut Vec<Input>, problems: &mut Vec<Problem>) {
    let mut found = Vec::new();
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
                let wanted =
                    e.file_type().is_some_and(|t| t.is_file())
                        && (p.extension().and_then(|x| x.to_str()).is_some_and(|x| {
                            EXTENSIONS.contains(&x.to_ascii_lowercase().as_str())
                        }) || kubelet::is_flags_file(p));
                if wanted {
                    found.push(p.to_path_buf());
                }
            }
            Err(e) => problems.push(
                Problem::new(ProblemKind::Io, format!("cannot walk: {e}"))
                    .in_file(dir.display().to_string()),
            ),
        }
    }
    found.sort();
    inputs.extend(found.into_iter().map(file_input));
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
    let buffer = match &input.origin {
        Origin::File(path) => overlay.and_then(|o| o.get(&overlay_key(path))).cloned(),
        Origin::Stdin => None,
    };
    let text: Arc<str> = match (&input.origin, buffer) {
        (Origin::Stdin, _) => stdin.cloned().unwrap_or_else(|| Arc::from("")),
        (Origin::File(_), Some(buffer)) => buffer,
        (Origin::File(path), None) => {
            let bytes = std::fs::read(path).map_err(|e| {
                Problem::new(ProblemKind::Io, format!("cannot read: {e}"))
                    .in_file(input.name.clone())
            })?;
            match String::from_utf8(bytes) {
                Ok(s) => Arc::from(s),
                Err(e) => {
                    let at = e.utf8_error().valid_up_to();
                    return Err(Problem::new(
                        ProblemKind::Parse,
                        format!("not UTF-8 text (invalid byte at offset {at})"),
                    )
                    .in_file(input.name.clone()));
                }
            }
        }
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
}

/// Parse a source file into Kubernetes objects (or Terraform plan resources).
#[must_use]
pub fn load(source: Arc<SourceFile>, alias_limit: usize) -> LoadedFile {
    load_with(
        source,
        &LoadOptions {
            alias_limit,
            plan_sources: None,
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
    let parsed = yaml::parse(&source, alias_limit);
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
    if kubelet::is_flags_source(source) || json::is_json(source) {
        return None;
    }
    let chunks = yaml::chunks(source);
    if chunks.len() <= per_part {
        return None;
    }
    Some(chunks.chunks(per_part).map(<[_]>::to_vec).collect())
}

/// Load some chunks of a YAML file (see [`parts`]): their documents, skips and errors, as if
/// the file held nothing else. Document numbers start at `index`.
#[must_use]
pub fn load_part(
    source: Arc<SourceFile>,
    chunks: &[(u32, u32)],
    index: usize,
    options: &LoadOptions,
) -> LoadedFile {
    let mut documents = Vec::new();
    let mut skipped = Vec::new();
    let mut problems = Vec::new();
    let parsed = yaml::parse_chunks(&source, chunks, options.alias_limit, index);
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
