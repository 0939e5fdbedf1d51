//! Terraform: the loader's evaluation and positions on a module written here, agreement with
//! Checkov's labelled EKS and launch-template fixtures, and the real terraform-aws-eks v21.19.0
//! tree scanned with every file accounted for.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use stiglint::config::Config;
use stiglint::input::terraform::{Variables, load};
use stiglint::input::{Input, LoadedFile, discover};
use stiglint::scan::FileStatus;
use stiglint::session::Session;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(&path, text).expect("write");
    path
}

/// Load a directory's `.tf` files; documents by address.
fn documents(dir: &Path, vars: &Variables) -> (BTreeMap<String, (Value, usize)>, Vec<LoadedFile>) {
    let (inputs, problems) = discover(&[dir.to_path_buf()], true);
    assert!(problems.is_empty(), "{problems:?}");
    let inputs: Vec<Input> = inputs
        .into_iter()
        .filter(|i| i.name.ends_with(".tf"))
        .collect();
    let (mut loaded, problems) = load(&inputs, vars);
    assert!(problems.is_empty(), "{problems:?}");
    let mut files: Vec<LoadedFile> = (0..inputs.len())
        .filter_map(|i| loaded.remove(&i))
        .collect();
    let mut docs = BTreeMap::new();
    for (fi, f) in files.iter().enumerate() {
        for d in &f.documents {
            let address = d.hints.name.clone().expect("address");
            docs.insert(address, (d.value.clone(), fi));
        }
    }
    files.sort_by(|a, b| a.source.name.cmp(&b.source.name));
    (docs, files)
}

/// `(file name, line)` a pointer of a document resolves to.
fn line_of(files: &[LoadedFile], address: &str, pointer: &str) -> (String, u32) {
    for f in files {
        for d in &f.documents {
            if d.hints.name.as_deref() == Some(address) {
                let (range, exact, file) = d.spans.resolve_in(pointer).expect("resolves");
                assert!(exact, "{address}{pointer} not exact");
                let name = file.map_or_else(|| f.source.name.to_string(), ToString::to_string);
                let short = Path::new(&name)
                    .file_name()
                    .expect("name")
                    .to_string_lossy()
                    .into_owned();
                return (short, range.start.line);
            }
        }
    }
    panic!("no document {address}");
}

const MAIN_TF: &str = r#"locals {
  name    = "${var.prefix}-eks"
  logs    = concat(["api"], var.extra_logs)
  tags    = merge({ team = "platform" }, var.tags)
}

resource "aws_eks_cluster" "this" {
  name    = local.name
  version = var.k8s_version

  enabled_cluster_log_types = local.logs

  vpc_config {
    endpoint_public_access = var.public
    public_access_cidrs    = ["10.0.0.0/8"]
    subnet_ids             = [aws_subnet.a.id]
  }

  dynamic "encryption_config" {
    for_each = var.encrypt ? [1] : []
    content {
      resources = ["secrets"]
      provider {
        key_arn = aws_kms_key.k.arn
      }
    }
  }

  tags = local.tags
}

resource "aws_subnet" "a" {
  cidr_block = "10.0.1.0/24"
}

resource "aws_kms_key" "k" {
  count               = var.encrypt ? 1 : 0
  enable_key_rotation = true
}

resource "aws_cloudwatch_log_group" "eks" {
  name              = "/aws/eks/${aws_eks_cluster.this.name}/cluster"
  retention_in_days = lookup(var.retention, "audit", 30)
}

resource "aws_security_group_rule" "ingress" {
  for_each    = toset(["443", "22"])
  type        = "ingress"
  from_port   = tonumber(each.key)
  cidr_blocks = each.key == "22" ? ["0.0.0.0/0"] : ["10.0.0.0/8"]
}

module "nodes" {
  source        = "./modules/nodes"
  cluster_name  = aws_eks_cluster.this.name
  instance_type = "m7i.large"
}

module "registry" {
  source  = "terraform-aws-modules/eks/aws"
  version = "~> 21.0"
  name    = "reg"
}
"#;

const VARIABLES_TF: &str = r#"variable "prefix" {
  type    = string
  default = "dev"
}

variable "k8s_version" {
  type = string
}

variable "public" {
  type    = bool
  default = true
}

variable "extra_logs" {
  type    = list(string)
  default = []
}

variable "encrypt" {
  type    = bool
  default = false
}

variable "tags" {
  type    = map(string)
  default = {}
}

variable "retention" {
  type = object({
    audit = optional(number, 365)
    other = optional(number)
  })
  default = {}
}
"#;

const NODES_TF: &str = r#"variable "cluster_name" {
  type = string
}

variable "instance_type" {
  type = string
}

variable "hop_limit" {
  type    = number
  default = 2
}

resource "aws_launch_template" "this" {
  name          = "${var.cluster_name}-nodes"
  instance_type = var.instance_type
  metadata_options {
    http_tokens                 = "required"
    http_put_response_hop_limit = var.hop_limit
  }
}

resource "aws_instance" "never" {
  count = 0
  ami   = "ami-1"
}

output "template" {
  value = aws_launch_template.this.name
}
"#;

fn module_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "main.tf", MAIN_TF);
    write(dir.path(), "variables.tf", VARIABLES_TF);
    write(
        dir.path(),
        "terraform.tfvars",
        "prefix = \"prod\"\nextra_logs = [\"audit\"]\n",
    );
    write(dir.path(), "modules/nodes/main.tf", NODES_TF);
    // What `terraform init` downloads is not the configuration under review.
    write(
        dir.path(),
        ".terraform/modules/vpc/main.tf",
        "resource \"aws_vpc\" \"x\" {}\n",
    );
    dir
}

#[test]
fn evaluates_variables_locals_functions_and_modules() {
    let dir = module_dir();
    let (docs, files) = documents(dir.path(), &Variables::default());
    let cluster = &docs["aws_eks_cluster.this"].0;
    // tfvars over the default, a template, concat of a local and a variable.
    assert_eq!(cluster["name"], "prod-eks");
    assert_eq!(
        cluster["enabled_cluster_log_types"],
        json!(["api", "audit"])
    );
    assert_eq!(cluster["tags"], json!({"team": "platform"}));
    // A variable without a value and an attribute AWS computes are unknown, with reasons.
    assert!(
        cluster["version"]["$unknown"]
            .as_str()
            .is_some_and(|r| r.contains("var.k8s_version has no value")),
        "{}",
        cluster["version"]
    );
    assert!(
        cluster["vpc_config"][0]["subnet_ids"][0]["$unknown"]
            .as_str()
            .is_some_and(|r| r.contains("aws_subnet.a.id is known only after apply"))
    );
    assert_eq!(cluster["vpc_config"][0]["endpoint_public_access"], true);
    // A dynamic block over an empty list makes no block; a resource with count 0 is skipped.
    assert_eq!(cluster["encryption_config"], json!([]));
    assert!(!docs.contains_key("aws_kms_key.k[0]") && !docs.contains_key("aws_kms_key.k"));
    // A configured attribute of another resource is known; lookup in an object whose optional
    // attribute took its default.
    let group = &docs["aws_cloudwatch_log_group.eks"].0;
    assert_eq!(group["name"], "/aws/eks/prod-eks/cluster");
    assert_eq!(group["retention_in_days"], 365);
    // for_each makes one document per key, with each.key bound.
    assert_eq!(
        docs["aws_security_group_rule.ingress[\"22\"]"].0["cidr_blocks"],
        json!(["0.0.0.0/0"])
    );
    assert_eq!(
        docs["aws_security_group_rule.ingress[\"443\"]"].0["from_port"],
        443
    );
    // A local module is followed with its inputs; a registry module is a document of its own.
    let lt = &docs["module.nodes.aws_launch_template.this"].0;
    assert_eq!(lt["name"], "prod-eks-nodes");
    assert_eq!(lt["metadata_options"][0]["http_put_response_hop_limit"], 2);
    assert_eq!(docs["module.registry"].0["version"], "~> 21.0");
    assert_eq!(docs["module.registry"].0["name"], "reg");
    // The walk also found modules/nodes/main.tf: main.tf calls it, so it is a module checked
    // through that call, not a root of its own (its blocks would be reported twice).
    assert_eq!(
        files.len(),
        3,
        "main.tf, variables.tf, modules/nodes/main.tf"
    );
    assert!(!docs.contains_key("aws_launch_template.this"));
    let nodes = files
        .iter()
        .find(|f| f.source.name.contains("modules"))
        .expect("modules/nodes/main.tf");
    assert!(nodes.skipped[0].reason.contains("a module called from"));
    let variables = files
        .iter()
        .find(|f| f.source.name.ends_with("variables.tf"))
        .expect("variables.tf");
    assert_eq!(variables.documents.len(), 0);
    assert_eq!(variables.skipped.len(), 1, "accounted for with a reason");
    let main = files
        .iter()
        .find(|f| f.source.name.ends_with("main.tf"))
        .expect("main.tf");
    assert!(
        main.skipped.iter().any(|s| s.reason.contains("count = 0")),
        "{:?}",
        main.skipped
    );
}

