//! What the fixtures cannot show: control settings and the scan's default namespace (the
//! fixture runner scans every file of a control with one configuration).

use stiglint_plugin_workload::controls::{
    approved_registry, default_deny_ingress, default_namespaces, system_namespaces,
};
use stiglint_sdk::{Control, Document, Format, Hints, Out, ScanContext, Value, json};

fn doc(json: Value) -> Document {
    let kind = json["kind"].as_str().map(str::to_owned);
    Document {
        id: 7,
        uri: "test.yaml".to_owned(),
        format: Format::K8s,
        hints: Hints {
            kind,
            ..Hints::default()
        },
        json,
    }
}

fn pod(name: &str, namespace: Option<&str>, image: &str) -> Document {
    let mut metadata = json!({"name": name});
    if let Some(ns) = namespace {
        metadata["namespace"] = json!(ns);
    }
    doc(
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": metadata,
        "spec": {"containers": [{"name": "app", "image": image}]}}),
    )
}

fn scan(namespace: Option<&str>) -> ScanContext {
    ScanContext {
        default_namespace: namespace.map(str::to_owned),
        ..ScanContext::default()
    }
}

/// `(pointer, message)` of every finding of a control on one document.
fn check(control: &dyn Control, d: &Document) -> Vec<(String, String)> {
    let mut out = Out::new(&control.meta().id, d.id);
    control.check(d, &mut out);
    out.findings()
        .iter()
        .map(|f| (f.pointer.clone(), f.message.clone()))
        .collect()
}

#[test]
fn approved_registries_are_configurable_and_match_normalised_names() {
    let mut rule = approved_registry::Rule::default();
    let settings = json!({"allowed-registries": ["openpolicyagent/", "registry.example.com/"]});
    rule.configure(&settings, &scan(None))
        .expect("valid settings");
    for image in ["openpolicyagent/opa:0.9", "registry.example.com/x:1"] {
        assert!(check(&rule, &pod("p", None, image)).is_empty(), "{image}");
    }
    let got = check(&rule, &pod("p", None, "nginx:1.25"));
    assert_eq!(
        got,
        [(
            "/spec/containers/0/image".to_owned(),
            "Container 'app' image 'nginx:1.25' (docker.io/library/nginx) is not from an approved registry".to_owned()
        )]
    );
    // `library/` is spelled out only in the normalised form, and still matches.
    let mut rule = approved_registry::Rule::default();
    rule.configure(
        &json!({"allowed-registries": ["docker.io/library/nginx:"]}),
        &scan(None),
    )
    .expect("valid settings");
    assert!(check(&rule, &pod("p", None, "nginx:1.25")).is_empty());
    assert_eq!(
        check(&rule, &pod("p", None, "nginx")).len(),
        1,
        "no tag: no `:` to match"
    );
}

#[test]
fn settings_errors_name_the_bad_key() {
    let mut rule = approved_registry::Rule::default();
    let e = rule
        .configure(&json!({"allowed-registry": ["a/"]}), &scan(None))
        .expect_err("typo in the key");
    assert!(
        e.contains("allowed-registry") && e.contains("allowed-registries"),
        "{e}"
    );
    let e = rule
        .configure(&json!({"allowed-registries": "a/"}), &scan(None))
        .expect_err("not a list");
    assert!(e.contains("list of strings"), "{e}");
    let mut rule = default_namespaces::Rule::default();
    let e = rule
        .configure(&json!({"namespaces": ["x"]}), &scan(None))
        .expect_err("no settings");
    assert!(e.contains("takes no settings"), "{e}");
}

#[test]
fn system_namespace_allow_list_and_implicit_namespace() {
    let mut rule = system_namespaces::Rule::default();
    rule.configure(
        &json!({"allowed-names": ["my-agent"]}),
        &scan(Some("kube-system")),
    )
    .expect("valid settings");
    assert!(check(&rule, &pod("my-agent-x1", None, "agent:1")).is_empty());
    // The default list is replaced, not extended.
    assert_eq!(
        check(&rule, &pod("coredns-abc", Some("kube-system"), "coredns:1")).len(),
        1
    );
    let got = check(&rule, &pod("billing", None, "billing:1"));
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, "/metadata/name");
    assert!(
        got[0].1.contains("'kube-system' (no metadata.namespace)"),
        "{}",
        got[0].1
    );
}

#[test]
fn default_namespace_comes_from_the_scan() {
    let mut rule = default_namespaces::Rule::default();
    rule.configure(&json!({}), &scan(Some("shop")))
        .expect("no settings");
    assert!(check(&rule, &pod("web", None, "nginx")).is_empty());
    assert_eq!(check(&rule, &pod("web", Some("default"), "nginx")).len(), 1);
    rule.configure(&json!({}), &scan(Some("kube-public")))
        .expect("no settings");
    let got = check(&rule, &pod("web", None, "nginx"));
    assert_eq!(
        got,
        [(
            "/metadata/name".to_owned(),
            "Pod 'web' must not be deployed to namespace 'kube-public' (no metadata.namespace)"
                .to_owned()
        )]
    );
}

#[test]
fn default_deny_follows_the_scan_namespace() {
    let mut rule = default_deny_ingress::Rule::default();
    rule.configure(&json!({}), &scan(Some("shop")))
        .expect("no settings");
    let policy = doc(
        json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
        "metadata": {"name": "deny"}, "spec": {"podSelector": {}}}),
    );
    let mut out = Out::new("KUBER-L2-000110", 1);
    rule.check(&policy, &mut out);
    let mut facts = out.facts();
    for d in [
        pod("web", None, "nginx"),
        pod("db", Some("data"), "postgres"),
    ] {
        let mut out = Out::new("KUBER-L2-000110", d.id);
        rule.check(&d, &mut out);
        facts.extend(out.facts());
    }
    let mut out = Out::new("KUBER-L2-000110", 0);
    rule.finish(&facts, &mut out);
    let got: Vec<_> = out.findings().iter().map(|f| f.message.as_str()).collect();
    assert_eq!(
        got,
        ["Namespace 'data' has no default-deny ingress NetworkPolicy (Pod 'db')"]
    );
}
