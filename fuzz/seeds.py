#!/usr/bin/env python3
"""Fill fuzz/corpus/<target>/ with seeds made at run time from the shared corpus
(../shared/corpus beside the repository) and the repository's examples. Nothing from the
shared corpus is committed. Usage: seeds.py SHARED_CORPUS OUT_DIR [--all]

Without --all, a deterministic sample (at most LIMIT files per target, each at most 64 KiB)
keeps a short CI run's start-up short; --all takes every file up to 1 MiB."""

import hashlib
import json
import os
import sys
from pathlib import Path

LIMIT = 200


def frame(message):
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def sample(paths, every, max_size):
    paths = [p for p in sorted(paths) if p.is_dir() or (p.is_file() and p.stat().st_size <= max_size)]
    if every:
        return paths
    # A stable spread over the folders: order by a hash of the path.
    paths.sort(key=lambda p: hashlib.sha256(str(p).encode()).hexdigest())
    return sorted(paths[:LIMIT])


def write(out, target, data):
    d = out / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()).write_bytes(data)


def main():
    shared = Path(sys.argv[1])
    out = Path(sys.argv[2])
    every = "--all" in sys.argv[3:]
    max_size = (1 << 20) if every else (64 << 10)
    repo = Path(__file__).resolve().parent.parent
    if not shared.is_dir():
        print(f"seeds.py: no shared corpus at {shared}; using the committed seeds only")
        shared = None
    counts = {}

    def add(target, data):
        write(out, target, data)
        counts[target] = counts.get(target, 0) + 1

    manifests = list(repo.glob("examples/**/*.yaml")) + list(repo.glob("examples/**/*.yml"))
    jsons = list(repo.glob("examples/**/*.json"))
    tf_dirs = {p.parent for p in repo.glob("examples/**/*.tf")}
    if shared:
        manifests += list(shared.rglob("*.yaml")) + list(shared.rglob("*.yml"))
        jsons += list(shared.rglob("*.json"))
        tf_dirs |= {p.parent for p in shared.rglob("*.tf")}
    # yaml: the first byte picks the file name (0: .yaml, 1: .json).
    for p in sample(manifests, every, max_size):
        add("yaml", b"\x00" + p.read_bytes())
    for p in sample(jsons, every, max_size):
        add("yaml", b"\x01" + p.read_bytes())
        add("plan", p.read_bytes())
    # terraform: a module's files joined by NUL (main.tf, variables.tf, sub/main.tf).
    for d in sample(tf_dirs, every, float("inf")):
        files = sorted(d.glob("*.tf"))
        main = [f for f in files if f.name == "main.tf"] or files[:1]
        rest = [f for f in files if f not in main]
        parts = [f.read_bytes() for f in main + rest[:1]]
        data = b"\x00".join(parts)
        if len(data) <= max_size:
            add("terraform", data)
    # lsp: a session that opens a manifest, changes it, hovers and asks for code actions.
    for p in sample(manifests, every, max_size)[: LIMIT // 4]:
        uri = "file:///tmp/stiglint-fuzz-lsp/" + p.name
        text = p.read_text(errors="replace")
        session = [
            {"jsonrpc": "2.0", "method": "textDocument/didOpen",
             "params": {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}},
            {"jsonrpc": "2.0", "id": 1, "method": "textDocument/hover",
             "params": {"textDocument": {"uri": uri}, "position": {"line": 5, "character": 4}}},
            {"jsonrpc": "2.0", "id": 2, "method": "textDocument/codeAction",
             "params": {"textDocument": {"uri": uri},
                        "range": {"start": {"line": 5, "character": 0}, "end": {"line": 6, "character": 0}},
                        "context": {"diagnostics": []}}},
            {"jsonrpc": "2.0", "method": "textDocument/didChange",
             "params": {"textDocument": {"uri": uri, "version": 2},
                        "contentChanges": [{"range": {"start": {"line": 1, "character": 0},
                                                      "end": {"line": 1, "character": 3}}, "text": "x"}]}},
            {"jsonrpc": "2.0", "method": "textDocument/didClose", "params": {"textDocument": {"uri": uri}}},
        ]
        add("lsp", b"".join(frame(m) for m in session))
    for target, n in sorted(counts.items()):
        print(f"seeds.py: {n} seeds for {target}")


if __name__ == "__main__":
    main()