#[test]
fn pointers_lead_to_the_use_site_and_origins_to_where_each_value_was_written() {
    let dir = module_dir();
    let (_, files) = documents(dir.path(), &Variables::default());
    let at = |address: &str, pointer: &str| line_of(&files, address, pointer);
    let written =
        |address: &str, pointer: &str| line_of(&files, address, &format!("/$origin{pointer}"));
    // Written in place: the attribute's own line.
    assert_eq!(
        at("aws_eks_cluster.this", "/vpc_config/0/public_access_cidrs"),
        ("main.tf".to_owned(), 15)
    );
    // From a variable default: used at the attribute, written at the default in variables.tf.
    assert_eq!(
        at(
            "aws_eks_cluster.this",
            "/vpc_config/0/endpoint_public_access"
        ),
        ("main.tf".to_owned(), 14)
    );
    assert_eq!(
        written(
            "aws_eks_cluster.this",
            "/vpc_config/0/endpoint_public_access"
        ),
        ("variables.tf".to_owned(), 12)
    );
    // From terraform.tfvars through a local: used at the attribute, written at the tfvars line.
    assert_eq!(
        at("aws_eks_cluster.this", "/enabled_cluster_log_types/1"),
        ("main.tf".to_owned(), 11)
    );
    assert_eq!(
        written("aws_eks_cluster.this", "/enabled_cluster_log_types/1"),
        ("terraform.tfvars".to_owned(), 2)
    );
    // A nested block: its header; the block itself: its header.
    assert_eq!(
        at("aws_eks_cluster.this", "/vpc_config/0"),
        ("main.tf".to_owned(), 13)
    );
    assert_eq!(at("aws_eks_cluster.this", ""), ("main.tf".to_owned(), 7));
    // Inside a followed module: used at the module's attribute; written at a module
    // variable's default in the module's file, or at the module call's argument for an input.
    let lt = "module.nodes.aws_launch_template.this";
    assert_eq!(
        at(lt, "/metadata_options/0/http_put_response_hop_limit"),
        ("main.tf".to_owned(), 19)
    );
    assert_eq!(
        written(lt, "/metadata_options/0/http_put_response_hop_limit"),
        ("main.tf".to_owned(), 11)
    );
    assert_eq!(at(lt, "/instance_type"), ("main.tf".to_owned(), 16));
    assert_eq!(written(lt, "/instance_type"), ("main.tf".to_owned(), 56));
    // A value built in a local (`concat(...)`) is written there; its elements where they
    // were written (the tfvars line above).
    assert_eq!(
        written("aws_eks_cluster.this", "/enabled_cluster_log_types"),
        ("main.tf".to_owned(), 3)
    );
    // The places a value passed through, use side first: a module input passes the module's
    // variable declaration (the module's main.tf line 5) on its way from the call's argument.
    let via = |address: &str, pointer: &str, n: usize| {
        let key = pointer.trim_start_matches('/').replace('/', "~1");
        line_of(&files, address, &format!("/$chain/{key}/{n}"))
    };
    assert_eq!(via(lt, "/instance_type", 0), ("main.tf".to_owned(), 5));
}

#[test]
fn command_line_variables_win_over_files() {
    let dir = module_dir();
    write(
        dir.path(),
        "extra.tfvars",
        "public = false\nprefix = \"stage\"\n",
    );
    let vars = Variables {
        files: vec![dir.path().join("extra.tfvars")],
        values: vec![
            ("prefix".to_owned(), "qa".to_owned()),
            ("k8s_version".to_owned(), "1.33".to_owned()),
            (
                "extra_logs".to_owned(),
                "[\"audit\", \"authenticator\"]".to_owned(),
            ),
        ],
    };
    let (docs, _) = documents(dir.path(), &vars);
    let cluster = &docs["aws_eks_cluster.this"].0;
    assert_eq!(cluster["name"], "qa-eks");
    assert_eq!(cluster["version"], "1.33");
    assert_eq!(cluster["vpc_config"][0]["endpoint_public_access"], false);
    assert_eq!(
        cluster["enabled_cluster_log_types"],
        json!(["api", "audit", "authenticator"])
    );
}

#[test]
fn bad_hcl_and_bad_references_are_errors_with_positions() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        "broken.tf",
        "resource \"aws_eks_cluster\" \"x\" {\n  name = \n}\n",
    );
    write(
        dir.path(),
        "main.tf",
        "resource \"aws_eks_cluster\" \"y\" {\n  name = var.missing\n  role_arn = local.nope\n}\n",
    );
    let session = Session::new(common::options(Config::default())).expect("session");
    let result = session.scan(&[dir.path().to_path_buf()], None);
    let statuses: BTreeMap<String, FileStatus> = result
        .files
        .iter()
        .map(|f| {
            (
                Path::new(&f.name)
                    .file_name()
                    .expect("name")
                    .to_string_lossy()
                    .into_owned(),
                f.status.clone(),
            )
        })
        .collect();
    assert_eq!(statuses["broken.tf"], FileStatus::Failed);
    assert_eq!(statuses["main.tf"], FileStatus::Failed);
    let problems: BTreeSet<(String, u32, String)> = result
        .problems
        .iter()
        .map(|p| {
            (
                Path::new(p.file.as_deref().expect("file"))
                    .file_name()
                    .expect("name")
                    .to_string_lossy()
                    .into_owned(),
                p.range.expect("range").start.line,
                p.message.clone(),
            )
        })
        .collect();
    let lines: Vec<(&str, u32)> = problems.iter().map(|(f, l, _)| (f.as_str(), *l)).collect();
    assert_eq!(
        lines,
        [("broken.tf", 2), ("main.tf", 2), ("main.tf", 3)],
        "{problems:#?}"
    );
    assert!(
        problems
            .iter()
            .any(|(_, _, m)| m.contains("undeclared input variable \"missing\""))
    );
    assert!(
        problems
            .iter()
            .any(|(_, _, m)| m.contains("undeclared local value \"nope\""))
    );
}

/// (Checkov folder, our control, resource types both judge, (address, why we differ)).
type Case = (
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static [(&'static str, &'static str)],
);

