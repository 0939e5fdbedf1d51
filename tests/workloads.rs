//! End-to-end tests of the workload controls on the objects a real cluster and its add-ons
//! hold: pod templates of kinds stiglint does not know (never judged in silence), Argo
//! Rollouts that borrow a Deployment's template, and where KUBER-L2-000020 points when a
//! container inherits its pod's settings.

mod common;

use common::{run, stderr, stdout, stiglint};
use serde_json::Value;

fn json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", stdout(out), stderr(out)))
}

fn write(dir: &std::path::Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path
}

/// OpenKruise's CloneSet (openkruise/kruise docs, "CloneSet": `spec.template` like a
/// Deployment's) and KEDA's ScaledJob (keda docs, "ScaledJob spec": `spec.jobTemplate`).
const UNKNOWN_KINDS: &str = "\
apiVersion: apps.kruise.io/v1alpha1
kind: CloneSet
metadata:
  name: sample
  namespace: shop
spec:
  replicas: 5
  selector:
    matchLabels: {app: sample}
  template:
    metadata:
      labels: {app: sample}
    spec:
      containers:
        - name: nginx
          image: nginx:alpine
          securityContext: {privileged: true}
---
apiVersion: keda.sh/v1alpha1
kind: ScaledJob
metadata:
  name: rabbitmq-consumer
  namespace: shop
spec:
  jobTargetRef:
    parallelism: 1
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: consumer
              image: ghcr.io/kedacore/rabbitmq-client:v1.0
          restartPolicy: Never
";

