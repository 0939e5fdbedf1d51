//! The server's state: the workspace, the open buffers, the stiglint session, and the last
//! scan (the same engine and ranges as the CLI: no second implementation).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use lsp_types::{
    CodeDescription, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location,
    NumberOrString, Uri,
};
use stiglint::config::Config;
use stiglint::input::{Overlay, overlay_key};
use stiglint::runtime::Severity;
use stiglint::scan::{Finding, FindingStatus, NoteKind, ScanResult};
use stiglint::session::{Session, SessionOptions};

use crate::convert;

/// Client settings (`initializationOptions` or `workspace/didChangeConfiguration`'s
/// `settings.stiglint`).
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Settings {
    /// Lowest severity shown: `low`, `medium` or `high`.
    pub severity_threshold: Option<String>,
    /// Do not show waived findings (shown as hints otherwise).
    pub hide_waived: bool,
}

/// Everything the server knows.
pub struct State {
    /// The workspace root.
    pub root: PathBuf,
    /// Open buffers by path.
    pub open: BTreeMap<PathBuf, String>,
    /// The session (plugins loaded once; rebuilt when `stiglint.toml` changes).
    pub session: Option<Session>,
    /// Why the session could not be built (a bad `stiglint.toml`), shown as a diagnostic.
    pub session_error: Option<String>,
    /// The last scan.
    pub last: Option<ScanResult>,
    /// Client settings.
    pub settings: Settings,
    /// Something changed since the last scan: scan before answering or publishing. Changes
    /// that arrive together (an editor sends one per keystroke) are judged once.
    pub dirty: bool,
    /// The workspace's inputs, found once and again only when files are created or deleted
    /// (or the paths to scan change).
    inputs: Option<(Vec<PathBuf>, stiglint::session::Inputs)>,
}

impl State {
    /// A state for a workspace.
    #[must_use]
    pub fn new(root: PathBuf, settings: Settings) -> Self {
        let mut s = Self {
            root,
            open: BTreeMap::new(),
            session: None,
            session_error: None,
            last: None,
            settings,
            dirty: true,
            inputs: None,
        };
        s.reload_config();
        s
    }

    /// (Re)read `stiglint.toml` from the workspace root and load the plugins.
    pub fn reload_config(&mut self) {
        let config = match Config::find(&self.root) {
            Some(p) => Config::read(&p).map_err(|e| e.to_string()),
            None => Ok(Config::default()),
        };
        let built = config.and_then(|config| {
            Session::new(SessionOptions {
                config,
                today: stiglint::dates::today_utc(),
                // Each file's result is kept in memory: a change judges that file again, and
                // the cross-document controls run over the kept facts.
                memory_results: true,
                ..SessionOptions::default()
            })
            .map_err(|e| e.to_string())
        });
        self.inputs = None;
        self.dirty = true;
        match built {
            Ok(s) => {
                self.session = Some(s);
                self.session_error = None;
            }
            Err(e) => {
                self.session = None;
                self.session_error = Some(e);
            }
        }
    }

    /// Something changed: the next [`State::flush`] scans again.
    pub fn rescan(&mut self) {
        self.dirty = true;
    }

    /// Files were created, deleted or changed on disk: find the inputs again, and read the
    /// changed files again.
    pub fn files_changed(&mut self, paths: &[PathBuf]) {
        self.inputs = None;
        if let Some(cache) = self.session.as_ref().and_then(Session::result_cache) {
            for p in paths {
                cache.forget(p);
            }
        }
        self.dirty = true;
    }

    /// Scan if something changed since the last scan; whether it did.
    pub fn flush(&mut self) -> bool {
        if !self.dirty {
            return false;
        }
        self.dirty = false;
        self.rescan_now();
        true
    }