/// Checkov's labelled EKS and launch-template fixtures against our controls. Each row: the
/// folder, the control that stands for the check, the resource types both judge, and the
/// addresses where we knowingly differ, with why.
#[test]
fn agrees_with_checkov_terraform_fixtures() {
    let root = common::corpus().join("checkov-fixtures");
    let labels: Value =
        serde_json::from_slice(&std::fs::read(root.join("LABELS.json")).expect("labels"))
            .expect("json");
    let base = "tests/terraform/checks/resource/aws/example_";
    let cases: &[Case] = &[
        // CKV_AWS_37 wants all five log types; the STIG wants the audit log.
        (
            "EKSControlPlaneLogging",
            "KUBER-L2-000180",
            &["aws_eks_cluster"],
            &[(
                "aws_eks_cluster.partially_enabled",
                "enables \"audit\" (and \"api\"): the STIG asks for the audit log, Checkov for all five types",
            )],
        ),
        // CKV_AWS_38: public endpoint open to 0.0.0.0/0.
        (
            "EKSPublicAccessCIDR",
            "KUBER-L2-000120",
            &["aws_eks_cluster"],
            &[],
        ),
        // CKV_AWS_39 fails any public endpoint; ours only one open to the internet.
        (
            "EKSPublicAccess",
            "KUBER-L2-000120",
            &["aws_eks_cluster"],
            &[(
                "aws_eks_cluster.enabled",
                "writes `endpoint_public_access = True`: `True` is not an HCL bool but an undeclared reference (Terraform rejects it), so the value is unknown and the control says not evaluated",
            )],
        ),
        // CKV_AWS_339: supported version (dates as of the tests' today, 2026-11-22).
        (
            "EKSPlatformVersion",
            "CNTR-K8-002720",
            &["aws_eks_cluster"],
            &[],
        ),
        // CKV_AWS_79 also judges aws_instance and aws_launch_configuration; we judge launch
        // templates (what EKS node groups use).
        (
            "IMDSv1Disabled",
            "STIGLINT-EKS-0001",
            &["aws_launch_template"],
            &[],
        ),
        (
            "LaunchTemplateMetadataHop",
            "STIGLINT-EKS-0001",
            &["aws_launch_template"],
            &[],
        ),
    ];
    let mut compared = 0;
    for (folder, control, types, differ) in cases {
        let label = &labels[format!("{base}{folder}")];
        let in_scope = |a: &&str| types.iter().any(|t| a.starts_with(&format!("{t}.")));
        let want_failed: BTreeSet<&str> = label["expected_failed_resources"]
            .as_array()
            .expect("failed")
            .iter()
            .filter_map(Value::as_str)
            .filter(in_scope)
            .collect();
        let want_passed: BTreeSet<&str> = label["expected_passed_resources"]
            .as_array()
            .expect("passed")
            .iter()
            .filter_map(Value::as_str)
            .filter(in_scope)
            .collect();
        let mut options = common::options(Config::default());
        options.select = Some(vec![(*control).to_owned()]);
        let session = Session::new(options).expect("session");
        let result = session.scan(&[root.join(format!("{base}{folder}"))], None);
        let failed: BTreeSet<String> = result
            .findings
            .iter()
            .filter_map(|f| f.object.name.clone())
            .collect();
        for address in want_failed.iter().chain(&want_passed) {
            let ours = failed.contains(*address);
            let theirs = want_failed.contains(address);
            let listed = differ.iter().find(|(a, _)| a == address);
            match listed {
                None => assert_eq!(
                    ours, theirs,
                    "{folder} {control} {address}: ours failed={ours}, Checkov failed={theirs}"
                ),
                Some((_, why)) => assert_ne!(
                    ours, theirs,
                    "{folder} {address} is listed as a disagreement ({why}) but agrees now"
                ),
            }
            compared += 1;
        }
    }
    assert_eq!(compared, 21, "resources compared");
}

#[test]
fn terraform_aws_eks_tree_is_scanned_and_accounted_for() {
    let tree = common::corpus().join("terraform-aws-eks");
    let session = Session::new(common::options(Config::default())).expect("session");
    let result = session.scan(std::slice::from_ref(&tree), None);
    let (inputs, _) = discover(std::slice::from_ref(&tree), true);
    assert_eq!(
        result.files.len(),
        inputs.len(),
        "every file has an account"
    );
    let tf: Vec<_> = result
        .files
        .iter()
        .filter(|f| f.name.ends_with(".tf"))
        .collect();
    assert_eq!(tf.len(), 87, "the corpus README's 87 .tf files");
    let failed: Vec<&str> = result
        .files
        .iter()
        .filter(|f| f.status == FileStatus::Failed)
        .map(|f| f.name.as_str())
        .collect();
    assert!(failed.is_empty(), "{failed:#?}\n{:#?}", result.problems);
    for f in result
        .files
        .iter()
        .filter(|f| matches!(f.status, FileStatus::Skipped { .. }))
    {
        assert!(f.name.ends_with(".tf"), "{} skipped", f.name);
    }
    // The root module with its defaults is hardened: private endpoint, audit logs, secrets
    // encrypted with the module's own KMS key.
    let root_cluster = |control: &str| {
        result.findings.iter().any(|f| {
            f.control == control && f.object.name.as_deref() == Some("aws_eks_cluster.this[0]")
        })
    };
    for control in ["KUBER-L2-000120", "KUBER-L2-000180", "CNTR-K8-001162"] {
        assert!(
            !root_cluster(control),
            "{control} on the root module's own cluster"
        );
    }
    // Every Terraform finding points into a .tf file of the tree, not at line 0.
    for f in result
        .findings
        .iter()
        .filter(|f| f.location.file.ends_with(".tf"))
    {
        assert!(f.location.range.start.line > 0, "{f:?}");
    }
}

/// `(control, file name, line)` of every finding.
fn findings_at(result: &stiglint::scan::ScanResult) -> Vec<(String, String, u32)> {
    result
        .findings
        .iter()
        .map(|f| {
            let name = Path::new(&*f.location.file)
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            (f.control.clone(), name, f.location.range.start.line)
        })
        .collect()
}

#[test]
fn plan_json_points_at_its_tf_sources_or_else_into_the_plan() {
    let example = common::repo_root().join("examples/terraform/plan");
    let session = Session::new(common::options(Config::default())).expect("session");
    // Beside its .tf sources: findings on the .tf lines.
    let result = session.scan(&[example.join("plan.json")], None);
    assert!(result.problems.is_empty(), "{:?}", result.problems);
    let at = findings_at(&result);
    assert!(
        at.contains(&("STIGLINT-EKS-0004".to_owned(), "main.tf".to_owned(), 7)),
        "{at:?}"
    );
    assert!(
        at.contains(&("CNTR-K8-002720".to_owned(), "main.tf".to_owned(), 13)),
        "{at:?}"
    );
    // The key ARN is after_unknown: the cluster's encryption is judged (secrets listed), the
    // ARN itself is not guessed.
    assert!(!at.iter().any(|(c, _, _)| c == "CNTR-K8-001162"), "{at:?}");
    // Alone: findings inside the plan, at the planned values.
    let alone = tempfile::tempdir().expect("temp dir");
    let copy = alone.path().join("plan.json");
    std::fs::copy(example.join("plan.json"), &copy).expect("copy");
    let result = session.scan(&[copy], None);
    let at = findings_at(&result);
    assert!(at.iter().all(|(_, f, _)| f == "plan.json"), "{at:?}");
    let text = std::fs::read_to_string(example.join("plan.json")).expect("plan");
    let (line, _) = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("\"enable_key_rotation\": false"))
        .nth(1)
        .expect("the key's planned value in resource_changes");
    assert!(
        at.contains(&(
            "STIGLINT-EKS-0004".to_owned(),
            "plan.json".to_owned(),
            line as u32 + 1
        )),
        "{at:?}"
    );
}

