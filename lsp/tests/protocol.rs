//! The language server over stdio, against the real binary: initialize, open, change
//! (incremental), diagnostics with exact ranges, cross-document context from the workspace,
//! hover, code actions (quick fix and waive here), text that does not parse, shutdown.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use serde_json::{Value, json};

struct Client {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    next_id: i64,
}

impl Client {
    fn start(root: &Path) -> Self {
        let cache = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/test-cache");
        let mut child = Command::new(env!("CARGO_BIN_EXE_stiglint-lsp"))
            .current_dir(root)
            .env("STIGLINT_CACHE_DIR", cache)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start stiglint-lsp");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(v) = line.strip_prefix("Content-Length: ") {
                        length = v.parse().expect("length");
                    }
                }
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                if tx
                    .send(serde_json::from_slice(&body).expect("json"))
                    .is_err()
                {
                    return;
                }
            }
        });
        Self {
            child,
            stdin,
            messages: rx,
            next_id: 1,
        }
    }

    fn send(&mut self, message: &Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write");
        self.stdin.flush().expect("flush");
    }

    /// Write bytes as they are (broken frames).
    fn send_raw(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).expect("write");
        self.stdin.flush().expect("flush");
    }

    /// The next error response with this id (`null` for a message the server could not
    /// read an id from).
    fn error_for(&mut self, id: &Value) -> Value {
        loop {
            let m = self.next();
            if m.get("error").is_some() && m["id"] == *id && m.get("method").is_none() {
                return m["error"].clone();
            }
        }
    }

    fn notify(&mut self, method: &str, params: &Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Send a request and wait for its response (answering the server's own requests).
    fn request(&mut self, method: &str, params: &Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let m = self.next();
            if m["id"] == id && m.get("method").is_none() {
                return m;
            }
        }
    }

    fn next(&mut self) -> Value {
        let m = self
            .messages
            .recv_timeout(Duration::from_mins(1))
            .expect("a message from the server within 60 s");
        if m.get("method").is_some() && m.get("id").is_some() {
            // A request of the server (registerCapability): answer it.
            let id = m["id"].clone();
            self.send(&json!({"jsonrpc": "2.0", "id": id, "result": null}));
        }
        m
    }

    /// The next diagnostics published for a URI.
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        loop {
            let m = self.next();
            if m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri {
                return m["params"]["diagnostics"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
            }
        }
    }
}

