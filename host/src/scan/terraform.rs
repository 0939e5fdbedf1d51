//! The Terraform phase, cached as a unit. Terraform is evaluated a root module at a time, with
//! its variable files and the local modules it calls, so a `.tf` file's result depends on
//! other files: `variables.tf` beside `main.tf`, a `terraform.tfvars`, a module two
//! directories away. The judged results of every Terraform input are therefore kept together,
//! with what they were computed from: each module directory the evaluation read, the Terraform
//! files it lists (`*.tf`, `terraform.tfvars`, `*.auto.tfvars`) with their digests, and each
//! `--var-file`'s digest. A later scan with the same Terraform inputs takes the unit only when
//! all of these are unchanged (a file edited, added or removed is a miss), else evaluates and
//! judges again.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::input::{self, Input};
use crate::problem::{Problem, ProblemKind};
use crate::source::{Origin, SourceFile};

use super::ScanSpec;
use super::cache::{self, ResultCache};
use super::judge::FileOutcome;

/// What the Terraform phase was computed from, besides the scan's fingerprint and inputs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deps {
    /// Each module directory read, with its Terraform files (name, digest) in name order.
    dirs: Vec<(PathBuf, Vec<(String, String)>)>,
    /// Each `--var-file`, with its digest (or why it could not be read).
    var_files: Vec<(PathBuf, String)>,
}

/// The Terraform phase's result: every Terraform input's judged outcome (by input name), the
/// problems that belong to no input, and what the input policy skipped.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Unit {
    /// What it was computed from.
    pub deps: Deps,
    /// Each Terraform input's outcome, by name.
    pub outcomes: Vec<(String, FileOutcome)>,
    /// Problems that belong to no input (an unreadable `--var-file`, a module's own error).
    pub problems: Vec<Problem>,
    /// What the input policy skipped: (name, reason).
    pub skipped: Vec<(String, String)>,
}

/// The scan's Terraform inputs (`.tf` files), by index.
pub fn inputs(inputs: &[Input]) -> Vec<usize> {
    (0..inputs.len())
        .filter(|&i| input::terraform::is_terraform(&inputs[i]))
        .collect()
}

/// The unit's key: the fingerprint, the Terraform variables, and the Terraform inputs' names
/// and paths.
pub fn key(
    fingerprint: &str,
    spec: &ScanSpec<'_>,
    inputs: &[Input],
    terraform: &[usize],
) -> String {
    let mut names = String::new();
    for &i in terraform {
        if let Origin::File(p) = &inputs[i].origin {
            names.push_str(&format!("{}\0{}\0", inputs[i].name, p.display()));
        }
    }
    let vars = format!("{:?}", spec.terraform);
    cache::key(
        fingerprint,
        &format!("terraform\0{vars}"),
        &cache::digest(&names),
    )
}

/// A text's digest, read through the editor's buffers and the input policy; a file that cannot
/// be read has a digest that says why (an unreadable file is a dependency too).
fn digest_of(path: &Path, spec: &ScanSpec<'_>, cache: &ResultCache) -> String {
    cache
        .digest_path(path, spec.overlay, spec.policy)
        .unwrap_or_else(|why| format!("unreadable: {why}"))
}

/// Whether a directory entry's name is a file the Terraform loader reads.
fn read_by_terraform(name: &str) -> bool {
    Path::new(name).extension().is_some_and(|e| e == "tf")
        || name == "terraform.tfvars"
        || name.ends_with(".auto.tfvars")
}

/// What a Terraform phase that read these module directories was computed from, now.
pub fn deps(dirs: &[PathBuf], spec: &ScanSpec<'_>, cache: &ResultCache) -> Deps {
    let dirs = dirs
        .iter()
        .map(|dir| {
            let listing = std::fs::read_dir(if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            });
            let mut files: Vec<(String, String)> = listing
                .map(|entries| {
                    entries
                        .filter_map(Result::ok)
                        .filter_map(|e| e.file_name().into_string().ok())
                        .filter(|name| read_by_terraform(name))
                        .map(|name| {
                            let d = digest_of(&dir.join(&name), spec, cache);
                            (name, d)
                        })
                        .collect()
                })
                .unwrap_or_default();
            // An editor's buffer of a new file not yet on disk is read too.
            if let Some(overlay) = spec.overlay {
                let here = input::overlay_key(dir);
                for path in overlay.keys() {
                    if path.parent() == Some(here.as_path())
                        && let Some(name) = path.file_name().and_then(|n| n.to_str())
                        && read_by_terraform(name)
                        && !files.iter().any(|(n, _)| n == name)
                    {
                        files.push((name.to_owned(), digest_of(path, spec, cache)));
                    }
                }
            }
            files.sort();
            (dir.clone(), files)
        })
        .collect();
    let var_files = spec
        .terraform
        .files
        .iter()
        .map(|p| (p.clone(), digest_of(p, spec, cache)))
        .collect();
    Deps { dirs, var_files }
}

/// The cached unit for this scan, if there is one and nothing it was computed from changed;
/// with the sources of the Terraform inputs (for code frames and inline waivers).
pub fn lookup(
    cache: &ResultCache,
    key: &str,
    spec: &ScanSpec<'_>,
    inputs: &[Input],
    terraform: &[usize],
) -> Option<(Unit, HashMap<usize, Arc<SourceFile>>)> {
    let unit = cache.get_unit(key)?;
    let dirs: Vec<PathBuf> = unit.deps.dirs.iter().map(|(d, _)| d.clone()).collect();
    if deps(&dirs, spec, cache) != unit.deps {
        return None;
    }
    let mut sources = HashMap::new();
    for &i in terraform {
        let (source, _) = cache
            .read(&inputs[i], None, spec.overlay, spec.policy)
            .ok()?;
        sources.insert(i, source);
    }
    Some((unit, sources))
}

/// Whether a unit may be stored: no plugin failed on it (a timeout may not happen next time).
pub fn cacheable<'a>(mut outcomes: impl Iterator<Item = &'a FileOutcome>) -> bool {
    outcomes.all(|o| !o.problems.iter().any(|p| p.kind == ProblemKind::Plugin))
}
