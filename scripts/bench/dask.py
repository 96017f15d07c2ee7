#!/usr/bin/env python3
"""Issue 14's figures, side by side in one run: run.sh's 8-file set (~1 GB uncompressed) by
`motcua run --threads 2` and by `motcua-dask --local 2` (2 worker processes, 1 thread each),
in interleaved rounds; the driver's phases; map output bytes per uncompressed input byte.
Every dask run's outputs are compared with motcua run's (summary.json's timing aside).

    scripts/bench/dask.py          # BENCH_DIR, BENCH_SCRATCH, BENCH_NO_BUILD as run.sh; DASK_ROUNDS (5)
    DASK_COPIES=8 scripts/bench/dask.py   # the set copied 8 times under other names (~8 GB):
                                          # the cluster's fixed costs against a larger run
    DASK_START="fork spawn" scripts/bench/dask.py   # --local's worker start methods, side by side
"""
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORK = os.environ.get("BENCH_DIR", "/tmp/motcua-bench")
MOTCUA = os.path.join(ROOT, os.environ.get("BENCH_SCRATCH", ".build-bench"), "release", "motcua")
ROUNDS = int(os.environ.get("DASK_ROUNDS", "5"))
COPIES = int(os.environ.get("DASK_COPIES", "1"))
METHODS = os.environ.get("DASK_START", "fork").split()
VENV = os.path.join(ROOT, ".build-dask", "venv")


def sh(argv, **kw):
    return subprocess.run(argv, check=True, **kw)


def outputs(d):
    out = {}
    for n in sorted(os.listdir(d)):
        if n.startswith("."):
            continue
        data = open(os.path.join(d, n), "rb").read()
        if n == "summary.json":
            s = json.loads(data)
            s.pop("wall_seconds", None)
            s.pop("mb_per_s", None)
            data = json.dumps(s, sort_keys=True).encode()
        out[n] = data
    return out


def main():
    load_before = os.getloadavg()
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], stdout=subprocess.PIPE).stdout.decode().strip()
    sh([os.path.join(ROOT, "scripts/bench/run.sh")], env=dict(os.environ, BENCH_INPUTS_ONLY="1"), stdout=subprocess.DEVNULL)
    if not os.path.exists(os.path.join(VENV, "bin", "python")):
        sh([sys.executable, "-m", "venv", VENV])
    sh([os.path.join(VENV, "bin", "pip"), "install", "-q", "--disable-pip-version-check", "-e", os.path.join(ROOT, "integrations/dask")])
    inputs = f"{WORK}/set/part-*.ndjson.gz"
    if COPIES > 1:
        # Copies, not links: one file reached by two paths is read once.
        copies = f"{WORK}/dask-set-{COPIES}"
        os.makedirs(copies, exist_ok=True)
        for k in range(COPIES):
            for n in sorted(os.listdir(f"{WORK}/set")):
                target = f"{copies}/c{k:02d}-{n}"
                if not os.path.exists(target):
                    shutil.copyfile(f"{WORK}/set/{n}", target)
        inputs = f"{copies}/c*-part-*.ndjson.gz"
    pipeline = os.path.join(WORK, "dask.yaml")
    with open(pipeline, "w") as f:
        f.write(f"""version: 1
name: bench-dask
timezone: "+07:00"
inputs:
  - format: dvcqg-ndjson
    paths: ["{inputs}"]
periods: {{ kind: month, from: 2024-01-01, to: 2024-12-31 }}
rules: tt01
outputs: {{ dir: {WORK}/out/dask-run, formats: [csv] }}
""")
    run = [MOTCUA, "run", pipeline, "--quiet", "--threads", "2", "--out", f"{WORK}/out/dask-run"]
    work = f"{WORK}/dask-work"
    dask = [os.path.join(VENV, "bin", "motcua-dask"), pipeline, "--local", "2", "--motcua", MOTCUA, "--work", work,
            "--out", f"{WORK}/out/dask-cluster", "--quiet"]
    walls = {"run": [], **{m: [] for m in METHODS}}
    phases = []
    for r in range(ROUNDS + 1):   # the first round warms up and is not counted
        t = time.monotonic()
        sh(run)
        w_run = time.monotonic() - t
        if r > 0:
            walls["run"].append(w_run)
        for m in METHODS:
            keep = ["--keep-work"] if r == ROUNDS and m == METHODS[-1] else []
            shutil.rmtree(work, ignore_errors=True)
            t = time.monotonic()
            p = subprocess.run(dask + ["--start-method", m] + keep, stderr=subprocess.PIPE)
            if p.returncode != 0:
                sys.exit(f"motcua-dask failed ({p.returncode}):\n{p.stderr.decode()}")
            w_dask = time.monotonic() - t
            line = [l for l in p.stderr.decode().splitlines() if "phases (s)" in l][-1]
            assert outputs(f"{WORK}/out/dask-cluster") == outputs(f"{WORK}/out/dask-run"), "outputs differ"
            if r > 0:
                walls[m].append(w_dask)
                phases.append({k: float(v) for k, v in re.findall(r"(\w+) ([0-9.]+)", line.split(";")[0])})
            print(f"round {r}: run {w_run:.2f} s, dask ({m}) {w_dask:.2f} s ({line.split(': ', 1)[1]})", file=sys.stderr)
    summary = json.load(open(f"{WORK}/out/dask-run/summary.json"))
    uncompressed = sum(i["bytes"] for i in summary["inputs"])
    run_dir = os.path.join(work, [n for n in os.listdir(work) if n.startswith("run-")][0])
    maps = sum(os.path.getsize(os.path.join(d, n)) for d, _, ns in os.walk(run_dir) if "/map-" in d for n in ns)
    parts = sum(os.path.getsize(os.path.join(run_dir, "parts", n)) for n in os.listdir(os.path.join(run_dir, "parts")))
    shutil.rmtree(work, ignore_errors=True)
    med = {k: statistics.median(v) for k, v in walls.items()}
    print(f"{started}, commit {commit}, {COPIES} cop{'y' if COPIES == 1 else 'ies'} of the set; "
          f"load average before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f}")
    print(f"| command | wall median (s) | min – max (s) |\n|---|---:|---:|")
    print(f"| motcua run --threads 2 | {med['run']:.2f} | {min(walls['run']):.2f} – {max(walls['run']):.2f} |")
    for m in METHODS:
        print(f"| motcua-dask --local 2 --start-method {m} (cluster start included) | {med[m]:.2f} | {min(walls[m]):.2f} – {max(walls[m]):.2f} |")
    print("\n" + ", ".join(f"dask ({m}) / run: {med[m] / med['run']:.2f}×" for m in METHODS))
    for k in ("list", "map", "reduce", "finish", "total"):
        print(f"- {k}: median {statistics.median(p[k] for p in phases):.2f} s")
    print(f"- map output {maps:,} B, reduced partitions {parts:,} B, uncompressed input {uncompressed:,} B: "
          f"{maps / uncompressed:.4f} map bytes per input byte")


if __name__ == "__main__":
    main()
