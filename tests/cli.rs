//! End-to-end tests of the `stiglint` binary: real files, real wasm plugins, real exit codes.

mod common;

use common::{run, stderr, stdout, stiglint, test_plugin};
use serde_json::Value;

fn json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", stdout(out), stderr(out)))
}

fn findings<'a>(report: &'a Value, control: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["control"] == control)
        .collect()
}

fn start(f: &Value) -> (u64, u64, u64, u64) {
    let r = &f["range"];
    (
        r["start"]["line"].as_u64().expect("line"),
        r["start"]["column"].as_u64().expect("col"),
        r["end"]["line"].as_u64().expect("line"),
        r["end"]["column"].as_u64().expect("col"),
    )
}

#[test]
fn exact_ranges_and_exit_code_one() {
    let out = run(stiglint().args(["check", "--format", "json", "tests/data/privileged.yaml"]));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = json(&out);
    assert_eq!(report["schema_version"], 1);
    let priv_ = findings(&report, "KUBER-L2-000070");
    assert_eq!(priv_.len(), 1);
    assert_eq!(start(priv_[0]), (13, 13, 13, 29));
    assert_eq!(priv_[0]["file"], "tests/data/privileged.yaml");
    assert_eq!(
        priv_[0]["pointer"],
        "/spec/template/spec/containers/0/securityContext/privileged"
    );
    assert_eq!(priv_[0]["severity"], "high");
    // The default Pod Security level (baseline, latest) judges it too: admission's words follow.
    assert_eq!(
        priv_[0]["message"],
        "Container 'app' must not run privileged. It violates PodSecurity \"baseline:latest\": privileged (container \"app\" must not set securityContext.privileged=true)"
    );
    assert_eq!(priv_[0]["properties"]["pss"]["check"], "privileged");
    assert_eq!(priv_[0]["object"]["kind"], "Deployment");
    assert_eq!(priv_[0]["fix"]["edits"][0]["op"], "set");
    assert_eq!(report["summary"]["files_scanned"], 1);
}

#[test]
fn bare_invocation_and_text_frames() {
    let out = run(stiglint().args(["--select", "KUBER-L2-000070", "tests/data/privileged.yaml"]));
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("KUBER-L2-000070: Container 'app' must not run privileged"),
        "{text}"
    );
    assert!(
        text.contains("--> tests/data/privileged.yaml:13:13"),
        "{text}"
    );
    assert!(text.contains("13 |             privileged: true"), "{text}");
    assert!(text.contains("Scanned 1 file (1 object)"), "{text}");
    assert!(!text.contains('\u{1b}'), "no colour when not a terminal");
}

#[test]
fn stdin_is_a_file_named_stdin() {
    let mut cmd = stiglint();
    cmd.args([
        "check",
        "--select",
        "KUBER-L2-000060",
        "--format",
        "json",
        "-",
    ])
    .stdin(std::process::Stdio::piped())
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("spawn");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin
            .write_all(b"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostPID: true\n  containers: []\n")
            .expect("write");
    }
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = json(&out);
    let f = findings(&report, "KUBER-L2-000060");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["file"], "<stdin>");
    assert_eq!(start(f[0]), (5, 3, 5, 16));
}

