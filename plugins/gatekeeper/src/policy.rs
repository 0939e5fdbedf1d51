//! `ConstraintTemplates` (compiled with regorus) and constraints, read from their JSON views.

use serde_json::{Value, json};

use crate::schema;

/// Where a template or constraint came from, for messages: its file, the line its document
/// starts on, and the file lines where its Rego block scalars start (by JSON pointer).
#[derive(Clone, Debug, Default)]
pub struct Origin {
    /// File (or URI).
    pub file: String,
    /// 1-based line of the document, 0 when unknown.
    pub line: u32,
    /// 1-based file line of the first line of each Rego source, by pointer.
    pub rego_lines: Vec<(String, u32)>,
}

impl Origin {
    /// `file:line`, or the file alone.
    #[must_use]
    pub fn at(&self) -> String {
        if self.line == 0 {
            self.file.clone()
        } else {
            format!("{}:{}", self.file, self.line)
        }
    }
}

/// What the enforcement action says at the admission webhook.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// `deny`.
    Deny,
    /// `warn`.
    Warn,
    /// `dryrun`.
    Dryrun,
}

/// A compiled `ConstraintTemplate`.
pub struct Template {
    /// The constraint kind it defines (`spec.crd.spec.names.kind`).
    pub kind: String,
    /// `metadata.name`.
    pub name: String,
    /// Where it came from.
    pub origin: Origin,
    /// `metadata.gatekeeper.sh/title` (or the description).
    pub title: Option<String>,
    /// `description` annotation.
    pub description: Option<String>,
    /// The control it stands for (`stiglint.dev/control`).
    pub stands_for: Option<String>,
    /// `spec.crd.spec.validation.openAPIV3Schema`.
    pub schema: Option<Value>,
    /// The engine with the template's Rego and libs loaded; `None` for a template with only
    /// CEL (`K8sNativeValidation`) code.
    pub engine: Option<regorus::Engine>,
    /// `data.<package>.violation`.
    pub rule: String,
    /// Its Rego reads `data.inventory`.
    pub inventory: bool,
    /// The Rego sources by the name given to regorus, with the pointer they came from.
    sources: Vec<(String, String)>,
    /// `data.inventory` is set in the engine.
    has_data: bool,
}

/// The API group of an `apiVersion` (`""` for the core group).
#[must_use]
pub fn group_of(api_version: &str) -> &str {
    api_version.split_once('/').map_or("", |(g, _)| g)
}

fn text<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str)
}

/// Whether an object is a `ConstraintTemplate`.
#[must_use]
pub fn is_template(obj: &Value) -> bool {
    text(obj, "/kind") == Some("ConstraintTemplate")
        && group_of(text(obj, "/apiVersion").unwrap_or("")) == "templates.gatekeeper.sh"
}

/// Whether an object is a constraint.
#[must_use]
pub fn is_constraint(obj: &Value) -> bool {
    group_of(text(obj, "/apiVersion").unwrap_or("")) == "constraints.gatekeeper.sh"
}