    /// Scan the workspace with the open buffers over the files on disk. Unchanged files'
    /// results come from the session's memory: only what changed is judged again.
    fn rescan_now(&mut self) {
        let Some(session) = &self.session else {
            self.last = None;
            return;
        };
        let overlay: Overlay = self
            .open
            .iter()
            .map(|(p, t)| (overlay_key(p), Arc::from(t.as_str())))
            .collect();
        let mut paths = vec![self.root.clone()];
        paths.extend(
            self.open
                .keys()
                .filter(|p| !p.starts_with(&self.root) || !p.exists())
                .cloned(),
        );
        let fresh = self.inputs.as_ref().is_none_or(|(p, _)| *p != paths);
        if fresh {
            let found = session.inputs(&paths, Some(&overlay));
            self.inputs = Some((paths, found));
        }
        let Some((_, found)) = &self.inputs else {
            return;
        };
        self.last = Some(session.scan_inputs(found, None, Some(&overlay)));
    }

    /// The text of a file: its buffer, else the disk.
    #[must_use]
    pub fn text(&self, path: &Path) -> Option<String> {
        self.open
            .get(path)
            .cloned()
            // Through the input policy: a FIFO or a device is refused, a file is read with the
            // size cap.
            .or_else(|| stiglint::input::fs::Policy::default().read(path).ok())
    }

    /// The absolute path of a file as the scan names it.
    #[must_use]
    pub fn path_of(name: &str) -> PathBuf {
        let p = Path::new(name);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            std::env::current_dir().unwrap_or_default().join(p)
        }
    }

    /// Findings of the last scan in a file, with their index in the scan.
    #[must_use]
    pub fn findings_in(&self, path: &Path) -> Vec<(usize, &Finding)> {
        let Some(last) = &self.last else {
            return Vec::new();
        };
        let here = Here::new(path);
        last.findings
            .iter()
            .enumerate()
            .filter(|(_, f)| here.is(&f.location.file))
            .collect()
    }

    fn threshold(&self) -> Severity {
        match self.settings.severity_threshold.as_deref() {
            Some("high") => Severity::High,
            Some("medium") => Severity::Medium,
            _ => Severity::Low,
        }
    }

    /// The diagnostics of an open file.
    #[must_use]
    pub fn diagnostics(&self, path: &Path) -> Vec<Diagnostic> {
        let text = self.text(path).unwrap_or_default();
        let index = convert::LineIndex::new(&text);
        let mut texts = Texts::default();
        let mut out = Vec::new();
        if let Some(e) = &self.session_error {
            out.push(Diagnostic {
                range: lsp_types::Range::default(),
                severity: Some(DiagnosticSeverity::ERROR),
                source: Some("stiglint".to_owned()),
                message: format!("stiglint cannot start: {e}"),
                ..Diagnostic::default()
            });
            return out;
        }
        let Some(last) = &self.last else {
            return out;
        };
        let here = Here::new(path);
        let here = |name: &str| here.is(name);
        for (number, f) in self.findings_in(path) {
            let waived = f.status == FindingStatus::Waived;
            if (waived && self.settings.hide_waived) || f.severity < self.threshold() {
                continue;
            }
            out.push(self.diagnostic((&text, &index), &mut texts, number, f, waived));
        }
        for n in &last.notes {
            let Some(l) = n.location.as_ref().filter(|l| here(&l.file)) else {
                continue;
            };
            if n.kind != NoteKind::NotEvaluated && n.kind != NoteKind::Partial {
                continue;
            }
            out.push(Diagnostic {
                range: index.range(&text, l.range),
                severity: Some(DiagnosticSeverity::INFORMATION),
                code: Some(NumberOrString::String(n.control.clone())),
                source: Some("stiglint".to_owned()),
                message: format!(
                    "{} {}: {}",
                    n.control,
                    if n.kind == NoteKind::Partial {
                        "partly evaluated"
                    } else {
                        "not evaluated"
                    },
                    n.reason
                ),
                ..Diagnostic::default()
            });
        }
        for p in &last.problems {
            if !p.file.as_deref().is_some_and(here) {
                continue;
            }
            // A whole-file error sits at line 1, column 1.
            let range = p
                .location_range()
                .map(|r| index.range(&text, r))
                .unwrap_or_default();
            out.push(Diagnostic {
                range,
                severity: Some(DiagnosticSeverity::ERROR),
                source: Some("stiglint".to_owned()),
                message: p.message.clone(),
                ..Diagnostic::default()
            });
        }
        out
    }

    fn diagnostic(
        &self,
        (text, lines): (&str, &convert::LineIndex),
        texts: &mut Texts,
        index: usize,
        f: &Finding,
        waived: bool,
    ) -> Diagnostic {
        let severity = if waived {
            DiagnosticSeverity::HINT
        } else {
            match f.severity {
                Severity::High => DiagnosticSeverity::ERROR,
                Severity::Medium => DiagnosticSeverity::WARNING,
                Severity::Low => DiagnosticSeverity::INFORMATION,
            }
        };
        let related: Vec<DiagnosticRelatedInformation> = f
            .related
            .iter()
            .filter_map(|r| {
                let path = Self::path_of(&r.location.file);
                let (other, lines) = texts.get(self, &path)?;
                Some(DiagnosticRelatedInformation {
                    location: Location {
                        uri: convert::uri_of(&path)?,
                        range: lines.range(other, r.location.range),
                    },
                    message: r.message.clone(),
                })
            })
            .collect();
        let mut message = f.message.clone();
        if let Some(t) = &f.template {
            let _ = write!(message, " (rendered from Helm template {t})");
        }
        if let Some(w) = &f.waiver {
            match &w.reason {
                None => {
                    let _ = write!(
                        message,
                        " (waived until {} by {})",
                        w.record.expires, w.record.approved_by
                    );
                }
                Some(reason) => {
                    let _ = write!(message, " (not waived: {reason})");
                }
            }
        }
        Diagnostic {
            range: lines.range(text, f.location.range),
            severity: Some(severity),
            code: Some(NumberOrString::String(f.control.clone())),
            code_description: control_link(&f.control),
            source: Some("stiglint".to_owned()),
            message,
            related_information: (!related.is_empty()).then_some(related),
            data: Some(serde_json::json!({ "finding": index })),
            ..Diagnostic::default()
        }
    }
}

