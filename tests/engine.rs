//! The engine's contract with plugins: the interface version, controls declared from the
//! inputs with their own enforcement, and cross-document controls that stay bounded when one
//! image repository is used thousands of times.

mod common;

use common::{run, stderr, stdout, stiglint, test_plugin};
use serde_json::Value;

fn json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", stdout(out), stderr(out)))
}

#[test]
fn a_plugin_built_for_another_interface_is_refused_by_name() {
    let old = test_plugin("old-interface");
    let out = run(stiglint().arg("check").arg("--plugin").arg(&old).args([
        "--format",
        "json",
        "tests/data/privileged.yaml",
    ]));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let report = json(&out);
    let errors = report["errors"].to_string();
    assert!(
        errors.contains(
            "built for interface stiglint:plugin@0.1.0, this stiglint speaks stiglint:plugin@0.2.0"
        ),
        "{errors}"
    );
    assert!(
        report["findings"]
            .as_array()
            .is_some_and(|f| f.iter().any(|f| f["control"] == "KUBER-L2-000070")),
        "the built-in plugins' findings stand"
    );
}

const RULES: &str = "apiVersion: v1
kind: ConfigMap
metadata: {name: rule-a, namespace: shop}
data: {rule: A, enforcement: deny}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: rule-b, namespace: shop}
data: {rule: B, enforcement: warn}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: rule-c, namespace: shop}
data: {rule: C, enforcement: audit}
";

#[test]
fn controls_declared_from_the_inputs_are_selected_reported_and_enforced() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("rules.yaml");
    std::fs::write(&file, RULES).expect("write");
    let plugin = test_plugin("dynamic");
    let scan = |extra: &[&str]| {
        let out = run(stiglint()
            .args([
                "check",
                "--no-builtin-plugins",
                "--format",
                "json",
                "--plugin",
            ])
            .arg(&plugin)
            .args(extra)
            .arg(&file));
        let code = out.status.code();
        (json(&out), code)
    };
    let (all, code) = scan(&[]);
    let found: Vec<(String, String)> = all["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["control"].as_str().unwrap_or_default().to_owned(),
                f["enforcement"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("TEST-DYN-A".to_owned(), "deny".to_owned()),
            ("TEST-DYN-B".to_owned(), "warn".to_owned()),
            ("TEST-DYN-C".to_owned(), "audit".to_owned()),
        ]
    );
    assert_eq!(code, Some(1), "a deny finding fails the run");
    let listed = all["plugins"][0]["controls"].to_string();
    assert!(
        listed.contains("TEST-DYN-B"),
        "declared controls are listed: {listed}"
    );
    // Only warn and audit left: reported, but the run passes.
    let (rest, code) = scan(&["--ignore", "TEST-DYN-A"]);
    assert_eq!(rest["findings"].as_array().map(Vec::len), Some(2));
    assert_eq!(code, Some(0), "warn and audit never fail a run");
    // Selected by its declared ID.
    let (one, _) = scan(&["--select", "TEST-DYN-B"]);
    let ids: Vec<&str> = one["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["control"].as_str())
        .collect();
    assert_eq!(ids, ["TEST-DYN-B"]);
}

#[test]
fn one_image_in_a_thousand_versions_is_judged_with_bounded_findings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("many.yaml");
    let mut text = String::new();
    for i in 0..1000 {
        text.push_str(&format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: w{i}, namespace: shop}}\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: nginx:1.{i}\n---\n"
        ));
    }
    std::fs::write(&file, text).expect("write");
    let out = run(stiglint()
        .args(["check", "--select", "CNTR-K8-002700", "--format", "json"])
        .arg(&file));
    assert_eq!(
        out.status.code(),
        Some(1),
        "findings, no plugin error: {}",
        stderr(&out)
    );
    let report = json(&out);
    assert_eq!(report["errors"].as_array().map(Vec::len), Some(0));
    let findings = report["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1000);
    for f in findings {
        let related = f["related"].as_array().map_or(0, Vec::len);
        assert!((1..=10).contains(&related), "{related} related places");
        assert_eq!(f["related_total"], 999);
        let message = f["message"].as_str().expect("message");
        assert!(message.len() < 400, "the message does not grow: {message}");
        assert!(
            message.contains(&format!("and {} more related places", 999 - related)),
            "{message}"
        );
    }
}

#[test]
fn a_large_file_is_judged_in_parts_with_the_positions_and_errors_of_a_whole_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("large.yaml");
    let mut text = String::new();
    for i in 0..1500 {
        if i == 700 {
            // A broken document in the middle of the second part.
            text.push_str("kind: [unclosed\n---\n");
        }
        text.push_str(&format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}, namespace: shop}}\nspec:\n  containers:\n    - name: app\n      image: registry1.dso.mil/ironbank/nginx:1.27\n      securityContext: {{privileged: {}, runAsNonRoot: true}}\n      resources: {{limits: {{cpu: 1, memory: 1Gi}}}}\n---\n",
            i % 500 == 0
        ));
    }
    std::fs::write(&file, &text).expect("write");
    let out = run(stiglint()
        .args(["check", "--select", "KUBER-L2-000070", "--format", "json"])
        .arg(&file));
    assert_eq!(
        out.status.code(),
        Some(2),
        "the broken document is an error"
    );
    let report = json(&out);
    let lines: Vec<u64> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["range"]["start"]["line"].as_u64().expect("line"))
        .collect();
    // Pods 0, 500 and 1000, each ten lines long; the two lines of the broken document come
    // before pods 700 and on.
    assert_eq!(lines, [8, 5008, 10010]);
    let errors = report["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{errors:?}");
    // At the broken document (its flow sequence ends unclosed on the line after it starts).
    let at = errors[0]["range"]["start"]["line"].as_u64().expect("line");
    assert!((7001..=7002).contains(&at), "{at}");
    assert_eq!(report["files"][0]["documents"], 1500);
    assert_eq!(report["files"][0]["status"], "failed");
}