fn annotation(obj: &Value, key: &str) -> Option<String> {
    obj.pointer("/metadata/annotations")
        .and_then(|a| a.get(key))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

fn has_violation_rule(rego: &str) -> bool {
    rego.lines().any(|l| {
        let l = l.trim_start();
        l.strip_prefix("violation").is_some_and(|rest| {
            let rest = rest.trim_start();
            rest.starts_with('[')
                || rest.starts_with('{')
                || rest.starts_with("contains")
                || rest.starts_with("if")
                || rest.starts_with(":=")
                || rest.starts_with('=')
        })
    })
}

impl Template {
    /// Read and compile a `ConstraintTemplate`.
    #[allow(clippy::too_many_lines)] // one pass over the template's fields, in the order Gatekeeper reads them
    pub fn compile(obj: &Value, origin: Origin) -> Result<Self, String> {
        let name = text(obj, "/metadata/name").unwrap_or("").to_owned();
        let at = origin.at();
        let bad = |what: String| prefixed(&at, &format!("ConstraintTemplate '{name}': {what}"));
        let kind = text(obj, "/spec/crd/spec/names/kind")
            .filter(|k| !k.is_empty())
            .ok_or_else(|| bad("spec.crd.spec.names.kind is missing".to_owned()))?
            .to_owned();
        if !kind
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        {
            return Err(bad(format!("kind {kind:?} is not a valid Kubernetes kind")));
        }
        let targets = obj
            .pointer("/spec/targets")
            .and_then(Value::as_array)
            .ok_or_else(|| bad("spec.targets is missing".to_owned()))?;
        if targets.len() != 1 {
            return Err(bad(format!(
                "spec.targets must have exactly one target, it has {}",
                targets.len()
            )));
        }
        let target = &targets[0];
        if text(target, "/target") != Some("admission.k8s.gatekeeper.sh") {
            return Err(bad(format!(
                "spec.targets[0].target must be admission.k8s.gatekeeper.sh, not {}",
                target.get("target").unwrap_or(&Value::Null)
            )));
        }
        // The Rego: `code[]` with `engine: Rego` (v1 templates), else `rego` / `libs`.
        let code = target.get("code").and_then(Value::as_array);
        let rego_code = code.and_then(|c| {
            c.iter()
                .position(|e| text(e, "/engine") == Some("Rego"))
                .map(|i| (i, &c[i]))
        });
        let (rego, rego_ptr, libs, libs_ptr, v1) = if let Some((i, entry)) = rego_code {
            (
                text(entry, "/source/rego").map(str::to_owned),
                format!("/spec/targets/0/code/{i}/source/rego"),
                entry.pointer("/source/libs").cloned(),
                format!("/spec/targets/0/code/{i}/source/libs"),
                text(entry, "/source/version") == Some("v1"),
            )
        } else {
            (
                text(target, "/rego").map(str::to_owned),
                "/spec/targets/0/rego".to_owned(),
                target.get("libs").cloned(),
                "/spec/targets/0/libs".to_owned(),
                false,
            )
        };
        let title = annotation(obj, "metadata.gatekeeper.sh/title");
        let description = annotation(obj, "description");
        let stands_for = annotation(obj, "stiglint.dev/control");
        let schema = obj
            .pointer("/spec/crd/spec/validation/openAPIV3Schema")
            .filter(|s| s.is_object())
            .cloned();
        let mut template = Self {
            kind,
            name: name.clone(),
            origin,
            title,
            description,
            stands_for,
            schema,
            engine: None,
            rule: String::new(),
            inventory: false,
            sources: Vec::new(),
            has_data: false,
        };
        let Some(rego) = rego.filter(|r| !r.trim().is_empty()) else {
            let cel = code.is_some_and(|c| {
                c.iter()
                    .any(|e| text(e, "/engine") == Some("K8sNativeValidation"))
            });
            if cel {
                return Ok(template);
            }
            return Err(bad(
                "has no Rego (spec.targets[0].rego or code with engine Rego)".to_owned(),
            ));
        };
        if !has_violation_rule(&rego) {
            return Err(bad(format!(
                "its Rego ({}) has no `violation` rule",
                pointer_path(&rego_ptr)
            )));
        }
        let mut engine = regorus::Engine::new();
        engine.set_rego_v0(!v1);
        if !v1 {
            add_deprecated_builtins(&mut engine).map_err(|e| bad(e.to_string()))?;
        }
        // OPA's default: a builtin's error makes its expression undefined.
        engine.set_strict_builtin_errors(false);
        let main_name = format!("{name}{rego_ptr}");
        let package = engine
            .add_policy(main_name.clone(), rego.clone())
            .map_err(|e| bad(template.explain(&e.to_string(), &main_name, &rego_ptr)))?;
        template.sources.push((main_name, rego_ptr));
        let mut reads_inventory = rego.contains("data.inventory");
        for (i, lib) in libs
            .as_ref()
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let lib = lib.as_str().unwrap_or_default();
            let ptr = format!("{libs_ptr}/{i}");
            let lib_name = format!("{name}{ptr}");
            engine
                .add_policy(lib_name.clone(), lib.to_owned())
                .map_err(|e| bad(template.explain(&e.to_string(), &lib_name, &ptr)))?;
            reads_inventory |= lib.contains("data.inventory");
            template.sources.push((lib_name, ptr));
        }
        template.rule = format!("{package}.violation");
        template.inventory = reads_inventory;
        template.engine = Some(engine);
        Ok(template)
    }

    /// Turn a regorus message (`--> name:line:col ... kind: msg`) into one line that names the
    /// file line (the Rego's line mapped into the YAML block scalar) and the Rego line.
    fn explain(&self, message: &str, source: &str, pointer: &str) -> String {
        let marker = format!("--> {source}:");
        let Some(start) = message.find(&marker) else {
            return message.trim().to_owned();
        };
        let rest = &message[start + marker.len()..];
        let pos = rest.lines().next().unwrap_or("");
        let (line, col) = pos.split_once(':').unwrap_or((pos, "1"));
        let line: u32 = line.trim().parse().unwrap_or(0);
        let last = message.trim().lines().last().unwrap_or("").trim();
        let file_line = self
            .origin
            .rego_lines
            .iter()
            .find(|(p, _)| p == pointer)
            .map(|(_, l)| l + line.saturating_sub(1));
        let place = pointer_path(pointer);
        match file_line {
            Some(l) => format!(
                "{last} (at {}:{l}:{}, line {line} of {place})",
                self.origin.file,
                col.trim()
            ),
            None => format!("{last} (line {line}, column {} of {place})", col.trim()),
        }
    }

    /// Set `data.inventory` (or remove it) for the evaluations that follow.
    pub fn set_inventory(&mut self, inventory: Option<&Value>) -> Result<(), String> {
        let Some(engine) = self.engine.as_mut() else {
            return Ok(());
        };
        if inventory.is_none() && !self.has_data {
            return Ok(());
        }
        engine.clear_data();
        self.has_data = false;
        if let Some(inv) = inventory {
            let data = to_rego(&json!({"inventory": inv}))?;
            engine.add_data(data).map_err(|e| e.to_string())?;
            self.has_data = true;
        }
        Ok(())
    }

    /// Evaluate the template for one input; the violations (`msg`, `details`), sorted and
    /// without duplicates (a Rego set).
    pub fn evaluate(&mut self, input: &Value) -> Result<Vec<(String, Value)>, String> {
        let input = to_rego(input)?;
        self.evaluate_value(input)
    }

    /// [`Template::evaluate`] of an input already converted for regorus.
    pub fn evaluate_value(
        &mut self,
        input: regorus::Value,
    ) -> Result<Vec<(String, Value)>, String> {
        let Some(engine) = self.engine.as_mut() else {
            return Ok(Vec::new());
        };
        engine.set_input(input);
        let result = engine.eval_rule(self.rule.clone());
        let value = match result {
            Ok(v) => v,
            Err(e) => {
                let e = e.to_string();
                let source = self
                    .sources
                    .iter()
                    .find(|(n, _)| e.contains(&format!("--> {n}:")))
                    .cloned();
                return Err(match source {
                    Some((n, p)) => self.explain(&e, &n, &p),
                    None => e.trim().to_owned(),
                });
            }
        };
        let json: Value = serde_json::to_value(&value).map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        for v in json.as_array().into_iter().flatten() {
            let msg = match v.get("msg") {
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
                None => v.to_string(),
            };
            out.push((msg, v.get("details").cloned().unwrap_or(Value::Null)));
        }
        out.sort_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| a.1.to_string().cmp(&b.1.to_string()))
        });
        out.dedup();
        Ok(out)
    }
}

