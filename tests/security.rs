//! Issue 12's attacks on the plugin runtime, reproduced with real files: the precompiled
//! plugin cache as a trust boundary, plugins that try to grow the host's memory or keep state
//! between calls, and control IDs that clash with or imitate another plugin's.

mod common;

use std::path::{Path, PathBuf};

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

fn errors(report: &Value) -> Vec<&Value> {
    report["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .collect()
}

/// A private cache directory and key file (the key outside the cache directory).
struct Cache {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    key: PathBuf,
}

impl Cache {
    fn new() -> Self {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("cache");
        let key = tmp.path().join("config/cache.key");
        Self {
            _tmp: tmp,
            dir,
            key,
        }
    }

    /// `stiglint check --format json --verbose` of the privileged Deployment (one CAT I
    /// finding of the built-in `workload` plugin) with this cache.
    fn scan(&self) -> (Value, String, Option<i32>) {
        let out = run(stiglint()
            .env("STIGLINT_CACHE_DIR", &self.dir)
            .env("STIGLINT_KEY_FILE", &self.key)
            .args(["check", "--format", "json", "--verbose"])
            .arg("tests/data/privileged.yaml"));
        (json(&out), stderr(&out), out.status.code())
    }

    /// The cache entry of a plugin (by name in the report).
    fn entry(&self, report: &Value, plugin: &str) -> PathBuf {
        let sha = report["plugins"]
            .as_array()
            .expect("plugins")
            .iter()
            .find(|p| p["name"] == plugin)
            .and_then(|p| p["sha256"].as_str())
            .unwrap_or_else(|| panic!("no plugin {plugin}: {report:#}"))
            .to_owned();
        let entries: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .expect("cache dir")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(&sha) && n.ends_with(".cwasm"))
            })
            .collect();
        assert_eq!(entries.len(), 1, "{entries:?}");
        entries[0].clone()
    }
}

fn provenance<'a>(report: &'a Value, plugin: &str) -> &'a Value {
    &report["plugins"]
        .as_array()
        .expect("plugins")
        .iter()
        .find(|p| p["name"] == plugin)
        .unwrap_or_else(|| panic!("no plugin {plugin}"))["cache"]
}

/// The privileged container is found (the built-in control did not vanish), and nothing failed.
fn assert_judged(report: &Value, code: Option<i32>, err: &str) {
    assert_eq!(findings(report, "KUBER-L2-000070").len(), 1, "{report:#}");
    assert!(errors(report).is_empty(), "{report:#}");
    assert_eq!(code, Some(1), "{err}");
}

/// Warm the cache, damage the `workload` entry with `attack`, scan again: the entry must be a
/// miss (recompiled, the finding still there) and be rewritten so the next run hits again.
fn attack_entry(attack: impl FnOnce(&Cache, &Path, &Value)) {
    let cache = Cache::new();
    let (first, err, code) = cache.scan();
    assert_judged(&first, code, &err);
    assert_eq!(provenance(&first, "workload"), "miss");
    let (warm, _, _) = cache.scan();
    assert_eq!(provenance(&warm, "workload"), "hit");
    let entry = cache.entry(&first, "workload");
    attack(&cache, &entry, &first);

    let (report, err, code) = cache.scan();
    assert_judged(&report, code, &err);
    assert_eq!(provenance(&report, "workload"), "miss", "{report:#}");
    let meta = std::fs::symlink_metadata(&entry).expect("entry");
    assert!(meta.file_type().is_file(), "rewritten as a regular file");
    let (again, _, _) = cache.scan();
    assert_eq!(
        provenance(&again, "workload"),
        "hit",
        "overwritten with a good entry"
    );
}

#[test]
fn cache_entry_swapped_with_another_plugins_artifact_is_a_miss() {
    attack_entry(|cache, entry, report| {
        let other = cache.entry(report, "cluster");
        std::fs::copy(&other, entry).expect("swap");
    });
}

#[test]
fn cache_entry_with_flipped_bytes_is_a_miss() {
    attack_entry(|_, entry, _| {
        let mut bytes = std::fs::read(entry).expect("read");
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x5a;
        std::fs::write(entry, bytes).expect("write");
    });
}

