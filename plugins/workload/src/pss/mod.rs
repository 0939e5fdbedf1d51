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

use stiglint_sdk::k8s::{Container, PodSpec, is_pod_bearing};
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
    /// `Deployment 'web'`.
    pub who: String,
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
        let meta = doc.json.pointer(&meta_pointer);
        Some(Self {
            spec,
            meta,
            meta_pointer,
            who: doc.describe(),
        })
    }

    /// A field of the pod's `securityContext`.
    #[must_use]
    pub fn sc(&self, path: &str) -> Option<&'a Value> {
        self.spec
            .get("securityContext")?
            .pointer(&format!("/{path}"))
            .filter(|v| !v.is_null())
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

    /// Every container, init container and ephemeral container.
    pub fn containers(&self) -> impl Iterator<Item = Container<'a>> + 'a {
        self.spec.containers()
    }

    /// A place at a pod-level field.
    #[must_use]
    pub fn place(&self, relative: &str, value: impl Into<String>) -> Place {
        Place {
            pointer: self.spec.pointer_to(relative),
            who: self.who.clone(),
            name: String::new(),
            value: value.into(),
            related: String::new(),
        }
    }
}

/// A field of a container's `securityContext` (`null` is unset).
#[must_use]
pub fn csc<'a>(c: &Container<'a>, path: &str) -> Option<&'a Value> {
    c.value
        .get("securityContext")?
        .pointer(&format!("/{path}"))
        .filter(|v| !v.is_null())
}

/// A place in a container (`relative` empty: the container itself, for a missing field).
#[must_use]
pub fn at(c: &Container<'_>, relative: &str, value: impl Into<String>) -> Place {
    Place {
        pointer: if relative.is_empty() {
            c.pointer.clone()
        } else {
            c.pointer_to(relative)
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

/// The failing places of one control's checks on a pod, each with its version range.
#[must_use]
pub fn evaluate(control: &str, pod: &Pod<'_>) -> Vec<Entry> {
    let mut out: Vec<Entry> = Vec::new();
    for (i, check) in CHECKS.iter().enumerate() {
        if check.control != control {
            continue;
        }
        for (k, v) in check.versions.iter().enumerate() {
            let hi = check.versions.get(k + 1).map_or(u32::MAX, |n| n.min - 1);
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

/// `check` of a PSS control: keep the facts `finish` needs.
pub fn facts(control: &str, doc: &stiglint_sdk::Document, scan: &ScanContext, out: &mut Out) {
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
            let Some(pod) = Pod::of(doc) else {
                return;
            };
            let entries = evaluate(control, &pod);
            if entries.is_empty() {
                return;
            }
            let namespace = doc.effective_namespace(scan);
            let pointers: Vec<&str> = entries
                .iter()
                .flat_map(|e| [e.place.pointer.as_str(), e.place.related.as_str()])
                .filter(|p| !p.is_empty())
                .collect();
            let v: Vec<Value> = entries
                .iter()
                .map(|e| {
                    let p = &e.place;
                    let mut a = json!([e.check, e.lo, e.hi, p.pointer, p.who, p.name, p.value]);
                    if !p.related.is_empty()
                        && let Some(a) = a.as_array_mut()
                    {
                        a.push(json!(p.related));
                    }
                    a
                })
                .collect();
            out.fact_in(&[&bucket(namespace)], &pointers, json!({"n": namespace, "v": v}));
        }
        _ => {}
    }
}

/// The modes of a namespace: `(enforcement, level, version)`, strongest first.
type Modes = Vec<(Enforcement, LevelVersion)>;

fn entry_of(v: &Value) -> Option<Entry> {
    let a = v.as_array()?;
    let s = |i: usize| a.get(i).and_then(Value::as_str).unwrap_or_default().to_owned();
    let n = |i: usize| {
        a.get(i)
            .and_then(Value::as_u64)
            .and_then(|x| u32::try_from(x).ok())
    };
    Some(Entry {
        check: usize::try_from(n(0)?).ok()?,
        lo: n(1)?,
        hi: n(2)?,
        place: Place {
            pointer: s(3),
            who: s(4),
            name: s(5),
            value: s(6),
            related: s(7),
        },
    })
}

/// `finish` of a PSS control: decide, per namespace, which places are findings.
pub fn finish(facts: &[Fact], defaults: &Defaults, notes: bool, out: &mut Out) {
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
            if notes {
                for p in problems {
                    out.note_in(f.document, NoteKind::Partial, "/metadata/labels", p);
                }
            }
            namespaces.insert(ns.to_owned(), (f.document, modes));
        }
    }
    for f in facts {
        let Some(ns) = f.data["n"].as_str() else {
            continue;
        };
        let modes = if config.exempt.contains(ns) {
            Vec::new()
        } else {
            namespaces
                .get(ns)
                .map_or_else(|| config.default_modes(), |(_, m)| m.clone())
        };
        let entries: Vec<Entry> = f.data["v"]
            .as_array()
            .map(|v| v.iter().filter_map(entry_of).collect())
            .unwrap_or_default();
        // The strongest verdict per place: PSS deny, the control's own meaning, warn, audit.
        let mut best: BTreeMap<&str, (u8, usize, Option<&(Enforcement, LevelVersion)>)> =
            BTreeMap::new();
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
                let slot = best.entry(e.place.pointer.as_str()).or_insert((u8::MAX, i, None));
                if rank < slot.0 {
                    *slot = (rank, i, mode);
                }
            }
        }
        let mut seen = BTreeSet::new();
        for (j, e) in entries.iter().enumerate() {
            let Some(&(rank, i, mode)) = best.get(e.place.pointer.as_str()) else {
                continue;
            };
            // The control's own meaning keeps one finding per container that inherits a
            // pod-level field; a Pod Security verdict is one finding per place.
            let own = rank == 1 && CHECKS.get(e.check).is_some_and(|c| c.level == Level::Privileged);
            let i = if own { j } else { i };
            if !seen.insert(i) {
                continue;
            }
            let e = &entries[i];
            let check = CHECKS[e.check];
            let mut message = (check.message)(&e.place);
            if let Some((_, lv)) = mode {
                message.push_str(&format!(
                    ". It violates PodSecurity \"{}:{}\": {} ({})",
                    lv.level.name(),
                    lv.label,
                    check.reason,
                    (check.detail)(&e.place)
                ));
            }
            let mut finding = out.finding_in(f.document, &e.place.pointer, message);
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
                    format!("{} inherits {what} from the pod's securityContext", e.place.who),
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
                $crate::pss::finish(facts, &self.defaults, $id == "KUBER-L2-000070", out);
            }
        }
    };
}
