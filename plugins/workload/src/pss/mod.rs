//! The Pod Security Standards, as `k8s.io/pod-security-admission` defines them: one file per
//! check (`check_<id>.rs`, like upstream's `policy/check_*.go`), each with its versioned
//! implementations, and the registry that says which check applies at which level and version.
//!
//! The level of a workload depends on another document (its Namespace's
//! `pod-security.kubernetes.io/*` labels, a `PodSecurityConfiguration`), so a control's
//! `check` keeps, per document, the compact list of places that fail a check and the policy
//! versions at which they fail ([`facts`]); `finish` decides per namespace which of them are
//! findings, and with which enforcement ([`finish`]).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use stiglint_sdk::k8s::{ContainerKind, PodSpec, is_pod_bearing};
use stiglint_sdk::{Enforcement, Fact, Fix, NoteKind, Out, ScanContext, Value, json};

pub mod check_allow_privilege_escalation;
pub mod check_app_armor_profile;
pub mod check_capabilities_baseline;
pub mod check_capabilities_restricted;
pub mod check_host_namespaces;
pub mod check_host_path_volumes;
pub mod check_host_ports;
pub mod check_host_probes_and_host_lifecycle;
pub mod check_privileged;
pub mod check_proc_mount;
pub mod check_proc_mount_restricted;
pub mod check_restricted_volumes;
pub mod check_run_as_non_root;
pub mod check_run_as_user;
pub mod check_se_linux_options;
pub mod check_seccomp_profile_baseline;
pub mod check_seccomp_profile_restricted;
pub mod check_sysctls;
pub mod check_windows_host_process;
pub mod settings;

pub use settings::{Defaults, LevelVersion};

/// The newest policy version stiglint knows (`v1.<LATEST>`): `latest` means it.
pub const LATEST: u32 = 37;

/// A Pod Security Standards level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// No restriction (also: a control's own STIG meaning, which applies at every level).
    Privileged,
    /// Minimally restrictive: prevents known privilege escalations.
    Baseline,
    /// Heavily restricted: current pod hardening best practice.
    Restricted,
}

impl Level {
    /// Parse a label value.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "privileged" => Some(Self::Privileged),
            "baseline" => Some(Self::Baseline),
            "restricted" => Some(Self::Restricted),
            _ => None,
        }
    }

    /// The label value.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Privileged => "privileged",
            Self::Baseline => "baseline",
            Self::Restricted => "restricted",
        }
    }
}

/// The pod a check looks at: its spec, its metadata (annotations) and its object.
pub struct Pod<'a> {
    /// The pod spec.
    pub spec: PodSpec<'a>,
    /// The pod template's metadata, if any.
    pub meta: Option<&'a Value>,
    /// Pointer to the pod template's metadata.
    pub meta_pointer: String,
    /// The document.
    pub doc: &'a stiglint_sdk::Document,
}

impl<'a> Pod<'a> {
    /// The pod of a pod-bearing document.
    #[must_use]
    pub fn of(doc: &'a stiglint_sdk::Document) -> Option<Self> {
        let spec = doc.pod()?;
        let meta_pointer = format!(
            "{}/metadata",
            spec.pointer.strip_suffix("/spec").unwrap_or_default()
        );
        let meta = walk(&doc.json, meta_pointer.trim_start_matches('/'));
        Some(Self {
            spec,
            meta,
            meta_pointer,
            doc,
        })
    }

    /// `Deployment 'web'`.
    #[must_use]
    pub fn who(&self) -> String {
        self.doc.describe()
    }

