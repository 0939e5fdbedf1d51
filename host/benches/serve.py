#!/usr/bin/env python3
"""`stiglint serve` under load (issue 16): latency, throughput, memory and errors.

    python3 host/benches/serve.py [--no-build] [--binary PATH] [--duration 60] [--rate 1000]
                                  [--connections 64] [--threads 2] [--fixture NAME]

Builds stiglint (release) unless --no-build or --binary, makes a self-signed certificate with
openssl, starts `stiglint serve` on loopback with tests/data/admission/stiglint.toml, waits for
/readyz, and drives `POST /validate` with one Deployment per review (an AdmissionReview fixture
of tests/data/admission, default create-warnings.json: two findings returned as warnings) over
keep-alive HTTPS connections with wrk (Debian package `wrk`, installed if missing). wrk keeps
each connection busy in turn; a Lua `delay()` spaces each connection's requests so that the
64 connections together offer about --rate reviews per second (wrk is closed-loop: the rate
reached is reported as measured). Prints wrk's latency percentiles (p50/p75/p90/p99), the
rate, non-2xx responses and socket errors, and the server's RSS (VmRSS at the end, VmHWM peak)
from /proc. Results go to target/bench/serve.md too.
"""
import argparse, os, re, shutil, subprocess, sys, tempfile, time, ssl, urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "target" / "bench"
DATA = ROOT / "tests" / "data" / "admission"

LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("{body}", "rb")
wrk.body = f:read("*a")
f:close()
function delay()
  return {delay}
end
denied = 0
function response(status, headers, body)
  if status ~= 200 then
    io.stderr:write("status " .. status .. "\\n")
  end
end
"""


def ensure_wrk():
    if shutil.which("wrk"):
        return
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run(sudo + ["apt-get", "update", "-q"], check=True)
    subprocess.run(sudo + ["apt-get", "install", "-y", "-q", "wrk"], check=True,
                   env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))


def status(pid):
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        k, _, v = line.partition(":")
        if k in ("VmRSS", "VmHWM"):
            out[k] = int(v.split()[0]) // 1024
    return out


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--binary")
    ap.add_argument("--duration", type=int, default=60, help="seconds of load (600: the soak)")
    ap.add_argument("--rate", type=int, default=1000, help="reviews per second offered")
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2, help="wrk threads")
    ap.add_argument("--workers", type=int, default=None, help="server worker threads")
    ap.add_argument("--fixture", default="create-warnings.json")
    a = ap.parse_args()

    binary = Path(a.binary) if a.binary else ROOT / "target" / "release" / "stiglint"
    if not a.no_build and not a.binary:
        subprocess.run(["cargo", "build", "--release", "-p", "stiglint", "--bin", "stiglint"],
                       cwd=ROOT, check=True)
    ensure_wrk()
    BENCH.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="stiglint-serve-bench-"))
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-keyout", tmp / "tls.key", "-out", tmp / "tls.crt", "-days", "1",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    log = open(tmp / "server.log", "w")
    cmd = [str(binary), "serve", "--addr", "127.0.0.1:0", "--tls-cert", str(tmp / "tls.crt"),
           "--tls-key", str(tmp / "tls.key"), "--config", str(DATA / "stiglint.toml")]
    if a.workers:
        cmd += ["--workers", str(a.workers)]
    env = dict(os.environ, STIGLINT_CACHE_DIR=str(BENCH / "cache"),
               STIGLINT_KEY_FILE=str(BENCH / "cache.key"))
    server = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, env=env)
    port = None
    for line in server.stderr:
        log.write(line)
        m = re.search(r"listening on https://127\.0\.0\.1:(\d+)", line)
        if m:
            port = int(m.group(1))
            break
    if port is None:
        sys.exit("the server did not start; see " + str(tmp / "server.log"))
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    base = f"https://127.0.0.1:{port}"
    started = time.time()
    while True:
        try:
            if urllib.request.urlopen(base + "/readyz", context=ctx).status == 200:
                break
        except Exception:
            pass
        if time.time() - started > 300:
            sys.exit("not ready after 300 s")
        time.sleep(0.1)
    ready = time.time() - started
    idle = status(server.pid)
    cpu_before = cpu_seconds(server.pid)
    load_before = os.getloadavg()[0]

    # A connection waits `delay` after each answer: its cycle is delay + latency (about 5-10 ms
    # under this load), so the delay is the cycle the rate asks for less 10 ms.
    delay = max(0, round(1000 * a.connections / a.rate) - 10)
    script = tmp / "post.lua"
    script.write_text(LUA.replace("{body}", str(DATA / a.fixture)).replace("{delay}", str(delay)))
    wrk = subprocess.run(["wrk", "-t", str(a.threads), "-c", str(a.connections), "-d", f"{a.duration}s",
                          "--latency", "--timeout", "10s", "-s", str(script), base + "/validate?timeout=10s"],
                         capture_output=True, text=True)
    loaded = status(server.pid)
    cpu = cpu_seconds(server.pid) - cpu_before
    load_after = os.getloadavg()[0]
    metrics = urllib.request.urlopen(base + "/metrics", context=ctx).read().decode()
    server.terminate()
    server.wait(timeout=10)
    out = wrk.stdout
    pct = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", out, re.M))
    rate = re.search(r"Requests/sec:\s+(\S+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockerr = re.search(r"Socket errors: (.*)", out)
    total = re.search(r"(\d+) requests in", out)
    bad = wrk.stderr.count("status ")
    report = f"""| measure | value |
|---|---|
| load | {a.connections} keep-alive connections, {a.threads} wrk threads, {a.duration} s, fixture {a.fixture}, offered ≈{a.rate}/s (delay {delay} ms per connection) |
| reviews | {total.group(1) if total else '?'} |
| rate | {rate.group(1) if rate else '?'} reviews/s |
| latency p50 / p75 / p90 / p99 | {pct.get('50')} / {pct.get('75')} / {pct.get('90')} / {pct.get('99')} |
| errors | non-2xx {non2xx.group(1) if non2xx else 0}, socket errors: {sockerr.group(1) if sockerr else 'none'}, bad status {bad} |
| server CPU | {cpu:.1f} s for {total.group(1) if total else '?'} reviews: {1000 * cpu / max(1, int(total.group(1) if total else 1)):.2f} ms per review |
| machine | {os.cpu_count()} cores, load average {load_before:.1f} before, {load_after:.1f} after (1 min) |
| server RSS | ready {idle.get('VmRSS')} MiB after {ready:.1f} s; end of load {loaded.get('VmRSS')} MiB; peak {loaded.get('VmHWM')} MiB |
| binary | {binary} |
"""
    print(out)
    print(report)
    outcomes = [l for l in metrics.splitlines() if l.startswith("stiglint_admission_requests_total")]
    print("\n".join(outcomes))
    (BENCH / "serve.md").write_text(report + "\n" + out)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
