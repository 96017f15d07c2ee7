#!/usr/bin/env python3
"""Big hostile inputs (issue 6) against a release build, with exit code, wall time and peak RSS
(`/usr/bin/time -f %M`). The small versions of these run in `swift test`
(Tests/MotcuaPropertyTests/HostileInputTests.swift); these are the sizes that would show unbounded
memory, an Int32 overflow or a hang.

    swift build -c release --scratch-path .build-rel
    python3 scripts/reliability/hostile_big.py --binary .build-rel/release/motcua [--only NAME ...] [--keep]

Scenarios (inputs are generated streaming into a temporary directory, never held in memory):
  zero_bomb        4 GiB of NUL bytes gzip'ed (~4 MB): one line_too_long, memory flat
  line_2g_plain    one 2 GiB NDJSON line in a plain file, then a good line
  line_2g_gzip     the same line gzip'ed (~2 MB)
  reject_flood_N   N million lines `{}` gzip'ed (tiny file): N million rejects — memory grows
                   with the reject count (every reject is kept for rejects.ndjson)
  reject_flood_bomb  the same with 358 M lines (1 GiB decompressed, ~1 MB gzip), run under
                   `prlimit --as=8GiB` so that it cannot take the machine down
  csv_2g_lines     a quoted CSV cell holding 2^31 + 10 line feeds (gzip, ~2 MB), then a good row:
                   the line counter of that one record passes Int32;
                   the row after it is accepted, the next one is malformed_csv at line 2^31 + 14
  members_1m       one million gzip members of one short line each
Prints one markdown table row per scenario (for RELIABILITY.md).
"""
import argparse, json, os, shutil, subprocess, sys, tempfile, time, zlib

GOOD = b'{"MaHoSo":"000.00.01.H56-1","TrangThaiHoSo":4,"NgayTiepNhan":"20240305080000"}'
MiB = 1 << 20


class GzWriter:
    """Streams one gzip member to a file."""
    def __init__(self, path, level=9, append=False):
        self.f = open(path, "ab" if append else "wb")
        self.z = zlib.compressobj(level, zlib.DEFLATED, 31)

    def write(self, b):
        self.f.write(self.z.compress(b))

    def close(self):
        self.f.write(self.z.flush())
        self.f.close()


def repeat_into(w, block, total):
    left = total
    while left > 0:
        n = min(left, len(block))
        w.write(block if n == len(block) else block[:n])
        left -= n


def pipeline(work, fmt="dvcqg-ndjson", limits="max_reject_rate: 1"):
    with open(os.path.join(work, "p.yaml"), "w") as f:
        f.write(f"version: 1\nname: big\ninputs: [{{format: {fmt}, paths: [\"data/*\"]}}]\n"
                f"periods: {{kind: month, from: 2024-03-01, to: 2024-03-31}}\noutputs: {{dir: out}}\n"
                f"limits: {{{limits}}}\n")


def gen_zero_bomb(data):
    w = GzWriter(os.path.join(data, "bomb.ndjson.gz"))
    repeat_into(w, b"\0" * (16 * MiB), 4 << 30)
    w.write(b"\n" + GOOD + b"\n")
    w.close()
    return "expect one line_too_long and one accepted record"


def gen_line_plain(data):
    with open(os.path.join(data, "line.ndjson"), "wb") as f:
        f.write(b'{"MaHoSo":"000.00.01.H56-2","X":"')
        block = b"a" * (16 * MiB)
        left = (2 << 30) - 40
        while left > 0:
            n = min(left, len(block))
            f.write(block[:n])
            left -= n
        f.write(b'"}\n' + GOOD + b"\n")
    return "expect one line_too_long and one accepted record"


def gen_line_gzip(data):
    w = GzWriter(os.path.join(data, "line.ndjson.gz"))
    w.write(b'{"MaHoSo":"000.00.01.H56-2","X":"')
    repeat_into(w, b"a" * (16 * MiB), (2 << 30) - 40)
    w.write(b'"}\n' + GOOD + b"\n")
    w.close()
    return "expect one line_too_long and one accepted record"


def gen_reject_flood(millions):
    def gen(data):
        w = GzWriter(os.path.join(data, "flood.ndjson.gz"))
        repeat_into(w, b"{}\n" * (4 * MiB), 3 * millions * 1_000_000)
        w.write(GOOD + b"\n")
        w.close()
        return f"expect {millions}M missing_field:MaHoSo rejects"
    return gen


def gen_csv_lines(data):
    w = GzWriter(os.path.join(data, "long.csv.gz"), level=6)
    w.write("Mã hồ sơ,Trạng thái,Ngày tiếp nhận,Ghi chú\n".encode())
    w.write(b'000.00.01.H56-1,4,05/03/2024,"')
    repeat_into(w, b"\n" * (16 * MiB), (1 << 31) + 10)
    w.write(b'"\n000.00.01.H56-2,4,05/03/2024,x\nbroken"row\n')
    w.close()
    return "expect line_too_long at line 2, and the last row's malformed_csv at line 2^31 + 14"


