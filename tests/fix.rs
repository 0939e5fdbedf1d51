//! `--fix` on real files through the real binary: a fixed file keeps its mode, owner and group,
//! line ends and comments; a file it cannot keep that way (hard links, no owner write bit, an
//! owner or group it cannot give back) is not fixed and its findings stay open; a symlink is
//! fixed through; YAML is never edited through an alias; a temporary file a killed run left
//! behind is removed by the next one.

mod common;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use common::{run, stderr, stiglint};
use serde_json::Value;

/// A Deployment with a privileged container (KUBER-L2-000070, fixed by `privileged: false`).
const PRIVILEGED: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: registry1.dso.mil/ironbank/opensource/nginx:1.25\n          securityContext:\n            privileged: true\n";

/// `stiglint check --fix --format json` on these files, with only KUBER-L2-000070 (and
/// KUBER-L2-000020, which inserts a key) selected: exit code, the report after the fix, stderr.
fn fix(paths: &[&Path]) -> (Option<i32>, Value, String) {
    fix_as(paths, stiglint())
}

fn fix_as(paths: &[&Path], mut cmd: std::process::Command) -> (Option<i32>, Value, String) {
    cmd.args([
        "check",
        "--no-config",
        "--select",
        "KUBER-L2-000070,KUBER-L2-000020",
        "--fix",
        "--format",
        "json",
    ])
    .args(paths);
    let out = run(&mut cmd);
    let report =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    (out.status.code(), report, stderr(&out))
}

/// The open findings of a control in a report.
fn open(report: &Value, control: &str) -> usize {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["control"] == control && f["status"] == "open")
        .count()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).expect("stat").mode() & 0o7777
}

fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

#[test]
fn a_fixed_file_keeps_its_mode_owner_and_group() {
    let dir = tempfile::tempdir().expect("tempdir");
    let private = dir.path().join("private.yaml");
    std::fs::write(&private, PRIVILEGED).expect("write");
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let shared = dir.path().join("shared.yaml");
    std::fs::write(&shared, PRIVILEGED).expect("write");
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    // As root, a file of another owner and group keeps them.
    if is_root() {
        std::os::unix::fs::chown(&shared, Some(1234), Some(5678)).expect("chown");
    }
    let owner = |p: &Path| {
        let m = std::fs::metadata(p).expect("stat");
        (m.uid(), m.gid())
    };
    let before = owner(&shared);
    let (code, report, err) = fix(&[&private, &shared]);
    assert_eq!(code, Some(0), "{err}\n{report:#}");
    assert_eq!(open(&report, "KUBER-L2-000070"), 0, "{report:#}");
    for p in [&private, &shared] {
        let text = std::fs::read_to_string(p).expect("read");
        assert!(text.contains("privileged: false"), "{text}");
    }
    assert_eq!(mode(&private), 0o600);
    assert_eq!(mode(&shared), 0o640);
    assert_eq!(owner(&shared), before);
    // No temporary file is left.
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .expect("ls")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("stiglint-tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// A file without its owner's write bit is not rewritten, even by root (who could); a file
/// with a second hard link is not replaced (the other name would keep the old text).
#[test]
fn read_only_and_hard_linked_files_are_not_fixed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let read_only = dir.path().join("ro.yaml");
    std::fs::write(&read_only, PRIVILEGED).expect("write");
    std::fs::set_permissions(&read_only, std::fs::Permissions::from_mode(0o444)).expect("chmod");
    let linked = dir.path().join("linked.yaml");
    std::fs::write(&linked, PRIVILEGED).expect("write");
    std::fs::hard_link(&linked, dir.path().join("other-name.txt")).expect("link");
    let (code, report, err) = fix(&[&read_only, &linked]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains(
            "ro.yaml: not fixed: the file is read-only (mode 0444 has no owner write bit)"
        ),
        "{err}"
    );
    assert!(
        err.contains("linked.yaml: not fixed: the file has 2 hard links"),
        "{err}"
    );
    assert_eq!(open(&report, "KUBER-L2-000070"), 2, "{report:#}");
    assert_eq!(
        std::fs::read_to_string(&read_only).expect("read"),
        PRIVILEGED
    );
    assert_eq!(std::fs::read_to_string(&linked).expect("read"), PRIVILEGED);
    assert_eq!(mode(&read_only), 0o444);
    assert_eq!(std::fs::metadata(&linked).expect("stat").nlink(), 2);
}

/// Run as an unprivileged user, stiglint may write a world-writable file of another owner but
/// cannot give the new file that owner: it is not fixed. (Needs root to set the scene.)
#[test]
fn a_file_whose_owner_cannot_be_kept_is_not_fixed() {
    let setpriv = Path::new("/usr/bin/setpriv");
    if !is_root() {
        // Not a missing tool: only root can hand a file to another owner to set the scene.
        eprintln!("skipped: needs root to run stiglint as another user");
        return;
    }
    assert!(
        setpriv.exists(),
        "/usr/bin/setpriv (Debian package util-linux) is needed to run stiglint as another user"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let file = dir.path().join("theirs.yaml");
    std::fs::write(&file, PRIVILEGED).expect("write");
    std::os::unix::fs::chown(&file, Some(1234), Some(5678)).expect("chown");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).expect("chmod");
    let cache = dir.path().join("cache");
    std::fs::create_dir(&cache).expect("mkdir");
    std::os::unix::fs::chown(&cache, Some(65534), Some(65534)).expect("chown");
    let mut cmd = std::process::Command::new(setpriv);
    cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(env!("CARGO_BIN_EXE_stiglint"))
        .current_dir(dir.path())
        .env("STIGLINT_CACHE_DIR", &cache);
    let (code, report, err) = fix_as(&[&file], cmd);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("theirs.yaml: not fixed: cannot keep its owner and group 1234:5678"),
        "{err}"
    );
    assert_eq!(open(&report, "KUBER-L2-000070"), 1, "{report:#}");
    assert_eq!(std::fs::read_to_string(&file).expect("read"), PRIVILEGED);
    let m = std::fs::metadata(&file).expect("stat");
    assert_eq!((m.uid(), m.gid(), m.mode() & 0o7777), (1234, 5678, 0o666));
}