    /// A field of the pod's `securityContext`.
    #[must_use]
    pub fn sc(&self, path: &str) -> Option<&'a Value> {
        walk(self.spec.get("securityContext")?, path)
    }

    /// Whether the pod declares `spec.os.name: windows`.
    #[must_use]
    pub fn windows(&self) -> bool {
        self.spec
            .get("os")
            .and_then(|o| o.get("name"))
            .and_then(Value::as_str)
            == Some("windows")
    }

    /// Every container, init container and ephemeral container (nothing allocated: most
    /// checks find nothing).
    pub fn containers(&self) -> impl Iterator<Item = Ctr<'a>> + 'a {
        let spec = self.spec;
        [
            ContainerKind::Regular,
            ContainerKind::Init,
            ContainerKind::Ephemeral,
        ]
        .into_iter()
        .flat_map(move |kind| {
            let list = spec
                .value
                .get(kind.field())
                .and_then(Value::as_array)
                .map_or(&[][..], Vec::as_slice);
            list.iter()
                .enumerate()
                .filter(|(_, v)| v.is_object())
                .map(move |(index, value)| Ctr {
                    value,
                    kind,
                    index,
                    pod: spec,
                })
        })
    }

    /// A place at a pod-level field.
    #[must_use]
    pub fn place(&self, relative: &str, value: impl Into<String>) -> Place {
        Place {
            pointer: self.spec.pointer_to(relative),
            who: self.who(),
            name: String::new(),
            value: value.into(),
            related: String::new(),
        }
    }
}

/// One container of a pod, without its pointer until a check needs it.
#[derive(Clone, Copy)]
pub struct Ctr<'a> {
    /// The container object.
    pub value: &'a Value,
    /// Which list it is in.
    pub kind: ContainerKind,
    /// Its index in the list.
    pub index: usize,
    /// Its pod.
    pub pod: PodSpec<'a>,
}

impl<'a> Ctr<'a> {
    /// `name`, or `""`.
    #[must_use]
    pub fn name(&self) -> &'a str {
        self.value.get("name").and_then(Value::as_str).unwrap_or("")
    }

    /// Its pointer (`/spec/template/spec/containers/0`).
    #[must_use]
    pub fn pointer(&self) -> String {
        format!("{}/{}/{}", self.pod.pointer, self.kind.field(), self.index)
    }

    /// `Container 'app'`, as the other workload controls say it.
    #[must_use]
    pub fn describe(&self) -> String {
        if self.name().is_empty() {
            return format!("{} #{} (no name)", self.kind.label(), self.index);
        }
        format!("{} '{}'", self.kind.label(), self.name())
    }
}

/// A field of a container's `securityContext` (`null` is unset).
#[must_use]
pub fn csc<'a>(c: &Ctr<'a>, path: &str) -> Option<&'a Value> {
    walk(c.value.get("securityContext")?, path)
}

/// The value at a `/`-separated path of object keys (`null` is unset), without the
/// allocations of `Value::pointer`: every check of every document walks these paths.
#[must_use]
pub fn walk<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('/')
        .try_fold(value, |v, key| v.get(key))
        .filter(|v| !v.is_null())
}

/// A place in a container (`relative` empty: the container itself, for a missing field).
#[must_use]
pub fn at(c: &Ctr<'_>, relative: &str, value: impl Into<String>) -> Place {
    let pointer = c.pointer();
    Place {
        pointer: if relative.is_empty() {
            pointer
        } else {
            format!("{pointer}/{relative}")
        },
        who: c.describe(),
        name: c.name().to_owned(),
        value: value.into(),
        related: String::new(),
    }
}

/// One place that fails a check.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Place {
    /// The field that violates, or the object that lacks a required field.
    pub pointer: String,
    /// `Container 'app'`, `Deployment 'web'`: for stiglint's message.
    pub who: String,
    /// The container's name (empty: the pod), for admission's wording.
    pub name: String,
    /// The value at fault (a capability, a port, a volume name...).
    pub value: String,
    /// The container that inherits a pod-level field at fault (empty: none).
    pub related: String,
}

impl Place {
    /// `container "app"` or `pod`, as admission words it.
    #[must_use]
    pub fn subject(&self) -> String {
        if self.name.is_empty() {
            "pod".to_owned()
        } else {
            format!("container \"{}\"", self.name)
        }
    }
}

