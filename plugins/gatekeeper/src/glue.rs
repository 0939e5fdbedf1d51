//! The `control-plugin` world: describe, configure, check, finish.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use serde_json::{Value, json};
use stiglint_sdk::control_glue::bindings;
use stiglint_sdk::control_glue::bindings::stiglint::plugin::types as wit;

use crate::policy::{self, Action, Constraint, Origin, Template};
use crate::review::Review;
use crate::{
    ControlDesc, ENGINE, INVENTORY_GROUP, POLICIES_GROUP, PREFIX, State, all_buckets, bucket,
    describe_constraint, judge, pointer_for,
};

static STATE: Mutex<Option<State>> = Mutex::new(None);

fn enforcement(a: Action) -> wit::Enforcement {
    match a {
        Action::Deny => wit::Enforcement::Deny,
        Action::Warn => wit::Enforcement::Warn,
        Action::Dryrun => wit::Enforcement::Audit,
    }
}

fn control_info(d: ControlDesc) -> wit::ControlInfo {
    let scope = if d.id == ENGINE {
        wit::Scope::Scan
    } else {
        wit::Scope::Document
    };
    wit::ControlInfo {
        id: d.id,
        title: d.title,
        severity: wit::Severity::Medium,
        enforcement: enforcement(d.action),
        // The control it stands for travels as a STIG reference with only its ID: the host
        // replaces it with that control's STIG rule, CAT, CCI and NIST.
        stig: d.stands_for.map(|id| wit::StigRef {
            stig_id: id,
            vuln_id: String::new(),
            rule_id: String::new(),
            ccis: Vec::new(),
            nist: Vec::new(),
        }),
        nist: Vec::new(),
        formats: vec!["k8s".to_owned()],
        kinds: d.kinds,
        scope,
        docs: d.docs,
        remediation: "Change the object as the violation's message says, or waive the finding."
            .to_owned(),
    }
}

fn lock() -> std::sync::MutexGuard<'static, Option<State>> {
    STATE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn finding(
    control: &str,
    document: u32,
    pointer: String,
    message: String,
    action: Action,
) -> wit::Finding {
    wit::Finding {
        control: control.to_owned(),
        document,
        pointer,
        message,
        fix: None,
        related: Vec::new(),
        related_total: 0,
        enforcement: (action != Action::Deny).then(|| enforcement(action)),
        properties: None,
    }
}

/// A scanned template's or constraint's two facts: one in every object group (to judge the
/// objects with), one in the policies group (to validate it once).
fn policy_facts(
    facts: &mut Vec<wit::Fact>,
    document: u32,
    kind: &str,
    obj: &Value,
    uri: &str,
    everywhere: &[String],
) {
    let data = json!({"t": kind, "obj": obj, "uri": uri});
    facts.push(fact(
        document,
        &data,
        vec![String::new()],
        everywhere.to_vec(),
    ));
    let mut v = data;
    v["validate"] = json!(true);
    facts.push(fact(
        document,
        &v,
        vec![String::new()],
        vec![POLICIES_GROUP.to_owned()],
    ));
}

fn fact(document: u32, data: &Value, pointers: Vec<String>, groups: Vec<String>) -> wit::Fact {
    wit::Fact {
        control: ENGINE.to_owned(),
        document,
        data: data.to_string(),
        pointers,
        groups,
    }
}

/// A fact `{<head>,"obj":<json>}` built from the document's own JSON text.
fn raw_fact(
    document: u32,
    head: &str,
    json: &str,
    pointers: Vec<String>,
    groups: Vec<String>,
) -> wit::Fact {
    let mut data = String::with_capacity(json.len() + head.len() + 10);
    data.push('{');
    data.push_str(head);
    data.push_str(",\"obj\":");
    data.push_str(json);
    data.push('}');
    wit::Fact {
        control: ENGINE.to_owned(),
        document,
        data,
        pointers,
        groups,
    }
}

/// Whether a fact is a scanned template or constraint, or an object a settings constraint
/// was deferred for: a group without any of them has nothing to judge.
fn has_work(f: &wit::Fact) -> bool {
    f.data.starts_with("{\"t\":\"inv\"")
        || f.data.contains("\"t\":\"constraint\"")
        || f.data.ends_with(",\"validate\":true}")
        || (f.data.starts_with("{\"t\":\"object\",\"defer\":[\""))
}