/// Whether a file name of a report is a given file (names are compared as normalised absolute
/// paths, each name normalised once).
struct Here {
    key: PathBuf,
    seen: std::cell::RefCell<std::collections::HashMap<String, bool>>,
}

impl Here {
    fn new(path: &Path) -> Self {
        Self {
            key: overlay_key(path),
            seen: std::cell::RefCell::default(),
        }
    }

    fn is(&self, name: &str) -> bool {
        if let Some(&known) = self.seen.borrow().get(name) {
            return known;
        }
        let is = overlay_key(&State::path_of(name)) == self.key;
        self.seen.borrow_mut().insert(name.to_owned(), is);
        is
    }
}

/// The texts (and line indexes) of the files related places point into, read once per
/// publication.
#[derive(Default)]
struct Texts(std::collections::HashMap<PathBuf, Option<(String, convert::LineIndex)>>);

impl Texts {
    fn get(&mut self, state: &State, path: &Path) -> Option<(&str, &convert::LineIndex)> {
        self.0
            .entry(path.to_path_buf())
            .or_insert_with(|| {
                state.text(path).map(|t| {
                    let index = convert::LineIndex::new(&t);
                    (t, index)
                })
            })
            .as_ref()
            .map(|(t, i)| (t.as_str(), i))
    }
}

/// Where a control is documented: the DISA Kubernetes STIG on STIG Viewer.
fn control_link(_control: &str) -> Option<CodeDescription> {
    use std::str::FromStr;
    Uri::from_str("https://www.stigviewer.com/stig/kubernetes/")
        .ok()
        .map(|href| CodeDescription { href })
}
