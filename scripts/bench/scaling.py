#!/usr/bin/env python3
"""How far 2 threads can go on this machine (issue 5: 8 files, 2 threads >= 1.8x 1 thread).

Runs, in interleaved rounds (so the shared host's drift hits every command alike):
  t1    motcua run on the 8-file set with --threads 1
  t2    the same with --threads 2
  pair  two independent motcua processes at once, --threads 1 each, on the first and the
        last 4 files: a perfect split with no shared state, no merge and half the output work
        each -- the 2-way speedup the machine itself allows for this job
and prints the medians and the medians of the per-round ratios t1/t2, t1/pair and pair/t2.

    scripts/bench/run.sh            # once, to build motcua and make the inputs
    scripts/bench/scaling.py        # BENCH_DIR, BENCH_SCRATCH, SCALING_ROUNDS (15) as run.sh
"""
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORK = os.environ.get("BENCH_DIR", "/tmp/motcua-bench")
MOTCUA = os.path.join(ROOT, os.environ.get("BENCH_SCRATCH", ".build-bench"), "release", "motcua")
ROUNDS = int(os.environ.get("SCALING_ROUNDS", "15"))


def pipeline(name, paths):
    path = os.path.join(WORK, f"{name}.yaml")
    globs = ", ".join(f'"{p}"' for p in paths)
    with open(path, "w") as f:
        f.write(f"""version: 1
name: bench-{name}
timezone: "+07:00"
inputs:
  - format: dvcqg-ndjson
    paths: [{globs}]
periods: {{ kind: month, from: 2024-01-01, to: 2024-12-31 }}
rules: tt01
outputs: {{ dir: {WORK}/out/{name}, formats: [csv] }}
""")
    return path


def command(pipeline_path, threads, out):
    return [MOTCUA, "run", pipeline_path, "--threads", str(threads), "--quiet", "--out", out]


def timed(*commands):
    """Wall seconds until every command (started together) has exited successfully."""
    start = time.perf_counter()
    procs = [subprocess.Popen(c, stdout=subprocess.DEVNULL) for c in commands]
    codes = [p.wait() for p in procs]
    wall = time.perf_counter() - start
    if any(codes):
        sys.exit(f"a run failed ({codes}): {commands}")
    return wall


def main():
    files = sorted(os.path.join(WORK, "set", f) for f in os.listdir(os.path.join(WORK, "set"))
                   if f.startswith("part-") and f.endswith(".ndjson.gz"))
    if len(files) != 8 or not os.access(MOTCUA, os.X_OK):
        sys.exit("run scripts/bench/run.sh first (it builds motcua and makes the 8-file set)")
    whole = pipeline("scaling-all", files)
    first, last = pipeline("scaling-first", files[:4]), pipeline("scaling-last", files[4:])
    out = os.path.join(WORK, "out")
    runs = {"t1": [], "t2": [], "pair": []}
    timed(command(whole, 2, f"{out}/scaling-t2"))   # warm-up: inputs in the page cache
    for _ in range(ROUNDS):
        runs["t1"].append(timed(command(whole, 1, f"{out}/scaling-t1")))
        runs["t2"].append(timed(command(whole, 2, f"{out}/scaling-t2")))
        runs["pair"].append(timed(command(first, 1, f"{out}/scaling-first"), command(last, 1, f"{out}/scaling-last")))

    def ratio(a, b):
        return statistics.median(x / y for x, y in zip(runs[a], runs[b]))

    print(f"rounds: {ROUNDS}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load {os.getloadavg()[0]:.2f}")
    for name, values in runs.items():
        print(f"{name:5s} median {statistics.median(values):.3f} s  (min {min(values):.3f}, max {max(values):.3f})")
    print(f"t1/t2   (2-thread speedup)         median of per-round ratios: {ratio('t1', 't2'):.3f}")
    print(f"t1/pair (the machine's 2-way cap)  median of per-round ratios: {ratio('t1', 'pair'):.3f}")
    print(f"pair/t2 (1.0 = at the cap)         median of per-round ratios: {ratio('pair', 't2'):.3f}")


if __name__ == "__main__":
    main()