/// One implementation of a check, from a policy version on.
pub struct Versioned {
    /// The first minor version (`v1.<min>`) it applies to.
    pub min: u32,
    /// The places that fail it.
    pub eval: fn(&Pod<'_>) -> Vec<Place>,
    /// It is the previous implementation with Windows pods (`spec.os.name: windows`) exempt:
    /// for another pod its places are the previous one's, and are not computed again.
    pub exempt_windows: bool,
}

/// A Pod Security Standards check.
pub struct Check {
    /// Upstream's check ID (`capabilities_baseline`).
    pub id: &'static str,
    /// Its level (`Privileged`: a control's own STIG meaning, at every level, without `pss`).
    pub level: Level,
    /// The control that reports it.
    pub control: &'static str,
    /// Its implementations, oldest first.
    pub versions: &'static [Versioned],
    /// Baseline checks it replaces at the restricted level (upstream's `overrideCheckIDs`).
    pub overrides: &'static [&'static str],
    /// Admission's reason (`privileged`).
    pub reason: &'static str,
    /// Admission's detail for one place.
    pub detail: fn(&Place) -> String,
    /// stiglint's message for one place.
    pub message: fn(&Place) -> String,
    /// A safe fix, if any.
    pub fix: fn(&Place) -> Option<Fix>,
}

/// No fix.
#[must_use]
pub fn no_fix(_: &Place) -> Option<Fix> {
    None
}

/// Every check, in the registry's order.
pub static CHECKS: &[&Check] = &[
    &check_windows_host_process::CHECK,
    &check_host_namespaces::CHECK,
    &check_privileged::CHECK,
    &check_capabilities_baseline::CHECK,
    &check_host_path_volumes::CHECK,
    &check_host_ports::CHECK,
    &check_host_probes_and_host_lifecycle::CHECK,
    &check_app_armor_profile::CHECK,
    &check_se_linux_options::CHECK,
    &check_proc_mount::CHECK,
    &check_seccomp_profile_baseline::CHECK,
    &check_sysctls::CHECK,
    &check_restricted_volumes::CHECK,
    &check_allow_privilege_escalation::CHECK,
    &check_run_as_non_root::CHECK,
    &check_run_as_user::CHECK,
    &check_seccomp_profile_restricted::CHECK,
    &check_capabilities_restricted::CHECK,
    &check_proc_mount_restricted::CHECK,
    &check_run_as_non_root::OWN,
    &check_privileged::OWN,
    &check_host_namespaces::OWN,
];

/// Whether a check is judged at a level and version (`minor`).
#[must_use]
pub fn applies(check: &Check, level: Level, minor: u32) -> bool {
    if check.level == Level::Privileged || level < check.level {
        return check.level == Level::Privileged && level == Level::Privileged;
    }
    let Some(first) = check.versions.first() else {
        return false;
    };
    if minor < first.min {
        return false;
    }
    level != Level::Restricted
        || !CHECKS.iter().any(|r| {
            r.level == Level::Restricted
                && r.overrides.contains(&check.id)
                && r.versions.first().is_some_and(|v| minor >= v.min)
        })
}

/// One failing place of a check with the versions `[lo, hi]` at which it fails.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Index into [`CHECKS`].
    pub check: usize,
    /// First minor version.
    pub lo: u32,
    /// Last minor version.
    pub hi: u32,
    /// The place.
    pub place: Place,
}

/// A document's entries by document epoch and ID.
type Memo = (u64, u32, std::rc::Rc<Vec<Entry>>);

thread_local! {
    /// The last document's entries (every control's), by document epoch and ID: the PSS
    /// controls of the plugin judge the same document in turn, and it is evaluated once.
    static MEMO: std::cell::RefCell<Option<Memo>> = const { std::cell::RefCell::new(None) };
}

/// The failing places of every check on a document's pod, once per document inside the glue.
fn entries_of(doc: &stiglint_sdk::Document) -> std::rc::Rc<Vec<Entry>> {
    let epoch = stiglint_sdk::document_epoch();
    if epoch != 0
        && let Some(hit) = MEMO.with(|m| {
            m.borrow()
                .as_ref()
                .filter(|(e, id, _)| *e == epoch && *id == doc.id)
                .map(|(_, _, v)| std::rc::Rc::clone(v))
        })
    {
        return hit;
    }
    let entries = std::rc::Rc::new(
        Pod::of(doc)
            .map(|pod| evaluate(None, &pod))
            .unwrap_or_default(),
    );
    if epoch != 0 {
        MEMO.with(|m| *m.borrow_mut() = Some((epoch, doc.id, std::rc::Rc::clone(&entries))));
    }
    entries
}

