//! The per-file result cache: a warm run reports exactly what a cold run reports, whatever
//! changed in between (a file, the configuration, a plugin, the Kubernetes version, a
//! Namespace another file depends on, a Terraform variable, today's date), and an entry that
//! was tampered with is a miss, never a verdict.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{run, stderr, stdout};

/// `stiglint check --format json` with a private cache (plugins and results) and key.
fn stiglint(cache: &Path, dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_stiglint"));
    cmd.current_dir(dir)
        .env("STIGLINT_CACHE_DIR", cache.join("cache"))
        .env("STIGLINT_KEY_FILE", cache.join("key/cache.key"))
        .env_remove("NO_COLOR")
        .env_remove("CI")
        .args(["check", "--format", "json"]);
    cmd
}

/// Whether a report has a finding of a control.
fn has(report: &str, control: &str) -> bool {
    let report: serde_json::Value = serde_json::from_str(report).expect("json");
    report["findings"]
        .as_array()
        .is_some_and(|f| f.iter().any(|f| f["control"] == control))
}

/// A run's JSON report (as text: byte comparisons) and its exit code.
fn scan(cmd: &mut Command) -> (String, i32) {
    let out: Output = run(cmd);
    let text = stdout(&out);
    assert!(
        serde_json::from_str::<serde_json::Value>(&text).is_ok(),
        "not JSON: {text}\n{}",
        stderr(&out)
    );
    (text, out.status.code().unwrap_or(-1))
}

/// Cold (`--no-cache`) and warm (cached) runs of the same tree and arguments agree byte for
/// byte; returns the report.
fn agree(cache: &Path, dir: &Path, args: &[&str]) -> String {
    let cold = scan(stiglint(cache, dir).arg("--no-cache").args(args));
    let warm = scan(stiglint(cache, dir).args(args));
    assert_eq!(cold, warm, "warm run differs from a cold run of {args:?}");
    cold.0
}

