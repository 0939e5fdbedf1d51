//! One admission review through the engine, and the decision it makes.
//!
//! The object (and its Namespace, when one is known) become in-memory JSON documents of one
//! scan of the session — the same judge, cross-document and waiver steps `stiglint check`
//! runs, as the language server drives them over an editor's buffers — and the findings on the
//! object decide: open findings enforced as `deny` at or above `[serve] deny` refuse the
//! request, every other open finding is a warning, a waived finding admits and is recorded in
//! the audit annotations.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::{Arc, PoisonError, RwLock};

use crate::config::OnError;
use crate::input::{Overlay, overlay_key};
use crate::problem::{Problem, ProblemKind};
use crate::runtime::{ControlMeta, Enforcement, Scope, Severity};
use crate::scan::{Finding, FindingStatus};
use crate::session::{Session, SessionError, SessionOptions};

/// Longest warning kube-apiserver passes on untruncated.
const MAX_WARNING: usize = 256;

/// Under `/dev/null` nothing can exist on disk: the review's documents are only ever read from
/// the scan's overlay.
const ROOT: &str = "/dev/null/stiglint-admission";

/// A finding as the decision reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    /// Control ID.
    pub control: String,
    /// Severity.
    pub severity: Severity,
    /// Enforcement.
    pub enforcement: Enforcement,
    /// The message (without the control ID).
    pub message: String,
    /// JSON pointer within the object.
    pub pointer: String,
}

/// A waived finding and its waiver.
#[derive(Clone, Debug)]
pub struct WaivedItem {
    /// The finding.
    pub item: Item,
    /// The waiver.
    pub waiver: crate::waivers::Record,
}

/// What the engine made of one object.
#[derive(Clone, Debug, Default)]
pub struct Verdict {
    /// Open findings that refuse the request.
    pub deny: Vec<Item>,
    /// Open findings returned as warnings.
    pub warn: Vec<Item>,
    /// Waived findings (admitted, audited).
    pub waived: Vec<WaivedItem>,
    /// Errors: a plugin that failed, a document that could not be read.
    pub errors: Vec<Problem>,
}

/// The loaded engine: the session (plugins compiled and configured once), and what it does at
/// admission.
pub struct Judge {
    session: RwLock<Arc<Session>>,
    options: SessionOptions,
    /// Findings enforced as `deny` at or above this refuse a request.
    pub deny: Severity,
    /// What a request that cannot be judged gets.
    pub on_error: OnError,
    /// Scan-scope controls that need the whole repository, with why: not run at admission.
    pub not_at_admission: Vec<(String, String)>,
    /// Waivers that cannot match an object arriving as JSON: not applicable at admission.
    pub waivers_not_applicable: Vec<String>,
    /// The controls at admission that relate an object to its Namespace (Pod Security
    /// checks): only when there is one is the Namespace a document of the review's scan.
    pub namespace_readers: Vec<String>,
    /// The threads reviews are judged on (see [`Judge::spawn`]).
    pool: rayon::ThreadPool,
}

/// Whether a control can judge an object at admission. A document-scope control judges it
/// alone; a scan-scope control can only when the one other document it relates the object to
/// is its Namespace (what the webhook supplies): it declares the `Namespace` kind, and
/// otherwise only pod-bearing kinds and the Pod Security configuration (a Pod Security
/// Standards check). A scan-scope control
/// that relates objects to other kinds (NetworkPolicies, Trivy reports) or to each other
/// (image versions across workloads) needs the repository, and does not run.
pub fn runs_at_admission(control: &ControlMeta) -> Result<(), String> {
    if control.scope == Scope::Document {
        return Ok(());
    }
    let pods = stiglint_sdk::k8s::POD_KINDS;
    // The Pod Security admission configuration (`AdmissionConfiguration`,
    // `PodSecurityConfiguration`) is read from the repository when it is there; at admission
    // it comes from `stiglint.toml` (`[plugin-settings.workload.pss-configuration]`), so a
    // control that also reads it still judges an object with its Namespace alone.
    let configuration = ["AdmissionConfiguration", "PodSecurityConfiguration"];
    let others: Vec<&str> = control
        .kinds
        .iter()
        .map(String::as_str)
        .filter(|k| *k != "Namespace" && !pods.contains(k) && !configuration.contains(k))
        .collect();
    if !others.is_empty() {
        return Err(format!("needs the repository's {}", others.join(", ")));
    }
    if !control.kinds.iter().any(|k| k == "Namespace") {
        return Err("relates objects of the repository to each other".to_owned());
    }
    Ok(())
}

