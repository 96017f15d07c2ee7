#!/usr/bin/env python3
"""Crash test for the state between runs (issue 13, REFERENCE §7.7): SIGKILL `motcua run --state`
at random moments and at chosen system calls, then run again normally and check that nothing of
the kill shows.

    python3 scripts/reliability/state_crash_test.py [--binary .build/release/motcua] [--kills 120]
        [--no-strace] [--seed 1] [--deltas 2] [--selective] [--keep]

A history of daily exports (`motcua generate`, two seeds: the second one's files serve as
re-exports of a day) feeds a pipeline over `in/*.ndjson.gz`. The state starts with the first 20
days. Each round then changes the inputs the way nights do — one or two new days (sometimes
none), now and then a known day re-exported with other content (a rebuild), a late file that
sorts before the known ones, and, when the pool of days runs out, the inputs cut back to 20 days
(a rebuild: known files went) — and:

1. times the stateful run on a copy of the state (its duration for this very round);
2. starts `motcua run p.yaml --state st --out out` and SIGKILLs it at a random moment: uniform
   over the measured duration, or (a third of the kills) near its end, where the state is
   saved and switched and the outputs published; sometimes kills the next attempt too;
3. checks what the kill left: `out` holds one complete set, the previous run's or this
   round's (never a mix), and its `summary.json` names a generation no newer than `current`
   (outputs are published only after the state they match is current);
4. runs the same command again and checks: exit 0; every output file byte for byte equal to a
   run without a state over the same files (`--out full`; `summary.json` without its timing
   fields and its `state` object); `st` holds only `.motcua-state.lock`, `current` and the one
   generation folder `current` names, whose number `summary.json` → `state.generation` gives;
   `motcua state --verify st` exits 0; no temporary names left in `out` or beside it.

Every motcua run has MOTCUA_STATE_DELTAS set to `--deltas` (default 2: a state keeps at most two
deltas, REFERENCE §7.7): nights extending the state then write a delta over the previous
generation's hard-linked files, and every third one in a row compacts — both are killed.
(`--deltas ''` leaves motcua's own limit, which these small nights pass: every night compacts.)

Then the strace part (its pipeline without bieu-ii06a.xlsx, whose packing child process would
take the unlink injections: strace counts them per process) kills the run *at* each system call of interest: for four scenarios (a
night extending the state that has one delta already, a night compacting two deltas, a
re-exported day rebuilding it, a night with nothing new), one
traced run lists every rename, renameat2, symlink, link, mkdir, rmdir, unlink and fsync with
its path (`strace -f -y`); for each occurrence N of each (counted per thread, as strace counts
for `when=`), the scenario is restored and the run started under
`strace -f -e inject=SYSCALL:signal=SIGKILL:when=N` (the signal arrives on the call's entry:
the call is not made), then checked as above. Unlinks of motcua's anonymous temporary files
(`/tmp/tmp.*`, unlinked as soon as created) are sampled, not swept.

Exit 0 when every check held; a failing round keeps copies of its directories and says where.
"""
import argparse, json, os, random, re, shutil, signal, subprocess, sys, tempfile, time

TIMING = ("wall_seconds", "mb_per_s", "threads", "state")
STRACE_SET = "rename,renameat,renameat2,symlink,symlinkat,link,linkat,mkdir,mkdirat,rmdir,unlink,unlinkat,fsync,fdatasync"
GENERATION = re.compile(r"^g\d{6}$")


