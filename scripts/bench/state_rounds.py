#!/usr/bin/env python3
"""The state's nightly run against the full run, in interleaved rounds (issue 13).

    python3 scripts/bench/state_rounds.py ROUNDS BEFORE_BINARY AFTER_BINARY

Runs in the work folder `scripts/bench/state.sh` leaves (STATE_BENCH_DIR, /tmp/motcua-state-bench:
lean.yaml, the year's state st0 and st0a, the one kept `--as-of` the day before the new day).
Each round, for each binary in turn: the full run; the nightly run on a fresh copy of st0; the
cron night (`--as-of` the new day) on a fresh copy of st0a. Prints the medians and the
per-round ratios: on a machine whose speed drifts (a VM), a ratio taken within one round is the
figure to quote, not walls measured minutes apart.
"""
import os, statistics, subprocess, sys, time

rounds, before, after = int(sys.argv[1]), sys.argv[2], sys.argv[3]
os.chdir(os.environ.get("STATE_BENCH_DIR", "/tmp/motcua-state-bench"))
new_day = sorted(os.listdir("in"))[-1][5:15]   # hoso-YYYY-MM-DD.ndjson.gz
bins = {"before": before, "after": after}
modes = {"nightly": ("st0", []), "asof": ("st0a", ["--as-of", new_day])}
res = {k: {m: [] for m in ["full", "nightly", "asof", "r_nightly", "r_asof"]} for k in bins}


def timed(cmd):
    s = time.perf_counter()
    subprocess.run(cmd, check=True)
    return time.perf_counter() - s


for _ in range(rounds):
    for k, b in bins.items():
        full = timed([b, "run", "lean.yaml", "--quiet", "--threads", "2", "--out", "o-rounds-full"])
        res[k]["full"].append(full)
        for m, (state, extra) in modes.items():
            subprocess.run(f"rm -rf st-rounds && cp -a {state} st-rounds && sync", shell=True, check=True)
            n = timed([b, "run", "lean.yaml", "--quiet", "--threads", "2", "--state", "st-rounds", "--out", "o-rounds-" + m] + extra)
            res[k][m].append(n)
            res[k]["r_" + m].append(n / full)
med = statistics.median
for k in bins:
    d = res[k]
    print(f"{k} ({bins[k]}): full {med(d['full']):.3f} s; nightly {med(d['nightly']):.3f} s, ÷ full {med(d['r_nightly']):.3f} "
          f"({min(d['r_nightly']):.3f}-{max(d['r_nightly']):.3f}); cron night {med(d['asof']):.3f} s, ÷ full {med(d['r_asof']):.3f} "
          f"({min(d['r_asof']):.3f}-{max(d['r_asof']):.3f})")
for m in modes:
    print(f"after ÷ before per round, {m}: {med([a / b for a, b in zip(res['after'][m], res['before'][m])]):.3f}")