fn is_namespace(obj: &Value) -> bool {
    obj.get("kind").and_then(Value::as_str) == Some("Namespace")
        && obj.get("apiVersion").and_then(Value::as_str) == Some("v1")
}

fn review_of(obj: &Value, default_namespace: Option<&str>) -> Review {
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
    let api = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let namespaced = stiglint_sdk::k8s::is_namespaced(kind)
        && !policy::group_of(api).ends_with(".config.k8s.io");
    Review::of(obj, default_namespace, namespaced)
}

/// The pointers `finish` may name for an object: the object and its containers.
fn pointers_of(review: &Review) -> Vec<String> {
    let object = review.object();
    let mut out = vec![review.prefix.to_owned()];
    let api_version = object
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    let kind = object.get("kind").and_then(Value::as_str).unwrap_or("");
    if let Some(spec) = stiglint_sdk::k8s::pod_spec_pointer(api_version, kind) {
        for field in ["containers", "initContainers", "ephemeralContainers"] {
            let list = format!("{spec}/{field}");
            let n = object
                .pointer(&list)
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            out.extend((0..n).map(|i| format!("{}{list}/{i}", review.prefix)));
        }
    }
    out
}

fn hits(
    out: &mut Vec<wit::Finding>,
    c: &Constraint,
    document: u32,
    review: &Review,
    violations: Vec<(String, Value)>,
) {
    for (msg, details) in violations {
        let pointer = pointer_for(review, &msg, &details);
        out.push(finding(
            &c.id,
            document,
            pointer,
            msg,
            c.action.unwrap_or(Action::Deny),
        ));
    }
}

fn needs_namespace(c: &Constraint, review: &Review, namespaces: &BTreeMap<String, Value>) -> bool {
    c.spec_match
        .get("namespaceSelector")
        .is_some_and(|v| !v.is_null())
        && !review.namespace.is_empty()
        && (review.kind != "Namespace" || !review.group.is_empty())
        && !namespaces.contains_key(&review.namespace)
}

fn invalid(e: String) -> wit::PluginError {
    wit::PluginError::InvalidInput(e)
}

