//! The controls on documents in the host's Terraform shape: findings, notes, pointers,
//! unknowns, both module schemes, and settings (which the fixtures can show only one way).

// Table-like tests: long, and building `json!` values inline reads best.
#![allow(clippy::too_many_lines, clippy::needless_pass_by_value)]

use stiglint_plugin_terraform::controls::{
    audit_log_offload, audit_log_types, kms_key_rotation, kubernetes_version, launch_template_imds,
    launch_template_public_ip, node_group_ssh, public_endpoint, security_group_open_ingress,
    vpc_cni_network_policy,
};
use stiglint_sdk::{
    Control, Document, Edit, Format, Hints, NoteKind, Out, ScanContext, Value, json,
};

const UNKNOWN: &str = "aws_kms_key.this.arn is known after apply";

fn unknown() -> Value {
    json!({"$unknown": UNKNOWN})
}

fn resource(ty: &str, name: &str, json: Value) -> Document {
    Document {
        id: 3,
        uri: "main.tf".into(),
        format: Format::Terraform,
        hints: Hints {
            kind: Some("resource".into()),
            labels: vec![ty.into(), name.into()],
            name: Some(format!("{ty}.{name}")),
            ..Hints::default()
        },
        json,
    }
}

fn module(json: Value) -> Document {
    Document {
        id: 4,
        uri: "main.tf".into(),
        format: Format::Terraform,
        hints: Hints {
            kind: Some("module".into()),
            labels: vec!["eks".into()],
            name: Some("module.eks".into()),
            ..Hints::default()
        },
        json,
    }
}

fn v20(mut inputs: Value) -> Document {
    inputs["source"] = json!("terraform-aws-modules/eks/aws");
    inputs["version"] = json!("~> 20.0");
    module(inputs)
}

fn v21(mut inputs: Value) -> Document {
    inputs["source"] = json!("terraform-aws-modules/eks/aws");
    inputs["version"] = json!("~> 21.0");
    module(inputs)
}

fn scan() -> ScanContext {
    ScanContext {
        today: "2026-11-22".into(),
        ..ScanContext::default()
    }
}

fn configured<C: Control + Default>(settings: Value) -> C {
    let mut c = C::default();
    c.configure(&settings, &scan()).expect("valid settings");
    c
}

/// Run `check` on each document (and `finish` on the facts).
fn run(control: &dyn Control, docs: &[Document]) -> Out {
    let mut out = Out::new(&control.meta().id, 0);
    let mut facts = Vec::new();
    for d in docs {
        let mut one = Out::new(&control.meta().id, d.id);
        control.check(d, &mut one);
        facts.extend(one.facts());
        for f in one.findings() {
            out.finding_in(f.document, f.pointer.clone(), f.message.clone());
        }
        for n in one.notes() {
            out.note_in(
                n.document.unwrap_or(0),
                n.kind,
                n.pointer.clone(),
                n.reason.clone(),
            );
        }
    }
    control.finish(&facts, &mut out);
    out
}

fn pointers(out: &Out) -> Vec<String> {
    out.findings().iter().map(|f| f.pointer.clone()).collect()
}

fn noted(out: &Out) -> Vec<(NoteKind, String)> {
    out.notes()
        .iter()
        .map(|n| (n.kind, n.pointer.clone()))
        .collect()
}

fn cluster(json: Value) -> Document {
    resource("aws_eks_cluster", "this", json)
}