impl Drop for Client {
    /// A failed test leaves no server behind (one hung on a FIFO would stay forever).
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Apply a protocol text edit (ASCII text: UTF-16 columns are bytes).
fn apply(text: &str, edit: &Value) -> String {
    let offset = |p: &Value| {
        let line = p["line"].as_u64().expect("line") as usize;
        let col = p["character"].as_u64().expect("character") as usize;
        text.split_inclusive('\n')
            .take(line)
            .map(str::len)
            .sum::<usize>()
            + col
    };
    let (start, end) = (
        offset(&edit["range"]["start"]),
        offset(&edit["range"]["end"]),
    );
    format!(
        "{}{}{}",
        &text[..start],
        edit["newText"].as_str().expect("text"),
        &text[end..]
    )
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn codes(d: &[Value]) -> Vec<(String, u64, u64, u64, u64)> {
    let mut v: Vec<_> = d
        .iter()
        .map(|d| {
            let r = &d["range"];
            (
                d["code"].as_str().unwrap_or("").to_owned(),
                r["start"]["line"].as_u64().expect("line"),
                r["start"]["character"].as_u64().expect("char"),
                r["end"]["line"].as_u64().expect("line"),
                r["end"]["character"].as_u64().expect("char"),
            )
        })
        .collect();
    v.sort();
    v
}

const WEB: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      hostNetwork: true
      containers:
        - name: app
          image: registry1.dso.mil/ironbank/opensource/nginx:1.25
          securityContext:
            runAsNonRoot: true
            privileged: true
          resources:
            limits: {cpu: 100m, memory: 64Mi}
";

const NETPOL: &str = "apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: shop
spec:
  podSelector: {}
  policyTypes: [Ingress]
";

#[test]
#[allow(clippy::too_many_lines)] // one protocol session, step by step
fn diagnostics_hover_code_actions_and_broken_text() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().canonicalize().expect("root");
    std::fs::write(root.join("web.yaml"), WEB).expect("write");
    std::fs::write(root.join("netpol.yaml"), NETPOL).expect("write");
    let web = uri(&root.join("web.yaml"));
    let mut c = Client::start(&root);
    let init = c.request(
        "initialize",
        &json!({"processId": null, "rootUri": uri(&root), "capabilities": {}}),
    );
    assert_eq!(init["result"]["serverInfo"]["name"], "stiglint", "{init}");
    assert_eq!(
        init["result"]["capabilities"]["textDocumentSync"]["change"],
        2
    );
    c.notify("initialized", &json!({}));

    c.notify(
        "textDocument/didOpen",
        &json!({"textDocument": {"uri": web, "languageId": "yaml", "version": 1, "text": WEB}}),
    );
    let d = c.diagnostics(&web);
    // Exact ranges (0-based, UTF-16); the default-deny policy in the other file of the
    // workspace counts, so no KUBER-L2-000110.
    assert_eq!(
        codes(&d),
        [
            ("KUBER-L2-000060".to_owned(), 8, 6, 8, 23),
            ("KUBER-L2-000070".to_owned(), 14, 12, 14, 28),
        ],
        "{d:#?}"
    );
    let privileged = d
        .iter()
        .find(|x| x["code"] == "KUBER-L2-000070")
        .expect("diagnostic");
    assert_eq!(privileged["severity"], 1, "CAT I is an error");
    assert_eq!(privileged["source"], "stiglint");
    // The default Pod Security level (baseline, latest) judges it too: admission's words follow.
    assert_eq!(
        privileged["message"],
        "Container 'app' must not run privileged. It violates PodSecurity \"baseline:latest\": privileged (container \"app\" must not set securityContext.privileged=true)"
    );
    assert!(privileged["codeDescription"]["href"].as_str().is_some());

    // Hover: the control's documentation.
    let hover = c.request(
        "textDocument/hover",
        &json!({"textDocument": {"uri": web}, "position": {"line": 14, "character": 15}}),
    );
    let text = hover["result"]["contents"]["value"]
        .as_str()
        .expect("markdown");
    assert!(
        text.contains("KUBER-L2-000070") && text.contains("**Why.**"),
        "{text}"
    );

    // Code actions on the host network line: the quick fix and "waive here".
    let actions = c.request(
        "textDocument/codeAction",
        &json!({"textDocument": {"uri": web},
               "range": {"start": {"line": 8, "character": 6}, "end": {"line": 8, "character": 6}},
               "context": {"diagnostics": []}}),
    );
    let actions = actions["result"].as_array().expect("actions").clone();
    let titles: Vec<&str> = actions.iter().filter_map(|a| a["title"].as_str()).collect();
    assert!(titles.contains(&"Waive KUBER-L2-000060 here"), "{titles:?}");
    let fix = actions
        .iter()
        .find(|a| a["isPreferred"] == true)
        .expect("a quick fix");
    let edit = &fix["edit"]["changes"][&web][0];
    let fixed = apply(WEB, edit);
    assert_eq!(
        fixed.lines().nth(8),
        Some("      hostNetwork: false"),
        "{fix:#}"
    );
    assert_eq!(fixed.lines().count(), WEB.lines().count(), "{fixed}");
    let waive = actions
        .iter()
        .find(|a| a["title"] == "Waive KUBER-L2-000060 here")
        .expect("waive");
    let waive_text = waive["edit"]["changes"][&web][0]["newText"]
        .as_str()
        .expect("text");
    assert!(
        waive_text.starts_with("      # stiglint:waive KUBER-L2-000060 expires="),
        "{waive_text}"
    );

    // An incremental change fixes the privileged line: its diagnostic goes.
    c.notify(
        "textDocument/didChange",
        &json!({"textDocument": {"uri": web, "version": 2},
               "contentChanges": [{"range": {"start": {"line": 14, "character": 24},
                                             "end": {"line": 14, "character": 28}},
                                   "text": "false"}]}),
    );
    let d = c.diagnostics(&web);
    assert_eq!(
        codes(&d),
        [("KUBER-L2-000060".to_owned(), 8, 6, 8, 23)],
        "{d:#?}"
    );

    // Mid-typing: a broken document gives an error at its place; the server lives on.
    let broken = format!("{WEB}---\nkind: Pod\nmetadata: [unclosed\n");
    c.notify(
        "textDocument/didChange",
        &json!({"textDocument": {"uri": web, "version": 3}, "contentChanges": [{"text": broken}]}),
    );
    let d = c.diagnostics(&web);
    assert!(
        d.iter().any(|x| x["severity"] == 1
            && x["code"].is_null()
            && x["range"]["start"]["line"].as_u64() >= Some(18)),
        "{d:#?}"
    );
    assert!(
        d.iter().any(|x| x["code"] == "KUBER-L2-000060"),
        "the rest still checked: {d:#?}"
    );

    // Close: cleared.
    c.notify(
        "textDocument/didClose",
        &json!({"textDocument": {"uri": web}}),
    );
    assert!(c.diagnostics(&web).is_empty());

    let shutdown = c.request("shutdown", &Value::Null);
    assert!(shutdown.get("error").is_none(), "{shutdown}");
    c.notify("exit", &Value::Null);
    let status = c.child.wait().expect("exit");
    assert!(status.success());
}

const EKS: &str = r#"resource "aws_eks_cluster" "this" {
  name                      = local.name
  role_arn                  = "arn:aws:iam::111122223333:role/eks"
  enabled_cluster_log_types = ["api"]
  vpc_config {
    subnet_ids             = ["subnet-1"]
    endpoint_public_access = true
  }
}
"#;

