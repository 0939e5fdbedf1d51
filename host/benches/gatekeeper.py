#!/usr/bin/env python3
"""Gatekeeper templates in stiglint, timed through the CLI (release build when present), one run.

    python3 host/benches/gatekeeper.py [--quick] [--baseline PATH-TO-AN-OLDER-STILGLINT]

* **verify**: 49 suites of our own (the shape of the gatekeeper-library's: a template, one
  constraint per test, five or six cases of sample objects, an UPDATE AdmissionReview),
  generated from the three templates of examples/gatekeeper; `stiglint verify` over all of them.
  The issue's budget is 5 s.
* **100k Deployments**: 100,000 Deployments in 100 files, checked without policies and with
  five templates (none reads data.inventory) given with --policy, `--no-result-cache`; and the
  same with `scan-policies = false`. The issue's budget is 2x the run without them. With
  `--baseline BIN`, the run without policies is also timed with that binary (a build without
  the gatekeeper plugin), which shows what the plugin costs a scan that has no policies.

Results are printed as Markdown and written to target/bench/gatekeeper.md.
"""
import os, shutil, statistics, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "target" / "bench" / "gatekeeper"
QUICK = "--quick" in sys.argv
BASELINE = Path(sys.argv[sys.argv.index("--baseline") + 1]) if "--baseline" in sys.argv else None
RELEASE = ROOT / "target" / "release" / "stiglint"
DEBUG = ROOT / "target" / "debug" / "stiglint"
EXAMPLES = ROOT / "examples" / "gatekeeper"

EXTRA_TEMPLATES = {
    "required-labels.yaml": """apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: k8sbenchlabels
spec:
  crd:
    spec:
      names:
        kind: K8sBenchLabels
      validation:
        openAPIV3Schema:
          type: object
          properties:
            labels: {type: array, items: {type: string}}
  targets:
    - target: admission.k8s.gatekeeper.sh
      rego: |
        package k8sbenchlabels

        violation[{"msg": msg}] {
          required := input.parameters.labels[_]
          not input.review.object.metadata.labels[required]
          msg := sprintf("%v <%v> has no label %v", [input.review.kind.kind, input.review.name, required])
        }
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sBenchLabels
metadata:
  name: owner-label
spec:
  match:
    kinds: [{apiGroups: ["apps"], kinds: ["Deployment"]}]
  parameters:
    labels: ["owner"]
""",
    "no-latest.yaml": """apiVersion: templates.gatekeeper.sh/v1
kind: ConstraintTemplate
metadata:
  name: k8sbenchnolatest
spec:
  crd:
    spec:
      names:
        kind: K8sBenchNoLatest
  targets:
    - target: admission.k8s.gatekeeper.sh
      rego: |
        package k8sbenchnolatest

        violation[{"msg": msg}] {
          c := input.review.object.spec.template.spec.containers[_]
          endswith(c.image, ":latest")
          msg := sprintf("Container <%v> uses a latest tag", [c.name])
        }
---
apiVersion: constraints.gatekeeper.sh/v1beta1
kind: K8sBenchNoLatest
metadata:
  name: no-latest
""",
}

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
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
      containers:
        - name: app
          image: registry.example.com/app:{tag}
          securityContext:
            privileged: {priv}
          resources:
            limits:
              cpu: 500m
