#!/usr/bin/env python3
"""Publish crash loop (RELIABILITY.md §4e): SIGKILL and EIO at every step of the output
publisher, in every setup it handles, and check after each that the output directory shows
one complete set, that files motcua did not write are intact, and that the next run succeeds
and leaves nothing behind.

    swift build -c release --scratch-path .build-rel
    sudo python3 scripts/reliability/publish_crash_loop.py --binary .build-rel/release/motcua [--kills 300]
        [--setups ABCDE] [--seed 1] [--days 8] [--dossiers-per-day 2000] [--units 120] [--keep]

Needs root (tmpfs mount, runs as user nobody), strace and setpriv; Python stdlib only.

Setups (each its own work directory, data from `motcua generate`, pipeline with form_ii06a and
form_ii06a_xlsx so that files are also moved in):
  A  plain output directory holding a foreign file notes.txt            (exchange expected)
  B  output directory holding a folder archive/x.txt and notes.txt      (generations)
  C  output directory that is a tmpfs mount point, with notes.txt       (generations)
  D  output directory owned by nobody in a root-owned 0755 parent; motcua runs as nobody
     through `setpriv --reuid=65534 --regid=65534 --clear-groups`      (generations)
  E  the transition: each round starts from a plain directory published by exchange (regular
     files), then `mkdir OUT/archive`; the killed run is the first generations publish, which
     adopts the regular files
Reference sets: clean runs with `--rules tt01` (set A) and `--rules qd766` (set B) into plain
directories; files are compared by content read through links (summary.json without
wall_seconds, mb_per_s, threads).

Per setup the output holds one set and each killed run writes the other one (A, B, A, …):
  random   SIGKILL after a random delay over the run's duration (half of them in its last 30 %,
           where the publisher works), until --kills / number-of-setups kills have landed
  inject   SIGKILL by strace at EVERY occurrence N of each publishing syscall — rename, renameat,
           renameat2, fsync, fdatasync, symlink, symlinkat, link, linkat, mkdir, mkdirat, unlink,
           unlinkat, and rmdir (`-e inject=SYSCALL:signal=SIGKILL:when=N`); how many a run makes
           is counted first with `strace -f -c` (the larger of the two directions A→B, B→A).
           strace counts `when` per thread: all of these calls are made by the run's main thread;
           an N that is never reached is a complete run and is reported as "not reached"
  error    EIO by strace at every occurrence N of rename, renameat2, fsync, symlink
           (`-e inject=SYSCALL:error=EIO:when=N`)
strace writes its log to a file rather than /dev/null, only for the injected syscall, so that a
finding names the call that was killed or failed (`rename("…/current.tmp", "…/current") = ?`).
libxlsxwriter's own temporaries (`tmp.XXXXXXXXXX`, created then unlinked at once, in $TMPDIR —
a folder of the work directory here) are counted when a kill leaves one, not judged: they are
outside the output directory and are not motcua's names.
After each: the directory shows exactly one complete set (every output name resolves, every
file from one set, the manifest lists that set, no other output name), the foreign file(s)
and folder are intact; after a fault the exit is 0 with the new set, or 73/74 with the previous
set (and "previous outputs kept" is only said when it is true). Then a normal run must exit 0
with the new set and leave no temporary file (`.motcua-tmp-*` in or beside the directory, a
staging directory `.<name>.motcua-tmp-*`, a generation other than current and the one before
it, a dangling link, `last-failure/`), published the expected way.
Last, the issue's repro: `mkdir -p O/archive; run tt01; strace -e inject=rename:signal=SIGKILL:when=4
run qd766` (and `error=EIO`), plus the same at every rename of that run.

Prints one line per setup and a total; exits 1 on any bad case, each described (setup, injection,
the injected call from strace's log, what was wrong, what the directory held).
"""
import argparse, datetime, hashlib, json, os, random, re, shutil, signal, subprocess, sys, tempfile, time

# OutputFiles.all (Sources/MotcuaOutput/OutputFiles.swift): every name a run may publish.
ALL_OUTPUT_NAMES = ["counters.csv", "counters.json", "kpis.csv", "kpis.json", "bieu-ii06a.csv", "bieu-ii06a.xlsx",
                    "data-quality.csv", "data-quality.json", "report.html", "rejects.ndjson", "summary.json"]
VOLATILE = ("wall_seconds", "mb_per_s", "threads")
TMP = ".motcua-tmp-"
GENS = ".motcua-generations"
MANIFEST = ".motcua-manifest"
KILL_SYSCALLS = ["rename", "renameat", "renameat2", "fsync", "fdatasync", "symlink", "symlinkat", "link", "linkat",
                 "mkdir", "mkdirat", "unlink", "unlinkat", "rmdir"]