/// Files read from the result cache in a `--verbose` run.
fn hits(cache: &Path, dir: &Path, args: &[&str]) -> usize {
    let out = run(stiglint(cache, dir).arg("--verbose").args(args));
    let err = stderr(&out);
    let line = err
        .lines()
        .find(|l| l.starts_with("result cache: "))
        .unwrap_or_else(|| panic!("no cache line in: {err}"));
    line["result cache: ".len()..]
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a count")
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    spec:
      containers:
        - name: app
          image: registry1.dso.mil/ironbank/nginx:1.25
          securityContext: {runAsNonRoot: true, privileged: IMAGE_PRIVILEGED}
          resources: {limits: {cpu: 100m, memory: 64Mi}}
";

const POLICY: &str = "apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: NAMESPACE}
spec:
  podSelector: {}
  policyTypes: [Ingress]
";

#[test]
fn cold_and_warm_runs_of_the_corpus_are_byte_identical() {
    let cache = tempfile::tempdir().expect("tempdir");
    let corpus = common::corpus();
    let cold = scan(stiglint(cache.path(), &corpus).arg("."));
    let warm = scan(stiglint(cache.path(), &corpus).arg("."));
    assert_eq!(cold.1, warm.1);
    assert!(cold.0 == warm.0, "cold and warm JSON reports differ");
    let files = serde_json::from_str::<serde_json::Value>(&warm.0).expect("json")["files"]
        .as_array()
        .map_or(0, Vec::len);
    let from_cache = hits(cache.path(), &corpus, &["."]);
    assert!(
        from_cache * 2 > files,
        "a warm run reads most files from the cache: {from_cache} of {files}"
    );
}

#[test]
fn an_edited_file_and_a_changed_namespace_give_what_a_cold_run_gives() {
    let cache = tempfile::tempdir().expect("tempdir");
    let tree = tempfile::tempdir().expect("tempdir");
    let dir = tree.path();
    write(
        dir,
        "k8s/web.yaml",
        &DEPLOYMENT.replace("IMAGE_PRIVILEGED", "false"),
    );
    write(dir, "k8s/policy.yaml", &POLICY.replace("NAMESPACE", "shop"));
    let first = agree(cache.path(), dir, &["k8s"]);
    assert!(!has(&first, "KUBER-L2-000070"), "{first}");
    assert!(!has(&first, "KUBER-L2-000110"), "guarded: {first}");
    // One file edited: a new finding in it.
    write(
        dir,
        "k8s/web.yaml",
        &DEPLOYMENT.replace("IMAGE_PRIVILEGED", "true"),
    );
    let edited = agree(cache.path(), dir, &["k8s"]);
    assert!(has(&edited, "KUBER-L2-000070"), "{edited}");
    assert_eq!(hits(cache.path(), dir, &["k8s"]), 2);
    // Another document's namespace changes: the unchanged Deployment is no longer guarded.
    write(
        dir,
        "k8s/policy.yaml",
        &POLICY.replace("NAMESPACE", "other"),
    );
    let moved = agree(cache.path(), dir, &["k8s"]);
    assert!(has(&moved, "KUBER-L2-000110"), "{moved}");
}

#[test]
fn configuration_plugin_and_version_changes_are_not_hidden_by_the_cache() {
    let cache = tempfile::tempdir().expect("tempdir");
    let tree = tempfile::tempdir().expect("tempdir");
    let dir = tree.path();
    write(
        dir,
        "k8s/web.yaml",
        &DEPLOYMENT
            .replace("IMAGE_PRIVILEGED", "false")
            .replace("registry1.dso.mil/ironbank/", "docker.io/"),
    );
    write(
        dir,
        "k8s/psp.yaml",
        &std::fs::read_to_string(
            common::repo_root()
                .join("plugins/workload/fixtures/CNTR-K8-002010/disallowed/privileged.yaml"),
        )
        .expect("fixture"),
    );
    // Configuration: a control setting changes the verdict.
    let plain = agree(cache.path(), dir, &["k8s"]);
    assert!(has(&plain, "KUBER-L2-000010"), "{plain}");
    write(
        dir,
        "stiglint.toml",
        "[controls.\"KUBER-L2-000010\"]\nallowed-registries = [\"docker.io/\"]\n",
    );
    let configured = agree(cache.path(), dir, &["--config", "stiglint.toml", "k8s"]);
    assert!(!has(&configured, "KUBER-L2-000010"), "{configured}");
    std::fs::remove_file(dir.join("stiglint.toml")).expect("config gone");
    // Kubernetes version: PodSecurityPolicy rules do not apply from 1.25.
    let old = agree(cache.path(), dir, &["--k8s-version", "1.24", "k8s"]);
    let new = agree(cache.path(), dir, &["--k8s-version", "1.30", "k8s"]);
    assert!(has(&old, "CNTR-K8-002010"), "{old}");
    assert_ne!(old, new);
    // A plugin changes under the same path: its own verdicts, not the cached ones.
    let plugins = tempfile::tempdir().expect("tempdir");
    let plugin = plugins.path().join("org.wasm");
    let built = common::repo_root().join("target/wasm-plugins/wasm32-wasip2/release");
    std::fs::copy(built.join("stiglint_plugin_workload.wasm"), &plugin).expect("copy");
    let plugin_arg = plugin.display().to_string();
    let args = ["--no-builtin-plugins", "--plugin", &plugin_arg, "k8s"];
    let workload = agree(cache.path(), dir, &args);
    assert!(has(&workload, "KUBER-L2-000010"), "{workload}");
    std::fs::copy(built.join("stiglint_plugin_cluster.wasm"), &plugin).expect("copy");
    let cluster = agree(cache.path(), dir, &args);
    assert!(!has(&cluster, "KUBER-L2-000010"), "{cluster}");
}

#[test]
fn terraform_variables_and_todays_date_change_warm_results_as_cold_ones() {
    let cache = tempfile::tempdir().expect("tempdir");
    let tree = tempfile::tempdir().expect("tempdir");
    let dir = tree.path();
    write(
        dir,
        "infra/main.tf",
        r#"resource "aws_eks_cluster" "this" {
  name     = "prod"
  role_arn = "arn:aws:iam::123456789012:role/eks"
  version  = var.kubernetes_version
  vpc_config {
    subnet_ids              = ["subnet-1"]
    endpoint_public_access  = var.public
    endpoint_private_access = true
  }
}
"#,
    );
    let variables = |public: bool| {
        format!(
            "variable \"public\" {{\n  default = {public}\n}}\nvariable \"kubernetes_version\" {{\n  default = \"1.31\"\n}}\n"
        )
    };
    write(dir, "infra/variables.tf", &variables(false));
    let private = agree(cache.path(), dir, &["infra"]);
    assert!(!has(&private, "KUBER-L2-000120"), "{private}");
    write(dir, "infra/variables.tf", &variables(true));
    let public = agree(cache.path(), dir, &["infra"]);
    assert!(has(&public, "KUBER-L2-000120"), "{public}");
    // 1.31 leaves extended support on 2026-11-26.
    let before = agree(cache.path(), dir, &["--today", "2026-11-01", "infra"]);
    let after = agree(cache.path(), dir, &["--today", "2026-12-01", "infra"]);
    assert!(!has(&before, "CNTR-K8-002720"), "{before}");
    assert!(has(&after, "CNTR-K8-002720"), "{after}");
}