#[allow(clippy::too_many_lines)] // one pass over a shard: templates, constraints, objects
fn check(
    documents: Vec<wit::Document>,
    controls: &[String],
) -> Result<wit::CheckOutput, wit::PluginError> {
    let mut guard = lock();
    let state = guard
        .as_mut()
        .ok_or_else(|| wit::PluginError::Internal("check before configure".to_owned()))?;
    let wanted: BTreeSet<&str> = controls.iter().map(String::as_str).collect();
    let facts_on = wanted.contains(ENGINE);
    let scan_policies = facts_on && state.scan_policies;
    let inventory_facts = facts_on && state.wants_inventory();
    let mut out = wit::CheckOutput {
        findings: Vec::new(),
        notes: Vec::new(),
        facts: Vec::new(),
        controls: Vec::new(),
    };
    let docs: Vec<(wit::Document, Value)> = documents
        .into_iter()
        .filter(|d| d.format == wit::Format::K8s)
        .map(|d| {
            let v = serde_json::from_str(&d.json)
                .map_err(|e| invalid(format!("document {} is not JSON: {e}", d.uri)))?;
            Ok((d, v))
        })
        .collect::<Result<_, _>>()?;
    // Namespaces known to this call: the settings' and this batch's.
    let mut namespaces = state.namespaces.clone();
    for (_, obj) in &docs {
        if is_namespace(obj)
            && let Some(n) = obj.pointer("/metadata/name").and_then(Value::as_str)
        {
            namespaces.insert(n.to_owned(), obj.clone());
        }
    }
    let mut everywhere = all_buckets();
    if inventory_facts {
        everywhere.push(INVENTORY_GROUP.to_owned());
    }
    let State {
        templates,
        constraints,
        inventory,
        default_namespace,
        ..
    } = &mut *state;
    let default_namespace = default_namespace.as_deref();
    for t in templates.values_mut() {
        t.set_inventory(inventory.as_ref()).map_err(invalid)?;
    }
    // The templates of this batch (compiled here: a broken one is an error on its document),
    // so that a constraint beside its template is described with the template's title and
    // `stiglint.dev/control`.
    let mut batch_templates: BTreeMap<String, Template> = BTreeMap::new();
    for (_, obj) in docs.iter().filter(|(_, o)| policy::is_template(o)) {
        let t = Template::compile(obj, Origin::default()).map_err(invalid)?;
        batch_templates.insert(t.kind.clone(), t);
    }
    for (doc, obj) in &docs {
        if policy::is_template(obj) {
            if scan_policies {
                policy_facts(
                    &mut out.facts,
                    doc.id,
                    "template",
                    obj,
                    &doc.uri,
                    &everywhere,
                );
            }
            continue;
        }
        if policy::is_constraint(obj) {
            let c = Constraint::read(obj, Origin::default()).map_err(invalid)?;
            if scan_policies {
                let template = batch_templates
                    .get(&c.kind)
                    .or_else(|| templates.get(&c.kind));
                out.controls
                    .push(control_info(describe_constraint(&c, template)));
                policy_facts(
                    &mut out.facts,
                    doc.id,
                    "constraint",
                    obj,
                    &doc.uri,
                    &everywhere,
                );
            }
            continue;
        }
        let group = obj
            .get("apiVersion")
            .and_then(Value::as_str)
            .map_or("", policy::group_of);
        if group == "test.gatekeeper.sh" {
            continue;
        }
        let review = review_of(obj, default_namespace);
        let subject = review.subject(&namespaces);
        let mut input_review = None;
        let mut deferred = Vec::new();
        for c in constraints
            .iter()
            .filter(|c| wanted.contains(c.id.as_str()))
        {
            let Some(t) = templates.get_mut(&c.kind) else {
                continue;
            };
            if t.inventory && inventory.is_none() {
                continue; // judged in `finish`, with the scan's inventory
            }
            if scan_policies && needs_namespace(c, &review, &namespaces) {
                deferred.push(c.id.clone());
                continue;
            }
            if input_review.is_none() {
                input_review = Some(review.rego_review(&namespaces).map_err(invalid)?);
            }
            let Some(input) = input_review.as_ref() else {
                continue;
            };
            match judge(t, c, &subject, input) {
                Ok(None) => {}
                Ok(Some(v)) => hits(&mut out.findings, c, doc.id, &review, v),
                Err(e) => return Err(invalid(format!("{}: {e}", c.id))),
            }
        }
        if scan_policies || !deferred.is_empty() || inventory_facts {
            let pointers = pointers_of(&review);
            // The object travels as the JSON text the host gave (no second serialisation):
            // every scanned object is kept for the cross-document step.
            if scan_policies || !deferred.is_empty() {
                out.facts.push(raw_fact(
                    doc.id,
                    &format!("\"t\":\"object\",\"defer\":{}", json!(deferred)),
                    &doc.json,
                    pointers.clone(),
                    vec![bucket(&doc.uri, doc.id)],
                ));
            }
            if inventory_facts {
                out.facts.push(raw_fact(
                    doc.id,
                    "\"t\":\"inv\"",
                    &doc.json,
                    pointers,
                    vec![INVENTORY_GROUP.to_owned()],
                ));
            }
            if is_namespace(obj) {
                out.facts.push(fact(
                    doc.id,
                    &json!({"t": "ns", "obj": obj}),
                    Vec::new(),
                    everywhere.clone(),
                ));
            }
        }
    }
    Ok(out)
}

/// A fact as `finish` reads it.
struct Item {
    document: u32,
    data: Value,
}

fn kind_of(i: &Item) -> &str {
    i.data.get("t").and_then(Value::as_str).unwrap_or("")
}