"""


def stiglint():
    exe = RELEASE if RELEASE.exists() else DEBUG
    if not exe.exists():
        subprocess.run(["cargo", "build", "--release", "-p", "stiglint"], cwd=ROOT, check=True)
        exe = RELEASE
    return exe


def timed(cmd, runs=3):
    times, code = [], None
    for _ in range(runs):
        t = time.perf_counter()
        p = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           env=dict(os.environ, STIGLINT_CACHE_DIR=str(BENCH / "cache")))
        times.append(time.perf_counter() - t)
        code = p.returncode
        if code not in (0, 1):
            sys.exit(f"{' '.join(map(str, cmd))} exited {code}: {p.stderr.decode()[-2000:]}")
    return statistics.median(times), code


def suites(n=49):
    out = BENCH / "suites"
    shutil.rmtree(out, ignore_errors=True)
    policies = sorted(p for p in EXAMPLES.iterdir() if p.is_dir())
    for i in range(n):
        src = policies[i % len(policies)]
        dst = out / f"{i:02d}-{src.name}"
        shutil.copytree(src, dst)
        suite = (dst / "suite.yaml").read_text()
        (dst / "suite.yaml").write_text(suite.replace("name: stig-", f"name: s{i:02d}-stig-"))
    return out


def deployments(n):
    out = BENCH / f"deploy-{n}"
    if out.exists():
        return out
    out.mkdir(parents=True)
    per = n // 100
    for f in range(100):
        docs = [DEPLOYMENT.format(i=i, ns=i % 40, host=str(i % 11 == 0).lower(),
                                  priv=str(i % 7 == 0).lower(),
                                  tag="latest" if i % 13 == 0 else f"1.{i % 50}")
                for i in range(f * per, (f + 1) * per)]
        (out / f"part-{f:03d}.yaml").write_text("---\n".join(docs))
    return out


def policies():
    out = BENCH / "policies"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    for p in sorted(EXAMPLES.iterdir()):
        if p.is_dir():
            (out / f"{p.name}-template.yaml").write_text((p / "template.yaml").read_text())
            constraint = next((p / "samples").iterdir()) / "constraint.yaml"
            (out / f"{p.name}-constraint.yaml").write_text(constraint.read_text())
    for name, text in EXTRA_TEMPLATES.items():
        (out / name).write_text(text)
    return out


def main():
    BENCH.mkdir(parents=True, exist_ok=True)
    exe = stiglint()
    rows = []
    s = suites()
    cases = subprocess.run([exe, "verify", "--format", "json", s], cwd=ROOT, capture_output=True,
                           env=dict(os.environ, STIGLINT_CACHE_DIR=str(BENCH / "cache")))
    import json
    n_cases = len(json.loads(cases.stdout)["cases"])
    t, code = timed([exe, "verify", s])
    rows.append(("verify: 49 suites, %d cases" % n_cases, t, code, ""))
    n = 10_000 if QUICK else 100_000
    d = deployments(n)
    p = policies()
    conf = BENCH / "no-scan.toml"
    conf.write_text("[plugin-settings.gatekeeper]\nscan-policies = false\n")
    base = [exe, "check", "--no-config", "--no-result-cache", "-o", "/dev/null"]
    t0, c0 = timed(base + [d], runs=1 if not QUICK else 3)
    t1, c1 = timed(base + ["--policy", p, d], runs=1 if not QUICK else 3)
    nocfg = [exe, "check", "--config", conf, "--no-result-cache", "-o", "/dev/null"]
    t2, c2 = timed(nocfg + [d], runs=1 if not QUICK else 3)
    t3, c3 = timed(nocfg + ["--policy", p, d], runs=1 if not QUICK else 3)
    if BASELINE:
        tb, cb = timed([BASELINE, "check", "--no-config", "--no-result-cache", "-o", "/dev/null", d],
                       runs=1 if not QUICK else 3)
        rows.append((f"{n:,} Deployments, baseline binary (no gatekeeper plugin)", tb, cb, f"{tb / t0:.2f}x"))
    rows.append((f"{n:,} Deployments, no policies", t0, c0, "1.00x"))
    rows.append((f"{n:,} Deployments, 5 templates (--policy)", t1, c1, f"{t1 / t0:.2f}x"))
    rows.append((f"{n:,} Deployments, no policies, scan-policies = false", t2, c2, f"{t2 / t0:.2f}x"))
    rows.append((f"{n:,} Deployments, 5 templates, scan-policies = false", t3, c3, f"{t3 / t2:.2f}x of the row above"))
    lines = [f"binary: {exe.relative_to(ROOT)}", "", "| run | wall (s) | exit | ratio |", "|---|---:|---:|---:|"]
    lines += [f"| {r[0]} | {r[1]:.2f} | {r[2]} | {r[3]} |" for r in rows]
    text = "\n".join(lines) + "\n"
    print(text)
    (ROOT / "target" / "bench" / "gatekeeper.md").write_text(text)


if __name__ == "__main__":
    main()
