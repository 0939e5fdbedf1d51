//! Pointers to ranges: a plugin answers with JSON pointers, the host turns them into exact
//! source ranges — while a file is still parsed (the per-file phase), or from the locations
//! resolved ahead and kept (the cross-document phase).

use std::collections::BTreeMap;
use std::sync::Arc;

use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;
use serde::{Deserialize, Serialize};

use crate::input::spans::SpanIndex;
use crate::input::{self, Hints, LoadedDoc, LoadedFile};
use crate::runtime::bindings::wit;
use crate::source::SourceFile;

use super::Location;

/// What the cross-document phase keeps of each document (its parse is let go).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DocRef {
    /// The object.
    pub hints: Arc<Hints>,
    /// Its Helm template.
    pub template: Option<String>,
    /// Its pointer prefix within its YAML document (a `List` item).
    pub prefix: String,
    /// `(pointer, name)` of each container of a pod-bearing object (for waiver scopes), for
    /// the documents facts name.
    pub containers: Vec<(String, String)>,
    /// Terraform documents keep their positions (a module's evaluation, or a plan mapped to
    /// its `.tf` sources, is not redone to find a pointer), with their file's name. Such
    /// results are cached only with the Terraform phase as a whole.
    #[serde(default)]
    pub kept: Option<(Arc<SpanIndex>, Arc<str>)>,
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
pub fn component_of(pod: &serde_json::Value) -> Option<String> {
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
pub fn containers_of(value: &serde_json::Value) -> Vec<(String, String)> {
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
pub fn container_name(value: &serde_json::Value, pointer: &str) -> Option<String> {
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
pub trait Resolver {
    /// The object, Helm template and pointer prefix of a document.
    fn object(&self, id: u32) -> Option<(&Arc<Hints>, Option<&str>, &str)>;
    /// Where a pointer of a document is, and whether it exists itself.
    fn locate(&self, id: u32, pointer: &str) -> Option<(Location, bool)>;
    /// The name of the container a pointer of a document is inside of.
    fn container(&self, id: u32, pointer: &str) -> Option<String>;
}

/// Documents of one loaded file (the per-file phase): a document's ID is its ordinal.
pub struct FileResolver<'a> {
    /// The file.
    pub loaded: &'a LoadedFile,
}

impl FileResolver<'_> {
    /// A document by ID.
    pub fn doc(&self, id: u32) -> Option<&LoadedDoc> {
        self.loaded.documents.get(id as usize)
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

/// A pointer of a document (its scan-wide ID).
pub type LocationKey = (u32, String);

/// The locations facts declared, by document: a document's few pointers are looked up without
/// allocating a key (a cross-document answer names hundreds of thousands of them).
#[derive(Default)]
pub struct Declared(HashMap<u32, Vec<(String, Place)>>);

/// Where a pointer is, and whether it exists itself.
pub type Place = (Location, bool);

impl Declared {
    /// Keep a location.
    pub fn insert(&mut self, id: u32, pointer: String, at: (Location, bool)) {
        let places = self.0.entry(id).or_default();
        if !places.iter().any(|(p, _)| *p == pointer) {
            places.push((pointer, at));
        }
    }

    /// A location, if declared.
    #[must_use]
    pub fn get(&self, id: u32, pointer: &str) -> Option<&(Location, bool)> {
        self.0
            .get(&id)?
            .iter()
            .find(|(p, _)| p == pointer)
            .map(|(_, at)| at)
    }
}

/// Where each scan-wide document ID comes from: its file and ordinal.
pub struct DocIndex<'a> {
    /// The documents facts name, by scan-wide ID.
    pub docs: HashMap<u32, (usize, u32, &'a DocRef)>,
}

/// Locations resolved ahead of time (the cross-document phase): those facts declared, and
/// those found by parsing a file again.
pub struct MapResolver<'a> {
    /// The documents.
    pub docs: &'a DocIndex<'a>,
    /// Locations facts declared.
    pub located: &'a Declared,
    /// Locations found by parsing again.
    pub extra: HashMap<LocationKey, (Location, bool)>,
}

impl Resolver for MapResolver<'_> {
    fn object(&self, id: u32) -> Option<(&Arc<Hints>, Option<&str>, &str)> {
        self.docs
            .docs
            .get(&id)
            .map(|(_, _, d)| (&d.hints, d.template.as_deref(), d.prefix.as_str()))
    }

    fn locate(&self, id: u32, pointer: &str) -> Option<(Location, bool)> {
        if let Some(found) = self.located.get(id, pointer) {
            return Some(found.clone());
        }
        if let Some(found) = self.extra.get(&(id, pointer.to_owned())) {
            return Some(found.clone());
        }
        let (_, _, doc) = self.docs.docs.get(&id)?;
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
        let (_, _, doc) = self.docs.docs.get(&id)?;
        container_at(&doc.containers, pointer).map(str::to_owned)
    }
}

/// Resolve every (document, pointer) an answer of `finish` names that no fact declared: parse
/// each file concerned again (their parse is deterministic), in parallel, one file per thread
/// at a time, and keep only the locations.
pub fn resolve_ahead(
    out: &wit::CheckOutput,
    docs: &DocIndex<'_>,
    located: &Declared,
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
    let mut by_file: BTreeMap<usize, Vec<(u32, u32, &str)>> = BTreeMap::new();
    for (id, pointer) in wanted {
        if located.get(id, pointer).is_some() {
            continue;
        }
        if let Some((file, ordinal, d)) = docs.docs.get(&id)
            && d.kept.is_none()
        {
            by_file
                .entry(*file)
                .or_default()
                .push((id, *ordinal, pointer));
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
                    let doc = loaded.documents.get(ordinal as usize)?;
                    Some((
                        (id, pointer.to_owned()),
                        locate(&loaded.source, doc, pointer),
                    ))
                })
        })
        .collect()
}

/// Where a pointer of a loaded document is.
pub fn locate(source: &SourceFile, doc: &LoadedDoc, pointer: &str) -> (Location, bool) {
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

#[cfg(test)]
mod tests {
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