#[test]
fn plan_json_deletes_are_skipped_with_their_reason() {
    let dir = tempfile::tempdir().expect("temp dir");
    let plan = json!({
        "format_version": "1.2", "terraform_version": "1.11.4",
        "resource_changes": [{
            "address": "aws_kms_key.old", "mode": "managed", "type": "aws_kms_key", "name": "old",
            "change": {"actions": ["delete"], "before": {"enable_key_rotation": false}, "after": null, "after_unknown": {}}
        }]
    });
    let path = write(dir.path(), "plan.json", &plan.to_string());
    let session = Session::new(common::options(Config::default())).expect("session");
    let result = session.scan(&[path], None);
    assert!(result.findings.is_empty());
    let file = &result.files[0];
    assert!(
        matches!(file.status, FileStatus::Skipped { .. }),
        "{file:?}"
    );
    assert!(
        file.skipped_documents[0]
            .reason
            .contains("the plan destroys it")
    );
}

/// A `resource_changes` entry as `terraform show -json` writes one for a create (shape of
/// hashicorp/terraform `internal/command/testdata/show-json/modules/output.json`: `after`
/// without the unknown values, `after_unknown` with `true` for them).
fn create_change(address: &str, module: Option<&str>, after: Value, after_unknown: Value) -> Value {
    // `module.a["k"].type.name` → type, name.
    let local = address.rsplit_once("].").map_or(address, |(_, r)| r);
    let mut parts = local.rsplit('.');
    let name = parts
        .next()
        .unwrap_or_default()
        .split('[')
        .next()
        .unwrap_or_default();
    let ty = parts.next().unwrap_or_default();
    let mut rc = json!({"address": address, "mode": "managed", "type": ty, "name": name,
        "provider_name": "registry.terraform.io/hashicorp/aws",
        "change": {"actions": ["create"], "before": null, "after": after,
                   "after_unknown": after_unknown, "before_sensitive": false, "after_sensitive": {}}});
    if let Some(m) = module {
        rc["module_address"] = json!(m);
    }
    rc
}

fn plan_of(changes: Vec<Value>, prior: Value, configuration: Value) -> Value {
    json!({"format_version": "1.2", "terraform_version": "1.11.4",
           "planned_values": {"root_module": {}},
           "resource_changes": changes,
           "prior_state": {"format_version": "1.0", "terraform_version": "1.11.4", "values": {"root_module": prior}},
           "configuration": configuration})
}

/// Item: a plan of an `aws_eks_cluster` whose `vpc_config` omits `public_access_cidrs` has the
/// attribute in `after_unknown` (the provider computes `["0.0.0.0/0"]`): the configuration
/// section shows it absent, so the provider's default applies — a finding, not "not
/// evaluated". Set to a variable, it stays unknown. Shapes: show-json `basic-create` and
/// `modules` (`configuration.root_module.resources[].expressions`, nested blocks as lists of
/// expression objects, per the JSON Output Format's "Block Expressions Representation").
#[test]
fn plan_json_applies_provider_defaults_only_where_the_configuration_omits_them() {
    let cluster_after = json!({"name": "prod", "role_arn": "arn:aws:iam::111122223333:role/eks",
        "vpc_config": [{"endpoint_private_access": false, "endpoint_public_access": true,
                        "security_group_ids": null, "subnet_ids": ["subnet-1", "subnet-2"]}]});
    let cluster_unknown = json!({"arn": true, "endpoint": true, "id": true,
        "vpc_config": [{"cluster_security_group_id": true, "public_access_cidrs": true,
                        "subnet_ids": [false, false], "vpc_id": true}]});
    let config = |cidrs: Option<Value>| {
        let mut vpc = json!({"subnet_ids": {"constant_value": ["subnet-1", "subnet-2"]}});
        if let Some(c) = cidrs {
            vpc["public_access_cidrs"] = c;
        }
        json!({"root_module": {"resources": [{
            "address": "aws_eks_cluster.this", "mode": "managed", "type": "aws_eks_cluster",
            "name": "this", "provider_config_key": "aws",
            "expressions": {"name": {"constant_value": "prod"},
                            "role_arn": {"constant_value": "arn:aws:iam::111122223333:role/eks"},
                            "vpc_config": [vpc]},
            "schema_version": 1}]}})
    };
    let session = Session::new(common::options(Config::default())).expect("session");
    let scan = |plan: &Value| {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = write(
            dir.path(),
            "plan.json",
            &serde_json::to_string_pretty(plan).expect("json"),
        );
        let r = session.scan(&[path], None);
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        r
    };
    let change = create_change(
        "aws_eks_cluster.this",
        None,
        cluster_after.clone(),
        cluster_unknown.clone(),
    );
    // Omitted in the configuration: the provider's default 0.0.0.0/0, a CAT I finding.
    let r = scan(&plan_of(vec![change.clone()], json!({}), config(None)));
    let hits: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| f.control == "KUBER-L2-000120")
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(hits.len(), 1, "{:?}", r.findings);
    assert!(hits[0].contains("0.0.0.0/0 by default"), "{}", hits[0]);
    // Written as a variable's value Terraform knows only after apply: not evaluated, no guess.
    let r = scan(&plan_of(
        vec![change.clone()],
        json!({}),
        config(Some(json!({"references": ["var.admin_cidrs"]}))),
    ));
    assert!(
        !r.findings.iter().any(|f| f.control == "KUBER-L2-000120"),
        "{:?}",
        r.findings
    );
    assert!(
        r.notes
            .iter()
            .any(|n| n.control == "KUBER-L2-000120" && n.reason.contains("public_access_cidrs")),
        "{:?}",
        r.notes
    );
    // Without a configuration section nothing says the attribute is absent: not evaluated.
    let mut bare = plan_of(vec![change], json!({}), json!({}));
    bare.as_object_mut()
        .expect("object")
        .remove("configuration");
    let r = scan(&bare);
    assert!(!r.findings.iter().any(|f| f.control == "KUBER-L2-000120"));
    assert!(r.notes.iter().any(|n| n.control == "KUBER-L2-000120"));
}

