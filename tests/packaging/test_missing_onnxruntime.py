"""A plain ``pip install kinesight`` has no ONNX Runtime (it comes from the [cpu] or [gpu] extra):
every command that needs it says in one line which extra to install, with exit code 1.

The real ``kinesight`` command runs in a subprocess whose ``PYTHONPATH`` starts with a folder
that hides ONNX Runtime: a ``sitecustomize.py`` that makes ``import onnxruntime`` fail exactly as
it fails where the package is not installed (or, for the broken-install case, an ``onnxruntime``
package whose import raises the error a missing system library gives).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from ort_hidden import BROKEN, NOT_INSTALLED

ROOT = Path(__file__).resolve().parents[2]
CLIP = ROOT.parent / "shared" / "data" / "clips" / "kinetics_arm_wrestling.mp4"
EXTRA = 'pip install "kinesight[cpu]"'



def _kinesight(hide: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(hide), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
    return subprocess.run([sys.executable, "-m", "kinesight", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def without_ort(tmp_path) -> Path:
    (tmp_path / "sitecustomize.py").write_text(NOT_INSTALLED, encoding="utf-8")
    return tmp_path


def _one_line_error(res: subprocess.CompletedProcess) -> str:
    assert "Traceback" not in res.stderr, res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("kinesight: error: "), res.stderr
    return lines[0]


def test_the_hiding_works(without_ort):
    # The subprocess really lacks ONNX Runtime (otherwise the tests below would prove nothing).
    env = {**os.environ, "PYTHONPATH": str(without_ort)}
    res = subprocess.run([sys.executable, "-c", "import onnxruntime"], env=env, capture_output=True, text=True)
    assert res.returncode != 0 and "No module named 'onnxruntime'" in res.stderr


@pytest.mark.parametrize("args", [
    ("analyze", str(CLIP), "--no-progress"),
    ("run", "--source", str(CLIP), "--no-realtime"),
    ("info",),
    ("train", str(ROOT.parent / "shared" / "data" / "clips"), "--head", "fewshot", "--out", "never-written"),
], ids=["analyze", "run", "info", "train"])
def test_commands_name_the_extra_to_install(without_ort, args):
    res = _kinesight(without_ort, *args)
    line = _one_line_error(res)
    assert res.returncode == 1, (res.returncode, line)
    assert EXTRA in line and "internal error" not in line, line
    assert f"`kinesight {args[0]}`" in line, line
    assert not (ROOT / "never-written").exists()


def test_version_and_help_still_work(without_ort):
    res = _kinesight(without_ort, "--version")
    assert res.returncode == 0, res.stderr
    assert "ONNX Runtime not installed" in res.stdout and "kinesight[cpu]" in res.stdout, res.stdout
    res = _kinesight(without_ort, "analyze", "--help")
    assert res.returncode == 0 and "--json" in res.stdout, res.stderr


def test_a_broken_onnxruntime_is_named_with_its_cause(tmp_path):
    (tmp_path / "onnxruntime").mkdir()
    (tmp_path / "onnxruntime" / "__init__.py").write_text(BROKEN, encoding="utf-8")
    res = _kinesight(tmp_path, "analyze", str(CLIP), "--no-progress")
    line = _one_line_error(res)
    assert res.returncode == 1
    assert "cannot be imported" in line and "libonnxruntime.so.1" in line and "kinesight[cpu]" in line, line


PRELOAD = textwrap.dedent('''
    import functools, sys, types
    import onnxruntime as ort
    from engine.core import runtime

    # ORT's own preloader, looking for CUDA/cuDNN in an empty folder and on the default paths
    # only (not in the nvidia-* pip packages): what the packaged GPU app meets on a machine
    # without CUDA.
    preload = functools.partial(ort.preload_dlls, directory=sys.argv[2])
    if sys.argv[1] == "raw":
        preload()
    else:
        runtime._preload_cuda_libraries(types.SimpleNamespace(preload_dlls=preload))
''')


def test_missing_cuda_libraries_print_nothing_of_ort_s_own(tmp_path):
    """onnxruntime-gpu's preloader print()s a "Failed to load" line per missing CUDA library;
    the engine keeps them off the user's terminal (its one-line fallback reason says it)."""
    import onnxruntime as ort

    if not getattr(ort, "preload_dlls", None) or "CUDAExecutionProvider" not in ort.get_available_providers():
        pytest.skip("needs onnxruntime-gpu (the [test] set on Linux x86-64 has it)")
    empty = tmp_path / "no-cuda"
    empty.mkdir()
    script = tmp_path / "preload.py"
    script.write_text(PRELOAD, encoding="utf-8")
    raw = subprocess.run([sys.executable, str(script), "raw", str(empty)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    if "Failed to load" not in raw.stdout:
        pytest.skip("CUDA's libraries are on the default library path here: nothing fails to load")
    ours = subprocess.run([sys.executable, str(script), "engine", str(empty)], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert ours.returncode == 0, ours.stderr
    assert ours.stdout == "" and "Failed to load" not in ours.stderr, ours.stdout + ours.stderr


def test_the_cuda_fallback_names_what_to_install():
    from engine.core import runtime

    reason = runtime._fallback_reason("libcudnn.so.9: cannot open shared object file")
    assert reason.startswith("CUDA library libcudnn.so.9 not found: ") and "PyTorch" not in reason, reason
    assert "CUDA 13" in reason and "cuDNN 9" in reason and "kinesight[gpu]" in reason, reason
    assert "kinesight[gpu]" in runtime._no_provider_reason(["CPUExecutionProvider"])
