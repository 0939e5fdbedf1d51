#!/usr/bin/env python3
"""Time the language server as an editor sees it, against the CLI on the same input in the same run.

    python3 lsp/benches/latency.py [manifest] [workspace] [pods]   (default: all three)

Builds the release binaries and starts `stiglint-lsp` over stdio with a warm plugin cache in
three workspaces:
  1. a 2,000-line manifest (a List of Deployments) edited 167 times, a new image tag each time;
  2. a copy of ../shared/corpus without pod-security-admission (~1,700 files), one manifest
     opened and edited 100 times;
  3. one buffer of 4,000 Pods.
For each: initialize → first publishDiagnostics, didChange → publishDiagnostics p50 / p95, the
server's peak RSS, and the baseline `stiglint check --no-result-cache` of the same input
(plugin cache warm).
"""
import json, os, shutil, statistics, subprocess, sys, tempfile, threading, queue, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LSP = ROOT / "target" / "release" / "stiglint-lsp"
CLI = ROOT / "target" / "release" / "stiglint"
CORPUS = (ROOT / ".." / "shared" / "corpus").resolve()
ENV = dict(os.environ, STIGLINT_CACHE_DIR=str(ROOT / "target" / "bench" / "cache"))

DEPLOYMENT = """  - apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: app-{i}
      namespace: shop
    spec:
      replicas: 2
      selector:
        matchLabels: {{app: app-{i}}}
      template:
        metadata:
          labels: {{app: app-{i}}}
        spec:
          containers:
            - name: app
              image: registry1.dso.mil/ironbank/opensource/nginx/nginx:1.27.0
              securityContext:
                runAsNonRoot: true
                privileged: {priv}
              resources:
                limits: {{cpu: 500m, memory: 256Mi}}
"""


def manifest(lines=2000):
    out = "apiVersion: v1\nkind: List\nitems:\n"
    i = 0
    while out.count("\n") < lines:
        out += DEPLOYMENT.format(i=i, priv=str(i % 7 == 0).lower())
        i += 1
    return out


