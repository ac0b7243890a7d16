#!/usr/bin/env python3
"""Runs `wsus-triage inventory` over every file of ../shared/corpus (the public sample corpus):
no run may crash, every file must be listed, and no file may report an internal error."""
import json, os, subprocess, sys, pathlib

root = pathlib.Path(__file__).resolve().parents[2]
shared = pathlib.Path(os.environ.get("SHARED", root.parent / "shared"))
corpus = shared / "corpus"
binary = root / "target" / "release" / "wsus-triage"
if not corpus.is_dir():
    sys.exit(f"corpus not found at {corpus}")

files = sorted(p for p in corpus.rglob("*") if p.is_file())
failures = []

# 1. The corpus as one folder bundle: every file listed.
run = subprocess.run([str(binary), "inventory", "--format", "json", str(corpus)], capture_output=True, text=True)
if run.returncode not in (0, 1):
    failures.append(f"inventory of the corpus folder exited {run.returncode}: {run.stderr[-2000:]}")
else:
    doc = json.loads(run.stdout)
    listed = {f["path"] for f in doc["bundles"][0]["files"]}
    for p in files:
        rel = p.relative_to(corpus).as_posix()
        if rel not in listed:
            failures.append(f"{rel}: not listed")
    for f in doc["bundles"][0]["files"]:
        for prob in f["problems"]:
            if "internal error" in prob["message"]:
                failures.append(f"{f['path']}: {prob['message']}")
    print(f"{len(listed)} files listed from {corpus}")

# 2. Each file as a bundle of its own, with one thread and with four: same bytes out.
for p in files:
    outs = []
    for threads in ("1", "4"):
        r = subprocess.run([str(binary), "inventory", "--format", "json", "--threads", threads, str(p)], capture_output=True)
        if r.returncode not in (0, 1):
            failures.append(f"{p.name}: exit {r.returncode} with --threads {threads}: {r.stderr[-500:]!r}")
        outs.append(r.stdout)
    if outs[0] != outs[1]:
        failures.append(f"{p.name}: output differs between 1 and 4 threads")

if failures:
    print("\n".join(failures))
    sys.exit(1)
print(f"corpus inventory: {len(files)} files, all read without a crash")