#[test]
fn a_terraform_module_edited_extended_or_given_tfvars_gives_what_a_cold_run_gives() {
    let cache = tempfile::tempdir().expect("tempdir");
    let tree = tempfile::tempdir().expect("tempdir");
    let dir = tree.path();
    write(
        dir,
        "infra/main.tf",
        "module \"cluster\" {\n  source = \"../modules/cluster\"\n  public = var.public\n}\n",
    );
    write(
        dir,
        "infra/variables.tf",
        "variable \"public\" {\n  default = false\n}\n",
    );
    let cluster = |name: &str, public: &str| {
        format!(
            r#"resource "aws_eks_cluster" "{name}" {{
  name     = "{name}"
  role_arn = "arn:aws:iam::123456789012:role/eks"
  version  = "1.33"
  vpc_config {{
    subnet_ids              = ["subnet-1"]
    endpoint_public_access  = {public}
    endpoint_private_access = true
  }}
}}
"#
        )
    };
    let module = format!(
        "variable \"public\" {{}}\n{}",
        cluster("prod", "var.public")
    );
    write(dir, "modules/cluster/main.tf", &module);
    let report = agree(cache.path(), dir, &["infra"]);
    assert!(!has(&report, "KUBER-L2-000120"), "{report}");
    // Nothing changed: both Terraform inputs come from the cache, with the module's verdicts.
    assert_eq!(hits(cache.path(), dir, &["infra"]), 2);

    // The called module (not an input of the scan) is edited.
    write(
        dir,
        "modules/cluster/main.tf",
        &format!("variable \"public\" {{}}\n{}", cluster("prod", "true")),
    );
    let report = agree(cache.path(), dir, &["infra"]);
    assert!(has(&report, "KUBER-L2-000120"), "{report}");

    // Back as it was, then a `terraform.tfvars` appears beside the root module.
    write(dir, "modules/cluster/main.tf", &module);
    assert!(!has(
        &agree(cache.path(), dir, &["infra"]),
        "KUBER-L2-000120"
    ));
    write(dir, "infra/terraform.tfvars", "public = true\n");
    let report = agree(cache.path(), dir, &["infra"]);
    assert!(has(&report, "KUBER-L2-000120"), "{report}");

    // A new file in the module's directory is read by the module too.
    std::fs::remove_file(dir.join("infra/terraform.tfvars")).expect("rm");
    assert!(!has(
        &agree(cache.path(), dir, &["infra"]),
        "KUBER-L2-000120"
    ));
    write(dir, "modules/cluster/extra.tf", &cluster("extra", "true"));
    let report = agree(cache.path(), dir, &["infra"]);
    assert!(has(&report, "KUBER-L2-000120"), "{report}");
}

