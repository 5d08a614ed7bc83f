"""Folders and archives: many files analysed in parallel, resumable, with a summary.

    driver (this process)                      workers (processes, or Ray actors: ray_runner.py)
      plan: inputs -> Jobs (outputs, key)  -->   one Recognizer each (one model load per worker)
      skip jobs whose record matches             analyze_file(path) -> AnalysisResult
      write every export atomically      <--     progress (done_s, total_s) per file
      then the record, then summary.csv

Workers only analyse; the driver writes every file, the same way whichever runner analysed
(so ``--ray`` output is byte for byte the output without it).

Resuming: once a file's exports are all written, the driver writes its record beside them
(``.NAME.kinesight-done.json``: the analysis key, the outputs, duration, speed, top events).
The key hashes the video's content, the bundle's files, the engine settings and the event
rules, so a later run skips a file only when it would compute the same thing and its outputs
are all there (``force`` analyses anyway). A run killed mid-file leaves that file without a
record (and, the exports being atomic, without half-written exports): the next run does it again.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import queue
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Callable

from engine.core.errors import EngineError, KinesightError
from engine.core.settings import EngineSettings
from engine.io.events import EventRules, top_events
from engine.io.exports import remove_stale_temporaries, write_text_atomic
from engine.io.results import AnalysisResult
from engine.runners.worker import init_worker, safe_analyze
from engine.tasks import reports_words

RECORD_SUFFIX = ".kinesight-done.json"
SUMMARY_COLUMNS = ("file", "status", "duration_s", "wall_s", "speed", "top_events", "error")
EXPORT_KINDS = ("csv", "json", "srt", "vtt", "video")
_EXT = {"csv": ".csv", "json": ".json", "srt": ".srt", "vtt": ".vtt", "video": ".annotated.mp4"}


@dataclass
class Job:
    """One input and where its exports go (``outputs``: kind -> path)."""

    source: str
    outputs: dict[str, Path]
    record: Path | None = None  # where the resume record goes (None: no resuming)
    key: str = ""


@dataclass
class FileReport:
    """How one input went: status "done", "skipped" (already analysed) or "failed"."""

    file: str
    status: str
    duration_s: float = 0.0
    wall_s: float = 0.0
    speed: float = 0.0
    top_events: str = ""
    error: str = ""
    result: AnalysisResult | None = field(default=None, repr=False)
    exc: BaseException | None = field(default=None, repr=False)

    def row(self) -> list[str]:
        """The summary CSV row."""
        return [self.file, self.status, f"{self.duration_s:.3f}", f"{self.wall_s:.3f}", f"{self.speed:.2f}",
                self.top_events, self.error]


# --------------------------------------------------------------------------- planning


def plan_jobs(sources: list[str], out_dir: Path | None, kinds: tuple[str, ...]) -> list[Job]:
    """A job per source with its outputs in ``out_dir`` (NAME.csv, NAME.json...; the full file
    name when two sources share a stem). Without ``out_dir`` nothing is written or resumed."""
    stems = [Path(s).stem or "analysis" for s in sources]
    jobs = []
    for src, stem in zip(sources, stems):
        if out_dir is None:
            jobs.append(Job(src, {}))
            continue
        name = stem if stems.count(stem) == 1 else Path(src).name
        jobs.append(Job(src, {k: out_dir / f"{name}{_EXT[k]}" for k in kinds}, out_dir / f".{name}{RECORD_SUFFIX}"))
    return jobs


def _hash_file(path: Path, h) -> None:
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)


_BUNDLE_HASHES: dict[str, str] = {}


def bundle_fingerprint(root: Path) -> str:
    """SHA-256 over every file of a bundle (names and contents), cached per process."""
    root = Path(root)
    if str(root) not in _BUNDLE_HASHES:
        h = hashlib.sha256()
        for p in sorted(q for q in root.rglob("*") if q.is_file()):
            h.update(str(p.relative_to(root)).encode())
            _hash_file(p, h)
        _BUNDLE_HASHES[str(root)] = h.hexdigest()
    return _BUNDLE_HASHES[str(root)]


def analysis_key(source: str | Path, bundle_root: Path, settings: EngineSettings, rules: EventRules) -> str:
    """What decides an analysis's output: the video's bytes, the bundle, settings and rules."""
    h = hashlib.sha256()
    src = Path(source)
    if src.is_file():
        _hash_file(src, h)
    else:
        h.update(str(src).encode())  # image folders and URLs: by name
    s = asdict(settings)
    # Live-only settings, and threads (split between however many workers run) do not decide it.
    for volatile in ("realtime", "ring_capacity", "threads"):
        s.pop(volatile, None)
    if s.get("lip_landmarks") == "off":  # the default: keys of analyses made before it existed still match
        s.pop("lip_landmarks")
    h.update(json.dumps({"bundle": bundle_fingerprint(bundle_root), "settings": s, "rules": asdict(rules)},
                        sort_keys=True).encode())
    return h.hexdigest()


def already_done(job: Job) -> dict | None:
    """The job's record if it matches its key and every output exists, else None."""
    if job.record is None or not job.record.is_file():
        return None
    try:
        record = json.loads(job.record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if record.get("key") != job.key or not all(p.is_file() for p in job.outputs.values()):
        return None
    return record


# --------------------------------------------------------------------------- writing (the driver)


def describe_top(result: AnalysisResult, n: int = 3) -> str:
    """"label 4.2s; label 1.0s": the labels with the most time (lip: the transcript's start, after
    "(cannot read)" when the reader says it cannot read the file)."""
    if reports_words(result.task):
        flag = "(cannot read) " if result.reading()["cannot_read"] else ""
        return (flag + result.transcript)[:80]
    return "; ".join(f"{label} {secs:.1f}s" for label, secs in top_events(result.events(), n))


def write_outputs(job: Job, result: AnalysisResult, *, cancel: threading.Event | None = None) -> FileReport:
    """Write the job's exports (each atomically), then its resume record; returns its report."""
    writers = {"csv": result.to_csv, "json": result.to_json, "srt": result.to_srt, "vtt": result.to_vtt}
    for kind, path in job.outputs.items():
        if kind == "video":
            from engine.io.annotate import write_annotated_video

            write_annotated_video(result, job.source, path, cancel=cancel)
        else:
            writers[kind](path)
    report = FileReport(result.source or Path(job.source).name, "done", result.duration_s, result.wall_s,
                        result.speed, describe_top(result), "; ".join(result.warnings), result=result)
    if job.record is not None and not result.cancelled:
        write_text_atomic(job.record, json.dumps({
            "key": job.key, "source": str(job.source), "outputs": {k: p.name for k, p in job.outputs.items()},
            "duration_s": report.duration_s, "wall_s": report.wall_s, "speed": report.speed,
            "top_events": report.top_events, "written_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }, indent=1) + "\n")
    return report


def summary_text(reports: list[FileReport]) -> str:
    """The summary CSV: one row per input (file, status, duration, speed, top events, errors)."""
    f = io.StringIO(newline="")
    w = csv.writer(f)
    w.writerow(SUMMARY_COLUMNS)
    for r in reports:
        w.writerow(r.row())
    return f.getvalue()


# --------------------------------------------------------------------------- workers


def worker_threads(settings: EngineSettings, workers: int) -> EngineSettings:
    """Settings for one of ``workers`` workers: ONNX Runtime threads split between them
    (unless set), so two workers on two cores do not fight over each core."""
    from dataclasses import replace

    from engine.core.runtime import usable_cores

    if settings.threads is not None:
        return settings
    return replace(settings, threads=max(1, usable_cores() // max(1, workers)))


# --------------------------------------------------------------------------- the run


ProgressFn = Callable[[str, float, float], None]
DoneFn = Callable[[FileReport, int, int], None]


def run_batch(
    jobs: list[Job],
    bundle_root: Path,
    settings: EngineSettings,
    *,
    workers: int = 1,
    rules: EventRules = EventRules(),
    batch_size: int = 16,
    force: bool = False,
    use_ray: bool = False,
    ray_address: str | None = None,
    on_progress: ProgressFn | None = None,
    on_file: DoneFn | None = None,
) -> list[FileReport]:
    """Analyse ``jobs`` on ``workers`` processes (1: this process; ``use_ray``: Ray actors) and
    write their exports; returns one report per job, in job order. A file that fails gets a
    "failed" report and the others go on."""
    settings = worker_threads(settings, workers)
    for folder in {p.parent for j in jobs for p in j.outputs.values()}:
        remove_stale_temporaries(folder)
    reports: dict[int, FileReport] = {}
    todo: list[int] = []
    for i, job in enumerate(jobs):
        if job.record is not None:
            job.key = analysis_key(job.source, bundle_root, settings, rules)
            record = None if force else already_done(job)
            if record is not None:
                reports[i] = FileReport(Path(job.source).name, "skipped", record.get("duration_s", 0.0),
                                        record.get("wall_s", 0.0), record.get("speed", 0.0),
                                        record.get("top_events", ""))
                if on_file:
                    on_file(reports[i], len(reports), len(jobs))
                continue
        todo.append(i)

    def finish(i: int, outcome) -> None:
        job = jobs[i]
        if isinstance(outcome, BaseException):
            reports[i] = FileReport(Path(job.source).name, "failed", error=" ".join(str(outcome).split()), exc=outcome)
        else:
            try:
                reports[i] = write_outputs(job, outcome)
            except KinesightError as exc:
                reports[i] = FileReport(Path(job.source).name, "failed", error=str(exc), exc=exc)
        if on_file:
            on_file(reports[i], len(reports), len(jobs))

    args = (str(bundle_root), asdict(settings), asdict(rules), batch_size)
    if todo and use_ray:
        from engine.runners.ray_runner import run_on_ray

        run_on_ray([jobs[i].source for i in todo], args, min(workers, len(todo)), ray_address,
                   lambda k, outcome: finish(todo[k], outcome))
    # A frozen app (PyInstaller) re-runs its own executable for spawned workers, which only works
    # once its entry point calls multiprocessing.freeze_support(): until then it analyses here.
    elif todo and (workers <= 1 or len(todo) == 1 or getattr(sys, "frozen", False)):
        init_worker(*args, progress_q=_Direct(on_progress))
        for i in todo:
            finish(i, safe_analyze(jobs[i].source))
    elif todo:
        _run_processes(jobs, todo, args, min(workers, len(todo)), on_progress, finish)
    return [reports[i] for i in range(len(jobs))]


class _Direct:
    """A progress "queue" that calls the callback at once (one process, no queue needed)."""

    def __init__(self, fn: ProgressFn | None) -> None:
        self.fn = fn

    def put(self, item) -> None:
        if self.fn:
            self.fn(*item)


def _run_processes(jobs, todo, args, workers, on_progress, finish) -> None:
    ctx = get_context("spawn")  # fork after ONNX Runtime / FFmpeg threads exist is unsafe
    progress_q = ctx.Queue()
    stop = threading.Event()

    def pump() -> None:
        while not stop.is_set():
            try:
                item = progress_q.get(timeout=0.2)
            except (queue.Empty, OSError, EOFError):
                continue
            if on_progress:
                on_progress(*item)

    pumper = threading.Thread(target=pump, name="kinesight-batch-progress", daemon=True)
    pumper.start()
    try:
        with ProcessPoolExecutor(workers, mp_context=ctx, initializer=init_worker,
                                 initargs=(*args, progress_q, os.getpid())) as pool:
            futures = {pool.submit(safe_analyze, jobs[i].source): i for i in todo}
            pending = set(futures)
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    try:
                        outcome = fut.result()
                    except Exception as exc:  # noqa: BLE001 - a worker that died (killed, out of memory)
                        outcome = EngineError(f"the worker analysing it stopped: {type(exc).__name__}: {exc}")
                    finish(futures[fut], outcome)
    finally:
        stop.set()
        pumper.join(1.0)
