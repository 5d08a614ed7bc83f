"""``kinesight run``: live recognition from a webcam, file or stream URL, one printed line per
prediction, optionally every prediction as a JSON line."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import TextIO

from engine.core.prediction import UNKNOWN_MEANS
from kinesight.common import (
    EXIT_FAIL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    PROG,
    close_rules,
    counted,
    engine_settings,
    fail,
    open_bundle,
    open_rules,
    print_event,
    source_name,
)


def _format_prediction(p, labels_width: int = 18) -> str:
    """One line per action prediction."""
    if p.state.value == "warming_up":
        return f"{p.pts_s:8.2f}s  {'(warming up)':<{labels_width}}"
    label = p.label if p.label is not None else f"({p.state.value})"
    t = p.timings
    stats = f"[{t.latency_ms:5.1f} ms, {p.model_fps:4.1f} model fps, {p.dropped_frames} dropped]"
    if p.state.value == "unknown":
        # The probabilities of an unknown window are those of classes it is not like: say what
        # unknown means (and how far from the taught clips it is), never a probability.
        novelty = "" if p.novelty is None else f" (novelty {p.novelty:.2f})"
        return f"{p.pts_s:8.2f}s  {label:<{labels_width}} {UNKNOWN_MEANS}{novelty}   {stats}"
    top = ", ".join(f"{name} {prob:.2f}" for name, prob in p.top_k)
    return f"{p.pts_s:8.2f}s  {label:<{labels_width}} {p.confidence:5.2f}   top: {top}   {stats}"


def _format_transcript(u, labels_width: int = 18) -> str:
    """One line per transcript update (sequence tasks): the word being read, then the transcript."""
    now = u.current or ("(warming up)" if u.state.value == "warming_up" else "-")
    return f"{u.pts_s:8.2f}s  {now:<{labels_width}} | {u.transcript}"


class JsonlWriter:
    """Predictions appended to a file as JSON lines, never a partial line: each line is built
    whole and written with one ``os.write`` on an ``O_APPEND`` descriptor; a write that fails
    part-way (a full disk: ENOSPC, or EFBIG over a file-size limit) is cut back to the last
    complete line and raised as ``OSError``, so the file always parses and keeps every line
    written before. The file is emptied when opened, as ``open(path, "w")`` would."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND | getattr(os, "O_CLOEXEC", 0),
                           0o666)
        self._good = 0  # bytes of complete lines in the file
        self.lines = 0

    def write(self, record: dict) -> None:
        """Append ``record`` as one line; on failure the file is as it was before this call."""
        data = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        view = memoryview(data)
        try:
            while view:  # one write as a rule; after a short one (the disk filling up) the next says why
                n = os.write(self._fd, view)
                if n == 0:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self.path))
                view = view[n:]
        except OSError:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, self._good)
            raise
        self._good += len(data)
        self.lines += 1

    def close(self) -> None:
        """Close the file (idempotent)."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def cmd_run(args, out: TextIO) -> int:
    """Live recognition: one printed line per prediction, optionally JSONL."""
    from engine.runners.live import Engine
    from engine.io.sources import open_source
    from engine.tasks import reports_words

    settings = engine_settings(args)
    bundle = open_bundle(args.bundle)
    rules = None
    if args.rules is not None:  # checked before the source opens: a bad file is a usage error
        rules = open_rules(args.rules, bundle, source_name(args.source), stdout=out, on_event=print_event,
                           on_warning=lambda w: print(f"{PROG}: warning: {w}", file=sys.stderr, flush=True))
        if any(r.action == "stream" and r.target.strip() == "stdout" for r in rules.evaluator.rules):
            out = sys.stderr  # stdout carries the event lines alone, for a program reading them
    source = open_source(args.source)
    jsonl = JsonlWriter(args.jsonl) if args.jsonl else None
    jsonl_failed: list[OSError] = []
    done = threading.Event()
    errors: list[BaseException] = []
    last_label: list = [object()]
    width = max(len(x) for x in bundle.labels) + 2
    actions = not reports_words(bundle.manifest.task)
    fmt = _format_prediction if actions else _format_transcript

    def on_prediction(p) -> None:
        if jsonl_failed:
            return  # the run is stopping: the rest of the worker's batch is neither written nor printed
        if jsonl is not None:
            try:
                jsonl.write(p.to_dict())
            except OSError as exc:
                # A full disk: the lines so far stay whole; stop the run rather than go on
                # printing predictions that the file the user asked for no longer gets.
                jsonl_failed.append(exc)
                done.set()
                return
        if rules is not None:
            rules.feed(p)  # cheap; the actions run on the rules' own threads
        shown = p.label if actions else p.transcript
        if not args.quiet or shown != last_label[0]:
            print(fmt(p, width), file=out, flush=True)
        last_label[0] = shown

    engine = Engine(bundle, settings, on_prediction=on_prediction, on_error=errors.append,
                    on_finished=done.set, on_warning=lambda w: print(f"{PROG}: warning: {w}", file=sys.stderr))
    print(f"{PROG}: {bundle.manifest.name} on {engine.provider}; source {source.name} "
          f"({source.size[0]}x{source.size[1]}, {source.fps:g} fps)", file=sys.stderr)
    interrupted = False
    try:
        engine.start(source)
        deadline = None if args.seconds is None else time.monotonic() + args.seconds
        while not done.wait(0.1):
            if deadline is not None and time.monotonic() >= deadline:
                break
    except KeyboardInterrupt:
        interrupted = True
    finally:
        engine.close(timeout=2.0)
        # A capture thread still stuck in a network read must not see its container closed
        # under it (FFmpeg is not thread-safe there); the process exit reclaims it instead.
        if not any(t.is_alive() for t in engine.threads()):
            source.close()
        if jsonl is not None:
            jsonl.close()
        if rules is not None:
            rules.finish()
            close_rules(rules, quick=interrupted)
    s = engine.stats
    print(f"{PROG}: {counted(s.predictions, 'prediction')}, {counted(s.frames_seen, 'frame')}, "
          f"{s.dropped_frames} dropped", file=sys.stderr)
    if jsonl_failed:
        exc = jsonl_failed[0]
        return fail(f"cannot write {args.jsonl}: {exc.strerror or exc} (is the disk full?); the run was stopped "
                     f"and the {counted(jsonl.lines, 'prediction')} written before are kept", EXIT_FAIL)
    if errors:
        raise errors[0]
    return EXIT_INTERRUPTED if interrupted else EXIT_OK