/// Load the session for admission: no inline waivers (JSON has no comments), no result cache
/// (every review is judged afresh), the repository-wide controls deselected and the
/// path-scoped waivers set aside.
/// A session made for admission, and what it leaves out.
struct Loaded {
    session: Session,
    namespace_readers: Vec<String>,
    not_at_admission: Vec<(String, String)>,
    waivers_not_applicable: Vec<String>,
}

fn load(options: &SessionOptions) -> Result<Loaded, SessionError> {
    let mut session = Session::new(options.clone())?;
    let mut not_at_admission = Vec::new();
    for c in session.controls() {
        if !session.selected.contains(&c.id) {
            continue;
        }
        if let Err(why) = runs_at_admission(c) {
            not_at_admission.push((c.id.clone(), c.formats.iter().any(|f| f == "k8s"), why));
        }
    }
    for (id, _, _) in &not_at_admission {
        session.selected.remove(id);
    }
    // Controls of other formats (Terraform, kubelet, control-plane files) never see an
    // admitted object anyway: only the Kubernetes ones are worth a line in the log.
    let not_at_admission = not_at_admission
        .into_iter()
        .filter(|(_, k8s, _)| *k8s)
        .map(|(id, _, why)| (id, why))
        .collect();
    let mut inapplicable = Vec::new();
    session.waivers.retain(|w| {
        let why = if w.scope.path.is_some() {
            Some("a `path` selector")
        } else if w.scope.address.is_some() {
            Some("a Terraform `address` selector")
        } else {
            None
        };
        if let Some(why) = why {
            inapplicable.push(format!("{} ({}): {why}", w.control, w.origin.describe()));
        }
        why.is_none()
    });
    let namespace_readers = session
        .controls()
        .into_iter()
        .filter(|c| {
            c.scope == Scope::Scan
                && session.selected.contains(&c.id)
                && c.kinds.iter().any(|k| k == "Namespace")
        })
        .map(|c| c.id.clone())
        .collect();
    Ok(Loaded {
        session,
        namespace_readers,
        not_at_admission,
        waivers_not_applicable: inapplicable,
    })
}

impl Judge {
    /// Load and configure every plugin (blocking: compiles or reads precompiled plugins);
    /// reviews are judged on `threads` threads.
    pub fn new(mut options: SessionOptions, threads: usize) -> Result<Self, JudgeError> {
        options.no_inline_waivers = true;
        options.no_result_cache = true;
        options.memory_results = false;
        let Loaded {
            session,
            namespace_readers,
            not_at_admission,
            waivers_not_applicable,
        } = load(&options)?;
        if let Some(p) = session.problems.first() {
            return Err(JudgeError::Plugin(p.headline()));
        }
        let config = &options.config;
        let deny = config
            .serve
            .deny
            .or(config.fail_on)
            .unwrap_or(Severity::Low);
        let on_error = config.serve.on_error;
        Ok(Self {
            session: RwLock::new(Arc::new(session)),
            options,
            deny,
            on_error,
            not_at_admission,
            waivers_not_applicable,
            namespace_readers,
            pool: rayon::ThreadPoolBuilder::new()
                .num_threads(threads.max(1))
                .thread_name(|i| format!("stiglint-judge-{i}"))
                // A panic drops the review's answer channel: the review gets `on-error`.
                .panic_handler(|_| {})
                .build()
                .map_err(|e| JudgeError::Plugin(format!("cannot start the judge threads: {e}")))?,
        })
    }