/// The builtins OPA still offers to Rego v0 policies though they are deprecated (Gatekeeper's
/// library uses `re_match` and `any`): `re_match`, `any`, `all`, `set_diff` and the `cast_*`
/// family. A wrong argument type makes the call undefined, as a builtin error does in OPA.
fn add_deprecated_builtins(engine: &mut regorus::Engine) -> anyhow::Result<()> {
    use regorus::Value as V;
    fn elements(v: &V) -> Option<Vec<V>> {
        match v {
            V::Array(a) => Some(a.iter().cloned().collect()),
            V::Set(s) => Some(s.iter().cloned().collect()),
            _ => None,
        }
    }
    engine.add_extension(
        "re_match".to_owned(),
        2,
        Box::new(|args: Vec<V>| {
            let (Some(V::String(p)), Some(V::String(v))) = (args.first(), args.get(1)) else {
                return Ok(V::Undefined);
            };
            Ok(match regex::Regex::new(p) {
                Ok(re) => V::Bool(re.is_match(v)),
                Err(_) => V::Undefined,
            })
        }),
    )?;
    engine.add_extension(
        "any".to_owned(),
        1,
        Box::new(|args: Vec<V>| {
            Ok(args
                .first()
                .and_then(elements)
                .map_or(V::Undefined, |e| V::Bool(e.contains(&V::Bool(true)))))
        }),
    )?;
    engine.add_extension(
        "all".to_owned(),
        1,
        Box::new(|args: Vec<V>| {
            Ok(args.first().and_then(elements).map_or(V::Undefined, |e| {
                V::Bool(e.iter().all(|x| *x == V::Bool(true)))
            }))
        }),
    )?;
    engine.add_extension(
        "set_diff".to_owned(),
        2,
        Box::new(|args: Vec<V>| {
            let (Some(V::Set(a)), Some(V::Set(b))) = (args.first(), args.get(1)) else {
                return Ok(V::Undefined);
            };
            let diff: std::collections::BTreeSet<V> =
                a.iter().filter(|x| !b.contains(x)).cloned().collect();
            Ok(V::from(diff))
        }),
    )?;
    engine.add_extension(
        "cast_array".to_owned(),
        1,
        Box::new(|args: Vec<V>| {
            Ok(args
                .first()
                .and_then(elements)
                .map_or(V::Undefined, V::from))
        }),
    )?;
    engine.add_extension(
        "cast_set".to_owned(),
        1,
        Box::new(|args: Vec<V>| {
            Ok(args.first().and_then(elements).map_or(V::Undefined, |e| {
                V::from(e.into_iter().collect::<std::collections::BTreeSet<V>>())
            }))
        }),
    )?;
    for (name, want) in [
        ("cast_string", "string"),
        ("cast_boolean", "boolean"),
        ("cast_null", "null"),
        ("cast_object", "object"),
    ] {
        engine.add_extension(
            name.to_owned(),
            1,
            Box::new(move |args: Vec<V>| {
                let ok = match args.first() {
                    Some(V::String(_)) => want == "string",
                    Some(V::Bool(_)) => want == "boolean",
                    Some(V::Null) => want == "null",
                    Some(V::Object(_)) => want == "object",
                    _ => false,
                };
                Ok(if ok {
                    args.into_iter().next().unwrap_or(V::Undefined)
                } else {
                    V::Undefined
                })
            }),
        )?;
    }
    Ok(())
}

