#!/usr/bin/env python3
"""The engine at size, timed through the CLI (release build), figures as ratios in one run.

    python3 host/benches/engine.py [--quick]

* **One huge file**: 100,000 Deployments in one ~30 MB YAML file (image `nginx:1.<i % 50>`,
  every 7th container privileged, resources with CPU limits only: dense findings, one image
  repository in 50 versions). Wall time, peak RSS (os.wait4) and exit code; the same shape at
  10,000 Deployments gives the growth ratio (linear = 10x).
* **Cold vs warm**: ../shared/corpus with an empty result cache (plugin cache warm) and again
  with the results cached; also a run with `--no-result-cache` as the baseline of "before
  the result cache" (plugin cache warm in every run).

Results are printed as Markdown and written to target/bench/engine.md.
"""
import os, shutil, statistics, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS = (ROOT / ".." / "shared" / "corpus").resolve()
BENCH = ROOT / "target" / "bench"
STIGLINT = ROOT / "target" / "release" / "stiglint"
QUICK = "--quick" in sys.argv

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{i}
  namespace: team-{ns}
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
          image: nginx:1.{tag}
          securityContext:
            privileged: {priv}
          resources:
            limits:
              cpu: 500m
"""


def generate(path: Path, n: int) -> Path:
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as f:
        for i in range(n):
            if i:
                f.write("---\n")
            f.write(DEPLOYMENT.format(i=i, ns=i % 20, tag=i % 50, priv=str(i % 7 == 0).lower()))
    return path


def measure(cmd, env, runs=3, cwd=None):
    """Median wall seconds, max peak RSS (MiB) and the exit code, output discarded."""
    walls, rss, code = [], [], None
    for _ in range(runs):
        start = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=cwd)
        _, status, usage = os.wait4(p.pid, 0)
        walls.append(time.perf_counter() - start)
        rss.append(usage.ru_maxrss / 1024)
        code = os.waitstatus_to_exitcode(status)
    return statistics.median(walls), max(rss), code


def main() -> None:
    subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "stiglint"], cwd=ROOT, check=True)
    cache = BENCH / "engine-cache"
    env = dict(os.environ, STIGLINT_CACHE_DIR=str(cache), STIGLINT_KEY_FILE=str(BENCH / "engine-key" / "cache.key"))
    rows = []
    # Warm the plugin cache.
    subprocess.run([str(STIGLINT), "controls"], env=env, stdout=subprocess.DEVNULL, check=True)

    big = 10_000 if QUICK else 100_000
    files = {n: generate(BENCH / "engine" / f"deployments-{n}.yaml", n) for n in (10_000, big)}
    results = {}
    for n, path in files.items():
        # --no-result-cache: the result cache would make the repeated runs warm (the plugin
        # cache stays warm).
        wall, rss, code = measure([str(STIGLINT), "check", "--no-result-cache", "--format", "json", str(path)], env,
                                  runs=1 if n > 10_000 else 3)
        results[n] = wall
        size = path.stat().st_size / 1e6
        rows.append((f"{n:,} Deployments, one {size:.0f} MB file", f"{wall:.2f} s", f"{rss:.0f} MiB", str(code)))
    if big != 10_000:
        rows.append(("growth 10k → 100k", f"{results[big] / results[10_000]:.2f}×", "", ""))

    # Cold (empty result cache, plugin cache warm), warm, and no cache at all.
    results_dir = cache / "results"
    corpus = [str(STIGLINT), "check", "--format", "json", "."]
    no_cache, _, code_none = measure(corpus + ["--no-result-cache"], env, cwd=CORPUS)
    colds = []
    for _ in range(3):
        shutil.rmtree(results_dir, ignore_errors=True)
        wall, _, code_cold = measure(corpus, env, runs=1, cwd=CORPUS)
        colds.append(wall)
    cold = statistics.median(colds)
    warm, warm_rss, code_warm = measure(corpus, env, runs=5, cwd=CORPUS)
    rows.append(("corpus, no result cache (`--no-result-cache`, as before the cache)", f"{no_cache:.3f} s", "", str(code_none)))
    rows.append(("corpus, cold (empty result cache, entries written)", f"{cold:.3f} s ({cold / no_cache:.2f}× no result cache)", "", str(code_cold)))
    rows.append(("corpus, warm", f"{warm:.3f} s ({cold / warm:.1f}× faster than cold)", f"{warm_rss:.0f} MiB", str(code_warm)))

    table = ["| shape | wall | peak RSS | exit |", "|---|---|---|---|"]
    table += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    text = "\n".join(table)
    print(text)
    (BENCH / "engine.md").write_text(text + "\n")


if __name__ == "__main__":
    main()