    /// Judge a review on the judge's own threads; the verdict arrives on the channel (closed
    /// without one if judging panicked). The scan starts on a thread of the pool its parallel
    /// steps run on: no hand-off from a blocking thread into rayon's global pool, whose idle
    /// workers spent a quarter of the server's CPU time in `sched_yield` under load.
    pub fn spawn(
        self: &Arc<Self>,
        uid: String,
        object: String,
        namespace: Option<Arc<str>>,
    ) -> tokio::sync::oneshot::Receiver<Verdict> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let judge = Arc::clone(self);
        self.pool.spawn(move || {
            let verdict = judge.judge(&uid, &object, namespace.as_deref());
            let _ = tx.send(verdict);
        });
        rx
    }

    /// The session in use.
    #[must_use]
    pub fn session(&self) -> Arc<Session> {
        Arc::clone(&self.session.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// When the day changed since the session was made, make it again with the new date
    /// (waiver expiry and date-dependent controls): `Ok(true)` when swapped.
    pub fn new_day(&self, today: &str) -> Result<bool, JudgeError> {
        if self.session().options.today == today {
            return Ok(false);
        }
        let mut options = self.options.clone();
        today.clone_into(&mut options.today);
        let loaded = load(&options)?;
        *self.session.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(loaded.session);
        Ok(true)
    }

    /// Judge one object (JSON text) with its Namespace (JSON text), blocking.
    #[must_use]
    pub fn judge(&self, uid: &str, object: &str, namespace: Option<&str>) -> Verdict {
        let session = self.session();
        let dir: String = uid
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let object_path = PathBuf::from(format!("{ROOT}/{dir}/object.json"));
        let mut overlay = Overlay::new();
        overlay.insert(overlay_key(&object_path), Arc::from(object));
        let mut paths = vec![object_path.clone()];
        if let Some(ns) = namespace {
            let ns_path = PathBuf::from(format!("{ROOT}/{dir}/namespace.json"));
            overlay.insert(overlay_key(&ns_path), Arc::from(ns));
            paths.push(ns_path);
        }
        let result = session.scan_with(&paths, None, Some(&overlay));
        let name = object_path.display().to_string();
        let mut verdict = Verdict {
            errors: result.problems,
            ..Verdict::default()
        };
        for f in result.findings {
            if *f.location.file != *name {
                continue;
            }
            let item = item(&f);
            match (f.status, f.waiver) {
                (FindingStatus::Waived, Some(applied)) => verdict.waived.push(WaivedItem {
                    item,
                    waiver: applied.record,
                }),
                _ if f.enforcement.denies() && f.severity >= self.deny => verdict.deny.push(item),
                _ => verdict.warn.push(item),
            }
        }
        verdict
    }
}

fn item(f: &Finding) -> Item {
    Item {
        control: f.control.clone(),
        severity: f.severity,
        enforcement: f.enforcement,
        message: f.message.clone(),
        pointer: f.location.pointer.clone(),
    }
}

/// Why the engine cannot start.
#[derive(Debug, thiserror::Error)]
pub enum JudgeError {
    /// The session (configuration, waivers, plugins).
    #[error(transparent)]
    Session(#[from] SessionError),
    /// A plugin failed to load.
    #[error("{0}")]
    Plugin(String),
}

/// The object a review is about, as a message names it: `Deployment team-a/web`.
#[must_use]
pub fn subject(kind: &str, namespace: Option<&str>, name: &str) -> String {
    let name = if name.is_empty() {
        "(generated name)"
    } else {
        name
    };
    match namespace {
        Some(ns) if !ns.is_empty() => format!("{kind} {ns}/{name}"),
        _ => format!("{kind} {name}"),
    }
}

/// The denial's `status.message`: one paragraph naming each denying control, its severity and
/// the JSON pointer of the field.
#[must_use]
pub fn denial_message(subject: &str, deny: &[Item]) -> String {
    let mut m = format!("stiglint denied {subject}: ");
    for (i, d) in deny.iter().enumerate() {
        if i > 0 {
            m.push_str("; ");
        }
        let _ = write!(
            m,
            "{} ({}, {}) at {}: {}",
            d.control,
            d.severity.cat(),
            d.severity.name(),
            if d.pointer.is_empty() {
                "/"
            } else {
                &d.pointer
            },
            d.message.trim_end_matches('.')
        );
    }
    m.push('.');
    m
}

/// A warning line for a finding that does not refuse the request (at most 256 characters).
#[must_use]
pub fn warning(item: &Item) -> String {
    let mode = match item.enforcement {
        Enforcement::Deny => String::new(),
        e => format!(", {}", e.name()),
    };
    let w = format!(
        "{} ({}{mode}) at {}: {}",
        item.control,
        item.severity.cat(),
        if item.pointer.is_empty() {
            "/"
        } else {
            &item.pointer
        },
        item.message
    );
    truncate(w, MAX_WARNING)
}

fn truncate(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut end = max - '…'.len_utf8();
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
        s.push('…');
    }
    s
}

/// The audit annotations of the waived findings: one key per control (kube-apiserver prefixes
/// it with the webhook's name; the key is a valid qualified-name part), the waivers in the
/// value.
#[must_use]
pub fn audit_annotations(waived: &[WaivedItem]) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for w in waived {
        let key: String = format!("waived.{}", w.item.control)
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '.' || c == '_' {
                    c
                } else {
                    '-'
                }
            })
            .take(63)
            .collect();
        let r = &w.waiver;
        let mut value = format!(
            "control={}; at={}; ticket={}; approver={}; expires={}; waiver={}",
            w.item.control,
            if w.item.pointer.is_empty() {
                "/"
            } else {
                &w.item.pointer
            },
            r.ticket.as_deref().unwrap_or("-"),
            r.approved_by,
            r.expires,
            r.origin.describe()
        );
        let entry = out.entry(key).or_default();
        if !entry.is_empty() {
            entry.push_str(" | ");
        }
        entry.push_str(&std::mem::take(&mut value));
    }
    out
}

