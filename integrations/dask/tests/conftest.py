"""Fixtures: the motcua binary (MOTCUA_BINARY, or the repository's debug build) and corpora."""

import gzip
import json
import os
import shutil
import subprocess
import sys

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))


@pytest.fixture(scope="session")
def motcua():
    path = os.environ.get("MOTCUA_BINARY") or os.path.join(REPO, ".build", "debug", "motcua")
    if not os.access(path, os.X_OK):
        pytest.fail(f"no motcua binary at {path}: run `swift build` first, or set MOTCUA_BINARY")
    return path


def run_motcua(motcua, args, cwd):
    proc = subprocess.run([motcua] + args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.returncode == 0, f"motcua {' '.join(args)}: {proc.stderr.decode()}"
    return proc


def _driver_env():
    return dict(os.environ, PYTHONPATH=os.path.join(REPO, "integrations", "dask") + os.pathsep + os.environ.get("PYTHONPATH", ""))


def run_driver(args, cwd, **kw):
    """motcua-dask as a user runs it (a process of its own), returning the finished process."""
    return subprocess.run([sys.executable, "-m", "motcua_dask.cli"] + args, cwd=cwd, env=_driver_env(),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def run_driver_async(args, cwd):
    """motcua-dask started, not waited for."""
    return subprocess.Popen([sys.executable, "-m", "motcua_dask.cli"] + args, cwd=cwd, env=_driver_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def outputs(directory):
    """Output files by name; summary.json without its timing (the one difference allowed)."""
    out = {}
    for name in sorted(os.listdir(directory)):
        if name.startswith(".") or name == "last-failure":
            continue
        with open(os.path.join(directory, name), "rb") as f:
            data = f.read()
        if name == "summary.json":
            summary = json.loads(data)
            for key in ("wall_seconds", "mb_per_s"):
                summary.pop(key, None)
            data = json.dumps(summary, sort_keys=True).encode()
        out[name] = data
    return out


def assert_same_outputs(cluster_dir, run_dir):
    a, b = outputs(cluster_dir), outputs(run_dir)
    assert sorted(a) == sorted(b)
    assert len(b) >= 5
    for name in b:
        assert a[name] == b[name], f"{name} differs from motcua run's"


@pytest.fixture(scope="session")
def sample_pipeline(tmp_path_factory):
    """The bundled sample pipeline, its paths made absolute."""
    root = tmp_path_factory.mktemp("sample")
    with open(os.path.join(REPO, "pipelines", "sample.yaml"), encoding="utf-8") as f:
        text = f.read().replace("../SampleData", os.path.join(REPO, "SampleData")).replace("../out/sample", "out")
    path = root / "sample.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def corpus(motcua, tmp_path_factory):
    """NDJSON days in in/a and CSV days in in/b (names interleave), a pipeline over both."""
    root = tmp_path_factory.mktemp("corpus")
    for fmt, seed, start, sub in (("dvcqg-ndjson", "3", "2024-02-19", "a"), ("csv", "4", "2024-02-22", "b")):
        gen = root / f"gen-{sub}"
        run_motcua(motcua, ["generate", "--out", str(gen), "--format", fmt, "--days", "14", "--dossiers-per-day", "40",
                            "--units", "15", "--seed", seed, "--start", start, "--quiet"], root)
        (root / "in").mkdir(exist_ok=True)
        shutil.move(str(gen / "exports"), str(root / "in" / sub))
    catalogs = root / "gen-a" / "catalogs"
    (root / "p.yaml").write_text(f"""version: 1
name: corpus
inputs:
  - {{ format: dvcqg-ndjson, paths: ["in/a/*.ndjson.gz"] }}
  - {{ format: csv, paths: ["in/b/*.csv.gz"] }}
catalogs: {{ units: {catalogs}/units.csv, procedures: {catalogs}/procedures.csv }}
periods: {{ kind: month, from: 2024-02-01, to: 2024-03-31 }}
breakdown: [sector]
targets: [{{ kpi: on_time_rate, min: 0.9 }}, {{ kpi: online_rate, min: 0.3 }}]
outputs: {{ dir: out, formats: [csv, json], form_ii06a: true, data_quality: true }}
limits: {{ max_reject_rate: 1 }}
""", encoding="utf-8")
    return root


def truncated_copy(source, target):
    with open(source, "rb") as f:
        data = f.read()
    with open(target, "wb") as f:
        f.write(data[: len(data) // 2])
    # Really damaged: reading it to the end fails.
    with pytest.raises(EOFError):
        with gzip.open(target) as g:
            g.read()
