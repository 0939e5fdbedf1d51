//! The Pod Security facts and verdicts, without the host: names a manifest may hold (tabs,
//! newlines, backslashes) survive the compact facts, and the level/version decides.

use stiglint_plugin_workload::pss;
use stiglint_sdk::{Document, Enforcement, Fact, Format, Hints, Out, ScanContext, json};

fn doc(json: stiglint_sdk::Value) -> Document {
    Document {
        id: 1,
        uri: "x.yaml".into(),
        format: Format::K8s,
        hints: Hints {
            api_version: Some("v1".into()),
            kind: Some("Pod".into()),
            ..Hints::default()
        },
        json,
    }
}

fn namespace(labels: &stiglint_sdk::Value) -> Fact {
    Fact {
        document: 2,
        data: json!({"ns": "shop", "labels": labels}),
        pointers: vec![],
        groups: vec![],
    }
}

/// `(control, pointer, message, enforcement)` of the findings.
type Found = (String, String, String, Option<Enforcement>);

fn judge(pod: &Document, labels: &stiglint_sdk::Value) -> Vec<Found> {
    let mut out = Out::new("KUBER-L2-000020", pod.id);
    pss::facts("KUBER-L2-000020", pod, &ScanContext::default(), &mut out);
    let mut facts = vec![namespace(labels)];
    facts.extend(out.facts());
    let mut out = Out::new("KUBER-L2-000020", 0);
    pss::finish(&facts, &pss::Defaults::default(), &mut out);
    out.findings()
        .iter()
        .map(|f| {
            (
                f.control.clone(),
                f.pointer.clone(),
                f.message.clone(),
                f.enforcement,
            )
        })
        .collect()
}

#[test]
fn names_with_separators_survive_the_compact_facts() {
    let pod = doc(
        json!({"metadata": {"name": "p\\q", "namespace": "shop"}, "spec": {"containers": [
        {"name": "a\tb\nc\\d", "securityContext": {"privileged": true}}]}}),
    );
    let found = judge(
        &pod,
        &json!({"enforce": "baseline", "enforce-version": "v1.30"}),
    );
    let privileged: Vec<_> = found.iter().filter(|f| f.0 == "KUBER-L2-000070").collect();
    assert_eq!(privileged.len(), 1, "{found:#?}");
    assert_eq!(
        privileged[0].1,
        "/spec/containers/0/securityContext/privileged"
    );
    assert!(
        privileged[0]
            .2
            .starts_with("Container 'a\tb\nc\\d' must not run privileged. It violates PodSecurity \"baseline:v1.30\""),
        "{}",
        privileged[0].2
    );
    assert_eq!(privileged[0].3, Some(Enforcement::Deny));
}

#[test]
fn the_version_decides_which_implementation_applies() {
    // net.ipv4.ip_local_reserved_ports is allowed from v1.27.
    let pod = doc(
        json!({"metadata": {"name": "p", "namespace": "shop"}, "spec": {
        "securityContext": {"sysctls": [{"name": "net.ipv4.ip_local_reserved_ports", "value": "80"}]},
        "containers": [{"name": "app"}]}}),
    );
    let sysctl = |version: &str| {
        judge(
            &pod,
            &json!({"enforce": "baseline", "enforce-version": version}),
        )
        .into_iter()
        .filter(|f| f.0 == "STIGLINT-PSS-0010")
        .count()
    };
    assert_eq!(sysctl("v1.26"), 1);
    assert_eq!(sysctl("v1.27"), 0);
    assert_eq!(sysctl("latest"), 0);
    // A Windows pod is exempt from allowPrivilegeEscalation from v1.25, not before.
    let windows = doc(
        json!({"metadata": {"name": "w", "namespace": "shop"}, "spec": {
        "os": {"name": "windows"}, "securityContext": {"runAsNonRoot": true},
        "containers": [{"name": "app"}]}}),
    );
    let escalation = |version: &str| {
        judge(
            &windows,
            &json!({"enforce": "restricted", "enforce-version": version}),
        )
        .into_iter()
        .filter(|f| f.0 == "STIGLINT-PSS-0011")
        .count()
    };
    assert_eq!(escalation("v1.24"), 1);
    assert_eq!(escalation("v1.25"), 0);
}
