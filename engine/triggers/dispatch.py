"""Rules at work: the evaluator's events handed to their targets, off the caller's thread.

    caller (engine worker, CLI loop, GUI): RuleRunner.feed(record) -> RuleEvaluator (cheap)
        -> one bounded queue per target -> that target's worker thread -> send
        (a command, an HTTP POST, a stream line)

A slow or hanging target delays only its own queue, never recognition nor another target; a
full queue drops the event (counted). A target that fails is reported once through
``on_warning`` (called on its worker thread) and is tried again with the next event.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass
from typing import Callable, TextIO

from engine.triggers.evaluator import RuleEvaluator, RuleEvent
from engine.triggers.rules import Rule
from engine.triggers.targets import TargetFailed, make_target

QUEUE_SIZE = 64  # events waiting per target; more are dropped (a target far slower than its events)
_STOP = object()


@dataclass
class TargetStats:
    """What happened to one target's events."""

    name: str
    sent: int = 0
    failed: int = 0
    dropped: int = 0


class _Worker:
    """One target, its queue and the thread that sends to it."""

    def __init__(self, target, report: Callable[[str], None]) -> None:
        self.target = target
        self.stats = TargetStats(getattr(target, "name", "target"))
        self.queue: queue.Queue = queue.Queue(maxsize=QUEUE_SIZE)
        self._report = report
        self._reported = False
        self._pending = 0  # events put and not yet handled
        self._done = threading.Condition()
        self.thread = threading.Thread(target=self._run, name=f"kinesight-rule {self.stats.name}", daemon=True)
        self.thread.start()

    def put(self, rule_name: str, event: dict) -> None:
        try:
            with self._done:
                self.queue.put_nowait((rule_name, event))
                self._pending += 1
        except queue.Full:
            self.stats.dropped += 1
            self._fail_once(rule_name, f"events come faster than it takes them; {self.stats.dropped} dropped")

    def _run(self) -> None:
        while True:
            item = self.queue.get()
            if item is _STOP:
                return
            rule_name, event = item
            try:
                self.target.send(event)
                self.stats.sent += 1
            except TargetFailed as exc:
                self.stats.failed += 1
                self._fail_once(rule_name, str(exc))
            except Exception as exc:  # noqa: BLE001 - an action never stops recognition
                self.stats.failed += 1
                self._fail_once(rule_name, f"{type(exc).__name__}: {exc}")
            with self._done:
                self._pending -= 1
                self._done.notify_all()

    def _fail_once(self, rule_name: str, reason: str) -> None:
        if self._reported:
            return
        self._reported = True
        self._report(f"rule {rule_name!r}: {self.stats.name} failed: {reason}. Recognition goes on; "
                     "further failures of this target are not reported")

    def wait_idle(self, deadline: float) -> bool:
        with self._done:
            return self._done.wait_for(lambda: self._pending == 0, max(0.0, deadline - time.monotonic()))

    def stop(self, deadline: float) -> None:
        """Let queued events go until ``deadline``, drop the rest, end the thread (one still inside a
        send, e.g. a command that hangs, ends with it: never later than the command's timeout)."""
        self.wait_idle(deadline)
        with self._done:
            while True:
                try:
                    self.queue.get_nowait()
                except queue.Empty:
                    break
                self._pending -= 1
                self.stats.dropped += 1
        self.queue.put(_STOP)
        self.thread.join(timeout=max(0.0, deadline - time.monotonic()))
        close = getattr(self.target, "close", None)
        if close is not None:
            close()


class RuleRunner:
    """Rules applied to a stream of records: ``feed`` evaluates (on the caller's thread, cheaply)
    and queues each event for its target's worker thread. ``on_event`` (caller's thread) sees
    every event; ``on_warning`` (a worker thread, or the caller's for a target that cannot start)
    gets each failing target once. ``close`` stops the workers within its timeout."""

    def __init__(self, rules: list[Rule], *, source: str = "", bundle: str = "",
                 on_event: Callable[[RuleEvent], None] | None = None,
                 on_warning: Callable[[str], None] | None = None, stdout: TextIO | None = None) -> None:
        self.evaluator = RuleEvaluator(rules, source=source, bundle=bundle)
        self._on_event = on_event
        self._on_warning = on_warning or (lambda text: None)
        self._workers: dict[tuple[str, str], _Worker | None] = {}
        self._route: dict[str, _Worker | None] = {}
        for rule in self.evaluator.rules:
            key = (rule.action, rule.target.strip())
            if key not in self._workers:
                try:
                    self._workers[key] = _Worker(make_target(rule, stdout), self._on_warning)
                except TargetFailed as exc:  # e.g. a port in use: this rule is off, the others run
                    self._workers[key] = None
                    self._on_warning(f"rule {rule.name!r}: {exc}. The rule is off; recognition goes on")
            self._route[rule.name] = self._workers[key]

    @property
    def stats(self) -> list[TargetStats]:
        """Per target: events sent, failed and dropped."""
        return [w.stats for w in self._workers.values() if w is not None]

    def target_of(self, rule_name: str):
        """The target a rule sends to (None when it could not start), e.g. a TcpStream to read its port."""
        worker = self._route.get(rule_name)
        return None if worker is None else worker.target

    def set_source(self, source: str) -> None:
        """Name the source that now plays and forget every hold and cool-down."""
        self.evaluator.source = source
        self.evaluator.reset()

    def feed(self, record) -> list[RuleEvent]:
        """Evaluate one record; queue the events it fires; returns them."""
        events = self.evaluator.feed(record)
        self._dispatch(events)
        return events

    def feed_words(self, tokens) -> list[RuleEvent]:
        """Evaluate a finished file's words (TimedTokens); queue the events they fire."""
        events = self.evaluator.feed_words(tokens)
        self._dispatch(events)
        return events

    def finish(self) -> list[RuleEvent]:
        """The source ended: the end events of holds still open."""
        events = self.evaluator.finish()
        self._dispatch(events)
        return events

    def _dispatch(self, events: list[RuleEvent]) -> None:
        for ev in events:
            worker = self._route.get(ev.rule)
            if worker is not None:
                worker.put(ev.rule, ev.to_dict())
            if self._on_event is not None:
                self._on_event(ev)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until every queued event was handled (True) or ``timeout`` passed (False)."""
        deadline = time.monotonic() + timeout
        return all(w.wait_idle(deadline) for w in self._workers.values() if w is not None)

    def close(self, timeout: float = 2.0) -> None:
        """Stop every worker (events still queued after ``timeout`` are dropped) and every server."""
        deadline = time.monotonic() + timeout
        for w in self._workers.values():
            if w is not None:
                w.stop(deadline)

    def threads(self) -> list[threading.Thread]:
        """The worker threads (for shutdown checks)."""
        return [w.thread for w in self._workers.values() if w is not None]
