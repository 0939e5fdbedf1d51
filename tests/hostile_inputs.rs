//! Hostile inputs (issue 12 items 2, 8, 10, 11): symlinks out of the repository, FIFOs and
//! devices, oversized files and standard input, YAML bombs and huge plans. Every case runs
//! the real binary on real files under a hang watchdog (never a timing assertion): it must end
//! with the file skipped with its reason or an error naming it, and the other files judged.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{stderr, stdout, stiglint};
use serde_json::Value;

/// Generous: a hang, not a slow machine, is what this catches.
const WATCHDOG: Duration = Duration::from_secs(300);

/// Run with a watchdog: a run that does not end within [`WATCHDOG`] is killed and fails the
/// test (the bug being a hang).
fn run_guarded(cmd: &mut Command, input: Option<Vec<u8>>) -> Output {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd.stdin(if input.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    let mut child = cmd.spawn().expect("spawn stiglint");
    let writer = input.map(|bytes| {
        let mut stdin = child.stdin.take().expect("stdin");
        std::thread::spawn(move || {
            use std::io::Write;
            // The reader may stop early (a size cap): a broken pipe is expected then.
            let _ = stdin.write_all(&bytes);
        })
    });
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let out = child.wait_with_output().expect("wait");
        let _ = tx.send(());
        out
    });
    let started = Instant::now();
    if rx.recv_timeout(WATCHDOG).is_err() {
        let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
        panic!(
            "stiglint hung (killed after {:?})",
            started.elapsed().as_secs()
        );
    }
    if let Some(w) = writer {
        let _ = w.join();
    }
    waiter.join().expect("waiter")
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", stdout(out), stderr(out)))
}

fn file<'a>(report: &'a Value, suffix: &str) -> &'a Value {
    report["files"]
        .as_array()
        .expect("files")
        .iter()
        .find(|f| f["name"].as_str().is_some_and(|n| n.ends_with(suffix)))
        .unwrap_or_else(|| panic!("no file {suffix} in {:#}", report["files"]))
}

fn errors_about<'a>(report: &'a Value, suffix: &str) -> Vec<&'a Value> {
    report["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter(|e| e["file"].as_str().is_some_and(|n| n.ends_with(suffix)))
        .collect()
}

fn finding_files(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["file"].as_str().unwrap_or_default().to_owned())
        .collect()
}

const PRIVILEGED: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: app\n      image: nginx:1.27\n      securityContext:\n        privileged: true\n";

fn check(dir: &Path, extra: &[&str]) -> Command {
    let mut cmd = stiglint();
    cmd.args([
        "check",
        "--no-config",
        "--select",
        "KUBER-L2-000070",
        "--format",
        "json",
    ])
    .args(extra)
    .arg(dir);
    cmd
}

#[cfg(unix)]
fn symlink(target: impl AsRef<Path>, link: impl AsRef<Path>) {
    std::os::unix::fs::symlink(target, link).expect("symlink");
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo")
        .success();
    assert!(ok, "mkfifo {}", path.display());
}

/// A link inside the repository is followed (file and directory, a loop once); a link out of
/// it, or to `/proc`, is listed as skipped with its reason and its target is never read or
/// printed; `--strict` and `--fail-on-skip` fail on it.
#[cfg(unix)]
#[test]
fn symlinks_follow_the_repository_policy() {
    let outside = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        outside.path().join("secret.yaml"),
        PRIVILEGED.replace("name: p\n", "name: TOPSECRET-OUTSIDE\n"),
    )
    .expect("write");
    let repo = tempfile::tempdir().expect("tempdir");
    let r = repo.path();
    std::fs::create_dir(r.join(".git")).expect("git");
    std::fs::create_dir_all(r.join("base")).expect("dir");
    std::fs::create_dir_all(r.join("k8s")).expect("dir");
    std::fs::write(r.join("base/shared.yaml"), PRIVILEGED).expect("write");
    symlink("../base/shared.yaml", r.join("k8s/linked.yaml"));
    symlink("../base", r.join("k8s/basedir"));
    symlink("..", r.join("k8s/loop"));
    symlink(outside.path().join("secret.yaml"), r.join("k8s/out.yaml"));
    symlink(outside.path(), r.join("k8s/outdir"));
    symlink("/proc/self/environ", r.join("k8s/environ.yaml"));
    symlink("/proc/self/environ", r.join("k8s/main.tf"));
    symlink("/proc/self/environ", r.join("k8s/x.auto.tfvars"));
    symlink("/dev/zero", r.join("k8s/zero.yaml"));
    std::fs::write(r.join("k8s/real.tf"), "locals {\n  a = 1\n}\n").expect("write");

    let out = run_guarded(
        check(&r.join("k8s"), &[]).env("STIGLINT_TEST_SECRET", "TOPSECRET-ENV"),
        None,
    );
    let all = format!("{}{}", stdout(&out), stderr(&out));
    assert!(!all.contains("TOPSECRET"), "{all}");
    assert_eq!(out.status.code(), Some(1), "{all}");
    let report = json(&out);
    let files = finding_files(&report);
    assert!(
        files.iter().any(|f| f.ends_with("k8s/linked.yaml")),
        "{files:?}"
    );
    assert!(
        files.iter().any(|f| f.ends_with("k8s/basedir/shared.yaml")),
        "{files:?}"
    );
    for (name, reason) in [
        ("k8s/out.yaml", "symlink leaves the repository"),
        ("k8s/outdir", "symlink leaves the repository"),
        ("k8s/loop", "symlink loop"),
        ("k8s/environ.yaml", "not a regular file"),
        ("k8s/main.tf", "not a regular file"),
        ("k8s/x.auto.tfvars", "not a regular file"),
        ("k8s/zero.yaml", "not a regular file"),
    ] {
        let f = file(&report, name);
        assert_eq!(f["status"], "skipped", "{name}: {f}");
        assert!(
            f["reason"].as_str().is_some_and(|r| r.starts_with(reason)),
            "{name}: {f}"
        );
    }

    // A clean tree with one link out: exit 0, but 1 with --strict or --fail-on-skip.
    let clean = tempfile::tempdir().expect("tempdir");
    let c = clean.path();
    std::fs::write(c.join("ok.yaml"), PRIVILEGED.replace("true", "false")).expect("write");
    symlink(outside.path().join("secret.yaml"), c.join("out.yaml"));
    let code = |extra: &[&str]| run_guarded(&mut check(c, extra), None).status.code();
    assert_eq!(code(&[]), Some(0));
    assert_eq!(code(&["--strict"]), Some(1));
    assert_eq!(code(&["--fail-on-skip"]), Some(1));
    // Named on the command line, a link out is skipped too.
    let out = run_guarded(&mut check(&c.join("out.yaml"), &[]), None);
    assert!(!stdout(&out).contains("TOPSECRET"));
    let report = json(&out);
    assert_eq!(file(&report, "out.yaml")["status"], "skipped");
}

