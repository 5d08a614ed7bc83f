"""ONNX Runtime sessions, the one place they are made: CUDA when it really works, else CPU,
and a report of which runs.

onnxruntime-gpu lists ``CUDAExecutionProvider`` as available even when the CUDA/cuDNN
libraries are missing; asking for it then logs an error and silently runs on CPU. So the
provider is chosen by building the session and reading back ``session.get_providers()``.
"""

from __future__ import annotations

import functools
import logging
import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Literal

import numpy as np

from engine.core.errors import InferenceError

log = logging.getLogger(__name__)

Device = Literal["auto", "cpu", "cuda"]
CUDA_EP = "CUDAExecutionProvider"
CPU_EP = "CPUExecutionProvider"

# Once CUDA failed to initialise in this process, later sessions go straight to CPU instead
# of paying (and logging) the failed attempt again.
_cuda_failure: str | None = None
_cuda_lock = threading.Lock()


@dataclass(frozen=True)
class ProviderReport:
    """Which execution provider really runs a session: "CUDA" or "CPU", the device, and why
    CUDA is not used ("" when it is, or when CPU was asked for); ``precision`` "int8" when the
    backbone runs its int8 twin (set by the Recognizer)."""

    provider: str
    device: str
    reason: str = ""
    precision: str = ""

    def __str__(self) -> str:
        text = f"{self.provider} ({self.device}{', int8 backbone' if self.precision == 'int8' else ''})"
        return f"{text}: {self.reason}" if self.reason else text


def usable_cores() -> int:
    """CPU cores this process may run on (its affinity mask, not the machine's total)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def default_threads() -> int:
    """Intra-op threads: the cores this process may use, at most 4 (more only adds overhead
    for the small per-frame batches of live inference)."""
    return max(1, min(4, usable_cores()))


def available_providers() -> list[str]:
    """The execution providers this onnxruntime build offers (not necessarily working)."""
    import onnxruntime as ort

    return list(ort.get_available_providers())


@functools.lru_cache(maxsize=None)
def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.processor() or platform.machine() or "CPU"


@functools.lru_cache(maxsize=None)
def _gpu_name(device_id: int = 0) -> str:
    # nvidia-smi may be absent; the name is cosmetic. Cached: every CUDA session (two per
    # Recognizer, again on each device change) would otherwise start nvidia-smi once more.
    try:
        import subprocess

        out = subprocess.run(
            ["nvidia-smi", "--query-gpu=name", "--format=csv,noheader", f"--id={device_id}"],
            capture_output=True, text=True, timeout=5,
        )
        if out.returncode == 0 and out.stdout.strip():
            return out.stdout.strip().splitlines()[0]
    except (OSError, subprocess.SubprocessError):
        pass
    return f"CUDA device {device_id}"


class _captured_stderr:
    """Capture what native code writes to file descriptor 2 (ORT logs the real reason for a
    CUDA fallback there, not in an exception)."""

    def __enter__(self):
        import tempfile

        self.text = ""
        self._saved = None
        try:
            sys.stderr.flush()
            self._tmp = tempfile.TemporaryFile(mode="w+b")
            self._saved = os.dup(2)
            os.dup2(self._tmp.fileno(), 2)
        except (OSError, ValueError, AttributeError):
            self._saved = None
        return self

    def __exit__(self, *exc) -> None:
        if self._saved is None:
            return
        os.dup2(self._saved, 2)
        os.close(self._saved)
        self._tmp.seek(0)
        self.text = self._tmp.read().decode("utf-8", "replace")
        self._tmp.close()


def _native_cause(log_text: str) -> str:
    """The most useful line of ORT's native log: a missing library, or the requirement note."""
    import re

    m = re.search(r"error: (lib[^\s:]+: cannot open shared object file)", log_text)
    if m:
        return m.group(1)
    m = re.search(r"(Require cuDNN [^.]*\.[^.]*\.)", log_text)
    return m.group(1) if m else ""


NO_DRIVER = "no NVIDIA driver found (libcuda.so.1 is missing)"


def _frozen() -> bool:
    """True in the packaged app (PyInstaller), which cannot take pip packages."""
    return bool(getattr(sys, "frozen", False))


def _cuda_libraries_hint() -> str:
    """Where CUDA 13 and cuDNN 9 come from for this kind of install."""
    if _frozen():
        # The GPU package does not carry them (about 1.5 GB); NVIDIA's system packages are found.
        return "install CUDA 13 and cuDNN 9 from NVIDIA (system libraries)"
    return 'install CUDA 13 and cuDNN 9 (pip install "kinesight[gpu]" brings NVIDIA\'s pip libraries)'


def _no_provider_reason(available: list[str]) -> str:
    """Why a CPU-only ONNX Runtime cannot use CUDA, and what to install instead."""
    reason = f"this onnxruntime build has no CUDA provider (it offers {', '.join(available)})"
    if _frozen():
        return f"{reason}; the kinesight-gpu package has one"
    return f'{reason}; for CUDA install onnxruntime-gpu: pip install "kinesight[gpu]"'


def _fallback_reason(cause: str) -> str:
    """Why onnxruntime-gpu fell back to CPU, cause first: the status bar has room for a few words."""
    if cause.startswith("libcuda.so"):
        return NO_DRIVER
    if cause.startswith("lib"):
        lib = cause.split(":", 1)[0]
        return f"CUDA library {lib} not found: {_cuda_libraries_hint()}"
    return cause or "no usable GPU, or the CUDA 13 / cuDNN 9 libraries onnxruntime-gpu needs are missing"


