"""The same analysis as engine/runners/batch.py, on Ray actors: for archives larger than one machine.

Each actor loads the model once (``worker.init_worker``) and analyses the files it is handed
(``worker.analyze_in_worker``); results come back to the driver, which writes every export
exactly as without Ray. Without ``address`` a local Ray starts with ``workers`` CPUs; with
one (``ray://host:10001`` or ``auto``) the actors run on that cluster, and files are streamed
to them through Ray's object store (the cluster's machines need not see the driver's disk).

Ray is optional (``pip install 'kinesight[ray]'``): :class:`RayUnavailable` says how to get it.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable

from engine.core.errors import EngineError, KinesightError
from engine.runners.worker import init_worker, safe_analyze


class RayUnavailable(EngineError):
    """Ray is not installed (the ``ray`` extra)."""


INSTALL_HINT = "--ray needs Ray, which is not installed; install it with pip install 'kinesight[ray]' (or pip install ray)"


def import_ray():
    """The ``ray`` module, or RayUnavailable saying how to install it."""
    try:
        import ray
    except ImportError as exc:
        raise RayUnavailable(INSTALL_HINT) from exc
    return ray


class _Analyzer:
    """One Ray actor: one model load, then any number of files."""

    def __init__(self, args: tuple) -> None:
        init_worker(*args)

    def analyze(self, source: str, data: bytes | None = None):
        """Analyse ``source`` (or, when streamed, ``data`` saved under its name); a typed error
        is returned, not raised, so that one bad file does not stop the others."""
        if data is None:
            return safe_analyze(source)
        with tempfile.TemporaryDirectory(prefix="kinesight-ray-") as tmp:
            path = Path(tmp) / Path(source).name
            path.write_bytes(data)
            return safe_analyze(str(path))


def run_on_ray(sources: list[str], worker_args: tuple, workers: int, address: str | None,
               on_done: Callable[[int, object], None]) -> None:
    """Analyse ``sources`` on ``workers`` actors; ``on_done(index, result_or_error)`` on the
    driver as each finishes (in finishing order)."""
    ray = import_ray()
    started_here = not ray.is_initialized()
    if started_here:
        os.environ.setdefault("RAY_DEDUP_LOGS", "0")
        kwargs = dict(include_dashboard=False, log_to_driver=False, logging_level="ERROR")
        try:
            if address:
                ray.init(address=address, **kwargs)
            else:
                ray.init(num_cpus=workers, **kwargs)
        except Exception as exc:  # noqa: BLE001 - Ray raises ConnectionError, RuntimeError...
            where = f"the Ray cluster at {address}" if address else "a local Ray"
            raise EngineError(f"could not start {where}: {exc}; check the address (ray://HOST:10001) and that "
                              "the cluster runs the same Ray and Python versions") from exc
    stream = bool(address)
    try:
        actor_cls = ray.remote(num_cpus=1)(_Analyzer)
        actors = [actor_cls.remote(worker_args) for _ in range(max(1, workers))]
        pending: dict = {}
        next_i = 0

        def submit(actor) -> None:
            nonlocal next_i
            src = sources[next_i]
            data = ray.put(Path(src).read_bytes()) if stream and Path(src).is_file() else None
            pending[actor.analyze.remote(src, data)] = (next_i, actor)
            next_i += 1

        for actor in actors:
            if next_i < len(sources):
                submit(actor)
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            ref = ready[0]
            i, actor = pending.pop(ref)
            try:
                outcome = ray.get(ref)
            except KinesightError as exc:
                outcome = exc
            except Exception as exc:  # noqa: BLE001 - an actor that died: this file fails, others go on
                outcome = EngineError(f"the Ray worker analysing it failed: {type(exc).__name__}: {exc}")
            if next_i < len(sources):
                submit(actor)  # keep each actor busy with the next file
            on_done(i, outcome)
        for actor in actors:
            ray.kill(actor)
    finally:
        if started_here:
            ray.shutdown()
