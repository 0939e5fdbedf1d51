#!/usr/bin/env python3
"""Hostile inputs (issue 12 items 2, 8, 10, 11): time and peak memory of the release CLI on each.

    python3 host/benches/hostile.py [--no-build] [--keep] [--only N,...] [--binary PATH]

Builds stiglint (release) unless --no-build, generates every input in a temporary directory
(removed afterwards unless --keep; the 1 GB plan needs about 1 GB of disk), and runs
`stiglint check --format json` on each next to a good manifest with one finding. For each case
it prints the exit code, wall time, peak RSS (os.wait4, the process's own), whether a JSON
report came out, whether an error or a skip names the hostile file (and the line), and whether
the good file's finding was kept. A run is killed after 600 s (a hang). Results go to
target/bench/hostile.md as well.
"""
import json, os, shutil, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "target" / "bench"
STIGLINT = ROOT / "target" / "release" / "stiglint"
ENV = dict(os.environ, STIGLINT_CACHE_DIR=str(BENCH / "cache"))
HANG = 600

GOOD = """apiVersion: v1
kind: Pod
metadata:
  name: good
spec:
  containers:
    - name: app
      image: nginx:1.27
      securityContext:
        privileged: true
"""


def deep_block(d: Path) -> Path:
    p = d / "deep.yaml"
    p.write_text("kind: Pod\nspec:\n  x:\n    " + "- " * 20000 + "y\n")
    return p


def deep_flow(d: Path) -> Path:
    p = d / "deep-flow.yaml"
    p.write_text("kind: Pod\nspec: " + "[" * 20000 + "]" * 20000 + "\n")
    return p


def alias_bomb(d: Path) -> Path:
    # 2,000 documents, each just under the per-document alias limit (100,000 nodes).
    a = "[*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]"
    doc = ("a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b " + a + "\nc: &c " + a.replace("*a", "*b")
           + "\nd: &d " + a.replace("*a", "*c") + "\ne: [*d, *d, *d, *d, *d, *d, *d]\n")
    p = d / "alias-bomb.yaml"
    p.write_text("".join("---\n" + doc for _ in range(2000)))
    return p


def flow_200mb(d: Path) -> Path:
    p = d / "flow.yaml"
    with p.open("w") as f:
        f.write("kind: Pod\nspec: [")
        chunk = "1," * (1 << 20)
        for _ in range(100):  # 200 MiB
            f.write(chunk)
        f.write("1]\n")
    return p


def fifo_arg(d: Path) -> Path:
    p = d / "pipe.yaml"
    os.mkfifo(p)
    return p


def fifo_tfvars(d: Path) -> Path:
    m = d / "tf"
    m.mkdir()
    (m / "main.tf").write_text('resource "aws_eks_cluster" "c" {\n  name = var.n\n}\nvariable "n" {\n  default = "c"\n}\n')
    os.mkfifo(m / "x.auto.tfvars")
    return m


def dev_zero(d: Path) -> Path:
    p = d / "zero.yaml"
    p.symlink_to("/dev/zero")
    return p


def proc_environ(d: Path) -> Path:
    m = d / "leak"
    m.mkdir()
    (m / "main.tf").symlink_to("/proc/self/environ")
    (m / "x.auto.tfvars").symlink_to("/proc/self/environ")
    return m


def oversized(d: Path) -> Path:
    p = d / "big.yaml"
    with p.open("w") as f:
        f.write(GOOD)
        line = "# " + "x" * 1022 + "\n"
        for _ in range(100 * 1024):  # 100 MiB
            f.write(line)
    return p


def plan_1gb(d: Path) -> Path:
    """The 1 GB plan (made once per run, in the work directory)."""
    p = d.parent / "plan.json"
    if not p.exists():
        make_plan(p)
    return p


def make_plan(p: Path) -> None:
    """A valid plan of about 1 GB as `terraform show -json` writes it (one line, versions first,
    planned_values then resource_changes): security groups and node groups, and an EKS cluster
    every 500 resources (a plan's findings are about its few clusters)."""
    target = 1 << 30
    def values(i):
        kind = 0 if i % 500 == 0 else 1 + i % 2
        if kind == 0:
            t, v = "aws_eks_cluster", {"name": f"c{i}", "role_arn": f"arn:aws:iam::111122223333:role/r{i}", "version": "1.30",
                                       "enabled_cluster_log_types": ["api", "audit"],
                                       "vpc_config": [{"subnet_ids": [f"subnet-{i:08x}", f"subnet-{i+1:08x}"], "endpoint_private_access": True,
                                                       "endpoint_public_access": i % 7 == 0, "security_group_ids": None}],
                                       "encryption_config": [{"resources": ["secrets"], "provider": [{}]}]}
        elif kind == 1:
            t, v = "aws_eks_node_group", {"cluster_name": f"c{i}", "node_group_name": f"ng{i}", "instance_types": ["m5.large"],
                                          "scaling_config": [{"desired_size": 2, "max_size": 4, "min_size": 1}]}
        else:
            t, v = "aws_security_group", {"name": f"sg{i}", "description": "x" * 200,
                                          "ingress": [{"from_port": 443, "to_port": 443, "protocol": "tcp", "cidr_blocks": ["10.0.0.0/8"]}]}
        v["tags"] = {f"tag{k}": "value-" + "v" * 40 for k in range(12)}
        return t, v
    with p.open("w") as f:
        f.write('{"format_version":"1.2","terraform_version":"1.11.4","planned_values":{"root_module":{"resources":[')
        written, i, n = 0, 0, 0
        # planned_values: half the file.
        while written < target // 2:
            t, v = values(i)
            s = json.dumps({"address": f"{t}.r{i}", "mode": "managed", "type": t, "name": f"r{i}", "values": v}, separators=(",", ":"))
            f.write(("," if i else "") + s)
            written += len(s) + 1
            i += 1
        n = i
        f.write(']}},"resource_changes":[')
        for i in range(n):
            t, v = values(i)
            s = json.dumps({"address": f"{t}.r{i}", "mode": "managed", "type": t, "name": f"r{i}",
                            "change": {"actions": ["create"], "before": None, "after": v,
                                       "after_unknown": {"arn": True, "id": True}}}, separators=(",", ":"))
            f.write(("," if i else "") + s)
        f.write('],"configuration":{}}\n')


