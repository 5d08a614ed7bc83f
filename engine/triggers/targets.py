"""Where an event goes: a command, an HTTP POST, or a JSON-lines stream (stdout, a file, a TCP port).

Each ``send`` runs on its target's own worker thread (engine/triggers/dispatch.py) and raises
:class:`TargetFailed` with the reason when the event did not get through.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

from engine.triggers.rules import STDOUT, TCP_SCHEME, Rule, is_loopback


class TargetFailed(Exception):
    """An event did not reach its target; the message says why."""


def event_line(event: dict) -> bytes:
    """One event as a JSON line (UTF-8, newline-terminated)."""
    return (json.dumps(event, ensure_ascii=False) + "\n").encode("utf-8")


class CommandTarget:
    """Runs a program per event, with the event as JSON on its stdin and as KINESIGHT_* variables;
    no shell unless the rule asks; killed after ``timeout_s``."""

    def __init__(self, rule: Rule) -> None:
        self.argv = rule.argv()
        self.timeout_s = rule.timeout_s
        self.name = f"command {rule.target!r}"

    def send(self, event: dict) -> None:
        env = dict(os.environ, KINESIGHT_EVENT=json.dumps(event, ensure_ascii=False),
                   **{f"KINESIGHT_{k.upper()}": str(v) for k, v in event.items()})
        try:
            res = subprocess.run(self.argv, input=event_line(event), env=env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE, timeout=self.timeout_s, check=False)
        except FileNotFoundError:
            raise TargetFailed(f"{self.argv[0]} was not found (is it installed, and on PATH?)") from None
        except PermissionError:
            raise TargetFailed(f"{self.argv[0]} cannot be run (is it executable?)") from None
        except subprocess.TimeoutExpired:
            raise TargetFailed(f"it ran longer than {self.timeout_s:g} s and was stopped") from None
        except OSError as exc:
            raise TargetFailed(f"it could not start: {exc.strerror or exc}") from None
        if res.returncode != 0:
            tail = res.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] if res.stderr else []
            raise TargetFailed(f"it exited with code {res.returncode}" + (f": {tail[0][:200]}" if tail else ""))


class HttpTarget:
    """POSTs each event as JSON to a URL; a reply other than 2xx, or none in ``timeout_s``, fails."""

    def __init__(self, rule: Rule) -> None:
        self.url = rule.target.strip()
        self.timeout_s = rule.timeout_s
        self.name = f"POST {self.url}"
        # A proxy from the environment must not swallow a POST meant for this machine.
        handlers = [urllib.request.ProxyHandler({})] if is_loopback(urlsplit(self.url).hostname or "") else []
        self._opener = urllib.request.build_opener(*handlers)

    def send(self, event: dict) -> None:
        req = urllib.request.Request(self.url, data=json.dumps(event, ensure_ascii=False).encode("utf-8"),
                                     method="POST", headers={"Content-Type": "application/json",
                                                             "User-Agent": "kinesight"})
        try:
            with self._opener.open(req, timeout=self.timeout_s) as reply:
                reply.read(65536)
        except urllib.error.HTTPError as exc:
            raise TargetFailed(f"the server answered {exc.code} {exc.reason}") from None
        except urllib.error.URLError as exc:
            raise TargetFailed(f"cannot reach it: {getattr(exc.reason, 'strerror', None) or exc.reason}") from None
        except (TimeoutError, OSError) as exc:
            raise TargetFailed(f"no answer: {exc}") from None


class StdoutStream:
    """Event lines on standard output (or another text stream), flushed per line."""

    name = "standard output"

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def send(self, event: dict) -> None:
        stream = self._stream or sys.stdout
        with self._lock:
            try:
                stream.write(event_line(event).decode("utf-8"))
                stream.flush()
            except (OSError, ValueError) as exc:
                raise TargetFailed(f"cannot write: {exc}") from None


class FileStream:
    """Event lines appended to a file, each one written whole (one ``os.write``, ``O_APPEND``)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()
        self.name = f"file {self.path}"

    def send(self, event: dict) -> None:
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_CLOEXEC", 0), 0o644)
            try:
                os.write(fd, event_line(event))
            finally:
                os.close(fd)
        except OSError as exc:
            raise TargetFailed(f"cannot write: {exc.strerror or exc}") from None


class TcpStream:
    """A TCP server that sends each event as a JSON line to every connected client (any number;
    a client that stops reading for ``SEND_TIMEOUT_S`` is dropped). Listens from construction."""

    SEND_TIMEOUT_S = 2.0

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.name = f"{TCP_SCHEME}{host}:{port}"
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._server = socket.socket(family, socket.SOCK_STREAM)
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self._server.bind((host, port))
            self._server.listen(16)
        except OSError as exc:
            self._server.close()
            raise TargetFailed(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
        self.port = self._server.getsockname()[1]
        self.name = f"{TCP_SCHEME}{host}:{self.port}"
        self._clients: list[socket.socket] = []
        self._lock = threading.Lock()
        self._accepting = threading.Thread(target=self._accept, name="kinesight-events-tcp", daemon=True)
        self._accepting.start()

    @property
    def clients(self) -> int:
        """How many clients are connected now."""
        with self._lock:
            return len(self._clients)

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._server.accept()
            except OSError:  # closed
                return
            conn.settimeout(self.SEND_TIMEOUT_S)
            with self._lock:
                self._clients.append(conn)

    def send(self, event: dict) -> None:
        data = event_line(event)
        with self._lock:
            clients = list(self._clients)
        for conn in clients:
            try:
                conn.sendall(data)
            except OSError:  # gone, or not reading: it misses the rest
                with self._lock:
                    if conn in self._clients:
                        self._clients.remove(conn)
                conn.close()

    def close(self) -> None:
        """Stop listening and hang up on every client."""
        try:
            self._server.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._server.close()
        with self._lock:
            clients, self._clients = self._clients, []
        for conn in clients:
            conn.close()
        self._accepting.join(timeout=1.0)


def make_target(rule: Rule, stdout: TextIO | None = None):
    """The target a rule's action sends to (a TCP stream starts listening here)."""
    if rule.action == "command":
        return CommandTarget(rule)
    if rule.action == "http":
        return HttpTarget(rule)
    target = rule.target.strip()
    if target == STDOUT:
        return StdoutStream(stdout)
    if target.startswith(TCP_SCHEME):
        return TcpStream(*rule.tcp_address())
    return FileStream(target)