/// A JSON value as regorus's value, converted node by node (no JSON text in between).
pub fn to_rego(v: &Value) -> Result<regorus::Value, String> {
    Ok(match v {
        Value::Null => regorus::Value::Null,
        Value::Bool(b) => regorus::Value::from(*b),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                regorus::Value::from(i)
            } else if let Some(u) = n.as_u64() {
                regorus::Value::from(u)
            } else {
                regorus::Value::from(
                    n.as_f64()
                        .ok_or_else(|| format!("number {n} out of range"))?,
                )
            }
        }
        Value::String(s) => regorus::Value::from(s.as_str()),
        Value::Array(a) => {
            regorus::Value::from(a.iter().map(to_rego).collect::<Result<Vec<_>, _>>()?)
        }
        Value::Object(m) => {
            let mut map = std::collections::BTreeMap::new();
            for (k, v) in m {
                map.insert(regorus::Value::from(k.as_str()), to_rego(v)?);
            }
            regorus::Value::from(map)
        }
    })
}

/// `input` for one constraint: `{"review": ..., "parameters": ...}`, from values converted once.
#[must_use]
pub fn input_of(review: &regorus::Value, parameters: &regorus::Value) -> regorus::Value {
    let mut map = std::collections::BTreeMap::new();
    map.insert(regorus::Value::from("review"), review.clone());
    map.insert(regorus::Value::from("parameters"), parameters.clone());
    regorus::Value::from(map)
}

