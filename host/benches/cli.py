#!/usr/bin/env python3
"""Time the stiglint CLI against Checkov 3.3.30 on the same files, in the same run.

    python3 host/benches/cli.py [--quick]

Builds stiglint (release), generates 100,000 Kubernetes documents (target/bench/gen), installs
Checkov 3.3.30 in a venv (target/bench/venv), then measures wall time and peak RSS (os.wait4,
per process) and prints a Markdown table with ratios. Results also go to target/bench/results.md.
Checkov on all 100,000 generated documents would take most of an hour, so it runs on a
2,000-document slice of the same set and the comparison is per document.
"""
import os, shutil, statistics, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS = (ROOT / ".." / "shared" / "corpus").resolve()
BENCH = ROOT / "target" / "bench"
STIGLINT = ROOT / "target" / "release" / "stiglint"
K8S_FOLDERS = ["gatekeeper-library", "checkov-fixtures/tests/kubernetes", "kubernetes-examples", "helm-rendered", "kustomize"]
QUICK = "--quick" in sys.argv
ENV = dict(os.environ, CKV_SKIP_PACKAGE_UPDATE_CHECK="true", STIGLINT_CACHE_DIR=str(BENCH / "cache"))

TEMPLATE = """apiVersion: apps/v1
kind: {kind}
metadata:
  name: app-{i}
  namespace: team-{ns}
  labels: {{app: app-{i}}}
spec:
  replicas: 2
  selector:
    matchLabels: {{app: app-{i}}}
  template:
    metadata:
      labels: {{app: app-{i}}}
    spec:
      hostNetwork: {host}
      securityContext:
        runAsNonRoot: {nonroot}
      containers:
        - name: app
          image: {image}
          ports:
            - containerPort: 8080
          env:
            - name: LEVEL
              value: info
          resources:
            limits:
              cpu: 500m
              memory: 256Mi
          securityContext:
            privileged: {priv}
            allowPrivilegeEscalation: false
"""
IMAGES = ["registry1.dso.mil/ironbank/opensource/nginx/nginx:1.27.0", "nginx:1.25", "quay.io/prometheus/node-exporter:v1.8.0", "registry1.dso.mil/ironbank/redis:7.2"]


def generate(dest: Path, files: int, per_file: int) -> None:
    marker = dest / f".done-{files}x{per_file}"
    if marker.exists():
        return
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    n = 0
    for f in range(files):
        docs = []
        for _ in range(per_file):
            docs.append(TEMPLATE.format(kind=["Deployment", "StatefulSet", "DaemonSet"][n % 3], i=n, ns=n % 50,
                                        host=str(n % 17 == 0).lower(), nonroot=str(n % 5 != 0).lower(),
                                        image=IMAGES[n % len(IMAGES)], priv=str(n % 23 == 0).lower()))
            n += 1
        (dest / f"batch-{f:04}.yaml").write_text("---\n".join(docs))
    marker.touch()


def measure(cmd, runs=3, cwd=None):
    """Median wall seconds and max peak RSS (MiB) over runs; output discarded."""
    walls, rss, code = [], [], None
    for _ in range(runs):
        start = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV, cwd=cwd)
        _, status, usage = os.wait4(p.pid, 0)
        walls.append(time.perf_counter() - start)
        rss.append(usage.ru_maxrss / 1024)
        code = os.waitstatus_to_exitcode(status)
    return statistics.median(walls), max(rss), code


def checkov_bin() -> Path:
    venv = BENCH / "venv"
    exe = venv / "bin" / "checkov"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", "checkov==3.3.30"], check=True)
    return exe


def main() -> None:
    BENCH.mkdir(parents=True, exist_ok=True)
    subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "stiglint"], cwd=ROOT, check=True)
    gen = BENCH / "gen"
    generate(gen, 1000, 100)
    slice_dir = BENCH / "gen-slice"
    if not slice_dir.exists():
        slice_dir.mkdir()
        for f in sorted(gen.glob("batch-*.yaml"))[:20]:
            shutil.copy(f, slice_dir / f.name)
    one = ROOT / "examples" / "k8s" / "web.yaml"
    checkov = checkov_bin()
    runs = 1 if QUICK else 3

    def stig(path):
        return [str(STIGLINT), "check", "--format", "json", str(path)]

    def ckv(path, framework="kubernetes"):
        return [str(checkov), "-d", str(path), "--framework", framework, "--skip-download", "--quiet", "--compact", "-o", "json"]

    subprocess.run(stig(one), stdout=subprocess.DEVNULL, env=ENV)  # warm the plugin cache
    rows = []
    for folder in K8S_FOLDERS:
        path = CORPUS / folder
        s = measure(stig(path), runs)
        c = measure(ckv(path), runs)
        rows.append((f"corpus/{folder}", s, c, 1))
    # Terraform: the real terraform-aws-eks tree (Checkov takes about two minutes on it: one run).
    tf = CORPUS / "terraform-aws-eks"
    s = measure(stig(tf), runs)
    c = measure(ckv(tf, "terraform"), 1)
    rows.append(("corpus/terraform-aws-eks (Terraform)", s, c, 1))
    s = measure(stig(slice_dir), runs)
    slice_ckv = measure(ckv(slice_dir), 1)
    rows.append(("generated, 2,000 documents", s, slice_ckv, 1))
    s100k = measure(stig(gen), runs)
    rows.append(("generated, 100,000 documents", s100k, None, 50))
    one_s = measure(stig(one), 10 if not QUICK else 3)
    baseline_true = measure(["true"], 10)

    lines = ["| input | stiglint wall | stiglint peak RSS | Checkov 3.3.30 wall | Checkov peak RSS | speed-up |",
             "|---|---:|---:|---:|---:|---:|"]
    for name, (sw, sr, _), c, scale in rows:
        if c is None:
            # Per-document comparison against the 2,000-document slice's Checkov time.
            cw = slice_ckv[0] * scale
            lines.append(f"| {name} | {sw:.2f} s | {sr:.0f} MiB | ≈{cw:.0f} s (extrapolated ×{scale} from 2,000 docs) | – | ≈{cw / sw:.0f}× |")
        else:
            cw, cr, _ = c
            lines.append(f"| {name} | {sw:.3f} s | {sr:.0f} MiB | {cw:.2f} s | {cr:.0f} MiB | {cw / sw:.0f}× |")
    lines.append(f"| one file, warm plugin cache | {one_s[0] * 1000:.0f} ms | {one_s[1]:.0f} MiB | | | (process start `true`: {baseline_true[0] * 1000:.1f} ms) |")
    # The cost of the second built-in plugin (cluster configuration), in the same run: the
    # workload plugin alone (loaded from its .wasm) against both built-in plugins.
    workload = ROOT / "target" / "wasm-plugins" / "wasm32-wasip2" / "release" / "stiglint_plugin_workload.wasm"
    lines += ["", "| input | workload plugin alone | both built-in plugins | ratio |", "|---|---:|---:|---:|"]
    for name, path in [("corpus/helm-rendered", CORPUS / "helm-rendered"), ("generated, 100,000 documents", gen)]:
        alone = measure(stig(path) + ["--no-builtin-plugins", "--plugin", str(workload)], runs)
        both = measure(stig(path), runs)
        lines.append(f"| {name} | {alone[0]:.3f} s, {alone[1]:.0f} MiB | {both[0]:.3f} s, {both[1]:.0f} MiB | {both[0] / alone[0]:.2f}× |")
    table = "\n".join(lines)
    print(table)
    (BENCH / "results.md").write_text(table + "\n")


if __name__ == "__main__":
    main()