/// Terraform: the open `.tf` buffer is evaluated with its sibling files (a local from
/// another file of the module), and its quick fixes edit HCL in place.
#[test]
fn terraform_buffers_with_sibling_files_and_hcl_quick_fixes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().canonicalize().expect("root");
    std::fs::write(root.join("locals.tf"), "locals {\n  name = \"prod\"\n}\n").expect("write");
    let main = root.join("main.tf");
    let main_uri = uri(&main);
    let mut c = Client::start(&root);
    c.request(
        "initialize",
        &json!({"processId": null, "rootUri": uri(&root), "capabilities": {}}),
    );
    c.notify("initialized", &json!({}));
    // Not saved yet: the buffer alone is the file.
    c.notify(
        "textDocument/didOpen",
        &json!({"textDocument": {"uri": main_uri, "languageId": "terraform", "version": 1, "text": EKS}}),
    );
    let d = c.diagnostics(&main_uri);
    let at: Vec<(String, u64, u64, u64, u64)> = codes(&d);
    assert!(
        at.contains(&("KUBER-L2-000120".to_owned(), 6, 4, 6, 33)),
        "{d:#?}"
    );
    assert!(
        at.iter()
            .any(|(c, l, ..)| c == "KUBER-L2-000180" && *l == 3),
        "{d:#?}"
    );
    // The local from locals.tf was known: the audit-log-offload control names the cluster's
    // log group, and reports it where the cluster uses the name (its `name` argument), with
    // where the name was written, in locals.tf, as related information.
    let locals_uri = uri(&root.join("locals.tf"));
    assert!(
        d.iter().any(|x| x["code"] == "KUBER-L2-000190"
            && x["range"]["start"]["line"] == 1
            && x["message"]
                .as_str()
                .is_some_and(|m| m.contains("/aws/eks/prod/cluster"))
            && x["relatedInformation"]
                .as_array()
                .is_some_and(|r| r.iter().any(|i| i["location"]["uri"] == locals_uri
                    && i["location"]["range"]["start"]["line"] == 1))),
        "{d:#?}"
    );
    for (line, want) in [
        (6, "    endpoint_public_access = false"),
        (3, "  enabled_cluster_log_types = [\"api\",\"audit\"]"),
    ] {
        let actions = c.request(
            "textDocument/codeAction",
            &json!({"textDocument": {"uri": main_uri},
                    "range": {"start": {"line": line, "character": 4}, "end": {"line": line, "character": 4}},
                    "context": {"diagnostics": []}}),
        );
        let fix = actions["result"]
            .as_array()
            .expect("actions")
            .iter()
            .find(|a| a["isPreferred"] == true)
            .cloned()
            .unwrap_or_else(|| panic!("a quick fix on line {line}: {actions:#}"));
        let fixed = apply(EKS, &fix["edit"]["changes"][&main_uri][0]);
        assert_eq!(fixed.lines().nth(line), Some(want), "{fixed}");
    }
    c.request("shutdown", &Value::Null);
    c.notify("exit", &Value::Null);
    assert!(c.child.wait().expect("exit").success());
}

