//! # stiglint built-in Gatekeeper plugin
//!
//! Runs OPA Gatekeeper `ConstraintTemplates` (Rego, evaluated by the `regorus` interpreter inside
//! this sandboxed component) and their constraints as stiglint controls: every constraint is
//! the control `GK-<ConstraintKind>/<name>`.
//!
//! Templates and constraints come from two places:
//! * the plugin's settings (`--policy PATH` and `[plugin-settings.gatekeeper] policies`, read by
//!   the host): they are known before the scan, so they are described as the plugin's own
//!   controls and judged per document in `check`;
//! * the scanned files: they are a cross-document dependency, so `check` keeps facts of them
//!   and of every object, and the control [`ENGINE`] judges them in `finish`, one bucket of
//!   objects at a time (see `controls/engine.rs`).
//!
//! `src/matching.rs` is Gatekeeper's `match`, `src/review.rs` its `input.review`,
//! `src/schema.rs` the parameters' schema check, `src/policy.rs` templates and constraints.

pub mod controls;
pub mod matching;
pub mod policy;
pub mod review;
pub mod schema;

mod glue;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Value, json};

use policy::{Action, Constraint, Origin, Template};
use review::Review;

/// The control that judges templates and constraints found among the scanned files.
pub const ENGINE: &str = "GK-Gatekeeper/scanned-policies";

/// The prefix of every control this plugin declares.
pub const PREFIX: &str = "GK-";

/// Objects are spread over this many groups for `finish` (memory follows one group).
pub const BUCKETS: u32 = 16;

/// Default cap on the objects of `data.inventory`.
pub const DEFAULT_INVENTORY_CAP: usize = 20_000;

/// The group of the facts that validate the scanned templates and constraints once.
pub const POLICIES_GROUP: &str = "policies";

/// The group of the facts `data.inventory` is built from.
pub const INVENTORY_GROUP: &str = "inventory";

/// The plugin's settings, once read.
#[derive(Default)]
pub struct State {
    /// Templates from the settings, by constraint kind.
    pub templates: BTreeMap<String, Template>,
    /// Constraints from the settings.
    pub constraints: Vec<Constraint>,
    /// Namespace objects known up front (a suite's inventory), by name.
    pub namespaces: BTreeMap<String, Value>,
    /// `data.inventory` given up front (a suite case), if any.
    pub inventory: Option<Value>,
    /// The namespace objects without one are deployed to.
    pub default_namespace: Option<String>,
    /// Judge templates and constraints found among the scanned files.
    pub scan_policies: bool,
    /// Cap on `data.inventory`'s objects.
    pub inventory_cap: usize,
}

/// One finding: the constraint, the document, the pointer, the message, the enforcement.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    /// Control ID.
    pub control: String,
    /// Document.
    pub document: u32,
    /// Pointer.
    pub pointer: String,
    /// Message.
    pub message: String,
    /// Enforcement override.
    pub action: Action,
}

/// A control this plugin describes or declares.
#[derive(Clone, Debug)]
pub struct ControlDesc {
    /// ID.
    pub id: String,
    /// Title.
    pub title: String,
    /// Documentation.
    pub docs: String,
    /// Enforcement.
    pub action: Action,
    /// Kinds it looks at (empty: all).
    pub kinds: Vec<String>,
    /// The control it stands for.
    pub stands_for: Option<String>,
}