#[test]
fn broken_document_is_an_error_and_the_rest_is_scanned() {
    let out = run(stiglint().args([
        "check",
        "--select",
        "KUBER-L2-000060",
        "--format",
        "json",
        "tests/data/broken.yaml",
    ]));
    assert_eq!(out.status.code(), Some(2));
    let report = json(&out);
    let errors = report["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["kind"], "parse");
    assert_eq!(errors[0]["file"], "tests/data/broken.yaml");
    let line = errors[0]["range"]["start"]["line"].as_u64().expect("line");
    assert!((16..=18).contains(&line), "error line {line}");
    let lines: Vec<u64> = findings(&report, "KUBER-L2-000060")
        .iter()
        .map(|f| start(f).0)
        .collect();
    assert_eq!(
        lines,
        vec![6, 24],
        "documents before and after the broken one are checked"
    );
    assert_eq!(report["files"][0]["status"], "failed");
    assert!(
        stderr(&out).contains("tests/data/broken.yaml:"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn accounting_of_skipped_files_lists_and_missing_paths() {
    let out = run(stiglint().args([
        "check",
        "--select",
        "KUBER-L2-000060",
        "tests/data/not-kubernetes.yaml",
        "tests/data/list.json",
        "tests/data/does-not-exist.yaml",
    ]));
    assert_eq!(out.status.code(), Some(2), "a missing path is an error");
    let text = stdout(&out);
    assert!(
        text.contains(
            "tests/data/not-kubernetes.yaml: not a Kubernetes object (no apiVersion and kind)"
        ),
        "{text}"
    );
    assert!(
        text.contains("tests/data/list.json:10:"),
        "List items are checked at their own lines: {text}"
    );
    assert!(
        text.contains("tests/data/does-not-exist.yaml: cannot read"),
        "{text}"
    );
    assert!(
        text.contains("Scanned 1 file (1 object), skipped 1, failed 0"),
        "{text}"
    );
}

#[test]
fn directories_are_walked_and_fail_on_sets_the_threshold() {
    let out = run(stiglint().args([
        "check",
        "--select",
        "KUBER-L2-000080",
        "--fail-on",
        "high",
        "tests/data",
    ]));
    // Only medium findings (no limits) and a parse error in broken.yaml.
    assert_eq!(out.status.code(), Some(2));
    let out = run(stiglint().args([
        "check",
        "--select",
        "KUBER-L2-000080",
        "--fail-on",
        "high",
        "tests/data/privileged.yaml",
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let out = run(stiglint().args([
        "check",
        "--select",
        "KUBER-L2-000080",
        "tests/data/privileged.yaml",
    ]));
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn selectors_are_checked() {
    let out = run(stiglint().args(["check", "--select", "NOPE-1", "tests/data/privileged.yaml"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown control selector 'NOPE-1'"),
        "{}",
        stderr(&out)
    );
    let out = run(stiglint().args([
        "check",
        "--format",
        "json",
        "--ignore",
        "KUBER-L2-000070",
        "tests/data/privileged.yaml",
    ]));
    assert!(findings(&json(&out), "KUBER-L2-000070").is_empty());
}

#[test]
fn bad_config_names_file_line_and_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = dir.path().join("stiglint.toml");
    std::fs::write(&cfg, "fail-on = \"high\"\n\n[limits]\ntimeout = 5\n").expect("write");
    let out = run(stiglint()
        .arg("--config")
        .arg(&cfg)
        .arg("tests/data/privileged.yaml"));
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("stiglint.toml:4:1"), "{err}");
    assert!(err.contains("timeout"), "{err}");
}

fn hostile(plugin: &str, extra: &[&str]) -> (Value, String) {
    let mut cmd = stiglint();
    cmd.args([
        "check",
        "--format",
        "json",
        "--select",
        "KUBER-L2-000070,TEST",
    ])
    .arg("--plugin")
    .arg(test_plugin(plugin))
    .args(extra)
    .arg("tests/data/privileged.yaml");
    let out = run(&mut cmd);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a plugin failure fails the run: {}",
        stderr(&out)
    );
    (json(&out), stderr(&out))
}

fn plugin_error<'a>(report: &'a Value, plugin: &str) -> &'a Value {
    report["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .find(|e| e["plugin"] == plugin)
        .unwrap_or_else(|| panic!("no error from {plugin}: {report:#}"))
}

#[test]
fn looping_plugin_is_stopped_and_builtins_still_report() {
    let (report, err) = hostile("loop", &["--plugin-timeout-ms", "200"]);
    let e = plugin_error(&report, "test-loop");
    assert_eq!(e["kind"], "plugin");
    assert_eq!(e["message"], "timed out after 200 ms on Deployment 'web'");
    assert_eq!(e["file"], "tests/data/privileged.yaml");
    assert_eq!(findings(&report, "KUBER-L2-000070").len(), 1);
    assert!(err.contains("plugin 'test-loop': timed out"), "{err}");
}

#[test]
fn memory_hungry_plugin_is_stopped() {
    let (report, _) = hostile("memory", &["--plugin-memory-mb", "64"]);
    let e = plugin_error(&report, "test-memory");
    assert_eq!(
        e["message"],
        "exceeded its memory limit of 64 MiB on Deployment 'web'"
    );
    assert_eq!(findings(&report, "KUBER-L2-000070").len(), 1);
}

#[test]
fn plugin_cannot_open_files() {
    let (report, _) = hostile("fs-access", &[]);
    let e = plugin_error(&report, "test-fs-access");
    let msg = e["message"].as_str().expect("message");
    assert!(msg.starts_with("trapped:"), "{msg}");
    assert!(
        findings(&report, "TEST-FS-000001").is_empty(),
        "the plugin must not get an answer"
    );
    assert_eq!(findings(&report, "KUBER-L2-000070").len(), 1);
}

#[test]
fn invalid_plugin_output_is_reported() {
    let (report, _) = hostile("bad-output", &[]);
    let messages: Vec<&str> = report["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter(|e| e["plugin"] == "test-bad-output")
        .filter_map(|e| e["message"].as_str())
        .collect();
    assert_eq!(messages.len(), 3, "{messages:?}");
    assert!(
        messages
            .iter()
            .all(|m| m.starts_with("returned invalid output:")),
        "{messages:?}"
    );
    assert!(findings(&report, "TEST-BAD-000001").is_empty());
    // A fix pointer without a leading `/` is refused, not applied at the document root: the
    // finding stands without a fix, and `--fix` leaves the file as it is.
    assert!(
        messages.iter().any(|m| m.contains("fix pointer 'spec'")),
        "{messages:?}"
    );
    let rootless = findings(&report, "TEST-BAD-000002");
    assert_eq!(rootless.len(), 1, "{report:#}");
    assert!(
        rootless[0].get("fix").is_none_or(Value::is_null),
        "{report:#}"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("privileged.yaml");
    let original = std::fs::read_to_string(common::repo_root().join("tests/data/privileged.yaml"))
        .expect("fixture");
    std::fs::write(&file, &original).expect("write");
    let out = run(stiglint()
        .args(["check", "--fix", "--select", "TEST"])
        .arg("--plugin")
        .arg(test_plugin("bad-output"))
        .arg(&file));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(&file).expect("read"),
        original,
        "the file is unchanged"
    );
}

#[test]
fn not_a_plugin_is_a_load_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fake = dir.path().join("fake.wasm");
    std::fs::write(&fake, b"\0asm\x01\0\0\0").expect("write");
    let out = run(stiglint()
        .args(["check", "--plugin"])
        .arg(&fake)
        .arg("tests/data/privileged.yaml"));
    assert_eq!(out.status.code(), Some(2));
    let text = stdout(&out);
    assert!(text.contains("fake.wasm: cannot load plugin"), "{text}");
    assert!(
        text.contains("KUBER-L2-000070"),
        "built-in findings still appear: {text}"
    );
}

#[test]
fn precompiled_cache_is_used_on_the_second_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut first = stiglint();
    first.env("STIGLINT_CACHE_DIR", dir.path()).args([
        "check",
        "--verbose",
        "--format",
        "json",
        "tests/data/privileged.yaml",
    ]);
    let one = json(&run(&mut first));
    assert_eq!(one["plugins"][0]["cache"], "miss");
    assert!(std::fs::read_dir(dir.path()).expect("cache dir").count() >= 1);
    let two = json(&run(&mut first));
    assert_eq!(two["plugins"][0]["cache"], "hit");
    let mut quiet = stiglint();
    quiet.env("STIGLINT_CACHE_DIR", dir.path()).args([
        "check",
        "--format",
        "json",
        "tests/data/privileged.yaml",
    ]);
    let report = run(&mut quiet);
    assert!(
        json(&report)["plugins"][0].get("cache").is_none(),
        "reports stay deterministic"
    );
    assert_eq!(
        report.stdout,
        run(&mut quiet).stdout,
        "two runs, the same bytes"
    );
    let mut off = stiglint();
    off.env("STIGLINT_CACHE_DIR", dir.path()).args([
        "check",
        "--no-cache",
        "--verbose",
        "--format",
        "json",
        "tests/data/privileged.yaml",
    ]);
    assert_eq!(json(&run(&mut off))["plugins"][0]["cache"], "off");
}

#[test]
fn controls_and_explain() {
    let out = run(stiglint().args(["controls", "--format", "json"]));
    assert_eq!(out.status.code(), Some(0));
    let list = json(&out);
    let ids: Vec<&str> = list
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert!(ids.contains(&"KUBER-L2-000070"), "{ids:?}");
    let priv_ = list
        .as_array()
        .expect("list")
        .iter()
        .find(|c| c["id"] == "KUBER-L2-000070")
        .expect("control");
    assert_eq!(priv_["stig"]["vuln_id"], "V-254800");
    assert_eq!(priv_["severity"], "high");
    let table = stdout(&run(stiglint().arg("controls")));
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("KUBER-L2-000070 ") && l.contains(" CAT I ")),
        "{table}"
    );
    let out = run(stiglint().args(["explain", "KUBER-L2-000070"]));
    let text = stdout(&out);
    assert!(
        text.starts_with("KUBER-L2-000070: Privileged containers\nSeverity: CAT I (high)"),
        "{text}"
    );
    assert!(text.contains("**Why.**"), "{text}");
    let out = run(stiglint().args(["explain", "NOPE"]));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn sarif_validates_with_the_microsoft_multitool() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sarif = dir.path().join("out.sarif");
    let out = run(stiglint()
        .args(["check", "--format", "sarif", "--output"])
        .arg(&sarif)
        .args([
            "tests/data/privileged.yaml",
            "tests/data/broken.yaml",
            "tests/data/list.json",
            "tests/data/kube-apiserver.yaml",
        ]));
    assert_eq!(out.status.code(), Some(2));
    let log: Value = serde_json::from_slice(&std::fs::read(&sarif).expect("sarif")).expect("json");
    assert_eq!(log["version"], "2.1.0");
    let run0 = &log["runs"][0];
    let result = run0["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["ruleId"] == "KUBER-L2-000070")
        .expect("privileged result");
    let region = &result["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(13), Some(13))
    );
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "tests/data/privileged.yaml"
    );
    let rule =
        &run0["tool"]["driver"]["rules"][result["ruleIndex"].as_u64().expect("index") as usize];
    assert_eq!(rule["id"], "KUBER-L2-000070");
    assert_eq!(rule["properties"]["stig"]["vuln-id"], "V-254800");
    assert_eq!(run0["invocations"][0]["executionSuccessful"], false);
    let not_applicable = run0["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["ruleId"] == "CNTR-K8-000320")
        .expect("the note is a result");
    assert_eq!(not_applicable["kind"], "notApplicable");
    assert_eq!(not_applicable["level"], "none");
    common::validate_sarif(&sarif);
}

#[test]
fn out_of_tree_example_plugin_builds_and_runs() {
    let wasm = common::build_example("control-plugin", "org_controls.wasm");
    let out = run(stiglint()
        .args(["check", "--format", "json", "--select", "ORG", "--plugin"])
        .arg(&wasm)
        .arg("tests/data/privileged.yaml"));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = json(&out);
    let f = findings(&report, "ORG-000001");
    assert_eq!(f.len(), 1);
    assert_eq!(start(f[0]).0, 11);
    let out = run(stiglint()
        .args(["explain", "ORG-000001", "--plugin"])
        .arg(&wasm));
    assert!(
        stdout(&out).contains("**Why.** A tag can be moved"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn waiver_plugins_are_told_apart_by_their_exports() {
    let out = run(stiglint()
        .args(["check", "--format", "json", "--plugin"])
        .arg(test_plugin("keep"))
        .arg("tests/data/privileged.yaml"));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = json(&out);
    let plugins = report["plugins"].as_array().expect("plugins");
    let keep = plugins
        .iter()
        .find(|p| p["name"] == "test-waiver-keep")
        .expect("the waiver plugin is loaded");
    assert_eq!(keep["kind"], "waiver");
    assert_eq!(plugins[0]["kind"], "control");
    assert_eq!(findings(&report, "KUBER-L2-000070").len(), 1);
}

#[test]
fn static_pod_flags_findings_and_not_applicable_notes() {
    let out = run(stiglint().args([
        "check",
        "--format",
        "json",
        "tests/data/kube-apiserver.yaml",
    ]));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = json(&out);
    let anon = findings(&report, "CNTR-K8-000360");
    assert_eq!(anon.len(), 1);
    assert_eq!(start(anon[0]).0, 17, "at the flag's line");
    assert_eq!(
        anon[0]["message"],
        "kube-apiserver must set --anonymous-auth to false (it is 'true')"
    );
    let missing = findings(&report, "CNTR-K8-000610");
    assert_eq!(
        start(missing[0]).0,
        15,
        "a missing flag points at `command:`"
    );
    assert!(findings(&report, "CNTR-K8-000170").is_empty());
    let notes = report["notes"].as_array().expect("notes");
    let insecure = notes
        .iter()
        .find(|n| n["control"] == "CNTR-K8-000320")
        .expect("the insecure port rule does not apply to 1.31");
    assert_eq!(insecure["kind"], "not-applicable");
    assert!(report["summary"]["notes"]["not-applicable"].as_u64() >= Some(1));
    let text = stdout(&run(
        stiglint().args(["check", "tests/data/kube-apiserver.yaml"])
    ));
    assert!(
        text.contains("CNTR-K8-000320 not applicable:"),
        "notes are shown, not hidden: {text}"
    );
}

#[test]
fn every_stig_rule_is_listed_with_its_coverage() {
    let out = run(stiglint().args(["controls", "--all", "--format", "json"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let all = json(&out);
    let rules = all["rules"].as_array().expect("rules");
    assert_eq!(
        rules.len(),
        94,
        "every rule of the DISA Kubernetes STIG V2R4"
    );
    let mut unmapped = Vec::new();
    for r in rules {
        let class = r["artifact_class"].as_str().expect("class").trim();
        let coverage = r["coverage"].as_str().expect("coverage");
        if class.starts_with('e') && !class.contains("partial") {
            assert_eq!(coverage, "not-decidable-from-files", "{r}");
        } else if class.starts_with('e') {
            // Partly decidable (CNTR-K8-000920: the EKS endpoint and security groups).
            assert!(
                ["not-decidable-from-files", "stood-in-for"].contains(&coverage),
                "{r}"
            );
        } else if ["a", "b", "c"].iter().any(|c| class.starts_with(c)) && coverage != "checked" {
            unmapped.push(r["stig_id"].as_str().expect("id").to_owned());
        }
    }
    assert!(
        unmapped.is_empty(),
        "class a/b/c rules without a control: {unmapped:?}"
    );
    let table = stdout(&run(stiglint().args(["controls", "--all"])));
    assert!(
        table.contains("CNTR-K8-000400  V-242393  II    not decidable from files"),
        "{table}"
    );
}

#[test]
fn kubelet_flags_from_a_systemd_dropin_found_by_walking() {
    let out = run(stiglint().args([
        "check",
        "--format",
        "json",
        "--select",
        "CNTR-K8-000850,CNTR-K8-000330",
        "tests/data",
    ]));
    let report = json(&out);
    let file = report["files"]
        .as_array()
        .expect("files")
        .iter()
        .find(|f| f["name"] == "tests/data/kubelet.service.d/10-kubeadm.conf")
        .expect("the drop-in is picked up by the directory walk");
    assert_eq!(file["status"], "scanned");
    let host = findings(&report, "CNTR-K8-000850");
    assert_eq!(host.len(), 1);
    assert_eq!(
        host[0]["file"],
        "tests/data/kubelet.service.d/10-kubeadm.conf"
    );
    assert_eq!(start(host[0]), (5, 33, 5, 59));
    assert_eq!(findings(&report, "CNTR-K8-000330").len(), 1);
}

#[test]
fn trivy_reports_decide_known_vulnerabilities() {
    let out = run(stiglint().args([
        "check",
        "--format",
        "json",
        "--today",
        "2026-11-22",
        "--select",
        "KUBER-L2-000030",
        "--trivy-report",
        "tests/data/trivy/nginx-1.25.json",
        "tests/data/nginx-deployment.yaml",
    ]));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = json(&out);
    let f = findings(&report, "KUBER-L2-000030");
    assert_eq!(f.len(), 1, "{report:#}");
    assert_eq!(
        f[0]["message"],
        "Container 'web' image 'docker.io/library/nginx:1.25' has 7 CRITICAL vulnerabilities: \
         CVE-2023-6879, CVE-2023-45853, CVE-2024-5535, CVE-2024-24790, CVE-2024-45490, \
         CVE-2024-45491, CVE-2024-45492"
    );
    assert_eq!(
        f[0]["related"][0]["file"],
        "tests/data/trivy/nginx-1.25.json"
    );
    let notes = report["notes"].as_array().expect("notes");
    assert!(
        notes.iter().any(|n| n["kind"] == "not-evaluated"
            && n["reason"]
                .as_str()
                .is_some_and(|r| r.contains("'redis:7.2' has no Trivy report"))),
        "an image without a report is not evaluated: {notes:?}"
    );
    // A month later the report itself is stale.
    let out = run(stiglint().args([
        "check",
        "--format",
        "json",
        "--today",
        "2026-12-22",
        "--select",
        "KUBER-L2-000030",
        "--trivy-report",
        "tests/data/trivy/nginx-1.25.json",
        "tests/data/nginx-deployment.yaml",
    ]));
    let stale = findings(&json(&out), "KUBER-L2-000030")
        .into_iter()
        .filter(|f| f["pointer"] == "/CreatedAt")
        .count();
    assert_eq!(stale, 1);
}

/// `stiglint main.tf` on an EKS module: `--var` sets a root variable, and `--strict` turns a
/// value known only after apply into a failure.
#[test]
fn terraform_vars_and_strict() {
    let dir = tempfile::tempdir().expect("temp dir");
    let main = dir.path().join("main.tf");
    std::fs::write(
        &main,
        r#"variable "public" {
  type    = bool
  default = false
}

variable "cidrs" {
  type = list(string)
}

resource "aws_eks_cluster" "this" {
  name     = "prod"
  role_arn = "arn:aws:iam::111122223333:role/eks"
  enabled_cluster_log_types = ["audit"]
  vpc_config {
    subnet_ids              = ["subnet-1"]
    endpoint_private_access = true
    endpoint_public_access  = var.public
    public_access_cidrs     = var.cidrs
  }
  encryption_config {
    resources = ["secrets"]
    provider {
      key_arn = "arn:aws:kms:us-east-1:111122223333:key/1"
    }
  }
}
"#,
    )
    .expect("write");
    let check = |extra: &[&str]| {
        let mut cmd = stiglint();
        cmd.args(["check", "--format", "json", "--select", "KUBER-L2-000120"]);
        cmd.args(extra).arg(&main);
        run(&mut cmd)
    };
    // Private endpoint: passes whatever the CIDRs.
    let out = check(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Public, CIDRs not given: not evaluated, which only --strict fails.
    let out = check(&["--var", "public=true"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = json(&out);
    assert_eq!(report["notes"][0]["kind"], "not-evaluated", "{report}");
    assert!(
        report["notes"][0]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("var.cidrs has no value")),
        "{report}"
    );
    let out = check(&["--var", "public=true", "--strict"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    // Public and open to the world: a finding at the command line's value (the attribute).
    let out = check(&["--var", "public=true", "--var", r#"cidrs=["0.0.0.0/0"]"#]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = json(&out);
    let f = findings(&report, "KUBER-L2-000120");
    assert_eq!(f.len(), 1, "{report}");
    assert_eq!(start(f[0]).0, 18, "{report}");
    // A malformed --var is a usage error.
    let out = check(&["--var", "no-equals-sign"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

/// `--diff` shows the fixes and changes nothing; `--fix` rewrites the files in place, keeping
/// their indentation, and what it could fix is gone from the report.
#[test]
fn fix_and_diff_rewrite_yaml_and_terraform_in_place() {
    let dir = tempfile::tempdir().expect("temp dir");
    let yaml = dir.path().join("web.yaml");
    std::fs::write(
        &yaml,
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  template:\n    spec:\n      hostNetwork: true # debugging\n      containers:\n        - name: app\n          image: registry1.dso.mil/ironbank/opensource/nginx:1.25\n          securityContext:\n            privileged: true\n",
    )
    .expect("write");
    let tf = dir.path().join("main.tf");
    std::fs::write(
        &tf,
        "resource \"aws_launch_template\" \"nodes\" {\n  name_prefix = \"nodes-\"\n  metadata_options {\n    http_tokens = \"optional\"\n  }\n}\n",
    )
    .expect("write");
    let before = std::fs::read_to_string(&yaml).expect("read");
    let out = run(stiglint()
        .args(["check", "--no-config", "--diff"])
        .arg(dir.path()));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let diff = stdout(&out);
    assert!(
        diff.contains("-      hostNetwork: true # debugging"),
        "{diff}"
    );
    assert!(
        diff.contains("+      hostNetwork: false # debugging"),
        "{diff}"
    );
    assert!(diff.contains("+            privileged: false"), "{diff}");
    assert!(diff.contains("+            runAsNonRoot: true"), "{diff}");
    assert_eq!(
        std::fs::read_to_string(&yaml).expect("read"),
        before,
        "--diff changes nothing"
    );

    let out = run(stiglint()
        .args(["check", "--no-config", "--fix", "--format", "json"])
        .arg(dir.path()));
    let err = stderr(&out);
    assert!(err.contains("fixed"), "{err}");
    let after = std::fs::read_to_string(&yaml).expect("read");
    assert!(
        after.contains("      hostNetwork: false # debugging\n"),
        "{after}"
    );
    assert!(
        after.contains("          securityContext:\n            runAsNonRoot: true\n            privileged: false\n"),
        "{after}"
    );
    assert!(
        after.contains("\n          resources:\n            limits:\n"),
        "{after}"
    );
    let tf_after = std::fs::read_to_string(&tf).expect("read");
    assert!(
        tf_after.contains("    http_tokens = \"required\"\n"),
        "{tf_after}"
    );
    // What was fixed is no longer reported.
    let report = json(&out);
    for id in [
        "KUBER-L2-000060",
        "KUBER-L2-000070",
        "KUBER-L2-000020",
        "KUBER-L2-000080",
    ] {
        assert!(findings(&report, id).is_empty(), "{id} left: {report:#}");
    }
    // And the fixed files still parse as what they were.
    let out = run(stiglint()
        .args(["check", "--no-config", "--format", "json"])
        .arg(dir.path()));
    let report = json(&out);
    assert_eq!(report["summary"]["files_failed"], 0, "{report:#}");
}

/// Several reports in one run: JUnit (read back by Python's junitparser), GitHub workflow
/// commands on standard output, GitLab Code Quality JSON.
#[test]
fn junit_github_and_gitlab_in_one_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let junit = dir.path().join("report.xml");
    let gitlab = dir.path().join("cq.json");
    let out = run(stiglint()
        .args([
            "check",
            "--select",
            "KUBER-L2-000070,KUBER-L2-000080",
            "--format",
        ])
        .arg(format!("junit={}", junit.display()))
        .arg("--format")
        .arg("github")
        .arg("--format")
        .arg(format!("gitlab={}", gitlab.display()))
        .arg("tests/data/privileged.yaml"));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let github = stdout(&out);
    assert!(
        github.contains(
            "::error file=tests/data/privileged.yaml,line=13,col=13,endLine=13,endColumn=29,title=KUBER-L2-000070::Container 'app' must not run privileged"
        ),
        "{github}"
    );
    let suites = common::junitparser(&junit);
    let privileged = suites
        .iter()
        .find(|s| s.0.starts_with("KUBER-L2-000070"))
        .expect("a suite per control");
    assert_eq!(
        (privileged.1, privileged.2, privileged.3),
        (1, 1, 0),
        "{suites:?}"
    );
    let cq: Value = serde_json::from_slice(&std::fs::read(&gitlab).expect("cq")).expect("json");
    let issue = cq
        .as_array()
        .expect("issues")
        .iter()
        .find(|i| i["check_name"] == "KUBER-L2-000070")
        .expect("issue");
    assert_eq!(issue["severity"], "blocker");
    assert_eq!(issue["location"]["lines"]["begin"], 13);
    assert_eq!(issue["fingerprint"].as_str().map(str::len), Some(64));
    // Two reports on standard output is a usage error.
    let out = run(stiglint().args([
        "check",
        "--format",
        "json",
        "--format",
        "github",
        "tests/data/privileged.yaml",
    ]));
    assert_eq!(out.status.code(), Some(2));
}

/// `(Rule_Ver, STATUS, FINDING_DETAILS)` of each VULN of a `.ckl`, read with an XML parser,
/// and whether the required STIG Viewer structure is there.
fn ckl_vulns(path: &std::path::Path) -> Vec<(String, String, String)> {
    use quick_xml::Reader;
    use quick_xml::events::Event;
    let text = std::fs::read_to_string(path).expect("ckl");
    let mut reader = Reader::from_str(&text);
    let mut stack: Vec<String> = Vec::new();
    let mut out = Vec::new();
    let (mut attr, mut rule, mut status, mut details) =
        (String::new(), String::new(), String::new(), String::new());
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => stack.push(String::from_utf8_lossy(e.name().as_ref()).into_owned()),
            Event::Empty(_) => {}
            Event::End(e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                if name == "VULN" {
                    out.push((
                        std::mem::take(&mut rule),
                        std::mem::take(&mut status),
                        std::mem::take(&mut details),
                    ));
                }
                stack.pop();
            }
            Event::Text(t) => {
                let t = t.decode().expect("text").into_owned();
                let blank = t.trim().is_empty();
                let path = stack.join("/");
                match stack.last().map(String::as_str) {
                    Some("VULN_ATTRIBUTE") => attr = t,
                    Some("ATTRIBUTE_DATA") if attr == "Rule_Ver" => rule = t,
                    Some("STATUS") => status = t,
                    // Entities (`&apos;`) split a text: keep every piece.
                    Some("FINDING_DETAILS") => details.push_str(&t),
                    _ => {}
                }
                assert!(path.starts_with("CHECKLIST") || blank, "{path}");
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(text.contains("<ASSET>") && text.contains("<STIG_INFO>") && text.contains("<iSTIG>"));
    out
}

/// The STIG Viewer checklists list all 94 rules; a rule is NotAFinding only with evidence.
#[test]
fn stig_viewer_checklists() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ckl = dir.path().join("k8s.ckl");
    let cklb = dir.path().join("k8s.cklb");
    let out = run(stiglint()
        .args(["check", "--asset", "prod-cluster", "--format"])
        .arg(format!("ckl={}", ckl.display()))
        .arg("--format")
        .arg(format!("cklb={}", cklb.display()))
        .args([
            "tests/data/privileged.yaml",
            "tests/data/kube-apiserver.yaml",
        ]));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let vulns = ckl_vulns(&ckl);
    assert_eq!(vulns.len(), 94);
    let status = |id: &str| {
        vulns
            .iter()
            .find(|v| v.0 == id)
            .map(|v| (v.1.as_str(), v.2.as_str()))
            .expect("rule")
    };
    // A finding of the seed control that stands in for it: Open, with file:line.
    let (s, d) = status("CNTR-K8-002011");
    assert_eq!(s, "Open");
    assert!(
        d.contains("tests/data/privileged.yaml:13: KUBER-L2-000070"),
        "{d}"
    );
    // Judged on the kube-apiserver manifest, nothing found: NotAFinding.
    assert_eq!(status("CNTR-K8-000170").0, "NotAFinding");
    // No etcd manifest in the scan: Not_Reviewed, never NotAFinding.
    assert_eq!(status("CNTR-K8-000180").0, "Not_Reviewed");
    // Not decidable from files.
    assert_eq!(status("CNTR-K8-000400").0, "Not_Reviewed");
    for (rule, s, _) in &vulns {
        assert!(
            ["Open", "NotAFinding", "Not_Applicable", "Not_Reviewed"].contains(&s.as_str()),
            "{rule}: {s}"
        );
    }
    let j: Value = serde_json::from_slice(&std::fs::read(&cklb).expect("cklb")).expect("json");
    let rules = j["stigs"][0]["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), 94);
    assert_eq!(j["target_data"]["host_name"], "prod-cluster");
    let r = rules
        .iter()
        .find(|r| r["rule_version"] == "CNTR-K8-000180")
        .expect("rule");
    assert_eq!(r["status"], "not_reviewed");
}

/// `--evidence-dir`: one record per run, named by its UTC time, with the tool, the plugins and
/// every input with their SHA-256, the configuration's hash and the counts.
#[test]
fn evidence_record_per_run() {
    use sha2::{Digest, Sha256};
    let dir = tempfile::tempdir().expect("temp dir");
    let out = run(stiglint()
        .args([
            "check",
            "--config",
            "examples/stiglint.toml",
            "--evidence-dir",
        ])
        .arg(dir.path())
        .args(["-o", "/dev/null", "tests/data/privileged.yaml"]));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let files: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let name = files[0]
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    assert!(
        name.starts_with("stiglint-evidence-20") && name.ends_with("Z.json"),
        "{name}"
    );
    let e: Value = serde_json::from_slice(&std::fs::read(&files[0]).expect("read")).expect("json");
    assert!(
        e["timestamp"].as_str().is_some_and(|t| t.ends_with('Z')),
        "{e:#}"
    );
    let hex = |b: &[u8]| -> String {
        Sha256::digest(b)
            .iter()
            .map(|x| format!("{x:02x}"))
            .collect()
    };
    let input = &e["inputs"][0];
    assert_eq!(input["name"], "tests/data/privileged.yaml");
    assert_eq!(
        input["sha256"],
        hex(&std::fs::read(common::repo_root().join("tests/data/privileged.yaml")).expect("read"))
    );
    assert_eq!(
        e["configuration"]["sha256"],
        hex(&std::fs::read(common::repo_root().join("examples/stiglint.toml")).expect("read"))
    );
    let plugins = e["plugins"].as_array().expect("plugins");
    assert!(plugins.len() >= 3);
    assert!(
        plugins
            .iter()
            .all(|p| p["sha256"].as_str().map(str::len) == Some(64))
    );
    assert_eq!(e["summary"]["findings"]["high"], 1, "{:#}", e["summary"]);
    assert_eq!(e["exit_code"], 1);
}

/// `--kustomize` renders with the real kubectl and scans the output like the corpus's
/// pre-rendered file; `--helm` without helm installed fails (never a silent skip).
#[test]
fn kustomize_renders_and_helm_fails_closed() {
    // kubectl with kustomize v5 renders the modern overlay; Debian's kubectl 1.20 (kustomize
    // v2, what .ci/run installs when a machine has none) only the legacy one. Each has its
    // rendering in the corpus.
    let version = std::process::Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .expect("kubectl (Debian package kubernetes-client) is installed: .ci/test installs it");
    let modern = String::from_utf8_lossy(&version.stdout).contains("Kustomize Version: v5");
    let (overlay, rendered) = if modern {
        ("prod", "prod.kubectl-v1.32.4-kustomize-v5.5.0.yaml")
    } else {
        ("legacy", "legacy.debian-kubectl-v1.20.2.yaml")
    };
    let rendered =
        common::corpus().join(format!("kustomize/guestbook-overlay/rendered/{rendered}"));
    let overlay = common::corpus().join(format!("kustomize/guestbook-overlay/{overlay}"));
    let counts = |out: &std::process::Output| -> Vec<(String, String)> {
        let r = json(out);
        let mut v: Vec<(String, String)> = r["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| {
                (
                    f["control"].as_str().expect("control").to_owned(),
                    f["message"].as_str().expect("message").to_owned(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let live = run(stiglint()
        .args(["check", "--no-config", "--format", "json", "--kustomize"])
        .arg(&overlay));
    assert_eq!(live.status.code(), Some(1), "{}", stderr(&live));
    let file = run(stiglint()
        .args(["check", "--no-config", "--format", "json"])
        .arg(&rendered));
    assert_eq!(counts(&live), counts(&file));
    assert!(
        json(&live)["files"][0]["name"]
            .as_str()
            .is_some_and(|n| n.ends_with("/kustomize.rendered.yaml"))
    );
    // No helm on PATH: exit 2 and say so.
    let empty = tempfile::tempdir().expect("temp dir");
    let out = run(stiglint().env("PATH", empty.path()).args([
        "check",
        "--no-config",
        "--helm",
        "examples/helm",
    ]));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--helm needs helm on PATH"),
        "{}",
        stderr(&out)
    );
}

/// `--fail-on-skip`: a file with nothing to check fails the run.
#[test]
fn fail_on_skip() {
    let args = [
        "check",
        "--no-config",
        "--select",
        "KUBER-L2-000070",
        "tests/data/not-kubernetes.yaml",
    ];
    assert_eq!(run(stiglint().args(args)).status.code(), Some(0));
    let out = run(stiglint().args(args).arg("--fail-on-skip"));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

/// `--chart-dir`: findings of Helm output name the chart's template file, in text and as a
/// SARIF related location (validated).
#[test]
fn chart_dir_names_the_template_file() {
    let out = run(stiglint().args([
        "check",
        "--chart-dir",
        "charts/shop",
        "--select",
        "KUBER-L2-000020",
        "examples/helm/rendered.yaml",
    ]));
    let text = stdout(&out);
    assert!(
        text.contains("rendered from Helm template charts/shop/templates/deployment.yaml"),
        "{text}"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let sarif = dir.path().join("helm.sarif");
    let out = run(stiglint()
        .args(["check", "--chart-dir", "charts/shop", "--format"])
        .arg(format!("sarif={}", sarif.display()))
        .arg("examples/helm/rendered.yaml"));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let log: Value = serde_json::from_slice(&std::fs::read(&sarif).expect("sarif")).expect("json");
    let related = &log["runs"][0]["results"][0]["relatedLocations"];
    assert!(
        related.as_array().expect("related").iter().any(|r| {
            r["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .is_some_and(|u| u.ends_with("charts/shop/templates/deployment.yaml"))
        }),
        "{related:#}"
    );
    common::validate_sarif(&sarif);
}

/// `--stig-file`: the official XCCDF gives the checklist its rules and check text; the
/// statuses are the same as with the bundled rule data.
#[test]
fn checklist_from_the_official_xccdf() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bundled = dir.path().join("bundled.ckl");
    let official = dir.path().join("official.ckl");
    let xccdf = common::repo_root().join("../shared/stig/U_Kubernetes_STIG_V2R4_Manual-xccdf.xml");
    let files = [
        "tests/data/privileged.yaml",
        "tests/data/kube-apiserver.yaml",
    ];
    let out = run(stiglint()
        .args(["check", "--format"])
        .arg(format!("ckl={}", bundled.display()))
        .args(files));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let out = run(stiglint()
        .args(["check", "--stig-file"])
        .arg(&xccdf)
        .arg("--format")
        .arg(format!("ckl={}", official.display()))
        .args(files));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let statuses = |p: &std::path::Path| {
        let mut v: Vec<(String, String)> = ckl_vulns(p).into_iter().map(|v| (v.0, v.1)).collect();
        v.sort();
        v
    };
    assert_eq!(statuses(&bundled), statuses(&official));
    let text = std::fs::read_to_string(&official).expect("ckl");
    assert!(
        text.contains("grep -i tls-min-version"),
        "the official check text"
    );
    assert!(text.contains("Release: 4 Benchmark Date: 02 Jul 2025"));
    // Not an XCCDF: an error, exit 2.
    let out = run(stiglint()
        .args([
            "check",
            "--stig-file",
            "tests/data/privileged.yaml",
            "--format",
        ])
        .arg(format!("ckl={}", official.display()))
        .args(files));
    assert_eq!(out.status.code(), Some(2));
}

/// A C0 control character in a message (a container named `"app\x01"`) keeps the XML reports
/// well formed (Python's expat and junitparser read them back), shown as `\u{0001}`; a
/// whole-file error (a file that is not UTF-8) sits at line 1 in every report that places
/// errors: SARIF (validated), GitHub, GitLab and JUnit.
#[test]
fn control_characters_and_file_level_errors_in_every_report() {
    let dir = tempfile::tempdir().expect("temp dir");
    let c0 = dir.path().join("c0.yaml");
    std::fs::write(
        &c0,
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  template:\n    spec:\n      containers:\n        - name: \"app\\x01\"\n          image: registry1.dso.mil/ironbank/opensource/nginx:1.25\n          securityContext:\n            privileged: true\n",
    )
    .expect("write");
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, b"kind: Pod\n\xff\xfe\n").expect("write");
    let file = |name: &str| dir.path().join(name);
    let mut cmd = stiglint();
    cmd.current_dir(dir.path()).args(["check", "--no-config"]);
    for (format, name) in [
        ("junit", "report.xml"),
        ("ckl", "report.ckl"),
        ("sarif", "report.sarif"),
        ("github", "github.txt"),
        ("gitlab", "gitlab.json"),
    ] {
        cmd.arg("--format")
            .arg(format!("{format}={}", file(name).display()));
    }
    let out = run(cmd.args(["c0.yaml", "bad.yaml"]));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let read = |name: &str| std::fs::read_to_string(file(name)).expect(name);
    for xml in ["report.xml", "report.ckl"] {
        let parsed = std::process::Command::new("python3")
            .args([
                "-c",
                "import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])",
            ])
            .arg(file(xml))
            .output()
            .expect("python3 (Debian package python3) is installed: .ci/test installs it");
        assert!(
            parsed.status.success(),
            "{xml}: {}",
            String::from_utf8_lossy(&parsed.stderr)
        );
        assert!(read(xml).contains("app\\u{0001}"), "{xml}: {}", read(xml));
        assert!(!read(xml).contains('\u{1}'), "{xml}");
    }
    assert!(!common::junitparser(&file("report.xml")).is_empty());
    // The whole-file error, at line 1.
    common::validate_sarif(&file("report.sarif"));
    let sarif: Value = serde_json::from_str(&read("report.sarif")).expect("sarif");
    let notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .expect("notifications");
    let note = notes
        .iter()
        .find(|n| {
            n["message"]["text"]
                .as_str()
                .is_some_and(|t| t.contains("bad.yaml"))
        })
        .expect("the error");
    let region = &note["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (&region["startLine"], &region["startColumn"]),
        (&Value::from(1), &Value::from(1)),
        "{note:#}"
    );
    assert!(
        read("github.txt").contains("::error file=bad.yaml,line=1,col=1,"),
        "{}",
        read("github.txt")
    );
    let gitlab: Value = serde_json::from_str(&read("gitlab.json")).expect("gitlab");
    assert!(
        gitlab
            .as_array()
            .expect("issues")
            .iter()
            .any(|i| i["location"]["path"] == "bad.yaml"
                && i["location"]["lines"]["begin"] == 1
                && i["severity"] == "critical"),
        "{gitlab:#}"
    );
    assert!(
        read("report.xml").contains("name=\"bad.yaml\" file=\"bad.yaml\" line=\"1\""),
        "{}",
        read("report.xml")
    );
}

/// The README's first command, `stiglint check examples/`: every example is judged, none is an
/// error (the examples are full of findings on purpose: exit 1, not 2).
#[test]
fn the_readme_first_command_judges_every_example_without_an_error() {
    let out = run(stiglint().current_dir(common::repo_root()).args([
        "check",
        "--format",
        "json",
        "examples/",
    ]));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("json");
    assert_eq!(report["errors"], serde_json::json!([]), "{report:#}");
    assert_eq!(report["summary"]["files_failed"], 0);
    assert!(report["summary"]["findings_total"].as_u64() > Some(0));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}
