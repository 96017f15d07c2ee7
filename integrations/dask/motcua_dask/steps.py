"""The task functions the workers run: one `motcua` process each.

A step that fails for a reason in the data or the configuration (motcua's exit codes 64-78)
returns its exit code and message instead of raising: Dask retries what raises, and running
such a step again would fail again. A step killed by a signal, or a worker lost, raises or is
rescheduled by Dask, and runs again elsewhere; every step writes under a temporary name and
renames, so a second run of it is harmless.
"""

import ctypes
import functools
import os
import shutil
import signal
import subprocess

# motcua's exit codes for failures a retry cannot mend: usage, data, no input, config
# (docs/REFERENCE.md, exit codes). Others — I/O, a lock, a signal from outside (a preempted
# Slurm job, a worker's service stopped) — may go well on another worker, and are retried.
FINAL = {64, 65, 66, 78}


class StepCrashed(RuntimeError):
    """A motcua step that ended in a way a retry on another worker may mend."""


def _die_with_parent():
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


@functools.lru_cache(maxsize=1)
def _setpriv():
    """util-linux's setpriv, when it can set the parent-death signal (2.33 and later)."""
    path = shutil.which("setpriv")
    if not path:
        return None
    try:
        usage = subprocess.run([path, "--help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT).stdout
    except OSError:
        return None
    return path if b"--pdeathsig" in usage else None


def run_step(argv):
    """Runs one motcua step; returns {"code", "stderr", "argv"}; raises StepCrashed to be retried."""
    # A worker killed with -9 takes its motcua child along, so a dead worker's step cannot
    # finish later and race the step's retry. setpriv sets that without a preexec_fn, which
    # would make Python fork the whole worker (≈ 15 ms more per task with a 150 MB heap).
    setpriv = _setpriv()
    if setpriv:
        proc = subprocess.run([setpriv, "--pdeathsig", "KILL"] + argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    else:
        proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=_die_with_parent)
    stderr = proc.stderr.decode("utf-8", "replace")
    if proc.returncode == 0 or proc.returncode in FINAL:
        return {"code": proc.returncode, "stderr": stderr, "argv": argv, "host": os.uname().nodename}
    raise StepCrashed(f"{' '.join(argv[:3])} … ended with {proc.returncode} on {os.uname().nodename}: {stderr.strip()[-2000:]}")


def motcua_processes():
    """This host's motcua processes: (pid, parent pid, argv as bytes)."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
            with open(f"/proc/{pid}/stat", "rb") as f:
                parent = int(f.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if argv and os.path.basename(argv[0]) == b"motcua":
            yield int(pid), parent, argv


def _steps_using(run_dir):
    """Pids of this host's motcua processes working in `run_dir` (an argument inside it)."""
    needle = os.fsencode(run_dir.rstrip("/") + "/")
    return [pid for pid, _, argv in motcua_processes() if any(needle in a for a in argv[1:])]


def stop_steps(work):
    """SIGTERM to this host's steps of a run (a map stops cleanly and exits 143; a reduce just
    ends, its temporary directory goes with the run's)."""
    pids = _steps_using(work)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    return len(pids)


def count_steps(work):
    return len(_steps_using(work))
