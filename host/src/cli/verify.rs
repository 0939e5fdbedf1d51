//! `stiglint verify`: run Gatekeeper test suites (`kind: Suite`, `test.gatekeeper.sh/v1alpha1`,
//! as `gator verify` reads them) with the built-in `gatekeeper` plugin. Each test's template
//! and constraint configure a copy of the plugin; each case's object (a plain object, or a
//! whole `AdmissionReview` for UPDATE, DELETE or `userInfo`) is checked and the violations
//! counted against the case's assertions.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, ValueEnum};
use serde::Serialize;
use serde_json::{Value, json};

use stiglint::input;
use stiglint::runtime::bindings::wit;
use stiglint::runtime::{Limits, Plugin, PluginSource, Runtime};

use super::CommonArgs;

#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// Suite files, or directories searched for them (default: the working directory).
    #[arg(value_name = "PATH")]
    pub(crate) paths: Vec<PathBuf>,
    /// Run only the tests and cases whose name (or `test/case`) matches this regex.
    #[arg(long, value_name = "REGEX")]
    pub(crate) run: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub(crate) format: VerifyFormat,
    #[command(flatten)]
    pub(crate) common: CommonArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum VerifyFormat {
    Text,
    Json,
}

/// One case's outcome (the JSON report's `cases[]`).
#[derive(Debug, Serialize)]
struct CaseResult {
    suite: String,
    test: String,
    case: String,
    passed: bool,
    expected: String,
    got: usize,
    messages: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    skipped: Option<String>,
}

#[derive(Serialize)]
struct Report<'a> {
    cases: &'a [CaseResult],
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

/// The documents of a file, as JSON (with the error naming the file).
fn documents(path: &Path) -> Result<Vec<Value>> {
    let inp = input::Input {
        origin: stiglint::source::Origin::File(path.to_path_buf()),
        name: path.display().to_string(),
    };
    let source = input::read(&inp, None).map_err(|p| anyhow!("{}", p.headline()))?;
    let loaded = input::load(source, input::yaml::DEFAULT_ALIAS_LIMIT);
    if let Some(p) = loaded.problems.first() {
        bail!("{}", p.headline());
    }
    Ok(loaded.documents.into_iter().map(|d| d.value).collect())
}

/// Every suite file under the paths.
fn suites(paths: &[PathBuf]) -> Result<Vec<(PathBuf, Value)>> {
    let (inputs, problems) = input::discover(paths, true);
    if let Some(p) = problems.first() {
        bail!("{}", p.headline());
    }
    let mut out = Vec::new();
    for inp in inputs {
        let stiglint::source::Origin::File(path) = &inp.origin else {
            continue;
        };
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        // Only files that say so are parsed (a library holds many sample objects).
        if !text.contains("test.gatekeeper.sh") {
            continue;
        }
        for doc in documents(path)? {
            if text_is_suite(&doc) {
                out.push((path.clone(), doc));
            }
        }
    }
    Ok(out)
}

fn text_is_suite(doc: &Value) -> bool {
    text(doc, "kind") == "Suite" && text(doc, "apiVersion").starts_with("test.gatekeeper.sh/")
}

/// What an assertion expects, for the report.
fn describe(assertions: &[Value]) -> String {
    let parts: Vec<String> = assertions
        .iter()
        .map(|a| {
            let v = match a.get("violations") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Bool(true)) => "yes".to_owned(),
                Some(Value::Bool(false)) => "no".to_owned(),
                Some(Value::Number(n)) => n.to_string(),
                _ => "yes".to_owned(),
            };
            match a.get("message").and_then(Value::as_str) {
                Some(m) => format!("violations: {v} matching /{m}/"),
                None => format!("violations: {v}"),
            }
        })
        .collect();
    if parts.is_empty() {
        "no assertions".to_owned()
    } else {
        parts.join("; ")
    }
}