/// Item: a `for_each` module, a nested module and a data source read at plan time. Shapes:
/// show-json `modules` (module_calls, `module_address`, instance keys in addresses) and
/// `nested-modules`; a data source Terraform read while planning is only in `prior_state`
/// (the JSON Output Format: "prior_state" is the state after refresh, data sources included).
#[test]
fn plan_json_reads_for_each_and_nested_modules_and_data_sources() {
    let log_after = json!({"name": "/aws/eks/prod/cluster", "retention_in_days": 365,
                           "skip_destroy": false, "tags": null});
    let log_unknown = json!({"arn": true, "id": true, "kms_key_id": true, "tags_all": true});
    let changes = vec![
        create_change(
            "module.logs[\"prod\"].aws_cloudwatch_log_group.this",
            Some("module.logs[\"prod\"]"),
            log_after.clone(),
            log_unknown.clone(),
        ),
        create_change(
            "module.platform.module.keys.aws_kms_key.this",
            Some("module.platform.module.keys"),
            json!({"description": "eks", "enable_key_rotation": false, "key_usage": "ENCRYPT_DECRYPT",
                   "customer_master_key_spec": "SYMMETRIC_DEFAULT", "deletion_window_in_days": 30}),
            json!({"arn": true, "id": true, "key_id": true, "policy": true}),
        ),
    ];
    let prior = json!({"resources": [{
        "address": "data.aws_iam_policy_document.assume", "mode": "data",
        "type": "aws_iam_policy_document", "name": "assume",
        "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 0,
        "values": {"id": "1234", "json": "{}", "statement": []}, "sensitive_values": {}}]});
    let configuration = json!({"root_module": {
        "resources": [{"address": "data.aws_iam_policy_document.assume", "mode": "data",
                       "type": "aws_iam_policy_document", "name": "assume", "expressions": {}}],
        "module_calls": {
            "logs": {"source": "./logs", "for_each_expression": {"constant_value": {"prod": {}}},
                "module": {"resources": [{"address": "aws_cloudwatch_log_group.this",
                    "mode": "managed", "type": "aws_cloudwatch_log_group", "name": "this",
                    "expressions": {"name": {"references": ["each.key"]},
                                    "retention_in_days": {"constant_value": 365},
                                    "kms_key_id": {"references": ["aws_kms_key.logs.arn", "aws_kms_key.logs"]}}}]}},
            "platform": {"source": "./platform", "module": {"module_calls": {
                "keys": {"source": "./keys", "module": {"resources": [{
                    "address": "aws_kms_key.this", "mode": "managed", "type": "aws_kms_key",
                    "name": "this", "expressions": {"description": {"constant_value": "eks"}}}]}}}}}}}});
    let plan = plan_of(changes, prior, configuration);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write(
        dir.path(),
        "plan.json",
        &serde_json::to_string_pretty(&plan).expect("json"),
    );
    let session = Session::new(common::options(Config::default())).expect("session");
    let r = session.scan(&[path], None);
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    // The log group's key is a reference to a managed resource: set, so the presence check
    // passes (no note on kms_key_id); its retention is known and long enough.
    assert!(
        !r.notes
            .iter()
            .any(|n| n.control == "KUBER-L2-000190" && n.reason.contains("kms_key_id")),
        "{:?}",
        r.notes
    );
    assert!(
        !r.findings
            .iter()
            .any(|f| f.control == "KUBER-L2-000190" && f.message.contains("KMS")),
        "{:?}",
        r.findings
    );
    // The key two modules deep is judged under its full address.
    let key: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.control == "STIGLINT-EKS-0004")
        .map(|f| f.message.clone())
        .collect();
    assert_eq!(key.len(), 1, "{key:?}");
    assert!(
        key[0].starts_with("module.platform.module.keys.aws_kms_key.this"),
        "{key:?}"
    );
    // The data source from prior_state is a document of the plan too.
    assert_eq!(r.files[0].documents, 3, "{:?}", r.files[0]);
}

/// `(after, after_unknown)` of a document's JSON as Terraform's plan writes them: unknowns
/// leave `after` and are `true` in `after_unknown`.
fn planned(v: &Value) -> (Value, Value) {
    match v {
        Value::Object(m) if m.contains_key("$unknown") => (Value::Null, json!(true)),
        Value::Object(m) => {
            let (mut after, mut unknown) = (serde_json::Map::new(), serde_json::Map::new());
            for (k, x) in m {
                let (a, u) = planned(x);
                if u != json!(true) {
                    after.insert(k.clone(), a);
                }
                if u != json!(false) && u != json!({}) && u != json!([]) {
                    unknown.insert(k.clone(), u);
                }
            }
            (Value::Object(after), Value::Object(unknown))
        }
        Value::Array(items) => {
            let (a, u): (Vec<Value>, Vec<Value>) = items.iter().map(planned).unzip();
            (Value::Array(a), Value::Array(u))
        }
        other => (other.clone(), json!(false)),
    }
}

/// Every Terraform fixture of every control, also as plan JSON: the fixture's resources,
/// evaluated, written the way `terraform show -json` writes a plan (alone, without the `.tf`
/// beside it), give the same findings on the same resources as the HCL. Module calls are left
/// out (a plan has their resources, not the call).
#[test]
fn every_terraform_fixture_agrees_as_plan_json() {
    let root = common::repo_root();
    let mut fixtures: Vec<PathBuf> = Vec::new();
    for plugin in [
        "plugins/terraform/fixtures",
        "plugins/cluster/fixtures/CNTR-K8-001162",
    ] {
        let (inputs, _) = discover(&[root.join(plugin)], false);
        fixtures.extend(inputs.into_iter().filter_map(|i| match i.origin {
            stiglint::source::Origin::File(p) if p.extension().is_some_and(|e| e == "tf") => {
                Some(p)
            }
            _ => None,
        }));
    }
    assert!(fixtures.len() > 70, "{}", fixtures.len());
    let session = Session::new(common::options(Config::default())).expect("session");
    let findings = |result: &stiglint::scan::ScanResult| -> BTreeSet<(String, String)> {
        result
            .findings
            .iter()
            .filter(|f| f.object.kind.as_deref() != Some("module") && !f.object.labels.is_empty())
            .map(|f| (f.control.clone(), f.object.name.clone().unwrap_or_default()))
            .collect()
    };
    let (mut compared, mut with_findings) = (0, 0);
    for fixture in &fixtures {
        let dir = tempfile::tempdir().expect("temp dir");
        let tf = write(
            dir.path(),
            "hcl/main.tf",
            &std::fs::read_to_string(fixture).expect("read"),
        );
        let (docs, _) = documents(tf.parent().expect("dir"), &Variables::default());
        let hcl = session.scan(&[tf.parent().expect("dir").to_path_buf()], None);
        let changes: Vec<Value> = docs
            .iter()
            .filter(|(address, _)| !address.starts_with("module."))
            .map(|(address, (value, _))| {
                let data = address.starts_with("data.");
                let bare = address.trim_start_matches("data.");
                let (ty, rest) = bare.split_once('.').expect("type.name");
                let name = rest.split('[').next().expect("name");
                let (after, after_unknown) = planned(value);
                json!({"address": address, "mode": if data { "data" } else { "managed" },
                       "type": ty, "name": name,
                       "change": {"actions": ["create"], "before": null,
                                  "after": after, "after_unknown": after_unknown}})
            })
            .collect();
        if changes.is_empty() {
            continue;
        }
        let plan = json!({"format_version": "1.2", "terraform_version": "1.11.4",
                          "resource_changes": changes});
        let plan_path = write(dir.path(), "plan/plan.json", &plan.to_string());
        let from_plan = session.scan(&[plan_path], None);
        assert!(
            from_plan.problems.is_empty(),
            "{}: {:?}",
            fixture.display(),
            from_plan.problems
        );
        let expected = findings(&hcl);
        assert_eq!(
            findings(&from_plan),
            expected,
            "{}: plan JSON and HCL disagree",
            fixture.display()
        );
        compared += 1;
        with_findings += usize::from(!expected.is_empty());
    }
    assert!(compared > 50, "{compared} fixtures compared");
    assert!(with_findings > 30, "{with_findings} fixtures with findings");
}

/// Run the binary in `dir` with a hang watchdog (no timing assertion: a run that never ends
/// fails the test instead of hanging it): `(exit code, JSON report, stderr)`.
fn run_in(dir: &Path, args: &[&str]) -> (i32, Value, String) {
    let out = tempfile::tempdir().expect("temp dir");
    let stdout = std::fs::File::create(out.path().join("stdout")).expect("stdout");
    let stderr = std::fs::File::create(out.path().join("stderr")).expect("stderr");
    let mut child = common::stiglint()
        .current_dir(dir)
        .args(["--format", "json"])
        .args(args)
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .expect("spawn stiglint");
    let mut waited = std::time::Duration::ZERO;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if waited > std::time::Duration::from_secs(300) {
            child.kill().expect("kill");
            panic!("stiglint {args:?} in {} hangs", dir.display());
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
        waited += std::time::Duration::from_millis(50);
    };
    let text = std::fs::read_to_string(out.path().join("stdout")).expect("read stdout");
    let report = serde_json::from_str(&text).unwrap_or(Value::Null);
    let err = std::fs::read_to_string(out.path().join("stderr")).expect("read stderr");
    (status.code().unwrap_or(-1), report, err)
}

