"""The layer boundaries of ARCHITECTURE.md, checked on every run.

import-linter follows every import (function-level ones too) through the whole package graph;
the subprocess checks prove what a user's start-up really loads.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold():
    # engine: no Qt, no torch; models: no Qt (see [tool.importlinter] in pyproject.toml)
    lint = Path(sys.executable).with_name("lint-imports")
    res = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "BROKEN" not in res.stdout


def _modules_loaded_by(code: str) -> set[str]:
    res = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys; print(' '.join(sorted(sys.modules)))"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert res.returncode == 0, res.stderr
    return set(res.stdout.split())


def test_engine_cli_starts_without_torch_or_qt():
    mods = _modules_loaded_by("import engine, kinesight.run, kinesight.analyze, kinesight.info, kinesight.sequences, engine.pipeline, engine.runners.live, engine.runners.offline, kinesight.cli")
    assert "torch" not in mods
    assert "PySide6" not in mods


def test_no_command_hides_an_import_from_import_linter():
    # The dispatcher once reached the training commands through importlib, an edge import-linter cannot see.
    for folder in ("engine", "kinesight"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            assert "import_module(" not in text and "__import__(" not in text, path