class Server:
    def __init__(self, root):
        self.p = subprocess.Popen([str(LSP)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=ENV, cwd=root)
        self.q = queue.Queue()
        threading.Thread(target=self.read, daemon=True).start()
        self.id = 0

    def read(self):
        f = self.p.stdout
        while True:
            length = None
            while True:
                line = f.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    break
                if line.startswith(b"Content-Length:"):
                    length = int(line.split(b":")[1])
            self.q.put(json.loads(f.read(length)))

    def send(self, msg):
        body = json.dumps(msg).encode()
        self.p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.p.stdin.flush()

    def request(self, method, params):
        self.id += 1
        self.send({"jsonrpc": "2.0", "id": self.id, "method": method, "params": params})
        return self.id

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait_diagnostics(self, uri):
        while True:
            m = self.q.get(timeout=60)
            if "id" in m and "method" in m:
                self.send({"jsonrpc": "2.0", "id": m["id"], "result": None})
            if m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri:
                return m["params"]["diagnostics"]


POD = """---
apiVersion: v1
kind: Pod
metadata:
  name: pod-{i}
  namespace: shop
spec:
  containers:
    - name: app
      image: registry1.dso.mil/ironbank/opensource/nginx/nginx:1.27.{tag}
      securityContext:
        privileged: {priv}
      resources:
        limits: {{cpu: 500m}}
"""


def pods(n=4000):
    return "".join(POD.format(i=i, tag=i % 5, priv=str(i % 7 == 0).lower()) for i in range(n))


def cli_median(path, cwd, runs=10):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([str(CLI), "check", "--no-result-cache", "--format", "json", str(path)], env=ENV,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def rss_mib(pid):
    """Peak resident memory of a running process (VmHWM), MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def session(root, path, text, edits):
    """Open `path` with `text` in a server rooted at `root`, then send each edited text and wait
    for its diagnostics: (first diagnostics s, [per-edit s], diagnostics count, server RSS MiB)."""
    uri = "file://" + str(path)
    s = Server(root)
    t0 = time.perf_counter()
    s.request("initialize", {"processId": None, "rootUri": "file://" + str(root), "capabilities": {}})
    s.notify("initialized", {})
    s.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}})
    first = s.wait_diagnostics(uri)
    first_s = time.perf_counter() - t0
    times = []
    for v, edited in enumerate(edits):
        t = time.perf_counter()
        s.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": v + 2}, "contentChanges": [{"text": edited}]})
        s.wait_diagnostics(uri)
        times.append(time.perf_counter() - t)
    rss = rss_mib(s.p.pid)
    s.request("shutdown", None)
    s.notify("exit", None)
    s.p.wait(timeout=30)
    return first_s, times, len(first), rss


def pct(times, q):
    times = sorted(times)
    return times[max(0, int(len(times) * q) - 1)] * 1000


def wanted(name):
    names = [a for a in sys.argv[1:] if not a.startswith("-")]
    return not names or name in names


def scenario_manifest(rows):
    """1. A 2,000-line manifest edited 167 times, a new image tag each time."""
    with tempfile.TemporaryDirectory() as d:
        root = Path(d).resolve()
        text = manifest()
        path = root / "apps.yaml"
        path.write_text(text)
        cli = cli_median(path, root)
        edits = [text.replace("nginx:1.27.0", f"nginx:1.27.{v + 1}", 1) for v in range(167)]
        first, times, n, rss = session(root, path, text, edits)
        lines = text.count("\n")
        rows.append((f"{lines}-line manifest ({n} diagnostics), 167 edits", first, times, rss, cli))


def scenario_workspace(rows):
    """2. The corpus as a workspace (without pod-security-admission): one manifest edited 100 times."""
    with tempfile.TemporaryDirectory() as d:
        root = Path(d).resolve() / "ws"
        shutil.copytree(CORPUS, root, ignore=shutil.ignore_patterns("pod-security-admission"))
        files = sum(1 for _ in root.rglob("*") if _.is_file())
        path = root / "kubernetes-examples" / "web" / "guestbook" / "frontend-deployment.yaml"
        if not path.exists():
            path = next(root.rglob("*deployment*.yaml"))
        text = path.read_text()
        cli = cli_median(root, root, runs=3)
        edits = [text.replace("replicas:", f"# edit {v}\nreplicas:", 1) if "replicas:" in text else text + f"\n# edit {v}\n" for v in range(100)]
        first, times, n, rss = session(root, path, text, edits)
        rows.append((f"workspace of {files} files, one manifest edited 100 times", first, times, rss, cli))


def scenario_pods(rows):
    """3. One buffer of 4,000 Pods."""
    with tempfile.TemporaryDirectory() as d:
        root = Path(d).resolve()
        text = pods()
        path = root / "pods.yaml"
        path.write_text(text)
        cli = cli_median(path, root, runs=3)
        first, times, n, rss = session(root, path, text, [text.replace("pod-0\n", "pod-zero\n", 1)])
        rows.append((f"one buffer of 4,000 Pods ({n} diagnostics)", first, times, rss, cli))


def main():
    subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "stiglint", "-p", "stiglint-lsp"], cwd=ROOT, check=True)
    subprocess.run([str(CLI), "controls"], env=ENV, stdout=subprocess.DEVNULL)  # warm the plugin cache
    rows = []
    for name, scenario in [("manifest", scenario_manifest), ("workspace", scenario_workspace), ("pods", scenario_pods)]:
        if wanted(name):
            scenario(rows)

    print("| scenario | first diagnostics | didChange → diagnostics p50 / p95 | server RSS | `stiglint check --no-result-cache` of the same (plugin cache warm) |")
    print("|---|---:|---:|---:|---:|")
    for name, first, times, rss, cli in rows:
        print(f"| {name} | {first * 1000:.0f} ms ({first / cli:.2f}× CLI) | {pct(times, 0.5):.1f} / {pct(times, 0.95):.1f} ms | {rss:.0f} MiB | {cli * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