#[test]
fn pod_templates_of_unknown_kinds_are_listed_and_strict_fails_on_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(dir.path(), "unknown.yaml", UNKNOWN_KINDS);
    let check = |extra: &[&str]| {
        let mut cmd = stiglint();
        cmd.args(["check", "--no-config", "--format", "json"])
            .args(extra)
            .arg(&file);
        run(&mut cmd)
    };
    let out = check(&[]);
    // Nothing judged, so no finding (the privileged container is not seen), but never silent.
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = json(&out);
    assert_eq!(
        report["findings"].as_array().map(Vec::len),
        Some(0),
        "{report:#}"
    );
    let notes = report["notes"].as_array().expect("notes");
    let about = |kind: &str, control: &str| {
        notes.iter().find(|n| {
            n["control"] == control
                && n["reason"]
                    .as_str()
                    .is_some_and(|r| r.starts_with(&format!("pod template of unknown kind {kind}")))
        })
    };
    for control in [
        "KUBER-L2-000070",
        "KUBER-L2-000020",
        "KUBER-L2-000110",
        "CNTR-K8-001360",
    ] {
        let n = about("CloneSet, not judged", control)
            .unwrap_or_else(|| panic!("{control} notes the CloneSet: {notes:#?}"));
        assert_eq!(n["kind"], "not-evaluated");
        assert_eq!(
            n["reason"],
            "pod template of unknown kind CloneSet, not judged (apps.kruise.io/v1alpha1, 'sample')"
        );
        // At the template: line 13 is `spec:` under `template:`.
        assert_eq!(n["location"]["range"]["start"]["line"], 13, "{n}");
        assert!(
            about("ScaledJob, not judged", control).is_some(),
            "{notes:#?}"
        );
    }
    // `--strict` fails the run on them, also when only one pod control is selected (the
    // host sends a pod control every Kubernetes document, whatever its kind).
    let out = check(&["--strict"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let out = check(&["--strict", "--select", "KUBER-L2-000070"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = json(&out);
    let notes = report["notes"].as_array().expect("notes");
    assert_eq!(notes.len(), 2, "{notes:#?}");
    assert!(
        notes.iter().all(|n| n["control"] == "KUBER-L2-000070"),
        "{notes:#?}"
    );
}

/// A Rollout that names a Deployment in `workloadRef` (argo-rollouts
/// examples/rollout-workloadref.yaml, cut down) carries no template: its pods are judged with
/// the Deployment, and the Rollout says so as a partial verdict.
#[test]
fn a_rollout_with_a_workload_ref_is_judged_through_its_deployment() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(
        dir.path(),
        "rollout.yaml",
        "\
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: rollout-ref-deployment
  namespace: shop
spec:
  replicas: 5
  workloadRef:
    apiVersion: apps/v1
    kind: Deployment
    name: rollout-ref-deployment
  strategy:
    canary:
      steps: [{setWeight: 20}, {pause: {duration: 10s}}]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: rollout-ref-deployment
  namespace: shop
spec:
  replicas: 0
  selector:
    matchLabels: {app: rollout-ref-deployment}
  template:
    metadata:
      labels: {app: rollout-ref-deployment}
    spec:
      containers:
        - name: rollouts-demo
          image: argoproj/rollouts-demo:blue
          securityContext: {privileged: true}
",
    );
    let out = run(stiglint()
        .args([
            "check",
            "--no-config",
            "--format",
            "json",
            "--select",
            "KUBER-L2-000070",
        ])
        .arg(&file));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = json(&out);
    let findings = report["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 1, "{report:#}");
    assert_eq!(findings[0]["object"]["kind"], "Deployment");
    let notes = report["notes"].as_array().expect("notes");
    assert_eq!(notes.len(), 1, "{notes:#?}");
    assert_eq!(notes[0]["kind"], "partial");
    assert_eq!(
        notes[0]["reason"],
        "Rollout 'rollout-ref-deployment' takes its pod template from Deployment \
         'rollout-ref-deployment' (spec.workloadRef): judged with that object, when it is in the scan"
    );
    assert_eq!(notes[0]["location"]["range"]["start"]["line"], 8);
}

/// KUBER-L2-000020 on containers that inherit `runAsNonRoot: false` (or `runAsUser: 0`) from
/// the pod points at the pod-level field, the container named as the related place; the
/// quick fix sets the pod-level field, and fixes every container at once.
#[test]
fn inherited_run_as_non_root_false_points_at_the_pod_field() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = "\
apiVersion: v1
kind: Pod
metadata:
  name: tools
  namespace: shop
spec:
  securityContext:
    runAsNonRoot: false
  containers:
    - name: shell
      image: alpine:3.20
    - name: helper
      image: alpine:3.20
";
    let file = write(dir.path(), "pod.yaml", text);
    let out = run(stiglint()
        .args([
            "check",
            "--no-config",
            "--format",
            "json",
            "--select",
            "KUBER-L2-000020",
        ])
        .arg(&file));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = json(&out);
    let findings = report["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 2, "{report:#}");
    // Both at the same place: the report orders them by message.
    for (f, (name, line)) in findings.iter().zip([("helper", 12), ("shell", 10)]) {
        assert_eq!(f["pointer"], "/spec/securityContext/runAsNonRoot");
        assert_eq!(f["range"]["start"]["line"], 8);
        assert_eq!(
            f["message"],
            format!("Container '{name}' must set runAsNonRoot: true")
        );
        let related = &f["related"][0];
        assert_eq!(
            related["pointer"],
            format!("/spec/containers/{}", line / 2 - 5)
        );
        assert_eq!(related["range"]["start"]["line"], line, "{f}");
        assert!(
            related["message"]
                .as_str()
                .is_some_and(|m| m.contains("inherits runAsNonRoot: false")),
            "{f}"
        );
        assert_eq!(
            f["fix"]["edits"][0]["pointer"],
            "/spec/securityContext/runAsNonRoot"
        );
    }
    let out = run(stiglint()
        .args([
            "check",
            "--no-config",
            "--fix",
            "--select",
            "KUBER-L2-000020",
        ])
        .arg(&file));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let fixed = std::fs::read_to_string(&file).expect("read");
    assert_eq!(
        fixed,
        text.replace("runAsNonRoot: false", "runAsNonRoot: true")
    );
}

/// Checkov's own fixtures for "the default namespace should not be used" (CKV_K8S_21 in
/// `../shared/corpus/checkov-fixtures`, labels in its `LABELS.json`): the `default`
/// ServiceAccounts and the `kubernetes` Service of `default-k8s-service-and-sa-PASSED2.yaml`,
/// which Kubernetes creates itself, pass; CNTR-K8-000290 fails exactly the objects Checkov
/// fails.
#[test]
fn kubernetes_own_objects_agree_with_checkov_default_namespace() {
    let checkov = common::corpus().join("checkov-fixtures");
    let labels: Value = serde_json::from_slice(
        &std::fs::read(checkov.join("LABELS.json")).expect("checkov LABELS.json"),
    )
    .expect("labels");
    let folder = "tests/kubernetes/checks/example_DefaultNamespace";
    let want_failed = labels[folder]["expected_summary"]["failed"]
        .as_u64()
        .expect("failed count");
    let mut failed = 0;
    for entry in std::fs::read_dir(checkov.join(folder)).expect("folder") {
        let path = entry.expect("entry").path();
        let out = run(stiglint()
            .args([
                "check",
                "--no-config",
                "--format",
                "json",
                "--select",
                "CNTR-K8-000290",
            ])
            .arg(&path));
        let n = json(&out)["findings"].as_array().map_or(0, Vec::len) as u64;
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        if name.contains("PASSED") {
            assert_eq!(n, 0, "{name}: {}", stdout(&out));
        }
        failed += n;
    }
    assert_eq!(failed, want_failed);
}