/// Whether the messages satisfy every assertion (`violations: yes | no | N`, optionally only
/// the messages matching `message`).
fn satisfied(assertions: &[Value], messages: &[String]) -> Result<bool> {
    for a in assertions {
        let matching = match a.get("message").and_then(Value::as_str) {
            Some(re) => {
                let re = regex::Regex::new(re)
                    .with_context(|| format!("assertion message regex {re:?}"))?;
                messages.iter().filter(|m| re.is_match(m)).count()
            }
            None => messages.len(),
        };
        // YAML 1.1 reads an unquoted `yes` / `no` as a boolean, as Gatekeeper's suites write it.
        let ok = match a.get("violations") {
            Some(Value::String(s)) if s == "yes" => matching > 0,
            Some(Value::String(s)) if s == "no" => matching == 0,
            Some(Value::Bool(true)) => matching > 0,
            Some(Value::Bool(false)) => matching == 0,
            Some(Value::Number(n)) => n.as_u64() == Some(matching as u64),
            Some(Value::String(s)) => match s.parse::<usize>() {
                Ok(n) => n == matching,
                Err(_) => bail!("assertion violations {s:?} is not yes, no or a number"),
            },
            None => matching > 0,
            Some(other) => bail!("assertion violations {other} is not yes, no or a number"),
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

fn has_rego(template: &Value) -> bool {
    template
        .pointer("/spec/targets")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|t| {
            t.get("rego")
                .and_then(Value::as_str)
                .is_some_and(|r| !r.trim().is_empty())
                || t.get("code")
                    .and_then(Value::as_array)
                    .is_some_and(|c| c.iter().any(|e| text(e, "engine") == "Rego"))
        })
}

/// Run it.
pub(crate) fn run(args: &VerifyArgs) -> Result<u8> {
    let filter = args
        .run
        .as_deref()
        .map(regex::Regex::new)
        .transpose()
        .context("--run")?;
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let found = suites(&paths)?;
    let limits = Limits {
        timeout: args
            .common
            .plugin_timeout_ms
            .map_or(Limits::default().timeout, std::time::Duration::from_millis),
        ..Limits::default()
    };
    let cache = if args.common.no_cache {
        stiglint::runtime::Cache::Off
    } else {
        stiglint::runtime::cache::default_dir().map_or(stiglint::runtime::Cache::Off, |d| {
            stiglint::runtime::Cache::open(&d, None)
        })
    };
    let runtime = Runtime::with_cache(limits, cache)?;
    let context = wit::ScanContext {
        k8s_version: None,
        today: stiglint::dates::today_utc(),
        default_namespace: None,
    };
    let bytes = stiglint::builtin::BUILTIN_PLUGINS
        .iter()
        .find(|(name, _)| *name == "gatekeeper")
        .map(|(_, b)| *b)
        .ok_or_else(|| anyhow!("the built-in gatekeeper plugin is missing from this build"))?;
    let base = runtime.load(
        bytes,
        PluginSource::Builtin,
        &|_| json!({"controls": {}, "plugin": {}}).to_string(),
        &context,
    )?;
    let mut results = Vec::new();
    for (path, suite) in &found {
        let dir = path.parent().unwrap_or(Path::new("."));
        let suite_name = path.display().to_string();
        for test in suite
            .get("tests")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            run_test(&base, &suite_name, dir, test, filter.as_ref(), &mut results)?;
        }
    }
    let failed = results.iter().any(|r| !r.passed);
    let mut out = Vec::new();
    match args.format {
        VerifyFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &Report { cases: &results })?;
            out.push(b'\n');
        }
        VerifyFormat::Text => {
            for r in &results {
                let head = format!("{} {} / {}", r.suite, r.test, r.case);
                if let Some(why) = &r.skipped {
                    writeln!(out, "SKIP {head}: {why}")?;
                } else if r.passed {
                    writeln!(out, "PASS {head}")?;
                } else {
                    writeln!(
                        out,
                        "FAIL {head}: expected {}, got {} violation(s)",
                        r.expected, r.got
                    )?;
                    for m in &r.messages {
                        writeln!(out, "     {m}")?;
                    }
                }
            }
            let passed = results
                .iter()
                .filter(|r| r.passed && r.skipped.is_none())
                .count();
            let skipped = results.iter().filter(|r| r.skipped.is_some()).count();
            writeln!(
                out,
                "{} suite(s), {} case(s): {passed} passed, {} failed, {skipped} skipped",
                found.len(),
                results.len(),
                results.len() - passed - skipped
            )?;
        }
    }
    std::io::stdout().lock().write_all(&out)?;
    Ok(u8::from(failed))
}

fn selected(filter: Option<&regex::Regex>, test: &str, case: &str) -> bool {
    filter.is_none_or(|re| {
        re.is_match(test) || re.is_match(case) || re.is_match(&format!("{test}/{case}"))
    })
}

