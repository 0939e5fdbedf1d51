//! The built-in `gatekeeper` plugin end to end: real ConstraintTemplates (written for these
//! tests and for `examples/gatekeeper/`), the real wasm plugin, the `stiglint` binary.
//! Object shapes follow Gatekeeper's own samples (`gatekeeper-library/library/**/samples`,
//! e.g. `general/containerlimits/samples/container-must-have-limits/example_disallowed.yaml`
//! and `general/uniqueserviceselector`'s Services).

mod common;

use common::{corpus, run, stderr, stdout, stiglint};
use serde_json::Value;

const DATA: &str = "tests/data/gatekeeper";

fn json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", stdout(out), stderr(out)))
}

/// The messages of a control's findings, sorted.
fn messages(report: &Value, control: &str) -> Vec<String> {
    let mut v: Vec<String> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["control"] == control)
        .map(|f| f["message"].as_str().expect("message").to_owned())
        .collect();
    v.sort();
    v
}

fn check(args: &[&str]) -> std::process::Output {
    run(stiglint()
        .args([
            "check",
            "--no-config",
            "--no-result-cache",
            "--format",
            "json",
        ])
        .args(args))
}

#[test]
fn each_matcher_selects_as_gatekeeper_does() {
    let out = check(&[
        "--policy",
        &format!("{DATA}/match/template.yaml"),
        "--policy",
        &format!("{DATA}/match/constraints.yaml"),
        "--select",
        "GK-",
        &format!("{DATA}/match/objects.yaml"),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let r = json(&out);
    let reached = |name: &str| messages(&r, &format!("GK-K8sReached/{name}"));
    let all = [
        "reached ClusterRole/reader",
        "reached Deployment/web",
        "reached Job/batch-",
        "reached Namespace/kube-system",
        "reached Namespace/team-a",
        "reached Pod/dns",
    ];
    assert_eq!(reached("any-kind"), all);
    assert_eq!(reached("kinds"), ["reached Deployment/web"]);
    assert_eq!(
        reached("cluster-scope"),
        [
            "reached ClusterRole/reader",
            "reached Namespace/kube-system",
            "reached Namespace/team-a"
        ]
    );
    assert_eq!(
        reached("namespaced-scope"),
        [
            "reached Deployment/web",
            "reached Job/batch-",
            "reached Pod/dns"
        ]
    );
    // A prefix glob; a Namespace matches by its own name; a cluster-scoped object is not
    // disqualified by a namespace list.
    assert_eq!(
        reached("namespaces-prefix"),
        [
            "reached ClusterRole/reader",
            "reached Deployment/web",
            "reached Job/batch-",
            "reached Namespace/team-a"
        ]
    );
    // A suffix glob.
    assert_eq!(
        reached("excluded-suffix"),
        [
            "reached ClusterRole/reader",
            "reached Deployment/web",
            "reached Job/batch-",
            "reached Namespace/team-a"
        ]
    );
    assert_eq!(reached("labels"), ["reached Deployment/web"]);
    assert_eq!(
        reached("namespace-labels"),
        [
            "reached ClusterRole/reader",
            "reached Deployment/web",
            "reached Job/batch-",
            "reached Namespace/team-a"
        ]
    );
    // `name` matches generateName when there is no name.
    assert_eq!(reached("by-name"), ["reached Job/batch-"]);
    // Findings point at the object's line.
    let web = r["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["control"] == "GK-K8sReached/kinds")
        .expect("kinds finding");
    assert_eq!(web["range"]["start"]["line"], 14, "{web:#}");
}

#[test]
fn namespace_selector_without_its_namespace_is_an_error() {
    let out = check(&[
        "--policy",
        &format!("{DATA}/match/template.yaml"),
        "--policy",
        &format!("{DATA}/match/constraints.yaml"),
        "--select",
        "GK-K8sReached/namespace-labels",
        &format!("{DATA}/match/orphan.yaml"),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert!(
        text.contains("namespaceSelector needs the Namespace 'elsewhere'"),
        "{text}"
    );
}

#[test]
fn enforcement_actions_warn_and_dryrun_do_not_fail_the_run() {
    let policies = [
        "--policy",
        "tests/data/gatekeeper/match/template.yaml",
        "--policy",
        "tests/data/gatekeeper/match/actions.yaml",
    ];
    let mut args = policies.to_vec();
    args.push("tests/data/gatekeeper/match/configmap.yaml");
    let out = check(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let r = json(&out);
    let gk: Vec<(String, String, String)> = r["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["control"].as_str().is_some_and(|c| c.starts_with("GK-")))
        .map(|f| {
            (
                f["control"].as_str().expect("id").to_owned(),
                f["enforcement"].as_str().unwrap_or("deny").to_owned(),
                f["severity"].as_str().expect("severity").to_owned(),
            )
        })
        .collect();
    // `scoped` without the webhook's enforcement point does not act at admission.
    assert_eq!(
        gk,
        [
            (
                "GK-K8sReached/dry".to_owned(),
                "audit".to_owned(),
                "medium".to_owned()
            ),
            (
                "GK-K8sReached/warned".to_owned(),
                "warn".to_owned(),
                "medium".to_owned()
            ),
        ],
        "{r:#}"
    );
    let mut args = policies.to_vec();
    args.push("tests/data/gatekeeper/match/secret.yaml");
    let out = check(&args);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        messages(&json(&out), "GK-K8sReached/denied"),
        ["reached Secret/token"]
    );
}

#[test]
fn templates_and_constraints_among_the_scanned_files_apply_to_other_files() {
    let out = check(&["--select", "GK-", &format!("{DATA}/inscan")]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let r = json(&out);
    let f: Vec<&Value> = r["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["control"] == "GK-K8sStigPrivileged/no-privileged")
        .collect();
    assert_eq!(f.len(), 1, "{r:#}");
    assert_eq!(f[0]["message"], "Container <agent> must not run privileged");
    assert_eq!(f[0]["file"], format!("{DATA}/inscan/apps/agent.yaml"));
    // On the container the violation names.
    assert_eq!(f[0]["pointer"], "/spec/template/spec/containers/1");
    // It stands for KUBER-L2-000070: CAT I.
    assert_eq!(f[0]["severity"], "high");
}

#[test]
fn a_constraint_stands_for_the_control_its_annotation_names() {
    let out = run(stiglint().args([
        "controls",
        "--no-config",
        "--format",
        "json",
        "--policy",
        "examples/gatekeeper/privileged/template.yaml",
        "--policy",
        "examples/gatekeeper/privileged/samples/no-privileged/constraint.yaml",
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let all = json(&out);
    let list = all
        .as_array()
        .or_else(|| all["controls"].as_array())
        .expect("controls");
    let gk = list
        .iter()
        .find(|c| c["id"] == "GK-K8sStigPrivileged/no-privileged")
        .unwrap_or_else(|| panic!("{all:#}"));
    let seed = list
        .iter()
        .find(|c| c["id"] == "KUBER-L2-000070")
        .expect("seed control");
    assert_eq!(gk["severity"], seed["severity"]);
    assert_eq!(gk["stig"], seed["stig"]);
    assert_eq!(gk["stig"]["stig_id"], "CNTR-K8-002011", "{gk:#}");
}

#[test]
fn inventory_is_built_from_the_scanned_objects_and_capped() {
    let out = check(&[
        "--policy",
        &format!("{DATA}/inventory/template.yaml"),
        &format!("{DATA}/inventory/services.yaml"),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        messages(&json(&out), "GK-K8sUniqueSelector/unique-selector"),
        [
            "Service <web-canary> selects app <web> like Service <shop/web>",
            "Service <web> selects app <web> like Service <shop/web-canary>",
        ]
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("stiglint.toml");
    std::fs::write(&config, "[plugin-settings.gatekeeper]\ninventory-cap = 2\n").expect("write");
    let out = run(stiglint()
        .args(["check", "--no-result-cache", "--config"])
        .arg(&config)
        .args([
            "--policy",
            &format!("{DATA}/inventory/template.yaml"),
            &format!("{DATA}/inventory/services.yaml"),
        ]));
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let text = format!("{}{}", stdout(&out), stderr(&out));
    assert!(text.contains("more than inventory-cap (2)"), "{text}");
    assert!(text.contains("k8suniqueselector"), "{text}");
}

#[test]
fn parameters_are_checked_against_the_schema() {
    let out = check(&[
        "--policy",
        "examples/gatekeeper/resource-limits/template.yaml",
        "--policy",
        &format!("{DATA}/errors/bad-parameters.yaml"),
        "tests/data/privileged.yaml",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let text = stderr(&out);
    assert!(
        text.contains(&format!("{DATA}/errors/bad-parameters.yaml:1")),
        "{text}"
    );
    assert!(
        text.contains("spec.parameters.resources[1]: Unsupported value: \"disk\""),
        "{text}"
    );
}

#[test]
fn template_errors_name_file_and_line() {
    let out = check(&[
        "--policy",
        &format!("{DATA}/errors/syntax.yaml"),
        "tests/data/privileged.yaml",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let text = stderr(&out);
    // The rule opened on the Rego's line 3 is never closed; that is line 15 of the file.
    assert!(
        text.contains(&format!(
            "{DATA}/errors/syntax.yaml:1: ConstraintTemplate 'k8sbroken'"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("{DATA}/errors/syntax.yaml:15:25")),
        "{text}"
    );
    assert!(text.contains("line 3 of spec.targets[0].rego"), "{text}");
    let out = check(&[
        "--policy",
        &format!("{DATA}/errors/orphan-constraint.yaml"),
        "tests/data/privileged.yaml",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out)
            .contains("no ConstraintTemplate among the policies defines kind K8sNoSuchTemplate"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_rego_runtime_error_is_contained_and_named() {
    let out = check(&[
        "--policy",
        &format!("{DATA}/errors/runtime.yaml"),
        "tests/data/privileged.yaml",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let r = json(&out);
    let text = r.to_string();
    assert!(text.contains("GK-K8sConflict/conflict"), "{r:#}");
    // The other plugins' findings stand.
    assert!(!messages(&r, "KUBER-L2-000070").is_empty(), "{r:#}");
}

#[test]
fn an_endless_rego_loop_is_stopped_by_the_plugin_timeout() {
    let started = std::time::Instant::now();
    let out = check(&[
        "--plugin-timeout-ms",
        "500",
        "--policy",
        &format!("{DATA}/errors/loop.yaml"),
        "tests/data/privileged.yaml",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let r = json(&out);
    assert!(r.to_string().contains("timed out after 500 ms"), "{r:#}");
    assert!(!messages(&r, "KUBER-L2-000070").is_empty(), "{r:#}");
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
}

#[test]
fn verify_passes_the_example_suites() {
    let out = run(stiglint().args(["verify", "--format", "json", "examples/gatekeeper"]));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let r = json(&out);
    let cases = r["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 12, "{r:#}");
    for c in cases {
        assert_eq!(c["passed"], true, "{c:#}");
        for key in ["suite", "test", "case", "expected", "got", "messages"] {
            assert!(c.get(key).is_some(), "{key} in {c:#}");
        }
    }
    let update = cases
        .iter()
        .find(|c| c["case"] == "update-drops-the-limits")
        .expect("update case");
    assert_eq!(update["got"], 2);
    // --run selects cases by name.
    let out = run(stiglint().args([
        "verify",
        "--format",
        "json",
        "--run",
        "exempt",
        "examples/gatekeeper",
    ]));
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json(&out)["cases"].as_array().expect("cases").len(), 1);
}

#[test]
fn verify_fails_a_case_whose_assertion_does_not_hold() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = common::repo_root().join("examples/gatekeeper/privileged");
    let suite = std::fs::read_to_string(root.join("suite.yaml"))
        .expect("suite")
        .replace("violations: 2", "violations: 3")
        .replace(
            "template: template.yaml",
            &format!("template: {}", root.join("template.yaml").display()),
        )
        .replace("samples/", &format!("{}/samples/", root.display()));
    std::fs::write(dir.path().join("suite.yaml"), suite).expect("write");
    let out = run(stiglint().arg("verify").arg(dir.path()));
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let text = stdout(&out);
    assert!(text.contains("FAIL"), "{text}");
    assert!(text.contains("privileged-deployment"), "{text}");
}

#[test]
fn verify_names_the_suite_and_the_missing_template() {
    // The corpus holds the library's suites and samples, not its templates.
    let suite = corpus().join("gatekeeper-library/library/general/allowedrepos/suite.yaml");
    let out = run(stiglint().arg("verify").arg(&suite));
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let text = stderr(&out);
    assert!(text.contains(&suite.display().to_string()), "{text}");
    assert!(text.contains("template.yaml does not exist"), "{text}");
}