#[test]
fn cache_entry_truncated_or_unsealed_is_a_miss() {
    // An attacker without the key can only plant a raw precompiled artifact (what
    // `wasmtime compile` writes): the entry without its MAC.
    attack_entry(|_, entry, _| {
        let bytes = std::fs::read(entry).expect("read");
        std::fs::write(entry, &bytes[32..]).expect("write");
    });
    attack_entry(|_, entry, _| {
        let bytes = std::fs::read(entry).expect("read");
        std::fs::write(entry, &bytes[..bytes.len() / 3]).expect("write");
    });
}

#[cfg(unix)]
#[test]
fn symlinked_cache_entry_is_a_miss() {
    attack_entry(|cache, entry, _| {
        // Even a link to the entry's own (valid) content is not followed.
        let moved = cache.dir.join("elsewhere");
        std::fs::rename(entry, &moved).expect("move");
        std::os::unix::fs::symlink(&moved, entry).expect("symlink");
    });
}

#[cfg(unix)]
#[test]
fn world_writable_or_symlinked_cache_directory_is_refused_with_a_warning() {
    use std::os::unix::fs::PermissionsExt as _;
    let cache = Cache::new();
    let (first, err, code) = cache.scan();
    assert_judged(&first, code, &err);
    std::fs::set_permissions(&cache.dir, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let before = std::fs::read_dir(&cache.dir).expect("dir").count();

    let (report, err, code) = cache.scan();
    assert_judged(&report, code, &err);
    assert!(
        err.contains("warning: precompiled plugin cache not used")
            && err.contains("writable by others"),
        "{err}"
    );
    assert_eq!(provenance(&report, "workload"), "refused");
    assert_eq!(
        std::fs::read_dir(&cache.dir).expect("dir").count(),
        before,
        "nothing read from or written to a refused cache"
    );

    // Without --verbose, the refusal still shows in the report's plugin provenance.
    let out = run(stiglint()
        .env("STIGLINT_CACHE_DIR", &cache.dir)
        .env("STIGLINT_KEY_FILE", &cache.key)
        .args(["check", "--format", "json"])
        .arg("tests/data/privileged.yaml"));
    assert_eq!(provenance(&json(&out), "workload"), "refused");

    // A cache directory that is a symlink (to a directory of the user's own) is refused too.
    std::fs::set_permissions(&cache.dir, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    let link = Cache {
        dir: cache.dir.with_file_name("link"),
        key: cache.key.clone(),
        _tmp: tempfile::tempdir().expect("tempdir"),
    };
    std::os::unix::fs::symlink(&cache.dir, &link.dir).expect("symlink");
    let (report, err, code) = link.scan();
    assert_judged(&report, code, &err);
    assert!(err.contains("the cache directory is a symlink"), "{err}");
    assert_eq!(provenance(&report, "workload"), "refused");
}

#[cfg(unix)]
#[test]
fn cache_key_readable_by_others_is_refused() {
    use std::os::unix::fs::PermissionsExt as _;
    let cache = Cache::new();
    let (_, _, _) = cache.scan();
    std::fs::set_permissions(&cache.key, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let (report, err, code) = cache.scan();
    assert_judged(&report, code, &err);
    assert!(err.contains("cache key"), "{err}");
    assert_eq!(provenance(&report, "workload"), "refused");
}

#[test]
fn built_in_plugin_bytes_are_checked_against_the_hash_compiled_in() {
    use stiglint::runtime::{Limits, PluginSource, Runtime, RuntimeError};
    let runtime = Runtime::new(Limits::default(), None).expect("runtime");
    let context = stiglint::runtime::bindings::wit::ScanContext {
        k8s_version: None,
        today: common::TODAY.to_owned(),
        default_namespace: None,
    };
    let settings = |_: &str| r#"{"controls":{},"plugin":{}}"#.to_owned();
    let (_, good) = stiglint::builtin::BUILTIN_PLUGINS[0];
    assert!(
        runtime
            .load(good, PluginSource::Builtin, &settings, &context)
            .is_ok()
    );
    // A corrupted binary section: one byte of a custom section flipped (still a valid
    // component, so only the hash can tell).
    let mut corrupt = good.to_vec();
    let last = corrupt.len() - 1;
    corrupt[last] ^= 1;
    let e = runtime
        .load(&corrupt, PluginSource::Builtin, &settings, &context)
        .err()
        .expect("refused");
    assert!(matches!(e, RuntimeError::CorruptBuiltin(_)), "{e}");
    // Another plugin's bytes passed off as a built-in.
    let other = std::fs::read(test_plugin("dup-id")).expect("plugin");
    let e = runtime
        .load(&other, PluginSource::Builtin, &settings, &context)
        .err()
        .expect("refused");
    assert!(e.to_string().contains("built-in plugin is corrupt"), "{e}");
}

fn check(args: &[&str]) -> std::process::Output {
    run(stiglint()
        .args(["check", "--format", "json", "--verbose"])
        .args(args))
}

#[test]
fn plugin_log_lines_and_volume_are_capped() {
    // Judged afresh: a file's result read from the result cache repeats no log line.
    let out = check(&[
        "--no-result-cache",
        "--select",
        "KUBER-L2-000070,TEST",
        "--plugin",
        test_plugin("flood").to_str().expect("utf-8"),
        "tests/data/privileged.yaml",
    ]);
    let report = json(&out);
    let logs: Vec<&str> = report["logs"]
        .as_array()
        .expect("logs")
        .iter()
        .filter(|l| l["plugin"] == "test-flood")
        .filter_map(|l| l["message"].as_str())
        .collect();
    assert!(!logs.is_empty(), "{report:#}");
    // 16 lines of 1 MiB: each cut to 4 KiB with a marker, and the log bounded in all.
    assert!(
        logs.iter().all(|l| l.len() <= 4096 + 64),
        "{:?}",
        logs[0].len()
    );
    assert!(
        logs[0].ends_with(&format!("[... {} more bytes cut]", (1 << 20) - 4096)),
        "{}",
        &logs[0][4000..]
    );
    let total: usize = logs.iter().map(|l| l.len()).sum();
    assert!(total <= 300 << 10, "{total}");
    assert_eq!(findings(&report, "KUBER-L2-000070").len(), 1);
}

#[test]
fn plugin_facts_over_the_budget_fail_the_run_naming_the_plugin() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("stiglint.toml");
    std::fs::write(&config, "[limits]\nfacts-mb = 5\n").expect("config");
    // Four documents in four files, a 2 MiB fact each: over 5 MiB at the third.
    let mut args: Vec<String> = vec![
        "--config".into(),
        config.display().to_string(),
        "--select".into(),
        "KUBER-L2-000070,TEST".into(),
        "--plugin".into(),
        test_plugin("flood").display().to_string(),
    ];
    for i in 0..4 {
        let path = dir.path().join(format!("d{i}.yaml"));
        std::fs::copy(
            common::repo_root().join("tests/data/privileged.yaml"),
            &path,
        )
        .expect("copy");
        args.push(path.display().to_string());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = check(&args);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let report = json(&out);
    let errs: Vec<&Value> = errors(&report)
        .into_iter()
        .filter(|e| e["plugin"] == "test-flood")
        .collect();
    assert_eq!(errs.len(), 1, "{report:#}");
    let msg = errs[0]["message"].as_str().expect("message");
    assert!(msg.contains("more than 5 MiB of facts"), "{msg}");
    assert!(msg.contains("facts-mb"), "{msg}");
    assert!(msg.contains("TEST-FLOOD-000001"), "{msg}");
    // About the plugin and the whole scan (which file crosses the budget first depends on
    // scheduling; the report must not).
    assert!(errs[0].get("file").is_none(), "{report:#}");
    // The other plugins' findings stand; `finish` of the flooding plugin never ran.
    assert_eq!(findings(&report, "KUBER-L2-000070").len(), 4);
    assert!(
        !stdout(&out).contains("finish saw"),
        "finish must not run past the budget"
    );
}

/// `n` one-document files and a configuration for the hoarding plugin.
fn hoard_scan(settings: &str, memory_mb: &str, n: usize) -> (Value, std::process::Output) {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("stiglint.toml");
    std::fs::write(
        &config,
        format!("[controls.\"TEST-HOARD-000001\"]\n{settings}\n"),
    )
    .expect("config");
    let mut args: Vec<String> = vec![
        "--config".into(),
        config.display().to_string(),
        "--select".into(),
        "TEST".into(),
        "--plugin-memory-mb".into(),
        memory_mb.into(),
        "--plugin".into(),
        test_plugin("hoard").display().to_string(),
    ];
    for i in 0..n {
        let path = dir.path().join(format!("d{i}.yaml"));
        std::fs::write(
            &path,
            format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: doc{i}\n"),
        )
        .expect("write");
        args.push(path.display().to_string());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = check(&args);
    (json(&out), out)
}

#[test]
fn pooled_instance_hoarding_memory_is_recycled_before_it_fails_an_innocent_document() {
    // 24 MiB kept per call under a 64 MiB cap: a reused instance runs out of memory at its
    // third call, on a document that needs next to nothing.
    let (report, out) = hoard_scan("grow-mb = 24", "64", 8);
    assert!(errors(&report).is_empty(), "{report:#}");
    assert_eq!(
        findings(&report, "TEST-HOARD-000001").len(),
        8,
        "{report:#}"
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn failure_on_a_reused_instance_is_retried_on_a_fresh_one() {
    // An instance traps once it has served two calls (state left by earlier calls): the
    // third document is innocent and must be judged on a fresh instance.
    let (report, out) = hoard_scan("trap-after = 2", "64", 8);
    assert!(errors(&report).is_empty(), "{report:#}");
    assert_eq!(
        findings(&report, "TEST-HOARD-000001").len(),
        8,
        "{report:#}"
    );
    assert_eq!(out.status.code(), Some(1));
    // A document that fails on a fresh instance is still blamed: trap at the first call.
    let (report, out) = hoard_scan("trap-after = 0\ngrow-mb = 100", "64", 1);
    assert_eq!(out.status.code(), Some(2));
    let e = errors(&report);
    assert_eq!(e.len(), 1, "{report:#}");
    assert!(
        e[0]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("exceeded its memory limit of 64 MiB on ConfigMap")),
        "{report:#}"
    );
}

#[test]
fn control_id_collision_refuses_only_the_later_plugin() {
    let out = check(&[
        "--plugin",
        test_plugin("dup-id").to_str().expect("utf-8"),
        "tests/data/privileged.yaml",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let report = json(&out);
    let e = errors(&report);
    assert_eq!(e.len(), 1, "{report:#}");
    assert_eq!(e[0]["plugin"], "test-dup-id");
    assert_eq!(
        e[0]["message"],
        "refused: control KUBER-L2-000070 is already provided by plugin 'workload'; this plugin's controls do not run"
    );
    // The built-ins' findings stand; the refused plugin's do not.
    assert_eq!(findings(&report, "KUBER-L2-000070").len(), 1);
    assert!(findings(&report, "TEST-DUP-000001").is_empty());
    assert!(!report["findings"].as_array().expect("findings").is_empty());
}

#[test]
fn look_alike_control_id_is_refused() {
    let out = check(&[
        "--plugin",
        test_plugin("bad-id").to_str().expect("utf-8"),
        "tests/data/privileged.yaml",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let report = json(&out);
    let e = errors(&report);
    assert_eq!(e.len(), 1, "{report:#}");
    let msg = e[0]["message"].as_str().expect("message");
    assert!(msg.contains("KUBER-L2-000070\\u{200b}"), "{msg}");
    assert!(msg.contains("U+200B"), "{msg}");
    assert_eq!(findings(&report, "KUBER-L2-000070").len(), 1);
    assert!(
        !report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|f| f["message"]
                .as_str()
                .is_some_and(|m| m.contains("look-alike"))),
        "{report:#}"
    );
}

#[test]
fn trap_message_is_one_line_and_the_backtrace_only_verbose() {
    let plain = run(stiglint()
        .args(["check", "--format", "json", "--select", "TEST", "--plugin"])
        .arg(test_plugin("fs-access"))
        .arg("tests/data/privileged.yaml"));
    let report = json(&plain);
    let msg = errors(&report)[0]["message"].as_str().expect("message");
    assert!(msg.starts_with("trapped:"), "{msg}");
    assert!(!msg.contains('\n'), "{msg}");
    assert!(!stderr(&plain).contains("backtrace"), "{}", stderr(&plain));
    let text = run(stiglint()
        .args(["check", "--select", "TEST", "--plugin"])
        .arg(test_plugin("fs-access"))
        .arg("tests/data/privileged.yaml"));
    assert!(!stdout(&text).contains("backtrace"), "{}", stdout(&text));

    let verbose = run(stiglint()
        .args(["check", "--verbose", "--select", "TEST", "--plugin"])
        .arg(test_plugin("fs-access"))
        .arg("tests/data/privileged.yaml"));
    let text = stdout(&verbose);
    assert!(text.contains("backtrace"), "{text}");
}