/// A symlinked manifest is fixed through: its target gets the fix, the link stays a link.
#[test]
fn a_symlink_is_fixed_through() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("real")).expect("mkdir");
    let target = dir.path().join("real/web.yaml");
    std::fs::write(&target, PRIVILEGED).expect("write");
    let link = dir.path().join("web.yaml");
    std::os::unix::fs::symlink("real/web.yaml", &link).expect("symlink");
    let (code, report, err) = fix(&[&link]);
    assert_eq!(code, Some(0), "{err}\n{report:#}");
    assert!(
        std::fs::symlink_metadata(&link)
            .expect("lstat")
            .file_type()
            .is_symlink(),
        "the link stays"
    );
    assert_eq!(
        std::fs::read_link(&link).expect("readlink"),
        Path::new("real/web.yaml")
    );
    let text = std::fs::read_to_string(&target).expect("read");
    assert!(text.contains("privileged: false"), "{text}");
    // The link and its target both named: the file is fixed once, not refused as changed.
    std::fs::write(&target, PRIVILEGED).expect("write");
    let (code, report, err) = fix(&[&link, &target]);
    assert_eq!(code, Some(0), "{err}\n{report:#}");
    assert!(!err.contains("not fixed"), "{err}");
    assert!(err.contains("fixed as"), "{err}");
    let text = std::fs::read_to_string(&target).expect("read");
    assert!(text.contains("privileged: false"), "{text}");
}

/// CRLF stays CRLF (also on the lines a fix inserts); a comment after a tab stays.
#[test]
fn line_ends_and_tab_separated_comments_are_kept() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("crlf.yaml");
    let text = PRIVILEGED
        .replace("privileged: true", "privileged: true\t# vendor agent")
        .replace("image: registry1", "image: \"registry1")
        .replace("nginx:1.25", "nginx:1.25\" # pinned")
        .replace('\n', "\r\n");
    std::fs::write(&file, &text).expect("write");
    let (code, report, err) = fix(&[&file]);
    assert_eq!(code, Some(0), "{err}\n{report:#}");
    let after = std::fs::read_to_string(&file).expect("read");
    assert!(
        after.contains("            runAsNonRoot: true\r\n"),
        "{after:?}"
    );
    assert!(
        after.contains("            privileged: false\t# vendor agent\r\n"),
        "{after:?}"
    );
    assert!(after.contains("nginx:1.25\" # pinned\r\n"), "{after:?}");
    assert_eq!(
        after.matches('\n').count(),
        after.matches("\r\n").count(),
        "every line ends in CRLF: {after:?}"
    );
}

/// A value reached through an alias (or a merge key), or inside an anchored node an alias
/// shares, is never edited: "not fixed: value shared through an alias", the findings stay open
/// and the file still parses as it did.
#[test]
fn yaml_is_never_edited_through_an_alias() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("alias.yaml");
    let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: registry1.dso.mil/ironbank/opensource/nginx:1.25\n          securityContext: &sc\n            privileged: true\n        - name: sidecar\n          image: registry1.dso.mil/ironbank/opensource/nginx:1.25\n          securityContext: *sc\n        - name: merged\n          image: registry1.dso.mil/ironbank/opensource/nginx:1.25\n          securityContext:\n            <<: *sc\n            readOnlyRootFilesystem: true\n";
    std::fs::write(&file, text).expect("write");
    let (code, report, err) = fix(&[&file]);
    assert_eq!(code, Some(1), "{err}");
    // Refused: both findings of the anchored and of the aliased container, and the merged
    // value (`privileged` comes from `<<: *sc`).
    assert_eq!(
        err.matches("not fixed: value shared through an alias")
            .count(),
        5,
        "{err}"
    );
    assert_eq!(open(&report, "KUBER-L2-000070"), 3, "{report:#}");
    // The merging container's own mapping is its own: a key is added to it, nothing else
    // changes.
    assert_eq!(open(&report, "KUBER-L2-000020"), 2, "{report:#}");
    assert_eq!(
        std::fs::read_to_string(&file).expect("read"),
        text.replace(
            "          securityContext:\n            <<: *sc",
            "          securityContext:\n            runAsNonRoot: true\n            <<: *sc"
        )
    );
    assert_eq!(report["summary"]["files_failed"], 0, "{report:#}");
}