/// The failing places of one control's checks (`None`: every check) on a pod, each with its
/// version range.
#[must_use]
pub fn evaluate(control: Option<&str>, pod: &Pod<'_>) -> Vec<Entry> {
    let mut out: Vec<Entry> = Vec::new();
    for (i, check) in CHECKS.iter().enumerate() {
        if control.is_some_and(|c| c != check.control) || !stiglint_sdk::is_selected(check.control)
        {
            continue;
        }
        let windows = pod.windows();
        for (k, v) in check.versions.iter().enumerate() {
            let hi = check.versions.get(k + 1).map_or(u32::MAX, |n| n.min - 1);
            if v.exempt_windows && !windows {
                // The same places as the previous implementation: extend their ranges.
                for e in out
                    .iter_mut()
                    .filter(|e| e.check == i && e.hi.saturating_add(1) == v.min)
                {
                    e.hi = hi;
                }
                continue;
            }
            for place in (v.eval)(pod) {
                if let Some(e) = out
                    .iter_mut()
                    .find(|e| e.check == i && e.place == place && e.hi.saturating_add(1) == v.min)
                {
                    e.hi = hi;
                } else {
                    out.push(Entry {
                        check: i,
                        lo: v.min,
                        hi,
                        place,
                    });
                }
            }
        }
    }
    out
}

/// The namespace group of a name: a stable hash (FNV-1a) into [`BUCKETS`] groups.
#[must_use]
pub fn bucket(namespace: &str) -> String {
    let hash = namespace.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("pss-{:02}", hash % BUCKETS)
}

/// How many groups namespaces are hashed into.
pub const BUCKETS: u64 = 16;

/// The kinds a PSS control reads besides the pod-bearing ones.
pub const POLICY_KINDS: &[&str] = &[
    "Namespace",
    "AdmissionConfiguration",
    "PodSecurityConfiguration",
];

/// The controls that report Pod Security checks, in the order that picks the one that keeps
/// the facts for all of them (the first selected).
pub const CONTROLS: &[&str] = &[
    "KUBER-L2-000020",
    "KUBER-L2-000060",
    "KUBER-L2-000070",
    "STIGLINT-PSS-0001",
    "STIGLINT-PSS-0002",
    "STIGLINT-PSS-0003",
    "STIGLINT-PSS-0004",
    "STIGLINT-PSS-0005",
    "STIGLINT-PSS-0006",
    "STIGLINT-PSS-0007",
    "STIGLINT-PSS-0008",
    "STIGLINT-PSS-0009",
    "STIGLINT-PSS-0010",
    "STIGLINT-PSS-0011",
];