/// A FIFO (argument, manifest in a directory, `x.auto.tfvars`) is refused, not waited on:
/// an error naming it, exit 2, the other files judged.
#[cfg(unix)]
#[test]
fn fifos_are_refused_not_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::write(d.join("app.yaml"), PRIVILEGED).expect("write");
    mkfifo(&d.join("pipe.yaml"));
    std::fs::create_dir(d.join("tf")).expect("dir");
    std::fs::write(
        d.join("tf/main.tf"),
        "resource \"aws_eks_cluster\" \"c\" {\n  name = \"c\"\n}\n",
    )
    .expect("write");
    mkfifo(&d.join("tf/x.auto.tfvars"));
    mkfifo(&d.join("arg.fifo"));

    let mut cmd = check(d, &[]);
    cmd.arg(d.join("arg.fifo"));
    let out = run_guarded(&mut cmd, None);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let report = json(&out);
    for name in ["pipe.yaml", "arg.fifo", "x.auto.tfvars"] {
        let errors = errors_about(&report, name);
        assert!(
            errors.iter().any(|e| e["message"]
                .as_str()
                .is_some_and(|m| m.contains("not a regular file"))),
            "{name}: {:#}",
            report["errors"]
        );
    }
    assert!(
        finding_files(&report)
            .iter()
            .any(|f| f.ends_with("app.yaml"))
    );
}

/// `--max-file-size` (and `max-file-size` in stiglint.toml) bounds every file and standard
/// input: a larger one is an error naming the option; the others are judged.
#[test]
fn oversized_inputs_name_the_option() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::write(d.join("small.yaml"), PRIVILEGED).expect("write");
    let big = format!("{PRIVILEGED}# {}\n", "x".repeat(4096));
    std::fs::write(d.join("big.yaml"), &big).expect("write");

    let out = run_guarded(&mut check(d, &["--max-file-size", "2K"]), None);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let report = json(&out);
    let errors = errors_about(&report, "big.yaml");
    assert!(
        errors.iter().any(|e| e["message"]
            .as_str()
            .is_some_and(|m| m.contains("--max-file-size"))),
        "{:#}",
        report["errors"]
    );
    assert!(
        finding_files(&report)
            .iter()
            .any(|f| f.ends_with("small.yaml"))
    );

    // The configuration's key, and standard input.
    std::fs::write(d.join("stiglint.toml"), "max-file-size = \"2KiB\"\n").expect("write");
    let mut cmd = stiglint();
    cmd.args(["check", "--config"])
        .arg(d.join("stiglint.toml"))
        .args(["--select", "KUBER-L2-000070", "--format", "json", "-"])
        .arg(d.join("small.yaml"));
    let out = run_guarded(&mut cmd, Some(big.repeat(1000).into_bytes()));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let report = json(&out);
    let errors = errors_about(&report, "<stdin>");
    assert!(
        errors.iter().any(|e| e["message"]
            .as_str()
            .is_some_and(|m| m.contains("max-file-size"))),
        "{:#}",
        report["errors"]
    );
    assert!(
        finding_files(&report)
            .iter()
            .any(|f| f.ends_with("small.yaml"))
    );
}

