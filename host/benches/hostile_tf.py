#!/usr/bin/env python3
"""Hostile Terraform against the evaluation budgets: each case must end within 10 s and under
1 GiB, with exit code 2 (an error naming the block and the limit), while a harmless module
scanned in the same run keeps its finding.

    python3 host/benches/hostile_tf.py [--binary PATH] [--keep]

Builds stiglint (release) unless --binary is given, generates every case in a temporary
directory, runs `stiglint --format json <case> good` once per case and prints a Markdown table:
wall time, peak RSS (GNU time, the stiglint process), exit code, the error, and whether the
harmless module's finding was kept. Exits 1 when a case breaks a bound or ends otherwise than
expected (two cases are valid configurations that must simply be judged).
"""
import json, os, shutil, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIMIT_SECONDS = 10.0
LIMIT_RSS_MIB = 1024.0
KILL_AFTER = 120.0

GOOD = """resource "aws_eks_cluster" "good" {
  name = "good"
  vpc_config {
    endpoint_public_access = true
  }
}
"""


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def case_range(d: Path) -> None:
    write(d / "main.tf", """locals {
  r = range(1e17, 1e17 + 1000)
}
resource "aws_s3_bucket" "b" {
  bucket = "b-${length(local.r)}"
}
""")


def case_join(d: Path) -> None:
    write(d / "main.tf", """locals {
  a = join("", [for i in range(1000) : "xxxxxxxxxx"])
  b = join("", [for i in range(1000) : local.a])
  c = join("", [for i in range(1000) : local.b])
  d = join("", [for i in range(1000) : local.c])
}
resource "aws_s3_bucket" "b" {
  bucket = try(local.d, "x")
}
""")


def case_list_doubling(d: Path) -> None:
    lines = ["locals {", '  l0 = ["x"]']
    for k in range(1, 40):
        lines.append(f"  l{k} = [local.l{k - 1}, local.l{k - 1}]")
    lines.append("}")
    lines.append('resource "aws_s3_bucket" "b" {\n  bucket = length(flatten(local.l39))\n}')
    write(d / "main.tf", "\n".join(lines) + "\n")


def case_replace(d: Path) -> None:
    write(d / "main.tf", """locals {
  k = join("", [for i in range(1000) : "xxxxxxxxxx"])
}
resource "aws_s3_bucket" "b" {
  bucket = replace(replace(local.k, "x", local.k), "x", local.k)
}
""")


def case_template_for(d: Path) -> None:
    write(d / "main.tf", """locals {
  k = join("", [for i in range(1000) : "xxxxxxxxxx"])
  t = "%{for i in range(1000)}%{for j in range(1000)}${local.k}%{endfor}%{endfor}"
}
resource "aws_s3_bucket" "b" {
  bucket = local.t
}
""")


def case_attr_chain(d: Path) -> None:
    # Each attribute refers twice to the previous one: 2^60 evaluations of small values.
    parts = ['resource "null_resource" "r0" {\n  triggers = { v = 1 }\n}']
    for k in range(1, 61):
        parts.append(
            f'resource "null_resource" "r{k}" {{\n  triggers = {{ v = null_resource.r{k - 1}.triggers.v + null_resource.r{k - 1}.triggers.v }}\n}}'
        )
    write(d / "main.tf", "\n".join(parts) + "\n")


def case_fan_out(d: Path) -> None:
    # Six calls per module, eight levels deep: 6^8 = 1,679,616 module instances uncapped.
    calls = lambda nxt: "".join(f'module "c{i}" {{\n  source = "{nxt}"\n}}\n' for i in range(6))
    write(d / "main.tf", calls("./m0"))
    for k in range(8):
        text = 'resource "aws_s3_bucket" "b" {\n  bucket = "b"\n}\n'
        if k < 7:
            text += calls(f"../m{k + 1}")
        write(d / f"m{k}" / "main.tf", text)


def case_for_each_literal(d: Path) -> None:
    # One million keys written out (a generated configuration): ~16 MB of HCL.
    keys = ",".join(f'"k{i}"' for i in range(1_000_000))
    write(d / "main.tf", f"""resource "aws_s3_bucket" "b" {{
  for_each = toset([{keys}])
  bucket   = each.key
}}
""")


def case_for_each_computed(d: Path) -> None:
    write(d / "main.tf", """locals {
  keys = flatten([for i in range(1000) : [for j in range(1000) : "k-${i}-${j}"]])
}
resource "aws_s3_bucket" "b" {
  for_each = toset(local.keys)
  bucket   = each.key
}
""")


def case_for_each_11k(d: Path) -> None:
    write(d / "main.tf", """locals {
  keys = flatten([for i in range(11) : [for j in range(1000) : "k-${i}-${j}"]])
}
resource "aws_s3_bucket" "b" {
  for_each = toset(local.keys)
  bucket   = each.key
}
""")


def case_dynamic(d: Path) -> None:
    write(d / "main.tf", """locals {
  rules = flatten([for i in range(20) : [for j in range(1000) : j]])
}
resource "aws_security_group" "sg" {
  dynamic "ingress" {
    for_each = local.rules
    content {
      from_port = ingress.value
    }
  }
}
""")


def case_object(d: Path, n: int) -> None:
    entries = "\n".join(f'    k{i} = "v{i}"' for i in range(n))
    write(d / "main.tf", f"""locals {{
  m = {{
{entries}
  }}
}}
resource "aws_s3_bucket" "b" {{
  bucket = length(local.m)
}}
""")