/// `at: what`, or `what` when `at` is empty.
#[must_use]
pub fn prefixed(at: &str, what: &str) -> String {
    if at.is_empty() {
        what.to_owned()
    } else {
        format!("{at}: {what}")
    }
}

/// `/spec/targets/0/rego` → `spec.targets[0].rego`.
#[must_use]
pub fn pointer_path(pointer: &str) -> String {
    let mut out = String::new();
    for part in pointer.split('/').skip(1) {
        if part.bytes().all(|b| b.is_ascii_digit()) && !part.is_empty() {
            out.push('[');
            out.push_str(part);
            out.push(']');
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(part);
        }
    }
    out
}

/// A constraint.
#[derive(Clone, Debug)]
pub struct Constraint {
    /// Its kind (the template's constraint kind).
    pub kind: String,
    /// `metadata.name`.
    pub name: String,
    /// `GK-<kind>/<name>`.
    pub id: String,
    /// Where it came from.
    pub origin: Origin,
    /// `spec.match` (null when absent).
    pub spec_match: Value,
    /// `spec.parameters` (null when absent).
    pub parameters: Value,
    /// What it does at the admission webhook; `None` when it is not enforced there (a
    /// `scoped` action without the validation enforcement point).
    pub action: Option<Action>,
    /// The control it stands for (`stiglint.dev/control`).
    pub stands_for: Option<String>,
    /// `parameters` (`{}` when absent) as regorus's value, converted once.
    pub parameters_value: regorus::Value,
}

fn action(name: &str) -> Result<Option<Action>, String> {
    Ok(Some(match name {
        "deny" | "" => Action::Deny,
        "warn" => Action::Warn,
        "dryrun" => Action::Dryrun,
        other => {
            return Err(format!(
                "enforcementAction {other:?} is not deny, warn, dryrun or scoped"
            ));
        }
    }))
}