ERROR_SYSCALLS = ["rename", "renameat2", "fsync", "symlink"]
RULES = {"A": "tt01", "B": "qd766"}
NOBODY = 65534
SETPRIV = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
NOTES = b"notes written by someone else - motcua must never delete this\n"
ARCHIVE = b"an archived report, not motcua's\n"
SETUP_TITLES = {
    "A": "plain dir + notes.txt (exchange)",
    "B": "dir holding archive/ + notes.txt (generations)",
    "C": "tmpfs mount point + notes.txt (generations)",
    "D": "read-only parent, run as nobody (generations)",
    "E": "exchange set then mkdir archive/ (first generations publish adopts)",
    "R": "the issue's repro: O/archive, then tt01, then qd766 under strace",
}


def other(s):
    return "B" if s == "A" else "A"


class Bad(Exception):
    pass


class Setup:
    def __init__(self, key, root, binary, args, out_name="out"):
        self.key, self.binary, self.args = key, binary, args
        self.work = os.path.join(root, f"setup-{key}")
        os.makedirs(self.work)
        os.chmod(self.work, 0o755)
        self.tmpdir = os.path.join(self.work, "tmp")          # TMPDIR of the runs (libxlsxwriter's temporaries)
        os.makedirs(self.tmpdir)
        os.chmod(self.tmpdir, 0o1777)
        self.logs = os.path.join(self.work, "logs")
        os.makedirs(self.logs)
        if key == "D":
            self.parent = os.path.join(self.work, "ro")        # root-owned 0755: nobody cannot write it
            os.makedirs(self.parent)
            os.chmod(self.parent, 0o755)
        else:
            self.parent = self.work
        self.out = os.path.join(self.parent, out_name)
        self.foreign_now = {}
        self.prefix = SETPRIV if key == "D" else []
        self.mounted = False
        self.method = "exchange" if key == "A" else "generations"
        self.refs = {}
        self.bad = []
        self.notes = []
        self.counts = {"random": 0, "random_finished": 0, "inject": 0, "inject_not_reached": 0, "error": 0,
                       "error_not_reached": 0, "after_kill": {"A": 0, "B": 0}, "after_error": {},
                       "previous": 0, "new": 0, "xlsx_tmp_left": {"random": 0, "inject": 0}, "resets": 0}
        self.fail_no = 0

    # ---- running motcua -------------------------------------------------------------------

    def command(self, rules, out=None):
        return self.prefix + [self.binary, "run", "p.yaml", "--quiet", "--out", out or self.out, "--rules", rules]

    def env(self):
        e = dict(os.environ)
        e["TMPDIR"] = self.tmpdir
        return e

    def run(self, rules, out=None, timeout=300, as_root=False):
        cmd = self.command(rules, out)
        if as_root:
            cmd = cmd[len(self.prefix):]
        p = subprocess.run(cmd, cwd=self.work, env=self.env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           timeout=timeout)
        return p.returncode, p.stderr.decode("utf-8", "replace")

    def run_straced(self, rules, strace_args, log, timeout=300):
        cmd = ["strace", "-f", "-o", log] + strace_args + self.command(rules)
        try:
            p = subprocess.run(cmd, cwd=self.work, env=self.env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               timeout=timeout)
        except subprocess.TimeoutExpired:
            return None, f"no exit after {timeout} s (hang)"
        return p.returncode, p.stderr.decode("utf-8", "replace")

    # ---- preparing ------------------------------------------------------------------------

    def write_data(self):
        subprocess.run([self.binary, "generate", "--out", "gen", "--days", str(self.args.days), "--dossiers-per-day",
                        str(self.args.dossiers_per_day), "--units", str(self.args.units), "--quiet"],
                       cwd=self.work, check=True)
        last = datetime.date(2024, 2, 19) + datetime.timedelta(days=self.args.days - 1)
        end = (last.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)
        with open(os.path.join(self.work, "p.yaml"), "w") as f:
            f.write(f"""version: 1
name: crashloop
inputs:
  - {{ format: dvcqg-ndjson, paths: ["gen/exports/*.ndjson.gz"] }}
catalogs: {{ units: gen/catalogs/units.csv, procedures: gen/catalogs/procedures.csv }}
periods: {{ kind: month, from: 2024-02-01, to: {end.isoformat()} }}
outputs: {{ dir: out, form_ii06a: true, form_ii06a_xlsx: true }}
limits: {{ max_reject_rate: 1 }}
""")
        for root, dirs, files in os.walk(self.work):
            for n in dirs + files:
                p = os.path.join(root, n)
                if not os.path.islink(p):
                    os.chmod(p, os.stat(p).st_mode | 0o444 | (0o111 if os.path.isdir(p) else 0))
        os.chmod(self.tmpdir, 0o1777)

    def make_refs(self):
        for s, rules in RULES.items():
            ref = os.path.join(self.work, f"ref-{s}")
            code, err = self.run(rules, out=ref, as_root=True)
            if code != 0:
                raise SystemExit(f"setup {self.key}: reference run --rules {rules} failed ({code}): {err.strip()}")
            state, problems = snapshot(ref)
            if problems:
                raise SystemExit(f"setup {self.key}: reference {ref}: {problems}")
            self.refs[s] = state
        same = sorted(n for n in self.refs["A"] if self.refs["A"][n] == self.refs["B"].get(n))
        self.same_in_both = same

    def create_out(self):
        if self.key == "C":
            os.makedirs(self.out, exist_ok=True)
            r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256m,mode=0755", "tmpfs", self.out],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            if r.returncode != 0:
                return f"mount -t tmpfs failed: {r.stdout.decode().strip()}"
            self.mounted = True
        else:
            os.makedirs(self.out, exist_ok=True)
        if self.key == "D":
            os.chown(self.out, NOBODY, NOBODY)
            os.chmod(self.out, 0o755)
            os.chown(self.parent, 0, 0)
            os.chmod(self.parent, 0o755)
            probe = subprocess.run(SETPRIV + [self.binary, "--version"], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE)
            if probe.returncode != 0:
                return f"user nobody cannot run {self.binary}: {probe.stderr.decode().strip()}"
        return None

    def clear_out(self):
        for n in os.listdir(self.out):
            remove(os.path.join(self.out, n))

    def foreign(self):
        """The files motcua did not write that the directory holds now."""
        return self.foreign_now

    def add_foreign(self, rel, data):
        p = os.path.join(self.out, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)
        self.foreign_now[rel] = data

    def populate(self, s):
        """A fresh output directory holding set `s`, published the way this setup publishes."""
        self.clear_out()
        self.foreign_now = {}
        self.add_foreign("notes.txt", NOTES)
        if self.key == "B":
            self.add_foreign("archive/x.txt", ARCHIVE)
        code, err = self.run(RULES[s])
        if code != 0:
            raise Bad(f"preparing set {s}: exit {code}: {last_error(err)}")
        if self.key == "E":
            problems = self.check_published(s, method="exchange")
            if problems:
                raise Bad(f"preparing set {s} by exchange: " + "; ".join(problems))
            self.add_foreign("archive/x.txt", ARCHIVE)
        else:
            problems = self.check_published(s)
            if problems:
                raise Bad(f"preparing set {s}: " + "; ".join(problems))

    def reset(self, s, why):
        self.counts["resets"] += 1
        self.notes.append(f"output directory rebuilt with set {s}: {why}")
        self.populate(s)

    # ---- checks ---------------------------------------------------------------------------

    def which_set(self):
        """('A' | 'B' | None, problems) — the complete set the directory shows."""
        state, problems = snapshot(self.out)
        match = [s for s, ref in self.refs.items() if state == ref]
        if match:
            got = match[0]
        else:
            got = None
            detail = []
            for n in sorted(set(state) | set(self.refs["A"])):
                v = state.get(n)
                tags = [s for s, ref in self.refs.items() if ref.get(n) == v and v is not None]
                if n not in state:
                    detail.append(f"{n}: missing")
                elif v.startswith("!"):
                    detail.append(f"{n}: {v[1:]}")
                elif n not in self.refs["A"]:
                    detail.append(f"{n}: not an output of either set")
                else:
                    detail.append(f"{n}: {'/'.join(tags) if tags else 'neither set'}")
            problems.append("neither complete set: " + ", ".join(detail))
        if got:
            names = manifest_names(self.out)
            if names is None:
                problems.append("no manifest (.motcua-manifest) for the set in place")
            elif names != set(self.refs[got]):
                problems.append(f"manifest lists {sorted(names)}, the set holds {sorted(self.refs[got])}")
        return got, problems

    def check_foreign(self):
        problems = []
        for rel, data in self.foreign().items():
            p = os.path.join(self.out, rel)
            try:
                with open(p, "rb") as f:
                    if f.read() != data:
                        problems.append(f"foreign file {rel} changed")
            except OSError as e:
                problems.append(f"foreign file {rel} lost ({e.strerror})")
        return problems

    def unexpected_entries(self):
        allowed = set(ALL_OUTPUT_NAMES) | {".motcua.lock", MANIFEST, GENS, "last-failure"}
        allowed |= {r.split("/")[0] for r in self.foreign()}
        return [n for n in os.listdir(self.out) if n not in allowed and not n.startswith(TMP)]

    def leftovers(self):
        left = [f"{n} in the output directory" for n in os.listdir(self.out) if n.startswith(TMP)]
        left += [f"{n} beside the output directory" for n in os.listdir(self.parent) if TMP in n]
        gens = os.path.join(self.out, GENS)
        if os.path.isdir(gens):
            entries = os.listdir(gens)
            cur = os.path.join(gens, "current")
            target = os.readlink(cur) if os.path.islink(cur) else None
            if target is None or not os.path.isdir(os.path.join(gens, target)):
                left.append(f"{GENS}/current is {'missing' if target is None else 'dangling -> ' + target}")
            kept = {"current"}
            if target is not None and target.isdigit():
                kept.add(target)
                older = [int(e) for e in entries if e.isdigit() and int(e) < int(target)]
                if older:
                    kept.add(str(max(older)))
            left += [f"{GENS}/{e}" for e in sorted(entries) if e not in kept]
        for n in os.listdir(self.out):
            p = os.path.join(self.out, n)
            if os.path.islink(p) and not os.path.exists(p):
                left.append(f"dangling link {n} -> {os.readlink(p)}")
        if os.path.lexists(os.path.join(self.out, "last-failure")):
            left.append("last-failure/ after a successful run")
        return left

    def method_problems(self, s, method):
        names = list(self.refs[s])
        if method == "exchange":
            wrong = [n for n in names if os.path.islink(os.path.join(self.out, n))]
            if os.path.lexists(os.path.join(self.out, GENS)) or wrong:
                return [f"published by generations where the exchange was expected ({GENS} present)"]
        else:
            wrong = [n for n in names if readlink_or_none(os.path.join(self.out, n)) != f"{GENS}/current/{n}"]
            if wrong:
                return [f"not published by generations: {', '.join(wrong)} not links through {GENS}/current"]
        return []

    def check_published(self, s, method=None):
        """The strict check after a run that exited 0 and should have published set `s`."""
        got, problems = self.which_set()
        if got != s and got is not None:
            problems.append(f"set {got} in place, set {s} expected")
        problems += self.check_foreign()
        problems += [f"unexpected entry {n}" for n in self.unexpected_entries()]
        problems += [f"left behind: {x}" for x in self.leftovers()]
        problems += self.method_problems(s, method or self.method)
        return problems

    def check_after_fault(self):
        """After a kill or a failed run: one complete set, foreign files intact."""
        got, problems = self.which_set()
        problems += self.check_foreign()
        problems += [f"unexpected entry {n}" for n in self.unexpected_entries()]
        return got, problems

    def take_xlsx_temporaries(self):
        left = os.listdir(self.tmpdir)
        for n in left:
            remove(os.path.join(self.tmpdir, n))
        return len(left)

    # ---- one round ------------------------------------------------------------------------

    def fail(self, label, injected, problems):
        self.fail_no += 1
        where = ""
        if self.args.keep or self.fail_no <= 5:
            where = os.path.join(self.work, f"fail-{self.fail_no}")
            try:
                shutil.copytree(self.out, where, symlinks=True)
            except Exception as e:   # a copy that fails must not hide the finding
                where = f"(copy failed: {e})"
        text = (f"BAD setup {self.key} [{SETUP_TITLES[self.key]}], {label}"
                + (f", injected call: {injected}" if injected else "") + ":\n    " + "\n    ".join(problems)
                + f"\n    the directory held: {describe(self.out)}" + (f"\n    copy: {where}" if where else ""))
        print(text, flush=True)
        self.bad.append(text)

    def recover(self, s, label, injected):
        """The normal run after a kill or fault: exit 0, set `s`, nothing left behind."""
        code, err = self.run(RULES[s])
        problems = [] if code == 0 else [f"the next normal run exited {code}: {last_error(err)}"]
        if code == 0:
            problems += self.check_published(s)
        if problems:
            self.fail(label + " — then the next normal run", injected, problems)
            try:
                self.reset(s, f"after the bad case {label}")
            except Bad as e:
                raise SystemExit(f"setup {self.key}: cannot rebuild the output directory: {e}")

    def start_round(self, x):
        if self.key == "E":
            self.populate(x)

    def after_kill(self, x, y, label, injected, phase):
        got, problems = self.check_after_fault()
        if got not in (x, y) and got is not None:
            problems.append(f"set {got} in place, neither the previous ({x}) nor the new one ({y})")
        if problems:
            self.fail(label, injected, problems)
        if got:
            self.counts["after_kill"][got] += 1
            self.counts["previous" if got == x else "new"] += 1
        self.counts["xlsx_tmp_left"][phase] += self.take_xlsx_temporaries()
        self.recover(y, label, injected)

    def random_kills(self, state, duration, rng, target):
        landed = attempts = 0
        while landed < target and attempts < target * 4:
            attempts += 1
            x, y = state, other(state)
            self.start_round(x)
            late = rng.random() < 0.5
            when = rng.uniform(duration * 0.7, duration * 1.05) if late else rng.uniform(0, duration * 1.1)
            p = subprocess.Popen(self.command(RULES[y]), cwd=self.work, env=self.env(), stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
            time.sleep(when)
            killed = False
            if p.poll() is None:
                p.send_signal(signal.SIGKILL)
                killed = True
            code = p.wait()
            label = f"random SIGKILL at {when * 1000:.0f} ms (run {RULES[y]} over set {x})"
            if killed and code == -signal.SIGKILL:
                landed += 1
                self.counts["random"] += 1
                self.after_kill(x, y, label, None, "random")
            else:
                # The run ended before the kill: it must have published the new set.
                self.counts["random_finished"] += 1
                problems = [] if code == 0 else [f"exit {code}"]
                if code == 0:
                    problems += self.check_published(y)
                if problems:
                    self.fail(label + " (finished before the kill)", None, problems)
                    self.reset(y, "after a bad case")
                self.take_xlsx_temporaries()
            state = y
        return state

    def count_syscalls(self, state):
        """How many of each publishing syscall a run makes (both directions; the larger)."""
        counts = {}
        for _ in range(2):
            x, y = state, other(state)
            self.start_round(x)
            log = os.path.join(self.logs, "count.txt")
            code, err = self.run_straced(RULES[y], ["-c", "-e", "trace=" + ",".join(KILL_SYSCALLS)], log)
            if code != 0:
                raise SystemExit(f"setup {self.key}: counting run failed ({code}): {last_error(err)}")
            problems = self.check_published(y)
            if problems:
                self.fail(f"counting run {RULES[y]} over set {x}", None, problems)
            for sc, n in parse_strace_counts(log).items():
                counts[sc] = max(counts.get(sc, 0), n)
            state = y
        return counts, state

    def inject_kills(self, state, counts):
        for sc in KILL_SYSCALLS:
            for n in range(1, counts.get(sc, 0) + 1):
                x, y = state, other(state)
                self.start_round(x)
                spec = f"inject={sc}:signal=SIGKILL:when={n}"
                log = os.path.join(self.logs, "inject.txt")
                code, err = self.run_straced(RULES[y], ["-e", f"trace={sc}", "-e", spec], log)
                label = f"strace -e {spec} (run {RULES[y]} over set {x})"
                injected = injected_call(log, sc, killed=True)
                if code in (-signal.SIGKILL, 128 + signal.SIGKILL):
                    self.counts["inject"] += 1
                    self.after_kill(x, y, label, injected, "inject")
                else:
                    # Not reached: a complete run, which must have published the new set.
                    self.counts["inject_not_reached"] += 1
                    problems = [] if code == 0 else [f"exit {code}: {last_error(err)}"]
                    if code == 0:
                        problems += self.check_published(y)
                    if problems:
                        self.fail(label + " (not reached)", injected, problems)
                        self.reset(y, "after a bad case")
                    self.take_xlsx_temporaries()
                state = y
        return state

    def inject_errors(self, state, counts):
        for sc in ERROR_SYSCALLS:
            for n in range(1, counts.get(sc, 0) + 1):
                x, y = state, other(state)
                self.start_round(x)
                spec = f"inject={sc}:error=EIO:when={n}"
                log = os.path.join(self.logs, "inject.txt")
                code, err = self.run_straced(RULES[y], ["-e", f"trace={sc}", "-e", spec], log)
                label = f"strace -e {spec} (run {RULES[y]} over set {x})"
                injected = injected_call(log, sc, killed=False)
                message = last_error(err)
                got, problems = self.check_after_fault()
                if injected is None:
                    self.counts["error_not_reached"] += 1
                    if code != 0:
                        problems.append(f"exit {code} though no call failed: {message}")
                    elif got != y:
                        problems.append(f"exit 0 but set {got} in place, set {y} expected")
                else:
                    self.counts["error"] += 1
                    key = str(code)
                    self.counts["after_error"][key] = self.counts["after_error"].get(key, 0) + 1
                    if code is None or code not in (0, 73, 74):
                        problems.append(f"exit {code} (a failed {sc} must end 74, or 73 before reading): {message}")
                    elif code == 0:
                        if got != y:
                            problems.append(f"exit 0 but set {got} in place, set {y} expected")
                        if sc == "fsync":
                            problems.append("exit 0 although an fsync failed (RELIABILITY §4b: every failed fsync is 74)")
                        else:
                            self.notes.append(f"{label}: the failure of {injected} was tolerated (exit 0, set {y} published)")
                    else:
                        if got != x:
                            problems.append(f"exit {code} but set {got} in place: the previous set {x} is not intact"
                                            + (" — yet the message says 'previous outputs kept'" if "previous outputs kept" in message else ""))
                        if code == 73:
                            self.notes.append(f"{label}: exit 73 before reading: {message}")
                if problems:
                    self.fail(label, injected, problems + [f"message: {message}"])
                self.take_xlsx_temporaries()
                # A failed probe of the exchange makes the directory publish by generations from
                # then on: said as a note, and setup A is rebuilt so that it keeps testing the exchange.
                changed = self.key == "A" and os.path.lexists(os.path.join(self.out, GENS))
                if changed:
                    self.notes.append(f"{label}: {injected} failing made this plain directory switch to generations "
                                      f"for good (exit {code}); rebuilt")
                    self.method = "generations"
                self.recover(y, label, injected)
                if changed:
                    self.method = "exchange"
                    self.reset(y, "the directory had switched to generations")
                state = y
        return state

    def finish(self):
        if self.mounted:
            r = subprocess.run(["umount", self.out], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if r.returncode != 0:
                subprocess.run(["umount", "-l", self.out], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.mounted = False


# ---- helpers --------------------------------------------------------------------------------

def readlink_or_none(p):
    try:
        return os.readlink(p)
    except OSError:
        return None


def remove(p):
    if os.path.islink(p) or not os.path.isdir(p):
        os.unlink(p)
    else:
        shutil.rmtree(p)


def normalized(name, data):
    if name == "summary.json":
        try:
            d = json.loads(data)
        except ValueError:
            return "!summary.json is not JSON (partial?)"
        for k in VOLATILE:
            d.pop(k, None)
        data = json.dumps(d, sort_keys=True).encode()
    return hashlib.sha256(data).hexdigest()


def snapshot(out):
    """{output name: digest of its content read through links}; '!…' marks a name that does not resolve."""
    state, problems = {}, []
    for n in ALL_OUTPUT_NAMES:
        p = os.path.join(out, n)
        if not os.path.lexists(p):
            continue
        try:
            with open(p, "rb") as f:
                state[n] = normalized(n, f.read())
        except OSError as e:
            state[n] = f"!does not resolve ({e.strerror})"
    return state, problems


def manifest_names(out):
    cur = os.path.join(out, GENS, "current")
    p = os.path.join(cur, MANIFEST) if os.path.isdir(cur) else os.path.join(out, MANIFEST)
    try:
        with open(p) as f:
            return {l for l in f.read().split("\n") if l and not l.startswith("#")}
    except OSError:
        return None


def describe(out):
    parts = []
    try:
        entries = sorted(os.listdir(out))
    except OSError as e:
        return f"(cannot list: {e})"
    for n in entries:
        p = os.path.join(out, n)
        if os.path.islink(p):
            parts.append(f"{n} -> {os.readlink(p)}{'' if os.path.exists(p) else ' (dangling)'}")
        elif os.path.isdir(p):
            parts.append(n + "/")
        else:
            parts.append(n)
    gens = os.path.join(out, GENS)
    if os.path.isdir(gens):
        sub = []
        for e in sorted(os.listdir(gens)):
            p = os.path.join(gens, e)
            sub.append(f"{e} -> {os.readlink(p)}" if os.path.islink(p) else
                       f"{e}/[{','.join(sorted(os.listdir(p)))}]" if os.path.isdir(p) else e)
        parts.append(f"{GENS}: {'; '.join(sub)}")
    return ", ".join(parts)


def last_error(stderr):
    lines = [l for l in stderr.strip().split("\n") if l.strip()]
    errs = [l for l in lines if "error" in l]
    return (errs or lines or ["(no message)"])[-1].strip()


def parse_strace_counts(path):
    counts = {}
    with open(path) as f:
        for line in f:
            t = line.split()
            if len(t) >= 5 and t[-1] in KILL_SYSCALLS and t[0][0].isdigit():
                counts[t[-1]] = int(t[3])
    return counts


def injected_call(log, sc, killed):
    """The call strace tampered with, from its log (None when none was): for a kill the call
    that never returned (`= ?`), for an error the one marked (INJECTED)."""
    try:
        with open(log) as f:
            lines = f.read().split("\n")
    except OSError:
        return None
    pending, found = {}, None
    for line in lines:
        m = re.match(r"^(\d+)\s+(.*)$", line)
        if not m:
            continue
        pid, rest = m.groups()
        if rest.startswith(sc + "(") and rest.endswith("<unfinished ...>"):
            pending[pid] = rest[:-len("<unfinished ...>")].strip()
            continue
        resumed = f"<... {sc} resumed>"
        if rest.startswith(resumed):
            call = pending.pop(pid, sc + "(…") + rest[len(resumed):]
        elif rest.startswith(sc + "("):
            call = rest
        else:
            continue
        if killed and call.rstrip().endswith("= ?"):
            found = call.rstrip()[:-3].strip()
        elif not killed and "(INJECTED)" in call:
            found = call
    if killed and found is None and pending:
        found = list(pending.values())[-1]   # killed while another thread's line was open
    return found


# ---- the repro ----------------------------------------------------------------------

def repro(root, binary, args):
    """mkdir -p O/archive; M run P --out O --rules tt01; strace -f -e trace=rename -e inject=rename:signal=SIGKILL:when=4
    M run P --out O --rules qd766 → one complete set; and error=EIO → exit 74, previous set intact, a true message."""
    r = Setup("R", root, binary, args, out_name="O")
    r.method = "generations"
    r.write_data()
    r.make_refs()
    lines, bad = [], []

    def fresh():
        if os.path.lexists(r.out):
            shutil.rmtree(r.out)
        os.makedirs(r.out)
        r.foreign_now = {}
        r.add_foreign("archive/x.txt", ARCHIVE)
        code, err = r.run("tt01")
        if code != 0 or r.which_set()[0] != "A":
            raise SystemExit(f"repro: the first run failed ({code}): {last_error(err)}")

    def one(spec, n):
        fresh()
        log = os.path.join(r.logs, "strace.txt")
        code, err = r.run_straced("qd766", ["-e", "trace=rename", "-e", f"inject=rename:{spec}:when={n}"], log)
        kill = spec.startswith("signal")
        injected = injected_call(log, "rename", killed=kill)
        got, problems = r.which_set()
        problems += r.check_foreign()
        message = last_error(err)
        if injected is None:
            if code != 0 or got != "B":
                problems.append(f"rename #{n} not reached, yet exit {code} and set {got}")
        elif kill:
            if got not in ("A", "B"):
                problems.append("no complete set after the kill")
        else:
            if code != 74:
                problems.append(f"exit {code}, 74 expected")
            if got != "A":
                problems.append(f"set {got} in place, the previous set A expected")
            if "previous outputs kept" in message and got != "A":
                problems.append("the message says 'previous outputs kept', which is false")
        what = ("killed" if code in (-9, 137) else f"exit {code}") + (f" at {injected}" if injected else
                                                                      f" — not reached: the run makes {renames} renames")
        line = f"inject=rename:{spec}:when={n}: {what}; the directory shows set {got or 'NONE'}"
        if not kill and injected:
            line += f"; message: …{message[-100:]}"
        next_code, next_err = r.run("qd766")
        after = r.check_published("B") if next_code == 0 else [f"exit {next_code}: {last_error(next_err)}"]
        if after:
            problems.append("the next run: " + "; ".join(after))
        if problems:
            bad.append(f"BAD repro {line}: {'; '.join(problems)}; the directory held: {describe(r.out)}")
            line += "  BAD: " + "; ".join(problems)
        return line

    # How many renames the second run makes.
    fresh()
    log = os.path.join(r.logs, "count.txt")
    r.run_straced("qd766", ["-e", "trace=rename"], log)
    with open(log) as f:
        renames = sum(1 for l in f if re.match(r"^\d+\s+rename\(", l))
    lines.append(f"the second run (qd766 over tt01) makes {renames} renames")
    lines.append(one("signal=SIGKILL", 4))
    lines.append(one("error=EIO", 4))
    # The same at every rename the run makes (the when=4 may be past them).
    for n in range(1, renames + 1):
        if n != 4:
            lines.append(one("signal=SIGKILL", n))
            lines.append(one("error=EIO", n))
    return lines, bad


# ---- main -----------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--binary", required=True)
    ap.add_argument("--kills", type=int, default=300, help="random kills in all (split among the setups)")
    ap.add_argument("--setups", default="ABCDE")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--days", type=int, default=8)
    ap.add_argument("--dossiers-per-day", type=int, default=2000)
    ap.add_argument("--units", type=int, default=120)
    ap.add_argument("--no-inject", action="store_true", help="random kills only")
    ap.add_argument("--no-repro", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    a = ap.parse_args()
    if os.geteuid() != 0:
        print("needs root (tmpfs mount, runs as nobody)")
        return 2
    for tool in ("strace", "setpriv", "mount"):
        if shutil.which(tool) is None:
            print(f"needs {tool}")
            return 2
    binary = os.path.abspath(a.binary)
    rng = random.Random(a.seed)
    root = tempfile.mkdtemp(prefix="motcua-pubcrash-")
    os.chmod(root, 0o755)
    started = time.time()
    setups, results, all_bad = [], [], []
    per_setup = -(-a.kills // max(1, len(a.setups)))
    print(f"work dir {root}; {per_setup} random kills per setup; binary {binary}", flush=True)
    try:
        for key in a.setups:
            t0 = time.time()
            s = Setup(key, root, binary, a)
            setups.append(s)
            s.write_data()
            s.make_refs()
            err = s.create_out()
            if err:
                line = f"setup {key} [{SETUP_TITLES[key]}]: SKIPPED — {err}"
                print(line, flush=True)
                results.append(line)
                continue
            try:
                s.populate("A")
            except Bad as e:
                raise SystemExit(f"setup {key}: {e}")
            state = "A"
            # The duration of a normal run here (the random kills are spread over it).
            times = []
            for _ in range(2):
                x, y = state, other(state)
                s.start_round(x)
                t = time.time()
                code, errtext = s.run(RULES[y])
                times.append(time.time() - t)
                problems = [] if code == 0 else [f"exit {code}: {last_error(errtext)}"]
                problems += s.check_published(y) if code == 0 else []
                if problems:
                    s.fail(f"a normal run {RULES[y]} over set {x}", None, problems)
                state = y
            duration = max(times)
            print(f"setup {key}: a run takes {duration * 1000:.0f} ms; same in both sets: {s.same_in_both or 'none'}",
                  flush=True)
            state = s.random_kills(state, duration, rng, per_setup)
            print(f"setup {key}: random kills done ({s.counts['random']})", flush=True)
            counts = {}
            if not a.no_inject:
                counts, state = s.count_syscalls(state)
                print(f"setup {key}: syscalls per run {dict(sorted((k, v) for k, v in counts.items() if v))}", flush=True)
                state = s.inject_kills(state, counts)
                print(f"setup {key}: injected kills done ({s.counts['inject']})", flush=True)
                state = s.inject_errors(state, counts)
            c = s.counts
            kills = c["random"] + c["inject"]
            syscalls = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()) if v)
            line = (f"setup {key} [{SETUP_TITLES[key]}]: {kills} kills (random {c['random']}, injected {c['inject']}"
                    f" at every call of: {syscalls or '-'}; {c['inject_not_reached']} injection points not reached); "
                    f"after the kill set A {c['after_kill']['A']}, set B {c['after_kill']['B']} (the previous set "
                    f"{c['previous']}, the new one {c['new']}); "
                    f"EIO {c['error']} (exit " + ", ".join(f"{k}: {v}" for k, v in sorted(c['after_error'].items()))
                    + f"; {c['error_not_reached']} not reached); bad {len(s.bad)}; "
                    f"libxlsxwriter temporaries left in TMPDIR {c['xlsx_tmp_left']['random']} by random kills, "
                    f"{c['xlsx_tmp_left']['inject']} by injected ones; {time.time() - t0:.0f} s")
            print(line, flush=True)
            for n in s.notes:
                print(f"  note: {n}", flush=True)
            results.append(line)
            all_bad += s.bad
            s.finish()
        repro_lines = []
        if not a.no_repro:
            repro_lines, repro_bad = repro(root, binary, a)
            all_bad += repro_bad
            print("issue repro (mkdir -p O/archive; run tt01; strace … run qd766):", flush=True)
            for l in repro_lines:
                print("  " + l, flush=True)
    finally:
        for s in setups:
            s.finish()
        if not a.keep and not all_bad:
            shutil.rmtree(root, ignore_errors=True)
    total_kills = sum(s.counts["random"] + s.counts["inject"] for s in setups)
    total_err = sum(s.counts["error"] for s in setups)
    sets = {k: sum(s.counts["after_kill"][k] for s in setups) for k in "AB"}
    kept = sum(s.counts["previous"] for s in setups)
    new = sum(s.counts["new"] for s in setups)
    print("\nsummary:")
    for l in results:
        print("  " + l)
    print(f"total: {total_kills} kills across {len(setups)} setups (set A {sets['A']}, set B {sets['B']} after the kill; "
          f"the previous set {kept}, the new one {new}), "
          f"{total_err} EIO faults; bad {len(all_bad)}; {time.time() - started:.0f} s")
    if all_bad:
        print(f"\n{len(all_bad)} bad case(s); work dir kept: {root}")
        for b in all_bad:
            print(b)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