/// A temporary file left next to a manifest by a run that was killed before its rename is
/// removed by the next `--fix`, which then fixes the file.
#[test]
fn a_stale_temporary_file_is_removed_by_the_next_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("web.yaml");
    std::fs::write(&file, PRIVILEGED).expect("write");
    let stale = dir.path().join(".web.yaml.stiglint-tmp");
    std::fs::write(&stale, "half a fix").expect("write");
    let clean = dir.path().join("clean.yaml");
    std::fs::write(&clean, PRIVILEGED.replace("true", "false")).expect("write");
    let stale_clean = dir.path().join(".clean.yaml.stiglint-tmp");
    std::fs::write(&stale_clean, "half a fix").expect("write");
    let (code, report, err) = fix(&[&file, &clean]);
    assert_eq!(code, Some(0), "{err}\n{report:#}");
    assert!(!stale.exists(), "{err}");
    assert!(!stale_clean.exists(), "{err}");
    assert!(err.contains(".web.yaml.stiglint-tmp"), "{err}");
    let text = std::fs::read_to_string(&file).expect("read");
    assert!(text.contains("privileged: false"), "{text}");
}

/// Every fixed text is read back: a key missing from a list item whose first key is not its
/// `name` lands among the item's keys (it used to go under `name:`, breaking the file); a fix
/// that would break the file or change more than it says (YAML written into a JSON manifest, a
/// key into a flow mapping) is not applied and the file is left as it was; an empty flow
/// mapping (Helm's `{}`) is replaced by the block.
#[test]
fn every_fix_reads_back_as_the_fix() {
    let dir = tempfile::tempdir().expect("tempdir");
    let item = dir.path().join("item.yaml");
    let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: shop\nspec:\n  containers:\n  - image: registry1.dso.mil/ironbank/opensource/nginx:1.25\n    name: app\n    ports:\n    - containerPort: 80\n";
    std::fs::write(&item, text).expect("write");
    let json = dir.path().join("pod.json");
    let json_text = r#"{
  "apiVersion": "v1",
  "kind": "Pod",
  "metadata": {"name": "j", "namespace": "shop"},
  "spec": {
    "containers": [
      {
        "image": "registry1.dso.mil/ironbank/opensource/nginx:1.25",
        "name": "app"
      }
    ]
  }
}
"#;
    std::fs::write(&json, json_text).expect("write");
    let flow = dir.path().join("flow.yaml");
    let flow_text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: f\n  namespace: shop\nspec:\n  containers:\n    - name: app\n      image: registry1.dso.mil/ironbank/opensource/nginx:1.25\n      securityContext: {allowPrivilegeEscalation: false}\n";
    std::fs::write(&flow, flow_text).expect("write");
    let (code, report, err) = fix(&[&item, &json, &flow]);
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(report["summary"]["files_failed"], 0, "{report:#}");
    let after = std::fs::read_to_string(&item).expect("read");
    assert!(
        after.contains(
            "    name: app\n    securityContext:\n      runAsNonRoot: true\n    ports:\n"
        ),
        "{after}"
    );
    assert_eq!(std::fs::read_to_string(&json).expect("read"), json_text);
    assert_eq!(std::fs::read_to_string(&flow).expect("read"), flow_text);
    // An empty flow mapping (as Helm renders `{}`) becomes the block.
    let helm = dir.path().join("helm.yaml");
    let helm_text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: h\n  namespace: shop\nspec:\n  securityContext: {} # pod\n  containers:\n    - name: app\n      image: registry1.dso.mil/ironbank/opensource/nginx:1.25\n      securityContext:\n        {}\n      resources:\n        limits: {cpu: 100m, memory: 64Mi}\n";
    std::fs::write(&helm, helm_text).expect("write");
    let (helm_code, helm_report, helm_err) = fix(&[&helm]);
    assert_eq!(helm_code, Some(0), "{helm_err}\n{helm_report:#}");
    assert_eq!(
        std::fs::read_to_string(&helm).expect("read"),
        helm_text.replace(
            "      securityContext:\n        {}\n",
            "      securityContext:\n        runAsNonRoot: true\n"
        )
    );
    assert!(
        err.contains(
            "pod.json:9: KUBER-L2-000020: not fixed: the edited text would not read back as the fix"
        ),
        "{err}"
    );
    assert!(
        err.contains("flow.yaml:8: KUBER-L2-000020: not fixed:"),
        "{err}"
    );
    assert_eq!(open(&report, "KUBER-L2-000020"), 2, "{report:#}");
}