impl Constraint {
    /// Read a constraint.
    pub fn read(obj: &Value, origin: Origin) -> Result<Self, String> {
        let kind = text(obj, "/kind").unwrap_or("").to_owned();
        let name = text(obj, "/metadata/name").unwrap_or("").to_owned();
        let at = origin.at();
        let bad = |what: String| prefixed(&at, &format!("constraint {kind}/{name}: {what}"));
        if name.is_empty() {
            return Err(bad("metadata.name is missing".to_owned()));
        }
        let id = format!("GK-{kind}/{name}");
        let spec_match = obj.pointer("/spec/match").cloned().unwrap_or(Value::Null);
        let parameters = obj
            .pointer("/spec/parameters")
            .cloned()
            .unwrap_or(Value::Null);
        let declared = text(obj, "/spec/enforcementAction").unwrap_or("deny");
        let action = if declared == "scoped" {
            // The strictest action of the scoped actions that name the webhook.
            let mut best: Option<Action> = None;
            for entry in obj
                .pointer("/spec/scopedEnforcementActions")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let webhook = entry
                    .get("enforcementPoints")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .any(|p| matches!(text(p, "/name"), Some("validation.gatekeeper.sh" | "*")));
                if !webhook {
                    continue;
                }
                let a = action(text(entry, "/action").unwrap_or(""))
                    .map_err(bad)?
                    .unwrap_or(Action::Deny);
                best = Some(match (best, a) {
                    (Some(Action::Deny), _) | (_, Action::Deny) => Action::Deny,
                    (Some(Action::Warn), _) | (_, Action::Warn) => Action::Warn,
                    _ => Action::Dryrun,
                });
            }
            best
        } else {
            action(declared).map_err(bad)?
        };
        let parameters_value = if parameters.is_null() {
            regorus::Value::new_object()
        } else {
            to_rego(&parameters).map_err(bad)?
        };
        Ok(Self {
            parameters_value,
            stands_for: annotation(obj, "stiglint.dev/control"),
            kind,
            name,
            id,
            origin,
            spec_match,
            parameters,
            action,
        })
    }

    /// Check the parameters against the template's schema.
    pub fn validate(&self, template: &Template) -> Result<(), String> {
        let Some(schema) = &template.schema else {
            return Ok(());
        };
        if self.parameters.is_null() {
            return Ok(());
        }
        let mut errors = Vec::new();
        schema::validate(schema, &self.parameters, "spec.parameters", &mut errors);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(prefixed(
                &self.origin.at(),
                &format!(
                    "constraint {}/{}: parameters do not match the openAPIV3Schema of ConstraintTemplate '{}': {}",
                    self.kind,
                    self.name,
                    template.name,
                    errors.join("; ")
                ),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(rego: &str) -> Value {
        json!({
            "apiVersion": "templates.gatekeeper.sh/v1",
            "kind": "ConstraintTemplate",
            "metadata": {"name": "k8stest"},
            "spec": {
                "crd": {"spec": {"names": {"kind": "K8sTest"}}},
                "targets": [{"target": "admission.k8s.gatekeeper.sh", "rego": rego}]
            }
        })
    }

    #[test]
    fn compiles_and_evaluates_a_v0_template() {
        let rego = "package k8stest\n\nviolation[{\"msg\": msg}] {\n  input.review.object.metadata.name == \"bad\"\n  msg := sprintf(\"name %v\", [input.parameters.x])\n}\n";
        let mut t = Template::compile(&template(rego), Origin::default()).expect("compiles");
        let input =
            json!({"review": {"object": {"metadata": {"name": "bad"}}}, "parameters": {"x": 1}});
        assert_eq!(
            t.evaluate(&input).expect("runs"),
            [("name 1".to_owned(), Value::Null)]
        );
        let ok = json!({"review": {"object": {"metadata": {"name": "good"}}}, "parameters": {}});
        assert!(t.evaluate(&ok).expect("runs").is_empty());
    }

    #[test]
    fn compile_error_names_the_file_line() {
        let origin = Origin {
            file: "t.yaml".into(),
            line: 1,
            rego_lines: vec![("/spec/targets/0/rego".into(), 12)],
        };
        let rego = "package k8stest\nviolation[{\"msg\": msg}] {\n  msg := \n}\n";
        let e = Template::compile(&template(rego), origin)
            .err()
            .expect("fails");
        // The rule opened on the Rego's line 2 is never closed: file line 12 + 2 - 1.
        assert!(
            e.starts_with("t.yaml:1: ConstraintTemplate 'k8stest'"),
            "{e}"
        );
        assert!(e.contains("(at t.yaml:13:"), "{e}");
        assert!(e.contains("line 2 of spec.targets[0].rego"), "{e}");
    }

    #[test]
    fn missing_violation_rule() {
        let e = Template::compile(
            &template("package k8stest\ndeny[msg] { msg := \"x\" }\n"),
            Origin::default(),
        )
        .err()
        .expect("fails");
        assert!(e.contains("no `violation` rule"), "{e}");
    }
}