fn run_test(
    base: &Plugin,
    suite: &str,
    dir: &Path,
    test: &Value,
    filter: Option<&regex::Regex>,
    results: &mut Vec<CaseResult>,
) -> Result<()> {
    let name = text(test, "name").to_owned();
    let cases: Vec<&Value> = test
        .get("cases")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|c| selected(filter, &name, text(c, "name")))
        .collect();
    if cases.is_empty() && filter.is_some() {
        return Ok(());
    }
    let file = |key: &str| -> Result<PathBuf> {
        let rel = text(test, key);
        if rel.is_empty() {
            bail!("{suite}: test '{name}' names no {key}");
        }
        let path = dir.join(rel);
        if !path.is_file() {
            bail!(
                "{suite}: test '{name}': {key} {} does not exist",
                path.display()
            );
        }
        Ok(path)
    };
    let skip = |results: &mut Vec<CaseResult>, why: &str| {
        for c in &cases {
            results.push(CaseResult {
                suite: suite.to_owned(),
                test: name.clone(),
                case: text(c, "name").to_owned(),
                passed: true,
                expected: describe(
                    c.get("assertions")
                        .and_then(Value::as_array)
                        .map_or(&[], Vec::as_slice),
                ),
                got: 0,
                messages: Vec::new(),
                skipped: Some(why.to_owned()),
            });
        }
    };
    if test.get("skip") == Some(&Value::Bool(true)) {
        skip(results, "the test says skip: true");
        return Ok(());
    }
    let template_path = file("template")?;
    let constraint_path = file("constraint")?;
    let template_docs = documents(&template_path)?;
    let Some(template) = template_docs.first() else {
        bail!("{}: no ConstraintTemplate in it", template_path.display());
    };
    if !has_rego(template) {
        skip(
            results,
            "the template has only CEL (K8sNativeValidation) code; stiglint runs Rego",
        );
        return Ok(());
    }
    let mut policies = stiglint::gatekeeper::load(std::slice::from_ref(&template_path))?;
    let constraint_docs = documents(&constraint_path)?;
    let constraint = constraint_docs
        .first()
        .ok_or_else(|| anyhow!("{}: no constraint in it", constraint_path.display()))?;
    let id = format!(
        "GK-{}/{}",
        text(constraint, "kind"),
        constraint
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("")
    );
    let invalid = test.get("invalid") == Some(&Value::Bool(true));
    let constraint_entries = stiglint::gatekeeper::load(std::slice::from_ref(&constraint_path));
    let configured = constraint_entries
        .map_err(|e| anyhow!("{e}"))
        .and_then(|c| {
            policies.extend(c);
            let settings =
                json!({"controls": {}, "plugin": {"policies": policies, "scan-policies": false}});
            base.reconfigured(settings.to_string())
                .map_err(|e| anyhow!("{e}"))
        });
    if invalid {
        results.push(CaseResult {
            suite: suite.to_owned(),
            test: name.clone(),
            case: "(constraint is invalid)".to_owned(),
            passed: configured.is_err(),
            expected: "the constraint is rejected".to_owned(),
            got: 0,
            messages: configured
                .err()
                .map(|e| vec![e.to_string()])
                .unwrap_or_default(),
            skipped: None,
        });
        return Ok(());
    }
    let plugin = configured.with_context(|| format!("{suite}: test '{name}'"))?;
    for case in cases {
        let case_name = text(case, "name").to_owned();
        let assertions: Vec<Value> = case
            .get("assertions")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if case.get("skip") == Some(&Value::Bool(true)) {
            results.push(CaseResult {
                suite: suite.to_owned(),
                test: name.clone(),
                case: case_name,
                passed: true,
                expected: describe(&assertions),
                got: 0,
                messages: Vec::new(),
                skipped: Some("the case says skip: true".to_owned()),
            });
            continue;
        }
        let object_rel = text(case, "object");
        let object_path = dir.join(object_rel);
        if object_rel.is_empty() || !object_path.is_file() {
            bail!(
                "{suite}: test '{name}', case '{case_name}': object {} does not exist",
                object_path.display()
            );
        }
        let object = documents(&object_path)?
            .into_iter()
            .next()
            .ok_or_else(|| anyhow!("{}: no object in it", object_path.display()))?;
        let mut inventory = Vec::new();
        for inv in case
            .get("inventory")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let p = dir.join(inv.as_str().unwrap_or(""));
            if !p.is_file() {
                bail!(
                    "{suite}: test '{name}', case '{case_name}': inventory {} does not exist",
                    p.display()
                );
            }
            inventory.extend(documents(&p)?);
        }
        let case_plugin;
        let plugin = if inventory.is_empty() {
            &plugin
        } else {
            let mut settings: Value = serde_json::from_str(plugin.settings())?;
            settings["plugin"]["inventory"] = Value::Array(inventory);
            case_plugin = base.reconfigured(settings.to_string())?;
            &case_plugin
        };
        let doc = wit::Document {
            id: 0,
            uri: object_path.display().to_string(),
            format: wit::Format::K8s,
            hints: wit::KindHints {
                api_version: object
                    .get("apiVersion")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                kind: object
                    .get("kind")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                namespace: object
                    .pointer("/metadata/namespace")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                name: object
                    .pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                labels: Vec::new(),
            },
            json: object.to_string(),
        };
        let out = plugin
            .check(&[doc], std::slice::from_ref(&id))
            .map_err(|e| {
                anyhow!(
                    "{suite}: test '{name}', case '{case_name}' ({}): {id} {e}",
                    object_path.display()
                )
            })?;
        let messages: Vec<String> = out
            .findings
            .into_iter()
            .filter(|f| f.control == id)
            .map(|f| f.message)
            .collect();
        let passed = satisfied(&assertions, &messages)
            .with_context(|| format!("{suite}: test '{name}', case '{case_name}'"))?;
        results.push(CaseResult {
            suite: suite.to_owned(),
            test: name.clone(),
            case: case_name,
            passed,
            expected: describe(&assertions),
            got: messages.len(),
            messages,
            skipped: None,
        });
    }
    Ok(())
}
