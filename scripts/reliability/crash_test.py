#!/usr/bin/env python3
"""Crash test for atomic publishing (SPEC §7.2): SIGKILL `motcua run` at random moments and
check that the output directory always holds one complete set of outputs — the previous run's
or the new run's, never a mix or a partial file — and that the next run leaves no temporary
files behind.

    python3 scripts/reliability/crash_test.py [--binary .build/release/motcua] [--kills 200] [--mb 150]

Two pipelines over the same input write to one directory: A (months) and B (quarters), so
their outputs differ. Each round starts a run of one of them and kills it at a random moment
(during reading, rollup or publishing), then checks the directory against the two reference
sets. summary.json carries timings, so it is matched by its periods, not byte for byte.
"""
import argparse, hashlib, json, os, random, shutil, signal, subprocess, sys, tempfile, time

OUTPUTS = ["counters.csv", "counters.json", "kpis.csv", "kpis.json", "rejects.ndjson", "summary.json"]

def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()

def snapshot(out):
    names = sorted(n for n in os.listdir(out) if not n.startswith("."))
    state = {}
    for n in names:
        if n == "summary.json":
            with open(os.path.join(out, n)) as f:
                state[n] = tuple(json.load(f)["periods"])   # must parse: never partial
        else:
            state[n] = digest(os.path.join(out, n))
    return state

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=".build/release/motcua")
    ap.add_argument("--kills", type=int, default=200)
    ap.add_argument("--mb", type=int, default=150)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    binary = os.path.abspath(a.binary)
    rng = random.Random(a.seed)
    work = tempfile.mkdtemp(prefix="motcua-crash-")
    here = os.path.dirname(os.path.abspath(__file__))
    data = os.path.join(work, "data")
    os.makedirs(data)
    subprocess.run([sys.executable, os.path.join(here, "..", "bench", "gen_big.py"), "--mb", str(a.mb),
                    "--out", os.path.join(data, "export.ndjson.gz")], check=True, stdout=subprocess.DEVNULL)
    for name, kind in (("a", "month"), ("b", "quarter")):
        with open(os.path.join(work, f"{name}.yaml"), "w") as f:
            f.write(f"version: 1\nname: {name}\ninputs: [{{format: dvcqg-ndjson, paths: [\"data/*.gz\"]}}]\n"
                    f"periods: {{kind: {kind}, from: 2024-01-01, to: 2024-12-31}}\noutputs: {{dir: out}}\n"
                    f"limits: {{max_reject_rate: 1}}\n")
    def run(name, out="out", kill_after=None):
        p = subprocess.Popen([binary, "run", f"{name}.yaml", "--quiet", "--out", out], cwd=work,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if kill_after is None:
            return p.wait()
        time.sleep(kill_after)
        p.send_signal(signal.SIGKILL)
        return p.wait()
    # Reference sets, and how long a full run takes.
    refs = {}
    for name in ("a", "b"):
        t = time.time()
        assert run(name, out=f"ref-{name}") == 0
        refs[name] = (snapshot(os.path.join(work, f"ref-{name}")), time.time() - t)
    duration = max(r[1] for r in refs.values())
    assert run("a") == 0
    out = os.path.join(work, "out")
    counts = {"a": 0, "b": 0}
    for i in range(a.kills):
        name = rng.choice("ab")
        # Half the kills land near the end, where the publisher works.
        when = rng.uniform(0, duration * 1.1) if rng.random() < 0.5 else rng.uniform(duration * 0.8, duration * 1.05)
        run(name, kill_after=when)
        state = snapshot(out)
        match = [n for n, (ref, _) in refs.items() if state == ref]
        if not match:
            print(f"FAIL round {i}: output dir holds neither complete set: {sorted(state)}")
            shutil.copytree(out, os.path.join(work, f"fail-{i}"))
            print("kept in", work)
            return 1
        counts[match[0]] += 1
        # The next complete run cleans up whatever the killed one left.
        if rng.random() < 0.3:
            assert run(rng.choice("ab")) == 0
            leftovers = [n for n in os.listdir(work) if ".motcua-tmp-" in n]
            leftovers += [n for n in os.listdir(out) if n.startswith(".motcua-tmp-")]
            if leftovers:
                print(f"FAIL round {i}: temporary files after a complete run: {leftovers}")
                return 1
    shutil.rmtree(work)
    print(f"{a.kills} kills: output dir always complete (set A {counts['a']} times, set B {counts['b']} times); "
          f"no temporary files after the next run")
    return 0

if __name__ == "__main__":
    sys.exit(main())