#[test]
fn public_endpoint_resource_module_and_unknowns() {
    let rule = public_endpoint::Rule::default();
    // Resource: nothing said → API defaults → finding at the (absent) public-access setting.
    let out = run(
        &rule,
        &[cluster(
            json!({"name": "a", "vpc_config": [{"subnet_ids": ["s"]}]}),
        )],
    );
    assert_eq!(pointers(&out), ["/vpc_config/0/endpoint_public_access"]);
    assert!(out.findings()[0].message.starts_with(
        "aws_eks_cluster.this must not expose its API endpoint to the internet (endpoint_public_access = true by default, public_access_cidrs include 0.0.0.0/0 by default)"
    ), "{}", out.findings()[0].message);
    assert!(
        out.findings()[0].fix.is_none(),
        "no fix for a defaulted value"
    );

    // Explicit true: finding there, with a fix.
    let mut o = Out::new("KUBER-L2-000120", 3);
    rule.check(
        &cluster(json!({"vpc_config": [{"endpoint_public_access": true}]})),
        &mut o,
    );
    let fix = o.findings()[0].fix.clone().expect("fix");
    assert_eq!(
        fix.edits,
        [Edit::Set(
            "/vpc_config/0/endpoint_public_access".into(),
            json!(false)
        )]
    );

    // Explicit CIDRs: the offending entry.
    let out = run(
        &rule,
        &[cluster(
            json!({"vpc_config": [{"endpoint_public_access": true,
        "public_access_cidrs": ["10.0.0.0/8", "::/0"]}]}),
        )],
    );
    assert_eq!(pointers(&out), ["/vpc_config/0/public_access_cidrs/1"]);
    // Restricted CIDRs, or public off: pass.
    let out = run(
        &rule,
        &[cluster(
            json!({"vpc_config": [{"public_access_cidrs": ["203.0.113.0/24"]}]}),
        )],
    );
    assert!(out.findings().is_empty());
    let out = run(
        &rule,
        &[cluster(
            json!({"vpc_config": [{"endpoint_public_access": false}]}),
        )],
    );
    assert!(out.findings().is_empty() && out.notes().is_empty());

    // Unknowns: a note, never a finding.
    let out = run(
        &rule,
        &[cluster(
            json!({"vpc_config": [{"endpoint_public_access": unknown()}]}),
        )],
    );
    assert!(out.findings().is_empty());
    assert_eq!(
        noted(&out),
        [(
            NoteKind::NotEvaluated,
            "/vpc_config/0/endpoint_public_access".into()
        )]
    );
    assert!(out.notes()[0].reason.contains(UNKNOWN));
    let out = run(&rule, &[cluster(json!({"vpc_config": unknown()}))]);
    assert_eq!(noted(&out).len(), 1);
    let out = run(
        &rule,
        &[cluster(
            json!({"vpc_config": [{"public_access_cidrs": ["10.0.0.0/8", unknown()]}]}),
        )],
    );
    assert_eq!(
        noted(&out),
        [(
            NoteKind::NotEvaluated,
            "/vpc_config/0/public_access_cidrs/1".into()
        )]
    );

    // Module v21: default off → pass; on with default CIDRs → finding at the input.
    assert!(
        run(&rule, &[v21(json!({"name": "a"}))])
            .findings()
            .is_empty()
    );
    let out = run(&rule, &[v21(json!({"endpoint_public_access": true}))]);
    assert_eq!(pointers(&out), ["/endpoint_public_access"]);
    assert!(
        out.findings()[0]
            .message
            .contains("set endpoint_private_access = true")
    );
    // Module v20 names.
    let out = run(
        &rule,
        &[v20(json!({"cluster_endpoint_public_access": true,
        "cluster_endpoint_public_access_cidrs": ["0.0.0.0/0"]}))],
    );
    assert_eq!(pointers(&out), ["/cluster_endpoint_public_access_cidrs/0"]);
    // v21 names on a v20 module are not its inputs.
    assert!(
        run(&rule, &[v20(json!({"endpoint_public_access": true}))])
            .findings()
            .is_empty()
    );
    // Not a cluster.
    assert!(
        run(&rule, &[resource("aws_s3_bucket", "b", json!({}))])
            .findings()
            .is_empty()
    );
}

#[test]
fn audit_log_types_defaults_fix_and_unknowns() {
    let rule = audit_log_types::Rule;
    let out = run(&rule, &[cluster(json!({"name": "a"}))]);
    assert_eq!(pointers(&out), ["/enabled_cluster_log_types"]);
    let mut o = Out::new("KUBER-L2-000180", 3);
    rule.check(
        &cluster(json!({"enabled_cluster_log_types": ["api"]})),
        &mut o,
    );
    assert_eq!(
        o.findings()[0].fix.clone().expect("fix").edits,
        [Edit::Set(
            "/enabled_cluster_log_types".into(),
            json!(["api", "audit"])
        )]
    );
    assert!(
        run(
            &rule,
            &[cluster(json!({"enabled_cluster_log_types": ["audit"]}))]
        )
        .findings()
        .is_empty()
    );
    let out = run(
        &rule,
        &[cluster(
            json!({"enabled_cluster_log_types": ["api", unknown()]}),
        )],
    );
    assert_eq!(
        noted(&out),
        [(
            NoteKind::NotEvaluated,
            "/enabled_cluster_log_types/1".into()
        )]
    );
    assert!(out.findings().is_empty());
    // Modules: default includes audit.
    assert!(run(&rule, &[v21(json!({}))]).findings().is_empty());
    assert!(run(&rule, &[v20(json!({}))]).findings().is_empty());
    assert_eq!(
        pointers(&run(&rule, &[v21(json!({"enabled_log_types": ["api"]}))])),
        ["/enabled_log_types"]
    );
    assert_eq!(
        pointers(&run(
            &rule,
            &[v20(json!({"cluster_enabled_log_types": []}))]
        )),
        ["/cluster_enabled_log_types"]
    );
    assert_eq!(
        pointers(&run(&rule, &[v21(json!({"enabled_log_types": null}))])),
        ["/enabled_log_types"]
    );
    let out = run(&rule, &[v21(json!({"enabled_log_types": unknown()}))]);
    assert_eq!(noted(&out).len(), 1);
}

fn group(name: &str, extra: Value) -> Document {
    let mut j = json!({"name": name});
    if let (Some(m), Some(e)) = (j.as_object_mut(), extra.as_object()) {
        m.extend(e.clone());
    }
    let mut d = resource("aws_cloudwatch_log_group", "eks", j);
    d.id = 5;
    d
}

fn filter(log_group_name: Value) -> Document {
    let mut d = resource(
        "aws_cloudwatch_log_subscription_filter",
        "siem",
        json!({"log_group_name": log_group_name}),
    );
    d.id = 6;
    d
}