class Harness:
    def __init__(self, a):
        self.binary = os.path.abspath(a.binary)
        self.work = tempfile.mkdtemp(prefix="motcua-state-crash-")
        self.rng = random.Random(a.seed)
        self.threads = str(a.threads)
        self.selective = a.selective
        self.bad = 0
        self.failures = []
        self.kills = 0
        self.events = {}
        self.pipeline = "p.yaml"

    def path(self, *p):
        return os.path.join(self.work, *p)

    def note(self, event):
        self.events[event] = self.events.get(event, 0) + 1

    # -- commands ------------------------------------------------------------------------------

    def cmd(self, state="st", out="out"):
        c = [self.binary, "run", self.pipeline, "--quiet", "--out", out, "--threads", self.threads]
        return c + (["--state", state] if state else [])

    def run(self, c, kill_after=None):
        """Runs `c` in the work dir; returns (exit status, seconds). Killed runs return -9."""
        t = time.monotonic()
        p = subprocess.Popen(c, cwd=self.work, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if kill_after is not None:
            try:
                p.wait(timeout=kill_after)
            except subprocess.TimeoutExpired:
                p.send_signal(signal.SIGKILL)
        _, err = p.communicate()
        self.last_stderr = err.decode(errors="replace")
        return p.returncode, time.monotonic() - t

    def motcua(self, *args):
        r = subprocess.run([self.binary, *args], cwd=self.work, capture_output=True, text=True)
        return r.returncode, r.stdout + r.stderr

    # -- what a directory holds ----------------------------------------------------------------

    def outputs(self, out):
        """Output files by name (hidden names aside); summary.json without timing and `state`."""
        d = self.path(out)
        files = {}
        for n in sorted(os.listdir(d)):
            if n.startswith("."):
                continue
            p = os.path.join(d, n)
            if os.path.isdir(p):
                files[n] = "<directory>"
                continue
            with open(p, "rb") as f:
                data = f.read()
            if n == "summary.json":
                o = json.loads(data)          # never partial: must parse
                for k in TIMING:
                    o.pop(k, None)
                data = json.dumps(o, sort_keys=True).encode()
            files[n] = data
        return files

    def summary_generation(self, out):
        with open(self.path(out, "summary.json")) as f:
            s = json.load(f).get("state") or {}
        return s.get("generation")

    def state_listing(self):
        d = self.path("st")
        names = sorted(os.listdir(d)) if os.path.isdir(d) else []
        target = os.readlink(os.path.join(d, "current")) if os.path.islink(os.path.join(d, "current")) else None
        return names, target

    @staticmethod
    def differing(a, b):
        names = sorted(set(a) | set(b))
        return [n for n in names if a.get(n) != b.get(n)]

    # -- checks --------------------------------------------------------------------------------

    def fail(self, label, why):
        self.bad += 1
        keep = self.path(f"fail-{self.bad}")
        os.makedirs(keep)
        for n in ("st", "out", "in"):
            if os.path.exists(self.path(n)):
                shutil.copytree(self.path(n), os.path.join(keep, n), symlinks=True)
        msg = f"FAIL {label}: {why} (kept in {keep})"
        self.failures.append(msg)
        print(msg, flush=True)

    def check_after_kill(self, label, previous, new):
        """The kill left one complete set of outputs, and no output newer than the current state."""
        try:
            got = self.outputs("out")
        except (ValueError, OSError) as e:
            return self.fail(label, f"after the kill out/ does not hold a complete set: {e}")
        if got == previous:
            self.note("after kill: previous outputs")
        elif got == new:
            self.note("after kill: new outputs")
        else:
            return self.fail(label, f"after the kill out/ holds neither set: differs from the previous in "
                                    f"{self.differing(got, previous)}, from the new in {self.differing(got, new)}")
        names, target = self.state_listing()
        published = self.summary_generation("out")
        current = int(target[1:]) if target and GENERATION.match(target) else 0
        if published is not None and published > current:
            self.fail(label, f"after the kill out/ matches generation {published} but current is {target} ({names})")
        elif published is not None and published < current:
            self.note("after kill: the state ahead of the outputs (switched, not yet published)")
        if len([n for n in names if GENERATION.match(n)]) > 1:
            self.note("after kill: leftover generation")
        if any(".motcua-tmp-" in n for n in names):
            self.note("after kill: leftover temporary link")

    def check_after_recovery(self, label, rc, reference):
        if rc != 0:
            return self.fail(label, f"the run after the kill exited {rc}: {self.last_stderr.strip()[-600:]}")
        got = self.outputs("out")
        diff = self.differing(got, reference)
        if diff:
            return self.fail(label, f"outputs differ from a full run without state: {diff}")
        names, target = self.state_listing()
        if target is None or not GENERATION.match(target) or names != sorted([".motcua-state.lock", "current", target]):
            return self.fail(label, f"the state dir holds {names}, current -> {target}")
        if self.summary_generation("out") != int(target[1:]):
            return self.fail(label, f"summary.json says generation {self.summary_generation('out')}, current is {target}")
        deltas = len([n for n in os.listdir(self.path("st", target)) if n.startswith("delta-")])
        self.note(f"state after the run: {deltas} delta(s)")
        vrc, text = self.motcua("state", "--verify", "st")
        if vrc != 0:
            return self.fail(label, f"motcua state --verify exited {vrc}: {text.strip()[-600:]}")
        hidden = [n for n in os.listdir(self.path("out")) if n.startswith(".") and n not in (".motcua-manifest", ".motcua.lock")]
        beside = [n for n in os.listdir(self.work) if ".motcua-tmp-" in n]
        if hidden or beside:
            return self.fail(label, f"temporary names left after a complete run: {hidden + beside}")

    # -- inputs --------------------------------------------------------------------------------

    def generate(self, days, per_day):
        for name, seed in (("gen", "1"), ("reexport", "7")):
            subprocess.run([self.binary, "generate", "--out", self.path(name), "--days", str(days), "--dossiers-per-day",
                            str(per_day), "--units", "60", "--seed", seed, "--start", "2024-01-01", "--quiet",
                            "--threads", self.threads], check=True)
        self.pool = sorted(os.listdir(self.path("gen", "exports")))
        # p-strace.yaml: the same without the workbook, for the kills at system calls (see strace_kills).
        # --selective: no output that shows the data-quality rows, so that nights load only the
        # saved dossiers their files hold (REFERENCE §7.7) — and are killed doing so.
        quality = "" if self.selective else ", data_quality: true, report: true"
        for name, xlsx in (("p.yaml", "true"), ("p-strace.yaml", "false")):
            with open(self.path(name), "w") as f:
                f.write("version: 1\nname: state-crash\n"
                        "inputs: [{format: dvcqg-ndjson, paths: [\"in/*.ndjson.gz\"]}]\n"
                        "catalogs: { units: gen/catalogs/units.csv, procedures: gen/catalogs/procedures.csv }\n"
                        "periods: { kind: month, from: 2024-01-01, to: 2024-12-31 }\n"
                        "breakdown: [sector]\n"
                        f"outputs: {{ dir: out, formats: [csv, json], form_ii06a: true, form_ii06a_xlsx: {xlsx}{quality} }}\n"
                        "limits: { max_reject_rate: 1 }\n")

    def reset_inputs(self, days=20):
        shutil.rmtree(self.path("in"), ignore_errors=True)
        os.makedirs(self.path("in"))
        for n in self.pool[:days]:
            shutil.copyfile(self.path("gen", "exports", n), self.path("in", n))
        self.next_day = days
        self.late = 0

    def add_day(self):
        n = self.pool[self.next_day]
        shutil.copyfile(self.path("gen", "exports", n), self.path("in", n))
        self.next_day += 1

    def mutate(self):
        """One night's change of the inputs; returns what it was."""
        rng = self.rng
        if self.next_day >= len(self.pool):
            self.reset_inputs()
            return "inputs cut back to 20 days (rebuild)"
        what = []
        r = rng.random()
        if r < 0.06:
            what.append("nothing new")
        else:
            for _ in range(2 if r > 0.7 and self.next_day + 1 < len(self.pool) else 1):
                self.add_day()
            what.append(f"{2 if r > 0.7 else 1} new day(s)")
        if rng.random() < 0.12:
            # A known day re-exported: other content under the same name.
            known = sorted(os.listdir(self.path("in")))
            victim = rng.choice(known[:-1])
            source = self.path("reexport", "exports", victim) if victim in self.pool else self.path("gen", "exports", self.pool[0])
            with open(source, "rb") as f, open(self.path("in", victim), "rb") as g:
                if f.read() == g.read():
                    source = self.path("gen", "exports", victim) if victim in self.pool else self.path("reexport", "exports", self.pool[1])
            shutil.copyfile(source, self.path("in", victim))
            what.append(f"{victim} re-exported (rebuild)")
        if rng.random() < 0.08:
            # A late file that sorts before every known one.
            self.late += 1
            n = f"a-late-{self.late:03d}.ndjson.gz"
            shutil.copyfile(self.path("reexport", "exports", rng.choice(self.pool)), self.path("in", n))
            what.append(f"late file {n}")
        return ", ".join(what)

    def full_reference(self):
        rc, _ = self.run(self.cmd(state=None, out="full"))
        if rc != 0:
            raise SystemExit(f"a full run without state failed ({rc}): {self.last_stderr}")
        return self.outputs("full")

    def restore(self, saved):
        for n in ("st", "out"):
            shutil.rmtree(self.path(n), ignore_errors=True)
            shutil.copytree(self.path(saved, n), self.path(n), symlinks=True)

    def save(self, saved):
        shutil.rmtree(self.path(saved), ignore_errors=True)
        os.makedirs(self.path(saved))
        for n in ("st", "out"):
            shutil.copytree(self.path(n), self.path(saved, n), symlinks=True)

    # -- random kills --------------------------------------------------------------------------

    def random_kills(self, wanted):
        self.reset_inputs()
        rc, t = self.run(self.cmd())
        assert rc == 0, self.last_stderr
        previous = self.full_reference()
        self.check_after_recovery("start", rc, previous)
        rounds = 0
        random_kills = 0
        durations = []
        while random_kills < wanted:
            rounds += 1
            what = self.mutate()
            for part in what.split(", "):
                self.note("night: " + re.sub(r"^\S+\.ndjson\.gz re-exported", "a known day re-exported",
                                            re.sub(r"late file \S+", "a late file sorting first", part)))
            new = self.full_reference()
            # This round's duration, measured on a copy of the state and outputs.
            self.save("probe")
            _, duration = self.run(self.cmd())
            self.restore("probe")
            durations.append(duration)
            label = f"round {rounds} ({what})"
            attempts = 2 if self.rng.random() < 0.15 else 1
            for attempt in range(attempts):
                if self.rng.random() < 2 / 3:
                    when = self.rng.uniform(0, duration)
                else:
                    when = self.rng.uniform(0.85 * duration, 1.1 * duration)
                rc, _ = self.run(self.cmd(), kill_after=when)
                if rc == -signal.SIGKILL:
                    random_kills += 1
                    self.kills += 1
                    self.note("killed at a random moment" if attempt == 0 else "killed again (the next attempt)")
                elif rc == 0:
                    self.note("finished before the kill")
                else:
                    self.fail(label, f"a run to be killed exited {rc}: {self.last_stderr.strip()[-600:]}")
                self.check_after_kill(f"{label}, kill {attempt + 1} at {when:.3f}s of {duration:.3f}s", previous, new)
                previous = self.outputs("out")   # what the next kill may leave
            rc, _ = self.run(self.cmd())
            self.check_after_recovery(label, rc, new)
            previous = new
            if rounds % 20 == 0:
                print(f"  {rounds} rounds, {random_kills} random kills, bad = {self.bad}", flush=True)
        durations.sort()
        return random_kills, rounds, durations[len(durations) // 2]

    # -- kills at system calls -----------------------------------------------------------------

    def traced_calls(self):
        """Every call of STRACE_SET in one run, as (tid, syscall, args) in order."""
        log = self.path("trace.log")
        subprocess.run(["strace", "-f", "-y", "-qq", "-o", log, "-e", f"trace={STRACE_SET}", *self.cmd()], cwd=self.work,
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        calls = []
        with open(log) as f:
            for line in f:
                m = re.match(r"^(\d+) +(\w+)\((.*)", line)
                if m:
                    calls.append((int(m.group(1)), m.group(2), m.group(3)))
        return calls

    def injections(self, calls):
        """(syscall, N, what the main thread's Nth call of it was): every N up to the most any one
        thread made; anonymous temporary unlinks sampled."""
        main = calls[0][0]
        per = {}
        for tid, name, args in calls:
            per.setdefault(name, {}).setdefault(tid, []).append(args)
        out = []
        for name in sorted(per):
            most = max(len(v) for v in per[name].values())
            mine = per[name].get(main, [])
            anonymous = [i for i, a in enumerate(mine) if a.startswith('"/tmp/tmp.')]
            sampled = set(anonymous[:2] + anonymous[-2:] + anonymous[::16])
            for i in range(most):
                if i in anonymous and i not in sampled:
                    continue
                what = mine[i] if i < len(mine) else f"(another thread's call {i + 1})"
                out.append((name, i + 1, what[:110]))
        return out

    def scenario(self, name, change, nights=0):
        """Sets up a state over 20 days and `nights` more (one day each), then `change`s the
        inputs; returns the saved directories' name and the previous and new references."""
        self.reset_inputs()
        shutil.rmtree(self.path("st"), ignore_errors=True)
        for night in range(nights + 1):
            if night:
                self.add_day()
            rc, _ = self.run(self.cmd())
            assert rc == 0, self.last_stderr
        previous = self.outputs("out")
        change()
        new = self.full_reference()
        saved = f"scenario-{name}"
        self.save(saved)
        return saved, previous, new

    def strace_kills(self):
        # Without bieu-ii06a.xlsx: the workbook is packed by a child process whose ~900 unlinks of
        # anonymous temporary files come before the main process's unlinks of the state, and
        # strace counts `when=N` per process — every unlink injection would kill the child (the
        # run then fails with 74, outputs kept), none the state's writer. The random kills run
        # with the workbook.
        self.pipeline = "p-strace.yaml"
        for n in ("out", "full"):
            shutil.rmtree(self.path(n), ignore_errors=True)
        def extend():
            self.add_day()
            shutil.copyfile(self.path("reexport", "exports", self.pool[3]), self.path("in", "a-late-001.ndjson.gz"))
        def rebuild():
            self.add_day()
            shutil.copyfile(self.path("reexport", "exports", self.pool[5]), self.path("in", self.pool[5]))
        killed = 0
        missed = 0
        per_scenario = {}
        deltas = int(os.environ.get("MOTCUA_STATE_DELTAS") or 0)
        for name, change, nights in (("extend", extend, 1 if deltas > 1 else 0), ("compact", self.add_day, deltas),
                                     ("rebuild", rebuild, 0), ("nothing-new", lambda: None, 0)):
            if name == "compact" and deltas == 0:
                continue
            saved, previous, new = self.scenario(name, change, nights)
            self.restore(saved)
            calls = self.traced_calls()
            counts = {}
            for _, n, _ in calls:
                counts[n] = counts.get(n, 0) + 1
            plan = self.injections(calls)
            print(f"  strace {name}: {len(calls)} calls {dict(sorted(counts.items()))}, {len(plan)} injections", flush=True)
            done = 0
            for syscall, n, what in plan:
                self.restore(saved)
                c = ["strace", "-f", "-qq", "-o", "/dev/null", "-e", f"trace={syscall}",
                     "-e", f"inject={syscall}:signal=SIGKILL:when={n}", *self.cmd()]
                rc, _ = self.run(c)
                label = f"strace {name}: SIGKILL at {syscall} #{n} [{what}]"
                if rc == -signal.SIGKILL:
                    killed += 1
                    done += 1
                    self.kills += 1
                elif rc == 0:
                    missed += 1          # this run made fewer such calls than the traced one
                    self.note("strace: the run made fewer calls, not killed")
                else:
                    self.fail(label, f"strace run exited {rc}: {self.last_stderr.strip()[-400:]}")
                self.check_after_kill(label, previous, new)
                rc, _ = self.run(self.cmd())
                self.check_after_recovery(label, rc, new)
            per_scenario[name] = done
        return killed, missed, per_scenario


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--binary", default=".build/release/motcua")
    ap.add_argument("--kills", type=int, default=120, help="kills at random moments (the strace kills come on top)")
    ap.add_argument("--no-strace", action="store_true", help="skip the kills at chosen system calls")
    ap.add_argument("--days", type=int, default=60, help="days in the pool of exports")
    ap.add_argument("--dossiers-per-day", type=int, default=1500)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--selective", action="store_true",
                    help="no data-quality output: nights load only the saved dossiers their files hold")
    ap.add_argument("--deltas", default="2", help="MOTCUA_STATE_DELTAS for every run ('' for motcua's own limit)")
    a = ap.parse_args()
    if a.deltas:
        os.environ["MOTCUA_STATE_DELTAS"] = a.deltas
    else:
        os.environ.pop("MOTCUA_STATE_DELTAS", None)
    if not a.no_strace and shutil.which("strace") is None:
        sys.exit("strace is not installed (apt-get install strace), or pass --no-strace")
    h = Harness(a)
    print(f"work dir {h.work}", flush=True)
    h.generate(a.days, a.dossiers_per_day)
    t = time.monotonic()
    random_kills, rounds, median = h.random_kills(a.kills)
    print(f"random kills: {random_kills} in {rounds} rounds (median stateful run {median:.2f} s), "
          f"{time.monotonic() - t:.0f} s", flush=True)
    strace_killed, missed, per = 0, 0, {}
    if not a.no_strace:
        t = time.monotonic()
        strace_killed, missed, per = h.strace_kills()
        print(f"strace kills: {strace_killed} {per} ({missed} injections the run did not reach), "
              f"{time.monotonic() - t:.0f} s", flush=True)
    for k, v in sorted(h.events.items()):
        print(f"  {v:5d}  {k}")
    print(f"{h.kills} kills: {random_kills} at random moments, {strace_killed} at system calls; bad = {h.bad}")
    for f in h.failures:
        print(f)
    if h.bad == 0 and not a.keep:
        shutil.rmtree(h.work)
    else:
        print(f"kept in {h.work}")
    return 1 if h.bad else 0


if __name__ == "__main__":
    sys.exit(main())