#[test]
fn a_rebuilt_stiglint_does_not_take_its_predecessors_results() {
    let cache = tempfile::tempdir().expect("tempdir");
    let tree = tempfile::tempdir().expect("tempdir");
    let dir = tree.path();
    write(
        dir,
        "k8s/web.yaml",
        &DEPLOYMENT.replace("IMAGE_PRIVILEGED", "true"),
    );
    // A copy of stiglint stands for a build of the same version.
    let program = cache.path().join("bin/stiglint");
    std::fs::create_dir_all(program.parent().expect("parent")).expect("mkdir");
    std::fs::copy(env!("CARGO_BIN_EXE_stiglint"), &program).expect("copy");
    let hits = || {
        let mut cmd = Command::new(&program);
        cmd.current_dir(dir)
            .env("STIGLINT_CACHE_DIR", cache.path().join("cache"))
            .env("STIGLINT_KEY_FILE", cache.path().join("key/cache.key"))
            .env_remove("CI")
            .args(["check", "--format", "json", "--verbose", "k8s"]);
        let err = stderr(&run(&mut cmd));
        err.lines()
            .find_map(|l| l.strip_prefix("result cache: "))
            .and_then(|l| l.split(' ').next()?.parse::<usize>().ok())
            .unwrap_or_else(|| panic!("no cache line in: {err}"))
    };
    assert_eq!(hits(), 0, "a cold cache");
    assert_eq!(hits(), 1, "the same program takes its own result");
    // Rebuilt: another modification time (and here the same bytes).
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(3600);
    std::fs::File::options()
        .append(true)
        .open(&program)
        .expect("open")
        .set_modified(later)
        .expect("touch");
    assert_eq!(hits(), 0, "a rebuilt program computes afresh");
}

#[test]
fn tampered_foreign_and_truncated_entries_are_misses() {
    let cache = tempfile::tempdir().expect("tempdir");
    let tree = tempfile::tempdir().expect("tempdir");
    let dir = tree.path();
    write(
        dir,
        "k8s/bad.yaml",
        &DEPLOYMENT.replace("IMAGE_PRIVILEGED", "true"),
    );
    write(
        dir,
        "k8s/good.yaml",
        &DEPLOYMENT
            .replace("IMAGE_PRIVILEGED", "false")
            .replace("name: web", "name: api"),
    );
    let cold = scan(stiglint(cache.path(), dir).args(["--no-cache", "k8s"]));
    assert_eq!(cold.1, 1);
    assert!(scan(stiglint(cache.path(), dir).arg("k8s")) == cold);
    let results = cache.path().join("cache/results");
    let packs = walk(&results);
    // One pack for the run, holding one entry per file and one for the cross-document phase.
    assert_eq!(packs.len(), 1, "{packs:?}");
    let pack = &packs[0];
    let entries = read_pack(pack);
    assert_eq!(
        entries.len(),
        3,
        "{:?}",
        entries.iter().map(|e| &e.0).collect::<Vec<_>>()
    );
    // Each entry's bytes moved under the next entry's key (the clean file's under the bad
    // file's among them): a swapped entry must not hide the privileged container.
    let swapped: Vec<(String, Vec<u8>)> = (0..entries.len())
        .map(|i| {
            (
                entries[i].0.clone(),
                entries[(i + 1) % entries.len()].1.clone(),
            )
        })
        .collect();
    // Each case leaves the tampered pack as the only one (a run that misses writes a pack of
    // its own, which would otherwise answer the next case).
    let only = |bytes: &[u8]| {
        for other in walk(&results) {
            std::fs::remove_file(other).expect("remove");
        }
        std::fs::write(pack, bytes).expect("write");
    };
    let tampered = |name: &str, pack_entries: &[(String, Vec<u8>)]| {
        only(&pack_bytes(pack_entries));
        assert!(
            scan(stiglint(cache.path(), dir).arg("k8s")) == cold,
            "{name}"
        );
    };
    tampered("swapped entries", &swapped);
    // Flipped bits and truncated entries.
    let flipped: Vec<(String, Vec<u8>)> = entries
        .iter()
        .map(|(k, v)| {
            let mut v = v.clone();
            let last = v.len() - 1;
            v[last] ^= 0x55;
            (k.clone(), v)
        })
        .collect();
    tampered("flipped bits", &flipped);
    let halved: Vec<(String, Vec<u8>)> = entries
        .iter()
        .map(|(k, v)| (k.clone(), v[..v.len() / 2].to_vec()))
        .collect();
    tampered("truncated entries", &halved);
    // Whole packs: truncated, garbage, an index pointing past the end.
    let whole = pack_bytes(&entries);
    let mut past_the_end = whole.clone();
    let at = whole.len() - 20;
    past_the_end[at..at + 8].copy_from_slice(&u64::MAX.to_le_bytes());
    for (name, bytes) in [
        ("truncated pack", whole[..whole.len() / 2].to_vec()),
        ("garbage", b"not a cache entry".to_vec()),
        ("index past the end", past_the_end),
    ] {
        only(&bytes);
        assert!(
            scan(stiglint(cache.path(), dir).arg("k8s")) == cold,
            "{name}"
        );
    }
    // The untouched pack is read back whole: the cases above were misses, not a broken store.
    only(&whole);
    assert_eq!(hits(cache.path(), dir, &["k8s"]), 2, "the untouched pack");
    // Another key (another user's, or a restored CI cache) verifies nothing.
    scan(stiglint(cache.path(), dir).arg("k8s"));
    std::fs::remove_file(cache.path().join("key/cache.key")).expect("new key");
    assert!(
        scan(stiglint(cache.path(), dir).arg("k8s")) == cold,
        "foreign key"
    );
    assert_eq!(
        hits(cache.path(), dir, &["k8s"]),
        2,
        "rewritten under the new key"
    );
}