#[test]
fn audit_log_offload_across_documents() {
    let rule = configured::<audit_log_offload::Rule>(json!({}));
    let good_group = group(
        "/aws/eks/prod/cluster",
        json!({"kms_key_id": unknown(), "retention_in_days": 400}),
    );
    // A filter on the cluster's group: pass. (An unknown key id is a note, not a finding.)
    let out = run(
        &rule,
        &[
            cluster(json!({"name": "prod"})),
            good_group.clone(),
            filter(json!("/aws/eks/prod/cluster")),
        ],
    );
    assert!(out.findings().is_empty(), "{:?}", out.findings());
    assert_eq!(
        noted(&out),
        [(NoteKind::NotEvaluated, "/kms_key_id".into())]
    );
    // No filter: finding at the cluster's name.
    let out = run(
        &rule,
        &[
            cluster(json!({"name": "prod"})),
            good_group.clone(),
            filter(json!("/aws/eks/other/cluster")),
        ],
    );
    assert_eq!(pointers(&out), ["/name"]);
    assert_eq!(out.findings()[0].document, 3);
    // A filter on an unknown group: not evaluated.
    let out = run(
        &rule,
        &[
            cluster(json!({"name": "prod"})),
            good_group.clone(),
            filter(unknown()),
        ],
    );
    assert!(out.findings().is_empty());
    assert!(noted(&out).contains(&(NoteKind::NotEvaluated, "/name".into())));
    // Central CloudWatch: no filter needed.
    let central = configured::<audit_log_offload::Rule>(json!({"central-cloudwatch": true}));
    assert!(
        run(&central, &[cluster(json!({"name": "prod"})), good_group])
            .findings()
            .is_empty()
    );
    // The log group: no key, short retention.
    let out = run(
        &central,
        &[group(
            "/aws/eks/prod/cluster",
            json!({"retention_in_days": 30}),
        )],
    );
    assert_eq!(pointers(&out), ["/kms_key_id", "/retention_in_days"]);
    // 0 = never expire; absent = never expire; unrelated groups are not judged.
    assert_eq!(
        pointers(&run(
            &central,
            &[group(
                "/aws/eks/prod/cluster",
                json!({"retention_in_days": 0, "kms_key_id": "k"})
            )]
        ))
        .len(),
        0
    );
    assert_eq!(
        pointers(&run(
            &central,
            &[group("/aws/eks/prod/cluster", json!({"kms_key_id": "k"}))]
        ))
        .len(),
        0
    );
    assert_eq!(
        pointers(&run(&central, &[group("/app/logs", json!({}))])).len(),
        0
    );
    // A raw cluster whose group is not declared: a partial note.
    let out = run(&central, &[cluster(json!({"name": "prod"}))]);
    assert_eq!(noted(&out), [(NoteKind::Partial, "/name".into())]);
    // The module's own log group: defaults 90 days and no key.
    let out = run(&central, &[v21(json!({"name": "prod"}))]);
    assert_eq!(
        pointers(&out),
        [
            "/cloudwatch_log_group_kms_key_id",
            "/cloudwatch_log_group_retention_in_days"
        ]
    );
    assert!(out.notes().is_empty());
    let out = run(
        &rule,
        &[
            v20(
                json!({"cluster_name": "prod", "cloudwatch_log_group_retention_in_days": 365,
        "cloudwatch_log_group_kms_key_id": "arn:aws:kms:k"}),
            ),
            filter(json!("/aws/eks/prod/cluster")),
        ],
    );
    assert!(
        out.findings().is_empty() && out.notes().is_empty(),
        "{:?} {:?}",
        out.findings(),
        out.notes()
    );
    // min-retention-days = 0 turns the retention check off.
    let lax = configured::<audit_log_offload::Rule>(
        json!({"central-cloudwatch": true, "min-retention-days": 0}),
    );
    assert_eq!(
        pointers(&run(&lax, &[v21(json!({"name": "prod"}))])),
        ["/cloudwatch_log_group_kms_key_id"]
    );
    // An unknown name: a note.
    let out = run(&rule, &[v21(json!({"name": unknown()}))]);
    assert!(out.findings().is_empty());
    assert!(noted(&out).contains(&(NoteKind::NotEvaluated, "/name".into())));
}

#[test]
fn settings_are_validated() {
    let mut offload = audit_log_offload::Rule::default();
    let e = offload
        .configure(&json!({"central_cloudwatch": true}), &scan())
        .expect_err("typo");
    assert!(
        e.contains("central_cloudwatch") && e.contains("central-cloudwatch"),
        "{e}"
    );
    let e = offload
        .configure(&json!({"min-retention-days": -1}), &scan())
        .expect_err("negative");
    assert!(e.contains("whole number"), "{e}");
    let e = offload
        .configure(&json!({"central-cloudwatch": "yes"}), &scan())
        .expect_err("not bool");
    assert!(e.contains("true or false"), "{e}");
    let mut v = kubernetes_version::Rule::default();
    let e = v
        .configure(&json!({"allow-extended-support": 1}), &scan())
        .expect_err("not bool");
    assert!(e.contains("allow-extended-support"), "{e}");
    let mut s = security_group_open_ingress::Rule::default();
    let e = s
        .configure(&json!({"allowed-ports": [70000]}), &scan())
        .expect_err("port");
    assert!(e.contains("port numbers"), "{e}");
    let mut k = kms_key_rotation::Rule;
    let e = k
        .configure(&json!({"x": 1}), &scan())
        .expect_err("no settings");
    assert!(e.contains("takes no settings"), "{e}");
}

