"""Running the real ``kinesight`` command in a subprocess, shared by the end-to-end tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def kinesight(*args: str, timeout: float = 60, env: dict | None = None) -> subprocess.CompletedProcess:
    """The installed ``kinesight`` (or ``python -m kinesight``) with ``args``, run from the repo root
    (``env``: variables to set on top of this process's environment)."""
    exe = Path(sys.executable).with_name("kinesight")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "kinesight"]
    full_env = {**os.environ, **env} if env else None
    return subprocess.run([*cmd, *map(str, args)], cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env=full_env)


def one_line_error(res: subprocess.CompletedProcess) -> str:
    """The single ``kinesight: error: ...`` line a failed command must print (no traceback)."""
    assert "Traceback" not in res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("kinesight: error: "), res.stderr
    return lines[0]