/// Describe a constraint as a control.
#[must_use]
pub fn describe_constraint(c: &Constraint, t: Option<&Template>) -> ControlDesc {
    let title = t.and_then(|t| t.title.clone()).map_or_else(
        || format!("Gatekeeper constraint {}/{}", c.kind, c.name),
        |title| format!("{title} ({}/{})", c.kind, c.name),
    );
    let mut docs = format!(
        "Gatekeeper constraint `{}` of kind `{}` ({}).\n\n",
        c.name,
        c.kind,
        c.origin.at()
    );
    if let Some(t) = t {
        let _ = write!(docs, "Template `{}` ({}).", t.name, t.origin.at());
        if let Some(d) = &t.description {
            docs.push_str("\n\n");
            docs.push_str(d.trim());
        }
    }
    let kinds: Vec<String> = c
        .spec_match
        .get("kinds")
        .and_then(Value::as_array)
        .map(|ks| {
            ks.iter()
                .flat_map(|k| {
                    k.get("kinds")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                })
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let kinds = if kinds.iter().any(|k| k == "*") {
        Vec::new()
    } else {
        kinds
    };
    ControlDesc {
        id: c.id.clone(),
        title,
        docs,
        action: c.action.unwrap_or(Action::Deny),
        kinds,
        stands_for: c
            .stands_for
            .clone()
            .or_else(|| t.and_then(|t| t.stands_for.clone())),
    }
}

fn origin_of(entry: &Value) -> Origin {
    Origin {
        file: entry
            .get("file")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned(),
        line: entry.get("line").and_then(Value::as_u64).unwrap_or(0) as u32,
        rego_lines: entry
            .get("rego-lines")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_u64()? as u32)))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// `data.inventory` of some objects: `cluster[groupVersion][kind][name]` and
/// `namespace[ns][groupVersion][kind][name]`.
#[must_use]
pub fn inventory_of<'a>(objects: impl Iterator<Item = &'a Value>) -> Value {
    let mut cluster = serde_json::Map::new();
    let mut namespaced = serde_json::Map::new();
    for o in objects {
        let gv = o.get("apiVersion").and_then(Value::as_str).unwrap_or("");
        let kind = o.get("kind").and_then(Value::as_str).unwrap_or("");
        let name = o
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("");
        let ns = o
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or("");
        let root = if ns.is_empty() {
            &mut cluster
        } else {
            namespaced
                .entry(ns.to_owned())
                .or_insert_with(|| json!({}))
                .as_object_mut()
                .expect("inserted as an object")
        };
        let by_gv = root.entry(gv.to_owned()).or_insert_with(|| json!({}));
        let by_kind = by_gv
            .as_object_mut()
            .expect("inserted as an object")
            .entry(kind.to_owned())
            .or_insert_with(|| json!({}));
        by_kind
            .as_object_mut()
            .expect("inserted as an object")
            .insert(name.to_owned(), o.clone());
    }
    json!({"cluster": cluster, "namespace": namespaced})
}

impl State {
    /// Read the settings (`{"controls": ..., "plugin": {...}}`).
    #[allow(clippy::too_many_lines)] // each setting, then each policy document, then the pairs
    pub fn configure(settings: &Value, default_namespace: Option<String>) -> Result<Self, String> {
        let own = settings.get("plugin").cloned().unwrap_or_else(|| json!({}));
        let own = own.as_object().cloned().unwrap_or_default();
        let mut state = Self {
            default_namespace,
            scan_policies: true,
            inventory_cap: DEFAULT_INVENTORY_CAP,
            ..Self::default()
        };
        for (key, value) in &own {
            match key.as_str() {
                "policies" => {}
                "scan-policies" => {
                    state.scan_policies = value
                        .as_bool()
                        .ok_or("scan-policies must be true or false")?;
                }
                "inventory-cap" => {
                    state.inventory_cap = value
                        .as_u64()
                        .ok_or("inventory-cap must be a whole number of objects")?
                        as usize;
                }
                "inventory" => {
                    let objects = value
                        .as_array()
                        .ok_or("inventory must be a list of objects")?;
                    for o in objects {
                        if o.get("kind").and_then(Value::as_str) == Some("Namespace")
                            && let Some(n) = o.pointer("/metadata/name").and_then(Value::as_str)
                        {
                            state.namespaces.insert(n.to_owned(), o.clone());
                        }
                    }
                    state.inventory = Some(inventory_of(objects.iter()));
                }
                other => {
                    return Err(format!(
                        "[plugin-settings.gatekeeper]: unknown setting {other:?} (policies, scan-policies, inventory-cap)"
                    ));
                }
            }
        }
        let mut errors = Vec::new();
        let mut constraints = Vec::new();
        for entry in own
            .get("policies")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(obj) = entry.get("object") else {
                return Err(format!(
                    "policies: {entry} is not a loaded policy document (the host reads policy files)"
                ));
            };
            let origin = origin_of(entry);
            if policy::is_template(obj) {
                match Template::compile(obj, origin) {
                    Ok(t) => {
                        if let Some(first) = state.templates.get(&t.kind) {
                            errors.push(format!(
                                "{}: ConstraintTemplate '{}' defines kind {} again (first in {})",
                                t.origin.at(),
                                t.name,
                                t.kind,
                                first.origin.at()
                            ));
                        } else {
                            state.templates.insert(t.kind.clone(), t);
                        }
                    }
                    Err(e) => errors.push(e),
                }
            } else if policy::is_constraint(obj) {
                match Constraint::read(obj, origin) {
                    Ok(c) => constraints.push(c),
                    Err(e) => errors.push(e),
                }
            } else {
                errors.push(format!(
                    "{}: {} {:?} is neither a ConstraintTemplate (templates.gatekeeper.sh) nor a constraint (constraints.gatekeeper.sh)",
                    origin.at(),
                    obj.get("apiVersion").and_then(Value::as_str).unwrap_or("(no apiVersion)"),
                    obj.get("kind").and_then(Value::as_str).unwrap_or("(no kind)"),
                ));
            }
        }
        for c in constraints {
            match state.templates.get(&c.kind) {
                None => errors.push(format!(
                    "{}: constraint {}/{}: no ConstraintTemplate among the policies defines kind {}",
                    c.origin.at(),
                    c.kind,
                    c.name,
                    c.kind
                )),
                Some(t) => match c.validate(t) {
                    Ok(()) => {
                        if state.constraints.iter().any(|d| d.id == c.id) {
                            errors.push(format!(
                                "{}: constraint {}/{} is given twice",
                                c.origin.at(),
                                c.kind,
                                c.name
                            ));
                        } else {
                            state.constraints.push(c);
                        }
                    }
                    Err(e) => errors.push(e),
                },
            }
        }
        if errors.is_empty() {
            Ok(state)
        } else {
            Err(errors.join("\n"))
        }
    }

    /// The plugin's own controls: the engine, then one per constraint of the settings.
    #[must_use]
    pub fn controls(&self) -> Vec<ControlDesc> {
        let mut out = vec![controls::engine::describe()];
        out.extend(
            self.constraints
                .iter()
                .map(|c| describe_constraint(c, self.templates.get(&c.kind))),
        );
        out
    }

    /// Whether facts of every object must be kept for `data.inventory`.
    #[must_use]
    pub fn wants_inventory(&self) -> bool {
        self.inventory.is_none() && self.templates.values().any(|t| t.inventory)
    }
}