#[test]
fn kubernetes_version_against_the_calendar() {
    let rule = configured::<kubernetes_version::Rule>(json!({}));
    let version = |v: Value| cluster(json!({"name": "a", "version": v}));
    // 1.34: standard support until 2026-12-02.
    assert!(run(&rule, &[version(json!("1.34"))]).findings().is_empty());
    // 1.33: extended support (standard ended 2026-07-29): passes by default.
    let out = run(&rule, &[version(json!("1.33"))]);
    assert!(out.findings().is_empty() && out.notes().is_empty());
    let strict = configured::<kubernetes_version::Rule>(json!({"allow-extended-support": false}));
    let out = run(&strict, &[version(json!("1.33"))]);
    assert_eq!(pointers(&out), ["/version"]);
    assert!(
        out.findings()[0]
            .message
            .contains("in extended support until 2027-07-29"),
        "{}",
        out.findings()[0].message
    );
    // Past extended, or older than the calendar.
    let out = run(&rule, &[version(json!("1.24"))]);
    assert!(
        out.findings()[0]
            .message
            .contains("out of Amazon EKS support since 2025-01-31")
    );
    assert_eq!(
        pointers(&run(&rule, &[version(json!("1.15"))])),
        ["/version"]
    );
    // Newer than the calendar: not evaluated.
    let out = run(&rule, &[version(json!("1.99"))]);
    assert!(out.findings().is_empty());
    assert_eq!(noted(&out), [(NoteKind::NotEvaluated, "/version".into())]);
    // Absent: EKS picks the newest.
    assert!(
        run(&rule, &[cluster(json!({"name": "a"}))])
            .findings()
            .is_empty()
    );
    // Unknown.
    assert_eq!(noted(&run(&rule, &[version(unknown())])).len(), 1);
    // Modules.
    assert_eq!(
        pointers(&run(&rule, &[v21(json!({"kubernetes_version": "1.29"}))])),
        ["/kubernetes_version"]
    );
    assert_eq!(
        pointers(&run(&rule, &[v20(json!({"cluster_version": "1.29"}))])),
        ["/cluster_version"]
    );
    assert!(run(&rule, &[v20(json!({}))]).findings().is_empty());
    // The calendar parses and is ordered.
    let cal = kubernetes_version::calendar();
    assert!(cal.len() >= 15);
    assert!(cal.windows(2).all(|w| w[0].version < w[1].version));
    assert!(cal.iter().all(|r| r.end_of_standard <= r.end_of_extended));
}

#[test]
fn launch_templates_imds_and_public_ips() {
    let lt = |j: Value| resource("aws_launch_template", "nodes", j);
    let imds = launch_template_imds::Rule;
    assert_eq!(
        pointers(&run(&imds, &[lt(json!({}))])),
        ["/metadata_options/0/http_tokens"]
    );
    let out = run(
        &imds,
        &[lt(
            json!({"metadata_options": [{"http_tokens": "optional", "http_put_response_hop_limit": 2}]}),
        )],
    );
    assert_eq!(
        pointers(&out),
        [
            "/metadata_options/0/http_tokens",
            "/metadata_options/0/http_put_response_hop_limit"
        ]
    );
    assert!(
        run(
            &imds,
            &[lt(
                json!({"metadata_options": [{"http_tokens": "required"}]})
            )]
        )
        .findings()
        .is_empty()
    );
    assert!(
        run(
            &imds,
            &[lt(
                json!({"metadata_options": [{"http_endpoint": "disabled"}]})
            )]
        )
        .findings()
        .is_empty()
    );
    let out = run(
        &imds,
        &[lt(
            json!({"metadata_options": [{"http_tokens": unknown(), "http_put_response_hop_limit": 1}]}),
        )],
    );
    assert!(out.findings().is_empty());
    assert_eq!(noted(&out).len(), 1);

    let ip = launch_template_public_ip::Rule;
    let out = run(
        &ip,
        &[lt(
            json!({"network_interfaces": [{"associate_public_ip_address": "true"}]}),
        )],
    );
    assert_eq!(
        pointers(&out),
        ["/network_interfaces/0/associate_public_ip_address"]
    );
    assert!(
        run(
            &ip,
            &[lt(
                json!({"network_interfaces": [{"associate_public_ip_address": false}]})
            )]
        )
        .findings()
        .is_empty()
    );
    assert!(run(&ip, &[lt(json!({}))]).findings().is_empty());
    assert_eq!(
        noted(&run(&ip, &[lt(json!({"network_interfaces": unknown()}))])).len(),
        1
    );
}