/// A pack's entries, read by its documented layout (host/src/scan/cache.rs, `Pack`).
fn read_pack(path: &Path) -> Vec<(String, Vec<u8>)> {
    let b = std::fs::read(path).expect("read pack");
    let n = b.len();
    assert_eq!(&b[n - 8..], b"stglpk01", "magic");
    let index_at = usize::try_from(u64::from_le_bytes(b[n - 20..n - 12].try_into().expect("8")))
        .expect("usize");
    let count = u32::from_le_bytes(b[n - 12..n - 8].try_into().expect("4"));
    let mut at = index_at;
    let mut take = |k: usize| {
        at += k;
        &b[at - k..at]
    };
    let mut out = Vec::new();
    for _ in 0..count {
        let key_len = usize::from(u16::from_le_bytes(take(2).try_into().expect("2")));
        let key = String::from_utf8(take(key_len).to_vec()).expect("key");
        let offset =
            usize::try_from(u64::from_le_bytes(take(8).try_into().expect("8"))).expect("usize");
        let len =
            usize::try_from(u64::from_le_bytes(take(8).try_into().expect("8"))).expect("usize");
        out.push((key, b[offset..offset + len].to_vec()));
    }
    out
}

/// The bytes of a pack of these entries, in the same layout.
fn pack_bytes(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut data = Vec::new();
    let mut index = Vec::new();
    for (key, bytes) in entries {
        index.extend_from_slice(&u16::try_from(key.len()).expect("u16").to_le_bytes());
        index.extend_from_slice(key.as_bytes());
        index.extend_from_slice(&(data.len() as u64).to_le_bytes());
        index.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        data.extend_from_slice(bytes);
    }
    let index_at = data.len() as u64;
    data.extend_from_slice(&index);
    data.extend_from_slice(&index_at.to_le_bytes());
    data.extend_from_slice(&u32::try_from(entries.len()).expect("u32").to_le_bytes());
    data.extend_from_slice(b"stglpk01");
    data
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