/// Waived findings are hints, hidden with `hideWaived`; `severityThreshold` hides the lower
/// CATs; both from `workspace/didChangeConfiguration`.
#[test]
fn waived_hints_and_client_settings() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().canonicalize().expect("root");
    let text = "apiVersion: v1
kind: Pod
metadata:
  name: debug
  namespace: shop
spec:
  containers:
    - name: shell
      image: registry1.dso.mil/ironbank/redhat/ubi/ubi9:9.4
      securityContext:
        # stiglint:waive KUBER-L2-000070 expires=2099-01-01 approved-by=ops -- lab only
        privileged: true
";
    let path = root.join("debug.yaml");
    std::fs::write(&path, text).expect("write");
    let u = uri(&path);
    let mut c = Client::start(&root);
    c.request(
        "initialize",
        &json!({"processId": null, "rootUri": uri(&root), "capabilities": {}}),
    );
    c.notify("initialized", &json!({}));
    c.notify(
        "textDocument/didOpen",
        &json!({"textDocument": {"uri": u, "languageId": "yaml", "version": 1, "text": text}}),
    );
    let d = c.diagnostics(&u);
    let waived = d
        .iter()
        .find(|x| x["code"] == "KUBER-L2-000070")
        .expect("the waived finding is shown");
    assert_eq!(waived["severity"], 4, "a hint: {waived:#}");
    assert!(
        waived["message"]
            .as_str()
            .is_some_and(|m| m.contains("waived until 2099-01-01"))
    );
    let medium = |d: &[Value]| d.iter().filter(|x| x["severity"] == 2).count();
    assert!(medium(&d) > 0, "CAT II findings are warnings: {d:#?}");

    c.notify(
        "workspace/didChangeConfiguration",
        &json!({"settings": {"stiglint": {"hideWaived": true, "severityThreshold": "high"}}}),
    );
    let d = c.diagnostics(&u);
    assert!(!d.iter().any(|x| x["code"] == "KUBER-L2-000070"), "{d:#?}");
    assert_eq!(medium(&d), 0, "{d:#?}");
    c.request("shutdown", &Value::Null);
    c.notify("exit", &Value::Null);
    assert!(c.child.wait().expect("exit").success());
}

