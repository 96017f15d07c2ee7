"""motcua-dask PIPELINE [driver options] [motcua run options]

Runs `motcua run PIPELINE [run options]` as map, reduce and finish tasks on a Dask cluster and
exits with motcua's exit code. Options it does not know are `motcua run`'s and go to `finish`
(`--out`, `--period`, `--rules`, `--as-of`, `--state`, …); `--inflater` goes to the maps too.
"""

import argparse
import os
import shutil
import signal
import sys

from .driver import Driver, DriverError


def parse(argv):
    p = argparse.ArgumentParser(
        prog="motcua-dask",
        description="Run a motcua pipeline on a Dask cluster: the same outputs as `motcua run`. "
                    "Every worker must see the pipeline, its inputs, --work and the motcua binary at the same paths.",
        epilog="Other options are motcua run's and are passed on, e.g. --out DIR --period 2024-Q1 --rules qd766.")
    p.add_argument("pipeline", help="pipeline file (YAML)")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--local", type=int, metavar="N", help="start a local cluster of N worker processes")
    where.add_argument("--scheduler", metavar="ADDRESS", help="use a running cluster, e.g. tcp://10.0.0.5:8786")
    p.add_argument("--work", help="working directory on the shared filesystem (default: .motcua-dask-work-PID beside "
                                  "the pipeline); each run works in a run-ID folder inside it, removed afterwards")
    p.add_argument("--keep-work", action="store_true", help="keep the run's folder in --work (map outputs, partitions)")
    p.add_argument("--motcua", default=shutil.which("motcua") or "motcua",
                   help="path of the motcua binary, the same on every worker (default: motcua on PATH)")
    p.add_argument("--map-tasks", type=int, metavar="K", help="map tasks (default: 1 to 4 per worker thread, whole rounds of at least 64 MB of gzip per task)")
    p.add_argument("--reduce-tasks", type=int, metavar="R",
                   help="reduce tasks, each merging 64/R of the partitions (default: 1 per worker thread after one round of maps, else 2; at most 64)")
    p.add_argument("--task-threads", type=int, default=1, metavar="T",
                   help="threads of each motcua map task (default 1: one task per worker thread)")
    p.add_argument("--worker-timeout", type=float, default=120, metavar="SECONDS",
                   help="give up (exit 69) when no worker has joined the cluster after this long (default 120)")
    p.add_argument("--retries", type=int, default=3, help="runs of a task that crashed, beyond the first (default 3)")
    p.add_argument("--start-method", choices=("fork", "spawn", "forkserver"),
                   default="fork" if sys.platform.startswith("linux") else "spawn",
                   help="how --local starts its worker processes (default on Linux: fork — a worker starts in a tenth "
                        "of a second instead of importing Dask again for one to two seconds; the tasks are motcua "
                        "processes, so nothing the driver holds is shared with them)")
    return p.parse_known_args(argv)


class Terminated(BaseException):
    """SIGTERM, raised where the driver is so that it can stop the steps and clean up."""


def _terminate(signum, frame):
    raise Terminated()


def main(argv=None):
    args, run_args = parse(sys.argv[1:] if argv is None else argv)
    signal.signal(signal.SIGTERM, _terminate)
    import dask
    from distributed import Client, LocalCluster

    work = args.work or os.path.join(os.path.dirname(os.path.abspath(args.pipeline)), f".motcua-dask-work-{os.getpid()}")
    cluster = None
    try:
        if args.local is not None:
            dask.config.set({"distributed.worker.multiprocessing-method": args.start_method})
            cluster = LocalCluster(n_workers=args.local, threads_per_worker=1, processes=True, dashboard_address=":0")
            client = Client(cluster)
        else:
            client = Client(args.scheduler)
    except Exception as e:
        print(f"motcua-dask: cannot reach the Dask cluster: {e}", file=sys.stderr)
        return 69
    try:
        driver = Driver(client, args.motcua, args.pipeline, work, run_args, task_threads=args.task_threads,
                        map_tasks=args.map_tasks, reduce_tasks=args.reduce_tasks, retries=args.retries, keep_work=args.keep_work)
        driver.worker_timeout = args.worker_timeout
        code = driver.run()
        if code == 0:
            t = driver.timings
            print("motcua-dask: phases (s): " + ", ".join(f"{k} {t[k]:.2f}" for k in ("list", "map", "reduce", "finish", "total") if k in t)
                  + f"; map output {t['map_output_bytes']:,} bytes for {t['input_bytes']:,} input bytes",
                  file=sys.stderr)
        return code
    except DriverError as e:
        print(str(e), file=sys.stderr)
        return e.code
    except KeyboardInterrupt:
        print("motcua-dask: interrupted; nothing published", file=sys.stderr)
        return 130
    except Terminated:
        print("motcua-dask: terminated; nothing published", file=sys.stderr)
        return 143
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


if __name__ == "__main__":
    sys.exit(main())