#[test]
fn node_group_ssh_kms_and_vpc_cni() {
    let ssh = node_group_ssh::Rule;
    let ng = |j: Value| resource("aws_eks_node_group", "default", j);
    assert_eq!(
        pointers(&run(
            &ssh,
            &[ng(json!({"remote_access": [{"ec2_ssh_key": "ops"}]}))]
        )),
        ["/remote_access/0/source_security_group_ids"]
    );
    assert!(run(&ssh, &[ng(json!({"remote_access": [{"ec2_ssh_key": "ops", "source_security_group_ids": ["sg-1"]}]}))]).findings().is_empty());
    assert!(run(&ssh, &[ng(json!({}))]).findings().is_empty());
    assert_eq!(
        noted(&run(
            &ssh,
            &[ng(
                json!({"remote_access": [{"source_security_group_ids": unknown()}]})
            )]
        ))
        .len(),
        1
    );

    let kms = kms_key_rotation::Rule;
    let key = |j: Value| resource("aws_kms_key", "k", j);
    assert_eq!(
        pointers(&run(&kms, &[key(json!({}))])),
        ["/enable_key_rotation"]
    );
    assert!(
        run(&kms, &[key(json!({"enable_key_rotation": true}))])
            .findings()
            .is_empty()
    );
    let out = run(
        &kms,
        &[key(json!({"customer_master_key_spec": "RSA_2048"}))],
    );
    assert_eq!(
        noted(&out),
        [(NoteKind::NotApplicable, "/customer_master_key_spec".into())]
    );
    assert_eq!(
        noted(&run(
            &kms,
            &[key(json!({"enable_key_rotation": unknown()}))]
        ))
        .len(),
        1
    );

    let cni = vpc_cni_network_policy::Rule;
    let addon = |j: Value| resource("aws_eks_addon", "vpc_cni", j);
    assert_eq!(
        pointers(&run(&cni, &[addon(json!({"addon_name": "vpc-cni"}))])),
        ["/configuration_values"]
    );
    assert_eq!(
        pointers(&run(
            &cni,
            &[addon(
                json!({"addon_name": "vpc-cni", "configuration_values": "{\"enableNetworkPolicy\":\"false\"}"})
            )]
        )),
        ["/configuration_values"]
    );
    assert!(run(&cni, &[addon(json!({"addon_name": "vpc-cni", "configuration_values": "{\"enableNetworkPolicy\":\"true\"}"}))]).findings().is_empty());
    assert!(run(&cni, &[addon(json!({"addon_name": "vpc-cni", "configuration_values": "enableNetworkPolicy: \"true\"\n"}))]).findings().is_empty());
    assert!(
        run(&cni, &[addon(json!({"addon_name": "coredns"}))])
            .findings()
            .is_empty()
    );
    assert_eq!(
        noted(&run(
            &cni,
            &[addon(
                json!({"addon_name": "vpc-cni", "configuration_values": unknown()})
            )]
        ))
        .len(),
        1
    );
    // Module add-ons, both input names.
    assert_eq!(
        pointers(&run(
            &cni,
            &[v21(
                json!({"addons": {"vpc-cni": {"before_compute": true}, "coredns": {}}})
            )]
        )),
        ["/addons/vpc-cni/configuration_values"]
    );
    assert_eq!(
        pointers(&run(
            &cni,
            &[v20(json!({"cluster_addons": {"cni": {"name": "vpc-cni"}}}))]
        )),
        ["/cluster_addons/cni/configuration_values"]
    );
    assert!(run(&cni, &[v21(json!({"addons": {"vpc-cni": {"configuration_values": "{\"enableNetworkPolicy\":\"true\"}"}}}))]).findings().is_empty());
}

#[test]
fn security_groups_in_all_four_spellings() {
    let rule = configured::<security_group_open_ingress::Rule>(json!({}));
    let sg = resource(
        "aws_security_group",
        "nodes",
        json!({"ingress": [
        {"from_port": 443, "to_port": 443, "cidr_blocks": ["10.0.0.0/8"]},
        {"from_port": 22, "to_port": 22, "cidr_blocks": ["0.0.0.0/0"], "ipv6_cidr_blocks": ["::/0"]}],
        "egress": [{"cidr_blocks": ["0.0.0.0/0"]}]}),
    );
    assert_eq!(
        pointers(&run(&rule, &[sg])),
        ["/ingress/1/cidr_blocks/0", "/ingress/1/ipv6_cidr_blocks/0"]
    );
    let r = resource(
        "aws_security_group_rule",
        "r",
        json!({"type": "ingress", "from_port": 0, "to_port": 65535, "cidr_blocks": ["0.0.0.0/0"]}),
    );
    assert_eq!(pointers(&run(&rule, &[r])), ["/cidr_blocks/0"]);
    let egress = resource(
        "aws_security_group_rule",
        "e",
        json!({"type": "egress", "cidr_blocks": ["0.0.0.0/0"]}),
    );
    assert!(run(&rule, &[egress]).findings().is_empty());
    let v4 = resource(
        "aws_vpc_security_group_ingress_rule",
        "r",
        json!({"cidr_ipv4": "0.0.0.0/0", "from_port": 443, "to_port": 443}),
    );
    assert_eq!(
        pointers(&run(&rule, std::slice::from_ref(&v4))),
        ["/cidr_ipv4"]
    );
    let v6 = resource(
        "aws_vpc_security_group_ingress_rule",
        "r6",
        json!({"cidr_ipv6": "::/0", "ip_protocol": "-1"}),
    );
    assert_eq!(
        pointers(&run(&rule, std::slice::from_ref(&v6))),
        ["/cidr_ipv6"]
    );
    // allowed-ports: a single allowed port may be open.
    let lax = configured::<security_group_open_ingress::Rule>(json!({"allowed-ports": [443]}));
    assert!(run(&lax, &[v4]).findings().is_empty());
    assert_eq!(pointers(&run(&lax, &[v6])), ["/cidr_ipv6"]);
    let unknown_ports = resource(
        "aws_vpc_security_group_ingress_rule",
        "u",
        json!({"cidr_ipv4": "0.0.0.0/0", "from_port": unknown(), "to_port": unknown()}),
    );
    let out = run(&lax, &[unknown_ports]);
    assert!(out.findings().is_empty());
    assert_eq!(noted(&out).len(), 1);
    // Unknown CIDRs and types.
    let u = resource(
        "aws_security_group_rule",
        "u",
        json!({"type": unknown(), "cidr_blocks": ["0.0.0.0/0"]}),
    );
    assert_eq!(noted(&run(&rule, &[u])).len(), 1);
    let u = resource(
        "aws_security_group",
        "u",
        json!({"ingress": [{"cidr_blocks": unknown()}]}),
    );
    assert_eq!(
        noted(&run(&rule, &[u])),
        [(NoteKind::NotEvaluated, "/ingress/0/cidr_blocks".into())]
    );
}

