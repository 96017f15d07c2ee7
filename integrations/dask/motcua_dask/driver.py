"""The driver: lists the pipeline's inputs, cuts them into map tasks, runs the maps, one reduce
task per partition, then `motcua finish`, which publishes the outputs (nothing is published
unless every task succeeded).

Every worker must see the pipeline, its inputs, the work directory and the motcua binary at the
same paths as the driver (a shared filesystem: NFS, CephFS, a shared volume).
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid

from .steps import count_steps, run_step, stop_steps

# The state's hash partitions of the dossier ids (motcua's StateFormat.partitionCount).
PARTITIONS = 64


class DriverError(Exception):
    """A run that cannot go on: the message for stderr and the exit code (motcua's table)."""

    def __init__(self, message, code):
        super().__init__(message)
        self.code = code


# A map task has fixed costs — a process, its state written, a round trip to the scheduler —
# of tens of milliseconds: a task of fewer gzip bytes than this costs more than it balances.
MIN_TASK_BYTES = 64 << 20


def default_map_tasks(total_bytes, worker_threads):
    """Up to 4 map tasks per worker thread (balance, and cheap retries after a lost worker), in
    whole rounds of at least MIN_TASK_BYTES each: a set of a few hundred MB of gzip is one task
    per thread, a big one four."""
    rounds = max(1, min(4, total_bytes // (max(1, worker_threads) * MIN_TASK_BYTES)))
    return rounds * max(1, worker_threads)


def cut_map_tasks(files, tasks):
    """Cuts `files` (in input order, each with "bytes") into at most `tasks` runs of
    neighbouring files of about equal bytes. Neighbours stay together: a day's exports and
    its re-exports meet in one map, and a map's files are one stretch of the input order."""
    if not files:
        return []
    tasks = max(1, min(tasks, len(files)))
    total = sum(max(1, f["bytes"]) for f in files)
    cuts, current, done = [], [], 0

    def share():  # where the task being filled should end, in bytes from the start
        return total * (len(cuts) + 1) / tasks

    for i, f in enumerate(files):
        size = max(1, f["bytes"])
        tasks_left = tasks - len(cuts) - 1
        # Close the task before this file when that lands nearer its share than after it.
        if current and tasks_left > 0 and done + size > share() and done + size - share() > share() - done:
            cuts.append(current)
            current = []
        current.append(f)
        done += size
        tasks_left = tasks - len(cuts) - 1
        files_left = len(files) - i - 1
        # Close it at its share, or when every later task needs one of the files left.
        if tasks_left > 0 and (done >= share() or files_left == tasks_left):
            cuts.append(current)
            current = []
    if current:
        cuts.append(current)
    return cuts


class Driver:
    def __init__(self, client, motcua, pipeline, work, run_args, task_threads=1, map_tasks=None, reduce_tasks=None,
                 retries=3, keep_work=False, log=None):
        self.client = client
        self.motcua = os.path.abspath(motcua)
        self.pipeline = os.path.abspath(pipeline)
        self.work = os.path.abspath(work)
        self.run_args = list(run_args)
        self.task_threads = task_threads
        self.map_tasks = map_tasks
        self.reduce_tasks = reduce_tasks
        self.worker_timeout = 120
        self.retries = retries
        self.keep_work = keep_work
        self.log = log or (lambda line: print(line, file=sys.stderr, flush=True))
        self.timings = {}

    # -- the phases -------------------------------------------------------------------------

    def list_inputs(self):
        proc = subprocess.run([self.motcua, "validate", self.pipeline, "--list-inputs"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if proc.returncode != 0:
            raise DriverError(proc.stderr.decode("utf-8", "replace").strip(), proc.returncode)
        return [json.loads(line) for line in proc.stdout.decode("utf-8").splitlines() if line.strip()]

    # Run options that name where finish writes, or how many threads a map takes: not a map's.
    NOT_FOR_MAPS_WITH_VALUE = {"--out", "--state", "--metrics-file", "--threads"}
    NOT_FOR_MAPS = {"--full-refresh", "--progress", "--quiet"}

    def map_options(self):
        """The run options for every map: a map resolves them as the run would, so a wrong
        period or rule set fails the first map task in seconds, not finish after the cluster's work."""
        out, args, i = [], self.run_args, 0
        while i < len(args):
            a = args[i]
            name = a.split("=", 1)[0]
            if name in self.NOT_FOR_MAPS_WITH_VALUE:
                i += 1 if "=" in a else 2
                continue
            if name not in self.NOT_FOR_MAPS:
                out.append(a)
            i += 1
        return out

    def run(self):
        started = time.monotonic()
        files = self.list_inputs()
        try:
            self.client.wait_for_workers(1, timeout=self.worker_timeout)
        except Exception:
            raise DriverError(f"motcua-dask: no Dask worker joined the cluster within {self.worker_timeout:.0f} s; nothing read", 69)
        workers = max(1, sum(self.client.nthreads().values()))
        total = sum(f["bytes"] for f in files)
        tasks = cut_map_tasks(files, self.map_tasks or default_map_tasks(total, workers))
        self.log(f"motcua-dask: {len(files)} input files, {total:,} bytes, in {len(tasks)} map tasks "
                 f"on {workers} worker threads; dashboard {self.client.dashboard_link}")
        self.timings["list"] = time.monotonic() - started
        run_id = uuid.uuid4().hex[:12]
        # A directory of this run's own inside --work: only it is removed afterwards, and two
        # runs given the same --work never touch each other's files.
        base_existed = os.path.isdir(self.work)
        self.run_dir = os.path.join(self.work, f"run-{run_id}")
        os.makedirs(self.run_dir)
        finish = None
        try:
            maps = [os.path.join(self.run_dir, f"map-{i:05d}") for i in range(len(tasks))]
            map_argv = []
            for out, task in zip(maps, tasks):
                # The file list in a file: a national list does not fit a command line.
                with open(out + ".files", "w", encoding="utf-8") as f:
                    f.writelines(t["absolute_path"] + "\n" for t in task)
                map_argv.append([self.motcua, "map", self.pipeline, "--quiet", "--threads", str(self.task_threads)]
                                + self.map_options() + ["--out", out, "--files-from", out + ".files"])
            self.phase("map", map_argv, run_id)
            parts = os.path.join(self.run_dir, "parts")
            # Each task merges a share of the partitions (one each on 32 worker threads or more):
            # a task reads every map's ledger once, and a process per partition costs more than
            # the merge of a small one.
            # A small set (one round of maps) is merged in one task per thread.
            rounds = max(1, len(tasks) // workers)
            groups = max(1, min(PARTITIONS, self.reduce_tasks or min(2, rounds) * workers))
            reduce_argv = [[self.motcua, "reduce", self.pipeline, "--quiet", "--out", parts, "--maps"] + maps
                           + ["--partition"] + [str(j) for j in range(k, PARTITIONS, groups)]
                           for k in range(groups)]
            self.phase("reduce", reduce_argv, run_id)
            t = time.monotonic()
            argv = [self.motcua, "finish", self.pipeline] + self.run_args + ["--maps"] + maps + ["--parts", parts]
            self.log(f"motcua-dask: finish on the driver: {' '.join(argv[:3])} …")
            finish = subprocess.Popen(argv)
            code = finish.wait()
            self.timings["finish"] = time.monotonic() - t
            self.timings["total"] = time.monotonic() - started
            self.timings["map_output_bytes"] = sum(du(m) for m in maps)
            self.timings["input_bytes"] = total
            return code
        except BaseException:
            # A signal or a failure: finish (motcua removes what it wrote and exits 130/143) and
            # every step still running on the workers are stopped before their directory goes.
            if finish is not None and finish.poll() is None:
                finish.send_signal(signal.SIGTERM)
                finish.wait()
            self.stop_running_steps()
            raise
        finally:
            if not self.keep_work:
                shutil.rmtree(self.run_dir, ignore_errors=True)
                if not base_existed:
                    try:
                        os.rmdir(self.work)
                    except OSError:
                        pass

    def phase(self, name, argvs, run_id):
        """Runs one task per argv on the cluster; a task's data error stops the run with its code."""
        from distributed import as_completed

        t = time.monotonic()
        futures = [self.client.submit(run_step, argv, key=f"motcua-{name}-{run_id}-{i:05d}", pure=False,
                                      retries=self.retries)
                   for i, argv in enumerate(argvs)]
        done = 0
        try:
            for future in as_completed(futures):
                try:
                    result = future.result()
                except Exception as e:  # lost workers past distributed's allowed failures, or StepCrashed past retries
                    raise DriverError(f"motcua-dask: a {name} task failed for good: {e}", 70) from e
                if result["code"] != 0:
                    # The step's own message names the file, line and reason.
                    sys.stderr.write(result["stderr"])
                    raise DriverError(f"motcua-dask: {name} task failed with exit {result['code']} on {result['host']}; "
                                      "nothing published", result["code"])
                done += 1
                self.log(f"motcua-dask: {name} {done}/{len(futures)} tasks done")
        except BaseException:
            for f in futures:
                f.cancel()
            raise
        self.timings[name] = time.monotonic() - t


    def stop_running_steps(self):
        """A cancelled task's motcua keeps running on its worker: stop them all before the
        working directory goes, so none writes into it afterwards."""
        run_dir = getattr(self, "run_dir", None)
        if run_dir is None:
            return
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                self.client.run(stop_steps, run_dir)
                if sum(self.client.run(count_steps, run_dir).values()) == 0:
                    return
            except Exception:
                return
            time.sleep(0.1)


def du(path):
    total = 0
    for root, _, names in os.walk(path):
        for n in names:
            try:
                total += os.lstat(os.path.join(root, n)).st_size
            except OSError:
                pass
    return total
