"""motcua-dask on a local Dask cluster of 2 worker processes: the outputs are `motcua run`'s,
byte for byte (summary.json's timing aside), whatever the period kind and rule set, with a
worker killed mid-map, and a data error in a map is the whole run's exit 65, nothing published."""

import os
import signal
import threading
import time

import pytest

from conftest import assert_same_outputs, run_driver, run_driver_async, run_motcua, truncated_copy
from motcua_dask import cut_map_tasks, default_map_tasks
from motcua_dask.steps import motcua_processes


def test_default_map_tasks_are_whole_rounds_of_big_enough_tasks():
    mb = 1 << 20
    assert default_map_tasks(89 * mb, 2) == 2, "a small set: one task per worker thread"
    assert default_map_tasks(300 * mb, 2) == 4
    assert default_map_tasks(713 * mb, 2) == 8, "a big set: four per worker thread, no more"
    assert default_map_tasks(0, 0) == 1
    assert default_map_tasks(10_000 * mb, 160) == 160


def test_map_tasks_keep_neighbours_and_balance_bytes():
    files = [{"path": f"f{i}", "bytes": b} for i, b in enumerate([100, 100, 100, 100, 400, 100, 100, 100])]
    tasks = cut_map_tasks(files, 4)
    assert [f["path"] for t in tasks for f in t] == [f["path"] for f in files], "every file once, in input order"
    assert len(tasks) == 4 and all(tasks)
    assert max(sum(f["bytes"] for f in t) for t in tasks) <= 400
    assert len(cut_map_tasks(files, 100)) == len(files), "never more tasks than files, none empty"
    assert cut_map_tasks(files[:1], 4) == [files[:1]]
    assert cut_map_tasks([], 4) == []
    # Empty files count as one byte: they still make their way into a task.
    assert sum(len(t) for t in cut_map_tasks([{"path": "e", "bytes": 0}] * 5, 2)) == 5


def test_sample_data_equals_motcua_run(motcua, sample_pipeline):
    root = sample_pipeline.parent
    proc = run_driver([str(sample_pipeline), "--local", "2", "--motcua", motcua, "--out", str(root / "out-dask")], root)
    assert proc.returncode == 0, proc.stderr.decode()
    stderr = proc.stderr.decode()
    assert "dashboard http" in stderr and "in 2 map tasks" in stderr and "map 1/2" in stderr and "reduce 2/2 tasks done" in stderr
    run_motcua(motcua, ["run", str(sample_pipeline), "--quiet", "--out", str(root / "out-run")], root)
    assert_same_outputs(root / "out-dask", root / "out-run")
    assert not [n for n in os.listdir(root) if n.startswith(".motcua-dask-work")], "the working directory is removed"


@pytest.mark.parametrize("tasks,options", [
    (["--map-tasks", "5"], ["--rules", "tt01"]),
    (["--map-tasks", "3", "--reduce-tasks", "64"],
     ["--kind", "week", "--from", "2024-02-19", "--to", "2024-03-10", "--rules", "qd766", "--as-of", "2024-03-06"]),
    (["--map-tasks", "28", "--reduce-tasks", "3", "--task-threads", "2"],
     ["--kind", "quarter", "--period", "2024-Q1", "--rules", "tt01", "--inflater", "zlib"]),
])
def test_mixed_corpus_equals_motcua_run(motcua, corpus, tasks, options):
    tag = "-".join(o.strip("-") for o in options)[:40]
    proc = run_driver(["p.yaml", "--local", "2", "--motcua", motcua, "--out", f"out-dask-{tag}"] + tasks + options, corpus)
    assert proc.returncode == 0, proc.stderr.decode()
    run_motcua(motcua, ["run", "p.yaml", "--quiet", "--out", f"out-run-{tag}"] + options, corpus)
    assert_same_outputs(corpus / f"out-dask-{tag}", corpus / f"out-run-{tag}")


def map_workers():
    """Pids of processes running a `motcua map` step, with their parents (the Dask workers)."""
    return [(pid, parent) for pid, parent, argv in motcua_processes() if len(argv) > 1 and argv[1] == b"map"]


def test_a_worker_killed_during_the_maps_changes_nothing(motcua, corpus):
    killed = []

    def kill_one_worker():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not killed:
            for _, worker in map_workers():
                os.kill(worker, signal.SIGKILL)
                killed.append(worker)
                return
            time.sleep(0.005)

    killer = threading.Thread(target=kill_one_worker)
    killer.start()
    proc = run_driver(["p.yaml", "--local", "2", "--motcua", motcua, "--map-tasks", "14", "--out", "out-killed"], corpus)
    killer.join()
    assert killed, "no map task was seen running: nothing was killed"
    assert proc.returncode == 0, proc.stderr.decode()
    run_motcua(motcua, ["run", "p.yaml", "--quiet", "--out", "out-unkilled"], corpus)
    assert_same_outputs(corpus / "out-killed", corpus / "out-unkilled")