/// `(control, file, line)` of a JSON report's findings, files as canonical paths (the same
/// file named from two working directories compares equal).
fn findings_from(dir: &Path, report: &Value) -> BTreeSet<(String, PathBuf, u64)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let file = dir.join(f["file"].as_str().expect("file"));
            (
                f["control"].as_str().expect("control").to_owned(),
                std::fs::canonicalize(&file).expect("finding's file exists"),
                f["range"]["start"]["line"].as_u64().expect("line"),
            )
        })
        .collect()
}

/// `(file, line, message)` of a JSON report's errors.
fn errors_of(report: &Value) -> Vec<(String, u64, String)> {
    report["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (
                e["file"].as_str().unwrap_or("").to_owned(),
                e["range"]["start"]["line"].as_u64().unwrap_or(0),
                e["message"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

const EKS_MODULE: &str = r#"variable "name" {
  type = string
}

resource "aws_eks_cluster" "this" {
  name     = var.name
  role_arn = "arn:aws:iam::123456789012:role/eks"
  vpc_config {
    subnet_ids             = ["subnet-1"]
    endpoint_public_access = true
  }
}
"#;

#[test]
fn module_sources_resolve_the_same_from_the_root_and_from_inside_the_tree() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = std::fs::canonicalize(tmp.path()).expect("canonical");
    write(
        &root,
        "infra/live/prod/main.tf",
        "module \"eks\" {\n  source = \"../../modules/eks\"\n  name   = \"prod\"\n}\n\nmodule \"local\" {\n  source = \"./../prod/./local\"\n  name   = \"local\"\n}\n",
    );
    write(&root, "infra/live/prod/local/main.tf", EKS_MODULE);
    write(&root, "infra/modules/eks/main.tf", EKS_MODULE);
    // An absolute path is read from the same directory (`terraform init` copies it).
    let absolute = root.join("infra/modules/eks");
    write(
        &root,
        "infra/live/abs/main.tf",
        &format!(
            "module \"eks\" {{\n  source = \"{}\"\n  name   = \"abs\"\n}}\n",
            absolute.display()
        ),
    );

    let (code, from_root, err) = run_in(&root, &["infra/live/prod"]);
    assert_eq!(code, 1, "{err}");
    let inside = root.join("infra/live/prod");
    let (code, from_inside, err) = run_in(&inside, &["."]);
    assert_eq!(code, 1, "{err}");
    let a = findings_from(&root, &from_root);
    let b = findings_from(&inside, &from_inside);
    assert_eq!(a, b, "the same findings from the root and from inside");
    let cat_i: BTreeSet<_> = a
        .iter()
        .filter(|(c, _, _)| c == "KUBER-L2-000120" || c == "CNTR-K8-001162")
        .map(|(c, f, _)| (c.clone(), f.clone()))
        .collect();
    // Both modules' clusters, each with its two CAT I findings, in the module's file.
    assert_eq!(
        cat_i,
        BTreeSet::from([
            (
                "CNTR-K8-001162".to_owned(),
                root.join("infra/live/prod/local/main.tf")
            ),
            (
                "CNTR-K8-001162".to_owned(),
                root.join("infra/modules/eks/main.tf")
            ),
            (
                "KUBER-L2-000120".to_owned(),
                root.join("infra/live/prod/local/main.tf")
            ),
            (
                "KUBER-L2-000120".to_owned(),
                root.join("infra/modules/eks/main.tf")
            ),
        ])
    );

    let (code, abs, err) = run_in(&root.join("infra/live/abs"), &["."]);
    assert_eq!(code, 1, "{err}");
    let files: BTreeSet<PathBuf> = findings_from(&root.join("infra/live/abs"), &abs)
        .into_iter()
        .filter(|(c, _, _)| c == "KUBER-L2-000120")
        .map(|(_, f, _)| f)
        .collect();
    assert_eq!(
        files,
        BTreeSet::from([root.join("infra/modules/eks/main.tf")])
    );
}

#[test]
fn a_local_module_that_is_missing_or_empty_is_an_error_at_its_call() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path();
    write(
        root,
        "live/main.tf",
        "module \"gone\" {\n  source = \"../modules/gone\"\n}\n\nmodule \"empty\" {\n  source = \"../modules/empty\"\n}\n\nresource \"aws_eks_cluster\" \"c\" {\n  name = \"c\"\n  vpc_config {\n    endpoint_public_access = true\n  }\n}\n",
    );
    std::fs::create_dir_all(root.join("modules/empty")).expect("mkdir");
    write(root, "modules/empty/README.md", "no terraform here\n");
    for (cwd, arg, file) in [
        (root.to_path_buf(), "live", "live/main.tf"),
        (root.join("live"), ".", "main.tf"),
    ] {
        let (code, report, err) = run_in(&cwd, &[arg]);
        assert_eq!(code, 2, "an error fails the run: {err}");
        let errors: Vec<_> = errors_of(&report)
            .into_iter()
            .map(|(f, l, m)| (f.trim_start_matches("./").to_owned(), l, m))
            .collect();
        assert!(
            errors.iter().any(|(f, line, m)| f == file
                && *line == 2
                && m.contains("does not exist")
                && m.contains("module \"gone\"")),
            "{errors:#?}"
        );
        assert!(
            errors
                .iter()
                .any(|(f, line, m)| f == file && *line == 6 && m.contains("holds no .tf files")),
            "{errors:#?}"
        );
        // The file's own blocks are still judged.
        assert!(
            report["findings"]
                .as_array()
                .expect("findings")
                .iter()
                .any(|f| f["control"] == "KUBER-L2-000120"),
            "{report}"
        );
    }
}

/// A root module that is judged next to each hostile one: its finding must survive.
const GOOD_TF: &str = "resource \"aws_eks_cluster\" \"good\" {\n  name = \"good\"\n  vpc_config {\n    endpoint_public_access = true\n  }\n}\n";

/// Scan `hostile/` (one root module) next to `good/`: exit 2, the budget error at
/// `hostile/<file>:<line>` naming `budget`, and `good/`'s finding kept.
fn assert_over_budget(files: &[(&str, &str)], file: &str, line: u64, budget: &str) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path();
    for (name, text) in files {
        write(root, &format!("hostile/{name}"), text);
    }
    write(root, "good/main.tf", GOOD_TF);
    let (code, report, err) = run_in(root, &["hostile", "good"]);
    assert_eq!(code, 2, "{err}");
    let errors = errors_of(&report);
    assert!(
        errors
            .iter()
            .any(|(f, l, m)| f == &format!("hostile/{file}") && *l == line && m.contains(budget)),
        "no error at hostile/{file}:{line} naming {budget:?}: {errors:#?}"
    );
    assert!(
        report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|f| f["control"] == "KUBER-L2-000120" && f["file"] == "good/main.tf"),
        "the other module is still judged: {report}"
    );
}

#[test]
fn range_that_never_advances_is_an_error_not_a_hang() {
    // 1e17 + 1 is 1e17 in a float: the step does not move the number.
    assert_over_budget(
        &[(
            "main.tf",
            "locals {\n  r = range(1e17, 1e17 + 1000)\n}\n\nresource \"aws_s3_bucket\" \"b\" {\n  bucket = \"b-${length(local.r)}\"\n}\n",
        )],
        "main.tf",
        2,
        "does not change",
    );
    // More than Terraform's 1024 numbers.
    assert_over_budget(
        &[(
            "main.tf",
            "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"b\"\n  tags   = { n = length(range(0, 2000, 0.5)) }\n}\n",
        )],
        "main.tf",
        3,
        "limit: range elements",
    );
}