def gen_members(data):
    with open(os.path.join(data, "members.ndjson.gz"), "wb") as f:
        for i in range(1_000_000):
            c = zlib.compressobj(1, zlib.DEFLATED, 31)
            line = b'{"MaHoSo":"000.00.01.H56-%d","TrangThaiHoSo":4,"NgayTiepNhan":"20240305080000"}\n' % (i % 1000)
            f.write(c.compress(line) + c.flush())
    return "expect 1M records, 1M members"


SCENARIOS = {
    "zero_bomb": (gen_zero_bomb, "dvcqg-ndjson"),
    "line_2g_plain": (gen_line_plain, "dvcqg-ndjson"),
    "line_2g_gzip": (gen_line_gzip, "dvcqg-ndjson"),
    "reject_flood_1": (gen_reject_flood(1), "dvcqg-ndjson"),
    "reject_flood_3": (gen_reject_flood(3), "dvcqg-ndjson"),
    "reject_flood_10": (gen_reject_flood(10), "dvcqg-ndjson"),
    "reject_flood_bomb": (gen_reject_flood(358), "dvcqg-ndjson"),
    "csv_2g_lines": (gen_csv_lines, "csv"),
    "members_1m": (gen_members, "dvcqg-ndjson"),
}


def run_one(binary, name, keep):
    gen, fmt = SCENARIOS[name]
    work = tempfile.mkdtemp(prefix=f"motcua-big-{name}-")
    data = os.path.join(work, "data")
    os.makedirs(data)
    t = time.time()
    expectation = gen(data)
    gen_s = time.time() - t
    pipeline(work, fmt)
    size = sum(os.path.getsize(os.path.join(data, n)) for n in os.listdir(data))
    cmd = ["/usr/bin/time", "-f", "%M %e", binary, "run", "p.yaml", "--quiet", "--threads", "2"]
    if name == "reject_flood_bomb":
        cmd = ["prlimit", f"--as={8 << 30}"] + cmd
    env = dict(os.environ, SWIFT_BACKTRACE="enable=no")   # a crash prints its one-line reason
    p = subprocess.run(cmd, cwd=work, capture_output=True, text=True, errors="replace", env=env)
    lines = p.stderr.strip().splitlines()
    rss_kb, wall = (lines[-1].split() + ["?", "?"])[:2] if lines else ("?", "?")
    if "Command terminated by signal" in p.stderr or "Command exited with non-zero status" in p.stderr:
        status_line = [l for l in lines if l.startswith("Command ")]
    else:
        status_line = []
    # /usr/bin/time reports a signal death as "Command terminated by signal N".
    code = p.returncode
    outcome = ""
    summary_path = os.path.join(work, "out", "summary.json")
    if code == 0 and os.path.exists(summary_path):
        with open(summary_path) as f:
            s = json.load(f)
        a = s["accounting"]
        outcome = (f"records {a['records']} = accepted {a['accepted']} + rejected {a['rejected']}; "
                   f"rejects {s['rejects_by_reason']}")
        rj = os.path.join(work, "out", "rejects.ndjson")
        with open(rj, "rb") as f:
            first = [json.loads(l) for l in f.read(4096).split(b"\n")[:1] if l]
        if first:
            outcome += f"; first reject line {first[0]['line']}"
        if name == "csv_2g_lines":
            with open(rj, "rb") as f:
                f.seek(max(0, os.path.getsize(rj) - 4096))
                last = [l for l in f.read().split(b"\n") if l][-1]
            outcome += f"; last reject {json.loads(last)['line']}:{json.loads(last)['reason']}"
    else:
        msg = [l for l in lines[:-1] if l.strip() and not l.startswith("Command ")]
        fatal = [l for l in msg if "Fatal error" in l or "error:" in l]
        outcome = " / ".join((fatal or msg)[-2:])[:300] + (" (" + status_line[0] + ")" if status_line else "")
    shown = f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.1f} kB"
    row = (f"| {name} | {shown} | {code} | {int(rss_kb) / 1024:.0f} MiB | {wall} s | {outcome} |"
           if rss_kb.isdigit() else f"| {name} | {shown} | {code} | ? | ? | {outcome} |")
    print(row, flush=True)
    print(f"    ({expectation}; generated in {gen_s:.0f} s; work dir {work})", file=sys.stderr, flush=True)
    if not keep:
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=".build-rel/release/motcua")
    ap.add_argument("--only", nargs="*", choices=sorted(SCENARIOS))
    ap.add_argument("--keep", action="store_true", help="keep the generated inputs and outputs")
    a = ap.parse_args()
    binary = os.path.abspath(a.binary)
    print("| scenario | input size | exit | peak RSS | wall | outcome |")
    print("|---|---|---|---|---|---|")
    for name in a.only or list(SCENARIOS):
        run_one(binary, name, a.keep)


if __name__ == "__main__":
    main()