/// Evaluate one constraint on one review (`subject` and `input_review` computed once per
/// object). `Ok(None)`: the constraint does not apply.
pub fn judge(
    template: &mut Template,
    constraint: &Constraint,
    subject: &matching::Subject<'_>,
    input_review: &regorus::Value,
) -> Result<Option<Vec<(String, Value)>>, String> {
    if constraint.action.is_none() {
        return Ok(None);
    }
    if !matching::matches(&constraint.spec_match, subject)? {
        return Ok(None);
    }
    let input = policy::input_of(input_review, &constraint.parameters_value);
    template.evaluate_value(input).map(Some)
}

/// The pointer a violation is about: the container its `details` or message names, else the
/// object.
#[must_use]
pub fn pointer_for(review: &Review, message: &str, details: &Value) -> String {
    let object = review.object();
    let api_version = object
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    let kind = object.get("kind").and_then(Value::as_str).unwrap_or("");
    let Some(spec) = stiglint_sdk::k8s::pod_spec_pointer(api_version, kind) else {
        return review.prefix.to_owned();
    };
    let named = |name: &str| {
        !name.is_empty()
            && (["container", "name", "containerName"]
                .iter()
                .any(|k| details.get(*k).and_then(Value::as_str) == Some(name))
                || [
                    format!("<{name}>"),
                    format!("'{name}'"),
                    format!("\"{name}\""),
                    format!("container {name} "),
                    format!("container {name}:"),
                ]
                .iter()
                .any(|q| message.contains(q.as_str())))
    };
    for field in ["containers", "initContainers", "ephemeralContainers"] {
        let list_ptr = format!("{spec}/{field}");
        for (i, c) in object
            .pointer(&list_ptr)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            if named(c.get("name").and_then(Value::as_str).unwrap_or("")) {
                return format!("{}{list_ptr}/{i}", review.prefix);
            }
        }
    }
    review.prefix.to_owned()
}

/// A small, stable hash (FNV-1a) for spreading objects over buckets.
#[must_use]
pub fn fnv(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in *p {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The bucket group of an object.
#[must_use]
pub fn bucket(uri: &str, id: u32) -> String {
    format!(
        "objects-{:02}",
        fnv(&[uri.as_bytes(), &id.to_le_bytes()]) % u64::from(BUCKETS)
    )
}

/// Every bucket group.
#[must_use]
pub fn all_buckets() -> Vec<String> {
    (0..BUCKETS).map(|b| format!("objects-{b:02}")).collect()
}