#[test]
fn strings_that_grow_exponentially_are_refused_at_the_value_limit() {
    // Each local repeats the previous one 1,000 times (10 KB, 10 MB, 10 GB ...); `try` does
    // not hide a budget.
    assert_over_budget(
        &[(
            "main.tf",
            r#"locals {
  a = join("", [for i in range(1000) : "xxxxxxxxxx"])
  b = join("", [for i in range(1000) : local.a])
  c = join("", [for i in range(1000) : local.b])
  d = join("", [for i in range(1000) : local.c])
}

resource "aws_s3_bucket" "b" {
  bucket = try(local.d, "fallback")
}
"#,
        )],
        "main.tf",
        4,
        "limit: bytes per value",
    );
    // Doubling through lists, and `replace` of every character by a long string.
    assert_over_budget(
        &[(
            "main.tf",
            r#"locals {
  l0 = ["x"]
  l1 = [local.l0, local.l0, local.l0, local.l0]
  l2 = [local.l1, local.l1, local.l1, local.l1]
  l3 = [local.l2, local.l2, local.l2, local.l2]
  l4 = [local.l3, local.l3, local.l3, local.l3]
  l5 = [local.l4, local.l4, local.l4, local.l4]
  l6 = [local.l5, local.l5, local.l5, local.l5]
  l7 = [local.l6, local.l6, local.l6, local.l6]
  l8 = [local.l7, local.l7, local.l7, local.l7]
  l9 = [local.l8, local.l8, local.l8, local.l8]
}

resource "aws_s3_bucket" "b" {
  bucket = "b"
  tags   = { n = length(flatten(local.l9)) }
}
"#,
        )],
        "main.tf",
        10,
        "limit: elements per value",
    );
    assert_over_budget(
        &[(
            "main.tf",
            r#"locals {
  k = join("", [for i in range(1000) : "xxxxxxxxxx"])
}

resource "aws_s3_bucket" "b" {
  bucket = replace(local.k, "x", local.k)
}
"#,
        )],
        "main.tf",
        6,
        "limit: bytes per value",
    );
}

#[test]
fn for_each_over_too_many_keys_is_an_error_and_the_block_is_judged_once() {
    assert_over_budget(
        &[(
            "main.tf",
            r#"locals {
  keys = flatten([for i in range(11) : [for j in range(1000) : "k-${i}-${j}"]])
}

resource "aws_eks_cluster" "many" {
  for_each = toset(local.keys)
  name     = each.key
  vpc_config {
    endpoint_public_access = true
  }
}
"#,
        )],
        "main.tf",
        6,
        "limit: instances per block",
    );
}

#[test]
fn module_fan_out_is_capped_in_instances_and_depth() {
    // Six calls per module, six levels: 6^6 = 46,656 module instances without a cap.
    let mut files: Vec<(String, String)> = Vec::new();
    let calls = |next: &str| -> String {
        (0..6)
            .map(|i| format!("module \"c{i}\" {{\n  source = \"../{next}\"\n}}\n"))
            .collect()
    };
    files.push(("main.tf".to_owned(), calls("m0").replace("../", "./")));
    for d in 0..6 {
        let mut text = "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"b\"\n}\n".to_owned();
        if d < 5 {
            text.push_str(&calls(&format!("m{}", d + 1)));
        }
        files.push((format!("m{d}/main.tf"), text));
    }
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let tmp = tempfile::tempdir().expect("temp dir");
    for (name, text) in &refs {
        write(tmp.path(), &format!("hostile/{name}"), text);
    }
    write(tmp.path(), "good/main.tf", GOOD_TF);
    let (code, report, err) = run_in(tmp.path(), &["hostile/main.tf", "good"]);
    assert_eq!(code, 2, "{err}");
    let errors = errors_of(&report);
    let capped: Vec<_> = errors
        .iter()
        .filter(|(_, _, m)| m.contains("limit: module instances"))
        .collect();
    assert_eq!(capped.len(), 1, "reported once: {errors:#?}");
    assert!(capped[0].0.starts_with("hostile/"), "{capped:?}");
    assert!(
        report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|f| f["control"] == "KUBER-L2-000120" && f["file"] == "good/main.tf")
    );

    // A chain deeper than the depth limit: the call past it is an error at its block.
    let tmp = tempfile::tempdir().expect("temp dir");
    write(
        tmp.path(),
        "main.tf",
        "module \"m\" {\n  source = \"./m0\"\n}\n",
    );
    for d in 0..10 {
        write(
            tmp.path(),
            &format!("m{d}/main.tf"),
            &format!("module \"m\" {{\n  source = \"../m{}\"\n}}\n", d + 1),
        );
    }
    write(
        tmp.path(),
        "m10/main.tf",
        "resource \"aws_s3_bucket\" \"b\" {}\n",
    );
    let (code, report, err) = run_in(tmp.path(), &["main.tf"]);
    assert_eq!(code, 2, "{err}");
    let errors = errors_of(&report);
    assert!(
        errors
            .iter()
            .any(|(f, l, m)| f == "m7/main.tf" && *l == 1 && m.contains("limit: module depth")),
        "{errors:#?}"
    );
}

#[test]
fn objects_too_large_to_parse_are_refused_before_the_parser_sees_them() {
    // The HCL parser compares each object key with the ones before it: 1,000,000 keys would
    // take about an hour. The file is refused at the object's line; the other module is judged.
    let entries: String = (0..12_000)
        .map(|i| format!("    k{i} = \"v{i}\"\n"))
        .collect();
    let text = format!(
        "locals {{\n  m = {{\n{entries}  }}\n}}\n\nresource \"aws_s3_bucket\" \"b\" {{\n  bucket = length(local.m)\n}}\n"
    );
    assert_over_budget(
        &[("main.tf", &text)],
        "main.tf",
        2,
        "limit: object parse cost",
    );
    // Blocks are not objects: a module with many blocks and attributes is parsed.
    let tmp = tempfile::tempdir().expect("temp dir");
    let blocks: String = (0..5_000)
        .map(|i| format!("resource \"aws_s3_bucket\" \"b{i}\" {{\n  bucket = \"b{i}\"\n}}\n"))
        .collect();
    write(
        tmp.path(),
        "main.tf",
        &format!("locals {{\n{entries}}}\n{blocks}"),
    );
    let (docs, _) = documents(tmp.path(), &Variables::default());
    assert_eq!(docs.len(), 5_000);
}

#[test]
fn a_chain_of_references_is_evaluated_once_per_attribute() {
    // Each attribute names the previous one twice: 2^60 evaluations if none is remembered.
    let tmp = tempfile::tempdir().expect("temp dir");
    let mut text = "resource \"null_resource\" \"r0\" {\n  triggers = { v = 1 }\n}\n".to_owned();
    for k in 1..=60 {
        text.push_str(&format!(
            "resource \"null_resource\" \"r{k}\" {{\n  triggers = {{ v = null_resource.r{p}.triggers.v + null_resource.r{p}.triggers.v }}\n}}\n",
            p = k - 1
        ));
    }
    write(tmp.path(), "main.tf", &text);
    let (code, report, err) = run_in(tmp.path(), &["."]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(errors_of(&report), Vec::new());
    let (docs, _) = documents(tmp.path(), &Variables::default());
    assert_eq!(
        docs["null_resource.r60"].0["triggers"]["v"].as_f64(),
        Some(2f64.powi(60))
    );
}

#[test]
fn a_long_chain_of_locals_is_an_error_not_a_stack_overflow() {
    // 20,000 locals, each naming the one before: the evaluator's stack used to overflow and
    // abort the process.
    let mut text = "locals {\n  a0 = 1\n".to_owned();
    for i in 1..20_000 {
        text.push_str(&format!("  a{i} = local.a{} + 1\n", i - 1));
    }
    text.push_str("}\n\nresource \"aws_s3_bucket\" \"b\" {\n  bucket = \"b-${local.a19999}\"\n}\n");
    // The 129th nested reference is refused: local.a19871, on line 19,873.
    assert_over_budget(
        &[("main.tf", &text)],
        "main.tf",
        19_873,
        "limit: reference depth",
    );
}

/// Item: configurations Terraform itself refuses are errors with its wording, at the block,
/// and are not judged: two blocks with one address (Terraform's `configs` checks: "Duplicate
/// resource … configuration") and `for_each` over a tuple or list ("Invalid for_each
/// argument").
#[test]
fn invalid_configurations_are_errors_in_terraforms_words() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        "a.tf",
        "resource \"aws_kms_key\" \"k\" {\n  enable_key_rotation = true\n}\n",
    );
    write(
        dir.path(),
        "b.tf",
        r#"resource "aws_kms_key" "k" {
  enable_key_rotation = false
}

