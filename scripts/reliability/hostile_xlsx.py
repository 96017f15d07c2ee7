#!/usr/bin/env python3
"""Damaged workbooks never crash a run: truncations, byte flips and cut-outs of a workbook (its
deflated form and a stored copy, so flips also land in the XML itself), each run under
on_corrupt_input: salvage and fail. Every run must end 0 (a salvage, or damage that still reads)
or 65 (corrupt input, or rejects): never a signal or another code.

usage: scripts/reliability/hostile_xlsx.py MOTCUA WORKBOOK.xlsx [ROUNDS]   (default 200)
"""
import io, os, random, subprocess, sys, tempfile, zipfile

motcua, book = sys.argv[1], sys.argv[2]
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 200
random.seed(20261202)
base = open(book, "rb").read()
stored = io.BytesIO()
with zipfile.ZipFile(io.BytesIO(base)) as z, zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as w:
    for i in z.infolist():
        w.writestr(i.filename, z.read(i.filename))
work = tempfile.mkdtemp(prefix="hostile-xlsx-")
codes, bad = {}, 0
for n in range(rounds):
    b = bytearray(stored.getvalue() if n % 2 else base)
    kind = n % 3
    if kind == 0:
        b = b[: random.randrange(len(b))]
    elif kind == 1:
        for _ in range(random.randint(1, 20)):
            b[random.randrange(len(b))] = random.randrange(256)
    else:
        i = random.randrange(len(b))
        b[i : i + random.randint(1, 200)] = b""
    open(os.path.join(work, "in.xlsx"), "wb").write(b)
    policy = "salvage" if n % 4 < 2 else "fail"
    with open(os.path.join(work, "p.yaml"), "w") as f:
        f.write(f"""version: 1
name: hostile
inputs:
  - {{ format: xlsx, paths: ["in.xlsx"] }}
periods: {{ kind: month, from: 2024-01-01, to: 2024-12-31 }}
outputs: {{ dir: out }}
limits: {{ max_reject_rate: 1, on_corrupt_input: {policy} }}
""")
    r = subprocess.run([motcua, "run", "p.yaml", "--quiet"], cwd=work, capture_output=True, timeout=120)
    codes[r.returncode] = codes.get(r.returncode, 0) + 1
    if r.returncode not in (0, 65):
        bad += 1
        keep = os.path.join(work, f"crash-{n}.xlsx")
        open(keep, "wb").write(b)
        print(f"round {n}: exit {r.returncode}, kept {keep}\n{r.stderr.decode(errors='replace')[-500:]}")
print(f"{rounds} rounds, exit codes {dict(sorted(codes.items()))}, {bad} bad")
sys.exit(1 if bad else 0)
