"""engine.core.memory, as kinesight, kinesight-gui and the soak apply it at start (tune_malloc): freed
memory beyond 8 MiB at the heap's top goes back to the OS, and a recurring big buffer (a decoded
frame) is still reused from the heap instead of being mapped and faulted in afresh each time.

Each check runs in a fresh process: malloc settings are process-wide and for good."""

from __future__ import annotations

import ctypes
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _glibc() -> bool:
    try:
        ctypes.CDLL("libc.so.6").mallopt  # noqa: B018
    except (OSError, AttributeError):
        return False
    return sys.platform.startswith("linux")


pytestmark = pytest.mark.skipif(not _glibc(), reason="glibc's malloc settings exist only on glibc Linux")

_COMMON = r"""
import ctypes, resource, sys
sys.path.insert(0, sys.argv[1])
from engine.core.memory import tune_malloc
print(tune_malloc())
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
MB = 2 ** 20
def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / MB
"""

# What a switch leaves: a big buffer freed (glibc's default would now keep up to twice its size
# free at the heap's top), then 40 buffers of 1 MiB used and freed at the top of the heap. With
# glibc's defaults RSS stays at its peak.
_FREED_TOP = _COMMON + r"""
big = libc.malloc(30 * MB); ctypes.memset(big, 1, 30 * MB); libc.free(big)
blocks = [libc.malloc(MB) for _ in range(40)]
for b in blocks:
    ctypes.memset(b, 1, MB)
peak = rss_mb()
for b in reversed(blocks):
    libc.free(b)
print(peak - rss_mb())
"""

# A decoded 1080p frame's buffer (6 MB), allocated, filled and freed 50 times in a row.
_FRAMES = _COMMON + r"""
size = 1920 * 1080 * 3
def frame():
    b = libc.malloc(size); ctypes.memset(b, 1, size); libc.free(b)
frame()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(50):
    frame()
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 50, size // 4096)
"""


def _probe(script: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", script, str(ROOT)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.split()
    assert lines[0] == "True", "tune_malloc() did not apply on glibc"
    return lines[1:]


def test_free_memory_at_the_heap_top_goes_back_to_the_os():
    (freed,) = (float(v) for v in _probe(_FREED_TOP))
    assert freed >= 30.0, f"40 MiB freed at the heap's top should leave RSS; only {freed:.1f} MB did"


def test_a_recurring_frame_buffer_is_reused_not_mapped_afresh_each_time():
    faults_per_frame, pages = (float(v) for v in _probe(_FRAMES))
    # Mapped afresh, every frame would fault in all its pages again (about 1,500).
    assert faults_per_frame < pages / 10, f"{faults_per_frame:.0f} page faults per frame of {pages:.0f} pages"