#[allow(clippy::too_many_lines)] // validation, then judgement of one group
fn finish(facts: &[wit::Fact], controls: &[String]) -> Result<wit::CheckOutput, wit::PluginError> {
    let mut guard = lock();
    let state = guard
        .as_mut()
        .ok_or_else(|| wit::PluginError::Internal("finish before configure".to_owned()))?;
    let wanted: BTreeSet<&str> = controls.iter().map(String::as_str).collect();
    // A group of objects without a scanned constraint (the usual scan) is not even parsed.
    if !facts.iter().any(has_work) {
        return Ok(wit::CheckOutput {
            findings: Vec::new(),
            notes: Vec::new(),
            facts: Vec::new(),
            controls: Vec::new(),
        });
    }
    let items: Vec<Item> = facts
        .iter()
        .filter(|f| f.control == ENGINE)
        .map(|f| {
            serde_json::from_str(&f.data)
                .map(|data| Item {
                    document: f.document,
                    data,
                })
                .map_err(|e| wit::PluginError::Internal(format!("fact is not JSON: {e}")))
        })
        .collect::<Result<_, _>>()?;
    let mut out = wit::CheckOutput {
        findings: Vec::new(),
        notes: Vec::new(),
        facts: Vec::new(),
        controls: Vec::new(),
    };
    let obj = |i: &Item| i.data.get("obj").cloned().unwrap_or(Value::Null);
    let uri = |i: &Item| {
        i.data
            .get("uri")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    let origin = |i: &Item| Origin {
        file: uri(i),
        ..Origin::default()
    };
    let validate = items
        .iter()
        .any(|i| i.data.get("validate") == Some(&json!(true)));
    let wants_inventory = state.wants_inventory();
    let State {
        templates: settings_templates,
        constraints: settings_constraints,
        namespaces: settings_namespaces,
        default_namespace,
        inventory_cap,
        ..
    } = &mut *state;
    let default_namespace = default_namespace.as_deref();

    // The scanned templates, by kind.
    let mut errors = Vec::new();
    let mut scanned: BTreeMap<String, Template> = BTreeMap::new();
    let has_objects = items.iter().any(|i| matches!(kind_of(i), "object" | "inv"));
    if validate || has_objects {
        for i in items.iter().filter(|i| kind_of(i) == "template") {
            match Template::compile(&obj(i), origin(i)) {
                Ok(t) => {
                    if settings_templates.contains_key(&t.kind) || scanned.contains_key(&t.kind) {
                        errors.push(format!(
                            "{}: ConstraintTemplate '{}' defines kind {}, which another template already defines",
                            uri(i),
                            t.name,
                            t.kind
                        ));
                    } else {
                        scanned.insert(t.kind.clone(), t);
                    }
                }
                Err(e) => errors.push(e),
            }
        }
    }
    let mut scanned_constraints = Vec::new();
    for i in items.iter().filter(|i| kind_of(i) == "constraint") {
        match Constraint::read(&obj(i), origin(i)) {
            Ok(c) => {
                let template = scanned
                    .get(&c.kind)
                    .or_else(|| settings_templates.get(&c.kind));
                match template {
                    // Reported once (by the validation group) on the constraint's own line, as
                    // not evaluated: a scanned sample constraint without its template (a
                    // policy library's samples) does not fail the scan; `--strict` makes it.
                    None if validate => out.notes.push(wit::Note {
                        control: ENGINE.to_owned(),
                        document: Some(i.document),
                        pointer: String::new(),
                        kind: wit::NoteKind::NotEvaluated,
                        reason: format!(
                            "constraint {}/{} was not evaluated: no ConstraintTemplate defines kind {} (neither among the scanned files nor among the policies)",
                            c.kind, c.name, c.kind
                        ),
                    }),
                    None => {}
                    Some(t) => {
                        if let Err(e) = c.validate(t) {
                            errors.push(e);
                        } else if t.inventory && !wants_inventory {
                            errors.push(format!(
                                "{}: ConstraintTemplate '{}' reads data.inventory: give it with --policy (or [plugin-settings.gatekeeper] policies) so that stiglint builds the inventory from the scanned objects",
                                uri(i),
                                t.name
                            ));
                        } else {
                            scanned_constraints.push(c);
                        }
                    }
                }
            }
            Err(e) => errors.push(e),
        }
    }
    if validate {
        return if errors.is_empty() {
            Ok(out)
        } else {
            Err(invalid(errors.join("\n")))
        };
    }
    if !has_objects {
        return Ok(out);
    }
    let mut namespaces = settings_namespaces.clone();
    for i in items.iter().filter(|i| kind_of(i) == "ns") {
        let o = obj(i);
        if let Some(n) = o.pointer("/metadata/name").and_then(Value::as_str) {
            namespaces.insert(n.to_owned(), o.clone());
        }
    }
    let inventory_mode = items.iter().any(|i| kind_of(i) == "inv");
    let objects: Vec<&Item> = items
        .iter()
        .filter(|i| kind_of(i) == if inventory_mode { "inv" } else { "object" })
        .collect();
    let inventory = if inventory_mode {
        let readers: Vec<String> = scanned
            .values()
            .chain(settings_templates.values())
            .filter(|t| t.inventory)
            .map(|t| t.name.clone())
            .collect();
        if objects.len() > *inventory_cap {
            return Err(invalid(format!(
                "data.inventory would hold {} objects, more than inventory-cap ({}) allows, for ConstraintTemplate {}; raise inventory-cap under [plugin-settings.gatekeeper]",
                objects.len(),
                inventory_cap,
                readers.join(", ")
            )));
        }
        let inv = crate::inventory_of(
            objects
                .iter()
                .map(|i| i.data.get("obj").unwrap_or(&Value::Null)),
        );
        Some(inv)
    } else {
        None
    };
    for t in scanned.values_mut().chain(settings_templates.values_mut()) {
        t.set_inventory(inventory.as_ref()).map_err(invalid)?;
    }
    for item in objects {
        let o = obj(item);
        let review = review_of(&o, default_namespace);
        let subject = review.subject(&namespaces);
        let input_review = review.rego_review(&namespaces).map_err(invalid)?;
        let deferred: Vec<&str> = item
            .data
            .get("defer")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let judged = scanned_constraints.iter().chain(
            settings_constraints
                .iter()
                .filter(|c| inventory_mode || deferred.contains(&c.id.as_str())),
        );
        for c in judged.filter(|c| wanted.contains(c.id.as_str())) {
            let t = match scanned.get_mut(&c.kind) {
                Some(t) => t,
                None => match settings_templates.get_mut(&c.kind) {
                    Some(t) => t,
                    None => continue,
                },
            };
            if t.inventory != inventory_mode {
                continue;
            }
            match judge(t, c, &subject, &input_review) {
                Ok(None) => {}
                Ok(Some(v)) => hits(&mut out.findings, c, item.document, &review, v),
                Err(e) => {
                    return Err(invalid(format!(
                        "{}: {e} (on {} '{}')",
                        c.id, review.kind, review.name
                    )));
                }
            }
        }
    }
    Ok(out)
}

struct Plugin;

impl bindings::Guest for Plugin {
    fn describe() -> bindings::PluginInfo {
        let controls = lock().as_ref().map_or_else(
            || vec![crate::controls::engine::describe()],
            State::controls,
        );
        wit::PluginInfo {
            name: "gatekeeper".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            description:
                "OPA Gatekeeper ConstraintTemplates and constraints (Rego, run by regorus)"
                    .to_owned(),
            controls: controls.into_iter().map(control_info).collect(),
            dynamic_prefixes: vec![PREFIX.to_owned()],
        }
    }

    fn configure(
        settings: String,
        context: bindings::ScanContext,
    ) -> Result<(), bindings::PluginError> {
        let settings: Value = serde_json::from_str(&settings).map_err(|e| {
            wit::PluginError::InvalidSettings(format!("settings are not JSON: {e}"))
        })?;
        let state = State::configure(&settings, context.default_namespace)
            .map_err(wit::PluginError::InvalidSettings)?;
        *lock() = Some(state);
        Ok(())
    }

    fn check(
        documents: Vec<bindings::Document>,
        controls: Vec<String>,
    ) -> Result<bindings::CheckOutput, bindings::PluginError> {
        check(documents, &controls)
    }

    fn finish(
        facts: Vec<bindings::Fact>,
        controls: Vec<String>,
    ) -> Result<bindings::CheckOutput, bindings::PluginError> {
        finish(&facts, &controls)
    }
}

bindings::__export_control_plugin!(Plugin with_types_in stiglint_sdk::control_glue::bindings);