def case_local_chain(d: Path) -> None:
    chain = "".join(f"  a{i} = local.a{i - 1} + 1\n" for i in range(1, 20_000))
    write(d / "main.tf", f"""locals {{
  a0 = 1
{chain}}}
resource "aws_s3_bucket" "b" {{
  bucket = "b-${{local.a19999}}"
}}
""")


def case_tfvars(d: Path) -> None:
    entries = "\n".join(f'  k{i} = "v{i}"' for i in range(1_000_000))
    write(d / "terraform.tfvars", f"big = {{\n{entries}\n}}\n")
    write(d / "main.tf", """variable "big" {
  type    = map(string)
  default = {}
}
resource "aws_s3_bucket" "b" {
  for_each = var.big
  bucket   = each.value
}
""")


# (name, generator, expected exit code): 2 is an error naming the block and the limit; the
# attribute chain is valid Terraform (each attribute is evaluated once), so it must simply end.
CASES = [
    ("range(1e17, 1e17+1000)", case_range, 2),
    ("join over range(1000), 4 levels", case_join, 2),
    ("list doubling, 2^39", case_list_doubling, 2),
    ("replace every char by 10 KB, twice", case_replace, 2),
    ("template %{for} 1000x1000 of 10 KB", case_template_for, 2),
    ("attribute chain, 2^60 references", case_attr_chain, 1),
    ("module fan-out 6^8", case_fan_out, 2),
    ("for_each over 1M literal keys", case_for_each_literal, 2),
    ("for_each over 1M computed keys", case_for_each_computed, 2),
    ("for_each over 11,000 keys", case_for_each_11k, 2),
    ("dynamic over 20,000 elements", case_dynamic, 2),
    ("tfvars map of 1M entries", case_tfvars, 2),
    ("object of 20,000 keys in main.tf", lambda d: case_object(d, 20_000), 2),
    ("object of 10,000 keys (at the parse limit)", lambda d: case_object(d, 10_000), 1),
    ("chain of 20,000 locals", case_local_chain, 2),
]


def run(binary: Path, cwd: Path, case: str):
    env = dict(os.environ, STIGLINT_CACHE_DIR=str(cwd / "cache"))
    out = open(cwd / "out.json", "w")
    err = open(cwd / "err.txt", "w")
    # Peak RSS through /usr/bin/time: a child forked from this script would inherit the
    # script's own peak (Linux keeps ru_maxrss across fork and exec), which grows with the
    # inputs it generates.
    rss_file = cwd / "rss.txt"
    start = time.monotonic()
    proc = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", str(rss_file), str(binary), "--format", "json",
                             case, "good"], cwd=cwd, env=env, stdout=out, stderr=err,
                            start_new_session=True)
    killed = False
    while proc.poll() is None:
        if time.monotonic() - start > KILL_AFTER:
            os.killpg(proc.pid, 9)
            killed = True
            proc.wait()
            break
        time.sleep(0.01)
    wall = time.monotonic() - start
    out.close()
    err.close()
    code = proc.returncode
    try:
        rss_mib = int(rss_file.read_text().strip().splitlines()[-1]) / 1024.0
    except (ValueError, IndexError, OSError):
        rss_mib = float("nan")
    try:
        report = json.loads((cwd / "out.json").read_text())
    except ValueError:
        report = {}
    errors = [e for e in report.get("errors", []) if str(e.get("file", "")).startswith(case)]
    first = errors[0] if errors else {}
    where = f'{first.get("file", "?")}:{first.get("range", {}).get("start", {}).get("line", "?")}'
    message = first.get("message", (cwd / "err.txt").read_text().strip()[-200:])
    good = any(f.get("file") == "good/main.tf" for f in report.get("findings", []))
    return wall, rss_mib, code, killed, where, message, good


def main() -> int:
    args = sys.argv[1:]
    binary = ROOT / "target" / "release" / "stiglint"
    if "--binary" in args:
        binary = Path(args[args.index("--binary") + 1]).resolve()
    else:
        subprocess.run(["cargo", "build", "--release", "-p", "stiglint"], cwd=ROOT, check=True)
    work = Path(tempfile.mkdtemp(prefix="stiglint-hostile-tf-"))
    write(work / "good" / "main.tf", GOOD)
    # Warm the plugin cache so the first case does not pay for compiling plugins.
    subprocess.run([str(binary), "good"], cwd=work, env=dict(os.environ, STIGLINT_CACHE_DIR=str(work / "cache")),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rows, failed = [], False
    for i, (name, make, expected) in enumerate(CASES):
        case = f"case{i:02}"
        make(work / case)
        wall, rss, code, killed, where, message, good = run(binary, work, case)
        ok = (not killed and wall <= LIMIT_SECONDS and rss <= LIMIT_RSS_MIB and code == expected
              and good and (where != "?:?") == (expected == 2))
        failed |= not ok
        rows.append((name, wall, rss, code, good, ok, where, message))
    print(f"stiglint {binary}, {os.cpu_count()} cores\n")
    print("| case | wall | peak RSS | exit | other module judged | as expected | first error |")
    print("|---|---:|---:|---:|---|---|---|")
    for name, wall, rss, code, good, ok, where, message in rows:
        if where == "?:?":
            where, message = "-", ""
        message = message.replace("cannot evaluate: ", "").replace("|", "\\|")
        print(f"| {name} | {wall:.2f} s | {rss:.0f} MiB | {code} | {'yes' if good else 'NO'} | "
              f"{'yes' if ok else 'NO'} | `{where}` {message[:150]} |")
    if "--keep" in args:
        print(f"\ninputs kept in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