#[test]
fn every_control_is_terraform_only_and_documented() {
    for r in stiglint_plugin_terraform::controls::all() {
        let meta = r.control.meta();
        assert_eq!(meta.formats, [Format::Terraform], "{}", meta.id);
        assert!(
            r.docs.starts_with(&format!("# {}: ", meta.id)),
            "{}",
            meta.id
        );
        for section in [
            "**What it checks.**",
            "**Absent attributes.**",
            "**Why.**",
            "**Example.**",
            "**Fix.**",
            "**References.**",
        ] {
            assert!(r.docs.contains(section), "{} lacks {section}", meta.id);
        }
        assert!(!meta.remediation.is_empty(), "{}", meta.id);
        assert!(!meta.nist.is_empty(), "{}", meta.id);
    }
}

#[test]
fn public_endpoint_cidrs_are_address_ranges_and_allowed_cidrs_restrict_the_rest() {
    let rule = public_endpoint::Rule::default();
    let open = |cidrs: Value| {
        cluster(
            json!({"vpc_config": [{"endpoint_public_access": true, "public_access_cidrs": cidrs}]}),
        )
    };
    for (cidrs, at) in [
        (json!(["::0/0"]), "/vpc_config/0/public_access_cidrs/0"),
        (json!(["0.0.0.0/00"]), "/vpc_config/0/public_access_cidrs/0"),
        (
            json!(["10.0.0.0/8", "1.1.1.1/1"]),
            "/vpc_config/0/public_access_cidrs/1",
        ),
        (
            json!(["128.0.0.0/1", "0.0.0.0/1"]),
            "/vpc_config/0/public_access_cidrs/1",
        ),
    ] {
        assert_eq!(
            pointers(&run(&rule, &[open(cidrs.clone())])),
            [at],
            "{cidrs}"
        );
    }
    let both = run(&rule, &[open(json!(["0.0.0.0/1", "128.0.0.0/1"]))]);
    assert!(
        both.findings()[0]
            .message
            .contains("cover the internet together (0.0.0.0/1, 128.0.0.0/1)"),
        "{}",
        both.findings()[0].message
    );
    // Narrow public CIDRs pass unless allowed-public-cidrs says otherwise.
    let narrow = open(json!(["203.0.113.0/24", "198.51.100.0/24"]));
    assert!(
        run(&rule, std::slice::from_ref(&narrow))
            .findings()
            .is_empty()
    );
    let admin =
        configured::<public_endpoint::Rule>(json!({"allowed-public-cidrs": ["203.0.113.0/24"]}));
    let out = run(&admin, &[narrow]);
    assert_eq!(pointers(&out), ["/vpc_config/0/public_access_cidrs/1"]);
    assert!(
        out.findings()[0]
            .message
            .contains("198.51.100.0/24 is not within allowed-public-cidrs")
    );
    // Not a CIDR: not evaluated, named.
    let out = run(&rule, &[open(json!(["10.0.0.0/33"]))]);
    assert!(out.findings().is_empty());
    assert_eq!(
        noted(&out),
        [(
            NoteKind::NotEvaluated,
            "/vpc_config/0/public_access_cidrs/0".to_owned()
        )]
    );
    let mut bad = public_endpoint::Rule::default();
    let e = bad
        .configure(&json!({"allowed-public-cidrs": ["nope"]}), &scan())
        .expect_err("not a CIDR");
    assert!(
        e.contains("allowed-public-cidrs") && e.contains("nope"),
        "{e}"
    );
}

#[test]
fn module_calls_not_analysed_are_listed() {
    let rule = public_endpoint::Rule::default();
    let call = |source: &str| {
        let mut m = module(json!({"source": source}));
        m.hints.labels = vec!["x".into()];
        m.hints.name = Some("module.x".into());
        m
    };
    let out = run(&rule, &[call("terraform-aws-modules/vpc/aws")]);
    assert_eq!(
        noted(&out),
        [(NoteKind::NotEvaluated, "/source".to_owned())]
    );
    assert!(
        out.notes()[0].reason.contains("not analysed"),
        "{}",
        out.notes()[0].reason
    );
    assert!(
        out.notes()[0]
            .reason
            .contains("terraform-aws-modules/vpc/aws")
    );
    for understood in [
        "./modules/nodes",
        "terraform-aws-modules/security-group/aws",
        "terraform-aws-modules/eks/aws//modules/eks-managed-node-group",
        "terraform-aws-modules/eks/aws//modules/fargate-profile",
    ] {
        assert!(
            run(&rule, &[call(understood)]).notes().is_empty(),
            "{understood}"
        );
    }
}

