"""Files an analysis is exported to, each written atomically, and the subtitle tracks.

Every export goes to a temporary file beside its target (``.NAME.<pid>.kinesight-tmp``) and is
renamed over the target (``os.replace``) only once complete: a run that is cancelled, fails or
is killed never leaves a half-written CSV, JSON, subtitle or video under the real name, and a
file finished earlier stays as it was. A temporary file left by a killed process is removed by
:func:`remove_stale_temporaries` (the next run over the same folder calls it).

Subtitles (SRT, WebVTT) carry one cue per event (``engine/io/events.py``): the label, or the state
in brackets ("(uncertain)"), labels with their mean confidence; lip bundles give one cue per word.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterator

from engine.io.events import Event

TMP_SUFFIX = ".kinesight-tmp"


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``target`` in one rename, on
    any error (or cancel) it is removed and ``target`` is left untouched."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}{TMP_SUFFIX}")
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_text_atomic(target: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``target`` atomically; returns the target."""
    target = Path(target)
    with atomic_path(target) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())  # the rename must not outlive the data on a crash
    return target


def remove_stale_temporaries(folder: str | Path) -> list[Path]:
    """Remove temporaries that processes no longer running left in ``folder``; returns them."""
    removed = []
    folder = Path(folder)
    if not folder.is_dir():
        return removed
    for p in folder.glob(f".*{TMP_SUFFIX}"):
        try:
            pid = int(p.name[: -len(TMP_SUFFIX)].rsplit(".", 1)[1])
        except (IndexError, ValueError):
            continue
        if pid != os.getpid() and not _alive(pid):
            with contextlib.suppress(OSError):
                p.unlink()
                removed.append(p)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


# --------------------------------------------------------------------------- subtitles


def _cue_text(e: Event) -> str:
    if e.label is None:  # no answer: its "confidence" is not one in a label
        return e.text
    return f"{e.text} ({e.mean_confidence:.2f})"


def _stamp(t: float, sep: str) -> str:
    ms = max(0, round(t * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def _cues(events: list[Event]) -> list[Event]:
    # A cue must last: zero-length events (a file that ended on a tick) are not shown.
    return [e for e in events if round(e.end_s * 1000) > round(e.start_s * 1000)]


def srt_text(events: list[Event]) -> str:
    """SubRip: numbered cues ``HH:MM:SS,mmm --> HH:MM:SS,mmm``, blank-line separated."""
    blocks = [f"{i}\n{_stamp(e.start_s, ',')} --> {_stamp(e.end_s, ',')}\n{_cue_text(e)}\n"
              for i, e in enumerate(_cues(events), 1)]
    return "\n".join(blocks)


def vtt_text(events: list[Event]) -> str:
    """WebVTT: the ``WEBVTT`` header, then cues ``HH:MM:SS.mmm --> HH:MM:SS.mmm``."""
    blocks = [f"{_stamp(e.start_s, '.')} --> {_stamp(e.end_s, '.')}\n{_cue_text(e)}\n" for e in _cues(events)]
    return "WEBVTT\n\n" + "\n".join(blocks)


def write_srt(events: list[Event], target: str | Path) -> Path:
    """The events as an SRT file, atomically."""
    return write_text_atomic(target, srt_text(events))


def write_vtt(events: list[Event], target: str | Path) -> Path:
    """The events as a WebVTT file, atomically."""
    return write_text_atomic(target, vtt_text(events))