# name, maker, extra arguments, what must name it ("error" or "skipped")
CASES = [
    ("20,000 nested block sequences", deep_block, [], "error"),
    ("20,000 nested flow sequences", deep_flow, [], "error"),
    ("alias bomb: 2,000 documents under the per-document limit", alias_bomb, [], "error"),
    ("200 MiB one-line flow sequence (cap raised to 300M)", flow_200mb, ["--max-file-size", "300M"], "error"),
    ("FIFO argument", fifo_arg, [], "error"),
    ("FIFO x.auto.tfvars", fifo_tfvars, [], "error"),
    ("link to /dev/zero", dev_zero, [], "skipped"),
    (".tf and x.auto.tfvars linked to /proc/self/environ", proc_environ, [], "skipped"),
    ("100 MiB manifest (default cap 64 MiB)", oversized, [], "error"),
    ("1 GB plan JSON, default cap", plan_1gb, [], "error"),
    ("1 GB plan JSON, valid (cap raised to 2G)", plan_1gb, ["--max-file-size", "2G"], "judged"),
]


def run(args):
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        p = subprocess.Popen(args, stdout=out, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=ENV)
        deadline = start + HANG
        while True:
            pid, status, usage = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                p.kill()
                _, status, usage = os.wait4(p.pid, 0)
                return None, HANG, usage.ru_maxrss / 1024, None
            time.sleep(0.01)
        wall = time.perf_counter() - start
        out.seek(0)
        try:
            report = json.load(out)
        except ValueError:
            report = None
        return os.waitstatus_to_exitcode(status), wall, usage.ru_maxrss / 1024, report


def verdict(report, hostile: Path, expect: str):
    if report is None:
        return "no JSON report"
    name = str(hostile)
    named = [e for e in report.get("errors", []) if (e.get("file") or "").startswith(name)]
    skipped = [f for f in report.get("files", []) if f["name"].startswith(name) and f["status"] == "skipped"]
    good = any(f["file"].endswith("good.yaml") for f in report.get("findings", []))
    if expect == "error":
        what = "; ".join(f"{Path(e['file']).name}:{e.get('range', {}).get('start', {}).get('line', '-')}: {e['message'][:70]}" for e in named[:2]) or "NO ERROR NAMES IT"
    elif expect == "skipped":
        what = "; ".join(f"{Path(f['name']).name}: {f['reason'][:60]}" for f in skipped[:2]) or "NOT LISTED AS SKIPPED"
    else:
        docs = sum(f["documents"] for f in report.get("files", []) if f["name"].startswith(name))
        n = sum(1 for f in report.get("findings", []) if f["file"].startswith(name))
        what = f"{docs} resources judged, {n} findings, {len(named)} errors"
    return f"{what} | good file's finding {'kept' if good else 'LOST'}"


def main():
    global STIGLINT
    if "--binary" in sys.argv:
        STIGLINT = Path(sys.argv[sys.argv.index("--binary") + 1]).resolve()
    only = None
    if "--only" in sys.argv:
        only = set(sys.argv[sys.argv.index("--only") + 1].split(","))
    if "--no-build" not in sys.argv and "--binary" not in sys.argv:
        subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "stiglint", "--bin", "stiglint"], cwd=ROOT, check=True)
    BENCH.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="stiglint-hostile-"))
    rows = ["| case | exit | wall | peak RSS | what names it |", "|---|---:|---:|---:|---|"]
    try:
        (work / "good.yaml").write_text(GOOD)
        subprocess.run([str(STIGLINT), "check", str(work / "good.yaml")], stdout=subprocess.DEVNULL, env=ENV)  # warm the cache
        for i, (name, make, extra, expect) in enumerate(CASES):
            if only and str(i) not in only:
                continue
            d = work / f"case{i}"
            d.mkdir()
            t0 = time.perf_counter()
            hostile = make(d)
            gen = time.perf_counter() - t0
            code, wall, rss, report = run([str(STIGLINT), "check", "--no-config", "--format", "json", *extra,
                                           str(work / "good.yaml"), str(hostile)])
            row = f"| {name} | {code if code is not None else 'HUNG'} | {wall:.2f} s | {rss:.0f} MiB | {verdict(report, hostile, expect)} |"
            print(row, f"(generated in {gen:.1f} s)", flush=True)
            rows.append(row)
    finally:
        if "--keep" not in sys.argv:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print("inputs kept in", work)
    (BENCH / "hostile.md").write_text("\n".join(rows) + "\n")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