variable "names" {
  type    = list(string)
  default = ["a", "b"]
}

resource "aws_kms_key" "literal" {
  for_each = ["a", "b"]
}

resource "aws_kms_key" "typed" {
  for_each = var.names
}

resource "aws_kms_key" "set" {
  for_each            = toset(var.names)
  enable_key_rotation = true
}

module "twice" {
  source = "terraform-aws-modules/security-group/aws"
}

module "twice" {
  source = "terraform-aws-modules/security-group/aws"
}

locals {
  zones = ["a", "b"]
}

variable "untyped" {
  default = ["x"]
}

variable "zone_set" {
  type    = set(string)
  default = ["a"]
}

resource "aws_kms_key" "via_local" {
  for_each = local.zones
}

resource "aws_kms_key" "untyped" {
  for_each = var.untyped
}

resource "aws_kms_key" "either" {
  for_each = var.untyped == null ? local.zones : ["c"]
}

resource "aws_kms_key" "typed_set" {
  for_each            = var.zone_set
  enable_key_rotation = true
}
"#,
    );
    let session = Session::new(common::options(Config::default())).expect("session");
    let result = session.scan(&[dir.path().to_path_buf()], None);
    let errors: Vec<(String, u32, String)> = result
        .problems
        .iter()
        .map(|p| {
            (
                Path::new(p.file.as_deref().unwrap_or_default())
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                p.range.map_or(0, |r| r.start.line),
                p.message.clone(),
            )
        })
        .collect();
    let has = |file: &str, line: u32, text: &str| {
        errors
            .iter()
            .any(|(f, l, m)| f == file && *l == line && m.contains(text))
    };
    assert!(
        has(
            "b.tf",
            1,
            "Duplicate resource \"aws_kms_key\" configuration: a aws_kms_key resource named \"k\" was already declared at"
        ),
        "{errors:#?}"
    );
    assert!(has("b.tf", 11, "Invalid for_each argument"), "{errors:#?}");
    assert!(
        has("b.tf", 11, "you have provided a value of type tuple"),
        "{errors:#?}"
    );
    assert!(has("b.tf", 15, "of type list"), "{errors:#?}");
    assert!(has("b.tf", 27, "Duplicate module call"), "{errors:#?}");
    // Through a local, an untyped variable holding a list, and a conditional of lists.
    assert!(has("b.tf", 45, "of type tuple"), "{errors:#?}");
    assert!(has("b.tf", 49, "of type tuple"), "{errors:#?}");
    assert!(has("b.tf", 53, "of type tuple"), "{errors:#?}");
    assert_eq!(errors.len(), 7, "{errors:#?}");
    // The duplicate (rotation false) and the invalid for_each blocks are not judged; the set
    // is.
    let keys: Vec<&str> = result
        .findings
        .iter()
        .filter(|f| f.control == "STIGLINT-EKS-0004")
        .filter_map(|f| f.object.name.as_deref())
        .collect();
    assert!(keys.is_empty(), "{keys:?}");
}

/// Item: a finding about a value written elsewhere is reported where the resource uses it,
/// with where it was written (here a tfvars line) as a related place; a waiver at either
/// place covers it, inline or by `path`.
#[test]
fn findings_are_at_the_use_site_and_waivers_match_the_origin_too() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), ".git/HEAD", "ref: refs/heads/main\n");
    write(
        dir.path(),
        "main.tf",
        r#"variable "rotate" {
  type    = bool
  default = true
}

resource "aws_kms_key" "eks" {
  description         = "EKS secrets"
  enable_key_rotation = var.rotate
}
"#,
    );
    write(dir.path(), "terraform.tfvars", "rotate = false\n");
    let (code, report, err) = run_in(dir.path(), &["--today", "2026-12-01", "."]);
    assert_eq!(code, 1, "{err}");
    let f = &report["findings"][0];
    assert_eq!(f["control"], "STIGLINT-EKS-0004", "{report:#}");
    let file = |v: &Value| {
        v.as_str()
            .unwrap_or_default()
            .trim_start_matches("./")
            .to_owned()
    };
    assert_eq!(
        (file(&f["file"]), f["range"]["start"]["line"].as_u64()),
        ("main.tf".to_owned(), Some(8)),
        "{f:#}"
    );
    let related = f["related"].as_array().expect("related");
    assert!(
        related
            .iter()
            .any(|r| file(&r["file"]) == "terraform.tfvars"
                && r["range"]["start"]["line"] == 1
                && r["message"] == "the value is written here"),
        "{related:#?}"
    );
    // On its way it passed the variable's declaration.
    assert!(
        related.iter().any(|r| file(&r["file"]) == "main.tf"
            && r["range"]["start"]["line"] == 1
            && r["message"] == "the value passes through here"),
        "{related:#?}"
    );
    // An inline waiver where the value is written covers the finding.
    write(
        dir.path(),
        "terraform.tfvars",
        "# stiglint:waive STIGLINT-EKS-0004 expires=2027-01-31 approved-by=ops -- imported key material, rotated by hand\nrotate = false\n",
    );
    let (code, report, err) = run_in(dir.path(), &["--today", "2026-12-01", "."]);
    assert_eq!(code, 0, "{err} {report:#}");
    assert_eq!(report["findings"][0]["status"], "waived", "{report:#}");
    // So does a waiver file entry whose path is the origin's file.
    write(dir.path(), "terraform.tfvars", "rotate = false\n");
    write(
        dir.path(),
        "stiglint.toml",
        "[[waivers]]\ncontrol = \"STIGLINT-EKS-0004\"\npath = \"*.tfvars\"\njustification = \"rotated by hand\"\napproved-by = \"ops\"\nexpires = \"2027-01-31\"\n",
    );
    let (code, report, err) = run_in(dir.path(), &["--today", "2026-12-01", "."]);
    assert_eq!(code, 0, "{err} {report:#}");
    assert_eq!(report["findings"][0]["status"], "waived", "{report:#}");
}

/// `--fix` at a use site: a literal is fixed in place; a reference to a value written
/// elsewhere (a variable's default) is not replaced by a literal.
#[test]
fn fix_edits_literals_at_the_use_site_but_not_references() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), ".git/HEAD", "ref: refs/heads/main\n");
    let text = r#"variable "rotate" {
  type    = bool
  default = false
}

resource "aws_kms_key" "literal" {
  enable_key_rotation = false
}

resource "aws_kms_key" "referenced" {
  enable_key_rotation = var.rotate
}
"#;
    let main = write(dir.path(), "main.tf", text);
    let (_, _, err) = run_in(dir.path(), &["--fix", "--today", "2026-12-01", "."]);
    let fixed = std::fs::read_to_string(&main).expect("read");
    assert!(
        fixed.contains("  enable_key_rotation = true\n"),
        "{fixed}\n{err}"
    );
    assert!(
        fixed.contains("  enable_key_rotation = var.rotate\n"),
        "{fixed}\n{err}"
    );
    assert!(fixed.contains("  default = false\n"), "{fixed}");
}
