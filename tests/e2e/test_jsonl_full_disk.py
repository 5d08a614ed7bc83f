"""``kinesight run --jsonl FILE`` on a full disk: every line written before stays, none is cut.

The full disk is real: the command runs in a subprocess whose file-size limit (RLIMIT_FSIZE) is
below what the run would write, so the kernel fails the write part-way (a short write, then
EFBIG) exactly where ENOSPC would on a full disk.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 3000  # bytes: a few lines of a run that writes ~66, and not a multiple of a line's length


def test_run_jsonl_on_a_full_disk_keeps_whole_lines_and_fails_with_one_line(tiny_bundle, clips, tmp_path):
    out = tmp_path / "predictions.jsonl"
    code = (
        "import resource, signal, sys\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write over the limit fails instead of killing\n"
        f"resource.setrlimit(resource.RLIMIT_FSIZE, ({LIMIT}, {LIMIT}))\n"
        "from kinesight.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, "run", "--source", str(clips["ucf"]), "--bundle",
                           str(tiny_bundle), "--device", "cpu", "--no-realtime", "--jsonl", str(out)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if "error" in line]
    assert len(errors) == 1, proc.stderr
    assert errors[0].startswith("kinesight: error: cannot write") and "File too large" in errors[0], proc.stderr
    assert "disk full" in errors[0] and "predictions written before are kept" in errors[0], proc.stderr

    data = out.read_bytes()
    assert 0 < len(data) <= LIMIT and data.endswith(b"\n"), data[-200:]  # cut back to the last whole line
    lines = [json.loads(x) for x in data.decode("utf-8").splitlines()]
    # Every line is a whole prediction, in order, from the first one on (unpaced input on a busy
    # machine may drop frames, so ticks can skip, never repeat).
    ticks = [x["tick"] for x in lines]
    assert ticks == sorted(set(ticks)) and lines[0]["state"] == "warming_up", ticks
    assert f"the {len(lines)} predictions written before are kept" in errors[0], (len(lines), errors[0])
    # The run stopped at the failure instead of printing predictions the file no longer got.
    printed = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    assert len(printed) == len(lines), (proc.stdout, ticks)
    # The next line would not have fitted: the run stopped at the limit, not earlier.
    assert len(data) > LIMIT - 2 * max(len(x) for x in data.splitlines()), (len(data), proc.stderr)