#[test]
fn security_group_module_rules_protocols_and_groups() {
    let rule = configured::<security_group_open_ingress::Rule>(json!({}));
    let sg = |inputs: Value| {
        let mut inputs = inputs;
        inputs["source"] = json!("terraform-aws-modules/security-group/aws");
        let mut m = module(inputs);
        m.hints.labels = vec!["sg".into()];
        m.hints.name = Some("module.sg".into());
        m
    };
    let out = run(
        &rule,
        &[sg(
            json!({"ingress_cidr_blocks": ["0.0.0.0/0"], "ingress_rules": ["ssh-tcp", "all-all"]}),
        )],
    );
    let messages: Vec<&str> = out.findings().iter().map(|f| f.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "module.sg rule ssh-tcp must not admit ingress from the internet (0.0.0.0/0, port 22/tcp)",
            "module.sg rule all-all must not admit ingress from the internet (0.0.0.0/0, all protocols)"
        ]
    );
    assert_eq!(
        pointers(&out),
        ["/ingress_cidr_blocks/0", "/ingress_cidr_blocks/0"]
    );
    // A rule name the module does not have: not evaluated.
    let out = run(
        &rule,
        &[sg(
            json!({"ingress_cidr_blocks": ["0.0.0.0/0"], "ingress_rules": ["ssh"]}),
        )],
    );
    assert_eq!(
        noted(&out),
        [(NoteKind::NotEvaluated, "/ingress_rules/0".to_owned())]
    );
    // ingress_with_cidr_blocks defaults its cidr_blocks to ingress_cidr_blocks.
    let out = run(
        &rule,
        &[sg(json!({"ingress_ipv6_cidr_blocks": ["::/0"],
                    "ingress_with_ipv6_cidr_blocks": [{"rule": "https-443-tcp"}]}))],
    );
    assert_eq!(pointers(&out), ["/ingress_ipv6_cidr_blocks/0"]);
    // protocol -1 is all protocols; a string security group ID is named as such.
    let r = resource(
        "aws_security_group_rule",
        "all",
        json!({"type": "ingress", "security_group_id": "sg-0123", "protocol": "-1",
               "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]}),
    );
    let out = run(&rule, &[r]);
    assert_eq!(
        out.findings()[0].message,
        "aws_security_group_rule.all (security group sg-0123) must not admit ingress from the internet (0.0.0.0/0, all protocols)"
    );
    let r = resource(
        "aws_vpc_security_group_ingress_rule",
        "r",
        json!({"security_group_id": {"$unknown": "aws_security_group.nodes.id is known only after apply", "$set": true},
               "ip_protocol": "tcp", "from_port": 443, "to_port": 443, "cidr_ipv4": "0.0.0.0/0"}),
    );
    let out = run(&rule, &[r]);
    assert!(
        out.findings()[0].message.starts_with(
            "aws_vpc_security_group_ingress_rule.r (security group aws_security_group.nodes) must"
        ),
        "{}",
        out.findings()[0].message
    );
    // allowed-ports never admits protocol -1.
    let open443 = configured::<security_group_open_ingress::Rule>(json!({"allowed-ports": [443]}));
    let r = resource(
        "aws_vpc_security_group_ingress_rule",
        "r",
        json!({"ip_protocol": "-1", "from_port": 443, "to_port": 443, "cidr_ipv4": "0.0.0.0/0"}),
    );
    assert_eq!(run(&open443, &[r]).findings().len(), 1);
}

#[test]
fn kms_keys_that_cannot_rotate_and_set_but_unknown_log_group_keys() {
    let k = kms_key_rotation::Rule;
    for (usage, spec) in [
        ("GENERATE_VERIFY_MAC", "HMAC_256"),
        ("SIGN_VERIFY", "RSA_2048"),
        ("SIGN_VERIFY", "SYMMETRIC_DEFAULT"),
    ] {
        let out = run(
            &k,
            &[resource(
                "aws_kms_key",
                "k",
                json!({"key_usage": usage, "customer_master_key_spec": spec}),
            )],
        );
        assert!(out.findings().is_empty(), "{usage}");
        assert_eq!(out.notes()[0].kind, NoteKind::NotApplicable, "{usage}");
    }
    // A log group whose key is a managed resource's attribute: set, so no note and no finding.
    let rule = configured::<audit_log_offload::Rule>(json!({"central-cloudwatch": true}));
    let set = json!({"$unknown": "aws_kms_key.logs.arn is known only after apply", "$set": true});
    let out = run(
        &rule,
        &[group(
            "/aws/eks/a/cluster",
            json!({"retention_in_days": 365, "kms_key_id": set}),
        )],
    );
    assert!(
        out.findings().is_empty() && out.notes().is_empty(),
        "{:?} {:?}",
        out.findings(),
        out.notes()
    );
    // A plain unknown (a variable without a value) is still not evaluated.
    let out = run(
        &rule,
        &[group(
            "/aws/eks/a/cluster",
            json!({"retention_in_days": 365, "kms_key_id": unknown()}),
        )],
    );
    assert_eq!(
        noted(&out),
        [(NoteKind::NotEvaluated, "/kms_key_id".to_owned())]
    );
}

#[test]
fn eks_module_node_groups_metadata_and_ssh() {
    let imds = launch_template_imds::Rule;
    let ssh = node_group_ssh::Rule;
    let call = |source: &str, version: &str, inputs: Value| {
        let mut inputs = inputs;
        inputs["source"] = json!(source);
        inputs["version"] = json!(version);
        let mut m = module(inputs);
        m.hints.labels = vec!["nodes".into()];
        m.hints.name = Some("module.nodes".into());
        m
    };
    let sub = "terraform-aws-modules/eks/aws//modules/eks-managed-node-group";
    // v21 defaults: required tokens, hop limit 1.
    assert!(
        run(&imds, &[call(sub, "~> 21.0", json!({}))])
            .findings()
            .is_empty()
    );
    // v20 default hop limit 2: a finding at the call (the block: pointer "").
    let out = run(&imds, &[call(sub, "~> 20.0", json!({}))]);
    assert_eq!(pointers(&out), [""]);
    assert!(
        out.findings()[0].message.contains("before v21"),
        "{}",
        out.findings()[0].message
    );
    // v20: a given map replaces the default whole — http_tokens omitted is optional.
    let out = run(
        &imds,
        &[call(
            sub,
            "~> 20.0",
            json!({"metadata_options": {"http_put_response_hop_limit": 1}}),
        )],
    );
    assert_eq!(pointers(&out), ["/metadata_options"]);
    // v21: omitted attributes take the module's optional() defaults.
    let out = run(
        &imds,
        &[call(
            sub,
            "~> 21.0",
            json!({"metadata_options": {"http_put_response_hop_limit": 3}}),
        )],
    );
    assert_eq!(
        pointers(&out),
        ["/metadata_options/http_put_response_hop_limit"]
    );
    // Root module node groups, v20 with defaults.
    let root = call(
        "terraform-aws-modules/eks/aws",
        "~> 20.0",
        json!({"eks_managed_node_group_defaults": {"metadata_options": {"http_tokens": "optional", "http_put_response_hop_limit": 1}},
               "eks_managed_node_groups": {"a": {}, "b": {"metadata_options": {"http_tokens": "required", "http_put_response_hop_limit": 1},
                                                   "remote_access": {"ec2_ssh_key": "ops"}}}}),
    );
    let out = run(&imds, std::slice::from_ref(&root));
    assert_eq!(
        pointers(&out),
        ["/eks_managed_node_group_defaults/metadata_options/http_tokens"]
    );
    assert!(
        out.findings()[0]
            .message
            .starts_with("module.nodes node group \"a\" must require IMDSv2")
    );
    let out = run(&ssh, &[root]);
    assert_eq!(pointers(&out), ["/eks_managed_node_groups/b/remote_access"]);
    // No template made by the module: not evaluated.
    let out = run(
        &imds,
        &[call(
            sub,
            "~> 21.0",
            json!({"use_custom_launch_template": false}),
        )],
    );
    assert_eq!(
        noted(&out),
        [(
            NoteKind::NotEvaluated,
            "/use_custom_launch_template".to_owned()
        )]
    );
}

#[test]
fn eks_module_security_group_additional_rules() {
    let rule = configured::<security_group_open_ingress::Rule>(json!({}));
    let open = json!({"ssh": {"type": "ingress", "from_port": 22, "to_port": 22, "cidr_blocks": ["0.0.0.0/0"]},
                      "egress": {"type": "egress", "protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]}});
    let out = run(
        &rule,
        &[v20(
            json!({"cluster_security_group_additional_rules": open.clone()}),
        )],
    );
    assert_eq!(
        pointers(&out),
        ["/cluster_security_group_additional_rules/ssh/cidr_blocks/0"]
    );
    assert!(
        out.findings()[0]
            .message
            .ends_with("(0.0.0.0/0, port 22/tcp)"),
        "{}",
        out.findings()[0].message
    );
    // v21 names the cluster's rules security_group_additional_rules; v20's name is not read.
    assert!(
        run(
            &rule,
            &[v21(
                json!({"cluster_security_group_additional_rules": open.clone()})
            )]
        )
        .findings()
        .is_empty()
    );
    assert_eq!(
        pointers(&run(
            &rule,
            &[v21(
                json!({"security_group_additional_rules": open.clone()})
            )]
        )),
        ["/security_group_additional_rules/ssh/cidr_blocks/0"]
    );
    // A security group the module does not create has no rules.
    assert!(
        run(&rule, &[v21(json!({"create_node_security_group": false, "node_security_group_additional_rules": open}))])
            .findings()
            .is_empty()
    );
}

#[test]
fn eks_module_node_groups_public_ips() {
    let rule = launch_template_public_ip::Rule;
    let call = |inputs: Value| {
        let mut inputs = inputs;
        inputs["source"] = json!("terraform-aws-modules/eks/aws//modules/self-managed-node-group");
        inputs["version"] = json!("~> 21.0");
        let mut m = module(inputs);
        m.hints.labels = vec!["nodes".into()];
        m.hints.name = Some("module.nodes".into());
        m
    };
    let out = run(
        &rule,
        &[call(
            json!({"network_interfaces": [{"associate_public_ip_address": true, "delete_on_termination": true}]}),
        )],
    );
    assert_eq!(
        pointers(&out),
        ["/network_interfaces/0/associate_public_ip_address"]
    );
    assert!(run(&rule, &[call(json!({}))]).findings().is_empty());
    let root = v21(
        json!({"self_managed_node_groups": {"pub": {"network_interfaces": [{"associate_public_ip_address": "true"}]}}}),
    );
    assert_eq!(
        pointers(&run(&rule, &[root])),
        ["/self_managed_node_groups/pub/network_interfaces/0/associate_public_ip_address"]
    );
}

#[test]
fn icmp_rules_are_described_by_type() {
    let rule = configured::<security_group_open_ingress::Rule>(json!({}));
    let r = |protocol: &str, from: i64| {
        resource(
            "aws_vpc_security_group_ingress_rule",
            "r",
            json!({"ip_protocol": protocol, "from_port": from, "to_port": -1, "cidr_ipv4": "0.0.0.0/0"}),
        )
    };
    let message = |doc: Document| run(&rule, &[doc]).findings()[0].message.clone();
    assert!(message(r("icmp", -1)).ends_with("(0.0.0.0/0, all ICMP)"));
    assert!(message(r("icmp", 8)).ends_with("(0.0.0.0/0, ICMP type 8)"));
    assert!(message(r("58", -1)).ends_with("(0.0.0.0/0, all ICMPv6)"));
}