def test_a_data_error_in_a_map_is_exit_65_and_nothing_is_published(motcua, corpus, tmp_path):
    # The corpus's files, one of them truncated, under on_corrupt_input: fail (the default).
    for sub in ("a", "b"):
        os.makedirs(tmp_path / "in" / sub)
        for n in os.listdir(corpus / "in" / sub):
            os.symlink(corpus / "in" / sub / n, tmp_path / "in" / sub / n)
    damaged = "hoso-2024-02-25-damaged.ndjson.gz"
    truncated_copy(corpus / "in" / "a" / "hoso-2024-02-25.ndjson.gz", tmp_path / "in" / "a" / damaged)
    (tmp_path / "p.yaml").write_text((corpus / "p.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    proc = run_driver(["p.yaml", "--local", "2", "--motcua", motcua, "--map-tasks", "4", "--out", "out",
                       "--work", str(tmp_path / "work")], tmp_path)
    stderr = proc.stderr.decode()
    assert proc.returncode == 65, stderr
    assert damaged in stderr and "nothing published" in stderr
    assert stderr.count("map task failed with exit 65") == 1
    assert not (tmp_path / "out" / "counters.csv").exists()
    assert not (tmp_path / "work").exists(), "the working directory is removed after a failure too"


def test_a_wrong_run_option_fails_in_the_first_maps(motcua, sample_pipeline):
    proc = run_driver([str(sample_pipeline), "--local", "2", "--motcua", motcua, "--period", "2024-Q1"], sample_pipeline.parent)
    stderr = proc.stderr.decode()
    assert proc.returncode == 64, stderr
    assert "'2024-Q1' is not a month period label" in stderr and "reduce" not in stderr


def test_an_unreachable_scheduler_is_exit_69(motcua, sample_pipeline):
    proc = run_driver([str(sample_pipeline), "--scheduler", "tcp://127.0.0.1:9", "--motcua", motcua], sample_pipeline.parent,
                      timeout=120)
    assert proc.returncode == 69, proc.stderr.decode()
    assert "cannot reach the Dask cluster" in proc.stderr.decode()


def test_a_cluster_without_workers_is_exit_69(motcua, sample_pipeline):
    from distributed import LocalCluster

    with LocalCluster(n_workers=0, processes=False, protocol="tcp", dashboard_address=":0") as cluster:
        proc = run_driver([str(sample_pipeline), "--scheduler", cluster.scheduler_address, "--worker-timeout", "2",
                           "--motcua", motcua], sample_pipeline.parent, timeout=120)
    assert proc.returncode == 69, proc.stderr.decode()
    assert "no Dask worker joined the cluster within 2 s; nothing read" in proc.stderr.decode()


def test_work_keeps_what_was_there_and_two_runs_can_share_it(motcua, sample_pipeline, tmp_path):
    work = tmp_path / "shared-work"
    work.mkdir()
    (work / "precious.txt").write_text("the user's", encoding="utf-8")
    runs = [run_driver_async([str(sample_pipeline), "--local", "1", "--motcua", motcua, "--work", str(work),
                              "--out", str(tmp_path / f"out-{i}")], sample_pipeline.parent) for i in range(2)]
    for proc in runs:
        stdout, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 0, stderr.decode()
    assert sorted(os.listdir(work)) == ["precious.txt"], "only each run's own folder is removed"
    assert_same_outputs(tmp_path / "out-0", tmp_path / "out-1")


def test_sigterm_stops_the_steps_and_publishes_nothing(motcua, corpus, tmp_path):
    proc = run_driver_async(["p.yaml", "--local", "2", "--motcua", motcua, "--map-tasks", "28", "--task-threads", "1",
                             "--work", str(tmp_path / "work"), "--out", str(tmp_path / "out")], corpus)
    deadline = time.monotonic() + 120
    while not map_workers() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.005)
    assert map_workers(), "no map step was seen running"
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 143, stderr.decode()
    assert "terminated; nothing published" in stderr.decode()
    assert not (tmp_path / "out" / "counters.csv").exists()
    time.sleep(0.5)
    assert not (tmp_path / "work").exists(), "the run's folder, and --work it made, are gone"
    assert not [p for p, _, argv in motcua_processes() if any(str(tmp_path).encode() in a for a in argv)], "no step left running"