/// YAML bombs: 20,000 nested sequences, and a file of documents each under the per-document
/// alias limit that together are a "billion laughs": errors naming file and line, exit 2, the
/// other files judged.
#[test]
fn yaml_bombs_are_errors_at_their_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::write(d.join("app.yaml"), PRIVILEGED).expect("write");
    std::fs::write(
        d.join("deep.yaml"),
        format!("kind: Pod\nspec:\n  x:\n    {}y\n", "- ".repeat(20_000)),
    )
    .expect("write");
    let a = "[*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]";
    let doc = format!(
        "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b {a}\nc: &c {}\nd: &d {}\ne: [*d, *d, *d, *d, *d, *d, *d]\n",
        a.replace("*a", "*b"),
        a.replace("*a", "*c"),
        a = a
    );
    let bomb: String = (0..2000).map(|_| format!("---\n{doc}")).collect();
    std::fs::write(d.join("bomb.yaml"), bomb).expect("write");

    let out = run_guarded(&mut check(d, &[]), None);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let report = json(&out);
    let deep = errors_about(&report, "deep.yaml");
    assert_eq!(deep.len(), 1, "{:#}", report["errors"]);
    assert!(
        deep[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("nested"))
    );
    assert_eq!(deep[0]["range"]["start"]["line"], 4);
    let bomb = errors_about(&report, "bomb.yaml");
    assert_eq!(bomb.len(), 1, "{:#}", report["errors"]);
    assert!(
        bomb[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("alias expansion in this file")),
        "{}",
        bomb[0]
    );
    assert!(
        bomb[0]["range"]["start"]["line"]
            .as_u64()
            .is_some_and(|l| l > 1)
    );
    assert!(
        finding_files(&report)
            .iter()
            .any(|f| f.ends_with("app.yaml"))
    );
}

/// A plan of `n` EKS clusters with a public endpoint, as `terraform show -json` writes it (one
/// line, versions first), padded with tags to about `bytes` per resource.
fn plan(n: usize, pad: usize) -> String {
    let mut out = String::from(
        r#"{"format_version":"1.2","terraform_version":"1.11.4","resource_changes":["#,
    );
    for i in 0..n {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&format!(
            r#"{{"address":"aws_eks_cluster.c{i}","mode":"managed","type":"aws_eks_cluster","name":"c{i}","change":{{"actions":["create"],"before":null,"after":{{"name":"c{i}","version":"1.30","vpc_config":[{{"endpoint_public_access":true,"endpoint_private_access":true,"subnet_ids":["a"]}}],"tags":{{"pad":"{}"}}}},"after_unknown":{{"arn":true}}}}}}"#,
            "x".repeat(pad)
        ));
    }
    out.push_str(r#"],"configuration":{}}"#);
    out.push('\n');
    out
}

/// A plan larger than 8 MiB is read as a stream and judged part by part: every resource is
/// judged as in a small plan, each finding points into the plan at its resource; with the
/// default cap lowered below its size it is an error naming the option.
#[test]
fn large_plans_are_streamed_and_judged_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::write(d.join("small.json"), plan(1, 100)).expect("write");
    let n = 3000;
    std::fs::write(d.join("big.json"), plan(n, 3000)).expect("write");
    assert!(std::fs::metadata(d.join("big.json")).expect("meta").len() > 8 << 20);
    let scan = |file: &str, extra: &[&str]| {
        let mut cmd = stiglint();
        cmd.args(["check", "--no-config", "--format", "json"])
            .args(extra)
            .arg(d.join(file));
        run_guarded(&mut cmd, None)
    };
    let small = json(&scan("small.json", &[]));
    let per_resource = small["findings"].as_array().expect("findings").len();
    assert!(per_resource > 0, "{small:#}");
    let out = scan("big.json", &["--max-file-size", "64M"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let big = json(&out);
    assert_eq!(big["errors"], serde_json::json!([]));
    assert_eq!(file(&big, "big.json")["documents"], n);
    let findings = big["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), n * per_resource);
    // The last resource's findings point at it, on the plan's one line.
    let last = findings
        .iter()
        .filter(|f| f["object"]["name"] == format!("aws_eks_cluster.c{}", n - 1))
        .collect::<Vec<_>>();
    assert_eq!(last.len(), per_resource);
    assert!(last.iter().all(|f| {
        f["range"]["start"]["line"] == 1
            && f["range"]["start"]["column"]
                .as_u64()
                .is_some_and(|c| c > 8 << 20)
    }));

    // Its text is not kept: the text report names the place without a frame.
    let mut cmd = stiglint();
    cmd.args(["check", "--no-config", "--max-file-size", "64M"])
        .arg(d.join("big.json"));
    let text = stdout(&run_guarded(&mut cmd, None));
    assert!(
        text.contains(&format!("note: at {}:1:", d.join("big.json").display())),
        "{}",
        &text[..text.len().min(2000)]
    );

    let out = scan("big.json", &["--max-file-size", "4M"]);
    assert_eq!(out.status.code(), Some(2));
    let report = json(&out);
    assert!(
        errors_about(&report, "big.json")
            .iter()
            .any(|e| e["message"]
                .as_str()
                .is_some_and(|m| m.contains("--max-file-size"))),
        "{:#}",
        report["errors"]
    );
}
