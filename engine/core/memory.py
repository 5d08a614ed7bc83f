"""Process memory housekeeping for long runs (glibc's heap): malloc settings at start, trimming."""

from __future__ import annotations

import ctypes
import functools
import sys

# glibc's mallopt parameter numbers (malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_M_ARENA_MAX = -8

# glibc serves blocks of at least the mmap threshold from mappings of their own, and gives the
# heap's free top back to the OS once it exceeds the trim threshold. By default it raises both as
# big blocks are freed (mmap up to 32 MiB on 64-bit, trim to twice that), so the heap may keep up
# to 64 MiB of free memory resident. tune_malloc() fixes them instead: big buffers that come and go
# (decoded frames, batches) are still reused from the heap below 32 MiB, and at most 8 MiB of free
# top stays (more than a 1080p frame, so one freed frame is not given back and faulted in again).
HEAP_MMAP_THRESHOLD = 32 * 1024 * 1024
HEAP_TRIM_THRESHOLD = 8 * 1024 * 1024


@functools.lru_cache(maxsize=1)
def _libc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim, libc.mallopt  # noqa: B018 - both exist only in glibc
        return libc
    except (OSError, AttributeError):  # not glibc (musl): nothing to cap or trim
        return None


def tune_malloc(arenas: int = 2) -> bool:
    """Set glibc's malloc up for a long-running engine (call once at start, before threads start).

    Measured with ``bench/soak.py --cycles`` (start/stop/switch cycles, a forced hand-over every
    10th; README, "Soak"):

    * at most ``arenas`` heap arenas: glibc gives each busy thread its own (up to 8 per core), and
      the engine's capture, worker and ONNX Runtime threads come and go with every switch, so
      freed memory ended up scattered over arenas that are rarely returned to the OS (400 cycles:
      RSS +17.1 % after warm-up with glibc's default, +2.9 % with 2);
    * fixed mmap and trim thresholds (32 MiB, 8 MiB; see above) instead of glibc's self-raising
      ones, under which RSS went up and down by 10-25 MB with whatever free memory the last cycles
      left at the heap's top (1,000 cycles side by side: RSS +7.1 % after warm-up with glibc's
      thresholds, +1.5 % with these, at the same speed).

    Returns whether all were applied (False where glibc is not the C library)."""
    libc = _libc()
    if libc is None:
        return False
    # Setting either threshold turns glibc's adjustment of both off for good.
    return all([libc.mallopt(_M_ARENA_MAX, int(arenas)),
                libc.mallopt(_M_MMAP_THRESHOLD, HEAP_MMAP_THRESHOLD),
                libc.mallopt(_M_TRIM_THRESHOLD, HEAP_TRIM_THRESHOLD)])


def trim_heap() -> None:
    """Give the C heap's free memory back to the OS (glibc only; a no-op elsewhere)."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