/// The findings of a cold CLI run (`stiglint check --no-cache`) of a file, as protocol
/// diagnostics' codes and ranges (ASCII text: columns are UTF-16 units).
fn cli_codes(root: &Path, file: &str) -> Vec<(String, u64, u64, u64, u64)> {
    let cli = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/debug/stiglint");
    let out = Command::new(&cli)
        .current_dir(root)
        .args(["check", "--no-cache", "--format", "json", "."])
        .output()
        .expect("run the stiglint CLI (built with the workspace)");
    let report: Value = serde_json::from_slice(&out.stdout).expect("json report");
    let mut v: Vec<_> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["file"].as_str().is_some_and(|n| n.ends_with(file)))
        .map(|f| {
            let n = |p: &str| f.pointer(p).and_then(Value::as_u64).expect("position") - 1;
            (
                f["control"].as_str().unwrap_or("").to_owned(),
                n("/range/start/line"),
                n("/range/start/column"),
                n("/range/end/line"),
                n("/range/end/column"),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn a_burst_of_edits_ends_with_the_diagnostics_of_a_cold_cli_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().canonicalize().expect("root");
    std::fs::write(root.join("web.yaml"), WEB).expect("write");
    std::fs::write(root.join("netpol.yaml"), NETPOL).expect("write");
    let web = uri(&root.join("web.yaml"));
    let mut c = Client::start(&root);
    c.request(
        "initialize",
        &json!({"processId": null, "rootUri": uri(&root), "capabilities": {}}),
    );
    c.notify("initialized", &json!({}));
    c.notify(
        "textDocument/didOpen",
        &json!({"textDocument": {"uri": web, "languageId": "yaml", "version": 1, "text": WEB}}),
    );
    c.diagnostics(&web);
    // Fifty edits sent without waiting (full text each time): new image tags, privileged on
    // and off, the namespace moved away from its default-deny policy and back.
    let mut text = WEB.to_owned();
    for i in 0..50 {
        text = WEB
            .replace("nginx:1.25", &format!("nginx:1.{i}"))
            .replace("privileged: true", &format!("privileged: {}", i % 2 == 0))
            .replace(
                "namespace: shop",
                if i % 3 == 0 {
                    "namespace: shop"
                } else {
                    "namespace: web"
                },
            );
        c.notify(
            "textDocument/didChange",
            &json!({"textDocument": {"uri": web, "version": i + 2},
                    "contentChanges": [{"text": text}]}),
        );
    }
    // A request is answered on the state after every change before it; the last diagnostics
    // published before its answer are those of the last text.
    let id = c.next_id;
    c.next_id += 1;
    c.send(
        &json!({"jsonrpc": "2.0", "id": id, "method": "textDocument/hover",
        "params": {"textDocument": {"uri": web}, "position": {"line": 0, "character": 0}}}),
    );
    let mut last = None;
    let mut published = 0;
    loop {
        let m = c.next();
        if m["id"] == id && m.get("method").is_none() {
            break;
        }
        if m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == web {
            published += 1;
            last = m["params"]["diagnostics"].as_array().cloned();
        }
    }
    assert!(
        published < 50,
        "pending changes are coalesced: {published} publications"
    );
    let last = last.expect("diagnostics of the last text");
    std::fs::write(root.join("web.yaml"), &text).expect("write the last text");
    assert_eq!(codes(&last), cli_codes(&root, "web.yaml"));
    c.request("shutdown", &Value::Null);
    c.notify("exit", &Value::Null);
    assert!(c.child.wait().expect("exit").success());
}

/// A finding reached through a YAML alias gets no quick fix (the edit would change every place
/// that shares the value, or break the document); "waive here" is still offered. A finding of
/// the same file outside the alias keeps its quick fix.
#[test]
fn no_quick_fix_through_an_alias() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().canonicalize().expect("root");
    let text = "apiVersion: v1
kind: Pod
metadata:
  name: debug
  namespace: shop
spec:
  hostNetwork: true
  containers:
    - name: a
      image: registry1.dso.mil/ironbank/redhat/ubi/ubi9:9.4
      securityContext: &sc
        privileged: true
    - name: b
      image: registry1.dso.mil/ironbank/redhat/ubi/ubi9:9.4
      securityContext: *sc
";
    let path = root.join("alias.yaml");
    std::fs::write(&path, text).expect("write");
    let u = uri(&path);
    let mut c = Client::start(&root);
    c.request(
        "initialize",
        &json!({"processId": null, "rootUri": uri(&root), "capabilities": {}}),
    );
    c.notify("initialized", &json!({}));
    c.notify(
        "textDocument/didOpen",
        &json!({"textDocument": {"uri": u, "languageId": "yaml", "version": 1, "text": text}}),
    );
    let d = c.diagnostics(&u);
    assert!(d.iter().any(|x| x["code"] == "KUBER-L2-000070"), "{d:#?}");
    let actions_at = |c: &mut Client, line: u64| -> Vec<Value> {
        let r = c.request(
            "textDocument/codeAction",
            &json!({"textDocument": {"uri": u},
                   "range": {"start": {"line": line, "character": 8},
                             "end": {"line": line, "character": 8}},
                   "context": {"diagnostics": []}}),
        );
        r["result"].as_array().cloned().unwrap_or_default()
    };
    // The anchored `privileged: true` (line 12) and the alias (line 15).
    for line in [11, 14] {
        let actions = actions_at(&mut c, line);
        let titles: Vec<&str> = actions.iter().filter_map(|a| a["title"].as_str()).collect();
        assert!(
            titles
                .iter()
                .any(|t| t.starts_with("Waive KUBER-L2-000070")),
            "line {line}: {titles:?}"
        );
        assert!(
            !actions.iter().any(|a| a["kind"] == "quickfix"
                && a["title"].as_str().is_some_and(|t| !t.starts_with("Waive"))),
            "line {line}: {actions:#?}"
        );
    }
    // `hostNetwork: true` (line 7) is not shared: its quick fix stands.
    let actions = actions_at(&mut c, 6);
    assert!(
        actions.iter().any(|a| a["isPreferred"] == true),
        "{actions:#?}"
    );
    c.request("shutdown", &Value::Null);
    c.notify("exit", &Value::Null);
    assert!(c.child.wait().expect("exit").success());
}

/// Start a server on an empty workspace and initialize it.
fn initialized_client(root: &Path) -> Client {
    let mut c = Client::start(root);
    let init = c.request(
        "initialize",
        &json!({"processId": null, "rootUri": uri(root), "capabilities": {}}),
    );
    assert!(init.get("result").is_some(), "{init}");
    c.notify("initialized", &json!({}));
    c
}

/// A request the server answers whatever the workspace: it is alive and reading frames.
fn assert_serving(c: &mut Client, root: &Path) {
    let hover = c.request(
        "textDocument/hover",
        &json!({"textDocument": {"uri": uri(&root.join("none.yaml"))},
                "position": {"line": 0, "character": 0}}),
    );
    assert!(hover.get("result").is_some(), "{hover}");
}

/// A body that is not JSON, a missing, non-numeric or huge `Content-Length`, a JSON-RPC batch
/// and a message that is no request: each is answered with -32700 or -32600 (`id: null`),
/// and the server goes on answering requests.
#[test]
fn broken_frames_are_answered_and_the_server_serves_on() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().canonicalize().expect("root");
    let mut c = initialized_client(&root);
    let hover = r#"{"jsonrpc":"2.0","id":99,"method":"textDocument/hover","params":{}}"#;
    let frame = |body: &str| format!("Content-Length: {}\r\n\r\n{body}", body.len());
    let cases: [(String, i64); 7] = [
        (frame("{not json"), -32700),
        (
            format!("Content-Type: application/json\r\n\r\n{hover}"),
            -32700,
        ),
        (format!("Content-Length: many\r\n\r\n{hover}"), -32700),
        ("Content-Length: 99999999999\r\n\r\n{}".to_owned(), -32600),
        (frame(r#"[{"jsonrpc":"2.0","id":1,"method":"x"}]"#), -32600),
        (frame(r#"{"jsonrpc":"2.0"}"#), -32600),
        (frame("\u{fffd}{}"), -32700),
    ];
    for (bytes, code) in cases {
        c.send_raw(bytes.as_bytes());
        let error = c.error_for(&Value::Null);
        assert_eq!(error["code"], code, "{bytes:?}: {error}");
        assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert_serving(&mut c, &root);
    }
    // Not UTF-8.
    c.send_raw(b"Content-Length: 4\r\n\r\n\"\xff\xfe\"");
    assert_eq!(c.error_for(&Value::Null)["code"], -32700);
    assert_serving(&mut c, &root);
    c.request("shutdown", &Value::Null);
    c.notify("exit", &Value::Null);
    assert!(c.child.wait().expect("exit").success());
}

/// After `shutdown`, a request is answered with -32600 (`InvalidRequest`, its own id) and a
/// notification is ignored; `exit` still ends the server with success.
#[test]
fn requests_after_shutdown_are_invalid() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().canonicalize().expect("root");
    let mut c = initialized_client(&root);
    let shutdown = c.request("shutdown", &Value::Null);
    assert!(shutdown.get("error").is_none(), "{shutdown}");
    c.notify(
        "textDocument/didOpen",
        &json!({"textDocument": {"uri": uri(&root.join("a.yaml")), "languageId": "yaml",
                "version": 1, "text": "kind: Pod\n"}}),
    );
    let hover = c.request(
        "textDocument/hover",
        &json!({"textDocument": {"uri": uri(&root.join("a.yaml"))},
                "position": {"line": 0, "character": 0}}),
    );
    assert_eq!(hover["error"]["code"], -32600, "{hover}");
    let again = c.request("shutdown", &Value::Null);
    assert_eq!(again["error"]["code"], -32600, "{again}");
    c.notify("exit", &Value::Null);
    assert!(c.child.wait().expect("exit").success());
}

/// Hover and code actions on a file that is not open read it from disk, whatever it is: a
/// FIFO blocks the server for good (and `/dev/zero` would take all memory). Found while
/// writing the fuzz target; reported, not fixed here (`State::text` in state.rs is not the
/// transport's).
#[test]
fn hover_on_a_fifo_does_not_hang_the_server() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().canonicalize().expect("root");
    // Outside the workspace, so the workspace scan does not meet it (that is item 10's).
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let fifo = elsewhere.path().join("pipe.yaml");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let mut c = initialized_client(&root);
    let hover = c.request(
        "textDocument/hover",
        &json!({"textDocument": {"uri": uri(&fifo)}, "position": {"line": 0, "character": 0}}),
    );
    assert!(hover.get("result").is_some() || hover.get("error").is_some());
    assert_serving(&mut c, &root);
    c.request("shutdown", &Value::Null);
    c.notify("exit", &Value::Null);
    assert!(c.child.wait().expect("exit").success());
}

/// A client that sends a request before `initialized`: the server answers it (or refuses it)
/// and keeps serving. Today `lsp_server::Connection::initialize_finish` (main.rs) takes any
/// message other than `initialized` as fatal and the server exits 1; reported, not changed
/// here (the transport passes the message on as it should).
#[test]
fn a_request_before_initialized_does_not_end_the_server() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().canonicalize().expect("root");
    let mut c = Client::start(&root);
    c.request(
        "initialize",
        &json!({"processId": null, "rootUri": uri(&root), "capabilities": {}}),
    );
    let early = c.request("textDocument/hover", &json!({}));
    assert!(early.get("error").is_some() || early.get("result").is_some());
    c.notify("initialized", &json!({}));
    assert_serving(&mut c, &root);
    c.request("shutdown", &Value::Null);
    c.notify("exit", &Value::Null);
    assert!(c.child.wait().expect("exit").success());
}