/// A problem as one line for a response message.
#[must_use]
pub fn problem_line(p: &Problem) -> String {
    let who = p
        .plugin
        .as_deref()
        .map(|n| format!("plugin '{n}': "))
        .unwrap_or_default();
    let kind = match p.kind {
        ProblemKind::Plugin => "plugin error",
        ProblemKind::Parse => "the object could not be read",
        ProblemKind::Io | ProblemKind::Config => "error",
    };
    format!("{kind}: {who}{}", p.message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn it(control: &str, severity: Severity, pointer: &str, message: &str) -> Item {
        Item {
            control: control.to_owned(),
            severity,
            enforcement: Enforcement::Deny,
            message: message.to_owned(),
            pointer: pointer.to_owned(),
        }
    }

    #[test]
    fn denial_names_every_control_severity_and_pointer_in_one_paragraph() {
        let m = denial_message(
            &subject("Deployment", Some("team-a"), "web"),
            &[
                it(
                    "KUBER-L2-000020",
                    Severity::Medium,
                    "/spec/template/spec/containers/0",
                    "Container 'app' must set runAsNonRoot: true",
                ),
                it("CNTR-K8-000290", Severity::High, "", "Privileged."),
            ],
        );
        assert_eq!(
            m,
            "stiglint denied Deployment team-a/web: KUBER-L2-000020 (CAT II, medium) at /spec/template/spec/containers/0: Container 'app' must set runAsNonRoot: true; CNTR-K8-000290 (CAT I, high) at /: Privileged."
        );
        assert!(!m.contains('\n'));
    }

    #[test]
    fn warnings_are_cut_at_256_bytes_on_a_char_boundary() {
        let long = "é".repeat(300);
        let w = warning(&it("X-1", Severity::Low, "/a", &long));
        assert!(w.len() <= MAX_WARNING, "{}", w.len());
        assert!(w.ends_with('…'));
    }

    #[test]
    fn audit_keys_are_qualified_name_parts() {
        let record = crate::waivers::Record {
            control: "GK-K8sAllowedRepos/repos".to_owned(),
            scope: crate::waivers::Scope::default(),
            justification: "j".to_owned(),
            approved_by: "alice".to_owned(),
            approved_on: None,
            expires: "2099-01-01".to_owned(),
            ticket: Some("SEC-1".to_owned()),
            origin: crate::waivers::Origin::Plugin {
                name: "p".to_owned(),
            },
        };
        let w = WaivedItem {
            item: it("GK-K8sAllowedRepos/repos", Severity::Low, "/x", "m"),
            waiver: record,
        };
        let a = audit_annotations(&[w.clone(), w]);
        let (k, v) = a.iter().next().expect("one key");
        assert_eq!(k, "waived.GK-K8sAllowedRepos-repos");
        assert_eq!(v.matches("ticket=SEC-1").count(), 2, "{v}");
    }
}
