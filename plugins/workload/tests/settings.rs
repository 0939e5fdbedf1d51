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

fn secret_reader(kind: &str, name: &str, namespace: Option<&str>) -> Document {
    let mut metadata = json!({"name": name});
    if let Some(ns) = namespace {
        metadata["namespace"] = json!(ns);
    }
    doc(
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind, "metadata": metadata,
        "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list"]}]}),
    )
}

#[test]
fn secret_read_allow_list_by_name_and_namespace() {
    use stiglint_plugin_workload::controls::secret_read_roles;
    let mut rule = secret_read_roles::Rule::default();
    rule.configure(&json!({}), &scan(None))
        .expect("no settings");
    let got = check(&rule, &secret_reader("ClusterRole", "reader", None));
    assert_eq!(got.len(), 1, "nothing is allowed by default");
    assert_eq!(got[0].0, "/rules/0/verbs");
    assert!(
        got[0].1.contains("grants get, list on secrets"),
        "{}",
        got[0].1
    );
    assert_eq!(
        check(
            &rule,
            &secret_reader("ClusterRole", "system:aggregate-to-edit", None)
        )
        .len(),
        1,
        "built-in roles are not allowed automatically"
    );

    rule.configure(
        &json!({"allowed-roles": ["external-secrets", "vault/injector"]}),
        &scan(Some("vault")),
    )
    .expect("valid settings");
    // A plain name allows the ClusterRole and a Role of that name in any namespace.
    assert!(
        check(
            &rule,
            &secret_reader("ClusterRole", "external-secrets", None)
        )
        .is_empty()
    );
    assert!(check(&rule, &secret_reader("Role", "external-secrets", Some("x"))).is_empty());
    // `namespace/name` allows one Role; without metadata.namespace it is the scan's namespace.
    assert!(check(&rule, &secret_reader("Role", "injector", Some("vault"))).is_empty());
    assert!(check(&rule, &secret_reader("Role", "injector", None)).is_empty());
    assert_eq!(
        check(&rule, &secret_reader("Role", "injector", Some("tools"))).len(),
        1
    );
    assert_eq!(
        check(&rule, &secret_reader("ClusterRole", "injector", None)).len(),
        1
    );

    let e = rule
        .configure(&json!({"allowed-role": ["x"]}), &scan(None))
        .expect_err("typo in the key");
    assert!(
        e.contains("allowed-role") && e.contains("allowed-roles"),
        "{e}"
    );
    let e = rule
        .configure(&json!({"allowed-roles": [""]}), &scan(None))
        .expect_err("empty name");
    assert!(e.contains("empty"), "{e}");
}

#[test]
fn credential_literals_take_no_settings_and_never_echo_values() {
    use stiglint_plugin_workload::controls::credential_literals;
    let mut rule = credential_literals::Rule;
    let e = rule
        .configure(&json!({"allowed-keys": ["x"]}), &scan(None))
        .expect_err("no settings");
    assert!(e.contains("takes no settings"), "{e}");
    rule.configure(&json!({}), &scan(None)).expect("empty");
    let secret = "q8Rz!vW2#pLm4xT";
    let cm = doc(
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "app"},
        "data": {"a/DB_PASSWORD": secret, "password-min-length": "12"}}),
    );
    let got = check(&rule, &cm);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, "/data/a~1DB_PASSWORD");
    assert!(!got[0].1.contains(secret), "{}", got[0].1);
    let mut p = pod("p", Some("shop"), "app:1");
    p.json["spec"]["containers"][0]["env"] =
        json!([{"name": "API_TOKEN", "value": "ghp_8f3KdL0q9ZxV2mN7pR4sT1uW6yB5cE"}]);
    let got = check(&rule, &p);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, "/spec/containers/0/env/0/value");
    assert!(!got[0].1.contains("ghp_"), "{}", got[0].1);
}

fn psp(run_as_user: &str) -> Document {
    doc(
        json!({"apiVersion": "policy/v1beta1", "kind": "PodSecurityPolicy",
        "metadata": {"name": "p"}, "spec": {
            "runAsUser": {"rule": run_as_user},
            "supplementalGroups": {"rule": "MustRunAs", "ranges": [{"min": 1, "max": 65535}]},
            "fsGroup": {"rule": "MustRunAs", "ranges": [{"min": 0, "max": 65535}]}}}),
    )
}

#[test]
fn pod_security_policy_is_not_applicable_from_1_25() {
    use stiglint_plugin_workload::controls::psp_non_root;
    use stiglint_sdk::NoteKind;
    let with_version = |v: Option<&str>| ScanContext {
        k8s_version: v.map(str::to_owned),
        ..ScanContext::default()
    };
    let bad = psp("RunAsAny");
    for version in [None, Some("1.24"), Some("v1.21.14"), Some("not-a-version")] {
        let mut rule = psp_non_root::Rule::default();
        rule.configure(&json!({}), &with_version(version))
            .expect("no settings");
        let got = check(&rule, &bad);
        let pointers: Vec<&str> = got.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(
            pointers,
            ["/spec/runAsUser/rule", "/spec/fsGroup/ranges/0/min"],
            "{version:?}"
        );
        assert!(check(&rule, &psp("MustRunAsNonRoot")).len() == 1);
    }
    for version in ["1.25", "v1.31.2", "2.0"] {
        let mut rule = psp_non_root::Rule::default();
        rule.configure(&json!({}), &with_version(Some(version)))
            .expect("no settings");
        let mut out = Out::new("CNTR-K8-002010", bad.id);
        rule.check(&bad, &mut out);
        assert!(out.findings().is_empty(), "{version}");
        let notes = out.notes();
        assert_eq!(notes.len(), 1, "{version}");
        assert_eq!(notes[0].kind, NoteKind::NotApplicable);
        assert_eq!(
            notes[0].reason,
            "PodSecurityPolicy was removed in Kubernetes 1.25"
        );
    }
    let mut rule = psp_non_root::Rule::default();
    let e = rule
        .configure(&json!({"k8s-version": "1.24"}), &with_version(None))
        .expect_err("no settings");
    assert!(e.contains("takes no settings"), "{e}");
}