/// Whether `control` keeps the facts of every selected PSS control (it is the first selected):
/// one fact per document, not one per control, keeps the cross-document step small.
#[must_use]
pub fn keeps_facts(control: &str) -> bool {
    thread_local! {
        /// The leader of the last selection, by selection generation.
        static LEADER: std::cell::Cell<(u64, Option<&'static str>)> =
            const { std::cell::Cell::new((u64::MAX, None)) };
    }
    let generation = stiglint_sdk::selection_generation();
    let (known, leader) = LEADER.with(std::cell::Cell::get);
    let leader = if known == generation {
        leader
    } else {
        let leader = CONTROLS
            .iter()
            .copied()
            .find(|c| stiglint_sdk::is_selected(c));
        LEADER.with(|l| l.set((generation, leader)));
        leader
    };
    leader == Some(control)
}

/// `check` of a PSS control: the first selected one keeps the facts `finish` needs for all.
pub fn facts(control: &str, doc: &stiglint_sdk::Document, scan: &ScanContext, out: &mut Out) {
    if !keeps_facts(control) {
        return;
    }
    match doc.kind() {
        "Namespace" if doc.api_version() == "v1" => {
            let labels = settings::namespace_labels(doc);
            if !labels.is_empty() {
                let name = doc.name();
                out.fact_in(
                    &[&bucket(name)],
                    &["/metadata/labels", "/metadata/name"],
                    json!({"ns": name, "labels": labels}),
                );
            }
        }
        "AdmissionConfiguration" | "PodSecurityConfiguration" => {
            if let Some(cfg) = settings::admission_config(doc) {
                let all: Vec<String> = (0..BUCKETS).map(|b| format!("pss-{b:02}")).collect();
                let groups: Vec<&str> = all.iter().map(String::as_str).collect();
                out.fact_in(&groups, &[], json!({"cfg": cfg}));
            }
        }
        _ if is_pod_bearing(doc) => {
            let all = entries_of(doc);
            let entries: Vec<&Entry> = all
                .iter()
                .filter(|e| stiglint_sdk::is_selected(CHECKS[e.check].control))
                .collect();
            if entries.is_empty() {
                return;
            }
            let namespace = doc.effective_namespace(scan);
            let pointers: Vec<&str> = entries
                .iter()
                .flat_map(|e| [e.place.pointer.as_str(), e.place.related.as_str()])
                .filter(|p| !p.is_empty())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            let data = encode(doc, namespace, &entries);
            out.fact_in(&[&bucket(namespace)], &pointers, data);
        }
        _ => {}
    }
}

/// The modes of a namespace: `(enforcement, level, version)`, strongest first.
type Modes = Vec<(Enforcement, LevelVersion)>;

/// A fact's entries, compact (a 100,000-Deployment scan keeps one per document): one JSON
/// string, not a JSON tree, so that neither side builds thousands of small values:
/// `{"n": namespace, "d": text}`. The text's first line is the pod's description, then one
/// line per container (`c`, pointer, description, name), then one per entry (`e`, check, lo,
/// hi (`-`: open), container (`-`: none), pointer after the container's, value, description
/// (when not the container's or the pod's), name (likewise), related); fields are separated
/// by tabs, and a tab, newline or backslash inside one is escaped with a backslash.
fn encode(doc: &stiglint_sdk::Document, namespace: &str, entries: &[&Entry]) -> Value {
    let pod_who = doc.describe();
    let mut text = String::with_capacity(64 * (entries.len() + 1));
    escape_into(&mut text, &pod_who);
    let mut containers: Vec<(&str, &str, &str)> = Vec::new();
    let mut lines = String::new();
    for e in entries {
        let p = &e.place;
        let mut ci = None;
        let mut rest = p.pointer.as_str();
        if !p.name.is_empty()
            && let Some(end) = container_end(&p.pointer)
        {
            let base = &p.pointer[..end];
            let i = containers
                .iter()
                .position(|(b, _, _)| *b == base)
                .unwrap_or_else(|| {
                    containers.push((base, p.who.as_str(), p.name.as_str()));
                    containers.len() - 1
                });
            if containers[i].1 == p.who && containers[i].2 == p.name {
                ci = Some(i);
                rest = &p.pointer[end..];
            }
        }
        let _ = write!(lines, "\ne\t{}\t{}\t", e.check, e.lo);
        if e.hi == u32::MAX {
            lines.push('-');
        } else {
            let _ = write!(lines, "{}", e.hi);
        }
        lines.push('\t');
        match ci {
            Some(i) => {
                let _ = write!(lines, "{i}");
            }
            None => lines.push('-'),
        }
        let (who, name) = if ci.is_some() {
            ("", "")
        } else if p.who == pod_who {
            ("", p.name.as_str())
        } else {
            (p.who.as_str(), p.name.as_str())
        };
        for field in [rest, p.value.as_str(), who, name, p.related.as_str()] {
            lines.push('\t');
            escape_into(&mut lines, field);
        }
    }
    for (base, who, name) in containers {
        text.push_str("\nc");
        for field in [base, who, name] {
            text.push('\t');
            escape_into(&mut text, field);
        }
    }
    text.push_str(&lines);
    json!({"n": namespace, "d": text})
}

/// Append a field, escaping tab, newline and backslash.
fn escape_into(out: &mut String, field: &str) {
    for ch in field.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// The fields of one line of [`encode`]'s text, unescaped.
fn fields(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = line.chars();
    while let Some(ch) = chars.next() {
        match ch {
            '\t' => out.push(String::new()),
            '\\' => {
                let c = match chars.next() {
                    Some('t') => '\t',
                    Some('n') => '\n',
                    Some(other) => other,
                    None => break,
                };
                if let Some(last) = out.last_mut() {
                    last.push(c);
                }
            }
            c => {
                if let Some(last) = out.last_mut() {
                    last.push(c);
                }
            }
        }
    }
    out
}

/// Where the container part of a pointer ends (`/spec/containers/0` of
/// `/spec/containers/0/securityContext`).
fn container_end(pointer: &str) -> Option<usize> {
    for list in ["/containers/", "/initContainers/", "/ephemeralContainers/"] {
        if let Some(i) = pointer.find(list) {
            let after = i + list.len();
            let digits = pointer[after..]
                .bytes()
                .take_while(u8::is_ascii_digit)
                .count();
            if digits > 0 {
                return Some(after + digits);
            }
        }
    }
    None
}

/// The entries of a fact [`encode`] wrote.
fn decode(data: &Value) -> Vec<Entry> {
    let Some(text) = data["d"].as_str() else {
        return Vec::new();
    };
    let mut lines = text.split('\n');
    let pod_who = lines
        .next()
        .map(|l| fields(l).swap_remove(0))
        .unwrap_or_default();
    let mut containers: Vec<Vec<String>> = Vec::new();
    let mut out = Vec::new();
    for line in lines {
        let f = fields(line);
        let get = |i: usize| f.get(i).map_or("", String::as_str);
        match get(0) {
            "c" => containers.push(f.clone()),
            "e" => {
                let (Ok(check), Ok(lo)) = (get(1).parse::<usize>(), get(2).parse::<u32>()) else {
                    continue;
                };
                let hi = get(3).parse::<u32>().unwrap_or(u32::MAX);
                let container = get(4).parse::<usize>().ok().and_then(|i| containers.get(i));
                let (base, who, name) = match container {
                    Some(c) => (
                        c.get(1).map_or("", String::as_str),
                        c.get(2).map_or("", String::as_str),
                        c.get(3).map_or("", String::as_str),
                    ),
                    None => (
                        "",
                        if get(7).is_empty() {
                            pod_who.as_str()
                        } else {
                            get(7)
                        },
                        get(8),
                    ),
                };
                out.push(Entry {
                    check,
                    lo,
                    hi,
                    place: Place {
                        pointer: format!("{base}{}", get(5)),
                        who: who.to_owned(),
                        name: name.to_owned(),
                        value: get(6).to_owned(),
                        related: get(9).to_owned(),
                    },
                });
            }
            _ => {}
        }
    }
    out
}

/// A namespace's mode: enforcement, level and version.
type Mode = (Enforcement, LevelVersion);

/// Turn one workload fact into findings under its namespace's modes.
fn judge(f: &Fact, modes: &[Mode], out: &mut Out) {
    let entries = decode(&f.data);
    // The strongest verdict per place: PSS deny, the control's own meaning, warn, audit.
    let mut best: BTreeMap<(&str, &str), (u8, usize, Option<&Mode>)> = BTreeMap::new();
    for (i, e) in entries.iter().enumerate() {
        let Some(check) = CHECKS.get(e.check) else {
            continue;
        };
        let verdict = if check.level == Level::Privileged {
            Some((1, None))
        } else {
            modes
                .iter()
                .find(|(_, lv)| {
                    applies(check, lv.level, lv.minor) && (e.lo..=e.hi).contains(&lv.minor)
                })
                .map(|m| {
                    let rank = match m.0 {
                        Enforcement::Deny => 0,
                        Enforcement::Warn => 2,
                        Enforcement::Audit => 3,
                    };
                    (rank, Some(m))
                })
        };
        if let Some((rank, mode)) = verdict {
            let key = (check.control, e.place.pointer.as_str());
            let slot = best.entry(key).or_insert((u8::MAX, i, None));
            if rank < slot.0 {
                *slot = (rank, i, mode);
            }
        }
    }
    let mut seen = BTreeSet::new();
    for (j, e) in entries.iter().enumerate() {
        let Some(&(rank, i, mode)) = CHECKS
            .get(e.check)
            .and_then(|c| best.get(&(c.control, e.place.pointer.as_str())))
        else {
            continue;
        };
        // The control's own meaning keeps one finding per container that inherits a
        // pod-level field; a Pod Security verdict is one finding per place.
        let own = rank == 1
            && CHECKS
                .get(e.check)
                .is_some_and(|c| c.level == Level::Privileged);
        let i = if own { j } else { i };
        if !seen.insert(i) {
            continue;
        }
        let e = &entries[i];
        let check = CHECKS[e.check];
        let mut message = (check.message)(&e.place);
        if let Some((_, lv)) = mode {
            let _ = write!(
                message,
                ". It violates PodSecurity \"{}:{}\": {} ({})",
                lv.level.name(),
                lv.label,
                check.reason,
                (check.detail)(&e.place)
            );
        }
        let mut finding = out.finding_for(check.control, f.document, &e.place.pointer, message);
        if let Some(fix) = (check.fix)(&e.place) {
            finding.fix(fix);
        }
        if !e.place.related.is_empty() {
            let what = if e.place.value == "uid0" {
                "runAsUser: 0".to_owned()
            } else {
                format!("runAsNonRoot: {}", e.place.value)
            };
            finding.related(
                f.document,
                &e.place.related,
                format!(
                    "{} inherits {what} from the pod's securityContext",
                    e.place.who
                ),
            );
        }
        if let Some((enforcement, lv)) = mode {
            finding.enforcement(*enforcement).property(
                "pss",
                json!({"check": check.id, "level": lv.level.name(), "version": lv.label}),
            );
        }
    }
}

/// `finish` of a PSS control: decide, per namespace, which places are findings.
pub fn finish(facts: &[Fact], defaults: &Defaults, out: &mut Out) {
    let mut config = defaults.clone();
    for f in facts {
        if let Some(cfg) = f.data.get("cfg") {
            config.merge_config(cfg);
        }
    }
    let mut namespaces: BTreeMap<String, (u32, Modes)> = BTreeMap::new();
    for f in facts {
        if let (Some(ns), Some(labels)) = (f.data["ns"].as_str(), f.data.get("labels")) {
            let (modes, problems) = config.modes(labels);
            for p in problems {
                out.note_in(f.document, NoteKind::Partial, "/metadata/labels", p);
            }
            namespaces.insert(ns.to_owned(), (f.document, modes));
        }
    }
    let defaults_modes = config.default_modes();
    for f in facts {
        let Some(ns) = f.data["n"].as_str() else {
            continue;
        };
        let modes: &[(Enforcement, LevelVersion)] = if config.exempt.contains(ns) {
            &[]
        } else {
            namespaces.get(ns).map_or(&defaults_modes, |(_, m)| m)
        };
        judge(f, modes, out);
    }
}

/// Declare a control that reports Pod Security checks: `pss_control!("ID", Meta::seed("ID", ...)...)`.
/// The control reads pod-bearing objects, Namespaces and Pod Security configurations, keeps
/// facts in `check` and decides in `finish` ([`facts`], [`finish`]).
#[macro_export]
macro_rules! pss_control {
    ($id:literal, $meta:expr) => {
        /// See the module documentation.
        #[derive(Default)]
        pub struct Rule {
            scan: stiglint_sdk::ScanContext,
            defaults: $crate::pss::Defaults,
        }

        impl stiglint_sdk::Control for Rule {
            fn meta(&self) -> stiglint_sdk::Meta {
                let kinds: Vec<&str> = stiglint_sdk::k8s::POD_KINDS
                    .iter()
                    .chain($crate::pss::POLICY_KINDS)
                    .copied()
                    .collect();
                ($meta).pod_kinds().kinds(&kinds).scan_scope()
            }

            fn configure(
                &mut self,
                settings: &stiglint_sdk::Value,
                scan: &stiglint_sdk::ScanContext,
            ) -> Result<(), String> {
                stiglint_sdk::k8s::list_settings(settings, &[])?;
                self.defaults = $crate::pss::Defaults::from_settings(&scan.plugin)?;
                self.scan = scan.clone();
                Ok(())
            }

            fn check(&self, doc: &stiglint_sdk::Document, out: &mut stiglint_sdk::Out) {
                $crate::pss::facts($id, doc, &self.scan, out);
            }

            fn finish(&self, facts: &[stiglint_sdk::Fact], out: &mut stiglint_sdk::Out) {
                $crate::pss::finish(facts, &self.defaults, out);
            }
        }
    };
}