def _preload_cuda_libraries(ort) -> None:
    """Load CUDA/cuDNN from the nvidia-* pip packages (those of the [gpu] extra) when they are
    present, so onnxruntime-gpu finds them without LD_LIBRARY_PATH.
    Without them this is a no-op and the session build reports what is missing."""
    import contextlib
    import io

    preload = getattr(ort, "preload_dlls", None)  # onnxruntime-gpu >= 1.21
    if preload is None:
        return
    # preload_dlls print()s a "Failed to load ..." line per missing library and a link to ORT's
    # install page on stdout (the packaged app: three lines before every command's output). The
    # session build that follows finds the same cause, and the one-line report names it.
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            preload()
    except Exception as exc:  # noqa: BLE001 - best effort: the session build says what is missing
        log.debug("onnxruntime.preload_dlls failed: %s", exc)
    if printed.getvalue().strip():
        log.debug("onnxruntime.preload_dlls: %s", printed.getvalue().strip())


def _session_options(threads: int | None):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = threads or default_threads()
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.log_severity_level = 3  # errors only; the CUDA fallback is reported through ProviderReport
    # ORT's worker threads busy-wait between runs by default. The engine shares the CPU with its
    # own decode/capture threads (and the GUI): spinning steals their time and, measured on a
    # loaded 2-core machine, made batch-1 inference 2x slower. Sleep instead.
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    so.add_session_config_entry("session.inter_op.allow_spinning", "0")
    return so


def make_session(path: str | Path, device: Device = "auto", threads: int | None = None, *,
                 device_id: int = 0):
    """Build an ORT session for ``path`` on ``device``; returns (session, ProviderReport).

    "auto" tries CUDA and falls back to CPU with the reason in the report; "cuda" raises
    :class:`InferenceError` if CUDA does not really run; "cpu" never touches CUDA.
    """
    global _cuda_failure
    import onnxruntime as ort

    if device not in ("auto", "cpu", "cuda"):
        raise InferenceError(f"unknown device {device!r}; use auto, cpu or cuda")
    path = Path(path)
    if not path.is_file():
        raise InferenceError(f"ONNX model not found: {path}")
    # The process-wide logger prints the CUDA fallback as an error block; we report it instead.
    ort.set_default_logger_severity(3)
    so = _session_options(threads)
    reason = ""
    if device in ("auto", "cuda"):
        avail = ort.get_available_providers()
        if CUDA_EP not in avail:
            reason = _no_provider_reason(avail)
        elif _cuda_failure is not None:
            reason = _cuda_failure
        else:
            try:
                with _captured_stderr() as native_log:
                    _preload_cuda_libraries(ort)
                    sess = ort.InferenceSession(
                        str(path), so, providers=[(CUDA_EP, {"device_id": device_id}), CPU_EP]
                    )
            except Exception as exc:  # noqa: BLE001 - ORT raises its own Fail/RuntimeException types
                reason = f"CUDA session failed: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
            else:
                if sess.get_providers() and sess.get_providers()[0] == CUDA_EP:
                    return sess, ProviderReport("CUDA", _gpu_name(device_id), "")
                reason = _fallback_reason(_native_cause(native_log.text))
            with _cuda_lock:
                _cuda_failure = reason
        if device == "cuda":
            raise InferenceError(f"CUDA was asked for but does not work here: {reason}. Use --device cpu or auto.")
        log.info("running on CPU: %s", reason)
    try:
        sess = ort.InferenceSession(str(path), so, providers=[CPU_EP])
    except Exception as exc:  # noqa: BLE001
        raise InferenceError(f"ONNX Runtime cannot load {path.name}: {exc}") from exc
    return sess, ProviderReport("CPU", _cpu_name(), reason if device == "auto" else "")


def cuda_may_run(device: Device) -> bool:
    """Whether :func:`make_session` on ``device`` could run on CUDA (False: it will surely run on
    CPU, so a CPU-only graph such as an int8 backbone can be loaded directly)."""
    if device == "cpu":
        return False
    import onnxruntime as ort

    return CUDA_EP in ort.get_available_providers() and _cuda_failure is None


def mark_cuda_failed(reason: str) -> None:
    """Record that CUDA broke while running (not only at start): later sessions of this process
    go straight to the CPU with ``reason`` in their report (a broken CUDA context stays broken)."""
    global _cuda_failure
    with _cuda_lock:
        _cuda_failure = reason


def runtime_summary() -> dict:
    """Versions and providers, for ``kinesight info`` and the GUI's about box."""
    import onnxruntime as ort

    return {
        "onnxruntime": ort.__version__,
        "providers_available": ort.get_available_providers(),
        "ort_device": ort.get_device(),
        "cpu": _cpu_name(),
        "threads": default_threads(),
    }


def run_fixed_batch(run: Callable[[np.ndarray], Any], x: np.ndarray, size: int | None) -> Any:
    """``run(x)``, but fed in chunks of exactly ``size`` rows (the last zero-padded) when size is
    set. ``run`` returns an array or a list of arrays, each with the batch first.

    On CUDA a new input shape costs 0.3-0.9 s (cuDNN set-up and tuning; measured on an H100
    against 0.18 ms/frame once set up) and ORT keeps only the last shape per node, so
    alternating sizes would pay it again and again: every run on CUDA uses one batch size.
    """
    n = len(x)
    if size is None or n == size:
        return run(x)
    chunks = []
    for i in range(0, n, size):
        chunk = x[i : i + size]
        keep = len(chunk)
        if keep < size:
            chunk = np.concatenate([chunk, np.zeros((size - keep, *x.shape[1:]), dtype=x.dtype)])
        out = run(chunk)
        chunks.append([o[:keep] for o in out] if isinstance(out, (list, tuple)) else out[:keep])
    if isinstance(chunks[0], list):
        return [np.concatenate([c[k] for c in chunks]) for k in range(len(chunks[0]))]
    return np.concatenate(chunks)
