#!/usr/bin/env python3
"""Time the language server as an editor sees it, against the CLI on the same file in the same run.

    python3 lsp/benches/latency.py

Builds the release binaries, writes a 2,000-line manifest (a List of Deployments) into a fresh
workspace, starts `stiglint-lsp` over stdio with a warm plugin cache, and measures:
  * initialize → first publishDiagnostics of the opened file;
  * didChange (one edit, full text) → publishDiagnostics, 100 times: p50 / p95;
  * baseline: `stiglint check` on the same file (process start, plugin load, scan), median of 20.
"""
import json, os, statistics, subprocess, sys, tempfile, threading, queue, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LSP = ROOT / "target" / "release" / "stiglint-lsp"
CLI = ROOT / "target" / "release" / "stiglint"
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


def main():
    subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "stiglint", "-p", "stiglint-lsp"], cwd=ROOT, check=True)
    with tempfile.TemporaryDirectory() as d:
        root = Path(d).resolve()
        text = manifest()
        path = root / "apps.yaml"
        path.write_text(text)
        uri = "file://" + str(path)
        subprocess.run([str(CLI), "check", str(path)], env=ENV, stdout=subprocess.DEVNULL)  # warm the cache
        cli = []
        for _ in range(20):
            t = time.perf_counter()
            subprocess.run([str(CLI), "check", "--format", "json", str(path)], env=ENV, stdout=subprocess.DEVNULL, cwd=root)
            cli.append(time.perf_counter() - t)

        s = Server(root)
        t0 = time.perf_counter()
        s.request("initialize", {"processId": None, "rootUri": "file://" + str(root), "capabilities": {}})
        s.notify("initialized", {})
        s.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}})
        first = s.wait_diagnostics(uri)
        first_s = time.perf_counter() - t0
        changes = []
        for v in range(100):
            edited = text.replace("name: app-3\n", f"name: app-3-{v}\n", 1)
            t = time.perf_counter()
            s.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": v + 2}, "contentChanges": [{"text": edited}]})
            s.wait_diagnostics(uri)
            changes.append(time.perf_counter() - t)
        s.request("shutdown", None)
        s.notify("exit", None)
        s.p.wait(timeout=10)

    changes.sort()
    p50 = statistics.median(changes) * 1000
    p95 = changes[int(len(changes) * 0.95) - 1] * 1000
    cli_ms = statistics.median(cli) * 1000
    lines = text.count("\n")
    print(f"| measure ({lines}-line manifest, {len(first)} diagnostics) | time | against `stiglint check` on the file ({cli_ms:.0f} ms) |")
    print("|---|---:|---:|")
    print(f"| initialize → first diagnostics (warm plugin cache) | {first_s * 1000:.0f} ms | {first_s * 1000 / cli_ms:.2f}× |")
    print(f"| didChange → diagnostics, p50 of 100 | {p50:.1f} ms | {p50 / cli_ms:.2f}× |")
    print(f"| didChange → diagnostics, p95 of 100 | {p95:.1f} ms | {p95 / cli_ms:.2f}× |")


if __name__ == "__main__":
    main()
